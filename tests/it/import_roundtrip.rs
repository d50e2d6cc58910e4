//! The round trip through the Excel form: `kohyo sheet`, then `kohyo import` of the form gives
//! the edition back, for every edition of the sample, and (property) after random edits of the
//! columns a department fills in, the edition with exactly those edits.

use std::fs;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_xlsxwriter::{Format, Workbook};
use toml::Table;

use crate::common::{copy_site, kohyo, sample_root, stderr};
use crate::import::edition_json_with_ids;

/// The arguments naming an edition, for `sheet` and for `import`: `--year`, `--version` (and
/// `--slug`), or for an edition dated by neither (一関市's plan, dated by its period) its file
/// name alone, `--slug`.
fn edition_args(e: &kohyo::model::Edition) -> (Vec<String>, Vec<String>) {
    match (&e.fiscal_year, &e.version) {
        (_, Some(v)) => (
            vec!["--version".into(), v.clone()],
            vec![
                "--version".into(),
                v.clone(),
                "--slug".into(),
                e.slug.clone(),
            ],
        ),
        (Some(y), None) => {
            let year = vec!["--year".to_string(), y.get_ref().0.to_string()];
            (year.clone(), year)
        }
        (None, None) => {
            let slug = vec!["--slug".to_string(), e.slug.clone()];
            (slug.clone(), slug)
        }
    }
}

fn run(args: &[String]) -> std::process::Output {
    kohyo(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `kohyo sheet` of an edition of the site at `root` into `form`.
fn write_form(root: &Path, series: &str, sheet_args: &[String], form: &Path) {
    let mut args = vec![
        "sheet".to_string(),
        series.into(),
        "--output".into(),
        form.to_str().unwrap().into(),
        "--root".into(),
        root.to_str().unwrap().into(),
    ];
    args.extend(sheet_args.iter().cloned());
    let out = run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `kohyo import --force` of `form` as an edition of `series`.
fn import_form(root: &Path, series: &str, import_args: &[String], form: &Path) {
    let mut args = vec![
        "import".to_string(),
        form.to_str().unwrap().into(),
        "--series".into(),
        series.into(),
        "--root".into(),
        root.to_str().unwrap().into(),
        "--force".into(),
    ];
    args.extend(import_args.iter().cloned());
    let out = run(&args);
    assert!(out.status.success(), "{series}: {}", stderr(&out));
}

#[test]
fn every_edition_round_trips_through_its_form() {
    let site = kohyo::load::load(&sample_root()).unwrap();
    let dir = copy_site(&sample_root());
    let mut tried = 0;
    for (m, s, e) in site.editions() {
        let series = format!("{}/{}", m.slug, s.slug);
        let form = dir.path().join(format!("{}-{}.xlsx", s.slug, e.slug));
        let (sheet_args, import_args) = edition_args(e);
        write_form(dir.path(), &series, &sheet_args, &form);
        import_form(dir.path(), &series, &import_args, &form);
        let id = format!("{series}/{}", e.slug);
        assert_eq!(
            edition_json_with_ids(dir.path(), &id),
            edition_json_with_ids(&sample_root(), &id),
            "{id}"
        );
        tried += 1;
    }
    assert_eq!(tried, 8, "every edition of the sample");
}

/// Lines a department might write in the progress and results columns.
const POOL: [&str; 8] = [
    "4月に地域協議会で説明した。",
    "予定どおり進んでいる",
    "(1) 市民説明会を3回開催した（参加者延べ120人）",
    "・関係課と調整中",
    "令和7年度中に完了予定",
    "事業者の選定が遅れ、10月に延期",
    "②の取組と合わせて実施",
    "アンケート回収率 42.5%",
];

/// What happens to one filled-in cell: left as the form has it, cleared, or replaced.
#[derive(Debug, Clone)]
enum Edit {
    Keep,
    Blank,
    Lines(Vec<usize>),
    Mark(usize),
}

/// Edits of one item's progress, results and evaluation cells.
type ItemEdits = (Edit, Edit, Edit);

fn list_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::Keep),
        Just(Edit::Blank),
        prop::collection::vec(0..POOL.len(), 1..4).prop_map(Edit::Lines),
    ]
}

fn mark_edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        Just(Edit::Keep),
        Just(Edit::Blank),
        (0..8usize).prop_map(Edit::Mark)
    ]
}

/// The text an edit writes into a cell (`None`: leave it).
fn cell_text(edit: &Edit, marks: &[String]) -> Option<String> {
    match edit {
        Edit::Keep => None,
        Edit::Blank => Some(String::new()),
        Edit::Lines(lines) => Some(
            lines
                .iter()
                .map(|&i| POOL[i])
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        Edit::Mark(i) => Some(marks[i % marks.len()].clone()),
    }
}

/// The marks the series uses (as the form offers them): its editions' evaluations, or ○△×.
fn series_marks(series: &kohyo::model::Series) -> Vec<String> {
    fn collect(items: &[toml::Spanned<kohyo::model::Item>], marks: &mut Vec<String>) {
        for item in items {
            if let Some(m) = &item.get_ref().evaluation
                && !marks.contains(m)
            {
                marks.push(m.clone());
            }
            collect(&item.get_ref().items, marks);
        }
    }
    let mut marks = Vec::new();
    for e in &series.editions {
        collect(&e.items, &mut marks);
    }
    if marks.is_empty() {
        marks = ["○", "△", "×"].map(String::from).to_vec();
    }
    marks
}

/// Apply the edits to the edition's items in document order, as the form lists them.
fn apply(items: &mut [toml::Value], edits: &mut impl Iterator<Item = ItemEdits>, marks: &[String]) {
    for item in items {
        let Some(t) = item.as_table_mut() else {
            continue;
        };
        let (progress, results, evaluation) = edits.next().expect("an edit per item");
        for (key, edit) in [
            ("progress", progress),
            ("results", results),
            ("evaluation", evaluation),
        ] {
            match cell_text(&edit, marks) {
                None => {}
                Some(text) if text.is_empty() => {
                    t.remove(key);
                }
                Some(text) if key == "evaluation" => {
                    t.insert(key.into(), toml::Value::String(text));
                }
                Some(text) => {
                    let lines = text
                        .lines()
                        .map(|l| toml::Value::String(l.into()))
                        .collect();
                    t.insert(key.into(), toml::Value::Array(lines));
                }
            }
        }
        if let Some(children) = t.get_mut("items").and_then(toml::Value::as_array_mut) {
            apply(children, edits, marks);
        }
    }
}

/// A cell's text as the form holds it.
fn text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Write `form` again as `out`, every cell and merged range as it was, with the progress,
/// results and evaluation cells of item `k` (in form order) changed as `edits[k]` says.
fn edit_form(form: &Path, out: &Path, edits: &[ItemEdits], marks: &[String]) -> usize {
    let mut book: Xlsx<_> = open_workbook(form).expect("the form opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the form's sheet");
    let merges = book.merge_cells_by_sheet_name(&name).expect("merged cells");
    let meta = book.worksheet_range("kohyo").expect("the hidden sheet");
    let mut cells: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(text).collect()).collect();
    assert_eq!(range.start(), Some((0, 0)), "the form starts at A1");
    let header = cells
        .iter()
        .position(|r| r.iter().any(|c| c == "kohyo:id"))
        .expect("the form's header");
    let id_col = cells[header].iter().position(|c| c == "kohyo:id").unwrap();
    // The filled-in columns stand just before the hidden id column: progress, results, evaluation.
    let columns = [id_col - 3, id_col - 2, id_col - 1];
    let items = cells.len() - header - 1;
    for (k, (progress, results, evaluation)) in edits.iter().take(items).enumerate() {
        let row = &mut cells[header + 1 + k];
        row.resize(row.len().max(id_col), String::new());
        for (&c, edit) in columns.iter().zip([progress, results, evaluation]) {
            if let Some(t) = cell_text(edit, marks) {
                row[c] = t;
            }
        }
    }
    let mut copy = Workbook::new();
    let sheet = copy.add_worksheet();
    sheet.set_name(&name).unwrap();
    let wrap = Format::new().set_text_wrap();
    for m in &merges {
        let (r, c) = (m.start.0 as usize, m.start.1 as usize);
        sheet
            .merge_range(
                m.start.0,
                m.start.1 as u16,
                m.end.0,
                m.end.1 as u16,
                &cells[r][c],
                &wrap,
            )
            .unwrap();
    }
    let merged = |r: usize, c: usize| {
        merges.iter().any(|m| {
            (m.start.0 as usize..=m.end.0 as usize).contains(&r)
                && (m.start.1 as usize..=m.end.1 as usize).contains(&c)
        })
    };
    for (r, row) in cells.iter().enumerate() {
        for (c, t) in row.iter().enumerate() {
            if !t.is_empty() && !merged(r, c) {
                sheet
                    .write_with_format(r as u32, c as u16, t, &wrap)
                    .unwrap();
            }
        }
    }
    let hidden = copy.add_worksheet();
    hidden.set_name("kohyo").unwrap();
    hidden
        .write(
            0,
            0,
            text(meta.get_value((0, 0)).expect("A1 of the hidden sheet")),
        )
        .unwrap();
    copy.save(out).unwrap();
    items
}

/// Random edits of the filled-in columns of one edition's form come back as exactly those
/// edits of the hand-written edition.
fn edits_round_trip(series: &str, slug: &str, cases: u32) {
    let site = kohyo::load::load(&sample_root()).unwrap();
    let (_, s) = site.series(series).expect("sample series");
    let e = s
        .editions
        .iter()
        .find(|e| e.slug == slug)
        .expect("sample edition");
    let marks = series_marks(s);
    let (sheet_args, import_args) = edition_args(e);
    let original: Table =
        toml::from_str(&fs::read_to_string(sample_root().join(&e.source_path)).unwrap()).unwrap();
    let dir = copy_site(&sample_root());
    let expected_site = copy_site(&sample_root());
    let form = dir.path().join("form.xlsx");
    write_form(dir.path(), series, &sheet_args, &form);
    let id = format!("{series}/{slug}");
    let edits = prop::collection::vec((list_edit(), list_edit(), mark_edit()), 64);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let changed = std::cell::Cell::new(0);
    runner
        .run(&edits, |edits| {
            let edited = dir.path().join("edited.xlsx");
            let items = edit_form(&form, &edited, &edits, &marks);
            assert!(items <= edits.len(), "{items} items: make more edits");
            import_form(dir.path(), series, &import_args, &edited);
            let mut want = original.clone();
            let list = want
                .get_mut("items")
                .and_then(toml::Value::as_array_mut)
                .unwrap();
            let mut it = edits.iter().cloned();
            apply(list, &mut it, &marks);
            prop_assert_eq!(it.count(), edits.len() - items, "one item per form row");
            fs::write(
                expected_site.path().join(&e.source_path),
                toml::to_string(&want).unwrap(),
            )
            .unwrap();
            let want_json = edition_json_with_ids(expected_site.path(), &id);
            if want != original {
                changed.set(changed.get() + 1);
            }
            prop_assert_eq!(edition_json_with_ids(dir.path(), &id), want_json);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    assert!(changed.get() > 0, "no case changed the edition");
}

#[test]
fn edits_of_the_filled_in_columns_come_back_two_levels() {
    edits_round_trip("ueda/shimin-machizukuri", "2025", 8);
}

#[test]
fn edits_of_the_filled_in_columns_come_back_four_levels() {
    edits_round_trip("kawanishi/sankaku-kyodo", "nov30", 8);
}
