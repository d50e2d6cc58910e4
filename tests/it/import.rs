//! `kohyo import`: workbooks laid out like the source tables of the sample (made here with
//! rust_xlsxwriter from the sample's hand-written editions, in the sources' column order, with
//! merged goal cells, in-cell line breaks, title rows, spacer rows and columns, notes), a
//! Shift_JIS CSV, and ids carried from the previous edition.

use std::fs;
use std::path::Path;

use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;

use crate::common::{copy_site, kohyo, sample_root, stderr};

/// The item keys an open-data record carries that depend on ids the import cannot know.
const ID_KEYS: [&str; 4] = ["id", "parent_id", "anchor", "url"];

/// One row of a seed-like sheet: the goal (with its row span) and the item cells.
struct SeedRow {
    cells: Vec<String>,
}

/// The layout of a source table: the list columns after 重点目標 and the actions column, and
/// whether one cell holds all of a goal's items (seed 000) or each item has its row.
pub struct Layout {
    /// The list columns after the actions column.
    pub lists: Vec<(&'static str, &'static str)>,
    /// Whether there is a self-evaluation column.
    pub evaluation: bool,
    /// Whether one cell holds all of a goal's items.
    pub items_per_cell: bool,
}

fn lines(list: &[String], marker: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, l) in list.iter().enumerate() {
        // Trailing spaces, as typed cells often have them.
        let l = format!("{l}{}", if i % 2 == 0 { "  " } else { "" });
        out.push(if i == 0 { format!("{marker}{l}") } else { l });
    }
    out
}

fn item_cell(item: &kohyo::model::Item) -> Vec<String> {
    let mut cell = vec![format!(
        "{}{}{}",
        item.number.as_deref().unwrap_or(""),
        item.title.as_deref().unwrap_or(""),
        item.status
            .as_ref()
            .map_or(String::new(), |s| format!("（{s}）"))
    )];
    if let Some(owner) = &item.owner {
        cell.push(format!("【{owner}】"));
    }
    cell.extend(item.actions.iter().cloned());
    cell
}

fn list(item: &kohyo::model::Item, key: &str) -> Vec<String> {
    match key {
        "targets" => item.targets.clone(),
        "progress" => item.progress.clone(),
        "results" => item.results.clone(),
        _ => Vec::new(),
    }
}

/// Write `edition` of the sample as a department's workbook laid out like its source.
pub fn seed_workbook(
    series: &kohyo::model::Series,
    edition: &kohyo::model::Edition,
    layout: &Layout,
    path: &Path,
) {
    let mut book = Workbook::new();
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Sheet1").unwrap();
    // Title rows, 担当部局名, the edition's heading; column A is an empty spacer column.
    sheet
        .write(
            0,
            1,
            edition.document.as_deref().unwrap_or("重点目標一覧表"),
        )
        .unwrap();
    sheet.write(1, 1, "担当部局名").unwrap();
    let department = edition
        .department
        .clone()
        .or_else(|| series.department.clone())
        .unwrap_or_default();
    sheet.write(1, 2, &department).unwrap();
    sheet.write(2, 1, format!("【{}】", edition.title)).unwrap();
    let labels = edition.labels.resolve(&series.labels);
    let mut heads = vec![series.levels[0].clone(), labels.actions.clone().unwrap()];
    for (key, _) in &layout.lists {
        heads.push(match *key {
            "targets" => labels.targets.clone().unwrap(),
            "progress" => labels.progress.clone().unwrap(),
            _ => labels.results.clone().unwrap(),
        });
    }
    if layout.evaluation {
        heads.push(labels.evaluation.clone().unwrap());
    }
    let see_col = edition.items.iter().any(|g| {
        let g = g.get_ref();
        g.see.is_some() || g.items.iter().any(|i| i.get_ref().see.is_some())
    });
    if see_col {
        heads.push(labels.see.clone().unwrap());
    }
    for (i, h) in heads.iter().enumerate() {
        sheet.write(4, 1 + i as u16, h.as_str()).unwrap();
    }
    let mut row = 5u32;
    for goal in &edition.items {
        let goal = goal.get_ref();
        let mut rows: Vec<SeedRow> = Vec::new();
        let children: Vec<&kohyo::model::Item> = goal.items.iter().map(|i| i.get_ref()).collect();
        let groups: Vec<Vec<&kohyo::model::Item>> = match layout.items_per_cell {
            true => vec![children.clone()],
            false => children.iter().map(|c| vec![*c]).collect(),
        };
        if let (true, Some(see), false) = (see_col, &goal.see, children.is_empty()) {
            // The goal's own cross reference, on a row of its own above its items.
            let mut cells = vec![String::new(); heads.len() - 1];
            *cells.last_mut().unwrap() = see.text.clone();
            rows.push(SeedRow { cells });
        }
        for group in groups.iter().filter(|g| !g.is_empty()) {
            let mut cells = vec![
                group
                    .iter()
                    .flat_map(|i| item_cell(i))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ];
            for (key, _) in &layout.lists {
                let text: Vec<String> = group
                    .iter()
                    .flat_map(|i| {
                        let marker = if layout.items_per_cell {
                            i.number.clone().unwrap_or_default()
                        } else {
                            String::new()
                        };
                        lines(&list(i, key), &marker)
                    })
                    .collect();
                cells.push(text.join("\n"));
            }
            if layout.evaluation {
                cells.push(group[0].evaluation.clone().unwrap_or_default());
            }
            if see_col {
                cells.push(
                    group[0]
                        .see
                        .as_ref()
                        .map_or(String::new(), |s| s.text.clone()),
                );
            }
            rows.push(SeedRow { cells });
        }
        if rows.is_empty() {
            let mut cells = vec![String::new(); heads.len() - 1];
            if let (true, Some(see)) = (see_col, &goal.see) {
                *cells.last_mut().unwrap() = see.text.clone();
            }
            rows.push(SeedRow { cells });
        }
        let goal_text = [goal.number.clone(), goal.title.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n");
        let last = row + rows.len() as u32 - 1;
        if last > row {
            sheet
                .merge_range(row, 1, last, 1, &goal_text, &wrap)
                .unwrap();
        } else {
            sheet.write_with_format(row, 1, &goal_text, &wrap).unwrap();
        }
        if let (true, Some(ev)) = (layout.evaluation, &goal.evaluation) {
            let col = heads.len() as u16;
            if last > row {
                sheet.merge_range(row, col, last, col, ev, &wrap).unwrap();
            } else {
                sheet.write(row, col, ev).unwrap();
            }
        }
        for (i, r) in rows.iter().enumerate() {
            for (j, cell) in r.cells.iter().enumerate() {
                let col = 2 + j as u16;
                // The goal's evaluation is written once, merged over its rows.
                let goal_evaluation =
                    layout.evaluation && j == layout.lists.len() + 1 && goal.evaluation.is_some();
                if !cell.is_empty() && !goal_evaluation {
                    sheet
                        .write_with_format(row + i as u32, col, cell.as_str(), &wrap)
                        .unwrap();
                }
            }
        }
        row = last + 2; // a blank spacer row between goals
    }
    sheet
        .write(row + 1, 1, "※ 自己評価：○ 順調　△ 遅れ")
        .unwrap();
    book.save(path).unwrap();
}

/// The open-data record of one edition of the site at `root`, ids included.
pub fn edition_json_with_ids(root: &Path, id: &str) -> Value {
    let site = kohyo::load::load(root).unwrap_or_else(|d| panic!("{}", d[0].render(false)));
    let records = kohyo::opendata::records::editions(&site);
    let record = records
        .into_iter()
        .find(|r| r.id == id)
        .expect("edition exported");
    serde_json::to_value(&record).unwrap()
}

/// The open-data record of one edition of the site at `root`, ids left out.
pub fn edition_json(root: &Path, id: &str) -> Value {
    let mut json = edition_json_with_ids(root, id);
    for key in ["items", "indicators"] {
        for entry in json[key].as_array_mut().unwrap() {
            for k in ID_KEYS.iter().chain(&["item_id"]) {
                entry.as_object_mut().unwrap().remove(*k);
            }
        }
    }
    json
}

/// `kohyo import FILE --series SERIES --year YEAR --root ROOT EXTRA…`.
pub fn import(
    root: &Path,
    file: &Path,
    series: &str,
    year: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec![
        "import",
        file.to_str().unwrap(),
        "--series",
        series,
        "--year",
        year,
        "--root",
        root.to_str().unwrap(),
    ];
    args.extend(extra);
    kohyo(&args)
}

/// Import a seed-like workbook of each hand-written edition in place of it; the open-data
/// record must equal the hand-written one's but for ids.
fn same_as_sample(series: &str, slug: &str, layout: Layout) {
    let site = kohyo::load::load(&sample_root()).unwrap();
    let (_, s) = site.series(series).unwrap();
    let edition = s.editions.iter().find(|e| e.slug == slug).unwrap();
    let dir = copy_site(&sample_root());
    let book = dir.path().join("goals.xlsx");
    seed_workbook(s, edition, &layout, &book);
    let file = dir.path().join(&edition.source_path);
    fs::remove_file(&file).unwrap();
    let out = import(dir.path(), &book, series, slug, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("goals.xlsx:Sheet1!B"),
        "the notes row is named: {}",
        stderr(&out)
    );
    let id = format!("{series}/{slug}");
    assert_eq!(
        edition_json(dir.path(), &id),
        edition_json(&sample_root(), &id)
    );
}

#[test]
fn seed_000_h29_imports_as_written() {
    same_as_sample(
        "ueda/shimin-machizukuri",
        "2017",
        Layout {
            lists: vec![("results", "")],
            evaluation: false,
            items_per_cell: true,
        },
    );
}

#[test]
fn seed_000_h30_imports_as_written() {
    same_as_sample(
        "ueda/shimin-machizukuri",
        "2018",
        Layout {
            lists: vec![("targets", "")],
            evaluation: false,
            items_per_cell: true,
        },
    );
}

#[test]
fn seed_002_r4_imports_as_written() {
    same_as_sample(
        "ueda/seisaku-kikaku",
        "2022",
        Layout {
            lists: vec![("results", "")],
            evaluation: false,
            items_per_cell: false,
        },
    );
}

#[test]
fn seed_002_r5_imports_as_written() {
    same_as_sample(
        "ueda/seisaku-kikaku",
        "2023",
        Layout {
            lists: vec![("targets", "")],
            evaluation: false,
            items_per_cell: false,
        },
    );
}

fn compare_summary(
    root: &Path,
    series: &str,
    from: &str,
    to: &str,
) -> (Value, Vec<(String, String)>) {
    let site = kohyo::load::load(root).unwrap();
    let tokenizer = kohyo::text::Tokenizer::new(site.user_dictionary.as_deref()).unwrap();
    let c = kohyo::diff::compare_named(&site, &tokenizer, series, from, to).unwrap();
    let statuses = c
        .entries
        .iter()
        .map(|e| {
            let v = serde_json::to_value(e).unwrap();
            (v["status"].to_string(), v["new"]["title"].to_string())
        })
        .collect();
    (serde_json::to_value(&c.summary).unwrap(), statuses)
}

#[test]
fn ids_are_carried_from_the_previous_edition() {
    let series = "ueda/shimin-machizukuri";
    let site = kohyo::load::load(&sample_root()).unwrap();
    let (_, s) = site.series(series).unwrap();
    let edition = s.editions.iter().find(|e| e.slug == "2018").unwrap();
    let dir = copy_site(&sample_root());
    let book = dir.path().join("h30.xlsx");
    let layout = Layout {
        lists: vec![("targets", "")],
        evaluation: false,
        items_per_cell: true,
    };
    seed_workbook(s, edition, &layout, &book);
    fs::remove_file(dir.path().join(&edition.source_path)).unwrap();
    let out = import(dir.path(), &book, series, "2018", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written =
        fs::read_to_string(dir.path().join("content/ueda/shimin-machizukuri/2018.toml")).unwrap();
    // The hand-written ids of 2017 come back where the alignment pairs the items.
    for id in [
        "\"bunken\"",
        "\"bunken-soshiki\"",
        "\"kyodo\"",
        "\"chiiki-toyoda\"",
    ] {
        assert!(
            written.contains(&format!("id = {id}")),
            "{id} carried:\n{written}"
        );
    }
    assert_eq!(
        compare_summary(dir.path(), series, "2017", "2018"),
        compare_summary(&sample_root(), series, "2017", "2018")
    );
}

#[test]
fn a_shift_jis_csv_imports_as_written() {
    let series = "ueda/seisaku-kikaku";
    let site = kohyo::load::load(&sample_root()).unwrap();
    let (_, s) = site.series(series).unwrap();
    let edition = s.editions.iter().find(|e| e.slug == "2023").unwrap();
    let mut rows = vec![
        "重点目標一覧表".to_string(),
        "担当部局名,政策企画部".into(),
        "【令和5年度重点目標】".into(),
        ",".into(),
        "重点目標,具体的な重点取組項目（箇条書き）,期限・数値目標等".into(),
    ];
    let quote = |t: &str| format!("\"{}\"", t.replace('"', "\"\""));
    for goal in &edition.items {
        let goal = goal.get_ref();
        let heading = format!(
            "{} {}",
            goal.number.clone().unwrap(),
            goal.title.clone().unwrap()
        );
        for (i, item) in goal.items.iter().map(|i| i.get_ref()).enumerate() {
            // The goal only on its first row: blank cells below continue it, as when unmerged.
            let goal_cell = if i == 0 {
                quote(&heading)
            } else {
                String::new()
            };
            let mut cell = vec![format!(
                "{} {}",
                item.number.clone().unwrap(),
                item.title.clone().unwrap()
            )];
            cell.extend(item.actions.iter().cloned());
            rows.push(format!(
                "{goal_cell},{},{}",
                quote(&cell.join("\r\n")),
                quote(&item.targets.join("\r\n"))
            ));
        }
        if goal.items.is_empty() {
            rows.push(quote(&heading));
        }
    }
    let text = rows.join("\r\n");
    let (bytes, _, lossy) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!lossy, "the sample's text is all in Shift_JIS");
    let dir = copy_site(&sample_root());
    let csv = dir.path().join("r5.csv");
    fs::write(&csv, &bytes).unwrap();
    fs::remove_file(dir.path().join(&edition.source_path)).unwrap();
    let out = import(dir.path(), &csv, series, "2023", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let id = format!("{series}/2023");
    assert_eq!(
        edition_json(dir.path(), &id),
        edition_json(&sample_root(), &id)
    );
}
