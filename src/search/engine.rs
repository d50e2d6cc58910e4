//! The query engine over a built index, for `kohyo search` and `kohyo search-eval`.
//!
//! It is the same algorithm as `engine.js` (the browser client), step for step and with integer
//! scores, so the two return the same ranked results (a test runs both).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::search::index::{FORMAT_VERSION, PageEntry, fnv1a};
use crate::text::normalize;

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

#[derive(Debug, Deserialize)]
struct Meta {
    version: u32,
    base: String,
    shards: Shards,
    chunk: usize,
    pages: Vec<PageEntry>,
    municipalities: Vec<String>,
    departments: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Shards {
    b: usize,
    g: usize,
    u: usize,
    t: usize,
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

/// A built index on disk.
pub struct Index {
    dir: PathBuf,
    meta: Meta,
    cache: RefCell<HashMap<String, Rc<Value>>>,
}

impl Index {
    /// Open the index written under `<output>/search`.
    pub fn open(output: &Path) -> Result<Index, String> {
        let dir = output.join("search");
        let text = fs::read_to_string(dir.join("meta.json")).map_err(|e| {
            format!(
                "no search index in {}: run `kohyo build` first ({e})",
                output.display()
            )
        })?;
        let meta: Meta =
            serde_json::from_str(&text).map_err(|e| format!("unreadable search index: {e}"))?;
        if meta.version != FORMAT_VERSION {
            return Err(format!(
                "search index format {} is not {FORMAT_VERSION}: rebuild with `kohyo build`",
                meta.version
            ));
        }
        Ok(Index {
            dir,
            meta,
            cache: RefCell::new(HashMap::new()),
        })
    }

    /// An index file, read and parsed once; a missing or unreadable file reads as null.
    fn file(&self, path: &str) -> Rc<Value> {
        if let Some(v) = self.cache.borrow().get(path) {
            return Rc::clone(v);
        }
        let value = Rc::new(
            fs::read_to_string(self.dir.join(path))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok())
                .unwrap_or(Value::Null),
        );
        self.cache
            .borrow_mut()
            .insert(path.to_string(), Rc::clone(&value));
        value
    }

    fn postings(&self, kind: &str, count: usize, key: &str) -> Vec<u64> {
        let shard = fnv1a(key) as usize % count;
        self.file(&format!("{kind}/{shard}.json"))
            .get(key)
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    }

    /// Matches of one normalised word: record → counts and start positions. One character reads
    /// the unigram list, two the bigram list, more the trigrams covering the word, checked to
    /// stand at the right distances from each other.
    fn word(&self, word: &[char]) -> BTreeMap<usize, WordMatch> {
        let mut out = BTreeMap::new();
        if word.len() == 1 {
            let list = self.postings("u", self.meta.shards.u, &word[0].to_string());
            let mut rec = 0;
            for entry in list.chunks(3) {
                if let [d, t, b] = entry {
                    rec += *d as usize;
                    out.insert(
                        rec,
                        WordMatch {
                            title: *t as i64,
                            body: *b as i64,
                            starts: Vec::new(),
                        },
                    );
                }
            }
            return out;
        }
        let (kind, count, n) = if word.len() == 2 {
            ("b", self.meta.shards.b, 2)
        } else {
            ("g", self.meta.shards.g, 3)
        };
        let lists: Vec<(u32, RecordPositions)> = cover(word.len(), n)
            .into_iter()
            .map(|at| {
                let gram: String = word[at..at + n].iter().collect();
                (
                    at as u32,
                    decode_positions(&self.postings(kind, count, &gram)),
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

    fn page_of(&self, record: usize) -> usize {
        self.meta
            .pages
            .partition_point(|p| p.6 <= record)
            .saturating_sub(1)
    }

    fn page_passes(&self, page: usize, filters: &Filters) -> bool {
        let p = &self.meta.pages[page];
        filters
            .municipality
            .as_ref()
            .is_none_or(|m| self.meta.municipalities.get(p.3) == Some(m))
            && filters.department.as_ref().is_none_or(|d| {
                usize::try_from(p.4)
                    .ok()
                    .and_then(|i| self.meta.departments.get(i))
                    == Some(d)
            })
            && filters.year.is_none_or(|y| p.5 == Some(y))
    }

    /// Ranked results: records holding every word, then pages holding every word only across
    /// several records; ties in record order.
    pub fn search(&self, query: &str, filters: &Filters) -> Vec<(usize, i64)> {
        let words = query_words(query);
        if words.is_empty() {
            return Vec::new();
        }
        let chars: Vec<Vec<char>> = words.iter().map(|w| w.chars().collect()).collect();
        let matches: Vec<BTreeMap<usize, WordMatch>> = chars.iter().map(|w| self.word(w)).collect();
        let terms: Vec<BTreeSet<usize>> = words.iter().map(|w| self.terms(w)).collect();
        let mut hits: Vec<(usize, i64)> = Vec::new();
        let mut pages_with_hit = BTreeSet::new();
        for rec in matches[0].keys() {
            if !matches.iter().all(|m| m.contains_key(rec))
                || !self.page_passes(self.page_of(*rec), filters)
            {
                continue;
            }
            let mut score = 0;
            for (i, m) in matches.iter().enumerate() {
                let m = &m[rec];
                if m.title > 0 {
                    score += TITLE;
                }
                score += (m.title + m.body).min(MAX_OCCURRENCES) * OCCURRENCE;
                if terms[i].contains(rec) {
                    score += TERM;
                }
            }
            if phrase(&chars, &matches, *rec) {
                score += PHRASE;
            }
            pages_with_hit.insert(self.page_of(*rec));
            hits.push((*rec, score));
        }
        let mut page_words: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (i, m) in matches.iter().enumerate() {
            for rec in m.keys() {
                page_words.entry(self.page_of(*rec)).or_default().insert(i);
            }
        }
        for (page, found) in page_words {
            if found.len() == words.len()
                && !pages_with_hit.contains(&page)
                && self.page_passes(page, filters)
            {
                hits.push((self.meta.pages[page].6, 0));
            }
        }
        hits.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// Describe a ranked hit for display: URL with anchor, title, breadcrumb and snippet, which
    /// comes from the body, or from the title when the body holds no match.
    pub fn describe(&self, query: &str, record: usize, score: i64) -> SearchResult {
        let chunk = self.file(&format!("r/{}.json", record / self.meta.chunk));
        let row = chunk
            .get(record % self.meta.chunk)
            .cloned()
            .unwrap_or(Value::Null);
        let text = |i: usize| row.get(i).and_then(Value::as_str).unwrap_or("").to_string();
        let page = &self.meta.pages[self.page_of(record)];
        let anchor = text(1);
        let is_page = anchor.is_empty();
        let title = if is_page { page.1.clone() } else { text(2) };
        let mut breadcrumb = vec![
            self.meta
                .municipalities
                .get(page.3)
                .cloned()
                .unwrap_or_default(),
        ];
        if let Some(d) = usize::try_from(page.4)
            .ok()
            .and_then(|i| self.meta.departments.get(i))
        {
            breadcrumb.push(d.clone());
        }
        breadcrumb.push(page.2.clone());
        if let Some(goal) = row.get(4).and_then(Value::as_str) {
            breadcrumb.push(goal.to_string());
        }
        let words = query_words(query);
        let (mut snippet, mut highlights) = snippet(&text(3), &words);
        if highlights.is_empty() {
            (snippet, highlights) = self::snippet(&title, &words);
        }
        SearchResult {
            url: if is_page {
                page.0.clone()
            } else {
                format!("{}#{anchor}", page.0)
            },
            title,
            breadcrumb,
            snippet,
            highlights,
            score,
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

    /// Paths (under `search/`) of the index files read so far, in order of name.
    pub fn loaded_files(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = self
            .cache
            .borrow()
            .keys()
            .map(|k| self.dir.join(k))
            .collect();
        paths.push(self.dir.join("meta.json"));
        paths.sort();
        paths
    }

    /// The site's base path, which every page URL starts with.
    pub fn base_path(&self) -> String {
        self.meta.base.clone()
    }

    /// URL of every edition page in the index.
    pub fn page_urls(&self) -> Vec<String> {
        self.meta.pages.iter().map(|p| p.0.clone()).collect()
    }

    /// Page URL of a record.
    pub fn page_url(&self, record: usize) -> String {
        self.meta.pages[self.page_of(record)].0.clone()
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

fn decode_positions(list: &[u64]) -> RecordPositions {
    let mut out = BTreeMap::new();
    let (mut i, mut rec) = (0, 0usize);
    while i + 3 <= list.len() {
        rec += list[i] as usize;
        let (t, b) = (list[i + 1] as usize, list[i + 2] as usize);
        i += 3;
        let mut p = 0u32;
        let mut positions = Vec::with_capacity(t + b);
        for d in list.iter().skip(i).take(t + b) {
            p += *d as u32;
            positions.push(p);
        }
        i += t + b;
        out.insert(rec, (t, positions));
    }
    out
}

/// Whether the words stand one after another, in order, somewhere in the record.
fn phrase(words: &[Vec<char>], matches: &[BTreeMap<usize, WordMatch>], rec: usize) -> bool {
    if words.len() < 2 || words.iter().any(|w| w.len() < 2) {
        return false;
    }
    matches[0][&rec].starts.iter().any(|start| {
        let mut at = *start + words[0].len() as u32;
        words.iter().zip(matches).skip(1).all(|(w, m)| {
            let ok = m[&rec].starts.binary_search(&at).is_ok();
            at += w.len() as u32;
            ok
        })
    })
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
    found.sort();
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
