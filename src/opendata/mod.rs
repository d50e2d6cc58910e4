//! The open-data export under `public/data/`: JSON (one file per edition and one with
//! everything, with a JSON Schema), CSV tables, `datapackage.json` and a DCAT catalogue; and
//! each compare page's `changes.json` and `changes.csv`.
//!
//! [`records`] turns the site into records with stable ids, [`tables`] into CSV tables,
//! [`metadata`] describes them for data portals. The data page lists what [`export`] wrote.

pub mod history;
pub mod metadata;
pub mod records;
pub mod tables;

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::diagnostic::Message;
use crate::diff::Comparison;
use crate::layout::{self, DATA_DIR, OutputFile};
use crate::load::Site;
use crate::model::{Municipality, Series};

use self::records::{Collection, EditionRecord, FORMAT_VERSION};
use self::tables::Table;

/// Why a data file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// A JSON file could not be serialised.
    #[error("cannot write the open data as JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A CSV table could not be written.
    #[error("cannot write the open data as CSV: {0}")]
    Csv(#[from] csv::Error),
}

impl ExportError {
    /// What went wrong, in English (the `Display`) and in Japanese.
    pub fn message(&self) -> Message {
        let ja = match self {
            ExportError::Json(e) => format!("オープンデータの JSON を書き出せません: {e}"),
            ExportError::Csv(e) => format!("オープンデータの CSV を書き出せません: {e}"),
        };
        Message::new(self.to_string(), ja)
    }
}

/// The JSON Schema of the export's JSON files (draft 2020-12).
pub const SCHEMA: &str = include_str!("kohyo-data.schema.json");
/// Where the schema is published, under `data/`.
pub const SCHEMA_PATH: &str = "schema/kohyo-data.schema.json";
/// The JSON Schema of each compare page's `changes.json` (format `kohyo-compare/2`).
pub const COMPARE_SCHEMA: &str = include_str!("kohyo-compare.schema.json");
/// Where the compare schema is published, under `data/`.
pub const COMPARE_SCHEMA_PATH: &str = "schema/kohyo-compare.schema.json";

/// What the export wrote, for the data pages.
#[derive(Debug)]
pub struct Export {
    /// Every file a reader downloads, with descriptions and sizes: the site-wide files first,
    /// then each series' files in site order.
    pub listing: Vec<DataFile>,
    /// The `items` table's columns with the first row's values, as a sample.
    pub sample: Vec<SampleCell>,
    /// schema.org `Dataset` JSON-LD for the data page, safe inside a `<script>` element.
    pub dataset_jsonld: String,
}

/// A downloadable file.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    /// Path from the site root, e.g. `data/items.csv`.
    pub path: String,
    /// The name the data pages show: the path below `data/`, or from the site root for a
    /// compare page's files.
    pub name: String,
    /// What it holds, in Japanese.
    pub title: String,
    /// `JSON`, `CSV`, `JSON Schema`, `JSON-LD`.
    pub format: &'static str,
    /// The series it belongs to (`municipality/series`), empty for a site-wide file.
    pub series: String,
    /// What it conforms to, from the site root: the JSON Schema or the Data Package.
    pub conforms_to: Option<&'static str>,
    /// Size in bytes.
    pub bytes: usize,
    /// Size for people: 12.3 KB.
    pub size: String,
    /// SHA-256 of the contents, in lower-case hex.
    pub sha256: String,
}

impl DataFile {
    /// The municipality's slug, for a series' file.
    pub fn municipality(&self) -> Option<&str> {
        self.series.split('/').next().filter(|m| !m.is_empty())
    }
}

/// One column of the sample row.
#[derive(Debug, Serialize)]
pub struct SampleCell {
    /// Column name.
    pub name: &'static str,
    /// Table Schema type.
    pub kind: &'static str,
    /// Description.
    pub title: &'static str,
    /// The first row's value.
    pub value: String,
}

/// Path of an edition's JSON from the site root: `data/ueda/seisaku-kikaku/2023.json`.
pub fn edition_json_path(edition_id: &str) -> String {
    format!("{DATA_DIR}/{edition_id}.json")
}

/// Paths of a series' two CSV tables from the site root (every edition's rows): items, texts.
pub fn series_csv_paths(series_id: &str) -> [String; 2] {
    [
        format!("{DATA_DIR}/{series_id}/{}", layout::SERIES_ITEMS_CSV),
        format!("{DATA_DIR}/{series_id}/{}", layout::SERIES_TEXTS_CSV),
    ]
}

/// Where `datapackage.json` is, from the site root.
const DATAPACKAGE: &str = "data/datapackage.json";
/// The data schema, from the site root.
const SCHEMA_FILE: &str = "data/schema/kohyo-data.schema.json";
/// The compare schema, from the site root.
const COMPARE_SCHEMA_FILE: &str = "data/schema/kohyo-compare.schema.json";

/// A file made for the listing and the output at once; its checksum is taken on the thread
/// that made it.
fn listed(
    path: String,
    title: String,
    format: &'static str,
    series: &str,
    conforms_to: Option<&'static str>,
    contents: Vec<u8>,
) -> (DataFile, OutputFile) {
    let name = path
        .strip_prefix(DATA_DIR)
        .and_then(|p| p.strip_prefix('/'))
        .unwrap_or(&path)
        .to_string();
    let sha256 = Sha256::digest(&contents)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = DataFile {
        path: path.clone(),
        name,
        title,
        format,
        series: series.to_string(),
        conforms_to,
        bytes: contents.len(),
        size: human_size(contents.len()),
        sha256,
    };
    (
        file,
        OutputFile {
            path: PathBuf::from(path),
            contents,
        },
    )
}

/// `changes.json`: the comparison with the address of its schema first.
#[derive(Serialize)]
struct ChangesDocument<'a> {
    #[serde(rename = "$schema")]
    schema: &'a str,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

/// A compare page's `changes.json`: the comparison with the address of its schema first, as
/// the site publishes it and `kohyo diff --json` prints it. `base` is the site's base URL.
pub fn changes_json(base: &str, comparison: &Comparison) -> Result<Vec<u8>, ExportError> {
    let schema = format!("{base}{COMPARE_SCHEMA_FILE}");
    let doc = ChangesDocument {
        schema: &schema,
        comparison,
    };
    let mut text = serde_json::to_string_pretty(&doc)?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// Series whose files are made together, in parallel, and handed on before the next.
const SERIES_BATCH: usize = 64;

/// Produce every data file of the site, handing each group of files to `emit` as soon as it is
/// made (the site-wide files, then the series' a batch at a time, the catalogue last), so
/// that the export holds no more of its files than it must.
pub fn export<E: From<ExportError>>(
    site: &Site,
    comparisons: &[Comparison],
    emit: &mut dyn FnMut(Vec<OutputFile>) -> Result<(), E>,
) -> Result<Export, E> {
    let base = site.config.base();
    let schema_url = format!("{base}{SCHEMA_FILE}");
    let editions = records::editions(site);
    let mut tables = tables::tables(&editions, comparisons);
    tables.extend(history::tables(site, comparisons));
    let json = |editions: Vec<&EditionRecord>| -> Result<Vec<u8>, ExportError> {
        let collection = Collection {
            schema: schema_url.clone(),
            format_version: FORMAT_VERSION,
            license: &site.config.license,
            editions,
        };
        let mut text = serde_json::to_string_pretty(&collection)?;
        text.push('\n');
        Ok(text.into_bytes())
    };
    let mut listing = Vec::new();
    let mut hand_on = |made: Vec<(DataFile, OutputFile)>| -> Result<(), E> {
        let (files, files_out): (Vec<DataFile>, Vec<OutputFile>) = made.into_iter().unzip();
        listing.extend(files);
        emit(files_out)
    };
    // The site-wide files: everything in one JSON, then every table as CSV, made in parallel.
    let (whole, tables_csv) = rayon::join(
        || json(editions.iter().collect()),
        || {
            tables
                .par_iter()
                .map(Table::csv)
                .collect::<Result<Vec<_>, _>>()
        },
    );
    hand_on(vec![listed(
        format!("{DATA_DIR}/kohyo.json"),
        "すべての版（JSON）".into(),
        "JSON",
        "",
        Some(SCHEMA_FILE),
        whole?,
    )])?;
    let mut out = Vec::new();
    for (table, csv) in tables.iter().zip(tables_csv?) {
        out.push(listed(
            format!("{DATA_DIR}/{}.csv", table.name),
            table.title.to_string(),
            "CSV",
            "",
            Some(DATAPACKAGE),
            csv,
        ));
    }
    out.push(listed(
        SCHEMA_FILE.into(),
        "JSONファイルのスキーマ（JSON Schema 2020-12）".into(),
        "JSON Schema",
        "",
        None,
        SCHEMA.as_bytes().to_vec(),
    ));
    out.push(listed(
        COMPARE_SCHEMA_FILE.into(),
        "比較のJSON（changes.json）のスキーマ（JSON Schema 2020-12）".into(),
        "JSON Schema",
        "",
        None,
        COMPARE_SCHEMA.as_bytes().to_vec(),
    ));
    out.push(listed(
        DATAPACKAGE.into(),
        "CSVの表の定義（Frictionless Data Package）".into(),
        "JSON",
        "",
        None,
        metadata::datapackage(&site.config, &tables)?,
    ));
    hand_on(out)?;
    // Each series' files: its two tables, its editions' JSON, its comparisons' data.
    let by_name = |name: &str| tables.iter().find(|t| t.name == name);
    let per_edition: Vec<_> = [("items", "項目"), ("texts", "記載内容")]
        .into_iter()
        .filter_map(|(name, what)| by_name(name).map(|t| (t, what, t.rows_by("edition_id"))))
        .collect();
    let mut editions_of: HashMap<&str, Vec<&EditionRecord>> = HashMap::new();
    for e in &editions {
        editions_of.entry(e.series.id.as_str()).or_default().push(e);
    }
    let compares_of = crate::diff::by_series(comparisons);
    let series: Vec<(&Municipality, &Series)> = site
        .municipalities
        .iter()
        .flat_map(|m| m.series.iter().map(move |s| (m, s)))
        .collect();
    let series_files =
        |(m, s): &(&Municipality, &Series)| -> Result<Vec<(DataFile, OutputFile)>, ExportError> {
            let id = format!("{}/{}", m.slug, s.slug);
            let label = match s.title.contains(&m.name) {
                true => s.title.clone(),
                false => format!("{} {}", m.name, s.title),
            };
            let own = editions_of
                .get(id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let mut out = Vec::new();
            for (path, (table, what, groups)) in series_csv_paths(&id).into_iter().zip(&per_edition)
            {
                let rows = own
                    .iter()
                    .flat_map(|e| groups.get(e.id.as_str()).into_iter().flatten())
                    .copied();
                out.push(listed(
                    path,
                    format!("{label}の{what}（CSV、すべての版）"),
                    "CSV",
                    &id,
                    Some(DATAPACKAGE),
                    tables::write_csv(table.columns, rows)?,
                ));
            }
            for e in own {
                out.push(listed(
                    edition_json_path(&e.id),
                    format!("{label} {}（JSON）", e.when),
                    "JSON",
                    &id,
                    Some(SCHEMA_FILE),
                    json(vec![e])?,
                ));
            }
            for c in compares_of.get(id.as_str()).into_iter().flatten() {
                let dir = c.path();
                let text = changes_json(&base, c)?;
                let rows = tables::change_rows(std::slice::from_ref(*c)).changes;
                let what = format!("{label} {} → {} の比較", c.old.when, c.new.when);
                out.push(listed(
                    format!("{dir}changes.json"),
                    format!("{what}（JSON）"),
                    "JSON",
                    &id,
                    Some(COMPARE_SCHEMA_FILE),
                    text,
                ));
                out.push(listed(
                    format!("{dir}changes.csv"),
                    format!("{what}の変更（CSV）"),
                    "CSV",
                    &id,
                    Some(DATAPACKAGE),
                    tables::write_csv(tables::CHANGE_COLUMNS, rows.iter())?,
                ));
            }
            Ok(out)
        };
    for batch in series.chunks(SERIES_BATCH) {
        let made = batch
            .par_iter()
            .map(series_files)
            .collect::<Result<Vec<_>, ExportError>>()?;
        hand_on(made.into_iter().flatten().collect())?;
    }
    // The catalogue gives every file's size and checksum, so it comes last.
    let catalog = metadata::catalog(site, &editions, &listing)?;
    let (entry, file) = listed(
        format!("{DATA_DIR}/{}", CATALOG),
        "データカタログ（DCAT-AP 3、JSON-LD）".into(),
        "JSON-LD",
        "",
        None,
        catalog,
    );
    let site_wide_end = listing
        .iter()
        .position(|f| !f.series.is_empty())
        .unwrap_or(listing.len());
    listing.insert(site_wide_end, entry);
    emit(vec![file])?;
    let sample = sample(by_name("items"));
    let dataset_jsonld = metadata::dataset_jsonld(site, &editions, &listing);
    Ok(Export {
        listing,
        sample,
        dataset_jsonld,
    })
}

/// What a data portal or a downloaded file would miss: with a base URL that is a bare path
/// (`/`, `/kohyo/`), the links inside the data (`$schema`, page and download URLs, the
/// catalogue's IRIs) are paths, which no longer say where a downloaded file came from.
pub fn warnings(config: &crate::config::Config) -> Vec<Message> {
    let base = &config.base_url;
    match base.starts_with('/') {
        true => vec![Message::new(
            format!(
                "base_url `{base}` is a path, so the links inside the open data (data/, changes.json) are paths too and a downloaded file or a harvested catalogue cannot be traced back to the site: set base_url in kohyo.toml (or --base-url) to the site's full address, e.g. https://www.city.example.lg.jp/kohyo/"
            ),
            format!(
                "base_url `{base}` がパスなので、オープンデータ（data/、changes.json）の中のリンクもパスになり、ダウンロードしたファイルや収集されたカタログからサイトをたどれません。kohyo.toml の base_url（または --base-url）にサイトの完全なアドレスを書いてください（例 https://www.city.example.lg.jp/kohyo/）"
            ),
        )],
        false => Vec::new(),
    }
}

/// The catalogue's file name below `data/`.
pub const CATALOG: &str = "catalog.jsonld";

/// 850 B, 12.3 KB, 4.5 MB.
fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

fn sample(items: Option<&Table>) -> Vec<SampleCell> {
    let Some(t) = items else {
        return Vec::new();
    };
    let first = t.rows.first();
    t.columns
        .iter()
        .enumerate()
        .map(|(i, c)| SampleCell {
            name: c.name,
            kind: c.kind.name(),
            title: c.title,
            value: first.and_then(|r| r.get(i)).cloned().unwrap_or_default(),
        })
        .collect()
}
