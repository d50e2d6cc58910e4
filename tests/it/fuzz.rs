//! A fuzz harness over copies of the sample site: each case breaks one file (byte flips,
//! truncation, wrong types, invalid UTF-8, Shift_JIS, deep nesting, a FIFO, a broken theme
//! template) and runs the real `kohyo check` (and for some cases `kohyo build`) with a time
//! limit. Every case must end by itself with exit code 0 or 1, never a signal; check and build
//! must agree; every error must name a file (and a line and column where it has one).
//!
//! `KOHYO_FUZZ_CASES` (default 250) sets the number of cases, `KOHYO_FUZZ_SEED` the seed, and
//! `KOHYO_FUZZ_SECONDS` stops starting new cases after that many seconds (for long runs:
//! `KOHYO_FUZZ_CASES=100000 KOHYO_FUZZ_SECONDS=600`). The test prints how many cases it tried.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use walkdir::WalkDir;

use crate::common::{Rng, copy_site, sample_root};

/// A case that runs longer than this has hung.
const TIME_LIMIT: Duration = Duration::from_secs(20);
/// One case in this many also runs `kohyo build`.
const BUILD_EVERY: usize = 6;

/// Values of other types than a key may expect.
const WRONG_VALUES: [&str; 9] = [
    "42",
    "-1",
    "\"文字列\"",
    "true",
    "[1, \"二\", 3.5]",
    "{ year = \"令和\", value = [] }",
    "2025-01-01",
    "\"\"",
    "99999999999999999999",
];

/// Template text a theme author might get wrong.
const TEMPLATE_JUNK: [&str; 10] = [
    "{{",
    "{% for i in %}",
    "{{ no_such_value.field }}",
    "{% for i in range(end=100000000) %}x{% endfor %}",
    "{% for i in range(end=3000) %}{% for j in range(end=3000) %}x{% endfor %}{% endfor %}",
    "{% include \"missing.html\" %}",
    "{{ 1 / 0 }}",
    "{% for i in range(end=5, step_by=0) %}{% endfor %}",
    "{% endblock %}",
    "{{ config.title | no_such_filter }}",
];

/// Break one file of the site at `root`; returns what was done, to reproduce the case.
fn mutate(root: &Path, files: &[PathBuf], rng: &mut Rng) -> String {
    let templates: Vec<&PathBuf> = files
        .iter()
        .filter(|f| f.extension().is_some_and(|x| x == "html"))
        .collect();
    let kind = rng.below(11);
    let rel = match kind {
        9 => (*rng.pick(&templates)).clone(),
        _ => rng.pick(files).clone(),
    };
    let path = root.join(&rel);
    let mut bytes = fs::read(&path).unwrap_or_default();
    let at = rng.below(bytes.len() + 1);
    let what = match kind {
        0 | 1 => {
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                if !bytes.is_empty() {
                    let i = rng.below(bytes.len());
                    bytes[i] ^= 1 << rng.below(8);
                }
            }
            format!("{flips} bit flips")
        }
        2 => {
            bytes.truncate(at);
            format!("truncated at byte {at}")
        }
        3 | 4 => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let values: Vec<usize> = text.match_indices(" = ").map(|(i, _)| i + 3).collect();
            let value = *rng.pick(WRONG_VALUES.as_slice());
            match values.is_empty() {
                true => return "nothing to retype".into(),
                false => {
                    let start = *rng.pick(&values);
                    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
                    bytes = format!("{}{value}{}", &text[..start], &text[end..]).into_bytes();
                    format!("value at byte {start} replaced by {value}")
                }
            }
        }
        5 => {
            const JUNK: [&[u8]; 5] = [b"\xFF", b"\xC3", b"\xE3\x81", b"\xED\xA0\x80", b"\0"];
            let junk = JUNK[rng.below(JUNK.len())];
            bytes.splice(at..at, junk.iter().copied());
            format!("bytes {junk:02X?} inserted at {at}")
        }
        6 => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
            bytes = sjis.into_owned();
            "saved as Shift_JIS".into()
        }
        7 => {
            let depth = 50 + rng.below(400);
            let nested = match rng.below(2) {
                0 => format!("deep = {}1{}\n", "[".repeat(depth), "]".repeat(depth)),
                _ => format!("deep = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth)),
            };
            let line_start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            bytes.splice(line_start..line_start, nested.bytes());
            format!("{depth} levels of nesting at byte {line_start}")
        }
        8 => {
            let _ = fs::remove_file(&path);
            let made = Command::new("mkfifo").arg(&path).status();
            assert!(made.is_ok_and(|s| s.success()), "mkfifo {}", path.display());
            return format!("{} replaced by a FIFO", rel.display());
        }
        9 => {
            let junk = *rng.pick(TEMPLATE_JUNK.as_slice());
            // Inside a block, so that a child template renders it.
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let spot = text.find("{% endblock").unwrap_or(at.min(text.len()));
            let spot = match text.is_char_boundary(spot) {
                true => spot,
                false => 0,
            };
            bytes = format!("{}{junk}{}", &text[..spot], &text[spot..]).into_bytes();
            format!("template text {junk:?} at byte {spot}")
        }
        _ => {
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            let i = rng.below(lines.len());
            let mut out: Vec<&str> = lines.clone();
            let done = match rng.below(3) {
                0 if !lines.is_empty() => {
                    out.insert(i, lines[i]);
                    format!("line {} repeated", i + 1)
                }
                1 if !lines.is_empty() => {
                    out.remove(i);
                    format!("line {} removed", i + 1)
                }
                _ => {
                    let j = rng.below(lines.len());
                    if !out.is_empty() {
                        out.swap(i, j);
                    }
                    format!("lines {} and {} swapped", i + 1, j + 1)
                }
            };
            bytes = out.join("\n").into_bytes();
            done
        }
    };
    fs::write(&path, bytes).unwrap();
    format!("{}: {what}", rel.display())
}

/// How a run of kohyo ended.
struct Run {
    code: Option<i32>,
    stderr: String,
    timed_out: bool,
}

/// Run kohyo with `args`, killed after [`TIME_LIMIT`].
fn run(args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let err_path = dir.path().join("stderr");
    let err_file = fs::File::create(&err_path).unwrap();
    let mut child: Child = Command::new(env!("CARGO_BIN_EXE_kohyo"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_file)
        .spawn()
        .expect("kohyo starts");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.and_then(|s| s.code()),
        stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
        timed_out: status.is_none(),
    }
}

/// What is wrong with an `error:` line: it must name a source file, with `:line:col` where
/// it gives them.
fn unplaced(line: &str) -> Option<String> {
    let rest = line.strip_prefix("error: ")?;
    let place = rest.split(": ").next().unwrap_or_default();
    let mut parts = place.split(':');
    let file = parts.next().unwrap_or_default();
    let named = ["content", "themes/", "kohyo.toml"]
        .iter()
        .any(|p| file.starts_with(p));
    let numbers: Vec<&str> = parts.collect();
    let positioned = match numbers.as_slice() {
        [] => true,
        [l, c] => {
            l.parse::<usize>().is_ok_and(|l| l > 0) && c.parse::<usize>().is_ok_and(|c| c > 0)
        }
        _ => false,
    };
    (!named || !positioned).then(|| line.to_string())
}

/// The problems of one case, empty when it behaved.
fn case(number: usize, seed: u64, files: &[PathBuf], builds: &AtomicUsize) -> Vec<String> {
    let mut rng = Rng(seed ^ (number as u64).wrapping_mul(0xA076_1D64_78BD_642F));
    let site = copy_site(&sample_root());
    let root = site.path();
    let what = mutate(root, files, &mut rng);
    let root_arg = root.to_str().unwrap();
    let check = run(&["check", "--root", root_arg]);
    let mut problems = Vec::new();
    let mut judge = |name: &str, r: &Run| {
        if r.timed_out {
            problems.push(format!("{name} did not end within {TIME_LIMIT:?}"));
        } else if !matches!(r.code, Some(0 | 1)) {
            problems.push(format!(
                "{name} ended with {:?} (a signal or a panic): {}",
                r.code, r.stderr
            ));
        }
        for line in r.stderr.lines() {
            if let Some(bad) = unplaced(line) {
                problems.push(format!("{name}: an error without a position: {bad}"));
            }
        }
    };
    judge("check", &check);
    // A FIFO must not block a build either.
    if number.is_multiple_of(BUILD_EVERY) || what.contains("FIFO") {
        builds.fetch_add(1, Ordering::Relaxed);
        let out = root.join("public");
        let build = run(&[
            "build",
            "--root",
            root_arg,
            "--output",
            out.to_str().unwrap(),
        ]);
        judge("build", &build);
        if build.code != check.code {
            problems.push(format!(
                "check exited {:?}, build {:?}",
                check.code, build.code
            ));
        } else if build.code == Some(1) && build.stderr != check.stderr {
            problems.push(format!(
                "check and build report differently:\ncheck: {}\nbuild: {}",
                check.stderr, build.stderr
            ));
        }
    }
    problems
        .into_iter()
        .map(|p| format!("case {number} (seed {seed}, {what}): {p}"))
        .collect()
}

#[test]
fn mutated_sites_end_cleanly_with_placed_errors() {
    let cases: usize = std::env::var("KOHYO_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(250);
    let seed: u64 = std::env::var("KOHYO_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(24);
    let sample = sample_root();
    let mut files: Vec<PathBuf> = ["kohyo.toml", "content", "themes"]
        .iter()
        .flat_map(|part| WalkDir::new(sample.join(part)).sort_by_file_name())
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.path().strip_prefix(&sample).unwrap().to_path_buf())
        .collect();
    files.sort();
    let budget = std::env::var("KOHYO_FUZZ_SECONDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .map(Duration::from_secs);
    let started = Instant::now();
    let (next, tried) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let (builds, failed_cases) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let findings = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= cases || budget.is_some_and(|b| started.elapsed() > b) {
                        break;
                    }
                    tried.fetch_add(1, Ordering::Relaxed);
                    let found = case(n, seed, &files, &builds);
                    if !found.is_empty() {
                        failed_cases.fetch_add(1, Ordering::Relaxed);
                        findings.lock().unwrap().extend(found);
                    }
                }
            });
        }
    });
    let findings = findings.into_inner().unwrap();
    eprintln!(
        "fuzz: {} cases tried (seed {seed}, {} with a build) in {:.1} s: {} failed",
        tried.load(Ordering::Relaxed),
        builds.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
        failed_cases.load(Ordering::Relaxed)
    );
    assert!(
        findings.is_empty(),
        "{} findings:\n{}",
        findings.len(),
        findings
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
