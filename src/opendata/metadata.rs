//! Descriptions of the export for data tools and portals: a Frictionless Data Package for the
//! CSV tables, a DCAT-AP 3 catalogue in JSON-LD, and schema.org `Dataset` JSON-LD for the data
//! page.

use std::collections::HashMap;

use serde_json::{Value, json};

use serde::Serialize;

use super::records::EditionRecord;
use super::tables::Table;
use super::{DataFile, ExportError};
use crate::config::Config;
use crate::layout::DATA_DIR;
use crate::load::Site;

fn pretty(value: &Value) -> Result<Vec<u8>, ExportError> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// `datapackage.json`: every CSV table as a tabular resource with its Table Schema.
pub fn datapackage(config: &Config, tables: &[Table]) -> Result<Vec<u8>, ExportError> {
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

/// IANA's page of a media type: the IRI DCAT-AP asks for `dcat:mediaType`.
fn media_type(format: &str) -> &'static str {
    match format {
        "CSV" => "https://www.iana.org/assignments/media-types/text/csv",
        "JSON-LD" => "https://www.iana.org/assignments/media-types/application/ld+json",
        "HTML" => "https://www.iana.org/assignments/media-types/text/html",
        _ => "https://www.iana.org/assignments/media-types/application/json",
    }
}

/// The EU file-type authority's IRI of a format, for `dct:format`.
fn file_type(format: &str) -> &'static str {
    match format {
        "CSV" => "http://publications.europa.eu/resource/authority/file-type/CSV",
        "JSON-LD" => "http://publications.europa.eu/resource/authority/file-type/JSON_LD",
        "HTML" => "http://publications.europa.eu/resource/authority/file-type/HTML",
        _ => "http://publications.europa.eu/resource/authority/file-type/JSON",
    }
}

/// The area a 全国地方公共団体コード names, as the national statistics' linked data gives it
/// (the five digits without the check digit), the form the IMI 共通語彙基盤 uses for
/// 市区町村コード.
pub fn area_iri(code: &str) -> String {
    let digits: String = code.chars().take(5).collect();
    format!("http://data.e-stat.go.jp/lod/sac/C{digits}")
}

/// The EU language authority's Japanese.
const JAPANESE: &str = "http://publications.europa.eu/resource/authority/language/JPN";
/// The EU data theme 政府・公共部門 (Government and public sector).
const THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/GOVE";
/// The EU data theme vocabulary.
const THEMES: &str = "http://publications.europa.eu/resource/authority/data-theme";
/// Files stay where they are published (DCAT-AP's planned availability).
const STABLE: &str = "http://publications.europa.eu/resource/authority/planned-availability/STABLE";

/// Prefixes and the types of the values, so the catalogue's values stay plain strings.
fn context() -> Value {
    let iri = json!({"@type": "@id"});
    let mut context = json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "dcatap": "http://data.europa.eu/r5r/",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "spdx": "http://spdx.org/rdf/terms#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
        "@language": "ja",
        "dct:identifier": {"@language": null},
        "spdx:checksumValue": {"@type": "xsd:hexBinary"},
        "dcat:byteSize": {"@type": "xsd:nonNegativeInteger"},
        "dcat:startDate": {"@type": "xsd:date"},
        "dcat:endDate": {"@type": "xsd:date"},
        "dct:issued": {"@type": "xsd:gYearMonth"},
        "dct:modified": {"@type": "xsd:gYearMonth"},
    });
    for term in [
        "dcat:accessURL",
        "dcat:downloadURL",
        "dcat:mediaType",
        "dct:format",
        "dct:license",
        "dcatap:availability",
        "dct:conformsTo",
        "dcat:landingPage",
        "foaf:homepage",
        "dct:language",
        "dct:spatial",
        "dcat:theme",
        "dcat:themeTaxonomy",
        "dct:type",
        "dct:hasPart",
        "dct:isPartOf",
        "spdx:algorithm",
        "vcard:hasEmail",
        "vcard:hasURL",
    ] {
        context[term] = iri.clone();
    }
    context
}

/// A distribution of the catalogue: one published file.
#[derive(Serialize)]
struct Distribution<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "dct:title")]
    title: &'a str,
    #[serde(rename = "dct:description")]
    description: String,
    #[serde(rename = "dcat:accessURL")]
    access_url: &'a str,
    #[serde(rename = "dcat:downloadURL", skip_serializing_if = "Option::is_none")]
    download_url: Option<String>,
    #[serde(rename = "dcat:mediaType")]
    media_type: &'static str,
    #[serde(rename = "dct:format")]
    format: &'static str,
    #[serde(rename = "dct:license")]
    license: &'a str,
    #[serde(rename = "dcatap:availability")]
    availability: &'static str,
    #[serde(rename = "dct:conformsTo", skip_serializing_if = "Option::is_none")]
    conforms_to: Option<String>,
    #[serde(rename = "dcat:byteSize", skip_serializing_if = "Option::is_none")]
    byte_size: Option<String>,
    #[serde(rename = "spdx:checksum", skip_serializing_if = "Option::is_none")]
    checksum: Option<Checksum<'a>>,
}

/// `spdx:checksum`: the SHA-256 of a file.
#[derive(Serialize)]
struct Checksum<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "spdx:algorithm")]
    algorithm: &'static str,
    #[serde(rename = "spdx:checksumValue")]
    value: &'a str,
}

/// A dataset of the catalogue: a series, a municipality or the whole site.
#[derive(Serialize)]
struct Dataset<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "dct:identifier")]
    identifier: String,
    #[serde(rename = "dct:title")]
    title: String,
    #[serde(rename = "dct:description")]
    description: String,
    #[serde(rename = "dct:publisher")]
    publisher: Value,
    #[serde(rename = "dcat:contactPoint")]
    contact_point: &'a Value,
    #[serde(rename = "dct:spatial")]
    spatial: Vec<String>,
    #[serde(rename = "dct:temporal", skip_serializing_if = "Option::is_none")]
    temporal: Option<Value>,
    #[serde(rename = "dct:issued", skip_serializing_if = "Option::is_none")]
    issued: Option<String>,
    #[serde(rename = "dct:modified", skip_serializing_if = "Option::is_none")]
    modified: Option<String>,
    #[serde(rename = "dcat:keyword")]
    keywords: Vec<String>,
    #[serde(rename = "dcat:theme")]
    theme: &'static str,
    #[serde(rename = "dct:language")]
    language: &'static str,
    #[serde(rename = "dct:license")]
    license: &'a str,
    #[serde(rename = "dcat:landingPage")]
    landing_page: String,
    #[serde(rename = "dct:isPartOf", skip_serializing_if = "Option::is_none")]
    is_part_of: Option<String>,
    #[serde(rename = "dct:hasPart", skip_serializing_if = "Vec::is_empty")]
    has_part: Vec<String>,
    #[serde(rename = "dcat:distribution")]
    distributions: Vec<Distribution<'a>>,
}

/// `dct:temporal` of fiscal years: 1 April of the first to 31 March after the last.
fn temporal(years: impl Iterator<Item = i32>) -> Option<Value> {
    let (mut first, mut last) = (None::<i32>, None::<i32>);
    for y in years {
        first = Some(first.map_or(y, |f| f.min(y)));
        last = Some(last.map_or(y, |l| l.max(y)));
    }
    let (first, last) = (first?, last?);
    Some(json!({
        "@type": "dct:PeriodOfTime",
        "dcat:startDate": format!("{first:04}-04-01"),
        "dcat:endDate": format!("{:04}-03-31", last + 1),
    }))
}

/// Every fiscal year an edition speaks of: its own and its plan period's.
fn edition_years(e: &EditionRecord) -> impl Iterator<Item = i32> + '_ {
    e.fiscal_year
        .into_iter()
        .chain(e.period.iter().flat_map(|p| [p.from, p.to]))
}

/// The first and the last month of publication.
fn published_range<'e>(
    editions: impl Iterator<Item = &'e EditionRecord>,
) -> (Option<String>, Option<String>) {
    let months: Vec<&String> = editions.filter_map(|e| e.published.as_ref()).collect();
    (
        months.iter().min().map(|m| m.to_string()),
        months.iter().max().map(|m| m.to_string()),
    )
}

/// Who publishes the site's data: `[contact] name`, else the accessibility statement's
/// organisation, else the site title.
pub fn site_publisher_name(config: &Config) -> &str {
    config
        .contact
        .name
        .as_deref()
        .or(config.accessibility.organisation.as_deref())
        .unwrap_or(&config.title)
}

/// The site's description, or a sentence made from the title.
fn site_description(config: &Config) -> String {
    config.description.clone().unwrap_or_else(|| {
        format!(
            "{}に掲載している自治体の計画・重点目標の公開データです。",
            config.title
        )
    })
}

/// The distribution of one published file: downloaded from its own URL, listed on `access`.
fn file_distribution<'a>(
    f: &'a DataFile,
    access: &'a str,
    license: &'a str,
    base: &str,
    catalog_iri: &str,
) -> Distribution<'a> {
    Distribution {
        id: format!("{catalog_iri}#{}", f.path),
        kind: "dcat:Distribution",
        title: &f.title,
        description: format!("{}（{}、{}）", f.title, f.name, f.size),
        access_url: access,
        download_url: Some(format!("{base}{}", f.path)),
        media_type: media_type(f.format),
        format: file_type(f.format),
        license,
        availability: STABLE,
        conforms_to: f.conforms_to.map(|c| format!("{base}{c}")),
        byte_size: Some(f.bytes.to_string()),
        checksum: Some(Checksum {
            kind: "spdx:Checksum",
            algorithm: "http://spdx.org/rdf/terms#checksumAlgorithm_sha256",
            value: &f.sha256,
        }),
    }
}

/// `catalog.jsonld`: a DCAT-AP 3 catalogue of one dataset per series (its CSV tables, its
/// editions' JSON, its compare pages' data), one per municipality (its data page, its series
/// as parts) and one for the whole site (the JSON with everything, every table, the schemas
/// and the Data Package). Every dataset, distribution and agent has an IRI in the catalogue;
/// every file's size and SHA-256 come from `listing`.
pub fn catalog(
    site: &Site,
    editions: &[EditionRecord],
    listing: &[DataFile],
) -> Result<Vec<u8>, ExportError> {
    let config = &site.config;
    let base = config.base();
    let data = format!("{base}{DATA_DIR}/");
    let catalog_iri = format!("{data}{}", super::CATALOG);
    let license = config.license.url.as_str();
    let mut contact = json!({
        "@id": format!("{catalog_iri}#contact"),
        "@type": "vcard:Organization",
        "vcard:fn": site_publisher_name(config),
    });
    if let Some(email) = &config.contact.email {
        contact["vcard:hasEmail"] = json!(format!("mailto:{email}"));
    }
    if let Some(url) = &config.contact.url {
        contact["vcard:hasURL"] = json!(absolute(&base, url));
    }
    let site_publisher = json!({
        "@id": format!("{catalog_iri}#publisher"),
        "@type": "foaf:Agent",
        "foaf:name": site_publisher_name(config),
    });
    let municipality_publisher = |m: &crate::model::Municipality| {
        json!({
            "@id": format!("{catalog_iri}#publisher-{}", m.slug),
            "@type": "foaf:Agent",
            "foaf:name": m.name,
            "dct:identifier": m.code.get_ref(),
            "dct:type": "http://purl.org/adms/publishertype/LocalAuthority",
        })
    };
    let distribution = |f, access| file_distribution(f, access, license, &base, &catalog_iri);
    let mut files_of: HashMap<&str, Vec<&DataFile>> = HashMap::new();
    for f in listing {
        files_of.entry(f.series.as_str()).or_default().push(f);
    }
    let mut editions_of: HashMap<&str, Vec<&EditionRecord>> = HashMap::new();
    for e in editions {
        editions_of.entry(e.series.id.as_str()).or_default().push(e);
    }
    let dataset_iri = |identifier: &str| format!("{catalog_iri}#dataset-{identifier}");
    let site_identifier = "kohyo";
    let mut datasets = Vec::new();
    let mut access_pages = Vec::new();
    for m in &site.municipalities {
        access_pages.push((
            format!("{data}{}/", m.slug),
            format!("{}のデータ（ファイルの一覧）", m.name),
        ));
    }
    for (m, (page, page_title)) in site.municipalities.iter().zip(&access_pages) {
        let publisher = municipality_publisher(m);
        let spatial = vec![area_iri(m.code.get_ref())];
        let municipality_id = format!("{site_identifier}-{}", m.slug);
        let mut parts = Vec::new();
        for s in &m.series {
            let id = format!("{}/{}", m.slug, s.slug);
            let identifier = format!("{site_identifier}-{}-{}", m.slug, s.slug);
            let own = editions_of
                .get(id.as_str())
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            let shared_title = m
                .series
                .iter()
                .filter(|other| other.title == s.title)
                .count()
                > 1;
            let mut title = match s.title.contains(&m.name) {
                true => s.title.clone(),
                false => format!("{} {}", m.name, s.title),
            };
            if shared_title {
                let department = s
                    .department
                    .as_deref()
                    .or(own.last().and_then(|e| e.department.as_deref()));
                title = format!("{title}（{}）", department.unwrap_or(&s.slug));
            }
            let whens: Vec<&str> = own.iter().map(|e| e.when.as_str()).collect();
            let description = s.description.clone().unwrap_or_else(|| {
                format!(
                    "{}が公表した「{}」の各版（{}）の項目・指標・記載内容と、版どうしの比較です。",
                    m.name,
                    s.title,
                    whens.join("、")
                )
            });
            let (issued, modified) = published_range(own.iter().copied());
            let mut keywords = vec![m.name.clone(), m.prefecture.clone(), s.title.clone()];
            keywords.extend(s.department.clone());
            keywords.extend(["計画".to_string(), "重点目標".to_string()]);
            keywords.dedup();
            datasets.push(Dataset {
                id: dataset_iri(&identifier),
                kind: "dcat:Dataset",
                identifier: identifier.clone(),
                title,
                description,
                publisher: publisher.clone(),
                contact_point: &contact,
                spatial: spatial.clone(),
                temporal: temporal(own.iter().flat_map(|e| edition_years(e))),
                issued,
                modified,
                keywords,
                theme: THEME,
                language: JAPANESE,
                license,
                landing_page: format!("{base}{id}/"),
                is_part_of: Some(dataset_iri(&municipality_id)),
                has_part: Vec::new(),
                distributions: files_of
                    .get(id.as_str())
                    .into_iter()
                    .flatten()
                    .map(|f| distribution(f, page))
                    .collect(),
            });
            parts.push(dataset_iri(&identifier));
        }
        let own: Vec<&EditionRecord> = m
            .series
            .iter()
            .flat_map(|s| {
                editions_of
                    .get(format!("{}/{}", m.slug, s.slug).as_str())
                    .into_iter()
                    .flatten()
                    .copied()
            })
            .collect();
        let (issued, modified) = published_range(own.iter().copied());
        let titles: Vec<&str> = m.series.iter().map(|s| s.title.as_str()).collect();
        datasets.push(Dataset {
            id: dataset_iri(&municipality_id),
            kind: "dcat:Dataset",
            identifier: municipality_id,
            title: format!("{}の計画・重点目標", m.name),
            description: format!(
                "{}（{}）が公表した計画・重点目標（{}）の公開データです。シリーズごとのデータセットを部分として含みます。",
                m.name,
                m.prefecture,
                titles.join("、")
            ),
            publisher,
            contact_point: &contact,
            spatial,
            temporal: temporal(own.iter().flat_map(|e| edition_years(e))),
            issued,
            modified,
            keywords: vec![
                m.name.clone(),
                m.prefecture.clone(),
                "計画".into(),
                "重点目標".into(),
            ],
            theme: THEME,
            language: JAPANESE,
            license,
            landing_page: format!("{base}{}/", m.slug),
            is_part_of: None,
            has_part: parts,
            distributions: vec![Distribution {
                id: format!("{catalog_iri}#{DATA_DIR}/{}/", m.slug),
                kind: "dcat:Distribution",
                title: page_title,
                description: format!(
                    "{}の各シリーズのCSV、各版のJSON、比較のデータを一覧するページです。",
                    m.name
                ),
                access_url: page,
                download_url: None,
                media_type: media_type("HTML"),
                format: file_type("HTML"),
                license,
                availability: STABLE,
                conforms_to: None,
                byte_size: None,
                checksum: None,
            }],
        });
    }
    let (issued, modified) = published_range(editions.iter());
    let spatial: Vec<String> = site
        .municipalities
        .iter()
        .map(|m| area_iri(m.code.get_ref()))
        .collect();
    let mut keywords = vec![
        "計画".to_string(),
        "重点目標".to_string(),
        "行政評価".to_string(),
    ];
    keywords.extend(site.municipalities.iter().map(|m| m.name.clone()));
    datasets.push(Dataset {
        id: dataset_iri(site_identifier),
        kind: "dcat:Dataset",
        identifier: site_identifier.to_string(),
        title: config.title.clone(),
        description: site_description(config),
        publisher: site_publisher.clone(),
        contact_point: &contact,
        spatial: spatial.clone(),
        temporal: temporal(editions.iter().flat_map(edition_years)),
        issued: issued.clone(),
        modified: modified.clone(),
        keywords,
        theme: THEME,
        language: JAPANESE,
        license,
        landing_page: data.clone(),
        is_part_of: None,
        has_part: Vec::new(),
        distributions: files_of
            .get("")
            .into_iter()
            .flatten()
            .map(|f| distribution(f, &data))
            .collect(),
    });
    let catalog = json!({
        "@context": context(),
        "@id": catalog_iri,
        "@type": "dcat:Catalog",
        "dct:title": config.title,
        "dct:description": site_description(config),
        "dct:publisher": site_publisher,
        "foaf:homepage": base,
        "dct:language": JAPANESE,
        "dct:license": license,
        "dct:spatial": spatial,
        "dcat:themeTaxonomy": THEMES,
        "dct:issued": issued,
        "dct:modified": modified,
    });
    let mut head = catalog;
    if let Value::Object(fields) = &mut head {
        fields.retain(|_, v| !v.is_null());
    }
    #[derive(Serialize)]
    struct Catalog<'a> {
        #[serde(flatten)]
        head: Value,
        #[serde(rename = "dcat:dataset")]
        datasets: Vec<Dataset<'a>>,
    }
    let mut bytes = serde_json::to_vec_pretty(&Catalog { head, datasets })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// A link from `kohyo.toml`: a path is taken below the base URL (`/accessibility/` is the
/// site's own page), anything else as written.
fn absolute(base: &str, url: &str) -> String {
    match url.strip_prefix('/') {
        Some(path) if !path.starts_with('/') => format!("{base}{path}"),
        _ => url.to_string(),
    }
}

/// schema.org `Dataset` JSON-LD for the data page, safe to place inside a `<script>` element:
/// name, a description of at least 50 characters, licence, creator and publisher, keywords,
/// the fiscal years covered, the municipalities, and every site-wide file as a `DataDownload`.
pub fn dataset_jsonld(site: &Site, editions: &[EditionRecord], listing: &[DataFile]) -> String {
    let config = &site.config;
    let base = config.base();
    let data = format!("{base}{DATA_DIR}/");
    let downloads: Vec<Value> = listing
        .iter()
        .filter(|f| f.series.is_empty())
        .map(|f| {
            json!({
                "@type": "DataDownload",
                "name": f.title,
                "contentUrl": format!("{base}{}", f.path),
                "encodingFormat": match f.format { "CSV" => "text/csv", "JSON-LD" => "application/ld+json", _ => "application/json" },
                "contentSize": format!("{} B", f.bytes),
            })
        })
        .collect();
    let names: Vec<&str> = site
        .municipalities
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    let description = format!(
        "{} {}の計画・重点目標の各版を、項目・指標・記載内容・版どうしの比較に分けたJSONとCSVで公開しています。",
        site_description(config),
        names.join("・")
    );
    let creator = json!({"@type": "Organization", "name": site_publisher_name(config)});
    let years: Vec<i32> = editions.iter().flat_map(edition_years).collect();
    let coverage = match (years.iter().min(), years.iter().max()) {
        (Some(first), Some(last)) => json!(format!("{first:04}-04-01/{:04}-03-31", last + 1)),
        _ => Value::Null,
    };
    let places: Vec<Value> = site
        .municipalities
        .iter()
        .map(|m| {
            json!({
                "@type": "Place",
                "name": format!("{}{}", m.prefecture, m.name),
                "identifier": m.code.get_ref(),
                "sameAs": area_iri(m.code.get_ref()),
            })
        })
        .collect();
    let mut keywords = vec!["計画", "重点目標", "行政評価", "オープンデータ"];
    keywords.extend(&names);
    let mut value = json!({
        "@context": "https://schema.org",
        "@type": "Dataset",
        "name": config.title,
        "description": description,
        "inLanguage": "ja",
        "license": config.license.url,
        "isAccessibleForFree": true,
        "creator": creator,
        "publisher": creator,
        "keywords": keywords,
        "spatialCoverage": places,
        "url": data,
        "distribution": downloads,
    });
    if !coverage.is_null() {
        value["temporalCoverage"] = coverage;
    }
    script_json(&value)
}

/// JSON to place inside a `<script type="application/ld+json">` element: `<` is written as
/// `\u003c`, so it cannot close the element whatever the content holds.
pub fn script_json(value: &Value) -> String {
    serde_json::to_string(value)
        .unwrap_or_default()
        .replace('<', "\\u003c")
}
