//! The per-goal block layout (上田市's 令和7年度 table): each goal is a block of rows whose
//! first rows repeat the header, with the goal's own title beside 重点目標 and its mark beside
//! 各部局の自己評価; a page's title rows may be printed again above a block.

use toml::{Table, Value};

use super::cells::heading_keys;
use super::grid::{Grid, cell_name, column_name};
use super::header::{self, Column, Header};
use crate::diagnostic::Message;
use crate::model::Series;

/// The headers of a sheet and the rows that are neither header nor data.
#[derive(Debug)]
pub struct Blocks {
    /// Every header in row order: the first, then each one repeated below it.
    pub heads: Vec<Header>,
    /// The columns of all headers together (a heading may be missing from some).
    pub columns: Vec<(usize, Column, String)>,
    /// Rows repeating the sheet's title rows above a block (a page's head printed again).
    pub page_rows: Vec<usize>,
    /// Whether each header starts a goal (some header holds a goal's own values); otherwise
    /// a header repeated below is skipped and goals come from their cells.
    pub per_goal: bool,
}

impl Blocks {
    /// The header whose rows include `row`, if any.
    pub fn head_at(&self, row: usize) -> Option<&Header> {
        self.heads.iter().find(|h| (h.row..=h.last).contains(&row))
    }
}

/// The headers below `first` and the page heads above them; warnings name the title cells of
/// a repeated page head whose text differs from the sheet's top.
pub fn find(
    grid: &Grid,
    series: &Series,
    first: Header,
    warnings: &mut Vec<Message>,
) -> Result<Blocks, Message> {
    let mut columns = first.columns.clone();
    let mut heads = vec![first];
    let mut row = heads[0].last + 1;
    while row < grid.cells.len() {
        let Some(head) = header::repeated(grid, series, row)? else {
            row += 1;
            continue;
        };
        for (col, kind, heading) in &head.columns {
            let clash = columns
                .iter()
                .find(|(c, k, _)| (c == col) != (k == kind))
                .map(|(c, _, h)| (*c, h.clone()));
            if let Some((c, h)) = clash {
                let (place, column) = (grid.place(head.row, *col), column_name(c));
                return Err(Message::new(
                    format!(
                        "{place}: 「{heading}」 does not match the first header, which has 「{h}」 in column {column}; expected the same columns under every goal's header"
                    ),
                    format!(
                        "{place}: 「{heading}」が最初の見出しと合いません（最初の見出しでは {column} 列が「{h}」です）。どの目標の見出しも同じ列に並べてください"
                    ),
                ));
            }
            if !columns.iter().any(|(c, _, _)| c == col) {
                columns.push((*col, *kind, heading.clone()));
            }
        }
        row = head.last + 1;
        heads.push(head);
    }
    columns.sort_by_key(|(c, _, _)| *c);
    let per_goal = heads.iter().any(|h| !h.values.is_empty());
    let mut page_rows = Vec::new();
    for i in 1..heads.len() {
        let floor = heads[i - 1].last + 1;
        page_rows.extend(page_head(grid, heads[0].row, floor, heads[i].row, warnings));
    }
    Ok(Blocks {
        heads,
        columns,
        page_rows,
        per_goal,
    })
}

/// The filled cells of a row: (column, text).
fn filled(grid: &Grid, row: usize) -> Vec<(usize, &str)> {
    (0..grid.width())
        .map(|c| (c, grid.text(row, c)))
        .filter(|(_, t)| !t.trim().is_empty())
        .collect()
}

/// The rows just above `head` (not above `floor`) that repeat the sheet's title rows (those
/// above `top`), matched from the last title row up, each with its cells in the same columns;
/// a repeat only when one of them has the same text as its title row. Rows with other text are
/// warned about, naming both cells.
fn page_head(
    grid: &Grid,
    top: usize,
    floor: usize,
    head: usize,
    warnings: &mut Vec<Message>,
) -> Vec<usize> {
    let titles: Vec<usize> = (0..top).filter(|&r| !filled(grid, r).is_empty()).collect();
    let mut pairs = Vec::new();
    let mut above = (floor..head).rev().filter(|&r| !filled(grid, r).is_empty());
    for &title in titles.iter().rev() {
        let Some(row) = above.next() else { break };
        let columns = |r| filled(grid, r).iter().map(|(c, _)| *c).collect::<Vec<_>>();
        if columns(row) != columns(title) {
            break;
        }
        pairs.push((row, title));
    }
    let same = |&(row, title): &(usize, usize)| filled(grid, row) == filled(grid, title);
    if !pairs.iter().any(same) {
        return Vec::new();
    }
    for pair in pairs.iter().filter(|p| !same(p)) {
        for ((c, text), (tc, top_text)) in
            filled(grid, pair.0).into_iter().zip(filled(grid, pair.1))
        {
            if text != top_text {
                let (place, text, top) =
                    (grid.place(pair.0, c), text.trim(), cell_name(pair.1, tc));
                let top_text = top_text.trim();
                warnings.push(Message::new(
                    format!(
                        "{place}: not imported: 「{text}」 repeats the sheet's title rows with other text than {top} 「{top_text}」"
                    ),
                    format!(
                        "{place}: 「{text}」は取り込んでいません。シートの表題の行の繰り返しですが、{top} の「{top_text}」と文字が違います"
                    ),
                ));
            }
        }
    }
    pairs.into_iter().map(|(row, _)| row).collect()
}

/// The keys a block's header gives its goal: number and title from the cell beside the top
/// level's heading, the evaluation (owner, status) from the cell beside its label.
pub fn goal_keys(head: &Header, form: bool, indicator_heads: &[String]) -> Table {
    let mut keys = Table::new();
    for (_, _, kind, text) in &head.values {
        match kind {
            Column::Level(_) => keys.extend(heading_keys(text, form, indicator_heads)),
            Column::Scalar(key) => {
                keys.insert((*key).into(), Value::String(text.trim().to_string()));
            }
            _ => {}
        }
    }
    keys
}
