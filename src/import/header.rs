//! Finding the header row of a sheet and what each of its columns holds.

use super::grid::Grid;
use crate::model::{Labels, Series};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// The number and title of items of one depth (`levels[depth]`).
    Level(usize),
    /// A list field of the deepest item: `actions`, `targets`, `progress`, `results`.
    List(&'static str),
    /// A one-value field: `evaluation`, `owner`, `status`, `see` (its text).
    Scalar(&'static str),
    /// The hidden id column of a kohyo form.
    Id,
    /// The hidden column of a kohyo form with each item's keys not shown as columns.
    Extra,
}

/// Heading of the hidden id column of a kohyo form.
pub const ID_HEADING: &str = "kohyo:id";
/// Heading of the hidden column with the other keys of each item.
pub const EXTRA_HEADING: &str = "kohyo:keys";

/// The header row and its columns (column index, kind, heading as printed).
#[derive(Debug)]
pub struct Header {
    /// 0-based row of the headings.
    pub row: usize,
    /// Each recognised column: index, what it holds, heading text as printed.
    pub columns: Vec<(usize, Column, String)>,
}

/// Headings kohyo knows besides the series' own: the usual ones of 重点目標一覧表.
const USUAL: [(&str, Column); 18] = [
    ("参照", Column::Scalar("see")),
    ("具体的な重点取組項目（箇条書き）", Column::List("actions")),
    ("具体的な重点取組項目（簡条書き）", Column::List("actions")),
    ("具体的な重点取組項目", Column::List("actions")),
    ("具体的な取組", Column::List("actions")),
    ("取組内容", Column::List("actions")),
    ("期限・数値目標等", Column::List("targets")),
    ("数値目標", Column::List("targets")),
    ("進捗状況・進捗度", Column::List("progress")),
    ("進捗状況", Column::List("progress")),
    ("達成状況・達成度", Column::List("results")),
    ("達成状況", Column::List("results")),
    ("各部局の自己評価", Column::Scalar("evaluation")),
    ("自己評価", Column::Scalar("evaluation")),
    ("担当", Column::Scalar("owner")),
    ("担当課", Column::Scalar("owner")),
    ("区分", Column::Scalar("status")),
    ("新規・継続", Column::Scalar("status")),
];

/// A heading compared without white space or line breaks (a heading wrapped by Alt+Enter).
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Every heading the series may use, with what it means.
fn known(series: &Series) -> Vec<(String, Column)> {
    let mut list = vec![
        (ID_HEADING.to_string(), Column::Id),
        (EXTRA_HEADING.to_string(), Column::Extra),
    ];
    for (depth, level) in series.levels.iter().enumerate() {
        list.push((squeeze(level), Column::Level(depth)));
    }
    let labels = series.labels.resolve(&Labels::default());
    let own = [
        (&labels.actions, Column::List("actions")),
        (&labels.targets, Column::List("targets")),
        (&labels.progress, Column::List("progress")),
        (&labels.results, Column::List("results")),
        (&labels.evaluation, Column::Scalar("evaluation")),
        (&labels.owner, Column::Scalar("owner")),
        (&labels.status, Column::Scalar("status")),
        (&labels.see, Column::Scalar("see")),
    ];
    for (label, column) in own {
        if let Some(label) = label {
            list.push((squeeze(label), column));
        }
    }
    list.extend(USUAL.iter().map(|(l, c)| (squeeze(l), *c)));
    list
}

/// Find the header: the first row with at least two known headings. Every other heading in
/// that row must be known too, and no kind may appear twice.
pub fn find(grid: &Grid, series: &Series) -> Result<Header, String> {
    let known = known(series);
    let lookup = |text: &str| {
        let s = squeeze(text);
        known.iter().find(|(k, _)| *k == s).map(|(_, c)| *c)
    };
    // Every meaning of a heading, in order: a level named like a field (具体的な取組) is the
    // level where it first appears and the field where it appears again.
    let meanings = |text: &str| {
        let s = squeeze(text);
        known
            .iter()
            .filter(|(k, _)| *k == s)
            .map(|(_, c)| *c)
            .collect::<Vec<_>>()
    };
    for (row, cells) in grid.cells.iter().enumerate() {
        let hits = cells.iter().filter(|c| lookup(c).is_some()).count();
        if hits < 2 {
            continue;
        }
        let mut columns: Vec<(usize, Column, String)> = Vec::new();
        for (col, text) in cells.iter().enumerate() {
            if text.trim().is_empty() {
                continue;
            }
            let Some(kind) = lookup(text) else {
                let names: Vec<String> = known.iter().skip(2).map(|(k, _)| k.clone()).collect();
                return Err(format!(
                    "{}: unknown column 「{}」: expected one of the series' headings ({})",
                    grid.place(row, col),
                    text.trim(),
                    dedup(names).join("、")
                ));
            };
            let unused = meanings(text)
                .into_iter()
                .find(|m| !columns.iter().any(|(_, k, _)| k == m));
            let Some(kind) = unused else {
                let first = columns
                    .iter()
                    .find(|(_, k, _)| *k == kind)
                    .map_or(col, |(c, _, _)| *c);
                return Err(format!(
                    "{}: column 「{}」 appears twice (first at {}); expected each heading once",
                    grid.place(row, col),
                    text.trim(),
                    super::grid::cell_name(row, first)
                ));
            };
            columns.push((col, kind, text.trim().to_string()));
        }
        if !columns
            .iter()
            .any(|(_, k, _)| matches!(k, Column::Level(_) | Column::List("actions")))
        {
            return Err(format!(
                "{}: the header has no column for the items: expected 「{}」 or 「具体的な重点取組項目（箇条書き）」",
                grid.place(row, 0),
                series.levels.join("」, 「")
            ));
        }
        return Ok(Header { row, columns });
    }
    Err(format!(
        "{}: no header row found: expected a row with at least two of the headings {}",
        grid.place(0, 0),
        dedup(
            known
                .iter()
                .skip(2)
                .map(|(k, _)| format!("「{k}」"))
                .collect()
        )
        .into_iter()
        .take(8)
        .collect::<Vec<_>>()
        .join("、")
    ))
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}
