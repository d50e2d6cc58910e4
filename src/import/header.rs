//! Finding the header row of a sheet and what each of its columns holds.

use super::grid::Grid;
use crate::diagnostic::Message;
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

/// The header rows and their columns (column index, kind, heading as printed).
#[derive(Debug)]
pub struct Header {
    /// 0-based row of the headings.
    pub row: usize,
    /// Last row of the header: `row`, or the row below when it holds headings too.
    pub last: usize,
    /// Each recognised column: index, what it holds, heading text as printed.
    pub columns: Vec<(usize, Column, String)>,
    /// The goal's own values printed beside their labels (row, column, label's kind, text):
    /// the goal's title beside 重点目標, its mark beside 各部局の自己評価.
    pub values: Vec<(usize, usize, Column, String)>,
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

/// Find the header: the first row with at least two known headings. Every other cell of that
/// row must be a known heading too, or the goal's own value beside its label (the title right
/// of 重点目標, the mark right of 各部局の自己評価); a row below of headings only belongs to the
/// header as well. No kind may appear twice.
pub fn find(grid: &Grid, series: &Series) -> Result<Header, Message> {
    let known = known(series);
    for row in 0..grid.cells.len() {
        if let Some(header) = read(grid, series, &known, row)? {
            return Ok(header);
        }
    }
    let place = grid.place(0, 0);
    let headings = dedup(
        known
            .iter()
            .skip(2)
            .map(|(k, _)| format!("「{k}」"))
            .collect(),
    )
    .into_iter()
    .take(8)
    .collect::<Vec<_>>()
    .join("、");
    Err(Message::new(
        format!(
            "{place}: no header row found: expected a row with at least two of the headings {headings}"
        ),
        format!(
            "{place}: 見出しの行が見つかりません。{headings} のうち 2 つ以上の見出しが並ぶ行を表の上に置いてください"
        ),
    ))
}

/// A header repeated below the first (the per-goal block layout): a row holding the top
/// level's heading read as [`find`] reads the first; `None` when `row` is not one.
pub fn repeated(grid: &Grid, series: &Series, row: usize) -> Result<Option<Header>, Message> {
    let known = known(series);
    let top = |t: &String| lookup(&known, t) == Some(Column::Level(0));
    if !grid
        .cells
        .get(row)
        .is_some_and(|cells| cells.iter().any(top))
    {
        return Ok(None);
    }
    read(grid, series, &known, row)
}

/// The kind of a heading, if it is one.
fn lookup(known: &[(String, Column)], text: &str) -> Option<Column> {
    let s = squeeze(text);
    known.iter().find(|(k, _)| *k == s).map(|(_, c)| *c)
}

/// Whether a heading labels a value of the goal printed beside it in a block's header.
fn labels_value(kind: Column) -> bool {
    matches!(
        kind,
        Column::Level(0)
            | Column::Scalar("evaluation")
            | Column::Scalar("owner")
            | Column::Scalar("status")
    )
}

/// The header starting at `row`, or `None` when the row has fewer than two known headings.
fn read(
    grid: &Grid,
    series: &Series,
    known: &[(String, Column)],
    row: usize,
) -> Result<Option<Header>, Message> {
    let hits = grid.cells[row]
        .iter()
        .filter(|c| lookup(known, c).is_some())
        .count();
    if hits < 2 {
        return Ok(None);
    }
    let mut header = Header {
        row,
        last: row,
        columns: Vec::new(),
        values: Vec::new(),
    };
    read_row(grid, known, row, &mut header, true)?;
    // A second row of headings only (具体的な重点取組項目 under the goal's title).
    let next = row + 1;
    if next < grid.cells.len() && heading_row(grid, known, next) {
        read_row(grid, known, next, &mut header, false)?;
        header.last = next;
    }
    if !header
        .columns
        .iter()
        .any(|(_, k, _)| matches!(k, Column::Level(_) | Column::List("actions")))
    {
        let place = grid.place(row, 0);
        return Err(Message::new(
            format!(
                "{place}: the header has no column for the items: expected 「{}」 or 「具体的な重点取組項目（箇条書き）」",
                series.levels.join("」, 「")
            ),
            format!(
                "{place}: 見出しに項目の列がありません。「{}」か「具体的な重点取組項目（箇条書き）」の列を加えてください",
                series.levels.join("」「")
            ),
        ));
    }
    Ok(Some(header))
}

/// Whether a row holds headings (and values beside their labels) only, none of the top level.
fn heading_row(grid: &Grid, known: &[(String, Column)], row: usize) -> bool {
    let mut any = false;
    let mut label = None;
    for text in &grid.cells[row] {
        if text.trim().is_empty() {
            continue;
        }
        match lookup(known, text) {
            Some(Column::Level(0)) => return false,
            Some(kind) => {
                any = true;
                label = Some(kind).filter(|k| labels_value(*k));
            }
            None if label.take().is_some() => {}
            None => return false,
        }
    }
    any
}

/// Read one row of a header into `header`: headings as columns, values beside labels.
fn read_row(
    grid: &Grid,
    known: &[(String, Column)],
    row: usize,
    header: &mut Header,
    first: bool,
) -> Result<(), Message> {
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
    let mut label: Option<Column> = None;
    for (col, text) in grid.cells[row].iter().enumerate() {
        if text.trim().is_empty() || grid.covered(row, col) {
            continue;
        }
        let Some(kind) = lookup(known, text) else {
            if let Some(kind) = label.take() {
                header.values.push((row, col, kind, text.clone()));
                continue;
            }
            let names: Vec<String> = known.iter().skip(2).map(|(k, _)| k.clone()).collect();
            let (place, text, names) = (grid.place(row, col), text.trim(), dedup(names).join("、"));
            return Err(Message::new(
                format!(
                    "{place}: unknown column 「{text}」: expected one of the series' headings ({names}){}",
                    match first {
                        true => "",
                        false => ", or only headings on the header's second row",
                    }
                ),
                format!(
                    "{place}: 「{text}」は知らない見出しです。{}シリーズの見出し（{names}）のどれかにしてください",
                    match first {
                        true => "",
                        false => "見出しの 2 行目には見出しだけを置き、",
                    }
                ),
            ));
        };
        let unused = meanings(text)
            .into_iter()
            .find(|m| !header.columns.iter().any(|(_, k, _)| k == m));
        let Some(kind) = unused else {
            let first = header
                .columns
                .iter()
                .find(|(_, k, _)| *k == kind)
                .map_or(col, |(c, _, _)| *c);
            let first_row = match lookup(known, grid.text(header.row, first)) == Some(kind) {
                true => header.row,
                false => row,
            };
            let (place, text) = (grid.place(row, col), text.trim());
            let first = super::grid::cell_name(first_row, first);
            return Err(Message::new(
                format!(
                    "{place}: column 「{text}」 appears twice (first at {first}); expected each heading once"
                ),
                format!(
                    "{place}: 見出し「{text}」が 2 回あります（1 回目は {first}）。見出しは 1 回ずつにしてください"
                ),
            ));
        };
        label = Some(kind).filter(|k| labels_value(*k));
        header.columns.push((col, kind, text.trim().to_string()));
    }
    header.columns.sort_by_key(|(c, _, _)| *c);
    Ok(())
}

fn dedup(mut names: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}
