//! Shortcodes: MiniJinja calls inside the Markdown bodies of items and sections, expanded after
//! loading and before Markdown.
//!
//! `{{ indicator("i1") }}`, `{{ figure(src="zu1.png", alt="…", caption="…") }}`,
//! `{{ ref("ueda/seisaku-kikaku/2022#nihon-isan") }}`, `{{ wareki(2024) }}`, `{{ nendo(2019) }}` and the
//! theme's own shortcodes (`themes/<name>/shortcodes/<name>.html`).
//!
//! Content comes from many departments and is not trusted. The environment is empty but for
//! these functions: no filters, no includes or imports (MiniJinja is built without them), no
//! file access except `figure` reading an image inside `content/`; an undefined name is an
//! error, and a fuel limit stops a runaway loop. Text a body prints, from the template or from a
//! value, goes through Markdown and so is escaped like any other body text; only HTML a
//! shortcode built itself reaches the page as HTML. It travels as a placeholder through comrak
//! and is put in place afterwards ([`Bodies::html`]).

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use minijinja::value::{Kwargs, Object, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};
use toml::Spanned;

use crate::diagnostic::{self, Diagnostic, Message};
use crate::layout::{CONTENT_DIR, OutputFile};
use crate::load::{self, Site};
use crate::markdown;
use crate::model::{Edition, Indicator, Item, Section, numbered};
use crate::present::{escape_html, indicator_figure};
use crate::source;
use crate::svg;
use crate::wareki;

/// Template instructions one body may run: far more than any real body needs (a body with ten
/// shortcodes uses about a hundred), few enough that a runaway loop stops at once.
const FUEL: u64 = 100_000;
/// The built-in shortcodes, as error messages list them.
const BUILT_IN: [&str; 5] = ["indicator", "figure", "ref", "wareki", "nendo"];
/// Image types `figure` copies.
const IMAGE_TYPES: [&str; 6] = ["png", "jpg", "jpeg", "gif", "webp", "svg"];
/// Around a fragment's number in the Markdown: private-use characters, which comrak passes
/// through untouched.
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';
/// What a figure missing from the extracted text shows.
const FIGURE_IN_ORIGINAL: &str = "この図は原本に掲載されています";

/// A body with its shortcodes expanded: Markdown holding placeholders, and the HTML for each.
#[derive(Debug, Clone, Default)]
struct Expanded {
    markdown: String,
    fragments: Vec<Fragment>,
}

/// HTML a shortcode built.
#[derive(Debug, Clone)]
struct Fragment {
    html: String,
    placement: Placement,
    /// The shortcode's name, for errors.
    name: String,
}

/// Where a fragment's HTML may stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// A figure or chart: alone on its line, where it replaces the paragraph.
    Block,
    /// A link or label: inside the text.
    Inline,
    /// A theme's shortcode: a block when alone on its line, else inside the text.
    Either,
}

/// The HTML of a Markdown body: Markdown rendered by comrak (raw HTML escaped), then the
/// shortcodes' HTML put where their calls were. `title` captions the body's tables.
fn body_html(body: &str, expanded: Option<&Expanded>, title: &str) -> String {
    let Some(expanded) = expanded else {
        return markdown::to_html(body, title);
    };
    let mut html = markdown::to_html(&expanded.markdown, title);
    for (i, fragment) in expanded.fragments.iter().enumerate() {
        let mark = placeholder(i);
        let paragraph = format!("<p>{mark}</p>");
        html = if fragment.placement == Placement::Block && html.contains(&paragraph) {
            html.replacen(&paragraph, &fragment.html, 1)
        } else {
            html.replacen(&mark, &fragment.html, 1)
        };
    }
    html
}

fn placeholder(i: usize) -> String {
    format!("{OPEN}{i}{CLOSE}")
}

/// Whether a body holds template syntax at all; most do not and are left alone.
fn has_template_syntax(body: &str) -> bool {
    body.contains("{{") || body.contains("{%") || body.contains("{#")
}

/// The expanded bodies of a site, and the images its figures show: what `shortcode` hands to
/// the stages after it, beside the [`Site`] it was made from.
#[derive(Debug, Default)]
pub struct Expansions {
    /// Each edition's expanded bodies, by the edition's source path.
    editions: HashMap<PathBuf, Bodies>,
    /// Files copied from `content/` as they are (images that figures show), by output path.
    assets: Vec<OutputFile>,
}

/// The expanded bodies of one edition, by where the body's TOML value starts in the file.
#[derive(Debug, Default)]
pub struct Bodies(BTreeMap<usize, Expanded>);

/// An edition without expanded bodies.
static NO_BODIES: Bodies = Bodies(BTreeMap::new());

impl Expansions {
    /// The expanded bodies of `edition` (none when it calls no shortcode).
    pub fn bodies(&self, edition: &Edition) -> &Bodies {
        self.editions
            .get(&edition.source_path)
            .unwrap_or(&NO_BODIES)
    }

    /// The images figures show, sorted by output path.
    pub fn assets(&self) -> &[OutputFile] {
        &self.assets
    }
}

impl Bodies {
    /// The HTML of an item's or section's Markdown `body` of this edition: Markdown rendered
    /// by comrak, with its shortcodes' HTML where their calls were. `title` captions the
    /// body's tables.
    pub fn html(&self, body: &Spanned<String>, title: &str) -> String {
        body_html(body.get_ref(), self.0.get(&body.span().start), title)
    }
}

/// Expand the shortcodes of every item and section body of the site, once every edition is
/// known, so that `ref` can point at any of them. Figures' images are read into the result;
/// every problem is a diagnostic at the shortcode's line and column, sorted by place.
pub fn expand_site(site: &Site) -> (Expansions, Vec<Diagnostic>) {
    let uses = |e: &Edition| bodies(e).iter().any(|b| has_template_syntax(b.get_ref()));
    let mut expansions = Expansions::default();
    if !site.editions().any(|(_, _, e)| uses(e)) {
        return (expansions, Vec::new());
    }
    let mut diags = Vec::new();
    let shortcodes = Shortcodes::new(site, &mut diags);
    for (m, s, e) in site.editions().filter(|(_, _, e)| uses(e)) {
        let page = Arc::new(Page::new(&m.slug, &s.slug, e));
        let mut expanded = BTreeMap::new();
        let mut failures = Vec::new();
        for body in bodies(e) {
            if !has_template_syntax(body.get_ref()) {
                continue;
            }
            match shortcodes.expand(body.get_ref(), &page) {
                Ok(done) => {
                    expanded.insert(body.span().start, done);
                }
                Err((range, message)) => failures.push((body, range, message)),
            }
        }
        if !failures.is_empty() {
            let text = load::read_text(&site.root, &e.source_path).unwrap_or_default();
            for (body, range, message) in failures {
                let (span, body) = (body.span(), body.get_ref());
                let start = file_offset(&text, &span, body, range.start);
                let end = file_offset(&text, &span, body, range.end).max(start);
                diags.push(Diagnostic::at(&e.source_path, &text, start..end, message));
            }
        }
        expansions
            .editions
            .insert(e.source_path.clone(), Bodies(expanded));
        expansions.assets.append(&mut lock(&page.assets));
    }
    let assets = &mut expansions.assets;
    assets.sort_by(|a, b| a.path.cmp(&b.path));
    assets.dedup_by(|a, b| a.path == b.path);
    (expansions, diagnostic::sorted(diags))
}

/// Every item and section body of an edition: sections first, then items, each depth first.
fn bodies(e: &Edition) -> Vec<&Spanned<String>> {
    fn sections<'a>(list: &'a [Section], out: &mut Vec<&'a Spanned<String>>) {
        for s in list {
            out.extend(&s.body);
            sections(&s.sections, out);
        }
    }
    fn items<'a>(list: &'a [Spanned<Item>], out: &mut Vec<&'a Spanned<String>>) {
        for item in list {
            let item = item.get_ref();
            out.extend(&item.body);
            items(&item.items, out);
        }
    }
    let mut out = Vec::new();
    sections(&e.sections, &mut out);
    items(&e.items, &mut out);
    out
}

/// The environment content templates run in, with the site's link targets.
struct Shortcodes {
    env: Environment<'static>,
}

/// What `ref` can point at: `municipality/series/edition` and `…#anchor`, with a title and URL.
struct Targets(HashMap<String, (String, String)>);

/// The edition being expanded, as its shortcodes see it (the template's `__kohyo` value).
#[derive(Debug)]
struct Page {
    /// `municipality/series/edition`.
    edition: String,
    /// Folder of the edition file under `content/`, e.g. `ichinoseki/kyodo-suishin`.
    folder: PathBuf,
    /// The edition's indicators by anchor: their figure HTML.
    indicators: HashMap<String, String>,
    /// Fragments of the body being expanded.
    fragments: Mutex<Vec<Fragment>>,
    /// Images figures copy.
    assets: Mutex<Vec<OutputFile>>,
}

impl Object for Page {}

impl Page {
    fn new(m: &str, s: &str, e: &Edition) -> Self {
        fn items(list: &[Spanned<Item>], out: &mut HashMap<String, String>) {
            for item in list {
                let item = item.get_ref();
                indicators(&item.indicators, out);
                items(&item.items, out);
            }
        }
        fn indicators(list: &[Indicator], out: &mut HashMap<String, String>) {
            for ind in list {
                out.insert(ind.anchor.clone(), indicator_figure(ind));
            }
        }
        let mut all = HashMap::new();
        indicators(&e.indicators, &mut all);
        items(&e.items, &mut all);
        Page {
            edition: format!("{m}/{s}/{}", e.slug),
            folder: Path::new(m).join(s),
            indicators: all,
            fragments: Mutex::default(),
            assets: Mutex::default(),
        }
    }

    /// Keep a fragment and return its placeholder.
    fn push(&self, name: &str, html: String, placement: Placement) -> Value {
        let mut fragments = lock(&self.fragments);
        fragments.push(Fragment {
            html,
            placement,
            name: name.to_string(),
        });
        Value::from(placeholder(fragments.len() - 1))
    }
}

/// The page a shortcode is called from.
fn page(state: &State) -> Result<Arc<Page>, Error> {
    state
        .lookup("__kohyo")
        .and_then(|v| v.downcast_object::<Page>())
        .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "no page to expand"))
}

/// A shortcode's own error: MiniJinja carries one string, so both languages travel encoded
/// ([`Message::encode`]) and [`Shortcodes::explain`] takes them apart.
fn invalid(message: Message) -> Error {
    Error::new(ErrorKind::InvalidOperation, message.encode())
}

impl Shortcodes {
    fn new(site: &Site, diags: &mut Vec<Diagnostic>) -> Self {
        let mut env = Environment::empty();
        env.set_fuel(Some(FUEL));
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        // Printed values go into Markdown, which escapes them; shortcode HTML is placeholders.
        env.set_auto_escape_callback(|_| AutoEscape::None);
        let targets = Arc::new(Targets::of(site));
        let base = site.config.base();
        let root = site.root.clone();

        env.add_function("indicator", |state: &State, id: String| {
            let page = page(state)?;
            let html = page.indicators.get(&id).cloned().ok_or_else(|| {
                let mut known: Vec<&str> = page.indicators.keys().map(String::as_str).collect();
                known.sort_unstable();
                invalid(match known.is_empty() {
                    true => Message::new(
                        format!("indicator(\"{id}\"): this edition has no indicators"),
                        format!("indicator(\"{id}\")：この版には指標がありません"),
                    ),
                    false => Message::new(
                        format!(
                            "indicator(\"{id}\"): this edition has no indicator `{id}`: expected one of {}",
                            known.join(", ")
                        ),
                        format!(
                            "indicator(\"{id}\")：この版に指標 `{id}` はありません。使える指標は {} です",
                            known.join(", ")
                        ),
                    ),
                })
            })?;
            Ok(page.push("indicator", html, Placement::Block))
        });

        let figure_base = base.clone();
        env.add_function("figure", move |state: &State, kwargs: Kwargs| {
            let page = page(state)?;
            let src: Option<String> = kwargs.get("src")?;
            let alt: Option<String> = kwargs.get("alt")?;
            let caption: Option<String> = kwargs.get("caption")?;
            kwargs.assert_all_used()?;
            let caption = caption
                .filter(|c| !c.trim().is_empty())
                .map(|c| format!("<figcaption>{}</figcaption>", escape_html(&c)))
                .unwrap_or_default();
            let html = match src {
                None => format!(
                    "<figure class=\"figure figure-missing\"><p class=\"figure-note\" data-search-skip>{FIGURE_IN_ORIGINAL}</p>{caption}</figure>"
                ),
                Some(src) => {
                    let alt = alt.filter(|a| !a.trim().is_empty()).ok_or_else(|| {
                        invalid(Message::new(
                            format!(
                                "figure(src=\"{src}\") needs `alt`: describe what the image shows for readers who cannot see it, e.g. alt=\"協働のまちづくりの体系\""
                            ),
                            format!(
                                "figure(src=\"{src}\") には `alt` が必要です。画像を見られない読者のために、何が描かれているかを書きます（例：alt=\"協働のまちづくりの体系\"）"
                            ),
                        ))
                    })?;
                    let file = image(&root, &page.folder, &src)?;
                    let url = format!("{figure_base}{}", slashed(&file.path));
                    lock(&page.assets).push(file);
                    format!(
                        "<figure class=\"figure\"><img src=\"{}\" alt=\"{}\" loading=\"lazy\">{caption}</figure>",
                        escape_html(&url),
                        escape_html(&alt)
                    )
                }
            };
            Ok(page.push("figure", html, Placement::Block))
        });

        let ref_targets = Arc::clone(&targets);
        env.add_function(
            "ref",
            move |state: &State, target: String, kwargs: Kwargs| {
                let page = page(state)?;
                let text: Option<String> = kwargs.get("text")?;
                kwargs.assert_all_used()?;
                let (path, anchor) = load::split_link(&target);
                let path = if path.is_empty() { page.edition.as_str() } else { path };
                let key = match anchor {
                    Some(a) => format!("{path}#{a}"),
                    None => path.to_string(),
                };
                let (title, url) = ref_targets.0.get(&key).ok_or_else(|| {
                    invalid(match (ref_targets.0.contains_key(path), anchor) {
                        (true, Some(a)) => Message::new(
                            format!(
                                "ref(\"{target}\") points to no item: {path} has no id or anchor `{a}`"
                            ),
                            format!(
                                "ref(\"{target}\") の指す項目がありません。{path} に ID またはアンカー `{a}` はありません"
                            ),
                        ),
                        _ => Message::new(
                            format!(
                                "ref(\"{target}\") points to no edition: expected municipality/series/edition with an optional #anchor, e.g. ueda/seisaku-kikaku/2022#nihon-isan"
                            ),
                            format!(
                                "ref(\"{target}\") の指す版がありません。自治体/系列/版（必要なら #アンカー）で書きます（例：ueda/seisaku-kikaku/2022#nihon-isan）"
                            ),
                        ),
                    })
                })?;
                let html = format!(
                    "<a href=\"{}{}\">{}</a>",
                    escape_html(&base),
                    escape_html(url),
                    escape_html(text.as_deref().unwrap_or(title))
                );
                Ok(page.push("ref", html, Placement::Inline))
            },
        );

        env.add_function(
            "wareki",
            |year: i32, month: Option<u32>, day: Option<u32>| -> Result<String, Error> {
                let year = wareki::check_western(year.into()).map_err(invalid)?;
                match (month, day) {
                    (None, None) => Ok(wareki::year_label(year)),
                    (Some(m), None) if (1..=12).contains(&m) => Ok(wareki::month_label(year, m)),
                    (Some(m), Some(d)) if wareki::is_date(year, m, d) => {
                        Ok(wareki::date_label(year, m, d))
                    }
                    _ => Err(invalid(Message::new(
                        format!(
                            "wareki({year}, …): expected a month 1–12 and a day of that month, e.g. wareki(2019, 5, 1)"
                        ),
                        format!(
                            "wareki({year}, …)：月は 1〜12、日はその月にある日で書きます（例：wareki(2019, 5, 1)）"
                        ),
                    ))),
                }
            },
        );
        env.add_function("nendo", |year: i32| -> Result<String, Error> {
            let year = wareki::check_western(year.into()).map_err(invalid)?;
            Ok(wareki::fiscal_year_label(year))
        });

        for (name, source) in theme_shortcodes(site, diags) {
            let call_name = name.clone();
            env.add_function(name, move |state: &State, kwargs: Kwargs| {
                let page = page(state)?;
                let html = render_theme_shortcode(&call_name, &source, kwargs)?;
                Ok(page.push(&call_name, html, Placement::Either))
            });
        }
        Shortcodes { env }
    }

    /// Expand one body; an error is its byte range in the body and a message.
    fn expand(&self, body: &str, page: &Arc<Page>) -> Result<Expanded, (Range<usize>, Message)> {
        if let Some(at) = body.find([OPEN, CLOSE]) {
            return Err((
                at..at + OPEN.len_utf8(),
                Message::new(
                    "a body with shortcodes cannot hold the private-use characters U+E000 and U+E001: remove them",
                    "ショートコードのある本文には私用領域の文字 U+E000 と U+E001 を書けません。取り除きます",
                ),
            ));
        }
        let fail = |e: &Error| {
            let range = error_range(body, e);
            let message = self.explain(e);
            match body.get(range.clone()) {
                Some(call)
                    if call.contains('(')
                        && !call.contains('\n')
                        && call.len() <= 120
                        && !message.en.contains(call) =>
                {
                    let call = call.to_string();
                    let within = Message::new(format!(" (in `{call}`)"), format!("（`{call}`）"));
                    (range, message.and(within))
                }
                _ => (range, message),
            }
        };
        let template = self.env.template_from_str(body).map_err(|e| fail(&e))?;
        let context = minijinja::context! { __kohyo => Value::from_dyn_object(Arc::clone(page)) };
        let rendered = template.render_with_spans(context);
        let mut fragments = std::mem::take(&mut *lock(&page.fragments));
        let (markdown, spans) = rendered.map_err(|e| fail(&e))?;
        // A block gets a paragraph of its own, so it must stand alone on its line.
        let mut out = String::with_capacity(markdown.len() + 8);
        let mut line_start = 0;
        for line in markdown.split_inclusive('\n') {
            let at = line_start;
            line_start += line.len();
            let bare = line.trim();
            let alone = bare
                .strip_prefix(OPEN)
                .and_then(|rest| rest.strip_suffix(CLOSE))
                .and_then(|n| n.parse::<usize>().ok())
                .and_then(|i| fragments.get_mut(i))
                .filter(|f| f.placement != Placement::Inline);
            if let Some(fragment) = alone {
                fragment.placement = Placement::Block;
                out.push('\n');
                out.push_str(bare);
                out.push_str("\n\n");
                continue;
            }
            let misplaced = fragments.iter().enumerate().find_map(|(i, f)| {
                let found = line.find(&placeholder(i))?;
                (f.placement == Placement::Block).then_some((at + found, f))
            });
            if let Some((offset, f)) = misplaced {
                let source = spans
                    .iter()
                    .find(|s| s.output_range().contains(&offset))
                    .map_or(0..0, |s| s.source_range());
                return Err((
                    source,
                    Message::new(
                        format!(
                            "`{}` makes a block of its own (a figure or a chart): put it on a line by itself, with nothing before or after it",
                            f.name
                        ),
                        format!(
                            "`{}` は図やグラフとして独立した塊になります。前後に何も書かずに1行に置きます",
                            f.name
                        ),
                    ),
                ));
            }
            out.push_str(line);
        }
        for f in &mut fragments {
            if f.placement == Placement::Either {
                f.placement = Placement::Inline;
            }
        }
        Ok(Expanded {
            markdown: out,
            fragments,
        })
    }

    /// A MiniJinja error as staff read it.
    fn explain(&self, e: &Error) -> Message {
        let detail = e.detail().unwrap_or_default();
        if let Some(own) = Message::decode(detail) {
            return own;
        }
        match e.kind() {
            ErrorKind::UnknownFunction => {
                let name = detail.strip_suffix(" is unknown").unwrap_or(detail);
                let mut known: Vec<&str> = self.env.globals().map(|(n, _)| n).collect();
                known.sort_unstable();
                let known = known.join(", ");
                Message::new(
                    format!("unknown shortcode `{name}`: expected one of {known}"),
                    format!("`{name}` というショートコードはありません。使えるのは {known} です"),
                )
            }
            ErrorKind::OutOfFuel => Message::new(
                format!(
                    "this body's template stopped after {FUEL} steps: a loop that never ends, or far more work than a page needs"
                ),
                format!(
                    "この本文のテンプレートは {FUEL} 手順で止まりました。終わらない繰り返しか、ページに必要な量を大きく超える処理です"
                ),
            ),
            ErrorKind::UndefinedError => {
                let built_in = BUILT_IN.join(", ");
                Message::new(
                    format!(
                        "{detail}: only shortcodes can be used here, called as functions, e.g. {{{{ nendo(2024) }}}} ({built_in})"
                    ),
                    format!(
                        "{detail}：ここではショートコードだけを、関数として呼んで使えます（例：{{{{ nendo(2024) }}}}。{built_in}）"
                    ),
                )
            }
            ErrorKind::SyntaxError => Message::new(
                format!(
                    "shortcode syntax: {detail}; write a shortcode as {{{{ name(arguments) }}}}, or text with braces as {{% raw %}}{{{{ … }}}}{{% endraw %}}"
                ),
                format!(
                    "ショートコードの書き方の誤り（{detail}）。ショートコードは {{{{ 名前(引数) }}}} と書き、波かっこを文字として書くときは {{% raw %}}{{{{ … }}}}{{% endraw %}} で囲みます"
                ),
            ),
            ErrorKind::MissingArgument
            | ErrorKind::TooManyArguments
            | ErrorKind::InvalidOperation
                if !detail.is_empty() =>
            {
                Message::new(detail, format!("ショートコードの引数の誤り（{detail}）"))
            }
            kind => {
                let en = match detail {
                    "" => kind.to_string(),
                    _ => format!("{kind}: {detail}"),
                };
                let ja = format!("ショートコードの誤り（{en}）");
                Message::new(en, ja)
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Where in the body an error is: MiniJinja's span, else its line, else the start.
fn error_range(body: &str, e: &Error) -> Range<usize> {
    if let Some(range) = e.range().filter(|r| r.end <= body.len()) {
        return range;
    }
    match e.line() {
        Some(line) if line > 1 => {
            let start = body
                .match_indices('\n')
                .nth(line - 2)
                .map_or(0, |(i, _)| i + 1);
            start..start
        }
        _ => 0..0,
    }
}

/// A byte offset in a body as an offset in its file. The body is a TOML string whose quotes,
/// escapes and leading newline the parser removed, so the literal (`text[span]`) is walked
/// alongside the decoded text up to `offset`.
fn file_offset(text: &str, span: &Range<usize>, body: &str, offset: usize) -> usize {
    let Some(literal) = text.get(span.clone()) else {
        return span.start;
    };
    let (open, basic) = match literal {
        l if l.starts_with("\"\"\"") => (3, true),
        l if l.starts_with("'''") => (3, false),
        l if l.starts_with('"') => (1, true),
        _ => (1, false),
    };
    let mut base = open;
    if open == 3 {
        base += ["\n", "\r\n"]
            .iter()
            .find(|nl| literal[base..].starts_with(**nl))
            .map_or(0, |nl| nl.len());
    }
    let mut chars = literal[base..].char_indices().peekable();
    let mut raw = 0;
    let mut decoded = 0;
    while decoded < offset {
        let Some((_, c)) = chars.next() else { break };
        let here = body.get(decoded..).and_then(|rest| rest.chars().next());
        if basic && c == '\\' {
            match chars.next().map(|(_, e)| e) {
                Some('u') => {
                    let _ = chars.nth(3);
                }
                Some('U') => {
                    let _ = chars.nth(7);
                }
                Some(' ' | '\t' | '\r' | '\n') => {
                    while chars.next_if(|(_, w)| w.is_whitespace()).is_some() {}
                    raw = chars.peek().map_or(literal.len() - base, |(j, _)| *j);
                    continue;
                }
                _ => {}
            }
        } else if c == '\r' && here != Some('\r') {
            raw = chars.peek().map_or(literal.len() - base, |(j, _)| *j);
            continue;
        }
        decoded += here.map_or(1, char::len_utf8);
        raw = chars.peek().map_or(literal.len() - base, |(j, _)| *j);
    }
    span.start + base + raw
}

impl Targets {
    fn of(site: &Site) -> Self {
        let mut all = HashMap::new();
        for (m, s, e) in site.editions() {
            let path = format!("{}/{}/{}", m.slug, s.slug, e.slug);
            load::visit_anchors(e, &mut |anchor, number, title| {
                let target = (numbered(number, title), format!("{path}/#{anchor}"));
                all.insert(format!("{path}#{anchor}"), target);
            });
            all.insert(path.clone(), (e.title.clone(), format!("{path}/")));
        }
        Targets(all)
    }
}

/// `path` with `/` between its parts, as in a URL.
fn slashed(path: &Path) -> String {
    let parts: Vec<_> = path.iter().map(|p| p.to_string_lossy()).collect();
    parts.join("/")
}

/// The image a figure names, relative to its edition's folder: read, and placed at the same
/// path under the output. Nothing outside `content/` can be named.
fn image(root: &Path, folder: &Path, src: &str) -> Result<OutputFile, Error> {
    let fail = |why: Message| {
        let lead = format!("figure(src=\"{src}\"): ");
        invalid(Message::new(lead.clone(), lead).and(why))
    };
    let relative = Path::new(src);
    let plain = !src.is_empty()
        && !src.contains(['\\', ':'])
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if !plain {
        return Err(fail(Message::new(
            "expected a path inside the edition's folder, such as zu/keikaku.png (no leading /, no .., no URL)",
            "版のフォルダの中のパスで書きます（例：zu/keikaku.png。先頭の /、..、URL は使えません）",
        )));
    }
    let extension = relative
        .extension()
        .map(|x| x.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if !IMAGE_TYPES.contains(&extension.as_str()) {
        let types = IMAGE_TYPES.map(|t| format!(".{t}")).join(", ");
        return Err(fail(Message::new(
            format!("expected an image file ({types})"),
            format!("画像のファイルを指定します（{types}）"),
        )));
    }
    let shown = Path::new(CONTENT_DIR).join(folder).join(relative);
    if !root.join(&shown).exists() {
        let shown = slashed(&shown);
        return Err(fail(Message::new(
            format!("no file {shown}"),
            format!("ファイル {shown} がありません"),
        )));
    }
    let named = |why: Message| {
        let file = format!("{} ", slashed(&shown));
        fail(Message::new(file.clone(), file).and(why))
    };
    source::check_regular_file(root, &shown, Path::new(CONTENT_DIR)).map_err(named)?;
    let contents = source::read_limited(&root.join(&shown), source::FILE_LIMIT).map_err(named)?;
    if extension == "svg" {
        svg::check(&contents).map_err(|why| {
            let file = format!("{}:", slashed(&shown));
            fail(Message::new(file.clone(), file).and(why))
        })?;
    }
    Ok(OutputFile {
        path: folder.join(relative),
        contents,
    })
}

/// The theme's own shortcodes: `themes/<theme>/shortcodes/<name>.html`, by name.
fn theme_shortcodes(site: &Site, diags: &mut Vec<Diagnostic>) -> Vec<(String, String)> {
    let folder = Path::new("themes")
        .join(&site.config.theme)
        .join("shortcodes");
    let Ok(entries) = fs::read_dir(site.root.join(&folder)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "html"))
        .collect();
    files.sort();
    let mut found = Vec::new();
    for path in files {
        let name = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let rel = folder.join(format!("{name}.html"));
        let identifier = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !identifier || BUILT_IN.contains(&name.as_str()) {
            diags.push(Diagnostic::file(
                &rel,
                Message::new(
                    format!(
                        "a shortcode's file name must be a new name of lower-case letters, digits and _ (not one of {})",
                        BUILT_IN.join(", ")
                    ),
                    format!(
                        "ショートコードのファイル名は、半角の小文字・数字・_ による新しい名前にします（{} 以外）",
                        BUILT_IN.join(", ")
                    ),
                ),
            ));
            continue;
        }
        match load::read_text(&site.root, &rel) {
            Ok(source) => found.push((name, source)),
            Err(d) => diags.push(d),
        }
    }
    found
}

/// Render a theme's shortcode with its named arguments. The theme is trusted to write HTML;
/// the arguments come from content and are escaped.
fn render_theme_shortcode(name: &str, source: &str, kwargs: Kwargs) -> Result<String, Error> {
    let mut env = Environment::empty();
    env.set_fuel(Some(FUEL));
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // Values are escaped as the theme escapes them (minijinja's own escaper also escapes `/`).
    env.set_formatter(|out, _, value| {
        let text = value.to_string();
        match value.is_safe() {
            true => out.write_str(&text),
            false => out.write_str(&escape_html(&text)),
        }
        .map_err(|_| Error::from(ErrorKind::WriteFailure))
    });
    let mut args = std::collections::BTreeMap::new();
    for key in kwargs.args() {
        args.insert(key.to_string(), kwargs.peek::<Value>(key)?);
    }
    env.render_str(source, Value::from(args)).map_err(|e| {
        let (line, detail) = (e.line().unwrap_or(0), e.detail().unwrap_or_default());
        invalid(Message::new(
            format!(
                "shortcode `{name}` failed in the theme's shortcodes/{name}.html, line {line}: {detail}"
            ),
            format!(
                "ショートコード `{name}` がテーマの shortcodes/{name}.html の {line} 行目で失敗しました（{detail}）"
            ),
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::file_offset;

    /// The offset in the file of `needle` in the value that starts with `value` in `text` and
    /// runs to the end of the text.
    fn offset_of(text: &str, value: &str, body: &str, needle: &str) -> usize {
        let start = text.find(value).unwrap();
        let span = start..text.trim_end().len();
        file_offset(text, &span, body, body.find(needle).unwrap())
    }

    #[test]
    fn offsets_walk_through_quotes_escapes_and_newlines() {
        let text = "body = \"a\\\"b\\u00e9 {{ x }}\"\n";
        let at = offset_of(text, "\"a\\\"", "a\"bé {{ x }}", "{{");
        assert_eq!(&text[at..at + 2], "{{");

        let text = "body = '''\n一行目\n{{ ref(\"x\") }}'''\n";
        let at = offset_of(text, "'''\n", "一行目\n{{ ref(\"x\") }}", "ref");
        assert_eq!(&text[at..at + 3], "ref");

        let text = "body = \"\"\"\r\n前 \\\r\n   後{{ y }}\"\"\"\r\n";
        let at = offset_of(text, "\"\"\"\r\n", "前 後{{ y }}", "{{");
        assert_eq!(&text[at..at + 2], "{{");
    }
}
