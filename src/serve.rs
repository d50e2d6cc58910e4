//! `kohyo serve`: the staff preview. Builds the site in memory, serves it over HTTP on
//! loopback, watches `content/`, `themes/` and `kohyo.toml`, rebuilds on save and tells every
//! open page to reload through server-sent events. When the content is broken the last good
//! site stays up and the pages show the errors in an overlay until the file is fixed.
//!
//! Files are served from memory by exact path, so no request can reach a file outside the
//! built site. The reload script is injected into HTML responses here, never written by
//! `kohyo build`.

mod http;

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde::Serialize;

use self::http::{EventStream, Response};

use crate::diagnostic::{Diagnostic, Lang, Message};
use crate::layout::OutputFile;
use crate::layout::{CONFIG_FILE, CONTENT_DIR};
use crate::load::{self, Site};
use crate::shortcode::Expansions;
use crate::site::{self, BuildError, Memo, render_files_with, render_series_files};
use crate::text::Tokenizer;
use crate::theme::CONTENT_SECURITY_POLICY;

/// The preview's own script, served at `/__kohyo/reload.js` (no site path starts with
/// `/__kohyo/`).
const RELOAD_JS: &str = include_str!("serve/reload.js");
/// The element that loads [`RELOAD_JS`] in every HTML response.
const RELOAD_TAG: &[u8] = b"<script src=\"/__kohyo/reload.js\"></script>";
/// Quiet time after the last file event before a rebuild starts.
const DEBOUNCE: Duration = Duration::from_millis(30);
/// How many rebuilds' changed pages are kept for the event streams that have not sent them.
const HISTORY: usize = 32;
/// More changed pages than this are sent as "every page".
const MAX_LISTED: usize = 1000;
/// Headers on every response: the theme's policy (which a meta tag cannot give an SVG or a
/// data file opened directly), and no guessing of content types.
const COMMON_HEADERS: &[(&str, &str)] = &[
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
];
/// How often an event stream sends a comment to keep the connection open.
const PING: Duration = Duration::from_secs(15);
/// How often an event stream looks whether the server closed it.
const STREAM_CHECK: Duration = Duration::from_secs(1);
/// Characters of a path segment written as they are in a redirect; the rest is encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Options of `kohyo serve`.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// Site root holding `kohyo.toml`.
    pub root: PathBuf,
    /// Address to listen on; loopback unless staff ask otherwise.
    pub interface: String,
    /// Port; 0 picks a free one.
    pub port: u16,
}

/// One content error as the overlay shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OverlayError {
    /// `content/…/2023.toml:12:1`, or the file alone.
    pub location: String,
    /// The offending source line, if known.
    pub line: Option<String>,
    /// Spaces and carets under the offending part.
    pub caret: Option<String>,
    /// What is wrong, in English (as the CLI says it).
    pub message: String,
    /// The same in Japanese.
    pub japanese: String,
}

impl OverlayError {
    fn from_diagnostic(d: &Diagnostic) -> OverlayError {
        OverlayError {
            location: d.location(),
            line: (d.line > 0).then(|| d.excerpt_line()),
            caret: (d.line > 0).then(|| d.caret_line()),
            message: d.message.clone(),
            japanese: d.japanese.clone(),
        }
    }
}

/// What the server shows: the last good site, the current errors, and a counter that moves
/// on every rebuild, with the pages each recent rebuild changed.
#[derive(Default)]
struct State {
    files: BTreeMap<String, Arc<Vec<u8>>>,
    errors: Vec<OverlayError>,
    generation: u64,
    /// Generation → the pages it changed, or `None` when it changed a file every page uses
    /// (style sheet, script, image).
    changed: VecDeque<(u64, Option<Vec<String>>)>,
}

impl State {
    /// Serve `files` in place of the files at their paths (all files when `whole`, so that
    /// files the site no longer has go), clear the errors and start a generation that records
    /// what changed.
    fn publish(&mut self, files: Vec<OutputFile>, whole: bool) {
        let mut gone = match whole {
            true => std::mem::take(&mut self.files),
            false => BTreeMap::new(),
        };
        let mut pages = Some(Vec::new());
        for f in files {
            let path = f.path.to_string_lossy().replace('\\', "/");
            let before = match whole {
                true => gone.remove(&path),
                false => self.files.get(&path).cloned(),
            };
            if before.is_none_or(|b| *b != f.contents) {
                note_change(&mut pages, &path);
            }
            self.files.insert(path, Arc::new(f.contents));
        }
        for path in gone.keys() {
            note_change(&mut pages, path);
        }
        self.errors.clear();
        self.generation += 1;
        let pages = pages.filter(|p| p.len() <= MAX_LISTED);
        self.changed.push_back((self.generation, pages));
        if self.changed.len() > HISTORY {
            self.changed.pop_front();
        }
    }

    /// The pages changed by the generations after `seen` (`None`: reload every page).
    fn changed_since(&self, seen: u64) -> Option<Vec<String>> {
        let oldest = self.changed.front().map_or(u64::MAX, |(g, _)| *g);
        if seen + 1 < oldest {
            return None;
        }
        let mut pages = Vec::new();
        for (_, changed) in self.changed.iter().filter(|(g, _)| *g > seen) {
            pages.extend(changed.as_ref()?.iter().cloned());
        }
        Some(pages)
    }
}

/// Record a changed file: a page by its path; a file that pages use (anything but pages and
/// data: CSS, scripts, images) means every page.
fn note_change(pages: &mut Option<Vec<String>>, path: &str) {
    let is_data = path.starts_with("data/")
        || path.starts_with("search/")
        || path.ends_with("/changes.json")
        || path.ends_with("/changes.csv");
    if path.ends_with(".html") {
        if let Some(pages) = pages {
            pages.push(path.to_string());
        }
    } else if !is_data {
        *pages = None;
    }
}

type Shared = Arc<(Mutex<State>, Condvar)>;

/// Build, serve and watch until interrupted. `ready` receives the URL once listening.
pub fn serve(options: &ServeOptions, ready: impl FnOnce(&str)) -> Result<(), Message> {
    let root = options.root.clone();
    let shared: Shared = Arc::new((Mutex::new(State::default()), Condvar::new()));
    let mut builder = Rebuilder::new(&root)?;
    builder.rebuild(&shared);
    let listener = TcpListener::bind((options.interface.as_str(), options.port)).map_err(|e| {
        let (interface, port) = (&options.interface, options.port);
        Message::new(
            format!("cannot listen on {interface}:{port}: {e}"),
            format!(
                "{interface}:{port} で待ち受けられません。ほかの `kohyo serve` が動いていれば止めるか、--port で別の番号を指定してください: {e}"
            ),
        )
    })?;
    let addr = listener.local_addr().map_err(|e| {
        Message::new(
            format!("the server has no address: {e}"),
            format!("サーバーのアドレスがわかりません: {e}"),
        )
    })?;
    if !addr.ip().is_loopback() {
        let warning = Message::new(
            format!(
                "warning: the preview listens on {addr}, which is not a loopback address: unpublished drafts are visible to every computer that can reach it"
            ),
            format!(
                "警告: プレビューはループバックでないアドレス {addr} で待ち受けています。そこに届くどのコンピューターからも、公開前の下書きが見えます"
            ),
        );
        eprintln!("{}", warning.in_lang(Lang::from_env()));
    }
    let url = format!("http://{addr}/");
    let (tx, rx) = mpsc::channel();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // Reading a file (as every build does) is no change.
        if let Ok(event) = event
            && !matches!(event.kind, EventKind::Access(_))
            && event.paths.iter().any(|p| !is_ignored(p))
        {
            let _ = tx.send(());
        }
    })
    .map_err(|e| {
        Message::new(
            format!("cannot watch the site: {e}"),
            format!("サイトのファイルの変更を見張れません: {e}"),
        )
    })?;
    for path in [
        root.join(CONTENT_DIR),
        root.join("themes"),
        root.join(CONFIG_FILE),
    ] {
        if path.exists() {
            watcher
                .watch(&path, RecursiveMode::Recursive)
                .map_err(|e| {
                    Message::new(
                        format!("cannot watch {}: {e}", path.display()),
                        format!("`{}` の変更を見張れません: {e}", path.display()),
                    )
                })?;
        }
    }
    let watched = Arc::clone(&shared);
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            // A save arrives as a burst (write, rename, metadata): wait until it is quiet for
            // a moment, then rebuild once.
            while rx.recv_timeout(DEBOUNCE).is_ok() {}
            builder.rebuild(&watched);
        }
    });
    ready(&url);
    http::run(listener, COMMON_HEADERS, move |target| {
        respond(target, &shared)
    })
}

/// Editor swap and backup files do not change the site.
fn is_ignored(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with(".#")
        || name.ends_with('~')
        || name.ends_with(".swp")
        || name.ends_with(".tmp")
}

/// Rebuilds the site in memory, keeping the loaded site, the tokenizer and the [`Memo`]
/// between builds.
struct Rebuilder {
    root: PathBuf,
    tokenizer: Option<(Option<String>, Tokenizer)>,
    memo: Memo,
    /// The site as last loaded, brought up to date in place when only editions are saved,
    /// and its source files' stamps.
    site: Option<(Site, load::Stamps)>,
    /// The loaded site's shortcodes, expanded again after every load or refresh.
    shortcodes: Expansions,
}

/// Problems as the overlay shows them.
fn overlay(diags: &[Diagnostic]) -> Vec<OverlayError> {
    diags.iter().map(OverlayError::from_diagnostic).collect()
}

/// A problem that has no place in a file (its Japanese says the build failed and why).
fn overlay_message(message: Message) -> Vec<OverlayError> {
    vec![OverlayError {
        location: String::new(),
        line: None,
        caret: None,
        japanese: format!("サイトを作れませんでした（{}）", message.ja),
        message: message.en,
    }]
}

/// The preview has no loaded site to build (its last load failed).
fn not_loaded() -> Vec<OverlayError> {
    overlay_message(Message::new(
        "the site is not loaded",
        "サイトが読み込まれていません",
    ))
}

impl Rebuilder {
    fn new(root: &Path) -> Result<Rebuilder, Message> {
        if !root.join(CONFIG_FILE).is_file() {
            let root = root.display();
            return Err(Message::new(
                format!(
                    "{root} has no {CONFIG_FILE}: run kohyo serve in a site folder or pass --root"
                ),
                format!(
                    "{root} に {CONFIG_FILE} がありません。サイトのフォルダーで `kohyo serve` を実行するか、--root でそのフォルダーを指定してください"
                ),
            ));
        }
        Ok(Rebuilder {
            root: root.to_path_buf(),
            tokenizer: None,
            memo: Memo::default(),
            site: None,
            shortcodes: Expansions::default(),
        })
    }

    /// Bring the served site up to date. When only edition files were saved, the pages of
    /// their series are made and served first (the open pages reload then), and the whole site
    /// after, as a build would make it, from the memo.
    fn rebuild(&mut self, shared: &Shared) {
        let started = Instant::now();
        let result = self.refresh_site().and_then(|quick| {
            if let Some(series) = quick.filter(|s| !s.is_empty()) {
                self.publish_series(shared, &series, started);
            }
            self.build()
        });
        let (lock, changed) = &**shared;
        let Ok(mut state) = lock.lock() else {
            return;
        };
        match result {
            Ok(files) => {
                state.publish(files, true);
                eprintln!(
                    "rebuilt in {} ms (pairs compared: {}, pages rendered: {}, pages indexed: {})",
                    started.elapsed().as_millis(),
                    self.memo.comparisons.compared(),
                    self.memo.pages.rendered().len(),
                    self.memo.index.indexed().len()
                );
            }
            Err(errors) => {
                eprintln!(
                    "{} problem(s); still serving the last good build",
                    errors.len()
                );
                state.errors = errors;
                state.generation += 1;
            }
        }
        changed.notify_all();
    }

    /// Load the site, or refresh the loaded one in place; returns the series saved when only
    /// editions were. The tokenizer is made again when the dictionary changed.
    fn refresh_site(&mut self) -> Result<Option<Vec<String>>, Vec<OverlayError>> {
        let quick = match self
            .site
            .as_mut()
            .map(|(site, sources)| load::refresh(site, sources))
        {
            Some(Ok(Some(series))) => Some(series),
            Some(Err(diags)) => return Err(overlay(&diags)),
            _ => None,
        };
        if quick.is_none() {
            // Stamps first, so that a file saved while loading counts as saved next time.
            let sources = load::stamps(&self.root);
            let site = load::load(&self.root).map_err(|d| overlay(&d))?;
            self.site = Some((site, sources));
        }
        let Some((site, _)) = &self.site else {
            return Err(not_loaded());
        };
        self.shortcodes = site::expand(site).map_err(|d| overlay(&d))?;
        let same = matches!(&self.tokenizer, Some((dict, _)) if *dict == site.user_dictionary);
        if !same {
            let tokenizer = Tokenizer::new(site.user_dictionary.as_deref())
                .map_err(|e| overlay_message(e.message()))?;
            self.tokenizer = Some((site.user_dictionary.clone(), tokenizer));
        }
        Ok(quick)
    }

    /// Make and serve the pages of `series` alone. A failure here is left to the whole
    /// rebuild that follows, which reports it.
    fn publish_series(&self, shared: &Shared, series: &[String], started: Instant) {
        let (Some((site, _)), Some((_, tokenizer))) = (&self.site, &self.tokenizer) else {
            return;
        };
        let Ok(files) = render_series_files(site, &self.shortcodes, tokenizer, series) else {
            return;
        };
        let (lock, changed) = &**shared;
        if let Ok(mut state) = lock.lock() {
            state.publish(files, false);
            changed.notify_all();
        }
        eprintln!(
            "pages of {} updated in {} ms",
            series.join(", "),
            started.elapsed().as_millis()
        );
    }

    /// The whole site, made with the memo.
    fn build(&mut self) -> Result<Vec<OutputFile>, Vec<OverlayError>> {
        let (Some((site, _)), Some((_, tokenizer))) = (&self.site, &self.tokenizer) else {
            return Err(not_loaded());
        };
        let files = render_files_with(
            site,
            &self.shortcodes,
            tokenizer,
            Some(&mut self.memo),
            &|_| {},
        )
        .map_err(|e| match e {
            BuildError::Content(diags) => overlay(&diags),
            other => overlay_message(other.message()),
        })?;
        Ok(files.files)
    }
}

/// A response with the given content type, never cached.
fn typed(status: u16, kind: &str, body: impl Into<Arc<Vec<u8>>>) -> Response {
    Response::new(status, kind, body).with_header("Cache-Control", "no-store")
}

/// The response to a GET of `target`.
fn respond(target: &str, shared: &Shared) -> Response {
    let raw = target.split(['?', '#']).next().unwrap_or("/");
    match raw {
        "/__kohyo/events" => {
            let shared = Arc::clone(shared);
            return Response::stream("text/event-stream; charset=utf-8", move |out| {
                events(out, &shared)
            })
            .with_header("Cache-Control", "no-store");
        }
        "/__kohyo/reload.js" => {
            let body = RELOAD_JS.as_bytes().to_vec();
            return typed(200, "text/javascript; charset=utf-8", body);
        }
        "/__kohyo/errors" => {
            let errors = lock(shared).errors.clone();
            let body = serde_json::to_vec(&errors).unwrap_or_default();
            return typed(200, "application/json; charset=utf-8", body);
        }
        _ => {}
    }
    let Some(path) = site_path(raw) else {
        return typed(
            400,
            "text/plain; charset=utf-8",
            b"400 Bad Request".to_vec(),
        );
    };
    let (status, key, body) = {
        let state = lock(shared);
        let key = match path.is_empty() || path.ends_with('/') {
            true => format!("{path}index.html"),
            false => path.clone(),
        };
        match state.files.get(&key) {
            Some(body) => (200, key, Arc::clone(body)),
            None if state.files.contains_key(&format!("{path}/index.html")) => {
                // A folder without its slash: redirect, so relative links resolve.
                drop(state);
                return Response::redirect(folder_location(&path));
            }
            None => match state.files.get("404.html") {
                Some(page) => (404, "404.html".to_string(), Arc::clone(page)),
                None => return typed(404, "text/plain; charset=utf-8", b"404 Not Found".to_vec()),
            },
        }
    };
    let kind = content_type(&key);
    let response = typed(status, kind, Arc::clone(&body));
    match kind.starts_with("text/html") {
        // The reload script goes before `</body>`.
        true => response.with_insert(reload_at(&body), RELOAD_TAG),
        false => response,
    }
}

/// The state, even when a rebuild panicked while holding it.
fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, State> {
    shared.0.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where a folder named without its slash is: `/` and the site path's segments, encoded, and
/// `/`. It always starts with one slash, so a browser never reads it as another host
/// (`//ueda/`).
fn folder_location(path: &str) -> String {
    let segments: Vec<String> = path
        .split('/')
        .map(|s| utf8_percent_encode(s, SEGMENT).to_string())
        .collect();
    format!("/{}/", segments.join("/"))
}

/// The site path a URL names, decoded, or `None` when it tries to leave the site: `..`
/// segments, backslashes, NUL or invalid UTF-8, raw or percent-encoded.
pub fn site_path(url_path: &str) -> Option<String> {
    let decoded = percent_decode_str(url_path).decode_utf8().ok()?;
    if decoded.contains(['\\', '\0']) || !decoded.starts_with('/') {
        return None;
    }
    let mut parts = Vec::new();
    for segment in decoded[1..].split('/') {
        match segment {
            ".." => return None,
            "." | "" => {}
            s => parts.push(s),
        }
    }
    let mut path = parts.join("/");
    if decoded.ends_with('/') && !path.is_empty() {
        path.push('/');
    }
    Some(path)
}

/// Content type by extension, UTF-8 for every text format.
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "jsonld" => "application/ld+json; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "svg" => "image/svg+xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gz" => "application/gzip",
        _ => "application/octet-stream",
    }
}

/// Where the reload script goes in a page: before its last `</body>`, or at its end.
fn reload_at(html: &[u8]) -> usize {
    html.windows(7)
        .rposition(|w| w == b"</body>")
        .unwrap_or(html.len())
}

/// A server-sent event stream, flushed event by event: waits for the next rebuild, then sends
/// `reload` (the build succeeded) or `errors` (with the overlay's JSON); a comment every 15 s
/// keeps the connection open. Ends when the page goes or the server closes the stream.
fn events(out: &mut EventStream, shared: &Shared) -> io::Result<()> {
    let (lock, changed) = &**shared;
    let mut seen = lock
        .lock()
        .map_err(|_| io::Error::other("lock"))?
        .generation;
    out.send(": connected\n\n")?;
    loop {
        let message = {
            let mut state = lock.lock().map_err(|_| io::Error::other("lock"))?;
            let waited = Instant::now();
            while state.generation == seen && waited.elapsed() < PING {
                if !out.is_open() {
                    return Ok(());
                }
                state = changed
                    .wait_timeout_while(state, STREAM_CHECK, |s| s.generation == seen)
                    .map_err(|_| io::Error::other("lock"))?
                    .0;
            }
            let message = if state.generation == seen {
                ": ping\n\n".to_string()
            } else if state.errors.is_empty() {
                let data = serde_json::json!({
                    "generation": state.generation,
                    "pages": state.changed_since(seen),
                });
                format!("event: reload\ndata: {data}\n\n")
            } else {
                let json = serde_json::to_string(&state.errors).unwrap_or_default();
                format!("event: errors\ndata: {json}\n\n")
            };
            seen = state.generation;
            message
        };
        out.send(&message)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_redirect_to_one_slash_and_encoded_segments() {
        assert_eq!(folder_location("ueda"), "/ueda/");
        assert_eq!(
            folder_location("ueda/seisaku-kikaku"),
            "/ueda/seisaku-kikaku/"
        );
        assert_eq!(folder_location("上 田"), "/%E4%B8%8A%20%E7%94%B0/");
        for raw in ["//ueda", "///ueda", "/%2Fueda", "/.//ueda"] {
            let path = site_path(raw).unwrap();
            assert_eq!(folder_location(&path), "/ueda/", "{raw}");
        }
    }

    #[test]
    fn paths_that_leave_the_site_are_refused() {
        assert_eq!(site_path("/ueda/").as_deref(), Some("ueda/"));
        assert_eq!(site_path("/style.css").as_deref(), Some("style.css"));
        assert_eq!(site_path("/%E4%B8%8A/").as_deref(), Some("上/"));
        for bad in [
            "/../etc/passwd",
            "/ueda/../../etc/passwd",
            "/%2e%2e/etc/passwd",
            "/%2E%2E%2Fetc%2Fpasswd",
            "/..%5c..%5cwindows",
            "/a%00b",
            "/%ff",
        ] {
            assert_eq!(site_path(bad), None, "{bad}");
        }
    }
}
