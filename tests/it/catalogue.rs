//! The export as data portals harvest it: the DCAT-AP 3 catalogue read as RDF by rdflib and
//! checked by pyshacl with the shapes of `tests/dcat-ap-3-shapes.ttl`, the Data Package by
//! `frictionless validate`, every URL inside the data resolving to a built file under an
//! absolute and a sub-path base URL, the data pages (the site's and each municipality's) and
//! the schema.org `Dataset` search engines read.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{build_with_base, built_sample, json_ld, kohyo, page, sample_root, stderr};

/// A tool of the virtualenv `scripts/test.sh` installs under `target/pyenv`.
fn python_tool(name: &str) -> PathBuf {
    let path = sample_root().join("target/pyenv/bin").join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/test.sh, which installs tests/py/requirements.txt",
        path.display()
    );
    path
}

/// `tests/py/check_catalog.py` on a built catalogue, published at `base_iri`.
fn check_catalog(catalog: &Path, base_iri: &str) -> Value {
    let out = Command::new(python_tool("python"))
        .arg("tests/py/check_catalog.py")
        .arg(catalog)
        .arg(base_iri)
        .current_dir(sample_root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check_catalog.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
}

#[test]
fn the_catalogue_meets_the_dcat_ap_3_shapes() {
    let report = check_catalog(
        &built_sample().join("data/catalog.jsonld"),
        "https://example.org/data/catalog.jsonld",
    );
    assert_eq!(report["violations"], 0, "{:#}", report["results"]);
    // The only recommended property missing: 川西市's editions give no year at all, so its
    // datasets have no temporal coverage.
    let warnings: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    for w in &warnings {
        assert!(
            w.starts_with(
                "Warning: https://example.org/data/catalog.jsonld#dataset-kohyo-kawanishi"
            ) && w.contains("http://purl.org/dc/terms/temporal"),
            "{w}"
        );
    }
    assert_eq!(report["catalogues"], 1);
    let datasets = report["datasets"].as_array().unwrap();
    assert_eq!(datasets.len(), 8);
    let identifiers: BTreeSet<&str> = datasets
        .iter()
        .map(|d| d["identifier"].as_str().unwrap())
        .collect();
    assert_eq!(
        identifiers,
        BTreeSet::from([
            "kohyo",
            "kohyo-ichinoseki",
            "kohyo-ichinoseki-kyodo-suishin",
            "kohyo-kawanishi",
            "kohyo-kawanishi-sankaku-kyodo",
            "kohyo-ueda",
            "kohyo-ueda-seisaku-kikaku",
            "kohyo-ueda-shimin-machizukuri",
        ]),
        "ASCII names a harvester can use"
    );
    let titles: BTreeSet<&str> = datasets
        .iter()
        .map(|d| d["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles.len(),
        datasets.len(),
        "no two datasets share a title"
    );
    assert!(titles.contains("上田市 重点目標一覧表（政策企画部）"));

    // The catalogue names every file of the export but itself once: the site-wide files, each
    // series' two tables and editions' JSON, each compare page's two files, and a data page per
    // municipality.
    let data = built_sample().join("data");
    let site_wide = ["kohyo.json", "datapackage.json"].len()
        + ["kohyo-data", "kohyo-compare"].len()
        + fs::read_dir(&data)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "csv")
            })
            .count();
    assert_eq!(
        site_wide, 17,
        "eleven tables and goal_history, indicator_series"
    );
    assert_eq!(report["distributions"], site_wide + 4 * 2 + 8 + 4 * 2 + 3);

    // The facts portals show, as RDF.
    let iris: BTreeSet<&str> = report["iris"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    for iri in [
        "http://data.e-stat.go.jp/lod/sac/C20203",
        "http://data.e-stat.go.jp/lod/sac/C28217",
        "http://data.e-stat.go.jp/lod/sac/C03209",
        "http://publications.europa.eu/resource/authority/language/JPN",
        "http://publications.europa.eu/resource/authority/data-theme/GOVE",
        "https://www.iana.org/assignments/media-types/text/csv",
        "http://spdx.org/rdf/terms#checksumAlgorithm_sha256",
        "https://example.org/data/schema/kohyo-data.schema.json",
        "https://example.org/data/datapackage.json",
        "http://www.w3.org/2006/vcard/ns#Organization",
    ] {
        assert!(iris.contains(iri), "{iri}");
    }
    assert!(
        iris.iter().all(|i| !i.starts_with("file:")),
        "no IRI resolved against a local file"
    );

    // The shapes do catch a catalogue portals would refuse: a distribution without an access
    // URL, a media type given as text, a dataset as a blank node.
    let broken = tempfile::tempdir().unwrap();
    let mut doc = read_json(&data.join("catalog.jsonld"));
    let dataset = &mut doc["dcat:dataset"][0];
    dataset.as_object_mut().unwrap().remove("@id");
    let dist = &mut dataset["dcat:distribution"][0];
    dist.as_object_mut().unwrap().remove("dcat:accessURL");
    dist["dcat:mediaType"] = serde_json::json!({"@value": "text/csv"});
    let path = broken.path().join("catalog.jsonld");
    fs::write(&path, doc.to_string()).unwrap();
    let report = check_catalog(&path, "https://example.org/data/catalog.jsonld");
    // (the media type twice: not an IRI, not IANA's)
    assert_eq!(report["violations"], 4, "{:#}", report["results"]);
    let results = report["results"].to_string();
    for path in ["dcat#accessURL", "dcat#mediaType"] {
        assert!(results.contains(path), "{path}: {results}");
    }
}

#[test]
fn frictionless_validates_the_data_package() {
    let out = Command::new(python_tool("frictionless"))
        .args(["validate", "--json", "datapackage.json"])
        .current_dir(built_sample().join("data"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert!(out.status.success(), "{report:#}");
    assert_eq!(report["valid"], true);
    let tasks = report["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 13, "every table");
    for task in tasks {
        assert_eq!(task["valid"], true, "{task:#}");
        assert!(task["stats"]["rows"].as_u64().unwrap() > 0, "{task:#}");
    }
}

/// Every string of a JSON document that is a URL (absolute, or a path from the site's root).
fn urls(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) if s.starts_with("http") || s.starts_with('/') => out.push(s.clone()),
        Value::Array(list) => list.iter().for_each(|v| urls(v, out)),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| *k != "@context")
            .for_each(|(_, v)| urls(v, out)),
        _ => {}
    }
}

/// The hosts the data may link outside the site: the licence, the vocabularies DCAT-AP asks
/// for, the national statistics' area codes, JSON Schema's meta-schema, schema.org, and the
/// RDF vocabularies the catalogue's properties and classes are terms of.
const OUTSIDE: [&str; 12] = [
    "http://www.w3.org/",
    "http://purl.org/dc/terms/",
    "http://xmlns.com/foaf/0.1/",
    "http://data.europa.eu/r5r/",
    "https://json-schema.org/draft/2020-12/schema",
    "https://www.digital.go.jp/",
    "http://publications.europa.eu/resource/authority/",
    "https://www.iana.org/assignments/media-types/",
    "http://data.e-stat.go.jp/lod/sac/C",
    "http://purl.org/adms/publishertype/",
    "http://spdx.org/rdf/terms#",
    "https://schema.org",
];

/// Build with `base`, then resolve every URL of every JSON file under `data/`, of every
/// `changes.json`, of the catalogue read as RDF and of the data page's JSON-LD: each one below
/// `base` names a built file, each other one is a known vocabulary or the licence.
fn every_url_resolves(base: &str) {
    let site = build_with_base(base);
    let public = site.path().join("public");
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&public) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        let inside_data = entry.path().starts_with(public.join("data"));
        if (inside_data && (name.ends_with(".json") || name.ends_with(".jsonld")))
            || name == "changes.json"
        {
            urls(&read_json(entry.path()), &mut found);
        }
    }
    let report = check_catalog(
        &public.join("data/catalog.jsonld"),
        &format!("{base}data/catalog.jsonld"),
    );
    assert_eq!(report["violations"], 0, "{base}: {:#}", report["results"]);
    urls(&report["iris"], &mut found);
    let data_page = fs::read_to_string(public.join("data/index.html")).unwrap();
    for block in json_ld(&data_page) {
        urls(&block, &mut found);
    }
    let mut inside = 0;
    for url in &found {
        assert!(!url.starts_with('/'), "{base}: a path, not a URL: {url}");
        if let Some(path) = url.strip_prefix(base) {
            let path = path.split('#').next().unwrap();
            let file = match path.is_empty() || path.ends_with('/') {
                true => public.join(path).join("index.html"),
                false => public.join(path),
            };
            assert!(file.is_file(), "{base}: {url} is no built file");
            inside += 1;
        } else {
            assert!(
                OUTSIDE.iter().any(|o| url.starts_with(o)),
                "{base}: {url} leads outside the site"
            );
        }
    }
    assert!(inside > 500, "{base}: {inside} URLs inside the site");
    // The schema every JSON names is the published file.
    let doc = read_json(&public.join("data/kohyo.json"));
    assert_eq!(
        doc["$schema"],
        format!("{base}data/schema/kohyo-data.schema.json")
    );
}

#[test]
fn every_url_in_the_data_resolves_under_an_absolute_base() {
    every_url_resolves("https://example.org/");
}

#[test]
fn every_url_in_the_data_resolves_under_a_sub_path() {
    every_url_resolves("https://example.org/kohyo/");
}

#[test]
fn a_bare_path_base_url_is_warned_of() {
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("public");
    let root = sample_root();
    let args = |extra: &[&'static str]| {
        let mut a = vec![
            "build".to_string(),
            "--root".into(),
            root.to_str().unwrap().into(),
            "--output".into(),
            out.to_str().unwrap().into(),
            // The repository's own site: no build cache left in it.
            "--no-cache".into(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        kohyo(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let bare = run(&[]);
    assert!(bare.status.success());
    let warning = stderr(&bare);
    assert!(
        warning.contains("warning: base_url `/` is a path"),
        "{warning}"
    );
    assert!(warning.contains("https://www.city.example.lg.jp/kohyo/"));
    let full = run(&["--base-url", "https://example.org/kohyo/"]);
    assert!(full.status.success());
    assert!(!stderr(&full).contains("warning"), "{}", stderr(&full));
}

#[test]
fn the_data_page_lists_site_wide_files_and_a_page_per_municipality() {
    let html = page("data/index.html");
    let text = crate::common::visible_text(&html);
    for file in [
        "kohyo.json",
        "items.csv",
        "datapackage.json",
        "catalog.jsonld",
        "schema/kohyo-compare.schema.json",
    ] {
        assert!(
            html.contains(&format!(">{file}</a>")),
            "{file} on the data page"
        );
    }
    assert!(
        !html.contains("2023.json"),
        "no edition's file on the site's data page"
    );
    for (slug, name) in [
        ("ueda", "上田市"),
        ("kawanishi", "川西市"),
        ("ichinoseki", "一関市"),
    ] {
        assert!(html.contains(&format!("href=\"/data/{slug}/\">{name}のデータ</a>")));
    }
    assert!(
        text.contains("dtype={\"municipality_code\": str"),
        "how to keep 032093"
    );

    // 上田市's page: each series with its tables, editions and comparisons, and nothing of
    // another municipality.
    let ueda = page("data/ueda/index.html");
    for href in [
        "/data/ueda/seisaku-kikaku/items.csv",
        "/data/ueda/seisaku-kikaku/texts.csv",
        "/data/ueda/seisaku-kikaku/2022.json",
        "/data/ueda/seisaku-kikaku/2023.json",
        "/data/ueda/shimin-machizukuri/2025.json",
        "/ueda/seisaku-kikaku/compare/2022-2023/changes.json",
        "/ueda/shimin-machizukuri/compare/2018-2025/changes.csv",
    ] {
        assert!(ueda.contains(&format!("href=\"{href}\"")), "{href}");
        assert!(built_sample().join(&href[1..]).is_file(), "{href}");
    }
    assert!(!ueda.contains("kawanishi/"));
    let ueda_text = crate::common::visible_text(&ueda);
    assert!(ueda_text.contains("上田市のデータ"));
    assert!(ueda_text.contains("202037"), "the code");
    let crumbs = json_ld(&ueda);
    assert!(
        crumbs
            .iter()
            .any(|b| b["@type"] == "BreadcrumbList" && b.to_string().contains("オープンデータ"))
    );
}

#[test]
fn the_data_page_describes_the_dataset_for_search_engines() {
    let blocks = json_ld(&page("data/index.html"));
    let dataset = blocks
        .iter()
        .find(|b| b["@type"] == "Dataset")
        .expect("a Dataset block");
    assert_eq!(dataset["name"], "自治体の計画と重点目標");
    let description = dataset["description"].as_str().unwrap();
    assert!(description.chars().count() >= 50, "{description}");
    assert_eq!(
        dataset["license"],
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    );
    assert_eq!(dataset["creator"]["@type"], "Organization");
    assert!(!dataset["creator"]["name"].as_str().unwrap().is_empty());
    assert_eq!(
        dataset["temporalCoverage"], "2017-04-01/2029-03-31",
        "平成29年度 to the plan's 令和10年度"
    );
    let places: Vec<&str> = dataset["spatialCoverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["岩手県一関市", "兵庫県川西市", "長野県上田市"]);
    assert!(dataset["keywords"].as_array().unwrap().len() >= 4);
    let downloads = dataset["distribution"].as_array().unwrap();
    assert!(downloads.len() >= 15);
    for d in downloads {
        let url = d["contentUrl"].as_str().unwrap();
        assert!(built_sample().join(&url[1..]).is_file(), "{url}");
        assert!(d["encodingFormat"].as_str().unwrap().contains('/'));
    }
}

#[test]
fn the_contact_point_comes_from_kohyo_toml_and_a_bad_address_is_placed() {
    let site = crate::common::copy_site(&sample_root());
    let toml = site.path().join("kohyo.toml");
    let text = fs::read_to_string(&toml).unwrap().replace(
        "[contact]\n",
        "[contact]\nemail = \"opendata@city.example.lg.jp\"\n",
    );
    fs::write(&toml, &text).unwrap();
    let out = kohyo(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--base-url",
        "https://example.org/kohyo/",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let catalog = read_json(&site.path().join("public/data/catalog.jsonld"));
    let contact = &catalog["dcat:dataset"][0]["dcat:contactPoint"];
    assert_eq!(contact["@type"], "vcard:Organization");
    assert_eq!(contact["vcard:fn"], "kohyo 見本サイト運営者");
    assert_eq!(
        contact["vcard:hasEmail"],
        "mailto:opendata@city.example.lg.jp"
    );
    assert_eq!(
        contact["vcard:hasURL"], "https://example.org/kohyo/accessibility/",
        "a path is below the base URL"
    );
    assert_eq!(
        catalog["dct:publisher"]["foaf:name"],
        "kohyo 見本サイト運営者"
    );

    let message = crate::common::broken_build(|root| {
        let toml = root.join("kohyo.toml");
        let text = fs::read_to_string(&toml)
            .unwrap()
            .replace("[contact]\n", "[contact]\nemail = \"広報課 まで\"\n");
        fs::write(&toml, text).unwrap();
    });
    let line = fs::read_to_string(sample_root().join("kohyo.toml"))
        .unwrap()
        .lines()
        .position(|l| l == "[contact]")
        .unwrap()
        + 2;
    assert!(
        message.contains(&format!("kohyo.toml:{line}:")),
        "{message}"
    );
    assert!(message.contains("is not an e-mail address"), "{message}");
}
