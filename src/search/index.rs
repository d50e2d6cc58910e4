//! Building the search index from rendered edition pages.
//!
//! Files under `search/` (all JSON, numbers delta-encoded, keys sorted):
//! - `meta.json`: format version, shard counts, chunk size, the page table and filter values;
//! - `b/N.json`: positional character bigrams, `g/N.json`: positional trigrams,
//!   `u/N.json`: single characters, `t/N.json`: lindera terms; a key lives in shard
//!   `fnv1a(key) % count`. A two-character word reads one bigram list; a longer word reads the
//!   trigrams that cover it (offsets 0, 3, 6, … and the last), whose lists are short because
//!   trigrams are selective: that keeps what a query downloads close to the size of its answer;
//! - `r/N.json`: records `N*CHUNK ..`: page, anchor, title, body, ancestor title (for snippets).
//!
//! A query loads `meta.json`, the shards its characters and words hash to, and the record chunks
//! of the results it shows.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::output::OutputFile;
use crate::search::extract::{self, RecordText};
use crate::text;

/// Index format version, checked by both engines.
pub const FORMAT_VERSION: u32 = 1;
/// Records per snippet chunk.
pub const CHUNK: usize = 4;
/// Postings aimed for per shard; the shard count grows with the site.
const POSTINGS_PER_SHARD: usize = 1500;

/// An edition page to index.
#[derive(Debug, Clone)]
pub struct PageInput {
    /// URL of the page, e.g. `/ueda/seisaku-kikaku/2022/`.
    pub url: String,
    /// Edition title.
    pub title: String,
    /// 令和4年度（2022年度） or the version label.
    pub when: String,
    /// Municipality name.
    pub municipality: String,
    /// Department, if any.
    pub department: Option<String>,
    /// Fiscal year (or first year of the period), if any.
    pub fiscal_year: Option<i32>,
    /// The rendered HTML.
    pub html: String,
}

/// One page in `meta.json`, written as an array: URL, title, 和暦 label, municipality index,
/// department index (-1 for none), fiscal year, first record.
#[derive(Debug, Serialize, Deserialize)]
pub struct PageEntry(
    pub String,
    pub String,
    pub String,
    pub usize,
    pub i64,
    pub Option<i32>,
    pub usize,
);

/// FNV-1a (32-bit) of the UTF-8 bytes: the shard function, identical in the JavaScript client.
pub fn fnv1a(key: &str) -> u32 {
    key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

/// Shard count for `postings` entries: a power of two.
fn shard_count(postings: usize) -> usize {
    (postings / POSTINGS_PER_SHARD).max(1).next_power_of_two()
}

/// Positions of an n-gram in one record: (title positions, body positions).
type Positions = (Vec<u32>, Vec<u32>);

/// Per key, the records holding it in ascending order with what the record holds.
type Lists<K, T> = HashMap<K, Vec<(usize, T)>>;

/// Postings gathered record by record. Keys are characters and small character arrays, and
/// records arrive in order, so adding a record allocates only for new keys; keys become
/// sorted strings once, when the shards are written.
#[derive(Default)]
struct Postings {
    bigrams: Lists<[char; 2], Positions>,
    trigrams: Lists<[char; 3], Positions>,
    /// char → record → (title count, body count)
    unigrams: Lists<char, (u32, u32)>,
    /// term → records
    terms: HashMap<String, Vec<usize>>,
}

/// The entry of `record` at the end of `list`, added if missing.
fn last_for<T: Default>(list: &mut Vec<(usize, T)>, record: usize) -> &mut T {
    if list.last().is_none_or(|(r, _)| *r != record) {
        list.push((record, T::default()));
    }
    let last = list.len() - 1;
    &mut list[last].1
}

impl Postings {
    fn add(&mut self, record: usize, rec: &RecordText, terms: &BTreeSet<String>) {
        let title: Vec<char> = text::normalize(&rec.title).chars().collect();
        let body: Vec<char> = text::normalize(&rec.body).chars().collect();
        for (offset, field, is_title) in [(0, &title, true), (title.len(), &body, false)] {
            for (i, c) in field.iter().enumerate() {
                let pos = (offset + i) as u32;
                let count = last_for(self.unigrams.entry(*c).or_default(), record);
                if is_title {
                    count.0 += 1
                } else {
                    count.1 += 1
                }
                let put = |at: &mut Positions| {
                    if is_title {
                        at.0.push(pos)
                    } else {
                        at.1.push(pos)
                    }
                };
                if let Some(&[a, b]) = field.get(i..i + 2) {
                    put(last_for(self.bigrams.entry([a, b]).or_default(), record));
                }
                if let Some(&[a, b, c]) = field.get(i..i + 3) {
                    put(last_for(
                        self.trigrams.entry([a, b, c]).or_default(),
                        record,
                    ));
                }
            }
        }
        for term in terms {
            let list = self.terms.entry(term.clone()).or_default();
            if list.last() != Some(&record) {
                list.push(record);
            }
        }
    }
}

/// Lists keyed by their string form, sorted.
fn sorted<K, T>(map: HashMap<K, T>, key: impl Fn(K) -> String) -> BTreeMap<String, T> {
    map.into_iter().map(|(k, v)| (key(k), v)).collect()
}

/// Build every file of the search index; also returns how many records it indexed.
/// `base` is the site's base path (`/` or `/city/`), which every page URL starts with.
pub fn build(
    pages: &[PageInput],
    base: &str,
    tokenizer: &text::Tokenizer,
) -> Result<(Vec<OutputFile>, usize), String> {
    let mut municipalities: Vec<String> = Vec::new();
    let mut departments: Vec<String> = Vec::new();
    let mut page_entries = Vec::new();
    let mut chunks: Vec<Value> = Vec::new();
    let mut postings = Postings::default();
    let mut record = 0usize;
    for (page_index, page) in pages.iter().enumerate() {
        let m = index_of(&mut municipalities, &page.municipality);
        let d = page
            .department
            .as_ref()
            .map_or(-1, |d| index_of(&mut departments, d) as i64);
        page_entries.push(PageEntry(
            page.url.clone(),
            page.title.clone(),
            page.when.clone(),
            m,
            d,
            page.fiscal_year,
            record,
        ));
        for rec in extract::records(&page.html) {
            let terms = tokenizer.terms(&format!("{}\n{}", rec.title, rec.body))?;
            postings.add(record, &rec, &terms);
            chunks.push(json!([
                page_index,
                rec.anchor,
                rec.title,
                rec.body,
                rec.ancestor_title
            ]));
            record += 1;
        }
    }
    let mut files = Vec::new();
    let b = write_shards(
        &mut files,
        "b",
        &sorted(postings.bigrams, String::from_iter),
        encode_positions,
    );
    let g = write_shards(
        &mut files,
        "g",
        &sorted(postings.trigrams, String::from_iter),
        encode_positions,
    );
    let u = write_shards(
        &mut files,
        "u",
        &sorted(postings.unigrams, String::from),
        |list| {
            let mut out = Vec::new();
            let mut prev = 0;
            for (rec, (t, b)) in list {
                out.extend([(rec - prev) as u64, *t as u64, *b as u64]);
                prev = *rec;
            }
            out
        },
    );
    let terms: BTreeMap<String, Vec<usize>> = postings.terms.into_iter().collect();
    let t = write_shards(&mut files, "t", &terms, |set| {
        let mut prev = 0;
        set.iter()
            .map(|rec| {
                let d = (rec - prev) as u64;
                prev = *rec;
                d
            })
            .collect()
    });
    for (i, chunk) in chunks.chunks(CHUNK).enumerate() {
        files.push(json_file(
            format!("r/{i}.json"),
            &Value::Array(chunk.to_vec()),
        ));
    }
    let years: BTreeSet<i32> = pages.iter().filter_map(|p| p.fiscal_year).collect();
    let years: Vec<(i32, String)> = years
        .into_iter()
        .rev()
        .map(|y| (y, crate::wareki::fiscal_year_full(y)))
        .collect();
    let meta = json!({
        "version": FORMAT_VERSION,
        "base": base,
        "years": years,
        "shards": { "b": b, "g": g, "u": u, "t": t },
        "chunk": CHUNK,
        "records": record,
        "pages": page_entries,
        "municipalities": municipalities,
        "departments": departments,
    });
    files.push(json_file("meta.json".to_string(), &meta));
    Ok((files, record))
}

/// `[record delta, n title, n body, position deltas…]` per record, positions restarting at 0.
fn encode_positions(list: &Vec<(usize, Positions)>) -> Vec<u64> {
    let mut out = Vec::new();
    let mut prev = 0;
    for (rec, (title, body)) in list {
        out.extend([(rec - prev) as u64, title.len() as u64, body.len() as u64]);
        let mut last = 0;
        for p in title.iter().chain(body) {
            out.push(u64::from(p - last));
            last = *p;
        }
        prev = *rec;
    }
    out
}

fn index_of(list: &mut Vec<String>, value: &str) -> usize {
    match list.iter().position(|v| v == value) {
        Some(i) => i,
        None => {
            list.push(value.to_string());
            list.len() - 1
        }
    }
}

/// Write `map` as shard files `dir/N.json`; returns the shard count.
fn write_shards<T>(
    files: &mut Vec<OutputFile>,
    dir: &str,
    map: &BTreeMap<String, T>,
    encode: impl Fn(&T) -> Vec<u64>,
) -> usize {
    let encoded: Vec<(&String, Vec<u64>)> = map.iter().map(|(k, v)| (k, encode(v))).collect();
    let total: usize = encoded.iter().map(|(_, v)| v.len()).sum();
    let count = shard_count(total);
    let mut shards: Vec<BTreeMap<&str, &Vec<u64>>> = vec![BTreeMap::new(); count];
    for (key, list) in &encoded {
        shards[fnv1a(key) as usize % count].insert(key.as_str(), list);
    }
    for (i, shard) in shards.iter().enumerate() {
        files.push(json_file(format!("{dir}/{i}.json"), &json!(shard)));
    }
    count
}

fn json_file(path: String, value: &Value) -> OutputFile {
    OutputFile {
        path: PathBuf::from("search").join(path),
        contents: serde_json::to_vec(value).unwrap_or_default(),
    }
}
