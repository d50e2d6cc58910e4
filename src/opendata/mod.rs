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

use std::path::PathBuf;

use rayon::prelude::*;

use serde::Serialize;

use crate::diff::Comparison;
use crate::layout::OutputFile;
use crate::load::Site;

use self::records::{Collection, EditionRecord, FORMAT_VERSION};
use self::tables::Table;

/// The JSON Schema of the export's JSON files (draft 2020-12).
pub const SCHEMA: &str = include_str!("kohyo-data.schema.json");
/// Where the schema is published, under `data/`.
pub const SCHEMA_PATH: &str = "schema/kohyo-data.schema.json";

/// What the export wrote, for the data page.
#[derive(Debug)]
pub struct Export {
    /// Every file, paths from the site root.
    pub files: Vec<OutputFile>,
    /// The files under `data/` a reader downloads, with descriptions and sizes.
    pub listing: Vec<DataFile>,
    /// The `items` table's columns with the first row's values, as a sample.
    pub sample: Vec<SampleCell>,
}

/// A downloadable file.
#[derive(Debug, Clone, Serialize)]
pub struct DataFile {
    /// Path under `data/`.
    pub path: String,
    /// What it holds, in Japanese.
    pub title: String,
    /// `JSON`, `CSV`, `JSON Schema`, `JSON-LD`.
    pub format: &'static str,
    /// Size in bytes.
    pub bytes: usize,
    /// Size for people: 12.3 KB.
    pub size: String,
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

/// Paths of an edition's own data files under `data/`: JSON, items CSV, texts CSV.
pub fn edition_paths(edition_id: &str) -> [String; 3] {
    [
        format!("{edition_id}.json"),
        format!("{edition_id}.items.csv"),
        format!("{edition_id}.texts.csv"),
    ]
}

/// Produce every data file of the site.
pub fn export(site: &Site, comparisons: &[Comparison]) -> Result<Export, String> {
    let schema_url = format!("{}data/{SCHEMA_PATH}", site.config.base());
    let editions = records::editions(site);
    let mut tables = tables::tables(&editions, comparisons);
    tables.extend(history::tables(site, comparisons));
    let mut files = Vec::new();
    let mut listing = Vec::new();
    let mut add = |path: String, title: String, format: &'static str, contents: Vec<u8>| {
        listing.push(DataFile {
            path: path.clone(),
            title,
            format,
            bytes: contents.len(),
            size: human_size(contents.len()),
        });
        files.push(OutputFile {
            path: PathBuf::from(crate::layout::DATA_DIR).join(path),
            contents,
        });
    };
    let json = |editions: Vec<&EditionRecord>| -> Result<Vec<u8>, String> {
        let collection = Collection {
            schema: schema_url.clone(),
            format_version: FORMAT_VERSION,
            license: &site.config.license,
            editions,
        };
        let mut text = serde_json::to_string_pretty(&collection).map_err(|e| e.to_string())?;
        text.push('\n');
        Ok(text.into_bytes())
    };
    // The site-wide files, each edition's files and each comparison's files are made in
    // parallel, then listed in a fixed order.
    let (whole, (tables_csv, catalog)) = rayon::join(
        || json(editions.iter().collect()),
        || {
            rayon::join(
                || {
                    tables
                        .par_iter()
                        .map(Table::csv)
                        .collect::<Result<Vec<_>, _>>()
                },
                || metadata::catalog(site, &editions, comparisons, &tables),
            )
        },
    );
    add(
        "kohyo.json".into(),
        "すべての版（JSON）".into(),
        "JSON",
        whole?,
    );
    for (table, csv) in tables.iter().zip(tables_csv?) {
        add(
            format!("{}.csv", table.name),
            table.title.to_string(),
            "CSV",
            csv,
        );
    }
    add(
        SCHEMA_PATH.into(),
        "JSONファイルのスキーマ（JSON Schema 2020-12）".into(),
        "JSON Schema",
        SCHEMA.as_bytes().to_vec(),
    );
    add(
        "datapackage.json".into(),
        "CSVの表の定義（Frictionless Data Package）".into(),
        "JSON",
        metadata::datapackage(&site.config, &tables)?,
    );
    add(
        "catalog.jsonld".into(),
        "データカタログ（DCAT、JSON-LD）".into(),
        "JSON-LD",
        catalog?,
    );
    let by_name = |name: &str| tables.iter().find(|t| t.name == name);
    let per_edition: Vec<_> = [("items", "項目"), ("texts", "記載内容")]
        .into_iter()
        .filter_map(|(name, what)| by_name(name).map(|t| (t, what, t.rows_by("edition_id"))))
        .collect();
    let edition_files = editions
        .par_iter()
        .map(|e| -> Result<Vec<Listed>, String> {
            let [json_path, items_path, texts_path] = edition_paths(&e.id);
            let label = if e.series.title.contains(&e.municipality.name) {
                format!("{} {}", e.series.title, e.when)
            } else {
                format!("{} {} {}", e.municipality.name, e.series.title, e.when)
            };
            let mut out = vec![(
                json_path,
                format!("{label}（JSON）"),
                "JSON",
                json(vec![e])?,
            )];
            for (path, (table, what, groups)) in
                [items_path, texts_path].into_iter().zip(&per_edition)
            {
                let rows = groups.get(e.id.as_str()).into_iter().flatten().copied();
                out.push((
                    path,
                    format!("{label}の{what}（CSV）"),
                    "CSV",
                    tables::write_csv(table.columns, rows)?,
                ));
            }
            Ok(out)
        })
        .collect::<Result<Vec<_>, String>>()?;
    for (path, title, format, contents) in edition_files.into_iter().flatten() {
        add(path, title, format, contents);
    }
    let change_files = comparisons
        .par_iter()
        .map(|c| -> Result<[OutputFile; 2], String> {
            let dir = c.path();
            let mut text = serde_json::to_string_pretty(c).map_err(|e| format!("{dir}: {e}"))?;
            text.push('\n');
            let rows = tables::change_rows(std::slice::from_ref(c));
            Ok([
                OutputFile {
                    path: PathBuf::from(format!("{dir}changes.json")),
                    contents: text.into_bytes(),
                },
                OutputFile {
                    path: PathBuf::from(format!("{dir}changes.csv")),
                    contents: tables::write_csv(tables::CHANGE_COLUMNS, rows.iter())?,
                },
            ])
        })
        .collect::<Result<Vec<_>, String>>()?;
    files.extend(change_files.into_iter().flatten());
    let sample = sample(by_name("items"));
    Ok(Export {
        files,
        listing,
        sample,
    })
}

/// A file for the data page's list: path under `data/`, title, format and contents.
type Listed = (String, String, &'static str, Vec<u8>);

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
