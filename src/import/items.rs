//! Building the item tree from the rows under the header: merged and blank cells continue an
//! item, 〃 and 同上 repeat the cell above, ①② lines in the actions column start items, each
//! line of a list cell is one entry, exactly as written.

use toml::{Table, Value};

use super::cells::{
    heading_keys, is_ditto, is_note, is_owner, leaf_headings, marker_blocks, strings,
};
use super::grid::Grid;
use super::header::{Column, Header};
use super::place::{by_span, deepest_open, open_path, place_field, push_at};

/// An item while the rows are read: its keys, its rows, its children.
#[derive(Debug, Default)]
pub struct Draft {
    /// Keys in the order they are written (`number`, `title`, fields…).
    pub keys: Table,
    /// Children one level deeper.
    pub items: Vec<Draft>,
    /// First and last data row (0-based sheet rows) the item spans.
    pub rows: (usize, usize),
}

/// The result of reading the rows: top-level items and warnings naming cells.
pub struct Built {
    /// Top-level items.
    pub items: Vec<Draft>,
    /// Cells that were read but not imported (notes), each with its place.
    pub warnings: Vec<String>,
}

/// Read the rows under the header into items of `depths` levels; `indicator_heads` are the
/// headings (施策評価指標) that start a list of indicators inside a heading cell.
pub fn build(
    grid: &Grid,
    header: &Header,
    depths: usize,
    indicator_heads: &[String],
) -> Result<Built, String> {
    let form = header.columns.iter().any(|(_, k, _)| *k == Column::Id);
    let level_cols: Vec<(usize, usize)> = header
        .columns
        .iter()
        .filter_map(|(c, k, _)| match k {
            Column::Level(d) => Some((*d, *c)),
            _ => None,
        })
        .collect();
    let known: Vec<usize> = header.columns.iter().map(|(c, _, _)| *c).collect();
    let leaf = depths.saturating_sub(1);
    let marker_items = !level_cols.iter().any(|(d, _)| *d == leaf);
    let actions_col = header
        .columns
        .iter()
        .find(|(_, k, _)| *k == Column::List("actions"))
        .map(|(c, _, _)| *c);
    // Effective text: 〃 and 同上 replaced by the text above in the same column.
    let mut text: Vec<Vec<String>> = grid.cells.clone();
    let mut warnings = Vec::new();
    let mut data_rows = Vec::new();
    for r in header.row + 1..grid.cells.len() {
        let filled: Vec<usize> = (0..grid.width())
            .filter(|&c| !grid.text(r, c).trim().is_empty())
            .collect();
        if filled.is_empty() {
            continue;
        }
        if is_note(grid.text(r, filled[0])) || filled.iter().all(|c| !known.contains(c)) {
            for &c in &filled {
                warnings.push(format!(
                    "{}: not imported: 「{}」 is a note outside the table's columns",
                    grid.place(r, c),
                    grid.text(r, c).trim()
                ));
            }
            continue;
        }
        if let Some(&c) = filled.iter().find(|c| !known.contains(c)) {
            return Err(format!(
                "{}: cannot place 「{}」: the column has no heading; expected text only under the headings of row {}",
                grid.place(r, c),
                grid.text(r, c).trim(),
                header.row + 1
            ));
        }
        for &c in &filled {
            if is_ditto(grid.text(r, c)) {
                let above = (header.row + 1..r)
                    .rev()
                    .map(|a| text[a].get(c).cloned().unwrap_or_default())
                    .find(|t| !t.trim().is_empty())
                    .ok_or_else(|| {
                        format!(
                            "{}: 「{}」 repeats the cell above, but there is none; expected text",
                            grid.place(r, c),
                            grid.text(r, c).trim()
                        )
                    })?;
                text[r][c] = above;
            }
        }
        data_rows.push(r);
    }
    let last = data_rows.last().copied().unwrap_or(header.row);
    // Pass 1: the tree, with the row each item starts on.
    let mut roots: Vec<Draft> = Vec::new();
    let mut row_items: Vec<(usize, Vec<Vec<usize>>)> = Vec::new();
    for &r in &data_rows {
        let mut started = Vec::new();
        for &(depth, c) in &level_cols {
            let t = &text[r][c];
            if t.trim().is_empty() || grid.covered(r, c) || is_ditto(grid.text(r, c)) {
                continue;
            }
            let path = open_path(&roots, depth).ok_or_else(|| {
                format!(
                    "{}: 「{}」 has no enclosing {}; expected a heading in the column to its left first",
                    grid.place(r, c),
                    t.trim(),
                    if depth > 0 { "item" } else { "goal" }
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
                };
                started.push(push_at(&mut roots, &path, draft, r));
            }
        }
        if marker_items && let Some(c) = actions_col {
            let blocks = marker_blocks(&text[r][c]);
            if blocks.iter().any(|b| b.0.is_some()) {
                for (heading, actions) in blocks {
                    let Some(heading) = heading else {
                        return Err(format!(
                            "{}: the lines before the first ① marker belong to no item; expected each item to start with its number (①, ②, …)",
                            grid.place(r, c)
                        ));
                    };
                    let path = open_path(&roots, leaf).ok_or_else(|| {
                        format!(
                            "{}: item 「{heading}」 has no enclosing goal; expected a goal in the column to its left",
                            grid.place(r, c)
                        )
                    })?;
                    let mut draft = Draft {
                        keys: heading_keys(&heading, form, indicator_heads),
                        items: Vec::new(),
                        rows: (r, last),
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
        for (c, kind, _) in &header.columns {
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
                    format!(
                        "{}: the merged cell {}:{} spans rows of more than one item; expected one cell per goal or item",
                        grid.place(*r, *c),
                        super::grid::cell_name(m.0, m.1),
                        super::grid::cell_name(m.2, m.3)
                    )
                })?,
                None => match started.last() {
                    Some(p) => p.clone(),
                    None => deepest_open(&roots).ok_or_else(|| {
                        format!(
                            "{}: 「{}」 belongs to no item; expected an item heading on this row or above",
                            grid.place(*r, *c),
                            t.trim()
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
