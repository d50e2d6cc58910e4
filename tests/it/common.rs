//! Helpers shared by the integration tests.

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use walkdir::WalkDir;

/// The repository root, which is also the sample site's root.
pub fn sample_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Run the kohyo binary with `args`, colour off, messages in English (whatever the machine's
/// locale).
pub fn kohyo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kohyo"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("KOHYO_LANG", "en")
        .output()
        .expect("the kohyo binary runs")
}

/// stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The sample site built once into a temporary folder shared by the tests, without the
/// build cache, so that the tests leave nothing in the repository's own site.
pub fn built_sample() -> &'static Path {
    static BUILT: OnceLock<tempfile::TempDir> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            let out = dir.path().join("public");
            let root = sample_root();
            let result = kohyo(&[
                "build",
                "--root",
                root.to_str().unwrap(),
                "--output",
                out.to_str().unwrap(),
                "--no-cache",
            ]);
            assert!(result.status.success(), "{}", stderr(&result));
            dir
        })
        .path()
        .join("public")
        .leak()
}

/// `kohyo build` of the site at `root` into `out`, as it ends.
pub fn build_result(root: &Path, out: &Path) -> Output {
    kohyo(&[
        "build",
        "--root",
        root.to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
    ])
}

/// Build the site at `root` into `out` with the kohyo binary; the build must succeed.
pub fn build_into(root: &Path, out: &Path) {
    let result = build_result(root, out);
    assert!(
        result.status.success(),
        "build of {} failed: {}",
        root.display(),
        stderr(&result)
    );
}

/// A page of the built sample site, as HTML.
pub fn page(path: &str) -> String {
    let file = built_sample().join(path);
    fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The text a reader sees: tags removed, entities decoded, white space collapsed.
pub fn visible_text(html: &str) -> String {
    let mut text = String::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        text.push_str(&rest[..start]);
        let tail = &rest[start..];
        let skip_to = if tail.starts_with("<svg") {
            tail.find("</svg>").map(|i| i + 6)
        } else {
            tail.find('>').map(|i| i + 1)
        };
        let end = skip_to.unwrap_or(tail.len());
        text.push(' ');
        rest = &tail[end..];
    }
    text.push_str(rest);
    let decoded = decode_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| match &tail[1..e] {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            n if n.starts_with("#x") => u32::from_str_radix(&n[2..], 16)
                .ok()
                .and_then(char::from_u32),
            n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Build a copy of the sample with `base_url`; returns the site folder (output in `public/`).
pub fn build_with_base(base_url: &str) -> tempfile::TempDir {
    let site = copy_site(&sample_root());
    let root = site.path().to_str().unwrap();
    let out = kohyo(&["build", "--root", root, "--base-url", base_url]);
    assert!(out.status.success(), "{}", stderr(&out));
    site
}

/// Copy a site (kohyo.toml, content/, themes/) into a new temporary folder.
pub fn copy_site(root: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for part in ["kohyo.toml", "content", "themes"] {
        copy_tree(&root.join(part), &dir.path().join(part));
    }
    dir
}

/// Copy the file or folder `from` to `to`, folders with everything in them.
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in WalkDir::new(from) {
        let entry = entry.expect("walk");
        let inside = entry.path().strip_prefix(from).unwrap();
        let target = match inside.as_os_str().is_empty() {
            true => to.to_path_buf(),
            false => to.join(inside),
        };
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else {
            fs::create_dir_all(target.parent().unwrap()).unwrap();
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file under `dir` with its bytes, keyed by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("walk"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            (
                e.path().strip_prefix(dir).unwrap().to_path_buf(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The members of a search bundle, read here rather than with kohyo's reader: a table of
/// little-endian `u32` offsets from the file's start (the first is the table's length), member
/// `i` running from offset `i` to offset `i + 1`.
pub fn bundle_members(bytes: &[u8]) -> Vec<Vec<u8>> {
    let offset =
        |i: usize| u32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap()) as usize;
    let entries = offset(0) / 4;
    (0..entries - 1)
        .map(|i| bytes[offset(i)..offset(i + 1)].to_vec())
        .collect()
}

/// Run a node script of `tests/js/`, failing with what to install when node is missing.
pub fn node(args: &[&str], stdin: &str) -> String {
    let mut child = Command::new("node")
        .args(args)
        .current_dir(sample_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs (install Debian's nodejs, or run scripts/test.sh)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "node {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Fail with what to do when Debian's Chromium (or `$CHROMIUM`) is missing.
pub fn require_chromium() {
    assert!(
        Path::new("/usr/bin/chromium").exists() || std::env::var_os("CHROMIUM").is_some(),
        "Chromium is needed: run scripts/test.sh, which installs Debian's chromium"
    );
}

/// Build a copy of the sample site, break it with `mutate`, build again; return stderr of the
/// failed build after checking exit code and that the output is unchanged.
pub fn broken_build(mutate: impl FnOnce(&Path)) -> String {
    let site = copy_site(&sample_root());
    let root = site.path();
    let out = root.join("public");
    let args = ["build", "--root", root.to_str().unwrap()];
    let first = kohyo(&args);
    assert!(first.status.success(), "{}", stderr(&first));
    let before = snapshot(&out);
    mutate(root);
    let second = kohyo(&args);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert_eq!(snapshot(&out), before, "a failed build changed public/");
    let check = kohyo(&["check", "--root", root.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        stderr(&check),
        stderr(&second),
        "check and build report alike"
    );
    stderr(&second)
}

/// Append `text` to a content file; returns the 1-based line where the appended text starts.
pub fn append(root: &Path, file: &str, text: &str) -> usize {
    let path = root.join(file);
    let mut content = fs::read_to_string(&path).unwrap();
    if !content.ends_with('\n') {
        content.push('\n');
    }
    let line = content.lines().count() + 1;
    content.push_str(text);
    fs::write(&path, content).unwrap();
    line
}

/// The JSON-LD blocks of a page, parsed, in page order.
pub fn json_ld(html: &str) -> Vec<serde_json::Value> {
    html.split("<script type=\"application/ld+json\">")
        .skip(1)
        .map(|rest| serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).unwrap())
        .collect()
}

/// splitmix64: small, fixed, the same sequence on every machine.
pub struct Rng(pub u64);

impl Rng {
    /// The next number of the sequence.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}
