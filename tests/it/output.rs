//! The output folder: a build replaces only kohyo's own output, never loses a file, and a build
//! killed at any moment leaves the old tree or the new one, nothing in between.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::{Rng, build_into, copy_site, copy_tree, kohyo, sample_root, snapshot, stderr};

/// Build `root` into `out`, returning the process output.
fn build(root: &Path, out: &Path) -> std::process::Output {
    kohyo(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// Names beginning with `.kohyo-build` in `dir`: staging folders.
fn staging_folders(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".kohyo-build"))
        .collect()
}

#[test]
fn a_folder_that_kohyo_did_not_make_is_refused_and_kept() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let docs = root.join("mydocs");
    fs::create_dir_all(docs.join(".git")).unwrap();
    fs::write(docs.join("report.txt"), "年度末の報告").unwrap();
    fs::write(docs.join(".git/config"), "[core]").unwrap();
    let before = snapshot(&docs);
    let out = build(root, &docs);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not made by kohyo") && stderr(&out).contains("--output"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&docs), before, "a user's files were touched");
    assert!(staging_folders(root).is_empty());
    // An empty folder and a missing one are fine.
    fs::create_dir(root.join("empty")).unwrap();
    for fresh in ["empty", "new/deeper"] {
        let out = build(root, &root.join(fresh));
        assert!(out.status.success(), "{fresh}: {}", stderr(&out));
        assert!(root.join(fresh).join("index.html").is_file());
    }
}

#[test]
fn the_sites_own_files_are_never_an_output() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let theme = root.join("themes/custom/templates");
    fs::create_dir_all(&theme).unwrap();
    fs::write(theme.join("base.html"), "{% block main %}{% endblock %}").unwrap();
    let sources = || {
        let mut all = snapshot(&root.join("content"));
        all.extend(snapshot(&root.join("themes")));
        all.insert(
            "kohyo.toml".into(),
            fs::read(root.join("kohyo.toml")).unwrap(),
        );
        all
    };
    let before = sources();
    let inside = [
        (root.join("content/ueda"), "is inside"),
        (root.join("content/ueda/new"), "is inside"),
        (root.join("themes"), "is inside"),
        (root.join("themes/custom"), "is inside"),
        (root.to_path_buf(), "holds"),
        (root.join(".."), "holds"),
        (root.join("kohyo.toml"), "is inside"),
    ];
    for (output, says) in inside {
        let out = build(root, &output);
        assert_eq!(out.status.code(), Some(1), "{}", output.display());
        assert!(
            stderr(&out).contains(says) && stderr(&out).contains("site's own files"),
            "{}: {}",
            output.display(),
            stderr(&out)
        );
    }
    assert_eq!(sources(), before);
    assert!(!root.join("content/ueda/new").exists());
}

#[test]
fn an_output_that_is_a_file_is_refused_before_any_work() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let file = root.join("notes.txt");
    fs::write(&file, "メモ").unwrap();
    let out = build(root, &file);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is a file, not a folder"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&file).unwrap(), "メモ");
    assert!(staging_folders(root).is_empty());
    // Refused before loading: a broken edition is not even read.
    fs::write(
        root.join("content/ueda/seisaku-kikaku/2023.toml"),
        "= broken",
    )
    .unwrap();
    let out = build(root, &file);
    assert!(stderr(&out).contains("is a file"), "{}", stderr(&out));
    assert!(!stderr(&out).contains("2023.toml"), "{}", stderr(&out));
}

#[test]
fn the_output_of_another_site_is_refused_and_a_moved_site_keeps_its_own() {
    let first = copy_site(&sample_root());
    let second = copy_site(&sample_root());
    let out = first.path().join("public");
    build_into(first.path(), &out);
    let marker = fs::read_to_string(out.join(".kohyo-output")).unwrap();
    assert!(marker.contains("site = \"..\""), "{marker}");
    let before = snapshot(&out);
    let result = build(second.path(), &out);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        stderr(&result).contains("output of the site at"),
        "{}",
        stderr(&result)
    );
    assert_eq!(snapshot(&out), before);
    // The marker names the site relative to the output, so moving both together is fine.
    let moved = tempfile::tempdir().unwrap();
    let to = moved.path().join("site");
    fs::rename(first.path(), &to).unwrap();
    build_into(&to, &to.join("public"));
}

#[test]
fn a_linked_output_keeps_its_link_and_stale_staging_folders_go() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let real = root.join("www");
    fs::create_dir(&real).unwrap();
    std::os::unix::fs::symlink("www", root.join("public")).unwrap();
    build_into(root, &root.join("public"));
    assert!(
        fs::symlink_metadata(root.join("public"))
            .unwrap()
            .is_symlink()
    );
    assert!(real.join("index.html").is_file());
    // Left by killed builds: removed by the next one. One a running build holds is kept.
    let stale = root.join(".kohyo-build-www-AbC123");
    fs::create_dir_all(stale.join("ueda")).unwrap();
    fs::write(stale.join("ueda/index.html"), "old").unwrap();
    let held = root.join(".kohyo-build-www-Held42");
    fs::create_dir(&held).unwrap();
    let lock = fs::File::open(&held).unwrap();
    lock.lock().unwrap();
    let other = root.join(".kohyo-build-www-x-Other1");
    fs::create_dir(&other).unwrap();
    build_into(root, &root.join("public"));
    assert!(!stale.exists(), "a stale staging folder was left");
    assert!(held.exists(), "a running build's folder was removed");
    assert!(
        other.exists(),
        "another output's staging folder was removed"
    );
    drop(lock);
}

/// Copy every municipality of `root` `times - 1` more times under new names, so a build takes
/// long enough to be killed at many different moments.
fn enlarge(root: &Path, times: usize) {
    let content = root.join("content");
    let towns: Vec<PathBuf> = fs::read_dir(&content)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    for town in towns {
        let slug = town.file_name().unwrap().to_str().unwrap().to_string();
        for i in 2..=times {
            let copy = content.join(format!("{slug}{i}"));
            copy_tree(&town, &copy);
            let file = copy.join("_municipality.toml");
            let text = fs::read_to_string(&file).unwrap();
            let renamed = text.replacen("市\"", &format!("市（{i}）\""), 1);
            fs::write(&file, renamed).unwrap();
        }
    }
}

/// Whether a staging folder beside the output holds a complete tree (its marker is written
/// just before the exchange).
fn tree_complete(root: &Path) -> bool {
    staging_folders(root)
        .iter()
        .any(|name| root.join(name).join(".kohyo-output").exists())
}

#[test]
fn a_build_killed_at_any_moment_leaves_the_old_tree_or_the_new_one() {
    let site = copy_site(&sample_root());
    let root = site.path();
    enlarge(root, 2);
    let out = root.join("public");
    let edition = root.join("content/ueda/seisaku-kikaku/2023.toml");
    let removed = root.join("content/ueda/shimin-machizukuri/2025.toml");
    let original = fs::read_to_string(&edition).unwrap();
    let removed_text = fs::read_to_string(&removed).unwrap();
    // Two versions of the site: B retitles one edition and drops another.
    let version = |b: bool| {
        if b {
            let retitled =
                original.replacen("令和5年度重点目標\"", "令和5年度重点目標（改訂）\"", 1);
            assert_ne!(retitled, original);
            fs::write(&edition, retitled).unwrap();
            let _ = fs::remove_file(&removed);
        } else {
            fs::write(&edition, &original).unwrap();
            fs::write(&removed, &removed_text).unwrap();
        }
    };
    let mut trees: BTreeMap<bool, BTreeMap<PathBuf, Vec<u8>>> = BTreeMap::new();
    let mut took = Duration::ZERO;
    for b in [true, false] {
        version(b);
        let started = Instant::now();
        build_into(root, &out);
        took = took.max(started.elapsed());
        trees.insert(b, snapshot(&out));
    }
    assert_ne!(trees[&true], trees[&false]);
    let which =
        |tree: &BTreeMap<PathBuf, Vec<u8>>| trees.iter().find(|(_, t)| *t == tree).map(|(b, _)| *b);
    let mut current = false;
    let mut delays = Rng(25);
    let below = |rng: &mut Rng, limit: Duration| {
        Duration::from_micros(rng.below(limit.as_micros() as usize) as u64)
    };
    let (mut kept_old, mut got_new) = (0, 0);
    let kills = 50;
    for kill in 0..kills {
        version(!current);
        let mut child = Command::new(env!("CARGO_BIN_EXE_kohyo"))
            .args(["build", "--root", root.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // Half the kills land anywhere in the build; the other half are aimed at its end: once
        // the complete tree stands beside the output (its marker is written last), within the
        // time it takes to exchange it with the output and remove the old one.
        let delay = if kill % 2 == 0 {
            below(&mut delays, took)
        } else {
            while child.try_wait().unwrap().is_none() && !tree_complete(root) {
                std::thread::sleep(Duration::from_micros(200));
            }
            below(&mut delays, Duration::from_millis(100))
        };
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let now = snapshot(&out);
        match which(&now) {
            Some(b) if b == current => kept_old += 1,
            Some(b) => {
                got_new += 1;
                current = b;
            }
            None => panic!(
                "kill {kill} after {delay:?} left a tree that is neither the old nor the new one ({} files)",
                now.len()
            ),
        }
    }
    eprintln!("{kills} kills: {kept_old} left the old tree, {got_new} the new one");
    assert!(kept_old > 0 && got_new > 0, "every kill landed on one side");
    // The next build finishes, removes what the killed ones left, and equals a fresh build.
    version(!current);
    build_into(root, &out);
    assert!(
        staging_folders(root).is_empty(),
        "{:?}",
        staging_folders(root)
    );
    assert_eq!(which(&snapshot(&out)), Some(!current));
}
