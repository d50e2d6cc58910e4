//! Descriptions of the export for data tools and portals: a Frictionless Data Package for the
//! CSV tables, a DCAT catalogue in JSON-LD, and schema.org `Dataset` JSON-LD for the data page.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::records::EditionRecord;
use super::tables::Table;
use crate::config::Config;
use crate::diff::Comparison;
use crate::load::Site;

fn pretty(value: &Value) -> Result<Vec<u8>, String> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// `datapackage.json`: every CSV table as a tabular resource with its Table Schema.
pub fn datapackage(config: &Config, tables: &[Table]) -> Result<Vec<u8>, String> {
    let resources: Vec<Value> = tables
        .iter()
        .map(|t| {
            let fields: Vec<Value> = t
                .columns
                .iter()
                .map(|c| json!({"name": c.name, "type": c.kind.name(), "title": c.title}))
                .collect();
            let foreign: Vec<Value> = t
                .foreign_keys
                .iter()
                .map(|(field, table, target)| {
                    let resource = if *table == t.name { "" } else { table };
                    json!({"fields": field, "reference": {"resource": resource, "fields": target}})
                })
                .collect();
            json!({
                "name": t.name,
                "path": format!("{}.csv", t.name),
                "title": t.title,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "header": true},
                "schema": {
                    "fields": fields,
                    "missingValues": [""],
                    "primaryKey": t.primary_key,
                    "foreignKeys": foreign,
                },
            })
        })
        .collect();
    pretty(&json!({
        "profile": "tabular-data-package",
        "name": "kohyo",
        "title": config.title,
        "description": config.description,
        "licenses": [license(config)],
        "resources": resources,
    }))
}

fn license(config: &Config) -> Value {
    json!({"name": "PDL-1.0", "title": config.license.name, "path": config.license.url})
}

/// `catalog.jsonld`: a DCAT catalogue with one dataset per series (its editions' JSON and CSV,
/// its compare pages' data) and one for the whole export (the JSON, every table's CSV and the
/// Data Package).
pub fn catalog(
    site: &Site,
    editions: &[EditionRecord],
    comparisons: &[Comparison],
    tables: &[Table],
) -> Result<Vec<u8>, String> {
    let config = &site.config;
    let base = config.base();
    let data = format!("{base}data/");
    let license = json!({"@id": config.license.url});
    let distribution = |title: String, url: String, media: &str| {
        json!({
            "@type": "dcat:Distribution",
            "dct:title": title,
            "dcat:downloadURL": {"@id": url},
            "dcat:mediaType": media,
            "dct:license": license,
        })
    };
    let mut editions_of: HashMap<&str, Vec<&EditionRecord>> = HashMap::new();
    for e in editions {
        editions_of.entry(e.series.id.as_str()).or_default().push(e);
    }
    let compares_of = crate::diff::by_series(comparisons);
    let mut datasets = Vec::new();
    for m in &site.municipalities {
        for s in &m.series {
            let id = format!("{}/{}", m.slug, s.slug);
            let mut dists = Vec::new();
            for e in editions_of.get(id.as_str()).into_iter().flatten() {
                let [json_path, items_path, texts_path] = super::edition_paths(&e.id);
                dists.push(distribution(
                    format!("{} JSON", e.when),
                    format!("{data}{json_path}"),
                    "application/json",
                ));
                dists.push(distribution(
                    format!("{} 項目 CSV", e.when),
                    format!("{data}{items_path}"),
                    "text/csv",
                ));
                dists.push(distribution(
                    format!("{} 記載内容 CSV", e.when),
                    format!("{data}{texts_path}"),
                    "text/csv",
                ));
            }
            for c in compares_of.get(id.as_str()).into_iter().flatten() {
                let dir = format!("{base}{}", c.path());
                let title = format!("{} → {} の比較", c.old.when, c.new.when);
                dists.push(distribution(
                    format!("{title} JSON"),
                    format!("{dir}changes.json"),
                    "application/json",
                ));
                dists.push(distribution(
                    format!("{title} CSV"),
                    format!("{dir}changes.csv"),
                    "text/csv",
                ));
            }
            datasets.push(json!({
                "@type": "dcat:Dataset",
                "dct:identifier": id,
                "dct:title": format!("{} {}", m.name, s.title),
                "dct:publisher": {"@type": "foaf:Organization", "foaf:name": m.name},
                "dct:spatial": {"@id": format!("https://www.soumu.go.jp/denshijiti/code.html#{}", m.code.get_ref())},
                "dct:language": "ja",
                "dct:license": license,
                "dcat:landingPage": {"@id": format!("{base}{id}/")},
                "dcat:distribution": dists,
            }));
        }
    }
    let mut whole = vec![distribution(
        "すべての版 JSON".into(),
        format!("{data}kohyo.json"),
        "application/json",
    )];
    for t in tables {
        whole.push(distribution(
            format!("{} CSV", t.title),
            format!("{data}{}.csv", t.name),
            "text/csv",
        ));
    }
    whole.push(distribution(
        "Data Package".into(),
        format!("{data}datapackage.json"),
        "application/json",
    ));
    datasets.push(json!({
        "@type": "dcat:Dataset",
        "dct:identifier": "kohyo",
        "dct:title": config.title,
        "dct:description": config.description,
        "dct:language": "ja",
        "dct:license": license,
        "dcat:landingPage": {"@id": format!("{data}")},
        "dcat:distribution": whole,
    }));
    pretty(&json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
        },
        "@id": format!("{data}catalog.jsonld"),
        "@type": "dcat:Catalog",
        "dct:title": config.title,
        "dct:description": config.description,
        "dct:language": "ja",
        "dct:license": license,
        "dcat:dataset": datasets,
    }))
}

/// schema.org `Dataset` JSON-LD for the data page, safe to place inside a `<script>` element.
pub fn dataset_jsonld(config: &Config, listing: &[super::DataFile]) -> String {
    let data = format!("{}data/", config.base());
    let downloads: Vec<Value> = listing
        .iter()
        .filter(|f| !f.path.contains('/'))
        .map(|f| {
            json!({
                "@type": "DataDownload",
                "name": f.title,
                "contentUrl": format!("{data}{}", f.path),
                "encodingFormat": match f.format { "CSV" => "text/csv", "JSON-LD" => "application/ld+json", _ => "application/json" },
                "contentSize": format!("{} B", f.bytes),
            })
        })
        .collect();
    let value = json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": config.title,
        "description": config.description,
        "inLanguage": "ja",
        "license": config.license.url,
        "url": data,
        "distribution": downloads,
    });
    script_json(&value)
}

/// JSON to place inside a `<script type="application/ld+json">` element: `<` is written as
/// `\u003c`, so it cannot close the element whatever the content holds.
pub fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}
