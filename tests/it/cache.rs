//! The build cache (`.kohyo-cache/`): after each kind of edit a cached build's output is byte
//! for byte a cold build's, and a damaged cache, one from another version or one a killed build
//! left is reported in one line and never trusted.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{Rng, build_result, copy_site, kohyo, sample_root, snapshot, stderr};

/// `kohyo build` of `root` into `out`, with `extra` arguments; it must succeed.
fn build(root: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let result = kohyo(&args);
    assert!(result.status.success(), "build failed: {}", stderr(&result));
    result
}

/// The lines of a build's stderr that are warnings about the build cache.
fn warnings(out: &Output) -> Vec<String> {
    stderr(out)
        .lines()
        .filter(|l| l.starts_with("warning:") && l.contains("cache"))
        .map(String::from)
        .collect()
}

/// What a cached build made again, from `--timings`' cache line: (rendered, pages, indexed,
/// edition pages).
fn redone(out: &Output) -> [usize; 4] {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("cache: "))
        .unwrap_or_else(|| panic!("a cache line in {text}"));
    let numbers: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| !w.is_empty())
        .map(|w| w.parse().unwrap())
        .collect();
    numbers
        .try_into()
        .unwrap_or_else(|_| panic!("four numbers in {line}"))
}

/// Fail with the first path where two output folders differ.
fn assert_same_tree(cached: &Path, cold: &Path, what: &str) {
    let (cached, cold) = (snapshot(cached), snapshot(cold));
    let paths = |tree: &std::collections::BTreeMap<_, _>| tree.keys().cloned().collect::<Vec<_>>();
    assert_eq!(paths(&cached), paths(&cold), "{what}: the same files");
    for (path, bytes) in &cached {
        assert!(
            cold[path] == *bytes,
            "{what}: {} differs from a build without the cache",
            path.display()
        );
    }
}

/// Replace the first occurrence of `from` in the content file `file` by `to`.
fn edit(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} holds {from}");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The edits of the sample the cache must follow, each applied to the site at the root.
const EDITS: [&str; 7] = [
    "title",
    "item added",
    "edition added",
    "edition removed",
    "municipality renamed",
    "theme changed",
    "dictionary changed",
];

/// Make the edit `kind` to the site at `root`, choosing where with `rng`.
fn apply(kind: &str, root: &Path, rng: &mut Rng) {
    let editions = [
        "content/ueda/shimin-machizukuri/2017.toml",
        "content/ueda/shimin-machizukuri/2025.toml",
        "content/ueda/seisaku-kikaku/2022.toml",
        "content/kawanishi/sankaku-kyodo/nov30.toml",
        "content/ichinoseki/kyodo-suishin/dai3ji.toml",
    ];
    let n = rng.below(1000);
    match kind {
        "title" => {
            let file = rng.pick(&editions);
            let text = fs::read_to_string(root.join(file)).unwrap();
            let line = text.lines().find(|l| l.starts_with("title = ")).unwrap();
            edit(
                root,
                file,
                line,
                &format!("title = \"改訂した重点目標{n}\""),
            );
        }
        "item added" => {
            let file = rng.pick(&editions);
            let path = root.join(file);
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str(&format!(
                "\n[[items]]\nnumber = \"{n}\"\ntitle = \"新たに加えた目標{n} 地域の見守り活動の推進\"\n"
            ));
            fs::write(path, text).unwrap();
        }
        "edition added" => {
            let series = root.join("content/ueda/seisaku-kikaku");
            let text = fs::read_to_string(series.join("2023.toml")).unwrap();
            let text = text
                .replacen("fiscal_year = 2023", "fiscal_year = 2024", 1)
                .replacen("令和5年度重点目標", "令和6年度重点目標", 1);
            fs::write(series.join("2024.toml"), text).unwrap();
        }
        "edition removed" => {
            let file = rng.pick(&[
                "content/ueda/shimin-machizukuri/2018.toml",
                "content/kawanishi/sankaku-kyodo/nov13.toml",
            ]);
            fs::remove_file(root.join(file)).unwrap();
        }
        "municipality renamed" => {
            let file = rng.pick(&[
                ("content/ueda/_municipality.toml", "上田市"),
                ("content/kawanishi/_municipality.toml", "川西市"),
            ]);
            edit(
                root,
                file.0,
                &format!("name = \"{}\"", file.1),
                &format!("name = \"新{}\"", file.1),
            );
        }
        "theme changed" => {
            let template = rng.pick(&["base.html", "edition.html", "macros.html"]);
            let path = root.join("themes/default/templates").join(template);
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str(&format!("{{# 変更 {n} #}}\n"));
            if *template == "base.html" {
                text = text.replacen("</footer>", "<p>テーマを変更</p></footer>", 1);
            }
            fs::write(path, text).unwrap();
        }
        "dictionary changed" => {
            let path = root.join("content/_dictionary.csv");
            let mut text = fs::read_to_string(&path).unwrap();
            text.push_str("市民参加協働,名詞,シミンサンカキョウドウ\n");
            fs::write(path, text).unwrap();
        }
        _ => unreachable!("an edit of EDITS"),
    }
}

#[test]
fn after_each_kind_of_edit_a_cached_build_equals_a_cold_one() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let out = root.join("public");
    let first = build(root, &out, &["--timings"]);
    assert!(warnings(&first).is_empty(), "{}", stderr(&first));
    let [rendered, pages, indexed, editions] = redone(&first);
    assert!(pages > 0 && editions > 0);
    assert_eq!(
        (rendered, indexed),
        (pages, editions),
        "an empty cache: everything is made"
    );
    assert!(
        root.join(".kohyo-cache/pages").is_file() && root.join(".kohyo-cache/index").is_file(),
        "the first build fills the cache"
    );
    // Seeded: the same order and choices on every run.
    let mut rng = Rng(21);
    let mut order = EDITS.to_vec();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    // Cold builds go beside the output, so their markers name the site alike.
    let cold = |step: usize| root.join(format!("cold-{step}"));
    for (step, kind) in order.iter().enumerate() {
        apply(kind, root, &mut rng);
        let cached = build(root, &out, &["--timings"]);
        assert!(warnings(&cached).is_empty(), "{kind}: {}", stderr(&cached));
        let [rendered, pages, indexed, editions] = redone(&cached);
        match *kind {
            // Every page's template changed.
            "theme changed" => assert_eq!(rendered, pages, "{kind}"),
            // The dictionary cuts every text again.
            "dictionary changed" => assert_eq!(indexed, editions, "{kind}: indexed"),
            _ => {
                assert!(
                    rendered < pages / 2,
                    "{kind}: rendered {rendered} of {pages}"
                );
                assert!(
                    indexed < editions,
                    "{kind}: indexed {indexed} of {editions}"
                );
            }
        }
        let fresh = cold(step);
        build(root, &fresh, &["--no-cache"]);
        assert_same_tree(&out, &fresh, kind);
    }
    // Nothing changed: nothing is made again, and the cache still gives the same site.
    let again = build(root, &out, &["--timings"]);
    assert_eq!(redone(&again)[0], 0, "rendered");
    assert_eq!(redone(&again)[2], 0, "indexed");
    assert_same_tree(&out, &cold(order.len() - 1), "rebuild");
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache() {
    let site = copy_site(&sample_root());
    let root = site.path();
    build(root, &root.join("public"), &["--no-cache"]);
    assert!(!root.join(".kohyo-cache").exists());
}

/// A site built once with the cache, then the cache damaged by `damage` (given the cache
/// folder): the next build must say so in exactly one line, give the same site as a cold
/// build, and leave a cache the build after it uses silently.
fn damaged_cache_is_reported_once(damage: impl FnOnce(&Path)) -> String {
    let site = copy_site(&sample_root());
    let root = site.path();
    let out = root.join("public");
    build(root, &out, &[]);
    // An edit, so that the damaged parts would matter.
    edit(
        root,
        "content/ueda/seisaku-kikaku/2022.toml",
        "title = \"令和4年度重点目標\"",
        "title = \"令和4年度重点目標（改訂）\"",
    );
    damage(&root.join(".kohyo-cache"));
    let damaged = build(root, &out, &[]);
    let lines = warnings(&damaged);
    assert_eq!(lines.len(), 1, "one warning line: {}", stderr(&damaged));
    let cold = root.join("cold");
    build(root, &cold, &["--no-cache"]);
    assert_same_tree(&out, &cold, "after a damaged cache");
    let again = build(root, &out, &[]);
    assert!(warnings(&again).is_empty(), "{}", stderr(&again));
    lines[0].clone()
}

#[test]
fn a_corrupted_cache_file_is_reported_and_ignored() {
    let warning = damaged_cache_is_reported_once(|cache| {
        let path = cache.join("index");
        let mut bytes = fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        fs::write(path, bytes).unwrap();
    });
    assert!(
        warning.contains("index") && warning.contains("checksum"),
        "{warning}"
    );
}

#[test]
fn a_cache_from_another_version_is_reported_once_and_ignored() {
    let warning = damaged_cache_is_reported_once(|cache| {
        for part in ["pages", "index"] {
            let path = cache.join(part);
            let mut bytes = fs::read(&path).unwrap();
            // The version follows the 8-byte magic number and its 4-byte length.
            let version = 12;
            bytes[version] = if bytes[version] == b'9' { b'8' } else { b'9' };
            fs::write(path, bytes).unwrap();
        }
    });
    assert!(warning.contains("another kohyo"), "{warning}");
}

#[test]
fn a_cache_file_cut_short_by_a_killed_build_is_reported_and_ignored() {
    let warning = damaged_cache_is_reported_once(|cache| {
        let path = cache.join("pages");
        let bytes = fs::read(&path).unwrap();
        fs::write(path, &bytes[..bytes.len() * 2 / 3]).unwrap();
    });
    assert!(warning.contains("truncated"), "{warning}");
}

#[test]
fn the_cache_folder_is_never_an_output() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let inside = root.join(".kohyo-cache/public");
    let out = build_result(root, &inside);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refusing to use") && stderr(&out).contains(".kohyo-cache"),
        "{}",
        stderr(&out)
    );
    assert!(!inside.exists(), "nothing was written");
}

#[test]
fn a_failed_build_leaves_no_cache_folder_behind() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let template = root.join("themes/default/templates/edition.html");
    let mut text = fs::read_to_string(&template).unwrap();
    text.push_str("{% if %}");
    fs::write(&template, text).unwrap();
    let out = build_result(root, &root.join("public"));
    assert!(!out.status.success());
    assert!(!root.join(".kohyo-cache").exists(), "{}", stderr(&out));
    assert!(!root.join("public").exists());
}
