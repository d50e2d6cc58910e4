//! Search evaluation against exact-substring and variant truth, for `kohyo search-eval`.
//!
//! Truth for a query: the edition pages whose visible text (`<main>`, read from the built HTML
//! files, not from the index), normalised, contains every word of the query; for a line
//! `query: word word` of a variant file, also the pages that contain any of the words listed
//! (the query's readings and spellings it must find). Results are compared page by page. The
//! same run measures what a first query downloads to show the first [`SHOWN`] results:
//! `meta.json` gzipped, and every index file the engine read as stored (gzip) with its 8
//! bytes of offsets in its bundle.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;
use serde::Serialize;

use crate::layout::SEARCH_DIR;
use crate::search::engine::{Filters, Index, SearchError, query_words};
use crate::search::extract;
use crate::text::normalize;

/// Results the search page shows at once; their snippets are part of a first query's download.
pub const SHOWN: usize = 10;

/// The evaluation of one query.
#[derive(Debug, Serialize)]
pub struct QueryReport {
    /// The query.
    pub query: String,
    /// The words the query must also find (a variant line's words).
    pub variants: Vec<String>,
    /// Pages that contain every word of the query.
    pub exact_truth: Vec<String>,
    /// The exact truth and the pages that contain a word of `variants`.
    pub truth: Vec<String>,
    /// Pages with at least one result.
    pub found: Vec<String>,
    /// |found ∩ truth| / |truth| (1 when the truth is empty).
    pub recall: f64,
    /// |found ∩ truth| / |found| (1 when nothing was found).
    pub precision: f64,
    /// URL of the first result.
    pub top: Option<String>,
    /// Whether the first result's page contains the query (true when there is no truth).
    pub top_in_truth: bool,
    /// Gzipped bytes of the index files a first query reads.
    pub first_query_gzip_bytes: u64,
    /// The same files uncompressed.
    pub first_query_bytes: u64,
}

/// The evaluation of a query file.
#[derive(Debug, Serialize)]
pub struct Report {
    /// One report per query, in file order.
    pub queries: Vec<QueryReport>,
    /// Mean recall over the queries.
    pub macro_recall: f64,
    /// Mean precision over the queries.
    pub macro_precision: f64,
    /// Median of `first_query_gzip_bytes`.
    pub first_query_gzip_median: u64,
    /// Largest `first_query_gzip_bytes`.
    pub first_query_gzip_worst: u64,
    /// Largest `first_query_bytes`.
    pub first_query_worst: u64,
    /// Size of the index files (without the client).
    pub index_bytes: u64,
    /// Gzipped size of the index files, each compressed alone.
    pub index_gzip_bytes: u64,
    /// Gzipped size of the search client (JavaScript) and the stylesheet.
    pub client_gzip_bytes: u64,
}

/// The queries of a query file: one per line, `#` comments and blank lines skipped, a
/// variant line's words left out.
pub fn read_queries(text: &str) -> Vec<String> {
    read_truth(text).into_iter().map(|(q, _)| q).collect()
}

/// The lines of a query file: each query with the words it must also find (after `:`,
/// separated by white space; none on a plain line).
pub fn read_truth(text: &str) -> Vec<(String, Vec<String>)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(':') {
            Some((query, words)) => (
                query.trim().to_string(),
                words.split_whitespace().map(str::to_string).collect(),
            ),
            None => (l.to_string(), Vec::new()),
        })
        .collect()
}

/// Evaluate `queries` (each with the words it must also find) over the site built into
/// `output`.
pub fn evaluate(output: &Path, queries: &[(String, Vec<String>)]) -> Result<Report, SearchError> {
    let index = Index::open(output)?;
    let urls = index.page_urls();
    let mut pages = Vec::new();
    for url in &urls {
        let html =
            fs::read_to_string(page_file(output, &index, url)?).map_err(|e| SearchError::Read {
                path: url.clone(),
                detail: e.to_string(),
            })?;
        pages.push((url.clone(), normalize(&extract::main_text(&html))));
    }
    let mut reports = Vec::new();
    for (query, variants) in queries {
        let words = query_words(query);
        let also: Vec<String> = variants.iter().map(|w| normalize(w)).collect();
        let exact = |text: &str| !words.is_empty() && words.iter().all(|w| text.contains(w));
        let pages_where = |holds: &dyn Fn(&str) -> bool| -> Vec<String> {
            pages
                .iter()
                .filter(|(_, text)| holds(text))
                .map(|(url, _)| url.clone())
                .collect()
        };
        let exact_truth = pages_where(&exact);
        let truth = pages_where(&|text: &str| {
            exact(text)
                || also
                    .iter()
                    .any(|w| !w.is_empty() && text.contains(w.as_str()))
        });
        let first = Index::open(output)?;
        let shown = first.query(query, &Filters::default(), SHOWN);
        let meta = [output.join(SEARCH_DIR).join("meta.json")];
        let loaded = first.loaded();
        let first_query_gzip_bytes =
            gzip_total(&meta)? + loaded.iter().map(|(_, l)| l.sent).sum::<u64>();
        let first_query_bytes = fs::metadata(&meta[0]).map_or(0, |m| m.len())
            + loaded.iter().map(|(_, l)| l.inflated).sum::<u64>();
        let found: BTreeSet<&String> = index
            .search(query, &Filters::default())
            .into_iter()
            .map(|(record, _)| &urls[index.page_number(record)])
            .collect();
        let found: Vec<String> = found.into_iter().cloned().collect();
        let truth_set: BTreeSet<&String> = truth.iter().collect();
        let hits = found.iter().filter(|u| truth_set.contains(u)).count() as f64;
        let top = shown.first().map(|r| r.url.clone());
        let top_page = top
            .as_deref()
            .map(|u| u.split('#').next().unwrap_or(u).to_string());
        reports.push(QueryReport {
            query: query.clone(),
            variants: variants.clone(),
            exact_truth,
            recall: if truth.is_empty() {
                1.0
            } else {
                hits / truth.len() as f64
            },
            precision: if found.is_empty() {
                1.0
            } else {
                hits / found.len() as f64
            },
            top_in_truth: truth.is_empty() || top_page.is_some_and(|p| truth_set.contains(&p)),
            top,
            truth,
            found,
            first_query_gzip_bytes,
            first_query_bytes,
        });
    }
    let mean = |f: fn(&QueryReport) -> f64| {
        reports.iter().map(f).sum::<f64>() / reports.len().max(1) as f64
    };
    let mut sizes: Vec<u64> = reports.iter().map(|r| r.first_query_gzip_bytes).collect();
    sizes.sort_unstable();
    let index_files = index_files(output)?;
    let client = [
        output.join("search/engine.js"),
        output.join("search/ui.js"),
        output.join("style.css"),
    ];
    Ok(Report {
        macro_recall: mean(|r| r.recall),
        macro_precision: mean(|r| r.precision),
        first_query_gzip_median: sizes.get(sizes.len() / 2).copied().unwrap_or(0),
        first_query_gzip_worst: sizes.last().copied().unwrap_or(0),
        first_query_worst: reports
            .iter()
            .map(|r| r.first_query_bytes)
            .max()
            .unwrap_or(0),
        index_bytes: index_files
            .iter()
            .map(|p| fs::metadata(p).map_or(0, |m| m.len()))
            .sum(),
        index_gzip_bytes: gzip_total(&index_files)?,
        client_gzip_bytes: gzip_total(&client)?,
        queries: reports,
    })
}

/// The HTML file of a page URL: the URL's path after the site's base, plus `index.html`.
fn page_file(output: &Path, index: &Index, url: &str) -> Result<PathBuf, SearchError> {
    let base = index.base_path();
    let rel = url
        .strip_prefix(base.as_str())
        .ok_or_else(|| SearchError::Read {
            path: url.to_string(),
            detail: format!("the page is not under the site's base {base}"),
        })?;
    Ok(output.join(rel).join("index.html"))
}

/// Every file of the index (not the client).
fn index_files(output: &Path) -> Result<Vec<PathBuf>, SearchError> {
    let dir = output.join("search");
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(&dir).sort_by_file_name() {
        let entry = entry.map_err(|e| SearchError::Read {
            path: dir.display().to_string(),
            detail: e.to_string(),
        })?;
        let index_file = entry
            .path()
            .extension()
            .is_some_and(|x| x == "json" || x == "bundle");
        if entry.file_type().is_file() && index_file {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

/// Sum of the gzipped sizes (level 6, as web servers use) of `files`, each compressed alone;
/// a bundle of the index's packs (gzip-compressed already) counts as it is, as a server sends
/// it.
pub fn gzip_total(files: &[PathBuf]) -> Result<u64, SearchError> {
    let mut total = 0;
    for path in files {
        let read = |e: std::io::Error| SearchError::Read {
            path: path.display().to_string(),
            detail: e.to_string(),
        };
        let bytes = fs::read(path).map_err(read)?;
        if path.extension().is_some_and(|x| x == "bundle") {
            total += bytes.len() as u64;
            continue;
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::new(6));
        encoder
            .write_all(&bytes)
            .and_then(|()| encoder.finish())
            .map(|gz| total += gz.len() as u64)
            .map_err(read)?;
    }
    Ok(total)
}
