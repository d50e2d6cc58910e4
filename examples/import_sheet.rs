//! A department's workbook for the import benchmark, laid out like 上田市's 重点目標一覧表 of
//! 平成29年度: title rows, 担当部局名, a header row (重点目標, 具体的な重点取組項目（簡条書き）,
//! 達成状況・達成度) after a spacer column, goals merged over their rows, each row's ① lines
//! starting items with their actions, in-cell line breaks, and a notes row at the end.
//!
//! `cargo run --release --example import_sheet -- ROWS OUT.xlsx`: ROWS data rows (two per goal,
//! three items per goal), for `kohyo import OUT.xlsx --series ueda/shimin-machizukuri --year 2030`
//! on the sample site.

use std::process::ExitCode;

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// Goal titles, items and results drawn from (made distinct by their number).
const GOALS: [&str; 4] = [
    "地域内分権確立に向けた地域の自治の推進",
    "市民協働によるまちづくりの推進",
    "地域の担い手の育成と活動の支援",
    "住民自治組織と市の連携の強化",
];
const ITEMS: [&str; 4] = [
    "住民自治組織の設立促進と組織運営、活動の支援",
    "職員による地域支援",
    "地域協議会の運営と検討",
    "市民活動団体との協働事業の実施",
];
const ACTIONS: [&str; 4] = [
    "住民自治組織設立地域での各組織の活動に応じた支援",
    "地域担当職員、自治センター職員により地域経営会議の活動を支援",
    "西部地域での住民自治組織設立促進",
    "協働事業提案制度の周知と事業の選定",
];
const RESULTS: [&str; 4] = [
    "・9組織の活動を支援",
    "地域経営会議で組織設立の協議",
    "中央地域で地域経営会議設立(H29.12.20)",
    "協働事業を5件実施",
];

fn circled(n: usize) -> char {
    char::from_u32(0x2460 + n as u32).unwrap_or('①')
}

fn write(rows: u32, path: &str) -> Result<(), XlsxError> {
    let mut book = Workbook::new();
    let wrap = Format::new().set_text_wrap();
    let sheet = book.add_worksheet();
    sheet.set_name("Sheet1")?;
    sheet.write(0, 1, "重点目標一覧表")?;
    sheet.write(1, 1, "担当部局名")?;
    sheet.write(1, 2, "市民参加協働部・上田地域自治C")?;
    sheet.write(2, 1, "【令和12年度重点目標】")?;
    let heads = [
        "重点目標",
        "具体的な重点取組項目（簡条書き）",
        "達成状況・達成度",
    ];
    for (i, h) in heads.iter().enumerate() {
        sheet.write(4, 1 + i as u16, *h)?;
    }
    let mut row = 5;
    let goals = rows.div_ceil(2);
    for g in 0..goals as usize {
        let goal = format!("{}\n{}（その{}）", g + 1, GOALS[g % 4], g + 1);
        let span = if row + 1 < 5 + rows { 2 } else { 1 };
        if span == 2 {
            sheet.merge_range(row, 1, row + 1, 1, &goal, &wrap)?;
        } else {
            sheet.write_with_format(row, 1, &goal, &wrap)?;
        }
        // Row one holds items ① and ②, row two item ③.
        for (r, items) in [(0, 0..2), (1, 2..3)].into_iter().take(span as usize) {
            let mut actions = Vec::new();
            let mut results = Vec::new();
            for i in items {
                let k = (g + i) % 4;
                actions.push(format!("{}{}（{}-{}）", circled(i), ITEMS[k], g + 1, i + 1));
                actions.push(ACTIONS[k].to_string());
                actions.push(ACTIONS[(k + 1) % 4].to_string());
                results.push(format!("{}{}", circled(i), RESULTS[k]));
                results.push(RESULTS[(k + 2) % 4].to_string());
            }
            sheet.write_with_format(row + r, 2, actions.join("\n"), &wrap)?;
            sheet.write_with_format(row + r, 3, results.join("\n"), &wrap)?;
        }
        row += span;
    }
    sheet.write(row + 1, 1, "※ 達成状況は年度末現在")?;
    book.save(path)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(rows), Some(path)) = (args.get(1).and_then(|r| r.parse().ok()), args.get(2)) else {
        eprintln!("usage: import_sheet ROWS OUT.xlsx");
        return ExitCode::FAILURE;
    };
    match write(rows, path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cannot write {path}: {e}");
            ExitCode::FAILURE
        }
    }
}
