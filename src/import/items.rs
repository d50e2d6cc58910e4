//! Building the item tree from the rows under the header: merged and blank cells continue an
//! item, 〃 and 同上 repeat the cell above, ①② lines in the actions column start items, each
//! line of a list cell is one entry, exactly as written.

use toml::{Table, Value};

use super::blocks::{Blocks, goal_keys};
use super::cells::{
    heading_keys, is_ditto, is_note, is_owner, leaf_headings, marker_blocks, strings,
};
use super::figures::Figure;
use super::grid::Grid;
use super::header::Column;
use super::place::{by_span, deepest_open, open_path, place_field, push_at};
use crate::diagnostic::Message;

/// An item while the rows are read: its keys, its rows, its children.
#[derive(Debug, Default)]
pub struct Draft {
    /// Keys in the order they are written (`number`, `title`, fields…).
    pub keys: Table,
    /// Children one level deeper.
    pub items: Vec<Draft>,
    /// First and last data row (0-based sheet rows) the item spans.
    pub rows: (usize, usize),
    /// Headline lines of its list cells that may be indicators (see [`super::figures`]).
    pub figures: Vec<Figure>,
}

/// The result of reading the rows: top-level items and warnings naming cells.
pub struct Built {
    /// Top-level items.
    pub items: Vec<Draft>,
    /// Cells that were read but not imported (notes), each with its place.
    pub warnings: Vec<Message>,
}

/// Read the rows under the headers into items of `depths` levels; `indicator_heads` are the
/// headings (施策評価指標) that start a list of indicators inside a heading cell. In the
/// per-goal layout each header starts a goal with its values, and the goal's cell in the
/// column of 重点目標 below gives only what the header lacks (its number).
pub fn build(
    grid: &Grid,
    blocks: &Blocks,
    depths: usize,
    indicator_heads: &[String],
) -> Result<Built, Message> {
    let columns = &blocks.columns;
    let first = &blocks.heads[0];
    let form = columns.iter().any(|(_, k, _)| *k == Column::Id);
    let level_cols: Vec<(usize, usize)> = columns
        .iter()
        .filter_map(|(c, k, _)| match k {
            Column::Level(d) => Some((*d, *c)),
            _ => None,
        })
        .collect();
    let known: Vec<usize> = columns.iter().map(|(c, _, _)| *c).collect();
    let leaf = depths.saturating_sub(1);
    let marker_items = !level_cols.iter().any(|(d, _)| *d == leaf);
    let actions_col = columns
        .iter()
        .find(|(_, k, _)| *k == Column::List("actions"))
        .map(|(c, _, _)| *c);
    // Effective text: 〃 and 同上 replaced by the text above in the same column.
    let mut text: Vec<Vec<String>> = grid.cells.clone();
    let mut warnings = Vec::new();
    let mut data_rows = Vec::new();
    let mut head_rows = Vec::new();
    if blocks.per_goal {
        head_rows.push(first.row);
    }
    for r in first.last + 1..grid.cells.len() {
        if let Some(head) = blocks.head_at(r) {
            if blocks.per_goal && head.row == r {
                head_rows.push(r);
            }
            continue;
        }
        if blocks.page_rows.contains(&r) {
            continue;
        }
        let filled: Vec<usize> = (0..grid.width())
            .filter(|&c| !grid.text(r, c).trim().is_empty())
            .collect();
        if filled.is_empty() {
            continue;
        }
        if is_note(grid.text(r, filled[0])) || filled.iter().all(|c| !known.contains(c)) {
            for &c in &filled {
                let (place, text) = (grid.place(r, c), grid.text(r, c).trim());
                warnings.push(Message::new(
                    format!(
                        "{place}: not imported: 「{text}」 is a note outside the table's columns"
                    ),
                    format!("{place}: 「{text}」は表の列の外にある注記なので、取り込んでいません"),
                ));
            }
            continue;
        }
        if let Some(&c) = filled.iter().find(|c| !known.contains(c)) {
            let (place, text, row) = (grid.place(r, c), grid.text(r, c).trim(), first.row + 1);
            return Err(Message::new(
                format!(
                    "{place}: cannot place 「{text}」: the column has no heading; expected text only under the headings of row {row}"
                ),
                format!(
                    "{place}: 「{text}」の列に見出しがないため、どこに入れるか分かりません。{row} 行目の見出しの下にだけ書いてください"
                ),
            ));
        }
        for &c in &filled {
            if is_ditto(grid.text(r, c)) {
                // The data rows above only: never a header or title row between.
                let above = data_rows
                    .iter()
                    .rev()
                    .map(|&a: &usize| text[a].get(c).cloned().unwrap_or_default())
                    .find(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        let (place, text) = (grid.place(r, c), grid.text(r, c).trim());
                        Message::new(
                            format!(
                                "{place}: 「{text}」 repeats the cell above, but there is none; expected text"
                            ),
                            format!(
                                "{place}: 「{text}」は上のセルの繰り返しですが、上に文字がありません。文字を書いてください"
                            ),
                        )
                    })?;
                text[r][c] = above;
            }
        }
        data_rows.push(r);
    }
    let last = data_rows.last().copied().unwrap_or(first.last);
    // Pass 1: the tree, with the row each item starts on.
    let mut roots: Vec<Draft> = Vec::new();
    let mut row_items: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
    // In the per-goal layout: the header row of the open goal's block, and whether the goal's
    // cell in the column of 重点目標 has been read.
    let mut block: Option<(usize, bool)> = None;
    let mut rows: Vec<usize> = data_rows.iter().chain(&head_rows).copied().collect();
    rows.sort_unstable();
    for &r in &rows {
        if let Some(head) = blocks.head_at(r) {
            let draft = Draft {
                keys: goal_keys(head, form, indicator_heads),
                items: Vec::new(),
                rows: (r, last),
                ..Default::default()
            };
            push_at(&mut roots, &[], draft, r);
            block = Some((r, false));
            continue;
        }
        let mut started = Vec::new();
        for &(depth, c) in &level_cols {
            let t = &text[r][c];
            if t.trim().is_empty() || grid.covered(r, c) || is_ditto(grid.text(r, c)) {
                continue;
            }
            if let (0, Some((head_row, read))) = (depth, block.as_mut()) {
                if *read {
                    let (place, text, row) = (grid.place(r, c), t.trim(), *head_row + 1);
                    return Err(Message::new(
                        format!(
                            "{place}: a second goal 「{text}」 under the header of row {row}; expected one goal per header, its number in this column"
                        ),
                        format!(
                            "{place}: {row} 行目の見出しの下に 2 つ目の目標「{text}」があります。見出し 1 つに目標は 1 つで、この列にはその番号を書いてください"
                        ),
                    ));
                }
                *read = true;
                let path = vec![roots.len() - 1];
                merge_goal_cell(&mut roots[path[0]], heading_keys(t, form, indicator_heads))
                    .map_err(|key| {
                        let (place, text, row) = (grid.place(r, c), t.trim(), *head_row + 1);
                        Message::new(
                            format!(
                                "{place}: 「{text}」 gives the goal a second {key}; expected only what the header of row {row} lacks (the goal's number)"
                            ),
                            format!(
                                "{place}: 「{text}」は目標の {key} を 2 つ目として与えています。ここには {row} 行目の見出しにないもの（目標の番号）だけを書いてください"
                            ),
                        )
                    })?;
                started.push(path);
                continue;
            }
            let path = open_path(&roots, depth).ok_or_else(|| {
                let (place, text) = (grid.place(r, c), t.trim());
                let (en, ja) = if depth > 0 {
                    ("item", "項目")
                } else {
                    ("goal", "目標")
                };
                Message::new(
                    format!(
                        "{place}: 「{text}」 has no enclosing {en}; expected a heading in the column to its left first"
                    ),
                    format!(
                        "{place}: 「{text}」を含む{ja}がありません。先に左の列に見出しを書いてください"
                    ),
                )
            })?;
            // A cell of the deepest level may list several items, one per ① line.
            let headings = match depth == leaf && !form {
                true => leaf_headings(t),
                false => vec![t.clone()],
            };
            for heading in headings {
                let draft = Draft {
                    keys: heading_keys(&heading, form, indicator_heads),
                    items: Vec::new(),
                    rows: (r, last),
                    ..Default::default()
                };
                started.push(push_at(&mut roots, &path, draft, r));
            }
        }
        if marker_items && let Some(c) = actions_col {
            let blocks = marker_blocks(&text[r][c]);
            if blocks.iter().any(|b| b.0.is_some()) {
                for (heading, actions) in blocks {
                    let Some(heading) = heading else {
                        let place = grid.place(r, c);
                        return Err(Message::new(
                            format!(
                                "{place}: the lines before the first ① marker belong to no item; expected each item to start with its number (①, ②, …)"
                            ),
                            format!(
                                "{place}: 最初の ① より前の行がどの項目にも属しません。項目はそれぞれ番号（①、②、…）から書き始めてください"
                            ),
                        ));
                    };
                    let path = open_path(&roots, leaf).ok_or_else(|| {
                        let place = grid.place(r, c);
                        Message::new(
                            format!(
                                "{place}: item 「{heading}」 has no enclosing goal; expected a goal in the column to its left"
                            ),
                            format!(
                                "{place}: 項目「{heading}」を含む目標がありません。左の列に目標を書いてください"
                            ),
                        )
                    })?;
                    let mut draft = Draft {
                        keys: heading_keys(&heading, form, indicator_heads),
                        items: Vec::new(),
                        rows: (r, last),
                        ..Default::default()
                    };
                    let (owners, actions): (Vec<String>, Vec<String>) =
                        actions.into_iter().partition(|l| is_owner(l, form));
                    if let Some(owner) = owners.first() {
                        let owner = owner.trim_start_matches('【').trim_end_matches('】');
                        draft
                            .keys
                            .insert("owner".into(), Value::String(owner.into()));
                    }
                    if !actions.is_empty() {
                        draft.keys.insert("actions".into(), strings(actions));
                    }
                    started.push(push_at(&mut roots, &path, draft, r));
                }
            }
        }
        row_items.push((r, started));
    }
    // Pass 2: the fields of each row, to the item they belong to.
    for (r, started) in &row_items {
        for (c, kind, _) in columns {
            if matches!(kind, Column::Level(_)) || grid.covered(*r, *c) {
                continue;
            }
            let t = &text[*r][*c];
            if t.trim().is_empty() {
                continue;
            }
            if marker_items && Some(*c) == actions_col && !started.is_empty() {
                let started_here = started.iter().any(|p| p.len() == leaf + 1);
                if started_here {
                    continue;
                }
            }
            let target = match grid.merge_at(*r, *c).filter(|m| m.2 > m.0) {
                Some(m) => by_span(&roots, (m.0, m.2)).ok_or_else(|| {
                    let place = grid.place(*r, *c);
                    let range = format!(
                        "{}:{}",
                        super::grid::cell_name(m.0, m.1),
                        super::grid::cell_name(m.2, m.3)
                    );
                    Message::new(
                        format!(
                            "{place}: the merged cell {range} spans rows of more than one item; expected one cell per goal or item"
                        ),
                        format!(
                            "{place}: 結合したセル {range} が 2 つ以上の項目の行にまたがっています。セルの結合を解き、目標や項目ごとに 1 つのセルにしてください"
                        ),
                    )
                })?,
                None => match started.last() {
                    Some(p) => p.clone(),
                    None => deepest_open(&roots).ok_or_else(|| {
                        let (place, text) = (grid.place(*r, *c), t.trim());
                        Message::new(
                            format!(
                                "{place}: 「{text}」 belongs to no item; expected an item heading on this row or above"
                            ),
                            format!(
                                "{place}: 「{text}」がどの項目にも属しません。この行かそれより上に項目の見出しを書いてください"
                            ),
                        )
                    })?,
                },
            };
            let leaf_items: Vec<&Vec<usize>> = match marker_items {
                true => started.iter().filter(|p| p.len() == leaf + 1).collect(),
                false => Vec::new(),
            };
            place_field(
                &mut roots,
                *kind,
                t,
                &target,
                &leaf_items,
                grid.place(*r, *c),
            )?;
        }
    }
    Ok(Built {
        items: roots,
        warnings,
    })
}

/// Give a goal started by its block's header the keys of its cell below (its number first);
/// `Err(key)` when both give the same key.
fn merge_goal_cell(goal: &mut Draft, mut keys: Table) -> Result<(), String> {
    for (key, value) in std::mem::take(&mut goal.keys) {
        if keys.contains_key(&key) {
            return Err(key);
        }
        keys.insert(key, value);
    }
    goal.keys = keys;
    Ok(())
}
