//! Loading: discover content files with walkdir, decode them (UTF-8, BOM and CRLF accepted,
//! Shift_JIS recognised), deserialise them with serde + toml, and validate the whole site.
//!
//! Every problem becomes a [`Diagnostic`] with file, line and column; loading goes on after a
//! problem so that staff see all of them at once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::prelude::*;
use serde::de::DeserializeOwned;
use toml::Spanned;
use walkdir::WalkDir;

use crate::config::Config;
use crate::diagnostic::{Diagnostic, Message, sorted};
use crate::layout::{CONFIG_FILE, CONTENT_DIR, RESERVED_ROOT_NAMES, RESERVED_SERIES_NAMES};
use crate::model::{Edition, Id, Indicator, Item, Municipality, Section, Series, is_valid_id};
use crate::parse::parse;
use crate::safe_url;
pub use crate::source::read_text;
use crate::user_dictionary;
use crate::wareki;

const MUNICIPALITY_FILE: &str = "_municipality.toml";
const SERIES_FILE: &str = "_series.toml";
/// The site's own words for the tokenizer, relative to the root.
pub const DICTIONARY_FILE: &str = "content/_dictionary.csv";
/// The site's own spelling variants for search, relative to the root.
pub const VARIANTS_FILE: &str = "content/_variants.csv";

/// A loaded, validated site: the input of every later stage.
#[derive(Debug)]
pub struct Site {
    /// The site root folder.
    pub root: PathBuf,
    /// `kohyo.toml`.
    pub config: Config,
    /// Municipalities sorted by slug, each with its series and editions.
    pub municipalities: Vec<Municipality>,
    /// `content/_dictionary.csv` as lindera user-dictionary CSV (comments and blank lines
    /// removed), if the site has one.
    pub user_dictionary: Option<String>,
    /// `content/_variants.csv`: the site's groups of spellings that search treats as one
    /// word (empty when the site has none).
    pub variants: Vec<Vec<String>>,
}

impl Site {
    /// The series at `municipality/series` (folder names), as `kohyo diff` and `kohyo new`
    /// name it.
    pub fn series(&self, path: &str) -> Option<(&Municipality, &Series)> {
        let (m, s) = path.trim_matches('/').split_once('/')?;
        let m = self.municipalities.iter().find(|x| x.slug == m)?;
        Some((m, m.series.iter().find(|x| x.slug == s)?))
    }

    /// Every series as `municipality/series`, in site order.
    pub fn series_paths(&self) -> Vec<String> {
        self.municipalities
            .iter()
            .flat_map(|m| {
                m.series
                    .iter()
                    .map(move |s| format!("{}/{}", m.slug, s.slug))
            })
            .collect()
    }

    /// Every edition with its series and municipality, in site order.
    pub fn editions(&self) -> impl Iterator<Item = (&Municipality, &Series, &Edition)> {
        self.municipalities.iter().flat_map(|m| {
            m.series
                .iter()
                .flat_map(move |s| s.editions.iter().map(move |e| (m, s, e)))
        })
    }
}

/// Load and validate the site at `root`; all problems found are returned together.
pub fn load(root: &Path) -> Result<Site, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    let config = match read_and_parse::<Config>(root, Path::new(CONFIG_FILE)) {
        Ok((config, _)) => Some(config),
        Err(mut found) => {
            diags.append(&mut found);
            None
        }
    };
    if let Some(config) = &config
        && config.language != "ja"
    {
        diags.push(Diagnostic::file(
            Path::new(CONFIG_FILE),
            Message::new(
                format!(
                    "language `{}` is not supported: kohyo publishes Japanese, set language = \"ja\"",
                    config.language
                ),
                format!(
                    "言語 `{}` には対応していません。kohyo は日本語で公開します。language = \"ja\" と書きます",
                    config.language
                ),
            ),
        ));
    }
    let municipalities = load_content(root, &mut diags);
    check_links(root, &municipalities, &mut diags);
    let user_dictionary = load_dictionary(root, &mut diags);
    let variants = load_variants(root, &mut diags);
    match config {
        Some(config) if diags.is_empty() => Ok(Site {
            root: root.to_path_buf(),
            config,
            municipalities,
            user_dictionary,
            variants,
        }),
        _ => Err(sorted(diags)),
    }
}

/// A source file's size and modification time: how [`refresh`] tells which files were saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
}

/// Every source file of a site (`kohyo.toml` and each file under `content/` but hidden ones)
/// with its stamp.
pub type Stamps = BTreeMap<PathBuf, Stamp>;

/// The stamps of the site's sources now; files that cannot be read are left out (loading
/// reports them).
pub fn stamps(root: &Path) -> Stamps {
    let stamp = |m: fs::Metadata| Stamp {
        len: m.len(),
        modified: m.modified().ok(),
    };
    let mut stamps = Stamps::new();
    if let Ok(m) = fs::metadata(root.join(CONFIG_FILE)) {
        stamps.insert(PathBuf::from(CONFIG_FILE), stamp(m));
    }
    let walker = WalkDir::new(root.join(CONTENT_DIR))
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker.flatten() {
        if entry.file_type().is_file()
            && let Ok(m) = entry.metadata()
        {
            stamps.insert(relative(root, entry.path()), stamp(m));
        }
    }
    stamps
}

/// Bring `site` up to date with its files in place when only edition files were saved since
/// `sources` were taken (just before the site was loaded or last refreshed): those editions
/// are read, parsed and checked again, then the site-wide checks run as in [`load`], and
/// `sources` become the stamps of now. Returns the series (`municipality/series`) of the
/// editions read again, or `None` when anything else changed
/// (a file added or removed; settings, a municipality, series, dictionary or image file; an
/// edition that moves within its series), which needs a full [`load`]. With problems the site
/// and `sources` are left as they were.
pub fn refresh(
    site: &mut Site,
    sources: &mut Stamps,
) -> Result<Option<Vec<String>>, Vec<Diagnostic>> {
    let now = stamps(&site.root);
    if !now.keys().eq(sources.keys()) {
        return Ok(None);
    }
    let saved: Vec<&PathBuf> = now
        .iter()
        .filter(|(path, stamp)| sources.get(*path) != Some(*stamp))
        .map(|(path, _)| path)
        .collect();
    let mut places = Vec::new();
    if !saved.is_empty() {
        let mut editions = HashMap::new();
        for (m, mu) in site.municipalities.iter().enumerate() {
            for (s, se) in mu.series.iter().enumerate() {
                for (e, ed) in se.editions.iter().enumerate() {
                    editions.insert(ed.source_path.as_path(), (m, s, e));
                }
            }
        }
        for path in saved {
            match editions.get(path.as_path()) {
                Some(&place) => places.push(place),
                None => return Ok(None),
            }
        }
    }
    let mut diags = Vec::new();
    let mut fresh = Vec::new();
    for &(m, s, e) in &places {
        let series = &site.municipalities[m].series[s];
        let old = &series.editions[e];
        let edition = read_edition(&site.root, &old.source_path, &old.slug, series, &mut diags);
        fresh.extend(edition);
    }
    if !diags.is_empty() {
        return Err(sorted(diags));
    }
    let swap = |site: &mut Site, editions: &mut Vec<Edition>| {
        for (&(m, s, e), edition) in places.iter().zip(editions.iter_mut()) {
            std::mem::swap(&mut site.municipalities[m].series[s].editions[e], edition);
        }
    };
    swap(site, &mut fresh);
    let in_order = places.iter().all(|&(m, s, _)| {
        let editions = &site.municipalities[m].series[s].editions;
        editions.is_sorted_by_key(edition_order)
    });
    if !in_order {
        swap(site, &mut fresh);
        return Ok(None);
    }
    check_links(&site.root, &site.municipalities, &mut diags);
    if !diags.is_empty() {
        swap(site, &mut fresh);
        return Err(sorted(diags));
    }
    *sources = now;
    let mut series: Vec<String> = places
        .iter()
        .map(|&(m, s, _)| {
            let m = &site.municipalities[m];
            format!("{}/{}", m.slug, m.series[s].slug)
        })
        .collect();
    series.dedup();
    Ok(Some(series))
}

/// Read `content/_dictionary.csv`: one `surface,part_of_speech,reading` line per word, `#`
/// comments and blank lines allowed.
fn load_dictionary(root: &Path, diags: &mut Vec<Diagnostic>) -> Option<String> {
    let rel = Path::new(DICTIONARY_FILE);
    // Whatever is there is read through the same checks as every source, links and FIFOs too.
    fs::symlink_metadata(root.join(rel)).ok()?;
    let text = match read_text(root, rel) {
        Ok(text) => text,
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    let (csv, mut found) = user_dictionary::check(rel, &text);
    diags.append(&mut found);
    Some(csv)
}

/// Read `content/_variants.csv`: one group of spellings per line, separated by commas, `#`
/// comments and blank lines allowed.
fn load_variants(root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Vec<String>> {
    let rel = Path::new(VARIANTS_FILE);
    if fs::symlink_metadata(root.join(rel)).is_err() {
        return Vec::new();
    }
    let text = match read_text(root, rel) {
        Ok(text) => text,
        Err(d) => {
            diags.push(d);
            return Vec::new();
        }
    };
    let (groups, mut found) = crate::user_variants::check(rel, &text);
    diags.append(&mut found);
    groups
}

/// Read and parse a file; also returns the hash of its text.
fn read_and_parse<T: DeserializeOwned>(
    root: &Path,
    rel: &Path,
) -> Result<(T, u64), Vec<Diagnostic>> {
    let text = read_text(root, rel).map_err(|d| vec![d])?;
    Ok((parse(rel, &text)?, text_hash(&text)))
}

/// A hash of a source text, the same in every run.
pub fn text_hash(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    text.hash(&mut hasher);
    hasher.finish()
}

/// A tree of content files found under `content/`, before parsing.
#[derive(Default)]
struct Found {
    municipalities: BTreeMap<String, FoundMunicipality>,
}

#[derive(Default)]
struct FoundMunicipality {
    series: BTreeMap<String, Vec<String>>,
}

fn discover(root: &Path, diags: &mut Vec<Diagnostic>) -> Found {
    let mut found = Found::default();
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        diags.push(Diagnostic::file(
            Path::new(CONTENT_DIR),
            Message::new(
                "no content/ folder: expected content/<municipality>/<series>/<edition>.toml",
                "content/ フォルダがありません。content/<自治体>/<系列>/<版>.toml の形で置きます",
            ),
        ));
        return found;
    }
    let walker = WalkDir::new(&content)
        .min_depth(1)
        .max_depth(3)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let path = e.path().unwrap_or(&content).to_path_buf();
                let (en, ja) = (e.to_string(), format!("フォルダを読めません（{e}）"));
                diags.push(Diagnostic::file(
                    &relative(root, &path),
                    Message::new(en, ja),
                ));
                continue;
            }
        };
        let rel = relative(root, entry.path());
        let parts: Vec<String> = rel
            .iter()
            .skip(1)
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let kind = entry.file_type();
        if !kind.is_dir() && !kind.is_file() && !kind.is_symlink() {
            diags.push(Diagnostic::file(
                &rel,
                Message::new(
                    "is not a regular file (a FIFO, device or socket): content/ holds only folders and regular files; remove it",
                    "通常のファイルではありません（FIFO、デバイス、ソケット）。content/ にはフォルダと通常のファイルだけを置きます。取り除きます",
                ),
            ));
            continue;
        }
        let is_dir = kind.is_dir();
        let is_toml = rel.extension().is_some_and(|x| x == "toml");
        let name = parts.last().cloned().unwrap_or_default();
        match (parts.len(), is_dir) {
            (1, true) => {
                check_slug(&rel, &name, MUNICIPALITY_FOLDER, diags);
                check_reserved(
                    &rel,
                    &name,
                    MUNICIPALITY_FOLDER,
                    &RESERVED_ROOT_NAMES,
                    diags,
                );
                found.municipalities.entry(name).or_default();
            }
            (2, true) => {
                check_slug(&rel, &name, SERIES_FOLDER, diags);
                found
                    .municipalities
                    .entry(parts[0].clone())
                    .or_default()
                    .series
                    .entry(name)
                    .or_default();
            }
            (3, false) if is_toml && name != SERIES_FILE => {
                let stem = name.trim_end_matches(".toml").to_string();
                check_slug(&rel, &stem, EDITION_FILE, diags);
                check_reserved(&rel, &stem, EDITION_FILE, &RESERVED_SERIES_NAMES, diags);
                found
                    .municipalities
                    .entry(parts[0].clone())
                    .or_default()
                    .series
                    .entry(parts[1].clone())
                    .or_default()
                    .push(stem);
            }
            (1, false) if is_toml => {
                diags.push(Diagnostic::file(
                    &rel,
                    Message::new(
                        "unexpected file: content/ holds one folder per municipality (and _dictionary.csv, _variants.csv)",
                        "ここに置くファイルではありません。content/ には自治体ごとのフォルダ（と _dictionary.csv、_variants.csv）を置きます",
                    ),
                ));
            }
            (2, false) if is_toml && name != MUNICIPALITY_FILE => {
                diags.push(Diagnostic::file(
                    &rel,
                    Message::new(
                        "unexpected file: a municipality folder holds _municipality.toml and one folder per series",
                        "ここに置くファイルではありません。自治体のフォルダには _municipality.toml と系列ごとのフォルダを置きます",
                    ),
                ));
            }
            _ => {}
        }
    }
    found
}

/// What a slug names, in English and in Japanese.
type SlugKind = (&'static str, &'static str);
const MUNICIPALITY_FOLDER: SlugKind = ("municipality folder", "自治体のフォルダ名");
const SERIES_FOLDER: SlugKind = ("series folder", "系列のフォルダ名");
const EDITION_FILE: SlugKind = ("edition file name", "版のファイル名");

fn check_slug(rel: &Path, name: &str, (what, what_ja): SlugKind, diags: &mut Vec<Diagnostic>) {
    if !is_valid_id(name) {
        diags.push(Diagnostic::file(
            rel,
            Message::new(
                format!(
                    "{what} `{name}` cannot be used in a URL: use ASCII letters, digits, `-` or `_` (e.g. ueda, seisaku-kikaku, 2025)"
                ),
                format!(
                    "{what_ja} `{name}` は URL に使えません。半角の英字・数字・`-`・`_` で書きます（例：ueda、seisaku-kikaku、2025）"
                ),
            ),
        ));
    }
}

/// A slug the site's own files use at the same place (`search`, `data`, `compare`…) would make
/// two files claim one path.
fn check_reserved(
    rel: &Path,
    name: &str,
    (what, what_ja): SlugKind,
    reserved: &[&str],
    diags: &mut Vec<Diagnostic>,
) {
    if reserved.contains(&name) {
        let (place, place_ja) = match what == MUNICIPALITY_FOLDER.0 {
            true => ("at the site's root", "サイトの最上位"),
            false => ("in every series folder", "どの系列のフォルダにも"),
        };
        let names = reserved.join(", ");
        diags.push(Diagnostic::file(
            rel,
            Message::new(
                format!(
                    "{what} `{name}` is a name the site itself uses ({place}: {names}): rename it"
                ),
                format!(
                    "{what_ja} `{name}` はサイト自身が使う名前です（{place_ja}：{names}）。名前を変えます"
                ),
            ),
        ));
    }
}

fn relative(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).unwrap_or(path).to_path_buf()
}

fn load_content(root: &Path, diags: &mut Vec<Diagnostic>) -> Vec<Municipality> {
    let found = discover(root, diags);
    let mut municipalities = Vec::new();
    for (slug, found_m) in found.municipalities {
        let dir = Path::new(CONTENT_DIR).join(&slug);
        let rel = dir.join(MUNICIPALITY_FILE);
        let Some((mut municipality, hash)) = read_and_parse::<Municipality>(root, &rel)
            .map_err(|mut found| diags.append(&mut found))
            .ok()
        else {
            continue;
        };
        municipality.source_hash = hash;
        check_code(&rel, root, &municipality.code, diags);
        municipality.slug = slug;
        for (series_slug, edition_slugs) in found_m.series {
            let series_dir = dir.join(&series_slug);
            let rel = series_dir.join(SERIES_FILE);
            let Some((mut series, hash)) = read_and_parse::<Series>(root, &rel)
                .map_err(|mut found| diags.append(&mut found))
                .ok()
            else {
                continue;
            };
            series.source_hash = hash;
            if series.levels.is_empty() {
                diags.push(Diagnostic::file(
                    &rel,
                    Message::new(
                        "levels is empty: name each depth of the plan, e.g. levels = [\"重点目標\", \"重点取組項目\"]",
                        "levels が空です。計画の各階層の名前を書きます（例：levels = [\"重点目標\", \"重点取組項目\"]）",
                    ),
                ));
            }
            series.slug = series_slug;
            // Editions are read and parsed in parallel, kept in file-name order.
            let read: Vec<(Option<Edition>, Vec<Diagnostic>)> = edition_slugs
                .par_iter()
                .map(|slug| {
                    let rel = series_dir.join(format!("{slug}.toml"));
                    let mut found = Vec::new();
                    let edition = read_edition(root, &rel, slug, &series, &mut found);
                    (edition, found)
                })
                .collect();
            for (edition, mut found) in read {
                series.editions.extend(edition);
                diags.append(&mut found);
            }
            series.editions.sort_by_key(edition_order);
            municipality.series.push(series);
        }
        municipalities.push(municipality);
    }
    municipalities
}

/// Read, parse and check one edition file of `series`.
fn read_edition(
    root: &Path,
    rel: &Path,
    slug: &str,
    series: &Series,
    diags: &mut Vec<Diagnostic>,
) -> Option<Edition> {
    let text = read_text(root, rel).map_err(|d| diags.push(d)).ok()?;
    let mut edition = parse::<Edition>(rel, &text)
        .map_err(|mut found| diags.append(&mut found))
        .ok()?;
    edition.slug = slug.to_string();
    edition.source_path = rel.to_path_buf();
    edition.source_hash = text_hash(&text);
    let mut checker = EditionChecker {
        rel,
        text: &text,
        series,
        diags,
        anchors: HashMap::new(),
    };
    checker.check(&mut edition);
    Some(edition)
}

/// Editions of a series in the order they are published: fiscal year (or the plan period's
/// first year), `order`, file name.
fn edition_order(e: &Edition) -> (Option<i32>, Option<i64>, String) {
    (
        e.fiscal_year
            .as_ref()
            .map(|y| y.get_ref().0)
            .or(e.period.as_ref().map(|p| p.get_ref().from.0)),
        e.order,
        e.slug.clone(),
    )
}

/// Check a 全国地方公共団体コード: six digits whose last is the check digit of the first five.
fn check_code(rel: &Path, root: &Path, code: &Spanned<String>, diags: &mut Vec<Diagnostic>) {
    let value = code.get_ref();
    let message = match code_check_digit(value) {
        None => Some(Message::new(
            format!(
                "code `{value}` is not a 全国地方公共団体コード: expected six digits, e.g. \"202037\""
            ),
            format!(
                "`{value}` は全国地方公共団体コードではありません。6桁の数字で書きます（例：\"202037\"）"
            ),
        )),
        Some(digit) if value.as_bytes()[5] != b'0' + digit => Some(Message::new(
            format!(
                "code `{value}` has a wrong check digit: expected {}{digit}",
                &value[..5]
            ),
            format!(
                "コード `{value}` のチェックディジット（最後の1桁）が違います。正しくは {}{digit} です",
                &value[..5]
            ),
        )),
        Some(_) => None,
    };
    if let Some(message) = message {
        let text = read_text(root, rel).unwrap_or_default();
        diags.push(Diagnostic::at(rel, &text, code.span(), message));
    }
}

/// The check digit of a six-digit 全国地方公共団体コード, or `None` if `code` is not six digits.
pub fn code_check_digit(code: &str) -> Option<u8> {
    let digits: Vec<u32> = code
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 6 {
        return None;
    }
    let sum: u32 = digits[..5]
        .iter()
        .zip([6, 5, 4, 3, 2])
        .map(|(d, w)| d * w)
        .sum();
    Some(((11 - sum % 11) % 10) as u8)
}

/// Validation of one edition against its series; also derives anchors and schedule years.
struct EditionChecker<'a> {
    rel: &'a Path,
    text: &'a str,
    series: &'a Series,
    diags: &'a mut Vec<Diagnostic>,
    anchors: HashMap<String, Option<Range<usize>>>,
}

impl EditionChecker<'_> {
    fn error(&mut self, span: Range<usize>, message: Message) {
        self.diags
            .push(Diagnostic::at(self.rel, self.text, span, message));
    }

    fn check(&mut self, edition: &mut Edition) {
        if edition.fiscal_year.is_none() && edition.period.is_none() && edition.order.is_none() {
            self.diags.push(Diagnostic::file(
                self.rel,
                Message::new(
                    "missing required key `fiscal_year`: an edition needs fiscal_year, period or (where the document names no year) order",
                    "必須のキー `fiscal_year` がありません。版には fiscal_year、period、または（原本に年度がないとき）order が必要です",
                ),
            ));
        }
        if let Some(period) = &edition.period {
            let p = period.get_ref();
            if p.from > p.to {
                self.error(
                    period.span(),
                    Message::new(
                        format!(
                            "period runs backwards: from {} is after to {}",
                            p.from.0, p.to.0
                        ),
                        format!(
                            "期間が逆です。from {} が to {} より後になっています",
                            p.from.0, p.to.0
                        ),
                    ),
                );
            }
        }
        if let Some(published) = &edition.published
            && parse_month(published.get_ref()).is_none()
        {
            self.error(
                published.span(),
                Message::new(
                    format!(
                        "published `{}` is not a month: expected \"YYYY-MM\", e.g. \"2024-03\"",
                        published.get_ref()
                    ),
                    format!(
                        "published `{}` は年月として読めません。\"YYYY-MM\" の形で書きます（例：\"2024-03\"）",
                        published.get_ref()
                    ),
                ),
            );
        }
        self.sections(&mut edition.sections, "s");
        self.indicators(&mut edition.indicators, "i");
        let include_count = count_includes(&edition.sections);
        for (what, count) in include_count {
            if count > 1 {
                self.diags.push(Diagnostic::file(
                    self.rel,
                    Message::new(
                        format!(
                            "include = \"{what}\" appears in {count} sections: it may appear once"
                        ),
                        format!("include = \"{what}\" が {count} の章にあります。一度だけ書けます"),
                    ),
                ));
            }
        }
        self.items(&mut edition.items, "g", 0);
    }

    fn claim(&mut self, anchor: &str, id: Option<&Spanned<Id>>) {
        let span = id.map(|id| id.span());
        match self.anchors.get(anchor) {
            Some(first) => {
                let first = first.clone();
                let where_first = first
                    .as_ref()
                    .map(|s| {
                        let line =
                            Diagnostic::at(self.rel, self.text, s.clone(), Message::new("", ""))
                                .line;
                        (format!("line {line}"), format!("{line} 行目"))
                    })
                    .unwrap_or_else(|| {
                        (
                            "an item without an id at that position".to_string(),
                            "その位置の ID のない項目".to_string(),
                        )
                    });
                let (first_en, first_ja) = where_first;
                match span.or(first) {
                    Some(at) => self.error(
                        at,
                        Message::new(
                            format!(
                                "duplicate id `{anchor}`: already used by {first_en}; ids must be unique within an edition"
                            ),
                            format!(
                                "ID `{anchor}` が重複しています（{first_ja}で使われています）。ID は版の中で一つだけにします"
                            ),
                        ),
                    ),
                    None => self.diags.push(Diagnostic::file(
                        self.rel,
                        Message::new(
                            format!("duplicate anchor `{anchor}`"),
                            format!("アンカー `{anchor}` が重複しています"),
                        ),
                    )),
                }
            }
            None => {
                self.anchors.insert(anchor.to_string(), span);
            }
        }
    }

    fn sections(&mut self, sections: &mut [Section], prefix: &str) {
        for (i, section) in sections.iter_mut().enumerate() {
            let derived = format!("{prefix}{}", i + 1);
            section.anchor = section
                .id
                .as_ref()
                .map_or(derived.clone(), |id| id.get_ref().0.clone());
            let anchor = section.anchor.clone();
            self.claim(&anchor, section.id.as_ref());
            self.sections(&mut section.sections, &format!("{derived}-"));
        }
    }

    fn indicators(&mut self, indicators: &mut [Indicator], prefix: &str) {
        for (i, indicator) in indicators.iter_mut().enumerate() {
            indicator.anchor = indicator
                .id
                .as_ref()
                .map_or(format!("{prefix}{}", i + 1), |id| id.get_ref().0.clone());
            let anchor = indicator.anchor.clone();
            self.claim(&anchor, indicator.id.as_ref());
        }
    }

    fn items(&mut self, items: &mut [Spanned<Item>], prefix: &str, depth: usize) {
        for (i, spanned) in items.iter_mut().enumerate() {
            let span = spanned.span();
            let item = spanned.get_mut();
            let derived = format!("{prefix}{}", i + 1);
            item.anchor = item
                .id
                .as_ref()
                .map_or(derived.clone(), |id| id.get_ref().0.clone());
            let anchor = item.anchor.clone();
            self.claim(&anchor, item.id.as_ref());
            if depth >= self.series.levels.len() && !self.series.levels.is_empty() {
                self.error(
                    span.clone(),
                    Message::new(
                        format!(
                            "item nested {} levels deep, but the series names only {} (levels = {:?} in {})",
                            depth + 1,
                            self.series.levels.len(),
                            self.series.levels,
                            SERIES_FILE
                        ),
                        format!(
                            "項目が {} 階層目にありますが、系列が名前を付けている階層は {} つだけです（{} の levels = {:?}）",
                            depth + 1,
                            self.series.levels.len(),
                            SERIES_FILE,
                            self.series.levels
                        ),
                    ),
                );
            }
            for key in item.actors.keys() {
                if !self.series.actors.contains(key.get_ref()) {
                    let actor = key.get_ref();
                    let message = if self.series.actors.is_empty() {
                        Message::new(
                            format!(
                                "unknown actor `{actor}`: the series lists no actors (add actors = [...] to {SERIES_FILE})"
                            ),
                            format!(
                                "取組主体 `{actor}` は系列にありません。系列に取組主体の一覧がありません（{SERIES_FILE} に actors = [...] を書きます）"
                            ),
                        )
                    } else {
                        let actors = &self.series.actors;
                        Message::new(
                            format!(
                                "unknown actor `{actor}`: expected one of {actors:?} (the series' actors)"
                            ),
                            format!(
                                "取組主体 `{actor}` は系列にありません。系列の取組主体 {actors:?} のどれかで書きます"
                            ),
                        )
                    };
                    self.error(key.span(), message);
                }
            }
            let mut years = Vec::new();
            for (key, value) in &item.schedule {
                match wareki::parse_fiscal_year(key.get_ref()) {
                    Ok(year) => years.push((year, value.clone())),
                    Err(e) => self.error(
                        key.span(),
                        Message::new("schedule key: ", "schedule のキー：").and(e),
                    ),
                }
            }
            years.sort();
            item.schedule_years = years;
            let item_anchor = item.anchor.clone();
            self.indicators(&mut item.indicators, &format!("{item_anchor}-i"));
            self.items(&mut item.items, &format!("{derived}-"), depth + 1);
        }
    }
}

fn count_includes(sections: &[Section]) -> BTreeMap<&'static str, usize> {
    let mut counts = BTreeMap::new();
    for section in sections {
        if let Some(include) = &section.include {
            let name = match include.get_ref() {
                crate::model::Include::Indicators => "indicators",
                crate::model::Include::Items => "items",
                crate::model::Include::Outline => "outline",
            };
            *counts.entry(name).or_insert(0) += 1;
        }
        for (name, n) in count_includes(&section.sections) {
            *counts.entry(name).or_insert(0) += n;
        }
    }
    counts
}

/// Parse `YYYY-MM` into (year, month).
pub fn parse_month(text: &str) -> Option<(i32, u32)> {
    let (y, m) = text.split_once('-')?;
    let (y, m) = (y.parse().ok()?, m.parse().ok()?);
    (y >= 1900 && (1..=12).contains(&m) && text.len() == 7).then_some((y, m))
}

/// Check every `see.link` points at an existing edition and anchor.
fn check_links(root: &Path, municipalities: &[Municipality], diags: &mut Vec<Diagnostic>) {
    let mut linking = Vec::new();
    for m in municipalities {
        for s in &m.series {
            for e in &s.editions {
                let mut links = Vec::new();
                collect_links(&e.items, &mut links);
                if !links.is_empty() {
                    linking.push((format!("{}/{}/{}", m.slug, s.slug, e.slug), e, links));
                }
            }
        }
    }
    if linking.is_empty() {
        return;
    }
    // The anchors of the editions that links point to, and of those alone.
    let named: HashSet<&str> = linking
        .iter()
        .flat_map(|(here, _, links)| {
            links
                .iter()
                .map(move |link| match split_link(link.get_ref()).0 {
                    "" => here.as_str(),
                    path => path,
                })
        })
        .collect();
    let mut targets: HashMap<String, HashSet<String>> = HashMap::new();
    for m in municipalities {
        for s in &m.series {
            for e in &s.editions {
                let path = format!("{}/{}/{}", m.slug, s.slug, e.slug);
                if named.contains(path.as_str()) {
                    let mut anchors = HashSet::new();
                    visit_anchors(e, &mut |anchor, _, _| {
                        anchors.insert(anchor.to_string());
                    });
                    targets.insert(path, anchors);
                }
            }
        }
    }
    for (here, e, links) in &linking {
        for link in links {
            let (path, anchor) = split_link(link.get_ref());
            let path = if path.is_empty() { here.as_str() } else { path };
            let unsafe_link = safe_url::check_link(link.get_ref()).err().map(|why| {
                Message::new("link ", "リンク ").and(why).and(Message::new(
                    "; a see.link names an edition of this site, e.g. ueda/seisaku-kikaku/2022#g3",
                    "。see.link にはこのサイトの版を書きます（例：ueda/seisaku-kikaku/2022#g3）",
                ))
            });
            let shown = link.get_ref();
            let message = unsafe_link.or(match (targets.get(path), anchor) {
                (None, _) => Some(Message::new(
                    format!(
                        "link `{shown}` points to no edition: expected municipality/series/edition (e.g. ueda/seisaku-kikaku/2022#g3)"
                    ),
                    format!(
                        "リンク `{shown}` の指す版がありません。自治体/系列/版 の形で書きます（例：ueda/seisaku-kikaku/2022#g3）"
                    ),
                )),
                (Some(anchors), Some(a)) if !anchors.contains(a) => Some(Message::new(
                    format!("link `{shown}` points to no item: {path} has no id or anchor `{a}`"),
                    format!(
                        "リンク `{shown}` の指す項目がありません。{path} に ID またはアンカー `{a}` はありません"
                    ),
                )),
                _ => None,
            });
            if let Some(message) = message {
                let text = read_text(root, &e.source_path).unwrap_or_default();
                diags.push(Diagnostic::at(&e.source_path, &text, link.span(), message));
            }
        }
    }
}

/// Split `path#anchor` into its parts.
pub fn split_link(link: &str) -> (&str, Option<&str>) {
    match link.split_once('#') {
        Some((path, anchor)) => (path.trim_matches('/'), Some(anchor)),
        None => (link.trim_matches('/'), None),
    }
}

/// Call `f` with every anchor of an edition (sections, items, indicators), its printed number
/// and its title.
pub fn visit_anchors(edition: &Edition, f: &mut dyn FnMut(&str, Option<&str>, &str)) {
    fn indicators(list: &[Indicator], f: &mut dyn FnMut(&str, Option<&str>, &str)) {
        for i in list {
            f(&i.anchor, i.number.as_deref(), &i.name);
        }
    }
    fn sections(list: &[Section], f: &mut dyn FnMut(&str, Option<&str>, &str)) {
        for s in list {
            f(&s.anchor, s.number.as_deref(), &s.title);
            sections(&s.sections, f);
        }
    }
    fn items(list: &[Spanned<Item>], f: &mut dyn FnMut(&str, Option<&str>, &str)) {
        for item in list {
            let item = item.get_ref();
            f(
                &item.anchor,
                item.number.as_deref(),
                item.title.as_deref().unwrap_or_default(),
            );
            indicators(&item.indicators, f);
            items(&item.items, f);
        }
    }
    sections(&edition.sections, f);
    indicators(&edition.indicators, f);
    items(&edition.items, f);
}

fn collect_links<'a>(items: &'a [Spanned<Item>], out: &mut Vec<&'a Spanned<String>>) {
    for item in items {
        let item = item.get_ref();
        if let Some(link) = item.see.as_ref().and_then(|s| s.link.as_ref()) {
            out.push(link);
        }
        collect_links(&item.items, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_real_codes() {
        assert_eq!(code_check_digit("202037"), Some(7)); // 上田市
        assert_eq!(code_check_digit("282171"), Some(1)); // 川西市
        assert_eq!(code_check_digit("032093"), Some(3)); // 一関市
        assert_eq!(code_check_digit("20203"), None);
        assert_eq!(code_check_digit("2020３7"), None);
    }
}
