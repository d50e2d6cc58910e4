//! `kohyo import` of bad input: no header, an unknown column, a merged cell across two goals,
//! an empty sheet, corrupt and protected files, an existing edition without `--force`; each a
//! positioned error with exit status 1 and nothing written. And 〃, which repeats the cell above.

use std::fs;

use rust_xlsxwriter::{Format, Workbook};

use crate::common::{copy_site, sample_root, stderr};
use crate::import::{edition_json, import};

/// Import `cells` (row by row; `merges` as first row, column, last row, column) into the
/// sample's ueda/seisaku-kikaku as 2030: the error, and that nothing was written.
fn import_error(cells: &[&[&str]], merges: &[(u32, u16, u32, u16)]) -> String {
    let dir = copy_site(&sample_root());
    let book_path = dir.path().join("goals.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in cells.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                sheet.write(r as u32, c as u16, *text).unwrap();
            }
        }
    }
    for &(r0, c0, r1, c1) in merges {
        let text = cells[r0 as usize][c0 as usize];
        sheet
            .merge_range(r0, c0, r1, c1, text, &Format::new())
            .unwrap();
    }
    book.save(&book_path).unwrap();
    let before = crate::common::snapshot(&dir.path().join("content"));
    let out = import(dir.path(), &book_path, "ueda/seisaku-kikaku", "2030", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        crate::common::snapshot(&dir.path().join("content")),
        before,
        "nothing written"
    );
    stderr(&out)
}

#[test]
fn a_sheet_without_a_header_is_refused() {
    let err = import_error(&[&["予算一覧"], &["項目", "金額"], &["道路", "100"]], &[]);
    assert!(
        err.contains("goals.xlsx:Sheet1!A1: no header row found"),
        "{err}"
    );
}

#[test]
fn an_unknown_column_is_refused_at_its_cell() {
    let err = import_error(
        &[
            &["重点目標", "具体的な重点取組項目（箇条書き）", "予算額"],
            &["1 目標", "① 取組"],
        ],
        &[],
    );
    assert!(
        err.contains("goals.xlsx:Sheet1!C1: unknown column 「予算額」"),
        "{err}"
    );
}

#[test]
fn a_merged_cell_across_two_goals_is_refused() {
    let err = import_error(
        &[
            &[
                "重点目標",
                "具体的な重点取組項目（箇条書き）",
                "期限・数値目標等",
            ],
            &["1 一つ目", "① 取組", "年度末まで"],
            &["2 二つ目", "① 取組", ""],
        ],
        &[(1, 2, 2, 2)],
    );
    assert!(
        err.contains(
            "goals.xlsx:Sheet1!C2: the merged cell C2:C3 spans rows of more than one item"
        ),
        "{err}"
    );
}

#[test]
fn an_empty_sheet_is_refused() {
    let err = import_error(&[], &[]);
    assert!(
        err.contains("goals.xlsx:Sheet1!A1: the sheet is empty"),
        "{err}"
    );
}

#[test]
fn a_corrupt_or_protected_file_is_refused() {
    let dir = copy_site(&sample_root());
    let before = crate::common::snapshot(&dir.path().join("content"));
    let corrupt = dir.path().join("broken.xlsx");
    fs::write(&corrupt, b"PK\x03\x04 not really a workbook").unwrap();
    let out = import(dir.path(), &corrupt, "ueda/seisaku-kikaku", "2030", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("broken.xlsx: cannot read the workbook"),
        "{}",
        stderr(&out)
    );
    // An encrypted workbook is an OLE compound file, not a zip: what Excel writes with a password.
    let protected = dir.path().join("locked.xlsx");
    let mut ole = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    ole.resize(4096, 0);
    fs::write(&protected, ole).unwrap();
    let out = import(dir.path(), &protected, "ueda/seisaku-kikaku", "2030", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("locked.xlsx:"), "{}", stderr(&out));
    assert_eq!(crate::common::snapshot(&dir.path().join("content")), before);
}

#[test]
fn an_existing_edition_needs_force_and_ditto_repeats_the_cell_above() {
    let dir = copy_site(&sample_root());
    let book_path = dir.path().join("goals.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let rows: [&[&str]; 3] = [
        &["重点目標", "具体的な重点取組項目（箇条書き）", "担当"],
        &["1 目標", "① 一つ目\n(1) 取組  ", "政策企画課"],
        &["", "② 二つ目", "〃"],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            sheet.write(r as u32, c as u16, *text).unwrap();
        }
    }
    book.save(&book_path).unwrap();
    let out = import(dir.path(), &book_path, "ueda/seisaku-kikaku", "2023", &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("2023.toml exists already; give --force"),
        "{}",
        stderr(&out)
    );
    let out = import(
        dir.path(),
        &book_path,
        "ueda/seisaku-kikaku",
        "2023",
        &["--force"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let json = edition_json(dir.path(), "ueda/seisaku-kikaku/2023");
    assert_eq!(json["items"][1]["actions"], serde_json::json!(["(1) 取組"]));
    assert_eq!(json["items"][2]["owner"], "政策企画課");
    assert_eq!(json["items"][2]["title"], "二つ目");
}

#[test]
fn a_department_sheet_named_by_file_alone_is_refused() {
    let dir = copy_site(&sample_root());
    let path = dir.path().join("goals.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["重点目標", "具体的な重点取組項目（箇条書き）"]
        .iter()
        .enumerate()
    {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, "1 目標").unwrap();
    sheet.write(1, 1, "① 取組").unwrap();
    book.save(&path).unwrap();
    let before = crate::common::snapshot(&dir.path().join("content"));
    let out = crate::common::kohyo(&[
        "import",
        path.to_str().unwrap(),
        "--series",
        "ueda/seisaku-kikaku",
        "--slug",
        "extra",
        "--root",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "goals.xlsx: only a form written by `kohyo sheet` carries its edition's dates"
        ),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        crate::common::snapshot(&dir.path().join("content")),
        before,
        "nothing written"
    );
}

#[test]
fn two_goals_under_one_goal_header_are_refused() {
    // Per-goal headers (the goal's title beside 重点目標): one goal's number per block.
    let err = import_error(
        &[
            &["重点目標", "一つ目の目標", "期限・数値目標等"],
            &["", "具体的な重点取組項目（箇条書き）"],
            &["1", "① 取組", "年度末まで"],
            &["2", "① 取組", "年度末まで"],
        ],
        &[],
    );
    assert!(
        err.contains("goals.xlsx:Sheet1!A4: a second goal 「2」 under the header of row 1"),
        "{err}"
    );
}

#[test]
fn a_goal_header_with_moved_columns_is_refused() {
    let err = import_error(
        &[
            &["重点目標", "一つ目の目標", "期限・数値目標等"],
            &["", "具体的な重点取組項目（箇条書き）"],
            &["1", "① 取組", "年度末まで"],
            &["重点目標", "二つ目の目標", "", "期限・数値目標等"],
            &["", "具体的な重点取組項目（箇条書き）"],
            &["2", "① 取組", "", "年度末まで"],
        ],
        &[],
    );
    assert!(
        err.contains(
            "goals.xlsx:Sheet1!D4: 「期限・数値目標等」 does not match the first header, which has 「期限・数値目標等」 in column C"
        ),
        "{err}"
    );
}

#[test]
fn ditto_under_a_goal_header_does_not_repeat_the_heading() {
    let err = import_error(
        &[
            &["重点目標", "一つ目の目標", "期限・数値目標等"],
            &["", "具体的な重点取組項目（箇条書き）"],
            &["1", "① 取組", "〃"],
        ],
        &[],
    );
    assert!(
        err.contains("goals.xlsx:Sheet1!C3: 「〃」 repeats the cell above, but there is none"),
        "{err}"
    );
}
