//! The query engine over a built index, for `kohyo search` and `kohyo search-eval`.
//!
//! It is the same algorithm as `engine.js` (the browser client), step for step and with integer
//! scores, so the two return the same ranked results (a test runs both).
//!
//! Each query word is searched under its spellings (`search::variants`: the word as typed,
//! then its variants) and, when written in kana, under the words the index reads so; a record
//! counts for a word through the first of these it holds. A match through a variant scores
//! [`TIER`] less than an exact one, through a reading twice that, so exact results rank first.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostic::Message;
use crate::layout::SEARCH_DIR;
use crate::search::bundle;
use crate::search::index::{FORMAT_VERSION, fnv1a};
use crate::search::variants::{self, Lookup};
use crate::text::normalize;
use crate::text::{is_reading, to_hiragana};

/// Points for a word found in the title.
const TITLE: i64 = 100;
/// Points per occurrence of a word (up to [`MAX_OCCURRENCES`]).
const OCCURRENCE: i64 = 10;
/// Occurrences counted per word.
const MAX_OCCURRENCES: i64 = 5;
/// Points for a word that is a whole lindera term of the record.
const TERM: i64 = 30;
/// Points when the words stand together in the order typed.
const PHRASE: i64 = 200;
/// Characters of context shown before the first match.
const SNIPPET_BEFORE: usize = 30;
/// Characters in a snippet.
const SNIPPET_LENGTH: usize = 100;
/// Points a match through a spelling variant scores below an exact one (a reading: twice).
pub const TIER: i64 = 100_000;
/// Suggestions offered when nothing matches.
const SUGGESTIONS: usize = 5;
/// Characters of a query whose suggestion lists are read.
const SUGGEST_CHARS: usize = 8;
/// Least similarity of a suggestion to the query, in thousandths (Dice over characters and
/// bigrams, of the spelling or of the reading).
const SUGGEST_MIN: i64 = 400;

#[derive(Debug, Deserialize)]
struct Meta {
    base: String,
    shards: Shards,
    chunk: usize,
    page_count: usize,
    page_group: usize,
    page_groups: Vec<usize>,
    municipalities: Vec<String>,
    departments: Vec<String>,
    variants: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct Shards {
    b: usize,
    g: usize,
    u: usize,
    t: usize,
    y: usize,
    s: usize,
}

/// A page as its group file gives it: where its records are, and its facets.
#[derive(Debug, Clone)]
struct PageFacts {
    /// The page's own record, its first.
    first: usize,
    /// One past its last record.
    end: usize,
    municipality: usize,
    department: i64,
    year: Option<i32>,
}

/// Filters of a query; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    /// Municipality name, e.g. 上田市.
    pub municipality: Option<String>,
    /// Department name.
    pub department: Option<String>,
    /// Fiscal year (西暦).
    pub year: Option<i32>,
}

/// One ranked result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SearchResult {
    /// Page URL with the record's anchor.
    pub url: String,
    /// Record title (or the edition title for a page result).
    pub title: String,
    /// municipality › department › year › goal.
    pub breadcrumb: Vec<String>,
    /// Text around the first match.
    pub snippet: String,
    /// Character ranges of the matches in `snippet`.
    pub highlights: Vec<(usize, usize)>,
    /// Score; higher ranks first.
    pub score: i64,
    /// Title of the goal the record is part of, when it is a sub-item (the breadcrumb's last).
    pub goal: Option<String>,
    /// The edition page the record is on: results are shown grouped by it.
    pub edition: ResultEdition,
}

/// The edition page of a result.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ResultEdition {
    /// The page's URL.
    pub url: String,
    /// The edition's title.
    pub title: String,
    /// The page's records, `first..end`: the other results of the page are the ranked hits in it.
    pub records: (usize, usize),
}

/// Record → (number of title positions, all positions), as decoded from a bigram or trigram list.
type RecordPositions = BTreeMap<usize, (usize, Vec<u32>)>;

/// Matches of one word in one record.
#[derive(Debug, Default, Clone)]
struct WordMatch {
    title: i64,
    body: i64,
    starts: Vec<u32>,
}

/// What reading one index file cost a client.
#[derive(Debug, Default, Clone, Copy)]
pub struct Loaded {
    /// Bytes sent: the file's entry in its bundle's offsets and the file as stored (gzip).
    pub sent: u64,
    /// Bytes of the file inflated.
    pub inflated: u64,
}

/// A word's matches by record: how it matched (0 exact, 1 a variant, 2 a reading) and where.
type WordMatches = BTreeMap<usize, (i64, WordMatch)>;

/// Where an index's files are read from.
enum Files {
    /// `<output>/search` of a build.
    Folder(PathBuf),
    /// `search/` of a running preview (`kohyo serve`), at this URL.
    Preview(String),
}

impl Files {
    /// A file's bytes; `None` when it is missing or cannot be read.
    fn bytes(&self, path: &str) -> Option<Vec<u8>> {
        match self {
            Files::Folder(dir) => fs::read(dir.join(path)).ok(),
            Files::Preview(url) => {
                Files::get(&format!("{url}{path}"), None).map(|(bytes, _)| bytes)
            }
        }
    }

    /// Member `place` of the bundle at `path` ([`bundle`]), read as the browser reads it: its
    /// offsets' entry, then its bytes; `None` when it is missing or cannot be read.
    fn member(&self, path: &str, place: usize) -> Option<Vec<u8>> {
        match self {
            Files::Folder(dir) => bundle::read_member(&dir.join(path), place),
            Files::Preview(url) => {
                let url = format!("{url}{path}");
                let (entry, ranged) = Files::get(&url, Some(bundle::entry_range(place)))?;
                if !ranged {
                    return bundle::member(&entry, place).map(<[u8]>::to_vec);
                }
                let (start, end) = bundle::member_range(&entry, place)?;
                if start == end {
                    return Some(Vec::new());
                }
                let (bytes, ranged) = Files::get(&url, Some((start, end)))?;
                (ranged && bytes.len() as u64 == end - start).then_some(bytes)
            }
        }
    }

    /// The body of a GET of `url`, of bytes `range` (from, to) if given, and whether the
    /// server sent just that range (206) rather than the whole file.
    fn get(url: &str, range: Option<(u64, u64)>) -> Option<(Vec<u8>, bool)> {
        let mut request = ureq::get(url);
        if let Some((from, to)) = range {
            request = request.header("Range", &format!("bytes={from}-{}", to.saturating_sub(1)));
        }
        let mut response = request.call().ok()?;
        let ranged = response.status() == 206;
        let bytes = response
            .body_mut()
            .with_config()
            .limit(PREVIEW_FILE_LIMIT)
            .read_to_vec()
            .ok()?;
        Some((bytes, ranged))
    }
}

/// Largest index file read from a preview.
const PREVIEW_FILE_LIMIT: u64 = 64 << 20;

/// Why an index could not be opened or a measurement made.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The output holds no index.
    #[error(
        "no search index in {0}: run `kohyo build` first, or search the preview with --preview"
    )]
    NoIndex(String),
    /// No preview answers at the address.
    #[error(
        "no search index at {0}meta.json: is `kohyo serve` running there, and the site built without errors?"
    )]
    NoPreview(String),
    /// `meta.json` is not an index's.
    #[error("unreadable search index: {0}")]
    Unreadable(#[from] serde_json::Error),
    /// The index was written by another version of kohyo.
    #[error("search index format {0} is not {FORMAT_VERSION}: rebuild with `kohyo build`")]
    Format(u64),
    /// A page or an index file could not be read (by `kohyo search-eval`).
    #[error("cannot read {path}: {detail}")]
    Read {
        /// The file or page.
        path: String,
        /// What the system said.
        detail: String,
    },
}

impl SearchError {
    /// What went wrong and what to do, in English (the `Display`) and in Japanese.
    pub fn message(&self) -> Message {
        let ja = match self {
            SearchError::NoIndex(output) => format!(
                "{output} に検索索引がありません。先に `kohyo build` を実行するか、--preview で確認中のサイトを検索してください"
            ),
            SearchError::NoPreview(url) => format!(
                "{url}meta.json に検索索引がありません。そこで `kohyo serve` が動いていて、サイトが誤りなく作れているか確かめてください"
            ),
            SearchError::Unreadable(e) => format!("検索索引を読めません: {e}"),
            SearchError::Format(version) => format!(
                "検索索引の形式 {version} は {FORMAT_VERSION} ではありません。`kohyo build` で作り直してください"
            ),
            SearchError::Read { path, detail } => format!("`{path}` を読み込めません: {detail}"),
        };
        Message::new(self.to_string(), ja)
    }
}

/// A built index, in a build's output or in a running preview.
pub struct Index {
    files: Files,
    meta: Meta,
    lookup: Lookup,
    /// Each index file read so far, parsed, and what reading it cost.
    cache: RefCell<HashMap<String, (Rc<Value>, Loaded)>>,
    /// Page groups already read, decoded.
    groups: RefCell<HashMap<usize, Rc<Vec<PageFacts>>>>,
}

impl Index {
    /// Open the index written under `<output>/search`.
    pub fn open(output: &Path) -> Result<Index, SearchError> {
        let files = Files::Folder(output.join(SEARCH_DIR));
        let text = files
            .bytes("meta.json")
            .ok_or_else(|| SearchError::NoIndex(output.display().to_string()))?;
        Index::with_meta(files, &text)
    }

    /// Open the index of the preview `kohyo serve` runs at `url` (`http://127.0.0.1:1111/`),
    /// as it stands after the last save.
    pub fn open_preview(url: &str) -> Result<Index, SearchError> {
        let url = format!("{}/{SEARCH_DIR}/", url.trim_end_matches('/'));
        let files = Files::Preview(url.clone());
        let text = files
            .bytes("meta.json")
            .ok_or(SearchError::NoPreview(url))?;
        Index::with_meta(files, &text)
    }

    /// An index whose `meta.json` reads `text`, its other files from `files`.
    fn with_meta(files: Files, text: &[u8]) -> Result<Index, SearchError> {
        let value: Value = serde_json::from_slice(text)?;
        let version = value.get("version").and_then(Value::as_u64).unwrap_or(0);
        if version != u64::from(FORMAT_VERSION) {
            return Err(SearchError::Format(version));
        }
        let meta: Meta = serde_json::from_value(value)?;
        Ok(Index {
            files,
            lookup: Lookup::new(&meta.variants),
            meta,
            cache: RefCell::new(HashMap::new()),
            groups: RefCell::new(HashMap::new()),
        })
    }

    /// Index file `n` of `kind`, read and parsed once; a missing or unreadable file reads as
    /// null.
    fn file(&self, kind: &str, n: usize) -> Rc<Value> {
        let name = format!("{kind}/{n}");
        if let Some((v, _)) = self.cache.borrow().get(&name) {
            return Rc::clone(v);
        }
        let (value, loaded) = self.read_counted(kind, n);
        let value = Rc::new(value);
        self.cache
            .borrow_mut()
            .insert(name, (Rc::clone(&value), loaded));
        value
    }

    /// Index file `n` of `kind` read, inflated and parsed, not kept; a missing or unreadable
    /// file reads as null.
    fn read(&self, kind: &str, n: usize) -> Value {
        self.read_counted(kind, n).0
    }

    /// [`Index::read`], and what reading it cost.
    fn read_counted(&self, kind: &str, n: usize) -> (Value, Loaded) {
        let (path, place) = bundle::locate(kind, n);
        let mut loaded = Loaded::default();
        let value = self
            .files
            .member(&path, place)
            .and_then(|bytes| {
                // The client reads the member's entry in the offsets, then the member.
                loaded.sent = bytes.len() as u64 + bundle::ENTRY;
                let bytes = inflate(bytes)?;
                loaded.inflated = bytes.len() as u64;
                if POSTINGS.contains(&kind) {
                    decode_postings(&bytes)
                } else {
                    serde_json::from_slice(&bytes).ok()
                }
            })
            .unwrap_or(Value::Null);
        (value, loaded)
    }

    fn postings(&self, kind: &str, count: usize, key: &str) -> Vec<u64> {
        let shard = fnv1a(key) as usize % count;
        self.file(kind, shard)
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    }

    /// Matches of one normalised word: record → counts (and, for three characters or more, start
    /// positions). One character reads the unigram list, two the bigram list (counts only),
    /// more the trigrams covering the word, checked to stand at the right distances from each
    /// other.
    fn word(&self, word: &[char]) -> BTreeMap<usize, WordMatch> {
        let mut out = BTreeMap::new();
        if word.len() <= 2 {
            let (kind, count) = if word.len() == 1 {
                ("u", self.meta.shards.u)
            } else {
                ("b", self.meta.shards.b)
            };
            let key: String = word.iter().collect();
            let list = self.postings(kind, count, &key);
            let (mut i, mut rec) = (0, 0usize);
            while i + 2 <= list.len() {
                rec += list[i] as usize;
                let (t, n, next) = counts(&list, i + 1);
                i = next;
                out.insert(
                    rec,
                    WordMatch {
                        title: t as i64,
                        body: n.saturating_sub(t) as i64,
                        starts: Vec::new(),
                    },
                );
            }
            return out;
        }
        let lists: Vec<(u32, RecordPositions)> = cover(word.len(), 3)
            .into_iter()
            .map(|at| {
                let gram: String = word[at..at + 3].iter().collect();
                (
                    at as u32,
                    decode_positions(&self.postings("g", self.meta.shards.g, &gram)),
                )
            })
            .collect();
        for (rec, (n_title, first)) in &lists[0].1 {
            let mut m = WordMatch::default();
            for (k, p) in first.iter().enumerate() {
                let whole = lists.iter().skip(1).all(|(at, l)| {
                    l.get(rec)
                        .is_some_and(|(_, ps)| ps.binary_search(&(p + at)).is_ok())
                });
                if whole {
                    if k < *n_title {
                        m.title += 1
                    } else {
                        m.body += 1
                    }
                    m.starts.push(*p);
                }
            }
            if !m.starts.is_empty() {
                out.insert(*rec, m);
            }
        }
        out
    }

    /// The spellings a normalised query word is searched under, each with how it matches:
    /// the word (0), its variants (1), and for a word in kana the words read so (2).
    fn spellings(&self, word: &str) -> Vec<(String, i64)> {
        let mut out: Vec<(String, i64)> = variants::spellings(word, &self.lookup)
            .into_iter()
            .enumerate()
            .map(|(i, s)| (s, i64::from(i > 0)))
            .collect();
        if is_reading(word) {
            let key = to_hiragana(word);
            let shard = fnv1a(&key) as usize % self.meta.shards.y.max(1);
            let file = self.file("y", shard);
            let words = file.get(key.as_str()).and_then(Value::as_array);
            for w in words.into_iter().flatten().filter_map(Value::as_str) {
                if !out.iter().any(|(s, _)| s == w) {
                    out.push((w.to_string(), 2));
                }
            }
        }
        out
    }

    /// Matches of a normalised query word under all its spellings: each record through the
    /// first spelling it holds.
    fn word_matches(&self, word: &str) -> WordMatches {
        let mut out = WordMatches::new();
        for (spelling, tier) in self.spellings(word) {
            let chars: Vec<char> = spelling.chars().collect();
            for (rec, m) in self.word(&chars) {
                out.entry(rec).or_insert((tier, m));
            }
        }
        out
    }

    fn terms(&self, word: &str) -> BTreeSet<usize> {
        let mut rec = 0;
        self.postings("t", self.meta.shards.t, word)
            .iter()
            .map(|d| {
                rec += *d as usize;
                rec
            })
            .collect()
    }

    /// The pages of group `group`, read from its file once.
    fn group(&self, group: usize) -> Rc<Vec<PageFacts>> {
        if let Some(pages) = self.groups.borrow().get(&group) {
            return Rc::clone(pages);
        }
        let pages = Rc::new(self.read_group(group));
        self.groups.borrow_mut().insert(group, Rc::clone(&pages));
        pages
    }

    fn read_group(&self, group: usize) -> Vec<PageFacts> {
        let file = self.file("p", group);
        let column = |name: &str| file.get(name).and_then(Value::as_array).cloned();
        let (Some(records), Some(municipality), Some(department), Some(year)) = (
            column("records"),
            column("municipality"),
            column("department"),
            column("year"),
        ) else {
            return Vec::new();
        };
        let mut first = self.meta.page_groups.get(group).copied().unwrap_or(0);
        records
            .iter()
            .zip(municipality.iter().zip(department.iter().zip(year.iter())))
            .map(|(n, (m, (d, y)))| {
                let start = first;
                first += n.as_u64().unwrap_or(0) as usize;
                PageFacts {
                    first: start,
                    end: first,
                    municipality: m.as_u64().unwrap_or(0) as usize,
                    department: d.as_i64().unwrap_or(-1),
                    year: y.as_i64().and_then(|y| i32::try_from(y).ok()),
                }
            })
            .collect()
    }

    /// The page holding `record`, with its number, read from its group's file.
    fn page_of(&self, record: usize) -> (usize, PageFacts) {
        let group = self
            .meta
            .page_groups
            .partition_point(|first| *first <= record)
            .saturating_sub(1);
        let pages = self.group(group);
        let at = pages
            .partition_point(|p| p.first <= record)
            .saturating_sub(1);
        let facts = pages.get(at).cloned().unwrap_or(PageFacts {
            first: 0,
            end: 0,
            municipality: 0,
            department: -1,
            year: None,
        });
        (group * self.meta.page_group + at, facts)
    }

    fn page_passes(&self, page: &PageFacts, filters: &Filters) -> bool {
        filters
            .municipality
            .as_ref()
            .is_none_or(|m| self.meta.municipalities.get(page.municipality) == Some(m))
            && filters.department.as_ref().is_none_or(|d| {
                usize::try_from(page.department)
                    .ok()
                    .and_then(|i| self.meta.departments.get(i))
                    == Some(d)
            })
            && filters.year.is_none_or(|y| page.year == Some(y))
    }

    /// Ranked results: records holding every word, then pages holding every word only across
    /// several records; ties in record order. Pages are looked up (their group files read)
    /// only when there are filters or several words.
    pub fn search(&self, query: &str, filters: &Filters) -> Vec<(usize, i64)> {
        let words = query_words(query);
        if words.is_empty() {
            return Vec::new();
        }
        let chars: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let matches: Vec<WordMatches> = words.iter().map(|w| self.word_matches(w)).collect();
        let terms: Vec<BTreeSet<usize>> = words.iter().map(|w| self.terms(w)).collect();
        let filtered = filters.municipality.is_some()
            || filters.department.is_some()
            || filters.year.is_some();
        let mut hits: Vec<(usize, i64)> = Vec::new();
        let mut pages_with_hit = BTreeSet::new();
        // Records where the words stand together in the order typed, read (once, when a record
        // first needs it) as the matches of the words joined.
        let mut joined: Option<BTreeMap<usize, WordMatch>> = None;
        for rec in matches[0].keys() {
            if !matches.iter().all(|m| m.contains_key(rec)) {
                continue;
            }
            if filtered || words.len() > 1 {
                let (page, facts) = self.page_of(*rec);
                if !self.page_passes(&facts, filters) {
                    continue;
                }
                pages_with_hit.insert(page);
            }
            let mut score = 0;
            let mut tier = 0;
            for (i, m) in matches.iter().enumerate() {
                let (t, m) = &m[rec];
                tier = tier.max(*t);
                if m.title > 0 {
                    score += TITLE;
                }
                score += (m.title + m.body).min(MAX_OCCURRENCES) * OCCURRENCE;
                if terms[i].contains(rec) {
                    score += TERM;
                }
            }
            if tier == 0 && is_phrase(&chars) {
                let joined = joined.get_or_insert_with(|| self.word(&chars.concat()));
                if joined.contains_key(rec) {
                    score += PHRASE;
                }
            }
            hits.push((*rec, score - tier * TIER));
        }
        if words.len() > 1 {
            // A page whose records hold every word, though none holds them all, is a result
            // too: its candidates are the pages of the word found in the fewest records.
            let rarest = matches
                .iter()
                .min_by_key(|m| m.len())
                .unwrap_or(&matches[0]);
            let mut last = None;
            for rec in rarest.keys() {
                let (page, facts) = self.page_of(*rec);
                if last == Some(page) {
                    continue;
                }
                last = Some(page);
                // Each word's best match in the page; the page ranks by the worst of them.
                let best: Vec<Option<i64>> = matches
                    .iter()
                    .map(|m| m.range(facts.first..facts.end).map(|(_, (t, _))| *t).min())
                    .collect();
                if !pages_with_hit.contains(&page)
                    && best.iter().all(Option::is_some)
                    && self.page_passes(&facts, filters)
                {
                    let tier = best.into_iter().flatten().max().unwrap_or(0);
                    hits.push((facts.first, -tier * TIER));
                }
            }
        }
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// Describe a ranked hit for display: URL with anchor, title, breadcrumb and snippet, which
    /// comes from the body, or from the title when the body holds no match.
    pub fn describe(&self, query: &str, record: usize, score: i64) -> SearchResult {
        let chunk = self.file("r", record / self.meta.chunk);
        let (row, page) = row_and_page(&chunk, record % self.meta.chunk);
        let text = |i: usize| row.get(i).and_then(Value::as_str).unwrap_or("").to_string();
        let field = |i: usize| {
            page.get(i)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let anchor = text(1);
        let is_page = anchor.is_empty();
        let title = if is_page { field(2) } else { text(2) };
        let mut breadcrumb = vec![
            page.get(4)
                .and_then(Value::as_u64)
                .and_then(|m| self.meta.municipalities.get(m as usize))
                .cloned()
                .unwrap_or_default(),
        ];
        if let Some(d) = page
            .get(5)
            .and_then(Value::as_u64)
            .and_then(|d| self.meta.departments.get(d as usize))
        {
            breadcrumb.push(d.clone());
        }
        breadcrumb.push(field(3));
        let goal = row.get(4).and_then(Value::as_str).map(str::to_string);
        if let Some(goal) = &goal {
            breadcrumb.push(goal.clone());
        }
        let number = |i: usize| page.get(i).and_then(Value::as_u64).unwrap_or(0) as usize;
        let edition = ResultEdition {
            url: field(1),
            title: field(2),
            records: (number(6), number(6) + number(7)),
        };
        let mut words: Vec<String> = Vec::new();
        for word in query_words(query) {
            for (spelling, _) in self.spellings(&word) {
                if !words.contains(&spelling) {
                    words.push(spelling);
                }
            }
        }
        let (mut snippet, mut highlights) = snippet(&text(3), &words);
        // A long body goes on in pieces, read in turn until one holds a match.
        let (first, count) = body_pieces(row);
        for n in first..first.saturating_add(count) {
            if !highlights.is_empty() {
                break;
            }
            let piece = self.file("c", n);
            let Some(piece) = piece.as_str() else { break };
            (snippet, highlights) = self::snippet(piece, &words);
        }
        if highlights.is_empty() {
            (snippet, highlights) = self::snippet(&title, &words);
        }
        SearchResult {
            url: if is_page {
                field(1)
            } else {
                format!("{}#{anchor}", field(1))
            },
            title,
            breadcrumb,
            snippet,
            highlights,
            score,
            goal,
            edition,
        }
    }

    /// Search and describe the first `limit` results.
    pub fn query(&self, query: &str, filters: &Filters, limit: usize) -> Vec<SearchResult> {
        self.search(query, filters)
            .into_iter()
            .take(limit)
            .map(|(rec, score)| self.describe(query, rec, score))
            .collect()
    }

    /// Indexed words near a query that finds nothing, best first: nouns that share
    /// characters with the query's spelling or, for a query in kana, with their reading.
    pub fn suggest(&self, query: &str) -> Vec<String> {
        let typed: String = query_words(query).concat();
        if typed.is_empty() {
            return Vec::new();
        }
        let kana = to_hiragana(&typed);
        let mut keys: Vec<char> = Vec::new();
        for c in typed.chars().chain(kana.chars()) {
            if !keys.contains(&c) && keys.len() < SUGGEST_CHARS {
                keys.push(c);
            }
        }
        let mut candidates: BTreeMap<String, (String, u64)> = BTreeMap::new();
        for c in keys {
            let key = c.to_string();
            let shard = fnv1a(&key) as usize % self.meta.shards.s.max(1);
            let file = self.file("s", shard);
            for entry in file
                .get(&key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(w), Some(r), Some(n)) = (
                    entry.get(0).and_then(Value::as_str),
                    entry.get(1).and_then(Value::as_str),
                    entry.get(2).and_then(Value::as_u64),
                ) {
                    candidates
                        .entry(w.to_string())
                        .or_insert((r.to_string(), n));
                }
            }
        }
        let (typed_units, kana_units) = (units(&typed), units(&kana));
        let mut scored: Vec<(i64, u64, String)> = candidates
            .into_iter()
            .filter(|(w, _)| *w != typed)
            .map(|(w, (r, n))| {
                let by_reading = if r.is_empty() || !is_reading(&typed) {
                    0
                } else {
                    dice(&kana_units, &units(&r))
                };
                (dice(&typed_units, &units(&w)).max(by_reading), n, w)
            })
            .filter(|(similarity, _, _)| *similarity >= SUGGEST_MIN)
            .collect();
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        scored
            .into_iter()
            .take(SUGGESTIONS)
            .map(|(_, _, w)| w)
            .collect()
    }

    /// The index files read so far (not `meta.json`), `<kind>/<n>` in order of name, with
    /// what each cost.
    pub fn loaded(&self) -> Vec<(String, Loaded)> {
        let cache = self.cache.borrow();
        let mut loaded: Vec<(String, Loaded)> = cache
            .iter()
            .map(|(name, (_, l))| (name.clone(), *l))
            .collect();
        loaded.sort_by(|a, b| a.0.cmp(&b.0));
        loaded
    }

    /// The site's base path, which every page URL starts with.
    pub fn base_path(&self) -> String {
        self.meta.base.clone()
    }

    /// URL of every edition page in the index, in page order: each read from the chunk of the
    /// page's own record, without keeping the chunks read.
    pub fn page_urls(&self) -> Vec<String> {
        let mut urls = Vec::with_capacity(self.meta.page_count);
        for group in 0..self.meta.page_groups.len() {
            for page in self.read_group(group) {
                let chunk = self.read("r", page.first / self.meta.chunk);
                let (_, descriptor) = row_and_page(&chunk, page.first % self.meta.chunk);
                let url = descriptor
                    .get(1)
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                urls.push(url.to_string());
            }
        }
        urls
    }

    /// Number (in [`Index::page_urls`]) of the page holding `record`.
    pub fn page_number(&self, record: usize) -> usize {
        self.page_of(record).0
    }
}

/// Row `at` of a record chunk and the descriptor of the page it belongs to (null when missing).
fn row_and_page(chunk: &Value, at: usize) -> (&Value, &Value) {
    let row = chunk
        .get("rows")
        .and_then(|rows| rows.get(at))
        .unwrap_or(&Value::Null);
    let page = chunk
        .get("pages")
        .and_then(Value::as_array)
        .and_then(|pages| pages.iter().find(|p| p.get(0) == row.get(0)))
        .unwrap_or(&Value::Null);
    (row, page)
}

/// The first and the number of the pieces a row's body goes on in (`c/N`), none for a
/// body its chunk holds whole.
fn body_pieces(row: &Value) -> (usize, usize) {
    let number = |i: usize| {
        row.get(5)
            .and_then(|p| p.get(i))
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
    };
    match (number(0), number(1)) {
        (Some(first), Some(count)) => (first, count),
        _ => (0, 0),
    }
}

/// Split a query into normalised words, dropping empty and repeated ones.
pub fn query_words(query: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for part in query.split(|c: char| c.is_whitespace() || c == '\u{3000}') {
        let w = normalize(part);
        if !w.is_empty() && !words.contains(&w) {
            words.push(w);
        }
    }
    words
}

/// Offsets of the `n`-grams that cover a word of `len` characters: 0, n, 2n, … and the last.
fn cover(len: usize, n: usize) -> Vec<usize> {
    let mut offsets: Vec<usize> = (0..=len - n).step_by(n).collect();
    if offsets.last() != Some(&(len - n)) {
        offsets.push(len - n);
    }
    offsets
}

/// An entry's counts at `list[at]` (see `index::push_counts`): occurrences in the title, in
/// all, and where the entry goes on.
fn counts(list: &[u64], at: usize) -> (usize, usize, usize) {
    let v = list.get(at).copied().unwrap_or(0);
    let n = (v >> 2) as usize;
    match v & 3 {
        3 => (list.get(at + 1).copied().unwrap_or(0) as usize, n, at + 2),
        t => (t as usize, n, at + 1),
    }
}

fn decode_positions(list: &[u64]) -> RecordPositions {
    let mut out = BTreeMap::new();
    let (mut i, mut rec) = (0, 0usize);
    while i + 2 <= list.len() {
        rec += list[i] as usize;
        let (t, n, next) = counts(list, i + 1);
        i = next;
        let mut p = 0u32;
        let mut positions = Vec::with_capacity(n.min(list.len()));
        for d in list.iter().skip(i).take(n) {
            p = p.wrapping_add(*d as u32);
            positions.push(p);
        }
        i = i.saturating_add(n);
        out.insert(rec, (t, positions));
    }
    out
}

/// The characters and character bigrams of `text`: what suggestions are compared by.
fn units(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: BTreeSet<String> = chars.iter().map(|c| c.to_string()).collect();
    out.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    out
}

/// Dice's coefficient of two sets, in thousandths.
fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> i64 {
    let total = (a.len() + b.len()) as i64;
    if total == 0 {
        return 0;
    }
    2000 * a.intersection(b).count() as i64 / total
}

/// Whether a query's words earn [`PHRASE`] points where they stand together: two or more
/// words, each of two characters or more.
fn is_phrase(words: &[Vec<char>]) -> bool {
    words.len() >= 2 && words.iter().all(|w| w.len() >= 2)
}

/// The kinds of index file that are postings shards (binary); the others are JSON.
const POSTINGS: [&str; 4] = ["b", "g", "u", "t"];

/// A varint of `bytes` at `*at` (see `index::push_varint`), `*at` moved past it; `None` at
/// the end or past 32 bits.
pub(crate) fn varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..35).step_by(7) {
        let b = *bytes.get(*at)?;
        *at += 1;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return (n <= u64::from(u32::MAX)).then_some(n);
        }
    }
    None
}

/// A postings shard's inflated bytes (see `index::postings_bytes`) as the JSON object of its
/// lists, key → numbers; `None` when they are damaged.
pub(crate) fn decode_postings(bytes: &[u8]) -> Option<Value> {
    let mut out = serde_json::Map::new();
    let mut at = 0;
    while at < bytes.len() {
        let len = varint(bytes, &mut at)? as usize;
        let key = std::str::from_utf8(bytes.get(at..at.checked_add(len)?)?).ok()?;
        at += len;
        let n = varint(bytes, &mut at)? as usize;
        // Each number takes a byte at least: a longer list is damaged.
        if n > bytes.len() - at {
            return None;
        }
        let list = (0..n)
            .map(|_| varint(bytes, &mut at).map(Value::from))
            .collect::<Option<Vec<Value>>>()?;
        out.insert(key.to_string(), Value::Array(list));
    }
    Some(Value::Object(out))
}

/// Most bytes an index file may inflate to: far above what a build writes, so a damaged or
/// hostile file cannot exhaust memory.
const INFLATED_LIMIT: u64 = 1 << 30;

/// The bytes of an index file, inflated when they are gzip-compressed (the packs; `meta.json`
/// is plain). `None` when the compressed data is damaged or too large.
fn inflate(bytes: Vec<u8>) -> Option<Vec<u8>> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(bytes);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes.as_slice())
        .take(INFLATED_LIMIT)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

/// Up to 100 characters of `text` around the first match, with the ranges of every match.
pub fn snippet(text: &str, words: &[String]) -> (String, Vec<(usize, usize)>) {
    let chars: Vec<char> = text.chars().collect();
    let mut norm: Vec<char> = Vec::new();
    let mut origin: Vec<usize> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        for n in normalize(&c.to_string()).chars() {
            norm.push(n);
            origin.push(i);
        }
    }
    let mut found: Vec<(usize, usize)> = Vec::new();
    for w in words {
        let w: Vec<char> = w.chars().collect();
        if w.is_empty() || w.len() > norm.len() {
            continue;
        }
        for s in 0..=norm.len() - w.len() {
            if norm[s..s + w.len()] == w[..] {
                found.push((origin[s], origin[s + w.len() - 1] + 1));
            }
        }
    }
    // At one place the longest match is marked: a variant may extend the spelling typed.
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let start = found
        .first()
        .map_or(0, |f| f.0.saturating_sub(SNIPPET_BEFORE));
    let end = (start + SNIPPET_LENGTH).min(chars.len());
    let mut highlights: Vec<(usize, usize)> = Vec::new();
    for (a, b) in found {
        if a >= start && b <= end && highlights.last().is_none_or(|l| a >= l.1 + start) {
            highlights.push((a - start, b - start));
        }
    }
    (chars[start..end].iter().collect(), highlights)
}
