//! Building the item tree from the rows under the header: merged and blank cells continue an
//! item, 〃 and 同上 repeat the cell above, ①② lines in the actions column start items, each
//! line of a list cell is one entry, exactly as written.

use toml::{Table, Value};

use super::grid::Grid;
use super::header::{Column, Header};

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

/// Whether `c` is a circled number (①–⑳, ㉑–㊿): a marker that starts an item.
fn is_circled(c: char) -> bool {
    matches!(c, '\u{2460}'..='\u{2473}' | '\u{3251}'..='\u{325F}' | '\u{32B1}'..='\u{32BF}')
}

/// Split a heading into its number and title: `① 地域協議会…`, `1 地域内分権…`, `（１）…`.
/// ASCII and full-width digits need a space after them, so 1日 stays a title.
pub fn split_number(line: &str) -> (Option<String>, String) {
    let line = line.trim();
    let mut chars = line.char_indices();
    let Some((_, first)) = chars.next() else {
        return (None, String::new());
    };
    let end = if is_circled(first) {
        Some(first.len_utf8())
    } else if first == '(' || first == '（' {
        let close = line.find([')', '）']);
        close
            .filter(|&c| {
                let inner = &line[first.len_utf8()..c];
                !inner.is_empty() && inner.chars().all(is_digit)
            })
            .map(|c| c + line[c..].chars().next().map_or(1, char::len_utf8))
    } else if is_digit(first) {
        let digits = line
            .char_indices()
            .find(|(_, c)| !is_digit(*c))
            .map_or(line.len(), |(i, _)| i);
        let rest = &line[digits..];
        (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(digits)
    } else {
        None
    };
    match end {
        Some(end) => (
            Some(line[..end].to_string()),
            line[end..].trim_start().to_string(),
        ),
        None => (None, line.to_string()),
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The non-empty lines of a cell, trailing and leading spaces removed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()).to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether a cell says "the same as above".
fn is_ditto(text: &str) -> bool {
    matches!(text.trim(), "〃" | "同上")
}

/// The keys a heading cell gives an item: number, title, and (outside kohyo forms) an owner
/// written as 【…】 and a status written as （継続）.
fn heading_keys(text: &str, form: bool) -> Table {
    let mut keys = Table::new();
    let mut lines = lines(text).into_iter();
    let (number, mut title) = lines
        .next()
        .map_or((None, String::new()), |l| split_number(&l));
    let mut rest: Vec<String> = lines.collect();
    if title.is_empty() && !rest.is_empty() && !is_owner(&rest[0], form) {
        title = rest.remove(0);
    }
    if let Some(n) = number {
        keys.insert("number".into(), Value::String(n));
    }
    for line in rest {
        if is_owner(&line, form) {
            let owner = line.trim_start_matches('【').trim_end_matches('】');
            keys.insert("owner".into(), Value::String(owner.to_string()));
        } else {
            title = format!("{title}\n{line}");
        }
    }
    if !form {
        for status in ["新規", "継続", "拡充"] {
            if let Some(stripped) = title.strip_suffix(&format!("（{status}）")) {
                keys.insert("status".into(), Value::String(status.into()));
                title = stripped.trim_end().to_string();
            }
        }
    }
    if !title.is_empty() {
        keys.insert("title".into(), Value::String(title));
    }
    keys
}

fn is_owner(line: &str, form: bool) -> bool {
    !form && line.starts_with('【') && line.ends_with('】')
}

/// Whether a row is a note under or within the table (※…, 注…, 備考…).
fn is_note(text: &str) -> bool {
    let t = text.trim_start();
    ["※", "注", "（注）", "(注)", "備考"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Read the rows under the header into items.
pub fn build(grid: &Grid, header: &Header, depths: usize) -> Result<Built, String> {
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
            let draft = Draft {
                keys: heading_keys(t, form),
                items: Vec::new(),
                rows: (r, last),
            };
            started.push(push_at(&mut roots, &path, draft, r));
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
                        keys: heading_keys(&heading, form),
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

/// Lines of an actions cell split at ① markers: (heading line, action lines).
fn marker_blocks(text: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut blocks: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for line in lines(text) {
        if line.chars().next().is_some_and(is_circled) {
            blocks.push((Some(line), Vec::new()));
        } else if let Some(b) = blocks.last_mut() {
            b.1.push(line);
        } else {
            blocks.push((None, vec![line]));
        }
    }
    blocks
}

fn strings(list: Vec<String>) -> Value {
    Value::Array(list.into_iter().map(Value::String).collect())
}

/// The path to the item a new item of `depth` goes under (empty for the top).
fn open_path(roots: &[Draft], depth: usize) -> Option<Vec<usize>> {
    let mut path = Vec::new();
    let mut list = roots;
    for _ in 0..depth {
        let i = list.len().checked_sub(1)?;
        path.push(i);
        list = &list[i].items;
    }
    Some(path)
}

/// Append `draft` under `path`; the previous siblings' and their descendants' spans end on
/// the row before. Returns the new item's path.
fn push_at(roots: &mut Vec<Draft>, path: &[usize], draft: Draft, row: usize) -> Vec<usize> {
    let mut list = roots;
    for &i in path {
        list = &mut list[i].items;
    }
    if let Some(prev) = list.last_mut() {
        end_before(prev, row);
    }
    list.push(draft);
    let mut full = path.to_vec();
    full.push(list.len() - 1);
    full
}

fn end_before(draft: &mut Draft, row: usize) {
    draft.rows.1 = draft.rows.1.min(row.saturating_sub(1)).max(draft.rows.0);
    if let Some(last) = draft.items.last_mut() {
        end_before(last, row);
    }
}

fn get<'a>(roots: &'a mut [Draft], path: &[usize]) -> &'a mut Draft {
    let (first, rest) = path.split_first().expect("paths are never empty");
    let mut d = &mut roots[*first];
    for &i in rest {
        d = &mut d.items[i];
    }
    d
}

/// The path of the deepest item spanning exactly `rows`, else of the deepest one containing
/// them; `None` when they cross two top-level items.
fn by_span(roots: &[Draft], rows: (usize, usize)) -> Option<Vec<usize>> {
    fn walk(
        list: &[Draft],
        rows: (usize, usize),
        path: &mut Vec<usize>,
        best: &mut Option<Vec<usize>>,
    ) {
        for (i, d) in list.iter().enumerate() {
            if d.rows.0 <= rows.0 && rows.1 <= d.rows.1 {
                path.push(i);
                *best = Some(path.clone());
                if d.rows != rows || d.items.iter().any(|c| c.rows == rows) {
                    walk(&d.items, rows, path, best);
                }
                path.pop();
            }
        }
    }
    let mut best = None;
    walk(roots, rows, &mut Vec::new(), &mut best);
    best
}

fn deepest_open(roots: &[Draft]) -> Option<Vec<usize>> {
    let mut path = Vec::new();
    let mut list = roots;
    while let Some(last) = list.len().checked_sub(1) {
        path.push(last);
        list = &list[last].items;
    }
    (!path.is_empty()).then_some(path)
}

/// Put one field cell into its item (for marker items: split by ① lines among them).
fn place_field(
    roots: &mut [Draft],
    kind: Column,
    text: &str,
    target: &[usize],
    markers: &[&Vec<usize>],
    place: String,
) -> Result<(), String> {
    match kind {
        Column::List(key) => {
            let blocks = marker_blocks(text);
            if markers.len() > 1 || (markers.len() == 1 && blocks.iter().any(|b| b.0.is_some())) {
                for (heading, mut entries) in blocks {
                    let Some(heading) = heading else {
                        return Err(format!(
                            "{place}: lines before the first ① marker belong to no item; expected each item's lines to start with its number"
                        ));
                    };
                    let (number, first) = split_number(&heading);
                    let path = markers
                        .iter()
                        .find(|p| get(roots, p).keys.get("number").and_then(Value::as_str) == number.as_deref())
                        .ok_or_else(|| {
                            format!(
                                "{place}: 「{heading}」: expected a number of an item of this row ({})",
                                markers
                                    .iter()
                                    .filter_map(|p| get(roots, p).keys.get("number").and_then(Value::as_str).map(str::to_string))
                                    .collect::<Vec<_>>()
                                    .join(" ")
                            )
                        })?;
                    if !first.is_empty() {
                        entries.insert(0, first);
                    }
                    append(get(roots, path), key, entries);
                }
                return Ok(());
            }
            append(get(roots, target), key, lines(text));
        }
        Column::Id => {
            let id = text.trim().to_string();
            get(roots, target)
                .keys
                .insert("id".into(), Value::String(id));
        }
        Column::Extra => {
            let extra: Table = text.trim().parse().map_err(|e| {
                format!(
                    "{place}: expected the item's other keys as TOML written by `kohyo sheet`: {e}"
                )
            })?;
            get(roots, target).keys.extend(extra);
        }
        Column::Scalar(key) => {
            let item = get(roots, target);
            let value = text.trim().to_string();
            if item.keys.contains_key(key) {
                return Err(format!(
                    "{place}: a second {key} 「{value}」 for the same item; expected one"
                ));
            }
            let value = match key {
                "see" => Value::Table(Table::from_iter([(
                    "text".to_string(),
                    Value::String(value),
                )])),
                _ => Value::String(value),
            };
            item.keys.insert(key.into(), value);
        }
        Column::Level(_) => {}
    }
    Ok(())
}

fn append(item: &mut Draft, key: &str, entries: Vec<String>) {
    if entries.is_empty() {
        return;
    }
    match item.keys.get_mut(key) {
        Some(Value::Array(list)) => list.extend(entries.into_iter().map(Value::String)),
        _ => {
            item.keys.insert(key.into(), strings(entries));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(split_number("① 地域"), (Some("①".into()), "地域".into()));
        assert_eq!(split_number("①地域"), (Some("①".into()), "地域".into()));
        assert_eq!(split_number("1 地域"), (Some("1".into()), "地域".into()));
        assert_eq!(split_number("１　地域"), (Some("１".into()), "地域".into()));
        assert_eq!(
            split_number("（１）地域"),
            (Some("（１）".into()), "地域".into())
        );
        assert_eq!(split_number("1日の"), (None, "1日の".into()));
    }

    #[test]
    fn headings() {
        let k = heading_keys("④\n【豊殿地域自治センター】", false);
        assert_eq!(
            k.get("owner").and_then(Value::as_str),
            Some("豊殿地域自治センター")
        );
        assert!(k.get("title").is_none());
        let k = heading_keys("① 地域協議会の検討（継続）  ", false);
        assert_eq!(k.get("status").and_then(Value::as_str), Some("継続"));
        assert_eq!(
            k.get("title").and_then(Value::as_str),
            Some("地域協議会の検討")
        );
    }
}
