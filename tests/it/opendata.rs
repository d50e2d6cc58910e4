//! The open-data export as a journalist or a data portal loads it: JSON valid against the
//! shipped schema, CSV tables that read back to the same records, metadata that points at files
//! that exist, and hostile text that survives without turning into a formula.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use serde_json::Value;

use crate::common::{build_into, built_sample, copy_site, node, page, sample_root};

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}")))
        .unwrap()
}

/// A CSV file read as a spreadsheet-minded reader would: BOM stripped, header by name.
pub(crate) fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let text = std::str::from_utf8(&bytes).unwrap();
    let body = text.strip_prefix('\u{feff}').expect("UTF-8 with BOM");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    reader
        .records()
        .map(|r| {
            header
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn all_json() -> Value {
    read_json(&built_sample().join("data/kohyo.json"))
}

#[test]
fn every_json_file_follows_the_shipped_schema() {
    let public = built_sample().to_str().unwrap().to_string();
    let report: Value =
        serde_json::from_str(&node(&["tests/js/validate-data.mjs", &public], "")).unwrap();
    assert_eq!(
        report["validated"], 9,
        "kohyo.json and one file per edition"
    );
    let compares = walkdir::WalkDir::new(built_sample())
        .into_iter()
        .filter(|e| e.as_ref().unwrap().file_name() == "changes.json")
        .count();
    assert_eq!(compares, 4);
    assert_eq!(
        report["changes"], compares,
        "every changes.json, by its $schema"
    );
    assert_eq!(report["errors"], Value::Array(vec![]));

    // The validator does catch a wrong file: a year as text is refused.
    let copy = tempfile::tempdir().unwrap();
    let data = copy.path().join("data");
    fs::create_dir_all(data.join("schema")).unwrap();
    for schema in ["kohyo-data.schema.json", "kohyo-compare.schema.json"] {
        fs::copy(
            built_sample().join("data/schema").join(schema),
            data.join("schema").join(schema),
        )
        .unwrap();
    }
    let mut doc = all_json();
    doc["editions"][0]["fiscal_year"] = Value::String("2022".into());
    fs::write(data.join("kohyo.json"), doc.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .args(["tests/js/validate-data.mjs", copy.path().to_str().unwrap()])
        .current_dir(sample_root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("fiscal_year"));

    // And a changes.json whose entry has a status the format does not know.
    let compare = "ueda/seisaku-kikaku/compare/2022-2023/changes.json";
    fs::remove_file(data.join("kohyo.json")).unwrap();
    let mut doc = read_json(&built_sample().join(compare));
    assert!(
        doc["$schema"]
            .as_str()
            .unwrap()
            .ends_with("/data/schema/kohyo-compare.schema.json")
    );
    doc["entries"][0]["status"] = Value::String("changed".into());
    fs::create_dir_all(copy.path().join(compare).parent().unwrap()).unwrap();
    fs::write(copy.path().join(compare), doc.to_string()).unwrap();
    let out = std::process::Command::new("node")
        .args(["tests/js/validate-data.mjs", copy.path().to_str().unwrap()])
        .current_dir(sample_root())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["changes"], 1);
    assert_eq!(report["errors"][0]["file"], compare);
}

#[test]
fn json_carries_codes_years_and_stable_ids() {
    let doc = all_json();
    assert_eq!(doc["format_version"], "1.0");
    assert!(
        doc["$schema"]
            .as_str()
            .unwrap()
            .ends_with("/data/schema/kohyo-data.schema.json")
    );
    assert_eq!(
        doc["license"]["name"],
        "公共データ利用規約 第1.0版 (PDL1.0)"
    );
    let editions = doc["editions"].as_array().unwrap();
    assert_eq!(editions.len(), 8);
    let r5 = editions
        .iter()
        .find(|e| e["id"] == "ueda/seisaku-kikaku/2023")
        .unwrap();
    assert_eq!(r5["municipality"]["code"], "202037");
    assert_eq!(r5["municipality"]["name"], "上田市");
    assert_eq!(r5["fiscal_year"], 2023);
    assert_eq!(r5["fiscal_year_label"], "令和5年度");
    assert_eq!(r5["stage"], "plan");
    let open = r5["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "ueda/seisaku-kikaku/2023#open-data")
        .unwrap();
    assert_eq!(open["parent_id"], "ueda/seisaku-kikaku/2023#sogo-keikaku");
    assert_eq!(open["level_name"], "重点取組項目");
    // Indicator values are numbers with their unit.
    let ichinoseki = editions
        .iter()
        .find(|e| e["id"] == "ichinoseki/kyodo-suishin/dai3ji")
        .unwrap();
    let with_values: Vec<&Value> = ichinoseki["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["baseline"]["value"].is_number())
        .collect();
    assert!(!with_values.is_empty());
    assert!(with_values.iter().any(|i| i["baseline"]["value"] == 7033.0));
    assert!(with_values.iter().all(|i| i["unit"].is_string()));
}

#[test]
fn csv_tables_read_back_to_the_json_records() {
    let data = built_sample().join("data");
    let doc = all_json();
    let editions = doc["editions"].as_array().unwrap();
    let s = |v: &Value| v.as_str().unwrap_or("").to_string();

    let rows = read_csv(&data.join("editions.csv"));
    assert_eq!(rows.len(), editions.len());
    for (row, e) in rows.iter().zip(editions) {
        assert_eq!(row["id"], s(&e["id"]));
        assert_eq!(row["municipality_code"], s(&e["municipality"]["code"]));
        assert_eq!(
            row["fiscal_year"],
            e["fiscal_year"]
                .as_i64()
                .map(|y| y.to_string())
                .unwrap_or_default()
        );
        assert_eq!(row["stage"], s(&e["stage"]));
    }

    let items: Vec<&Value> = editions
        .iter()
        .flat_map(|e| e["items"].as_array().unwrap())
        .collect();
    let rows = read_csv(&data.join("items.csv"));
    assert_eq!(rows.len(), items.len());
    let ids: BTreeSet<&String> = rows.iter().map(|r| &r["id"]).collect();
    for (row, item) in rows.iter().zip(&items) {
        assert_eq!(row["id"], s(&item["id"]));
        assert_eq!(row["title"], s(&item["title"]));
        assert_eq!(row["number"], s(&item["number"]));
        assert_eq!(row["depth"], item["depth"].to_string());
        assert!(row["parent_id"].is_empty() || ids.contains(&row["parent_id"]));
    }
    // `position` orders siblings 1, 2, 3… in the document's order, whatever `number` holds
    // (①② for 一関市's measures).
    let mut last: BTreeMap<(String, String), u64> = BTreeMap::new();
    for row in &rows {
        let key = (row["edition_id"].clone(), row["parent_id"].clone());
        let position: u64 = row["position"].parse().unwrap();
        let previous = last.insert(key, position).unwrap_or(0);
        assert_eq!(position, previous + 1, "{}", row["id"]);
    }
    assert!(
        rows.iter()
            .any(|r| r["number"] == "①" && r["position"] == "1")
    );

    // Every printed line of every list, in order, one row each.
    let mut texts: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for row in read_csv(&data.join("texts.csv")) {
        texts
            .entry((row["record_id"].clone(), row["field"].clone()))
            .or_default()
            .push(row["text"].clone());
    }
    for item in &items {
        for field in ["actions", "targets", "progress", "results"] {
            let lines: Vec<String> = item[field].as_array().unwrap().iter().map(&s).collect();
            let got = texts
                .get(&(s(&item["id"]), field.to_string()))
                .cloned()
                .unwrap_or_default();
            assert_eq!(got, lines, "{} {field}", item["id"]);
        }
    }

    // Same numbers: every value of every indicator.
    let mut json_values = Vec::new();
    for e in editions {
        for ind in e["indicators"].as_array().unwrap() {
            for measure in ["baseline", "target"] {
                if let Some(v) = ind[measure]["value"].as_f64() {
                    json_values.push((s(&ind["id"]), measure.to_string(), v));
                }
            }
            for a in ind["actual"].as_array().unwrap() {
                json_values.push((s(&ind["id"]), "actual".into(), a["value"].as_f64().unwrap()));
            }
        }
    }
    let mut csv_values: Vec<(String, String, f64)> = read_csv(&data.join("indicator_values.csv"))
        .iter()
        .map(|r| {
            (
                r["indicator_id"].clone(),
                r["measure"].clone(),
                r["value"].parse::<f64>().expect("plain number"),
            )
        })
        .collect();
    json_values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    csv_values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    assert!(!json_values.is_empty());
    assert_eq!(csv_values, json_values);

    // The other tables: the same records in the same order.
    let column = |file: &str, cols: &[&str]| -> Vec<Vec<String>> {
        read_csv(&data.join(file))
            .iter()
            .map(|r| cols.iter().map(|c| r[*c].clone()).collect())
            .collect()
    };
    let from_json =
        |list: &str, f: &dyn Fn(&Value, &Value) -> Vec<Vec<String>>| -> Vec<Vec<String>> {
            editions
                .iter()
                .flat_map(|e| {
                    e[list]
                        .as_array()
                        .unwrap()
                        .iter()
                        .flat_map(move |r| f(e, r))
                })
                .collect()
        };
    let schedules = from_json("items", &|_, i| {
        i["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| vec![s(&i["id"]), y["fiscal_year"].to_string(), s(&y["value"])])
            .collect()
    });
    assert!(!schedules.is_empty());
    assert_eq!(
        column("schedules.csv", &["item_id", "fiscal_year", "value"]),
        schedules
    );
    let actors = from_json("items", &|_, i| {
        i["actors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| vec![s(&i["id"]), s(&a["actor"]), s(&a["role"])])
            .collect()
    });
    assert!(!actors.is_empty());
    assert_eq!(column("actors.csv", &["item_id", "actor", "role"]), actors);
    let sections = from_json("sections", &|e, x| {
        vec![vec![s(&x["id"]), s(&e["id"]), s(&x["title"])]]
    });
    assert!(!sections.is_empty());
    assert_eq!(
        column("sections.csv", &["id", "edition_id", "title"]),
        sections
    );
    let indicators = from_json("indicators", &|_, x| {
        vec![vec![s(&x["id"]), s(&x["name"]), s(&x["unit"])]]
    });
    assert_eq!(
        column("indicators.csv", &["id", "name", "unit"]),
        indicators
    );

    let mut changed = 0;
    for entry in walkdir::WalkDir::new(built_sample()) {
        let entry = entry.unwrap();
        if entry.file_name() == "changes.json" {
            fn count(list: &Value) -> usize {
                list.as_array()
                    .unwrap()
                    .iter()
                    .map(|e| usize::from(e["status"] != "unchanged") + count(&e["children"]))
                    .sum()
            }
            let doc = read_json(entry.path());
            assert_eq!(
                doc["license"]["name"],
                "公共データ利用規約 第1.0版 (PDL1.0)"
            );
            changed += count(&doc["entries"]);
        }
    }
    assert_eq!(read_csv(&data.join("changes.csv")).len(), changed);
}

#[test]
fn every_edition_json_holds_what_its_page_shows() {
    let site = kohyo::load::load(&sample_root()).unwrap();
    for (m, s, e) in site.editions() {
        let id = format!("{}/{}/{}", m.slug, s.slug, e.slug);
        let doc = read_json(&built_sample().join(format!("data/{id}.json")));
        let edition = &doc["editions"][0];
        assert_eq!(edition["id"], id.as_str());
        let items = edition["items"].as_array().unwrap();
        fn walk<'a>(
            items: &'a [toml::Spanned<kohyo::model::Item>],
            out: &mut Vec<&'a kohyo::model::Item>,
        ) {
            for i in items {
                out.push(i.get_ref());
                walk(&i.get_ref().items, out);
            }
        }
        let mut model = Vec::new();
        walk(&e.items, &mut model);
        assert_eq!(items.len(), model.len(), "{id}");
        let mut indicators = e.indicators.iter().collect::<Vec<_>>();
        for (json, item) in items.iter().zip(&model) {
            assert_eq!(json["title"].as_str(), item.title.as_deref(), "{id}");
            let list = |key: &str| -> Vec<String> {
                json[key]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_str().unwrap().to_string())
                    .collect()
            };
            assert_eq!(list("targets"), item.targets, "{id}");
            assert_eq!(list("results"), item.results, "{id}");
            assert_eq!(list("progress"), item.progress, "{id}");
            assert_eq!(list("actions"), item.actions, "{id}");
            indicators.extend(item.indicators.iter());
        }
        let json_indicators = edition["indicators"].as_array().unwrap();
        assert_eq!(json_indicators.len(), indicators.len(), "{id}");
        for ind in indicators {
            let json = json_indicators
                .iter()
                .find(|j| j["id"] == format!("{id}#{}", ind.anchor))
                .unwrap_or_else(|| panic!("{id}#{}", ind.anchor));
            assert_eq!(json["name"].as_str(), Some(ind.name.as_str()));
            assert_eq!(
                json["target"]["value"].as_f64(),
                ind.target.as_ref().and_then(|p| p.value)
            );
            assert_eq!(
                json["baseline"]["value"].as_f64(),
                ind.baseline.as_ref().and_then(|p| p.value)
            );
            let actual: Vec<f64> = json["actual"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["value"].as_f64().unwrap())
                .collect();
            assert_eq!(
                actual,
                ind.actual.iter().map(|a| a.value).collect::<Vec<_>>()
            );
        }
        // The edition page links to its own JSON and its series' tables, and the files are
        // there.
        let html = page(&format!("{id}/index.html"));
        let series = format!("{}/{}", m.slug, s.slug);
        for href in [
            format!("/data/{id}.json"),
            format!("/data/{series}/items.csv"),
            format!("/data/{series}/texts.csv"),
        ] {
            assert!(html.contains(&format!("href=\"{href}\"")), "{id}: {href}");
            assert!(built_sample().join(&href[1..]).is_file(), "{href}");
        }
    }
}

#[test]
fn each_series_csv_holds_its_editions_rows_of_the_whole_table() {
    let site = kohyo::load::load(&sample_root()).unwrap();
    let data = built_sample().join("data");
    for table in ["items", "texts"] {
        let whole = read_csv(&data.join(format!("{table}.csv")));
        let mut seen = 0;
        for m in &site.municipalities {
            for s in &m.series {
                let prefix = format!("{}/{}/", m.slug, s.slug);
                let own: Vec<&BTreeMap<String, String>> = whole
                    .iter()
                    .filter(|r| r["edition_id"].starts_with(&prefix))
                    .collect();
                // 川西市's plan has no list fields, so its texts table is a header alone.
                let series = read_csv(&data.join(format!("{prefix}{table}.csv")));
                assert_eq!(
                    series.iter().collect::<Vec<_>>(),
                    own,
                    "{prefix}{table}.csv"
                );
                let editions: BTreeSet<&str> =
                    series.iter().map(|r| r["edition_id"].as_str()).collect();
                if table == "items" {
                    assert_eq!(editions.len(), s.editions.len(), "every edition's rows");
                }
                seen += series.len();
            }
        }
        assert_eq!(seen, whole.len(), "{table}: every row in one series' file");
    }
    // One JSON per edition and two tables per series: no per-edition CSV any more.
    let per_edition_csv = walkdir::WalkDir::new(&data)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".items.csv"))
        .count();
    assert_eq!(per_edition_csv, 0);
}

#[test]
fn metadata_points_at_files_that_exist() {
    let public = built_sample();
    let package = read_json(&public.join("data/datapackage.json"));
    assert_eq!(
        package["licenses"][0]["path"],
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    );
    let resources = package["resources"].as_array().unwrap();
    assert!(resources.len() >= 8);
    for r in resources {
        assert_eq!(r["encoding"], "utf-8");
        let path = public.join("data").join(r["path"].as_str().unwrap());
        let bytes = fs::read(&path).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let header = text
            .trim_start_matches('\u{feff}')
            .split("\r\n")
            .next()
            .unwrap()
            .to_string();
        let fields: Vec<&str> = r["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert_eq!(header, fields.join(","), "{path:?}");
        assert!(!text.contains("\r\n\r\n"), "no blank rows: {path:?}");
        for key in r["schema"]["primaryKey"].as_array().unwrap() {
            assert!(fields.contains(&key.as_str().unwrap()));
        }
    }
    let catalog = read_json(&public.join("data/catalog.jsonld"));
    assert_eq!(catalog["@type"], "dcat:Catalog");
    let datasets = catalog["dcat:dataset"].as_array().unwrap();
    assert_eq!(
        datasets.len(),
        8,
        "one per series (4), one per municipality (3), one for everything"
    );
    let mut downloads = 0;
    for d in datasets {
        for dist in d["dcat:distribution"].as_array().unwrap() {
            let access = dist["dcat:accessURL"].as_str().unwrap();
            assert!(
                public.join(&access[1..]).join("index.html").is_file(),
                "{access}"
            );
            let Some(url) = dist["dcat:downloadURL"].as_str() else {
                continue;
            };
            let path = public.join(&url[1..]);
            let bytes = fs::read(&path).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(dist["dcat:byteSize"], bytes.len().to_string(), "{url}");
            let sha = <sha2::Sha256 as sha2::Digest>::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>();
            assert_eq!(dist["spdx:checksum"]["spdx:checksumValue"], sha, "{url}");
            assert!(
                dist["dcat:mediaType"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://www.iana.org/assignments/media-types/")
            );
            downloads += 1;
        }
    }
    assert!(downloads > 30);

    let html = page("data/index.html");
    // The page's JSON-LD blocks: its breadcrumb trail, then the Dataset.
    let blocks = crate::common::json_ld(&html);
    let jsonld = blocks
        .iter()
        .find(|b| b["@type"] == "Dataset")
        .expect("a Dataset block");
    assert_eq!(
        jsonld["license"],
        "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
    );
    let text = crate::common::visible_text(&html);
    let items_size = fs::metadata(public.join("data/items.csv")).unwrap().len();
    assert!(
        text.contains(&format!("{:.1} KB", items_size as f64 / 1024.0)),
        "sizes listed"
    );
    assert!(text.contains("公共データ利用規約 第1.0版 (PDL1.0)"));
    assert!(
        text.contains("ichinoseki/kyodo-suishin/dai3ji#h1"),
        "the sample row"
    );
    assert!(text.contains("encoding=\"utf-8-sig\""), "how to load it");
}

#[test]
fn hostile_text_survives_the_round_trip_and_is_no_formula() {
    let site = copy_site(&sample_root());
    let file = site.path().join("content/ueda/seisaku-kikaku/2023.toml");
    let hostile = "=HYPERLINK(\"http://example.com\",\"開く\"), \"引用\"\n2行目";
    let text = fs::read_to_string(&file).unwrap().replacen(
        "title = \"SDGsの着実な推進\"",
        &format!("title = {}", toml::Value::String(hostile.into())),
        1,
    );
    fs::write(&file, text).unwrap();
    let out = site.path().join("public");
    build_into(site.path(), &out);
    let row = read_csv(&out.join("data/items.csv"))
        .into_iter()
        .find(|r| r["id"] == "ueda/seisaku-kikaku/2023#sdgs")
        .unwrap();
    assert_eq!(
        row["title"],
        format!("'{hostile}"),
        "kept whole, prefixed so it is no formula"
    );
    let doc = read_json(&out.join("data/ueda/seisaku-kikaku/2023.json"));
    let item = doc["editions"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["anchor"] == "sdgs")
        .unwrap()
        .clone();
    assert_eq!(item["title"], hostile, "JSON keeps the text as written");
    let changes = read_csv(&out.join("ueda/seisaku-kikaku/compare/2022-2023/changes.csv"));
    assert!(
        changes
            .iter()
            .any(|r| r["new_title"] == format!("'{hostile}"))
    );
}

#[test]
fn every_table_keeps_its_table_schema_types_keys_and_references() {
    let public = built_sample();
    let package = read_json(&public.join("data/datapackage.json"));
    let resources = package["resources"].as_array().unwrap();
    let names: Vec<&str> = resources
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    for table in ["goal_history", "indicator_series"] {
        assert!(names.contains(&table), "{table} in the data package");
    }
    let tables: BTreeMap<&str, Vec<BTreeMap<String, String>>> = resources
        .iter()
        .map(|r| {
            let path = public.join("data").join(r["path"].as_str().unwrap());
            (r["name"].as_str().unwrap(), read_csv(&path))
        })
        .collect();
    for r in resources {
        let name = r["name"].as_str().unwrap();
        let rows = &tables[name];
        let schema = &r["schema"];
        for field in schema["fields"].as_array().unwrap() {
            let column = field["name"].as_str().unwrap();
            for row in rows.iter().filter(|row| !row[column].is_empty()) {
                let cell = &row[column];
                let ok = match field["type"].as_str().unwrap() {
                    "integer" => cell.parse::<i64>().is_ok(),
                    "number" => cell.parse::<f64>().is_ok(),
                    _ => true,
                };
                assert!(ok, "{name}.{column}: {cell:?} is not a {}", field["type"]);
            }
        }
        let key: Vec<&str> = schema["primaryKey"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        let mut seen = BTreeSet::new();
        for row in rows {
            let value: Vec<&String> = key.iter().map(|k| &row[*k]).collect();
            assert!(
                value.iter().all(|part| !part.is_empty()),
                "{name}: primary key {key:?} with an empty part: {value:?}"
            );
            assert!(
                seen.insert(value.clone()),
                "{name}: primary key {value:?} twice"
            );
        }
        for fk in schema["foreignKeys"].as_array().unwrap() {
            let column = fk["fields"].as_str().unwrap();
            let target = match fk["reference"]["resource"].as_str().unwrap() {
                "" => name,
                other => other,
            };
            let target_column = fk["reference"]["fields"].as_str().unwrap();
            let known: BTreeSet<&String> =
                tables[target].iter().map(|t| &t[target_column]).collect();
            for row in rows.iter().filter(|row| !row[column].is_empty()) {
                assert!(
                    known.contains(&row[column]),
                    "{name}.{column} = {} is no {target}.{target_column}",
                    row[column]
                );
            }
        }
    }
    assert!(tables["goal_history"].len() == tables["items"].len());
    assert!(tables["indicator_series"].len() == tables["indicators"].len());
    let catalog = read_json(&public.join("data/catalog.jsonld"));
    let urls: Vec<&str> = catalog["dcat:dataset"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["dcat:distribution"].as_array().unwrap())
        .filter_map(|d| d["dcat:downloadURL"].as_str())
        .collect();
    for table in ["goal_history", "indicator_series"] {
        assert!(
            urls.contains(&format!("/data/{table}.csv").as_str()),
            "{table} in the catalogue"
        );
    }
}

#[test]
fn changes_json_uses_the_ids_and_codes_of_the_tables_and_what_changed_is_a_long_table() {
    let data = built_sample().join("data");
    let ids = |table: &str| -> BTreeSet<String> {
        read_csv(&data.join(table))
            .into_iter()
            .map(|r| r["id"].clone())
            .collect()
    };
    let editions = ids("editions.csv");
    let mut records = ids("items.csv");
    records.extend(ids("indicators.csv"));
    records.extend(ids("sections.csv"));
    let changes = read_csv(&data.join("changes.csv"));
    let fields = read_csv(&data.join("change_fields.csv"));
    let numbers = read_csv(&data.join("change_numbers.csv"));
    let key = |r: &BTreeMap<String, String>| {
        (
            r["compare_id"].clone(),
            r["change"].clone(),
            r["entry_key"].clone(),
        )
    };
    let change_keys: BTreeSet<_> = changes.iter().map(key).collect();
    assert!(fields.iter().all(|r| change_keys.contains(&key(r))));
    assert!(numbers.iter().all(|r| change_keys.contains(&key(r))));
    assert!(changes.iter().all(|r| !r.contains_key("changed_fields")));
    let mut compared = 0;
    for page in walkdir::WalkDir::new(built_sample())
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() == "changes.json")
    {
        compared += 1;
        let doc = read_json(page.path());
        let id = doc["id"].as_str().unwrap();
        assert!(
            changes.iter().any(|r| r["compare_id"] == id),
            "{id} is no compare_id"
        );
        for side in ["old", "new"] {
            let e = &doc[side];
            assert!(editions.contains(e["id"].as_str().unwrap()), "{e}");
            assert!(
                ["plan", "interim", "result"].contains(&e["stage"].as_str().unwrap()),
                "{e}"
            );
            assert!(!e["stage_label"].as_str().unwrap().is_empty());
        }
        // Each entry's sides name records of the tables; each changed entry's fields and
        // numbers are the long tables' rows for it, in order.
        fn walk(entries: &Value, out: &mut Vec<Value>) {
            for e in entries.as_array().unwrap() {
                out.push(e.clone());
                walk(&e["children"], out);
            }
        }
        let mut entries = Vec::new();
        walk(&doc["entries"], &mut entries);
        for e in &entries {
            for side in ["old", "new"] {
                if let Some(record) = e[side]["record_id"].as_str() {
                    assert!(records.contains(record), "{record}");
                }
            }
            if e["status"] == "unchanged" {
                continue;
            }
            let this = (
                id.to_string(),
                e["status"].as_str().unwrap().to_string(),
                e["key"].as_str().unwrap().to_string(),
            );
            let printed: Vec<(String, String)> = numbers
                .iter()
                .filter(|r| key(r) == this)
                .map(|r| (r["old_value"].clone(), r["new_value"].clone()))
                .collect();
            let expected: Vec<(String, String)> = e["numbers"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| {
                    (
                        n["old"].as_str().unwrap().to_string(),
                        n["new"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(printed, expected, "{this:?}");
            let changed: Vec<String> = fields
                .iter()
                .filter(|r| key(r) == this && r["field"] != "number")
                .map(|r| r["field"].clone())
                .collect();
            let expected: Vec<String> = e["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["key"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(changed, expected, "{this:?}");
        }
    }
    assert_eq!(compared, 4);
    // 上田市's 9月末 in 令和7年度 is 30 September 2025.
    let values = read_csv(&data.join("indicator_values.csv"));
    let dated: Vec<&BTreeMap<String, String>> =
        values.iter().filter(|r| r["as_of"] == "9月末").collect();
    assert!(!dated.is_empty());
    for r in dated {
        assert!(r["edition_id"].ends_with("/2025"), "{r:?}");
        assert_eq!(r["as_of_date"], "2025-09-30");
    }
    assert!(
        values
            .iter()
            .filter(|r| r["as_of"].is_empty())
            .all(|r| r["as_of_date"].is_empty())
    );
}
