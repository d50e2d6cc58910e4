//! `kohyo serve` over real HTTP, and `kohyo new`: what staff see while editing.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kohyo::site::{Memo, render_files_with};
use kohyo::text::Tokenizer;
use serde_json::Value;

use crate::common::{build_into, built_sample, copy_site, kohyo, node, sample_root, stderr};

/// A running preview server on a free port, stopped when dropped; its stderr goes to `log`.
struct Preview {
    child: Child,
    addr: String,
    log: tempfile::NamedTempFile,
}

impl Preview {
    fn start(root: &Path) -> Preview {
        Preview::launch(root, &[], None)
    }

    /// With more arguments, and under `ulimit -n open_files` when given.
    fn launch(root: &Path, args: &[&str], open_files: Option<u32>) -> Preview {
        let bin = env!("CARGO_BIN_EXE_kohyo");
        let mut command = match open_files {
            Some(n) => {
                let mut sh = Command::new("sh");
                sh.args(["-c", &format!("ulimit -n {n} && exec \"$0\" \"$@\""), bin]);
                sh
            }
            None => Command::new(bin),
        };
        let log = tempfile::NamedTempFile::new().unwrap();
        let mut child = command
            .args(["serve", "--port", "0", "--root", root.to_str().unwrap()])
            .args(args)
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(log.reopen().unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let start = line.find("http://").expect("the URL is printed") + 7;
        let addr = line[start..].split('/').next().unwrap().to_string();
        Preview { child, addr, log }
    }

    /// What the server wrote to stderr so far.
    fn log(&self) -> String {
        fs::read_to_string(self.log.path()).unwrap()
    }

    /// A field of the server's `/proc/PID/status`, such as `VmRSS` (in kB) or `Threads`.
    fn proc_status(&self, field: &str) -> u64 {
        let status = fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status
            .lines()
            .find(|l| l.starts_with(&format!("{field}:")))
            .unwrap_or_else(|| panic!("no {field} in {status}"));
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// A new connection to the server, within 10 s.
    fn connect(&self) -> TcpStream {
        let addr: SocketAddr = self.addr.parse().unwrap();
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .expect("the server accepts a connection");
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s
    }

    /// Send `request` as it is and read the answer until the server closes: (status, head,
    /// body).
    fn raw(&self, request: &[u8]) -> (u16, String, Vec<u8>) {
        let mut s = self.connect();
        s.write_all(request).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("an answer in time");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&raw)));
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head, raw[split + 4..].to_vec())
    }

    /// GET a raw path: (status, headers, body).
    fn get(&self, path: &str) -> (u16, String, Vec<u8>) {
        self.raw(
            format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
                self.addr
            )
            .as_bytes(),
        )
    }

    fn text(&self, path: &str) -> String {
        let (status, _, body) = self.get(path);
        assert_eq!(status, 200, "{path}");
        String::from_utf8(body).unwrap()
    }

    fn events(&self) -> Events {
        let mut s = self.connect();
        write!(
            s,
            "GET /__kohyo/events HTTP/1.1\r\nHost: {}\r\n\r\n",
            self.addr
        )
        .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut events = Events {
            reader: BufReader::new(s),
        };
        events.until(|l| l == ": connected");
        events
    }
}

impl Drop for Preview {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    /// Read lines until one satisfies `pred`; return it.
    fn until(&mut self, pred: impl Fn(&str) -> bool) -> String {
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("an event in time");
            assert!(n > 0, "the event stream ended");
            let line = line.trim_end().to_string();
            if pred(&line) {
                return line;
            }
        }
    }

    /// The next event not named `skipped`.
    fn next_other_than(&mut self, skipped: &str) -> (String, String) {
        loop {
            let (name, data) = self.next();
            if name != skipped {
                return (name, data);
            }
        }
    }

    /// The next event's name and data.
    fn next(&mut self) -> (String, String) {
        let name = self.until(|l| l.starts_with("event: "));
        let data = self.until(|l| l.starts_with("data: "));
        (name[7..].to_string(), data[6..].to_string())
    }
}

const EDITION: &str = "content/ueda/seisaku-kikaku/2023.toml";

#[test]
fn preview_reloads_on_save_and_overlays_errors_without_restarting() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let page = "/ueda/seisaku-kikaku/2023/";
    let html = preview.text(page);
    assert!(html.contains("スマートシティ推進計画に掲げる"));
    assert!(html.contains("<script src=\"/__kohyo/reload.js\"></script></body>"));

    let mut events = preview.events();
    let file = site.path().join(EDITION);
    let original = fs::read_to_string(&file).unwrap();
    let saved = Instant::now();
    fs::write(
        &file,
        original.replace(
            "スマートシティ推進計画に掲げる",
            "スマートシティ推進計画（改定版）に掲げる",
        ),
    )
    .unwrap();
    let (name, data) = events.next();
    let latency = saved.elapsed();
    assert_eq!(name, "reload");
    assert!(latency < Duration::from_secs(2), "reload after {latency:?}");
    // The event names the pages that changed, so that other open pages stay as they are.
    let pages: Value = serde_json::from_str(&data).unwrap();
    let pages = pages["pages"].as_array().expect("a list of pages");
    assert!(
        pages
            .iter()
            .any(|p| p == "ueda/seisaku-kikaku/2023/index.html"),
        "{pages:?}"
    );
    assert!(
        !pages
            .iter()
            .any(|p| p == "kawanishi/sankaku-kyodo/index.html"),
        "{pages:?}"
    );
    assert!(
        preview
            .text(page)
            .contains("スマートシティ推進計画（改定版）に掲げる")
    );

    // Broken: the errors event names the position; the last good page stays up.
    let broken = original.replace("stage = \"plan\"", "stage = \"planned\"");
    let line = broken
        .lines()
        .position(|l| l == "stage = \"planned\"")
        .unwrap()
        + 1;
    fs::write(&file, &broken).unwrap();
    // (The rest of the site, made after the edited series' pages, may send a reload first.)
    let (name, data) = events.next_other_than("reload");
    assert_eq!(name, "errors");
    let errors: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(errors[0]["location"], format!("{EDITION}:{line}:9"));
    assert_eq!(errors[0]["line"], "stage = \"planned\"");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("expected one of `plan`")
    );
    // the overlay has the message in Japanese too
    assert!(
        errors[0]["japanese"]
            .as_str()
            .unwrap()
            .contains("使える値は `plan`, `interim`, `result`"),
        "{}",
        errors[0]["japanese"]
    );
    let listed: Value = serde_json::from_str(&preview.text("/__kohyo/errors")).unwrap();
    assert_eq!(listed, errors);
    assert!(
        preview
            .text(page)
            .contains("スマートシティ推進計画（改定版）に掲げる")
    );

    // Fixed: a reload, and no errors left.
    fs::write(&file, &original).unwrap();
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    assert_eq!(preview.text("/__kohyo/errors"), "[]");
    assert!(
        preview
            .text(page)
            .contains("スマートシティ推進計画に掲げる")
    );
}

#[test]
fn preview_overlay_in_a_browser() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let file = site.path().join(EDITION);
    let report: Value = serde_json::from_str(&node(
        &[
            "tests/js/serve-overlay.mjs",
            &format!("http://{}/ueda/seisaku-kikaku/2023/", preview.addr),
            file.to_str().unwrap(),
        ],
        "",
    ))
    .unwrap();
    assert_eq!(report["reloaded_text"], true, "{report}");
    assert_eq!(report["other_page_kept"], true, "{report}");
    let overlay = report["overlay"].as_str().unwrap();
    assert!(
        overlay.contains("内容にエラーがあります（1件）"),
        "{overlay}"
    );
    assert!(overlay.contains(&format!("{EDITION}:")), "{overlay}");
    assert!(overlay.contains("unknown variant `planned`"), "{overlay}");
    assert_eq!(report["overlay_after_fix"], false, "{report}");
}

#[test]
fn preview_serves_only_the_site() {
    let site = copy_site(&sample_root());
    fs::write(site.path().join("secret.txt"), "root:x:0:0").unwrap();
    let preview = Preview::start(site.path());
    for attack in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/ueda/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/%00",
    ] {
        let (status, _, body) = preview.get(attack);
        assert!(status == 400 || status == 404, "{attack}: {status}");
        assert!(
            !String::from_utf8_lossy(&body).contains("root:x"),
            "{attack}"
        );
    }
    let (status, _, body) = preview.get("/kohyo.toml");
    assert_eq!(status, 404, "site sources are not served");
    assert!(!String::from_utf8_lossy(&body).contains("base_url"));
    let (status, head, _) = preview.get("/data/ueda/seisaku-kikaku/");
    assert_eq!(status, 404, "no directory listing");
    assert!(head.contains("text/html; charset=utf-8"));
    let (status, head, _) = preview.get("/ueda");
    assert_eq!(status, 301);
    assert!(head.contains("Location: /ueda/"));
    for (path, kind) in [
        ("/", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/data/kohyo.json", "application/json; charset=utf-8"),
        ("/data/items.csv", "text/csv; charset=utf-8"),
        ("/search/engine.js", "text/javascript; charset=utf-8"),
    ] {
        let (status, head, _) = preview.get(path);
        assert_eq!(status, 200, "{path}");
        assert!(
            head.contains(&format!("Content-Type: {kind}")),
            "{path}: {head}"
        );
    }
    let (_, _, json) = preview.get("/data/kohyo.json");
    assert!(
        !String::from_utf8_lossy(&json).contains("reload.js"),
        "scripts only in HTML"
    );
}

#[test]
fn new_edition_starts_from_the_latest_and_compares_clean() {
    let site = copy_site(&sample_root());
    let root = site.path().to_str().unwrap();
    let out = kohyo(&[
        "new",
        "ueda/shimin-machizukuri",
        "--year",
        "令和8年度",
        "--root",
        root,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    // Target years that were the old edition's year follow it, and each move is said.
    let source =
        fs::read_to_string(sample_root().join("content/ueda/shimin-machizukuri/2025.toml"))
            .unwrap();
    let targets = source.matches("target = { year = 2025,").count();
    assert!(targets >= 5, "{targets}");
    assert_eq!(said.matches("from 2025 to 2026").count(), targets, "{said}");
    assert!(
        said.contains("content/ueda/shimin-machizukuri/2026.toml"),
        "{said}"
    );
    let text = fs::read_to_string(
        site.path()
            .join("content/ueda/shimin-machizukuri/2026.toml"),
    )
    .unwrap();
    assert!(text.contains("title = \"令和8年度重点目標\""));
    assert!(text.contains("stage = \"plan\"") && text.contains("fiscal_year = 2026"));
    assert!(text.contains("id = \"bunken\""), "ids kept");
    assert!(text.contains("targets = ["), "targets kept");
    // The file is the old one edited: its comments and inline tables are kept.
    let comments = |t: &str| {
        t.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
    };
    assert!(comments(&text) >= comments(&source), "comments kept");
    assert_eq!(text.matches("target = { year = 2026,").count(), targets);
    assert!(!text.contains("year = 2025"), "no target left behind");
    assert!(
        !text.contains("progress =") && !text.contains("evaluation ="),
        "cleared"
    );

    let check = kohyo(&["check", "--root", root]);
    assert!(check.status.success(), "{}", stderr(&check));
    let out = site.path().join("public");
    build_into(site.path(), &out);
    let changes: Value = serde_json::from_str(
        &fs::read_to_string(out.join("ueda/shimin-machizukuri/compare/2025-2026/changes.json"))
            .unwrap(),
    )
    .unwrap();
    let total = &changes["summary"]["total"];
    assert_eq!(
        total["reworded"].as_u64(),
        Some(targets as u64),
        "only the indicators whose target year moved changed: {total}"
    );
    assert_eq!(total["added"], 0);
    assert_eq!(total["removed"], 0);
    assert!(total["unchanged"].as_u64().unwrap() > 30);

    let again = kohyo(&[
        "new",
        "ueda/shimin-machizukuri",
        "--year",
        "2026",
        "--root",
        root,
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("exists already; kohyo new never overwrites"));
    let version = kohyo(&[
        "new",
        "kawanishi/sankaku-kyodo",
        "--version",
        "12月15日現在",
        "--slug",
        "dec15",
        "--root",
        root,
    ]);
    assert!(version.status.success(), "{}", stderr(&version));
    let text = fs::read_to_string(
        site.path()
            .join("content/kawanishi/sankaku-kyodo/dec15.toml"),
    )
    .unwrap();
    assert!(text.contains("version = \"12月15日現在\"") && text.contains("order = 3"));
}

/// Every file as path → bytes.
fn by_path(files: &kohyo::site::SiteFiles) -> BTreeMap<String, &[u8]> {
    files
        .files
        .iter()
        .map(|f| (f.path.to_string_lossy().replace('\\', "/"), &f.contents[..]))
        .collect()
}

/// The search index's files one by one, as `<kind>/<n>`, out of their bundles.
fn index_members(files: &kohyo::site::SiteFiles) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for (path, bytes) in by_path(files) {
        let Some(bundle) = path
            .strip_prefix("search/")
            .and_then(|p| p.strip_suffix(".bundle"))
        else {
            continue;
        };
        let (kind, k) = bundle.rsplit_once('/').unwrap();
        let first = k.parse::<usize>().unwrap() * 128;
        for (i, member) in crate::common::bundle_members(bytes).into_iter().enumerate() {
            out.insert(format!("{kind}/{}", first + i), member);
        }
    }
    out
}

/// What the preview keeps between rebuilds: after one goal of one edition is reworded, only
/// the pairs it belongs to are compared again, only the pages that show that goal are rendered
/// again and only that edition is indexed again,
/// the files that change are that edition's, and the result equals a fresh build.
#[test]
fn one_edition_change_renders_and_indexes_only_what_shows_it() {
    let dir = copy_site(&sample_root());
    let root = dir.path();
    let (site, shortcodes) = kohyo::site::load(root).unwrap();
    let tokenizer = Tokenizer::new(site.user_dictionary.as_deref()).unwrap();
    let mut memo = Memo::default();
    let first =
        render_files_with(&site, &shortcodes, &tokenizer, Some(&mut memo), &|_| {}).unwrap();
    let pages = by_path(&first)
        .keys()
        .filter(|p| p.ends_with(".html"))
        .count();
    assert_eq!(
        memo.pages.rendered().len(),
        pages,
        "a first build renders every page"
    );
    assert_eq!(memo.index.indexed().len(), site.editions().count());
    assert_eq!(
        memo.comparisons.compared(),
        4,
        "a first build compares every pair"
    );

    let same = render_files_with(&site, &shortcodes, &tokenizer, Some(&mut memo), &|_| {}).unwrap();
    assert!(
        memo.pages.rendered().is_empty(),
        "{:?}",
        memo.pages.rendered()
    );
    assert!(
        memo.index.indexed().is_empty(),
        "{:?}",
        memo.index.indexed()
    );
    assert_eq!(memo.comparisons.compared(), 0);
    assert_eq!(by_path(&same), by_path(&first));

    let file = root.join("content/ueda/seisaku-kikaku/2023.toml");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replace("SDGsの着実な推進", "SDGsの着実かつ計画的な推進"),
    )
    .unwrap();
    let (site, shortcodes) = kohyo::site::load(root).unwrap();
    let after =
        render_files_with(&site, &shortcodes, &tokenizer, Some(&mut memo), &|_| {}).unwrap();
    assert_eq!(
        memo.pages.rendered(),
        [
            "ueda/seisaku-kikaku/2023/index.html",
            "ueda/seisaku-kikaku/compare/2022-2023/index.html",
            // The goal's history page, and its parent's, which names it.
            "ueda/seisaku-kikaku/history/sogo-keikaku/index.html",
            "ueda/seisaku-kikaku/history/sdgs/index.html",
            // The data page gives each file's size, and the site-wide tables grew.
            "data/index.html",
            "data/ueda/index.html",
        ]
    );
    assert_eq!(memo.index.indexed(), ["/ueda/seisaku-kikaku/2023/"]);
    assert_eq!(
        memo.comparisons.compared(),
        1,
        "only 令和4年度 → 令和5年度 is compared again"
    );
    let (before, after_files) = (by_path(&same), by_path(&after));
    let changed: Vec<&str> = after_files
        .iter()
        .filter(|(path, bytes)| before.get(*path) != Some(bytes))
        .map(|(path, _)| path.as_str())
        .filter(|path| !path.starts_with("search/"))
        .collect();
    assert_eq!(
        changed,
        [
            "data/catalog.jsonld",
            "data/change_fields.csv",
            "data/changes.csv",
            "data/goal_history.csv",
            "data/index.html",
            "data/items.csv",
            "data/kohyo.json",
            "data/ueda/index.html",
            "data/ueda/seisaku-kikaku/2023.json",
            "data/ueda/seisaku-kikaku/items.csv",
            "ueda/seisaku-kikaku/2023/index.html",
            "ueda/seisaku-kikaku/compare/2022-2023/changes.csv",
            "ueda/seisaku-kikaku/compare/2022-2023/changes.json",
            "ueda/seisaku-kikaku/compare/2022-2023/index.html",
            "ueda/seisaku-kikaku/history/sdgs/index.html",
            "ueda/seisaku-kikaku/history/sogo-keikaku/index.html",
        ]
    );
    // Search, file by file out of its bundles: the one record chunk holding the goal, and the
    // shards of the keys its record holds (its positions moved) and of its new words'
    // readings and suggestions; the page table and the other records stay as they were.
    let (index_before, index_after) = (index_members(&same), index_members(&after));
    let search: Vec<&str> = index_after
        .iter()
        .filter(|(path, bytes)| index_before.get(*path) != Some(bytes))
        .map(|(path, _)| path.as_str())
        .collect();
    let chunks: Vec<&&str> = search.iter().filter(|p| p.starts_with("r/")).collect();
    assert_eq!(chunks.len(), 1, "{chunks:?}");
    let mut chunk = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(&index_after[*chunks[0]][..]),
        &mut chunk,
    )
    .unwrap();
    assert!(chunk.contains("SDGsの着実かつ計画的な推進"), "{chunk}");
    let shard = |p: &&&str| {
        ["b", "g", "u", "t", "y", "s"]
            .iter()
            .any(|k| p.starts_with(&format!("{k}/")))
    };
    assert!(
        search
            .iter()
            .filter(|p| !p.starts_with("r/"))
            .all(|p| shard(&p)),
        "{search:?}"
    );
    let all = index_after.len();
    assert!(
        search.len() * 2 < all,
        "{} of {all} search files changed",
        search.len()
    );

    let fresh = kohyo::site::render_files(&site, &shortcodes, &|_| {}).unwrap();
    assert_eq!(
        by_path(&after),
        by_path(&fresh),
        "the memo gives what a fresh build gives"
    );
}

/// A save of one edition: the loaded site is brought up to date in place, and the pages of
/// its series, made alone (what the preview serves first), are byte for byte the pages a
/// fresh build makes. A broken save leaves the site as it was; a change to anything but an
/// edition asks for a full load.
#[test]
fn a_saved_edition_refreshes_the_site_in_place_and_its_series_pages_come_first() {
    use kohyo::load::{load, stamps};
    let dir = copy_site(&sample_root());
    let root = dir.path();
    let mut sources = stamps(root);
    let mut site = load(root).unwrap();
    let mut refresh = |site: &mut kohyo::load::Site| kohyo::load::refresh(site, &mut sources);
    assert_eq!(refresh(&mut site).unwrap(), Some(vec![]), "nothing saved");

    let file = root.join(EDITION);
    let text = fs::read_to_string(&file).unwrap();
    let edited = text.replace("SDGsの着実な推進", "SDGsの着実かつ計画的な推進");
    fs::write(&file, &edited).unwrap();
    let series = vec!["ueda/seisaku-kikaku".to_string()];
    assert_eq!(refresh(&mut site).unwrap(), Some(series.clone()));
    let tokenizer = Tokenizer::new(site.user_dictionary.as_deref()).unwrap();
    let shortcodes = kohyo::site::expand(&site).unwrap();
    let quick = kohyo::site::render_series_files(&site, &shortcodes, &tokenizer, &series).unwrap();
    let (fresh_site, fresh_shortcodes) = kohyo::site::load(root).unwrap();
    let fresh =
        render_files_with(&fresh_site, &fresh_shortcodes, &tokenizer, None, &|_| {}).unwrap();
    let whole = by_path(&fresh);
    let paths: Vec<String> = quick
        .iter()
        .map(|f| f.path.to_string_lossy().replace('\\', "/"))
        .collect();
    for (path, f) in paths.iter().zip(&quick) {
        assert_eq!(whole.get(path.as_str()), Some(&&f.contents[..]), "{path}");
    }
    for page in [
        "ueda/seisaku-kikaku/index.html",
        "ueda/seisaku-kikaku/2022/index.html",
        "ueda/seisaku-kikaku/2023/index.html",
        "ueda/seisaku-kikaku/compare/2022-2023/index.html",
    ] {
        assert!(paths.iter().any(|p| p == page), "{page} in {paths:?}");
    }
    assert!(
        paths.iter().all(|p| p.starts_with("ueda/seisaku-kikaku/")),
        "{paths:?}"
    );
    let page = String::from_utf8_lossy(whole["ueda/seisaku-kikaku/2023/index.html"]);
    assert!(page.contains("SDGsの着実かつ計画的な推進"));

    fs::write(
        &file,
        text.replace("stage = \"plan\"", "stage = \"planned\""),
    )
    .unwrap();
    let problems = refresh(&mut site).unwrap_err();
    assert_eq!(problems[0].path, Path::new(EDITION));
    let shortcodes = kohyo::site::expand(&site).unwrap();
    let again = kohyo::site::render_series_files(&site, &shortcodes, &tokenizer, &series).unwrap();
    assert!(
        again
            .iter()
            .zip(&quick)
            .all(|(a, b)| a.contents == b.contents),
        "the site is as it was before the broken save"
    );

    fs::write(&file, &edited).unwrap();
    let series_file = root.join("content/ueda/seisaku-kikaku/_series.toml");
    let mut series_text = fs::read_to_string(&series_file).unwrap();
    series_text.push_str("# 追記\n");
    fs::write(&series_file, series_text).unwrap();
    assert_eq!(
        refresh(&mut site).unwrap(),
        None,
        "a series file needs a full load"
    );
}

const PAGE: &str = "/ueda/seisaku-kikaku/2023/";

/// Let this test process hold `n` sockets at once (the server runs under its own limit).
fn allow_open_files(n: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    assert_eq!(
        unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
        0
    );
    assert!(
        limit.rlim_max >= n,
        "the hard limit of open files ({}) is below {n}",
        limit.rlim_max
    );
    if limit.rlim_cur < n {
        limit.rlim_cur = n;
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    }
}

/// Whether the server has closed `s`: a read ends (or is reset) before `wait`.
fn closed_within(mut s: &TcpStream, wait: Duration) -> bool {
    s.set_read_timeout(Some(wait)).unwrap();
    let mut byte = [0];
    match s.read(&mut byte) {
        Ok(0) => true,
        Ok(_) => false,
        Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

/// A header's value in a response head (names compared without case).
fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// 2,000 idle sockets against a server allowed 1,024 files: it closes the longest-idle ones
/// to make room, keeps its threads bounded and answers a page while they are open and after.
#[test]
fn preview_survives_2000_idle_connections_under_1024_open_files() {
    allow_open_files(4096);
    let site = copy_site(&sample_root());
    let preview = Preview::launch(site.path(), &[], Some(1024));
    let addr: SocketAddr = preview.addr.parse().unwrap();
    let opened = Instant::now();
    let mut idle = Vec::new();
    for i in 0..2000 {
        let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
            .unwrap_or_else(|e| panic!("idle connection {i} not accepted: {e}"));
        idle.push(s);
    }
    let opened = opened.elapsed();
    let asked = Instant::now();
    let (status, _, body) = preview.get(PAGE);
    let answered = asked.elapsed();
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("スマートシティ推進計画に掲げる"));
    let threads = preview.proc_status("Threads");
    let rss = preview.proc_status("VmRSS");
    let files = fs::read_dir(format!("/proc/{}/fd", preview.child.id()))
        .unwrap()
        .count();
    assert!(threads <= 320, "{threads} threads");
    let still_open = idle
        .iter()
        .filter(|s| !closed_within(s, Duration::from_millis(1)))
        .count();
    eprintln!(
        "2000 idle connections opened in {opened:?}; page answered in {answered:?}; server: \
         {threads} threads, {files} open files, VmRSS {rss} kB; {still_open} idle ones still open"
    );
    assert!(still_open < 2000, "the oldest idle connections are closed");
    drop(idle);
    let (status, _, _) = preview.get(PAGE);
    assert_eq!(status, 200, "after the idle connections are gone");
}

/// With only 64 files the server runs out of descriptors: it says so once, closes an idle
/// connection and keeps answering.
#[test]
fn preview_keeps_accepting_when_out_of_file_descriptors() {
    allow_open_files(1024);
    let site = copy_site(&sample_root());
    let mut preview = Preview::launch(site.path(), &[], Some(64));
    let idle: Vec<TcpStream> = (0..300).map(|_| preview.connect()).collect();
    let (status, _, _) = preview.get(PAGE);
    assert_eq!(status, 200);
    drop(idle);
    assert_eq!(preview.get("/").0, 200);
    assert!(preview.child.try_wait().unwrap().is_none(), "still running");
    let log = preview.log();
    let said = log.matches("cannot accept a connection").count();
    assert_eq!(said, 1, "one line about it: {log}");
}

/// An idle connection, new or between keep-alive requests, is closed after the idle timeout;
/// a head of 32 MB gets 431 (or 400) without the server growing.
#[test]
fn preview_closes_idle_connections_and_bounds_request_heads() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let silent = preview.connect();
    let mut kept = preview.connect();
    write!(kept, "GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut reader = BufReader::new(kept.try_clone().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if let Some(v) = header(&line, "Content-Length") {
            length = v.parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    let waited = Instant::now();
    assert!(
        closed_within(&silent, Duration::from_secs(15)),
        "never sent a request"
    );
    assert!(
        closed_within(&kept, Duration::from_secs(15)),
        "between requests"
    );
    assert!(waited.elapsed() < Duration::from_secs(15));

    assert_eq!(preview.get("/").0, 200);
    let before = preview.proc_status("VmRSS");
    let mut s = preview.connect();
    let mut writer = s.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ");
        let line = vec![b'a'; 1 << 20];
        for _ in 0..32 {
            if writer.write_all(&line).is_err() {
                break;
            }
        }
        let _ = writer.shutdown(std::net::Shutdown::Write);
    });
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    sender.join().unwrap();
    let answer = String::from_utf8_lossy(&answer);
    let status = answer.split(' ').nth(1).unwrap_or("");
    assert!(status == "431" || status == "400", "{answer}");
    let after = preview.proc_status("VmRSS");
    assert!(
        after < before + 8 * 1024,
        "VmRSS {before} kB before a 32 MB head, {after} kB after"
    );
    eprintln!("32 MB head: {status}; VmRSS {before} kB before, {after} kB after");
    assert_eq!(preview.get(PAGE).0, 200);
}

/// GET and HEAD only: any other method gets 405 with `Allow`, a malformed one 400; HEAD gets
/// GET's headers without the body.
#[test]
fn preview_answers_get_and_head_only() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    for method in ["POST", "PUT", "DELETE", "TRACE", "OPTIONS", "PATCH", "get"] {
        let (status, head, body) =
            preview.raw(format!("{method} {PAGE} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        assert_eq!(status, 405, "{method}: {head}");
        assert_eq!(header(&head, "Allow"), Some("GET, HEAD"), "{method}");
        assert!(
            !String::from_utf8_lossy(&body).contains("<html"),
            "{method}"
        );
    }
    let (status, _, _) =
        preview.raw(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    assert_eq!(status, 405);
    let (status, _, _) = preview.raw(b"G\0T / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status, 400);

    let (status, got, page) = preview.get(PAGE);
    assert_eq!(status, 200);
    let (status, head, body) = preview
        .raw(format!("HEAD {PAGE} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
    assert_eq!(status, 200);
    assert!(body.is_empty(), "{} bytes after the head", body.len());
    assert_eq!(
        header(&head, "Content-Length"),
        Some(page.len().to_string().as_str())
    );
    assert_eq!(header(&head, "Content-Type"), header(&got, "Content-Type"));
}

/// The search client reads bundles of the index by range: the preview answers one range of
/// bytes with 206 and the bytes, a range past the end with 416, anything else with the file.
#[test]
fn preview_answers_byte_ranges() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let path = "/search/r/0.bundle";
    let (status, _, whole) = preview.get(path);
    assert_eq!(status, 200);
    let ranged = |range: &str| {
        preview.raw(
            format!(
                "GET {path} HTTP/1.1\r\nHost: x\r\nRange: {range}\r\nConnection: close\r\n\r\n"
            )
            .as_bytes(),
        )
    };
    let len = whole.len();
    for (range, from, to) in [
        ("bytes=0-7", 0, 8),
        (&format!("bytes=8-{}", len + 100), 8, len),
        ("bytes=-5", len - 5, len),
        (&format!("bytes={}-", len - 1), len - 1, len),
    ] {
        let (status, head, body) = ranged(range);
        assert_eq!(status, 206, "{range}: {head}");
        assert_eq!(body, &whole[from..to], "{range}");
        let said = format!("bytes {from}-{}/{len}", to - 1);
        assert_eq!(
            header(&head, "Content-Range"),
            Some(said.as_str()),
            "{range}"
        );
    }
    let (status, head, body) = ranged(&format!("bytes={len}-"));
    assert_eq!(status, 416, "{head}");
    assert!(body.is_empty());
    let said = format!("bytes */{len}");
    assert_eq!(header(&head, "Content-Range"), Some(said.as_str()));
    for range in ["bytes=0-1,4-5", "bytes=9-2", "lines=1-2"] {
        let (status, _, body) = ranged(range);
        assert_eq!((status, body), (200, whole.clone()), "{range}");
    }
}

/// `//ueda` is a same-origin path; its redirect must not be `//ueda/`, which a browser reads
/// as the host `ueda`.
#[test]
fn double_slashes_redirect_within_the_site() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    for path in [
        "//ueda",
        "///ueda",
        "//ueda?x=1",
        "/%2Fueda",
        "//ueda/seisaku-kikaku",
    ] {
        let (status, head, _) = preview.get(path);
        assert_eq!(status, 301, "{path}");
        let location = header(&head, "Location").unwrap();
        assert!(
            location.starts_with('/') && !location.starts_with("//"),
            "{path}: {location}"
        );
        assert!(location.ends_with('/'), "{path}: {location}");
    }
    let (_, head, _) = preview.get("//ueda");
    assert_eq!(header(&head, "Location"), Some("/ueda/"));
    assert_eq!(preview.get("//").0, 200);
}

/// Listening beyond this computer shows drafts to the network: the server says so.
#[test]
fn a_preview_beyond_loopback_warns_about_drafts() {
    let site = copy_site(&sample_root());
    let open = Preview::launch(site.path(), &["--interface", "0.0.0.0"], None);
    assert_eq!(open.get("/").0, 200);
    let log = open.log();
    assert!(
        log.contains("warning: the preview listens on 0.0.0.0:")
            && log.contains("unpublished drafts are visible to every computer that can reach it"),
        "{log}"
    );
    let local = Preview::start(site.path());
    assert_eq!(local.get("/").0, 200);
    assert!(!local.log().contains("warning"), "{}", local.log());
}

/// Every response carries the page's Content-Security-Policy as a header (so that an SVG or a
/// data file opened directly is covered too) and `nosniff`.
#[test]
fn every_preview_response_carries_the_content_security_policy() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let html = preview.text("/");
    let meta = html
        .split("http-equiv=\"Content-Security-Policy\" content=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a meta policy")
        .replace("&#39;", "'");
    assert!(meta.contains("script-src 'self'"), "{meta}");
    let mut answers = Vec::new();
    for path in [
        "/",
        PAGE,
        "/style.css",
        "/favicon.svg",
        "/data/kohyo.json",
        "/missing",
        "/ueda",
        "/%00",
        "/__kohyo/reload.js",
        "/__kohyo/errors",
    ] {
        let (status, head, _) = preview.get(path);
        answers.push((format!("GET {path} ({status})"), head));
    }
    let (_, head, _) = preview.raw(b"POST / HTTP/1.1\r\nHost: x\r\n\r\n");
    answers.push(("POST".into(), head));
    let (_, head, _) = preview.raw(b"G\0T / HTTP/1.1\r\n\r\n");
    answers.push(("G\\0T".into(), head));
    let mut events = preview.connect();
    events
        .write_all(b"GET /__kohyo/events HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reader = BufReader::new(events);
    let mut head = String::new();
    while !head.ends_with("\r\n\r\n") {
        assert!(reader.read_line(&mut head).unwrap() > 0);
    }
    answers.push(("events".into(), head));
    for (what, head) in answers {
        assert_eq!(
            header(&head, "Content-Security-Policy"),
            Some(meta.as_str()),
            "{what}: {head}"
        );
        assert_eq!(
            header(&head, "X-Content-Type-Options"),
            Some("nosniff"),
            "{what}"
        );
    }
}

/// Event streams have their own cap: past it the oldest streams close, and the newest still
/// gets the reload after a save.
#[test]
fn event_streams_are_capped_and_the_newest_kept() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let mut streams: Vec<Events> = (0..40).map(|_| preview.events()).collect();
    for (i, events) in streams.iter().take(8).enumerate() {
        assert!(
            closed_within(events.reader.get_ref(), Duration::from_secs(5)),
            "stream {i} of 40 is closed"
        );
    }
    assert_eq!(preview.get(PAGE).0, 200);
    let file = site.path().join(EDITION);
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replace("SDGsの着実な推進", "SDGsの着実かつ計画的な推進"),
    )
    .unwrap();
    let newest = streams.last_mut().unwrap();
    assert_eq!(newest.next().0, "reload");
}

#[test]
fn kohyo_search_reads_the_running_previews_index() {
    let site = copy_site(&sample_root());
    let preview = Preview::start(site.path());
    let url = format!("http://{}/", preview.addr);
    let search = |query: &str| -> Value {
        let out = kohyo(&["search", query, "--json", "--preview", &url]);
        assert!(out.status.success(), "{}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    // The preview's index answers as the built site's does.
    let built = kohyo(&[
        "search",
        "協働",
        "--json",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    let built: Value = serde_json::from_slice(&built.stdout).unwrap();
    assert!(!built.as_array().unwrap().is_empty());
    assert_eq!(search("協働"), built);
    // A word saved in an edition is found once the preview has made the site again, with no
    // build in between.
    assert_eq!(search("珊瑚礁の保全"), Value::Array(Vec::new()));
    let file = site.path().join(EDITION);
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replace("SDGsの着実な推進", "SDGsの着実な推進と珊瑚礁の保全"),
    )
    .unwrap();
    let saved = Instant::now();
    let found = loop {
        let found = search("珊瑚礁の保全");
        if !found.as_array().unwrap().is_empty() || saved.elapsed() > Duration::from_secs(60) {
            break found;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(
        found[0]["url"], "/ueda/seisaku-kikaku/2023/#sdgs",
        "{found}"
    );
    // No preview at the address: said so, with what to check.
    drop(preview);
    let out = kohyo(&["search", "協働", "--preview", &url]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("is `kohyo serve` running there"),
        "{}",
        stderr(&out)
    );
}
