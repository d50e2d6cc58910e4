//! A goal's history and the at-a-glance summaries, as a reader and a journalist see them: the
//! history page of 上田市's goal 1 (with ids, and with every id removed, where the chain rests
//! on alignment alone), 一関市's indicators as the source gives them, counts that equal the
//! content, attainment and overdue targets on a copy given the values, and `goal_history.csv`
//! row by row against the content.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use kohyo::present::format_number;
use kohyo::wareki::fiscal_year_label;
use toml::Value;

use crate::common::{build_into, built_sample, copy_site, sample_root, visible_text};
use crate::compare::built_without_ids;

fn edition_toml(path: &str) -> Value {
    let file = sample_root().join("content").join(path);
    toml::from_str(&fs::read_to_string(&file).unwrap()).unwrap()
}

fn read(public: &Path, path: &str) -> String {
    let file = public.join(path);
    fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn s(v: Option<&Value>) -> String {
    v.and_then(Value::as_str).unwrap_or("").to_string()
}

/// Every item of an edition with its anchor (the id, or `g1-2` from its place) and depth.
fn items(edition: &Value) -> Vec<(String, usize, &Value)> {
    fn walk<'a>(
        list: &'a Value,
        prefix: &str,
        depth: usize,
        out: &mut Vec<(String, usize, &'a Value)>,
    ) {
        for (i, item) in list.as_array().into_iter().flatten().enumerate() {
            let derived = format!("{prefix}{}", i + 1);
            let anchor = item
                .get("id")
                .and_then(Value::as_str)
                .map_or(derived.clone(), str::to_string);
            out.push((anchor, depth, item));
            if let Some(children) = item.get("items") {
                walk(children, &format!("{derived}-"), depth + 1, out);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(list) = edition.get("items") {
        walk(list, "g", 0, &mut out);
    }
    out
}

/// The `href` of the history link inside the item section with this anchor.
fn history_link(html: &str, anchor: &str) -> String {
    let start = html
        .find(&format!("id=\"{anchor}\" aria-labelledby"))
        .unwrap_or_else(|| panic!("item {anchor} on the page"));
    let rest = &html[start..];
    let link = rest.find("class=\"history-link\"").expect("a history link");
    assert!(
        rest[..link].matches("<section").count() == 0,
        "the link belongs to {anchor}, not to a child"
    );
    let href = &rest[link..];
    let from = href.find("href=\"").unwrap() + 6;
    href[from..from + href[from..].find('"').unwrap()].to_string()
}

#[test]
fn ueda_goal_1_history_shows_each_editions_title_in_order_with_links() {
    let years = ["2017", "2018", "2025"];
    let goals: Vec<Value> = years
        .iter()
        .map(|y| edition_toml(&format!("ueda/shimin-machizukuri/{y}.toml"))["items"][0].clone())
        .collect();
    for (variant, public) in [
        ("with ids", built_sample()),
        ("without ids", built_without_ids()),
    ] {
        let anchors: Vec<String> = goals
            .iter()
            .map(|g| match variant {
                "with ids" => s(g.get("id")),
                _ => "g1".to_string(),
            })
            .collect();
        // Goal 1 of every edition links to one and the same history page.
        let links: BTreeSet<String> = years
            .iter()
            .zip(&anchors)
            .map(|(y, a)| {
                history_link(
                    &read(public, &format!("ueda/shimin-machizukuri/{y}/index.html")),
                    a,
                )
            })
            .collect();
        assert_eq!(links.len(), 1, "{variant}: {links:?}");
        let url = links.into_iter().next().unwrap();
        assert!(
            url.starts_with("/ueda/shimin-machizukuri/history/"),
            "{variant}: {url}"
        );
        let html = read(public, &format!("{}index.html", &url[1..]));
        let text = visible_text(&html);
        let mut at = 0;
        for (goal, year) in goals.iter().zip(years) {
            let title = s(goal.get("title"));
            let found = text[at..].find(&title).unwrap_or_else(|| {
                panic!("{variant}: {year}'s title {title} after the one before: {text}")
            });
            at += found + title.len();
        }
        for (i, (year, anchor)) in years.iter().zip(&anchors).enumerate() {
            let edition = format!("href=\"/ueda/shimin-machizukuri/{year}/#{anchor}\"");
            assert!(html.contains(&edition), "{variant}: {edition}");
            if i == 0 {
                continue;
            }
            // The compare page between the two editions, at this goal's pair.
            let compare = format!("/ueda/shimin-machizukuri/compare/{}-{year}/", years[i - 1]);
            let from = html
                .find(&format!("href=\"{compare}#"))
                .unwrap_or_else(|| panic!("{variant}: a link to {compare}"));
            let frag = &html[from + compare.len() + 7..];
            let frag = &frag[..frag.find('"').unwrap()];
            let page = read(public, &format!("{}index.html", &compare[1..]));
            let section = &page[page.find(&format!("id=\"{frag}\"")).unwrap()..];
            let heading = visible_text(&section[..section.find("</h").unwrap()]);
            assert!(
                heading.contains(&s(goals[i].get("title"))),
                "{variant}: {frag}: {heading}"
            );
        }
    }
}

/// Every indicator of an edition in document order: the edition's, then its items'.
fn indicators(edition: &Value) -> Vec<&Value> {
    let mut out: Vec<&Value> = edition
        .get("indicators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for (_, _, item) in items(edition) {
        out.extend(
            item.get("indicators")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    out
}

/// The rows of the glance table of indicators, as text.
fn glance_rows(html: &str) -> Vec<String> {
    let start = html
        .find("<table class=\"indicators glance\">")
        .expect("a glance table");
    let table = &html[start..start + html[start..].find("</table>").unwrap()];
    table.split("<tr").skip(2).map(visible_text).collect()
}

fn shown_point(point: Option<&Value>, unit: &str, decimals: Option<u8>) -> String {
    let Some(point) = point else {
        return "記載なし".to_string();
    };
    let value = match point.get("value") {
        Some(v) => format!(
            "{}{unit}",
            format_number(
                v.as_float().or(v.as_integer().map(|i| i as f64)).unwrap(),
                decimals
            )
        ),
        None => "値記載なし".to_string(),
    };
    match point.get("year").and_then(Value::as_integer) {
        Some(y) => format!("{} {value}", fiscal_year_label(y as i32)),
        None => value,
    }
}

#[test]
fn ichinoseki_indicators_show_baseline_target_and_attainment_as_the_source_gives_them() {
    let edition = edition_toml("ichinoseki/kyodo-suishin/dai3ji.toml");
    let list = indicators(&edition);
    let rows = glance_rows(&read(
        built_sample(),
        "ichinoseki/kyodo-suishin/dai3ji/index.html",
    ));
    assert_eq!(rows.len(), list.len());
    for (ind, row) in list.iter().zip(&rows) {
        let unit = s(ind.get("unit"));
        let decimals = ind
            .get("decimals")
            .and_then(Value::as_integer)
            .map(|d| d as u8);
        let baseline = shown_point(ind.get("baseline"), &unit, decimals);
        let target = shown_point(ind.get("target"), &unit, decimals);
        let has = |p: &str| ind.get(p).and_then(|p| p.get("value")).is_some();
        let attainment = if !has("baseline") {
            "現状値の記載なし"
        } else if !has("target") {
            "目標値の記載なし"
        } else {
            assert!(
                ind.get("actual").is_none(),
                "the plan reports no actual value yet"
            );
            "実績の記載なし"
        };
        let expected = format!("{baseline} 記載なし {target} {attainment}");
        assert!(row.contains(&s(ind.get("name"))), "{row}");
        assert!(row.ends_with(&expected), "{row} ends with {expected}");
    }
}

#[test]
fn attainment_and_passed_target_years_appear_when_the_source_gives_the_values() {
    let site = copy_site(&sample_root());
    let edit = |file: &str, line: &str, add: &str| {
        let path = site.path().join("content").join(file);
        let text = fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(line).count(), 1, "{line}");
        fs::write(&path, text.replace(line, &format!("{line}\n{add}"))).unwrap();
    };
    edit(
        "ichinoseki/kyodo-suishin/dai3ji.toml",
        "baseline = { year = 2022, value = 466 }",
        "actual = [{ as_of = \"令和5年度\", value = 476 }]",
    );
    let ueda = "ueda/shimin-machizukuri/2025.toml";
    let path = site.path().join("content").join(ueda);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(
        &path,
        text.replace(
            "target = { year = 2025, value = 110 }",
            "target = { year = 2024, value = 110 }\ndirection = \"up\"",
        ),
    )
    .unwrap();
    let public = site.path().join("public");
    build_into(site.path(), &public);

    let html = read(&public, "ichinoseki/kyodo-suishin/dai3ji/index.html");
    let row = glance_rows(&html)
        .into_iter()
        .find(|r| r.contains("地域協働体の活動件数"))
        .unwrap();
    assert!(
        row.ends_with("令和4年度 466件 令和5年度 476件 令和10年度 486件 50%"),
        "{row}"
    );
    let svg = &html[html
        .find("<svg class=\"attainment-chart\"")
        .expect("the bars")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(
        svg.contains("role=\"img\"") && svg.contains("地域協働体の活動件数 50%"),
        "{svg}"
    );
    assert!(svg.contains(">50%</text>"), "the number as text: {svg}");

    let html = read(&public, "ueda/shimin-machizukuri/2025/index.html");
    let row = glance_rows(&html)
        .into_iter()
        .find(|r| r.contains("行政サポートによる移住者数"))
        .unwrap();
    assert!(
        row.contains("令和6年度 110人") && row.contains("目標年度経過・未達成"),
        "{row}"
    );
    assert!(visible_text(&html).contains("目標年度を過ぎて目標に届いていない指標が1件あります"));
    let series = visible_text(&read(&public, "ueda/shimin-machizukuri/index.html"));
    assert!(
        series.contains("目標年度経過・未達成"),
        "the series page shows it too"
    );

    let rows = crate::opendata::read_csv(&public.join("data/indicator_series.csv"));
    let by_name = |name: &str| rows.iter().find(|r| r["name"] == name).unwrap();
    let done = by_name("地域協働体の活動件数");
    assert_eq!(
        (done["attainment"].as_str(), done["latest_value"].as_str()),
        ("0.5", "476")
    );
    let late = by_name("行政サポートによる移住者数");
    assert_eq!(late["target_due"], "unmet");
    assert_eq!(late["attainment_missing"], "no_baseline");
}

/// (items, items by mark, items without one) per depth of an edition's content.
fn content_counts(edition: &Value) -> Vec<(usize, BTreeMap<String, usize>, usize)> {
    let mut out: Vec<(usize, BTreeMap<String, usize>, usize)> = Vec::new();
    for (_, depth, item) in items(edition) {
        if out.len() <= depth {
            out.resize(depth + 1, Default::default());
        }
        out[depth].0 += 1;
        match item.get("evaluation").and_then(Value::as_str) {
            Some(mark) => *out[depth].1.entry(mark.to_string()).or_default() += 1,
            None => out[depth].2 += 1,
        }
    }
    out
}

/// A count table: caption, mark columns, rows as (first cell's link or text, numbers).
type CountTable = (String, Vec<String>, Vec<(String, Vec<usize>)>);

/// Each count table of a page.
fn count_tables(html: &str) -> Vec<CountTable> {
    html.split("<table class=\"counts stack\">")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</table>").unwrap()];
            let caption = visible_text(&t[..t.find("</caption>").unwrap()]);
            let head = &t[t.find("<thead>").unwrap()..t.find("</thead>").unwrap()];
            let marks = head
                .split("<th scope=\"col\">自己評価 ")
                .skip(1)
                .map(|h| h[..h.find('<').unwrap()].to_string())
                .collect();
            let body = &t[t.find("<tbody>").unwrap()..];
            let rows = body
                .split("<tr>")
                .skip(1)
                .map(|r| {
                    let key = match r.find("href=\"") {
                        Some(i) => r[i + 6..i + 6 + r[i + 6..].find('"').unwrap()].to_string(),
                        None => visible_text(&r[..r.find("</th>").unwrap()]),
                    };
                    let numbers = r
                        .split("<td class=\"num\"")
                        .skip(1)
                        .map(|c| {
                            let c = &c[c.find('>').unwrap() + 1..];
                            c[..c.find('<').unwrap()].parse().unwrap()
                        })
                        .collect();
                    (key, numbers)
                })
                .collect();
            (caption, marks, rows)
        })
        .collect()
}

#[test]
fn counts_on_series_and_edition_pages_equal_the_content() {
    let mut checked = 0;
    for m in ["ueda", "kawanishi", "ichinoseki"] {
        for series in fs::read_dir(sample_root().join("content").join(m)).unwrap() {
            let series = series.unwrap();
            if !series.file_type().unwrap().is_dir() {
                continue;
            }
            let slug = series.file_name().to_string_lossy().into_owned();
            let levels: Vec<String> = edition_toml(&format!("{m}/{slug}/_series.toml"))["levels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| s(Some(l)))
                .collect();
            let tables = count_tables(&read(built_sample(), &format!("{m}/{slug}/index.html")));
            assert_eq!(
                tables.len(),
                levels.len(),
                "{m}/{slug}: one table per level"
            );
            for file in fs::read_dir(series.path()).unwrap() {
                let name = file.unwrap().file_name().to_string_lossy().into_owned();
                let Some(edition) = name.strip_suffix(".toml").filter(|n| !n.starts_with('_'))
                else {
                    continue;
                };
                let counted = content_counts(&edition_toml(&format!("{m}/{slug}/{name}")));
                let url = format!("/{m}/{slug}/{edition}/");
                for (depth, (caption, marks, rows)) in tables.iter().enumerate() {
                    assert!(caption.starts_with(&levels[depth]), "{caption}");
                    let (_, numbers) = rows
                        .iter()
                        .find(|(k, _)| *k == url)
                        .expect("a row per edition");
                    let (total, by_mark, unmarked) =
                        counted.get(depth).cloned().unwrap_or_default();
                    let mut expected = vec![total];
                    expected.extend(marks.iter().map(|mk| by_mark.get(mk).copied().unwrap_or(0)));
                    expected.push(unmarked);
                    assert_eq!(numbers, &expected, "{url} {caption}");
                    assert!(
                        by_mark.keys().all(|mk| marks.contains(mk)),
                        "{url}: every mark has a column"
                    );
                    checked += 1;
                }
                // The edition page: one row per level.
                let page = count_tables(&read(
                    built_sample(),
                    &format!("{m}/{slug}/{edition}/index.html"),
                ));
                let (_, marks, rows) = &page[0];
                for ((level, numbers), (total, by_mark, unmarked)) in rows.iter().zip(&counted) {
                    let mut expected = vec![*total];
                    expected.extend(marks.iter().map(|mk| by_mark.get(mk).copied().unwrap_or(0)));
                    expected.push(*unmarked);
                    assert_eq!(numbers, &expected, "{url} {level}");
                }
                assert_eq!(rows.len(), counted.len());
            }
        }
    }
    assert!(checked >= 16, "{checked}");
    let ueda = visible_text(&read(built_sample(), "ueda/index.html"));
    let latest = content_counts(&edition_toml("ueda/shimin-machizukuri/2025.toml"));
    let line = format!("重点目標 {}件・重点取組項目 {}件", latest[0].0, latest[1].0);
    assert!(ueda.contains(&line), "{line} in {ueda}");
}

#[test]
fn goal_history_rows_match_the_content() {
    let data = built_sample().join("data");
    let rows = crate::opendata::read_csv(&data.join("goal_history.csv"));
    let editions = crate::opendata::read_csv(&data.join("editions.csv"));
    let order: Vec<&str> = editions.iter().map(|e| e["id"].as_str()).collect();
    let mut expected = BTreeMap::new();
    for e in &order {
        let edition = edition_toml(&format!("{e}.toml"));
        let series = e.rsplit_once('/').unwrap().0;
        let levels = edition_toml(&format!("{series}/_series.toml"))["levels"].clone();
        for (anchor, depth, item) in items(&edition) {
            expected.insert(
                format!("{e}#{anchor}"),
                [
                    e.to_string(),
                    depth.to_string(),
                    s(levels.get(depth)),
                    s(item.get("number")),
                    s(item.get("title")),
                    s(item.get("evaluation")),
                ],
            );
        }
    }
    assert_eq!(
        rows.len(),
        expected.len(),
        "one row per item of every edition"
    );
    let mut chains: BTreeMap<&str, Vec<&BTreeMap<String, String>>> = BTreeMap::new();
    for row in &rows {
        let want = expected
            .get(&row["item_id"])
            .unwrap_or_else(|| panic!("{row:?}"));
        let got = [
            "edition_id",
            "depth",
            "level_name",
            "number",
            "title",
            "evaluation",
        ]
        .map(|c| row[c].clone());
        assert_eq!(&got, want, "{}", row["item_id"]);
        assert_eq!(row["url"], format!("/{}/", row["history_id"]));
        chains.entry(&row["history_id"]).or_default().push(row);
    }
    for (id, chain) in &chains {
        let index: Vec<usize> = chain
            .iter()
            .map(|r| order.iter().position(|e| *e == r["edition_id"]).unwrap())
            .collect();
        for (i, r) in chain.iter().enumerate() {
            assert_eq!(r["position"], (i + 1).to_string(), "{id}");
            assert_eq!(r["compare_id"].is_empty(), i == 0, "{id}");
        }
        assert!(
            index.windows(2).all(|w| w[1] == w[0] + 1),
            "{id}: consecutive editions"
        );
        assert!(
            built_sample().join(&id[..]).join("index.html").is_file(),
            "{id} has its page"
        );
    }
    let bunken: Vec<&str> = chains["ueda/shimin-machizukuri/history/bunken"]
        .iter()
        .map(|r| r["edition_id"].as_str())
        .collect();
    assert_eq!(
        bunken,
        [
            "ueda/shimin-machizukuri/2017",
            "ueda/shimin-machizukuri/2018",
            "ueda/shimin-machizukuri/2025"
        ]
    );
}
