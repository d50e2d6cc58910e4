//! The open-data export under `public/data/`: JSON (one file per edition and one with
//! everything, with a JSON Schema), CSV tables, `datapackage.json` and a DCAT catalogue; and
//! each compare page's `changes.json` and `changes.csv`.
//!
//! [`records`] turns the site into records with stable ids, [`tables`] into CSV tables,
//! [`metadata`] describes them for data portals. The data page lists what [`export`] wrote.
//! The export is made a series at a time, and the site-wide files are joined from the series'
//! parts, so that it never holds the records or the rows of the whole site.

pub mod history;
pub mod metadata;
pub mod records;
pub mod tables;

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

/// What one series gives the export: its own files, and its part of the site-wide files.
struct SeriesPart {
    /// Its tables, its editions' JSON, its comparisons' data.
    files: Vec<(DataFile, OutputFile)>,
    /// Its rows of every site-wide table as CSV lines, tables in [`table_schemas`]' order.
    rows: Vec<Vec<u8>>,
    /// Its editions as `kohyo.json` holds them.
    editions_json: Vec<String>,
    /// Its editions without their sections, items and indicators: what the catalogue and
    /// the data page's JSON-LD describe.
    editions: Vec<EditionRecord>,
    /// The first row of its items table.
    first_item: Option<Vec<String>>,
}

/// Every site-wide table without rows, in the order of the data package.
fn table_schemas() -> Vec<Table> {
    let mut schemas = tables::tables(&[], &[]);
    schemas.extend(history::schemas());
    schemas
}

/// A [`Collection`] file written an edition at a time, as `serde_json` writes it pretty.
struct CollectionJson {
    /// The collection up to its editions' array.
    open: String,
}

impl CollectionJson {
    fn new(schema: String, license: &crate::config::License) -> Result<Self, ExportError> {
        let empty = Collection {
            schema,
            format_version: FORMAT_VERSION,
            license,
            editions: Vec::new(),
        };
        let text = serde_json::to_string_pretty(&empty)?;
        let open = text.strip_suffix("[]\n}").unwrap_or(&text).to_string();
        Ok(CollectionJson { open })
    }

    /// An edition as the array holds it: pretty, each line indented two levels.
    fn edition(e: &EditionRecord) -> Result<String, ExportError> {
        let text = serde_json::to_string_pretty(e)?;
        // JSON strings hold no raw line break, so every line is a line of the layout.
        Ok(text
            .lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n"))
    }

    /// The file of `editions` (each as [`CollectionJson::edition`] made it).
    fn file<'e>(&self, editions: impl IntoIterator<Item = &'e String>) -> Vec<u8> {
        let mut out = self.open.clone().into_bytes();
        let mut editions = editions.into_iter().peekable();
        if editions.peek().is_none() {
            out.extend_from_slice(b"[]\n}\n");
            return out;
        }
        out.extend_from_slice(b"[\n");
        for (i, e) in editions.enumerate() {
            if i > 0 {
                out.extend_from_slice(b",\n");
            }
            out.extend_from_slice(e.as_bytes());
        }
        out.extend_from_slice(b"\n  ]\n}\n");
        out
    }
}

/// Produce every data file of the site a series at a time, handing each group of files to
/// `emit` as soon as it is made (the series' a batch at a time, then the site-wide files,
/// which join the series' parts, and the catalogue last), so that the export holds no more
/// of the site than a batch of series and the site-wide files' bytes.
pub fn export<E: From<ExportError>>(
    site: &Site,
    comparisons: &[Comparison],
    emit: &mut dyn FnMut(Vec<OutputFile>) -> Result<(), E>,
) -> Result<Export, E> {
    let base = site.config.base();
    let collection = CollectionJson::new(format!("{base}{SCHEMA_FILE}"), &site.config.license)?;
    let compares_of = crate::diff::by_series(comparisons);
    let series: Vec<(&Municipality, &Series)> = site
        .municipalities
        .iter()
        .flat_map(|m| m.series.iter().map(move |s| (m, s)))
        .collect();
    let series_part = |(m, s): &(&Municipality, &Series)| -> Result<SeriesPart, ExportError> {
        let id = format!("{}/{}", m.slug, s.slug);
        let label = match s.title.contains(&m.name) {
            true => s.title.clone(),
            false => format!("{} {}", m.name, s.title),
        };
        let compared = compares_of
            .get(id.as_str())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let mut own: Vec<EditionRecord> = s
            .editions
            .iter()
            .map(|e| records::edition(m, s, e, &base))
            .collect();
        let mut tables = tables::tables(&own, compared);
        tables.extend(history::tables(&base, m, s, compared));
        let rows = tables
            .iter()
            .map(|t| tables::csv_rows(t.columns, t.rows.iter()))
            .collect::<Result<Vec<_>, _>>()?;
        let table = |name: &str| tables.iter().find(|t| t.name == name);
        let mut files = Vec::new();
        for (path, (name, what)) in series_csv_paths(&id)
            .into_iter()
            .zip([("items", "項目"), ("texts", "記載内容")])
        {
            let Some(t) = table(name) else { continue };
            files.push(listed(
                path,
                format!("{label}の{what}（CSV、すべての版）"),
                "CSV",
                &id,
                Some(DATAPACKAGE),
                tables::write_csv(t.columns, t.rows.iter())?,
            ));
        }
        let mut editions_json = Vec::new();
        for e in &own {
            let json = CollectionJson::edition(e)?;
            files.push(listed(
                edition_json_path(&e.id),
                format!("{label} {}（JSON）", e.when),
                "JSON",
                &id,
                Some(SCHEMA_FILE),
                collection.file([&json]),
            ));
            editions_json.push(json);
        }
        for c in compared {
            let dir = c.path();
            let text = changes_json(&base, c)?;
            let rows = tables::change_rows(std::slice::from_ref(c)).changes;
            let what = format!("{label} {} → {} の比較", c.old.when, c.new.when);
            files.push(listed(
                format!("{dir}changes.json"),
                format!("{what}（JSON）"),
                "JSON",
                &id,
                Some(COMPARE_SCHEMA_FILE),
                text,
            ));
            files.push(listed(
                format!("{dir}changes.csv"),
                format!("{what}の変更（CSV）"),
                "CSV",
                &id,
                Some(DATAPACKAGE),
                tables::write_csv(tables::CHANGE_COLUMNS, rows.iter())?,
            ));
        }
        let first_item = table("items").and_then(|t| t.rows.first().cloned());
        for e in &mut own {
            (e.sections, e.items, e.indicators) = Default::default();
        }
        Ok(SeriesPart {
            files,
            rows,
            editions_json,
            editions: own,
            first_item,
        })
    };
    // The site-wide files are joined from the series' parts, in site order.
    let schemas = table_schemas();
    let mut bodies = schemas
        .iter()
        .map(|t| tables::csv_header(t.columns))
        .collect::<Result<Vec<_>, _>>()?;
    let mut editions_json = Vec::new();
    let mut editions = Vec::new();
    let mut first_item = None;
    let mut series_listing = Vec::new();
    for batch in series.chunks(SERIES_BATCH) {
        let parts = batch
            .par_iter()
            .map(series_part)
            .collect::<Result<Vec<_>, ExportError>>()?;
        let mut files = Vec::new();
        for part in parts {
            for (body, rows) in bodies.iter_mut().zip(part.rows) {
                body.extend(rows);
            }
            editions_json.extend(part.editions_json);
            editions.extend(part.editions);
            first_item = first_item.or(part.first_item);
            for (listed, file) in part.files {
                series_listing.push(listed);
                files.push(file);
            }
        }
        emit(files)?;
    }
    let whole = collection.file(&editions_json);
    drop(editions_json);
    let mut site_wide = vec![listed(
        format!("{DATA_DIR}/kohyo.json"),
        "すべての版（JSON）".into(),
        "JSON",
        "",
        Some(SCHEMA_FILE),
        whole,
    )];
    site_wide.par_extend(schemas.par_iter().zip(bodies).map(|(table, csv)| {
        listed(
            format!("{DATA_DIR}/{}.csv", table.name),
            table.title.to_string(),
            "CSV",
            "",
            Some(DATAPACKAGE),
            csv,
        )
    }));
    site_wide.push(listed(
        SCHEMA_FILE.into(),
        "JSONファイルのスキーマ（JSON Schema 2020-12）".into(),
        "JSON Schema",
        "",
        None,
        SCHEMA.as_bytes().to_vec(),
    ));
    site_wide.push(listed(
        COMPARE_SCHEMA_FILE.into(),
        "比較のJSON（changes.json）のスキーマ（JSON Schema 2020-12）".into(),
        "JSON Schema",
        "",
        None,
        COMPARE_SCHEMA.as_bytes().to_vec(),
    ));
    site_wide.push(listed(
        DATAPACKAGE.into(),
        "CSVの表の定義（Frictionless Data Package）".into(),
        "JSON",
        "",
        None,
        metadata::datapackage(&site.config, &schemas)?,
    ));
    let (mut listing, files): (Vec<DataFile>, Vec<OutputFile>) = site_wide.into_iter().unzip();
    emit(files)?;
    let site_wide_end = listing.len();
    listing.extend(series_listing);
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
    listing.insert(site_wide_end, entry);
    emit(vec![file])?;
    let items = schemas.iter().find(|t| t.name == "items");
    let sample = sample(items, first_item.as_ref());
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

/// The columns of `items` with the values of its `first` row.
fn sample(items: Option<&Table>, first: Option<&Vec<String>>) -> Vec<SampleCell> {
    let Some(t) = items else {
        return Vec::new();
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `kohyo.json` and each edition's JSON, written an edition at a time, are byte for byte
    /// what `serde_json` writes pretty for the whole collection, with or without editions.
    #[test]
    fn collection_written_an_edition_at_a_time_is_serde_json_pretty() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let site = crate::load::load(root).expect("the sample loads");
        let editions = records::editions(&site);
        assert!(editions.len() > 1);
        let license = &site.config.license;
        let pretty = |editions: Vec<&EditionRecord>| {
            let collection = Collection {
                schema: "https://example.jp/s.json".into(),
                format_version: FORMAT_VERSION,
                license,
                editions,
            };
            format!("{}\n", serde_json::to_string_pretty(&collection).unwrap()).into_bytes()
        };
        let writer = CollectionJson::new("https://example.jp/s.json".into(), license).unwrap();
        let pieces: Vec<String> = editions
            .iter()
            .map(|e| CollectionJson::edition(e).unwrap())
            .collect();
        assert_eq!(writer.file(&pieces), pretty(editions.iter().collect()));
        assert_eq!(writer.file(&pieces[..1]), pretty(vec![&editions[0]]));
        assert_eq!(writer.file(&[]), pretty(Vec::new()));
    }
}
