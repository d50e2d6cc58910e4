//! Building the search index from rendered edition pages.
//!
//! The format is internal to kohyo (both engines are built from this crate and check
//! [`FORMAT_VERSION`]); it may change in any release. Format 7, files under `search/`:
//! - `meta.json` (plain JSON, the one file every query reads first): format version, shard
//!   counts (`shards`: `b`, `g`, `u`, `t`, `y`, `s`), packs per bundle (`bundle`), records per
//!   snippet chunk (`chunk`), filter values, the first record of each page group (pages in
//!   groups of [`page_group`]) and the variant table (below);
//! - every other file is a *pack*, compressed with gzip, which the clients inflate themselves
//!   (`DecompressionStream` in the browser, flate2 in Rust), so the bytes stored are the bytes
//!   sent. Pack `N` of a kind (named `<kind>/N` below) is stored in the bundle
//!   `<kind>/<N / 128>.bundle` ([`crate::search::bundle`]), which a client reads by range
//!   requests, or whole from a host that ignores them. The postings shards (`b`, `g`, `u`, `t`)
//!   are binary; every other pack is JSON;
//! - a postings shard, inflated, is per key in key order: the length of the key's UTF-8 bytes,
//!   the bytes, the length of its list and the list's numbers, every number a LEB128 varint
//!   ([`postings_bytes`]). The lists:
//!   `u/N`: single characters and `b/N`: character bigrams, each key's list
//!   `[record delta, counts, …]` (no positions), where `counts` is one number `n × 4 + t` for `n`
//!   occurrences of which `t < 3` are in the title, else `n × 4 + 3` then `t`
//!   ([`push_counts`]); `g/N`: positional trigrams, `[record delta, counts, position
//!   deltas…]` per record;
//!   `t/N`: lindera terms, record deltas. A key lives in shard `fnv1a(key) % count`,
//!   the count a power of two chosen so that a shard holds about [`BYTES_PER_SHARD`] bytes
//!   compressed. A word of one or two characters is its unigram or bigram list,
//!   exactly; a longer word reads the trigrams that cover it (offsets 0, 3, 6, … and the last)
//!   and checks their positions, whose lists are short because trigrams are selective. Only
//!   trigrams carry positions: bigram positions were half the index on long prose, and the one
//!   check that used them (words standing together, the phrase bonus) is the trigram match of
//!   the words joined;
//! - `p/N`: page group `N`: each page's record count, municipality, department and
//!   year, read only by queries of several words (a page may hold them in different records)
//!   and by filtered queries;
//! - `r/N`: records `N*chunk ..`: page, anchor, title, body (its first [`PIECE`]
//!   characters and [`OVERLAP`] more), ancestor title (for snippets) and, for a longer body,
//!   `[first, count]` of the pieces it goes on in; and the URL, title, 和暦 label,
//!   municipality, department, first record and record count of the pages they belong to (so
//!   results are grouped by edition page with no other file read); `chunk` is a power of two
//!   from [`CHUNK`] to [`MAX_CHUNK`], larger where records are short, so a chunk holds about
//!   [`CHUNK_BYTES`] of text;
//! - `c/N`: a piece of a long body, a JSON string: characters `k × PIECE` to
//!   `(k + 1) × PIECE` of it with [`OVERLAP`] more on either side, numbered across the site in
//!   record order. A snippet comes from the first piece (the chunk's first) that holds a match,
//!   so a result deep in a long section reads the pieces up to its match, not the section;
//! - `y/N`: readings: a reading in hiragana → the indexed words (lindera terms) read
//!   so, most frequent first, at most [`READING_WORDS`]; read only by queries written in kana;
//! - `s/N`: suggestions: a character → `[word, reading, records]` of the nouns that
//!   hold it in their spelling or reading, most frequent first, at most [`SUGGESTION_WORDS`];
//!   read only when a query finds nothing.
//!
//! `meta.json`'s `variants` is the table of spelling variants: groups of normalised spellings
//! (the built-in table merged with the site's `content/_variants.csv`, only the groups the
//! site may hold a spelling of), which both engines apply to every query word
//! (`search::variants`, docs/search-variants.md). A variant needs no keys of its own: it is
//! matched through the same n-gram lists as the word typed; a reading needs only `y/N`,
//! to know which words are read so.
//!
//! A one-word query loads `meta.json`, the shards its characters and words hash to (and their
//! variants'; a kana word also its reading shard), and the record chunks of the results it
//! shows: nothing that grows with the number of pages. Each pack costs two range requests, its
//! 8 bytes of offsets and its bytes; a bundle caps the output's files at one per 128 packs.
//!
//! Format 6 differed in: each pack a file of its own (`N.bin.gz` for postings, `N.json.gz`
//! for the others). Format 5 also in: postings shards of JSON (numbers in decimal digits) and
//! whole bodies in the record chunks; format 4 also in two counts per entry (`n title, n body`);
//! format 3 also in plain JSON files (`N.json`), bigrams with positions, shards of 1,500 numbers
//! and chunks of four records whatever their size.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::PathBuf;
use std::sync::Mutex;

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::cache::{Entry, EntryReader, EntryWriter, content_hash, is_as_written};
use crate::layout::{OutputFile, SEARCH_DIR};
use crate::render::PageInput;
use crate::search::bundle::{self, bundle};
use crate::search::extract::{self, RecordText};
use crate::text::{self, TextError, WordInfo};

/// Index format version, checked by both engines.
pub const FORMAT_VERSION: u32 = 7;
/// Words kept per reading in `y/N`.
pub const READING_WORDS: usize = 8;
/// Words kept per character in `s/N`.
pub const SUGGESTION_WORDS: usize = 48;
/// Fewest records per snippet chunk.
pub const CHUNK: usize = 2;
/// Most records per snippet chunk.
const MAX_CHUNK: usize = 16;
/// Bytes of text aimed for per snippet chunk (titles, bodies and anchors of its records).
const CHUNK_BYTES: usize = 2048;
/// Characters of a record's body its chunk holds; a longer body goes on in pieces `c/N`
/// of as many characters, each with [`OVERLAP`] characters of its neighbours on either side.
pub const PIECE: usize = 4096;
/// Characters a body piece shares with the pieces before and after it: enough for a snippet's
/// context around a match at a piece's edge.
const OVERLAP: usize = 100;
/// Pages indexed together, in parallel.
const INDEX_BATCH: usize = 128;
/// Compressed bytes aimed for per postings shard; the shard count grows with the site.
const BYTES_PER_SHARD: usize = 2000;
/// One key in `PROBE` is compressed to estimate how well a kind of list compresses.
const PROBE: usize = 16;
/// Compressed bytes aimed for per reading or suggestion shard, less than a postings shard: a
/// kana query reads one reading shard on top of its postings, a query that finds nothing up to
/// eight suggestion shards.
const BYTES_PER_WORD_SHARD: usize = 800;

/// What the index keeps of a page: in its group file (`p/N`) the record count and the
/// facets, in the record chunks holding its records the descriptor.
struct PageEntry {
    url: String,
    title: String,
    when: String,
    municipality: usize,
    /// Department index, -1 for none.
    department: i64,
    fiscal_year: Option<i32>,
    first: usize,
    records: usize,
}

/// Pages per group file: the smallest power of two at least 4 whose square covers `pages`, so
/// both the group table in `meta.json` and each group file grow as the square root of the site.
pub fn page_group(pages: usize) -> usize {
    let mut size = 4;
    while size * size < pages {
        size *= 2;
    }
    size
}

/// FNV-1a (32-bit) of the UTF-8 bytes: the shard function, identical in the JavaScript client.
pub fn fnv1a(key: &str) -> u32 {
    key.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

/// Shard count for `total` entries, `per_shard` in each: a power of two.
fn shard_count(total: usize, per_shard: usize) -> usize {
    (total / per_shard).max(1).next_power_of_two()
}

/// One key's postings, already in the shard encoding: per record `[record delta, …]`, each
/// number a varint ([`push_varint`]), as the shard holds it, so a list costs about a byte a
/// number while the site is gathered.
#[derive(Default, Serialize, Deserialize)]
struct List {
    /// Record of the last entry, for the next delta.
    last: usize,
    /// Numbers in the list.
    len: usize,
    /// Entries (records) in the list.
    entries: usize,
    bytes: Vec<u8>,
}

impl List {
    /// Start the entry of `record` (after every earlier record's).
    fn start(&mut self, record: usize) -> &mut List {
        self.entries += 1;
        self.push((record - self.last) as u32);
        self.last = record;
        self
    }

    /// Append a number to the current entry.
    fn push(&mut self, n: u32) {
        push_varint(&mut self.bytes, n);
        self.len += 1;
    }

    /// Append a page's list, whose records count from 0, for records counted from `first`.
    fn append(&mut self, page: &List, first: usize) {
        let Some((head, rest)) = first_varint(&page.bytes) else {
            return;
        };
        self.start(first + head as usize);
        self.bytes.extend_from_slice(rest);
        self.len += page.len - 1;
        self.entries += page.entries - 1;
        self.last = first + page.last;
    }
}

/// The first varint of `bytes` (read as the engines read it) and the bytes after it.
fn first_varint(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut at = 0;
    let n = crate::search::engine::varint(bytes, &mut at)?;
    Some((n as u32, &bytes[at..]))
}

/// Append every list of a page's `from` to `into`, records counted from `first`.
fn append_lists<K: Clone + Eq + Hash>(
    into: &mut FxHashMap<K, List>,
    from: &FxHashMap<K, List>,
    first: usize,
) {
    for (key, list) in from {
        match into.get_mut(key) {
            Some(into) => into.append(list, first),
            None => into.entry(key.clone()).or_default().append(list, first),
        }
    }
}

/// Postings gathered record by record, each key's list encoded as its records arrive, so a
/// key costs one allocation however many records hold it. Keys are characters and small
/// character arrays until the shards are written.
#[derive(Default, Serialize, Deserialize)]
struct Postings {
    bigrams: FxHashMap<[char; 2], List>,
    trigrams: FxHashMap<[char; 3], List>,
    unigrams: FxHashMap<char, List>,
    terms: FxHashMap<String, List>,
}

/// Push an entry's counts: one number `n × 4 + t` for `n` occurrences of which `t < 3` are in
/// the title, else `n × 4 + 3` and then `t` (titles are short: the second number is rare).
fn push_counts(out: &mut List, in_title: usize, total: usize) {
    if in_title < 3 {
        out.push((total * 4 + in_title) as u32);
    } else {
        out.push((total * 4 + 3) as u32);
        out.push(in_title as u32);
    }
}

/// Append to each key's list its entry for `record`: `[delta, counts, position deltas…]`
/// (counts as [`push_counts`] writes them). `grams` holds (key, position) in text order,
/// title positions before `title_len` and body positions after.
fn add_positions<K: Copy + Ord + Hash>(
    lists: &mut FxHashMap<K, List>,
    record: usize,
    title_len: u32,
    grams: &mut [(K, u32)],
) {
    grams.sort_by_key(|(key, _)| *key);
    for group in grams.chunk_by(|a, b| a.0 == b.0) {
        let in_title = group.iter().filter(|(_, p)| *p < title_len).count();
        let out = lists.entry(group[0].0).or_default().start(record);
        push_counts(out, in_title, group.len());
        let mut last = 0;
        for (_, p) in group {
            out.push(p - last);
            last = *p;
        }
    }
}

/// Append to each key's list its entry for `record` without positions: `[delta, counts]`.
/// `grams` holds (key, position) as for [`add_positions`].
fn add_counts<K: Copy + Ord + Hash>(
    lists: &mut FxHashMap<K, List>,
    record: usize,
    title_len: u32,
    grams: &mut [(K, u32)],
) {
    grams.sort_unstable_by_key(|(key, _)| *key);
    for group in grams.chunk_by(|a, b| a.0 == b.0) {
        let in_title = group.iter().filter(|(_, p)| *p < title_len).count();
        let out = lists.entry(group[0].0).or_default().start(record);
        push_counts(out, in_title, group.len());
    }
}

impl Postings {
    fn add(&mut self, record: usize, rec: &RecordText, terms: &BTreeMap<String, WordInfo>) {
        let title = text::normalize(&rec.title);
        let title_len = title.chars().count();
        let text: Vec<char> = title
            .chars()
            .chain(text::normalize(&rec.body).chars())
            .collect();
        let positions = |n: usize| {
            let field_end = |i: usize| if i < title_len { title_len } else { text.len() };
            (0..text.len()).filter(move |&i| i + n <= field_end(i))
        };
        // Bigrams keep only their counts: a two-character word is its bigram, and the phrase
        // check reads the trigrams of the words joined.
        let mut bigrams: Vec<_> = positions(2)
            .map(|i| ([text[i], text[i + 1]], i as u32))
            .collect();
        add_counts(&mut self.bigrams, record, title_len as u32, &mut bigrams);
        let mut trigrams: Vec<_> = positions(3)
            .map(|i| ([text[i], text[i + 1], text[i + 2]], i as u32))
            .collect();
        add_positions(&mut self.trigrams, record, title_len as u32, &mut trigrams);
        // Characters keep only their counts too.
        let mut chars: Vec<(char, u32)> = text
            .iter()
            .enumerate()
            .map(|(i, c)| (*c, i as u32))
            .collect();
        add_counts(&mut self.unigrams, record, title_len as u32, &mut chars);
        for term in terms.keys() {
            match self.terms.get_mut(term.as_str()) {
                Some(list) => list.start(record),
                None => self.terms.entry(term.clone()).or_default().start(record),
            };
        }
    }

    /// Whether some record may hold `word`: its character, or every bigram of it, is indexed.
    fn may_hold(&self, word: &str) -> bool {
        let chars: Vec<char> = word.chars().collect();
        match chars.as_slice() {
            [] => false,
            [c] => self.unigrams.contains_key(c),
            _ => chars
                .windows(2)
                .all(|w| self.bigrams.contains_key(&[w[0], w[1]])),
        }
    }

    /// Append pages' postings in order, each page's records counted from its `first`; the
    /// four kinds of key are appended in parallel.
    fn append(&mut self, pages: &[(&Postings, usize)]) {
        fn each<K: Clone + Eq + Hash>(
            into: &mut FxHashMap<K, List>,
            pages: &[(&Postings, usize)],
            kind: fn(&Postings) -> &FxHashMap<K, List>,
        ) {
            for (page, first) in pages {
                append_lists(into, kind(page), *first);
            }
        }
        let Postings {
            bigrams,
            trigrams,
            unigrams,
            terms,
        } = self;
        rayon::join(
            || {
                rayon::join(
                    || each(bigrams, pages, |p| &p.bigrams),
                    || each(trigrams, pages, |p| &p.trigrams),
                )
            },
            || {
                rayon::join(
                    || each(unigrams, pages, |p| &p.unigrams),
                    || each(terms, pages, |p| &p.terms),
                )
            },
        );
    }
}

/// One page indexed on its own, records counted from 0: what the memo and the build cache
/// keep.
#[derive(Serialize, Deserialize)]
struct PageIndex {
    /// Hash of the page's HTML.
    hash: u64,
    records: Vec<RecordText>,
    postings: Postings,
    /// The page's words with their readings, for the reading and suggestion files.
    words: BTreeMap<String, WordInfo>,
}

fn index_page(html: &str, hash: u64, tokenizer: &text::Tokenizer) -> Result<PageIndex, TextError> {
    let records = extract::records(html);
    let mut postings = Postings::default();
    let mut words: BTreeMap<String, WordInfo> = BTreeMap::new();
    for (i, rec) in records.iter().enumerate() {
        let terms = tokenizer.words(&format!("{}\n{}", rec.title, rec.body))?;
        postings.add(i, rec, &terms);
        merge_words(&mut words, &terms);
    }
    Ok(PageIndex {
        hash,
        records,
        postings,
        words,
    })
}

/// Add `from`'s words to `into`: readings joined, a noun anywhere a noun.
fn merge_words(into: &mut BTreeMap<String, WordInfo>, from: &BTreeMap<String, WordInfo>) {
    for (word, info) in from {
        match into.get_mut(word) {
            Some(have) => {
                have.readings.extend(info.readings.iter().cloned());
                have.noun |= info.noun;
            }
            None => {
                into.insert(word.clone(), info.clone());
            }
        }
    }
}

/// Pages indexed by an earlier build, by URL: a page whose HTML did not change is not
/// extracted and tokenised again.
#[derive(Default)]
pub struct IndexMemo {
    pages: HashMap<String, PageIndex>,
    indexed: Vec<String>,
}

impl IndexMemo {
    /// URLs of the pages the last build had to index, in build order.
    pub fn indexed(&self) -> &[String] {
        &self.indexed
    }
}

/// The build cache's part of the index: each edition page's index by URL, as the previous
/// build left it (`old`, an entry taken when the page's HTML has its hash) and as this build
/// writes it (`new`, every page's, in page order).
pub struct PageStore<'c> {
    /// The previous build's pages, if the cache holds them.
    pub old: Option<EntryReader<'c>>,
    /// This build's pages, if the cache can be written.
    pub new: Option<EntryWriter<'c>>,
}

/// Encoded lists keyed by their string form, sorted.
fn sorted<K>(map: FxHashMap<K, List>, key: impl Fn(K) -> String) -> BTreeMap<String, List> {
    map.into_iter().map(|(k, v)| (key(k), v)).collect()
}

/// The site's postings and records, gathered from the edition pages: an [`Indexer`] reads
/// the pages as they are rendered, [`Collected::write`] makes the index files, so each page
/// can be written and dropped once it is read.
pub struct Collected {
    postings: Postings,
    indexed: Vec<PageIndex>,
    urls: Vec<String>,
    fresh: Vec<String>,
    page_entries: Vec<PageEntry>,
    municipalities: Names,
    departments: Names,
    years: Vec<(i32, String)>,
    records: usize,
    words: BTreeMap<String, WordInfo>,
}

/// Reads edition pages as they are rendered: each is indexed on its own (in batches, in
/// parallel), or taken from the preview's memo or the build cache's store when its HTML is
/// unchanged, and the pages' postings are appended in page order; every page's index goes
/// into the store's new part as it is appended.
pub struct Indexer<'a, 'c> {
    tokenizer: &'a text::Tokenizer,
    /// Whether this is the preview, whose memo keeps every page's postings for the next build.
    preview: bool,
    /// The previous preview build's pages, taken from its memo.
    old: IndexMemo,
    store: Option<&'a mut PageStore<'c>>,
    /// Pages read but not yet indexed, with their HTML.
    waiting: Vec<(PageInput, Vec<u8>)>,
    /// Pages indexed but whose postings are not yet appended start here in `indexed`.
    appended: usize,
    years: BTreeSet<i32>,
    collected: Collected,
}

impl<'a, 'c> Indexer<'a, 'c> {
    /// An indexer cutting text with `tokenizer`, taking unchanged pages from the preview's
    /// `memo` or the build cache's `store`.
    pub fn new(
        tokenizer: &'a text::Tokenizer,
        memo: Option<&mut IndexMemo>,
        store: Option<&'a mut PageStore<'c>>,
    ) -> Indexer<'a, 'c> {
        Indexer {
            tokenizer,
            preview: memo.is_some(),
            old: memo.map(std::mem::take).unwrap_or_default(),
            store,
            waiting: Vec::new(),
            appended: 0,
            years: BTreeSet::new(),
            collected: Collected {
                postings: Postings::default(),
                indexed: Vec::new(),
                urls: Vec::new(),
                fresh: Vec::new(),
                page_entries: Vec::new(),
                municipalities: Names::default(),
                departments: Names::default(),
                years: Vec::new(),
                records: 0,
                words: BTreeMap::new(),
            },
        }
    }

    /// Read an edition page (its HTML), after every page read before it.
    pub fn add(&mut self, page: PageInput, html: &[u8]) -> Result<(), TextError> {
        self.waiting.push((page, html.to_vec()));
        if self.waiting.len() >= INDEX_BATCH {
            self.index_waiting()?;
        }
        Ok(())
    }

    /// Every page read, indexed and appended.
    pub fn finish(mut self) -> Result<Collected, TextError> {
        // The last batch, then an empty one, which appends it.
        self.index_waiting()?;
        self.index_waiting()?;
        let mut collected = self.collected;
        collected.years = self
            .years
            .into_iter()
            .rev()
            .map(|y| (y, crate::wareki::fiscal_year_full(y)))
            .collect();
        Ok(collected)
    }

    /// Index the waiting pages in parallel while the pages indexed before them are appended
    /// in order; outside the preview a page's own postings are dropped once appended, so
    /// only two batches of them are held at once.
    fn index_waiting(&mut self) -> Result<(), TextError> {
        let batch = std::mem::take(&mut self.waiting);
        let hashing = self.preview || self.store.is_some();
        let tokenizer = self.tokenizer;
        let (cached, mut storing) = match self.store.as_deref_mut() {
            Some(store) => (store.old.as_ref(), store.new.as_mut()),
            None => (None, None),
        };
        let jobs: Vec<_> = batch
            .into_iter()
            .map(|(page, html)| {
                let html = String::from_utf8_lossy(&html).into_owned();
                let mut hasher = DefaultHasher::new();
                if hashing {
                    html.hash(&mut hasher);
                }
                let hash = hasher.finish();
                let kept = self
                    .old
                    .pages
                    .remove(&page.url)
                    .filter(|kept| kept.hash == hash);
                (page, html, hash, kept)
            })
            .collect();
        let c = &mut self.collected;
        let pending: Vec<(&Postings, usize)> = c.indexed[self.appended..]
            .iter()
            .zip(&c.page_entries[self.appended..])
            .map(|(index, entry)| (&index.postings, entry.first))
            .collect();
        let store = storing.is_some();
        let ((), done) = rayon::join(
            || c.postings.append(&pending),
            || {
                jobs.into_par_iter()
                    .map(|(page, html, hash, kept)| {
                        // The build cache's entry is taken as it was, or made here, in parallel.
                        let from_cache = || {
                            cached?
                                .get::<PageIndex>(&page.url)
                                .filter(|(kept, _)| kept.hash == hash)
                        };
                        let (kept, entry) = match kept {
                            Some(kept) => (Some(kept), None),
                            None => from_cache().map_or((None, None), |(k, e)| (Some(k), Some(e))),
                        };
                        let (is_fresh, index) = match kept {
                            Some(kept) => (false, kept),
                            None => (true, index_page(&html, hash, tokenizer)?),
                        };
                        let entry = entry.or_else(|| store.then(|| Entry::encode(&index))?);
                        Ok((page, is_fresh, index, entry))
                    })
                    .collect::<Result<Vec<_>, TextError>>()
            },
        );
        drop(pending);
        if !self.preview {
            for index in &mut c.indexed[self.appended..] {
                index.postings = Postings::default();
            }
        }
        self.appended = c.indexed.len();
        for (page, is_fresh, mut index, entry) in done? {
            if is_fresh {
                c.fresh.push(page.url.clone());
            }
            if let (Some(writer), Some(entry)) = (storing.as_deref_mut(), entry) {
                writer.add(&page.url, &entry);
            }
            let m = c.municipalities.index(&page.municipality);
            let d = page
                .department
                .as_ref()
                .map_or(-1, |d| c.departments.index(d) as i64);
            self.years.extend(page.fiscal_year);
            c.page_entries.push(PageEntry {
                url: page.url.clone(),
                title: page.title,
                when: page.when,
                municipality: m,
                department: d,
                fiscal_year: page.fiscal_year,
                first: c.records,
                records: index.records.len(),
            });
            c.records += index.records.len();
            merge_words(&mut c.words, &index.words);
            if !self.preview {
                // Merged into the site's; only the preview's memo keeps a page's own.
                index.words = BTreeMap::new();
            }
            c.urls.push(page.url);
            c.indexed.push(index);
        }
        Ok(())
    }
}

impl Collected {
    /// How many records the index holds.
    pub fn records(&self) -> usize {
        self.records
    }

    /// How many edition pages were indexed rather than taken from a memo or the cache.
    pub fn indexed(&self) -> usize {
        self.fresh.len()
    }

    /// Make every file of the index, handing each group to `emit` as it is made, and keep the
    /// pages in the preview's `memo`. `base` is the site's base path (`/` or `/city/`), which
    /// every page URL starts with; `variants` the table of spelling variants
    /// ([`crate::search::variants::table`]), of which `meta.json` keeps the groups with a
    /// spelling the site may hold.
    pub fn write<E>(
        self,
        base: &str,
        variants: &[Vec<String>],
        memo: Option<&mut IndexMemo>,
        packs: Option<&PackMemo>,
        emit: &mut dyn FnMut(Vec<OutputFile>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Collected {
            postings,
            indexed,
            urls,
            fresh,
            page_entries,
            municipalities,
            departments,
            years,
            records,
            words,
        } = self;
        let (readings, suggestions) = word_lists(&words, &postings.terms);
        drop(words);
        // A group none of whose spellings occurs in the site could find nothing: left out.
        let variants: Vec<&Vec<String>> = variants
            .iter()
            .filter(|group| group.iter().any(|s| postings.may_hold(s)))
            .collect();
        let mut shards = |dir: &str, lists: BTreeMap<String, List>| {
            let (files, count) = shard_files(dir, &lists, BINARY, BYTES_PER_SHARD, packs);
            drop(lists);
            emit(bundle(dir, files)).map(|()| count)
        };
        let b = shards("b", sorted(postings.bigrams, String::from_iter))?;
        let g = shards("g", sorted(postings.trigrams, String::from_iter))?;
        let u = shards("u", sorted(postings.unigrams, String::from))?;
        let t = shards("t", sorted(postings.terms, |k| k))?;
        let reading_bytes = |words: &Vec<String>| words.iter().map(|w| w.len() + 3).sum();
        let readings_json = Encoding {
            size: reading_bytes,
            encode: json_bytes,
        };
        let (files, y) = shard_files("y", &readings, readings_json, BYTES_PER_WORD_SHARD, packs);
        emit(bundle("y", files))?;
        let suggestions_json = Encoding {
            size: |words: &Vec<Suggestion>| {
                words.iter().map(|(w, r, _)| w.len() + r.len() + 10).sum()
            },
            encode: json_bytes,
        };
        let (files, s) = shard_files(
            "s",
            &suggestions,
            suggestions_json,
            BYTES_PER_WORD_SHARD,
            packs,
        );
        emit(bundle("s", files))?;
        let chunks: Vec<(usize, &RecordText)> = indexed
            .iter()
            .enumerate()
            .flat_map(|(page, index)| index.records.iter().map(move |r| (page, r)))
            .collect();
        // Each body in pieces; the pieces after the first numbered across the site in
        // record order.
        let bodies: Vec<Vec<String>> = chunks.par_iter().map(|(_, r)| pieces(&r.body)).collect();
        let rest: Vec<usize> = bodies
            .iter()
            .scan(0, |next, body| {
                let first = *next;
                *next += body.len() - 1;
                Some(first)
            })
            .collect();
        let chunk = chunk_size(&chunks, &bodies);
        let body_pieces: Vec<Vec<u8>> = bodies
            .par_iter()
            .zip(&rest)
            .flat_map(|(body, first)| {
                body.par_iter()
                    .skip(1)
                    .enumerate()
                    .map(move |(k, piece)| pack_file("c", first + k, piece, packs))
            })
            .collect();
        emit(bundle("c", body_pieces))?;
        let in_pieces: Vec<(usize, &RecordText, &Vec<String>, usize)> = chunks
            .iter()
            .zip(&bodies)
            .zip(&rest)
            .map(|(((page, r), body), first)| (*page, *r, body, *first))
            .collect();
        let record_chunks: Vec<Vec<u8>> = in_pieces
            .par_chunks(chunk)
            .enumerate()
            .map(|(i, chunk)| {
                let mut pages: Vec<usize> = chunk.iter().map(|(page, ..)| *page).collect();
                pages.dedup();
                let pages: Vec<_> = pages
                    .into_iter()
                    .map(|page| {
                        let p = &page_entries[page];
                        (
                            page,
                            &p.url,
                            &p.title,
                            &p.when,
                            p.municipality,
                            p.department,
                            p.first,
                            p.records,
                        )
                    })
                    .collect();
                let rows: Vec<_> = chunk
                    .iter()
                    .map(|(page, r, body, first)| {
                        let mut row = json!([page, r.anchor, r.title, body[0], r.ancestor_title]);
                        if let (Some(row), n @ 1..) = (row.as_array_mut(), body.len() - 1) {
                            row.push(json!([first, n]));
                        }
                        row
                    })
                    .collect();
                pack_file("r", i, &json!({ "pages": pages, "rows": rows }), packs)
            })
            .collect();
        drop(in_pieces);
        drop((bodies, chunks));
        emit(bundle("r", record_chunks))?;
        let group = page_group(page_entries.len());
        let page_groups: Vec<Vec<u8>> = page_entries
            .chunks(group)
            .enumerate()
            .map(|(i, pages)| {
                let column = |f: fn(&PageEntry) -> serde_json::Value| -> Vec<serde_json::Value> {
                    pages.iter().map(f).collect()
                };
                pack_file(
                    "p",
                    i,
                    &json!({
                        "records": column(|p| p.records.into()),
                        "municipality": column(|p| p.municipality.into()),
                        "department": column(|p| p.department.into()),
                        "year": column(|p| p.fiscal_year.into()),
                    }),
                    packs,
                )
            })
            .collect();
        let group_firsts: Vec<usize> = page_entries
            .iter()
            .step_by(group)
            .map(|p| p.first)
            .collect();
        let meta = json!({
            "version": FORMAT_VERSION,
            "base": base,
            "years": years,
            "shards": { "b": b, "g": g, "u": u, "t": t, "y": y, "s": s },
            "bundle": bundle::MEMBERS,
            "chunk": chunk,
            "records": records,
            "page_count": page_entries.len(),
            "page_group": group,
            "page_groups": group_firsts,
            "municipalities": municipalities.list,
            "departments": departments.list,
            "variants": variants,
        });
        let mut files = bundle("p", page_groups);
        files.push(json_file("meta.json".to_string(), &meta));
        emit(files)?;
        if let Some(memo) = memo {
            memo.indexed = fresh;
            memo.pages = urls.into_iter().zip(indexed).collect();
        }
        Ok(())
    }
}

/// Names in order of first appearance, each with its position in `meta.json`'s list.
#[derive(Default)]
struct Names {
    list: Vec<String>,
    positions: HashMap<String, usize>,
}

impl Names {
    /// The position of `name`, added at the end when new.
    fn index(&mut self, name: &str) -> usize {
        if let Some(&at) = self.positions.get(name) {
            return at;
        }
        self.list.push(name.to_string());
        self.positions.insert(name.to_string(), self.list.len() - 1);
        self.list.len() - 1
    }
}

/// A suggestion: a word, its reading (or empty) and how many records hold it.
type Suggestion = (String, String, usize);

/// The reading lists (reading → words) and the suggestion lists (character → nouns) of the
/// site's `words`, each list most frequent first (records holding the word, from its term
/// list), then in code-point order, and cut to its limit.
fn word_lists(
    words: &BTreeMap<String, WordInfo>,
    terms: &FxHashMap<String, List>,
) -> (
    BTreeMap<String, Vec<String>>,
    BTreeMap<String, Vec<Suggestion>>,
) {
    let records = |w: &str| terms.get(w).map_or(0, |l| l.entries);
    let mut readings: BTreeMap<String, Vec<(usize, &str)>> = BTreeMap::new();
    let mut suggestions: BTreeMap<char, Vec<(usize, &str, &str)>> = BTreeMap::new();
    for (word, info) in words {
        let n = records(word);
        for reading in &info.readings {
            readings.entry(reading.clone()).or_default().push((n, word));
        }
        if info.noun {
            let reading = info.readings.first().map_or("", String::as_str);
            let mut keys: Vec<char> = word.chars().chain(reading.chars()).collect();
            keys.sort_unstable();
            keys.dedup();
            for c in keys {
                suggestions.entry(c).or_default().push((n, word, reading));
            }
        }
    }
    let readings = readings
        .into_iter()
        .map(|(reading, mut list)| {
            list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let list = list.into_iter().take(READING_WORDS);
            (reading, list.map(|(_, w)| w.to_string()).collect())
        })
        .collect();
    let suggestions = suggestions
        .into_iter()
        .map(|(c, mut list)| {
            list.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
            let list = list.into_iter().take(SUGGESTION_WORDS);
            let list = list.map(|(n, w, r)| (w.to_string(), r.to_string(), n));
            (c.to_string(), list.collect())
        })
        .collect();
    (readings, suggestions)
}

/// How the shards of one kind of list are written: the bytes a list takes, about, before
/// compression; a shard's bytes before compression; the file name's ending.
struct Encoding<T> {
    size: fn(&T) -> usize,
    encode: fn(&BTreeMap<&str, &T>) -> Vec<u8>,
}

/// Postings shards: binary ([`postings_bytes`]).
const BINARY: Encoding<List> = Encoding {
    size: |list| list.bytes.len() + 4,
    encode: postings_bytes,
};

/// `lists` as the shard packs of `dir` (pack `N` is shard `N`), made in parallel, and the
/// shard count, which grows with the lists' compressed size, about `per_shard` bytes in each. The compressed size
/// is estimated from the encoding's `size` and the ratio that one key in [`PROBE`] compresses
/// at, so shards are as large on repetitive text as on varied prose.
fn shard_files<T: Sync>(
    dir: &str,
    lists: &BTreeMap<String, T>,
    encoding: Encoding<T>,
    per_shard: usize,
    packs: Option<&PackMemo>,
) -> (Vec<Vec<u8>>, usize) {
    let size = encoding.size;
    let total: usize = lists.values().map(size).sum();
    let probe: BTreeMap<&str, &T> = lists
        .iter()
        .filter(|(key, _)| (fnv1a(key) as usize).is_multiple_of(PROBE))
        .map(|(key, list)| (key.as_str(), list))
        .collect();
    let probe_size: usize = probe.values().map(|list| size(list)).sum();
    let compressed = gzip((encoding.encode)(&probe)).len();
    // Too small a probe compresses badly; the estimate then errs on the side of more shards.
    let total = if probe_size >= per_shard {
        (total as u128 * compressed as u128 / probe_size as u128) as usize
    } else {
        total
    };
    let count = shard_count(total, per_shard);
    let mut shards: Vec<BTreeMap<&str, &T>> = vec![BTreeMap::new(); count];
    for (key, list) in lists {
        shards[fnv1a(key) as usize % count].insert(key.as_str(), list);
    }
    let files = shards
        .par_iter()
        .enumerate()
        .map(|(i, shard)| gzip_file(dir, i, (encoding.encode)(shard), packs))
        .collect();
    (files, count)
}

/// Append `n` as a LEB128 varint: seven bits a byte, low bits first, the high bit set on every
/// byte but the last.
fn push_varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push((n & 0x7f) as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A postings shard before compression: per key, in key order, the length of its UTF-8 bytes,
/// the bytes, the length of its list and the list's numbers, every number a varint
/// ([`push_varint`]). A key's first byte never is 0x8b (UTF-8 continues with it), so the
/// bytes never start as gzip does.
fn postings_bytes(shard: &BTreeMap<&str, &List>) -> Vec<u8> {
    let mut out = Vec::new();
    for (key, list) in shard {
        push_varint(&mut out, key.len() as u32);
        out.extend_from_slice(key.as_bytes());
        push_varint(&mut out, list.len as u32);
        out.extend_from_slice(&list.bytes);
    }
    out
}

/// A shard's JSON.
fn json_bytes<T: Serialize>(shard: &BTreeMap<&str, &T>) -> Vec<u8> {
    serde_json::to_vec(shard).unwrap_or_default()
}

/// A body in pieces of [`PIECE`] characters, each with [`OVERLAP`] characters of its
/// neighbours on either side: one piece, the body itself, when it is no longer than that.
fn pieces(body: &str) -> Vec<String> {
    let chars: Vec<char> = body.chars().collect();
    if chars.len() <= PIECE + OVERLAP {
        return vec![body.to_string()];
    }
    (0..chars.len().div_ceil(PIECE))
        .map(|k| {
            let start = (k * PIECE).saturating_sub(OVERLAP);
            let end = ((k + 1) * PIECE + OVERLAP).min(chars.len());
            chars[start..end].iter().collect()
        })
        .collect()
}

/// Records per snippet chunk: a power of two from [`CHUNK`] up to [`MAX_CHUNK`], as many as
/// keep a chunk of records of the site's mean size within [`CHUNK_BYTES`] (a long body counts
/// by its first piece, what the chunk holds of it). Sites of short records get fewer, larger
/// chunks; long prose gets chunks of two, so the ten results of a first query read ten small
/// chunks, not ten of four long sections each.
fn chunk_size(records: &[(usize, &RecordText)], bodies: &[Vec<String>]) -> usize {
    let bytes: usize = records
        .iter()
        .zip(bodies)
        .map(|((_, r), body)| r.title.len() + body[0].len() + r.anchor.len() + 16)
        .sum();
    let mean = bytes / records.len().max(1);
    let mut chunk = CHUNK;
    while chunk < MAX_CHUNK && (chunk * 2) * mean <= CHUNK_BYTES {
        chunk *= 2;
    }
    chunk
}

/// Pack `n` of `kind`: JSON, gzip-compressed (the clients inflate it; see the module's
/// documentation).
fn pack_file(kind: &str, n: usize, value: &impl Serialize, packs: Option<&PackMemo>) -> Vec<u8> {
    gzip_file(
        kind,
        n,
        serde_json::to_vec(value).unwrap_or_default(),
        packs,
    )
}

/// Pack `n` of `kind`: `bytes` gzip-compressed, or, with the build cache's `packs`, the
/// previous build's pack when its bytes before compression are the same.
fn gzip_file(kind: &str, n: usize, bytes: Vec<u8>, packs: Option<&PackMemo>) -> Vec<u8> {
    let Some(packs) = packs else {
        return gzip(bytes);
    };
    let raw = content_hash(&bytes);
    if let Some(contents) = packs.kept(kind, n, raw) {
        return contents;
    }
    let contents = gzip(bytes);
    packs.keep(kind, n, raw, &contents);
    contents
}

/// `bytes` gzip-compressed.
fn gzip(bytes: Vec<u8>) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::with_capacity(bytes.len() / 3), Compression::default());
    // Writing to a Vec cannot fail.
    gz.write_all(&bytes)
        .and_then(|()| gz.finish())
        .unwrap_or(bytes)
}

/// The index's packs by `<kind>/<n>`, as the build cache keeps them: the hash of the bytes before
/// compression, and the compressed file's length and [`content_hash`].
pub type StoredPacks = HashMap<String, (u64, u64, u64)>;

/// Packs written by an earlier build: a pack whose bytes before compression are unchanged is
/// read back from the previous output (and checked) instead of compressed again, which is
/// most of the index's work after a small change.
pub struct PackMemo {
    old: StoredPacks,
    output: PathBuf,
    new: Mutex<StoredPacks>,
}

impl PackMemo {
    /// The memo of the packs `stored` under the previous build's `output`.
    pub fn from_stored(old: StoredPacks, output: PathBuf) -> PackMemo {
        PackMemo {
            old,
            output,
            new: Mutex::default(),
        }
    }

    /// What the build cache keeps of this build's packs.
    pub fn stored(self) -> StoredPacks {
        self.new.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// The previous build's pack `n` of `kind` if it was made from bytes of hash `raw` and
    /// the output's bundle still holds it as written.
    fn kept(&self, kind: &str, n: usize, raw: u64) -> Option<Vec<u8>> {
        let name = format!("{kind}/{n}");
        let &(was, len, content) = self.old.get(&name).filter(|(was, ..)| *was == raw)?;
        let (path, place) = bundle::locate(kind, n);
        let bytes = bundle::read_member(&self.output.join(SEARCH_DIR).join(path), place)
            .filter(|bytes| is_as_written(bytes, len, content))?;
        self.keep(kind, n, was, &bytes);
        Some(bytes)
    }

    /// Note pack `n` of `kind`, made from bytes of hash `raw`.
    fn keep(&self, kind: &str, n: usize, raw: u64, contents: &[u8]) {
        let entry = (raw, contents.len() as u64, content_hash(contents));
        if let Ok(mut new) = self.new.lock() {
            new.insert(format!("{kind}/{n}"), entry);
        }
    }
}

fn json_file(path: String, value: &impl Serialize) -> OutputFile {
    OutputFile {
        path: PathBuf::from(crate::layout::SEARCH_DIR).join(path),
        contents: serde_json::to_vec(value).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::engine::decode_postings;

    #[test]
    fn postings_shards_read_back_as_written() {
        let (a, b) = (vec![0, 5, 127, 128, 16_383, 16_384, u32::MAX], vec![]);
        let list = |numbers: &[u32]| {
            let mut list = List::default();
            numbers.iter().for_each(|n| list.push(*n));
            list
        };
        let (la, lb) = (list(&a), list(&b));
        let shard = BTreeMap::from([("協働", &la), ("x", &lb)]);
        let bytes = postings_bytes(&shard);
        assert_eq!(la.bytes.len(), 1 + 1 + 1 + 2 + 2 + 3 + 5);
        assert_eq!(first_varint(&la.bytes[3..]), Some((128, &la.bytes[5..])));
        let value = decode_postings(&bytes).unwrap();
        assert_eq!(value, json!({ "協働": a, "x": b }));
        // Cut anywhere, the bytes never read as the whole shard.
        for end in 1..bytes.len() {
            let cut = decode_postings(&bytes[..end]);
            assert!(cut.is_none_or(|v| v != value), "{end}");
        }
        // A number past 32 bits is damaged.
        assert_eq!(
            decode_postings(&[1, b'x', 1, 0xff, 0xff, 0xff, 0xff, 0x1f]),
            None
        );
    }
}
