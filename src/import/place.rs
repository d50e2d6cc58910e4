//! Placing items and field cells in the tree being built: where a new item goes, which item
//! a merged cell belongs to, and one cell's text as the item's keys.

use toml::{Table, Value};

use super::cells::{lines, marker_blocks, split_number, strings};
use super::figures::{Figure, is_marked};
use super::header::Column;
use super::items::Draft;
use crate::diagnostic::Message;

/// The path to the item a new item of `depth` goes under (empty for the top).
pub(super) fn open_path(roots: &[Draft], depth: usize) -> Option<Vec<usize>> {
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
pub(super) fn push_at(
    roots: &mut Vec<Draft>,
    path: &[usize],
    draft: Draft,
    row: usize,
) -> Vec<usize> {
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

/// End `draft`'s span, and its last descendants', on the row before `row`.
fn end_before(draft: &mut Draft, row: usize) {
    draft.rows.1 = draft.rows.1.min(row.saturating_sub(1)).max(draft.rows.0);
    if let Some(last) = draft.items.last_mut() {
        end_before(last, row);
    }
}

/// The item at `path` (paths are made by [`push_at`] and are never empty).
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
pub(super) fn by_span(roots: &[Draft], rows: (usize, usize)) -> Option<Vec<usize>> {
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

/// The path of the last item at the deepest level (the item later cells continue).
pub(super) fn deepest_open(roots: &[Draft]) -> Option<Vec<usize>> {
    let mut path = Vec::new();
    let mut list = roots;
    while let Some(last) = list.len().checked_sub(1) {
        path.push(last);
        list = &list[last].items;
    }
    (!path.is_empty()).then_some(path)
}

/// Put one field cell into its item (for marker items: split by ① lines among them).
pub(super) fn place_field(
    roots: &mut [Draft],
    kind: Column,
    text: &str,
    target: &[usize],
    markers: &[&Vec<usize>],
    place: String,
) -> Result<(), Message> {
    match kind {
        Column::List(key) => {
            let blocks = marker_blocks(text);
            if markers.len() > 1 {
                for (heading, mut entries) in blocks {
                    let Some(heading) = heading else {
                        return Err(Message::new(
                            format!(
                                "{place}: lines before the first ① marker belong to no item; expected each item's lines to start with its number"
                            ),
                            format!(
                                "{place}: 最初の ① より前の行がどの項目にも属しません。項目ごとの行はその番号から書き始めてください"
                            ),
                        ));
                    };
                    let (number, first) = split_number(&heading);
                    let path = markers
                        .iter()
                        .find(|p| get(roots, p).keys.get("number").and_then(Value::as_str) == number.as_deref())
                        .ok_or_else(|| {
                            let numbers = markers
                                .iter()
                                .filter_map(|p| get(roots, p).keys.get("number").and_then(Value::as_str).map(str::to_string))
                                .collect::<Vec<_>>()
                                .join(" ");
                            Message::new(
                                format!(
                                    "{place}: 「{heading}」: expected a number of an item of this row ({numbers})"
                                ),
                                format!(
                                    "{place}: 「{heading}」: この行の項目の番号（{numbers}）のどれかから書き始めてください"
                                ),
                            )
                        })?;
                    if !first.is_empty() {
                        entries.insert(0, first);
                    }
                    append(get(roots, path), key, entries, None, &place);
                }
                return Ok(());
            }
            let mut entries = lines(text);
            let mut own = None;
            // One item on the row: its lines are all its own. The item's number printed at the
            // start of the cell is dropped (the line may be its headline figure); later ②
            // lines are kept as printed, as the sources write ② for (2).
            if let ([only], Some((Some(heading), _))) = (markers, blocks.first()) {
                let (number, first) = split_number(heading);
                let item = get(roots, only);
                let expected = item.keys.get("number").and_then(Value::as_str);
                if number.as_deref() != expected {
                    return Err(Message::new(
                        format!(
                            "{place}: 「{heading}」: expected the number of this row's item ({})",
                            expected.unwrap_or("none")
                        ),
                        format!(
                            "{place}: 「{heading}」: この行の項目の番号（{}）から書き始めてください",
                            expected.unwrap_or("なし")
                        ),
                    ));
                }
                match first.is_empty() {
                    true => {
                        entries.remove(0);
                    }
                    false => {
                        own = Some(first.clone());
                        entries[0] = first;
                    }
                }
                append(item, key, entries, own, &place);
                return Ok(());
            }
            append(get(roots, target), key, entries, own, &place);
        }
        Column::Id => {
            let id = text.trim().to_string();
            get(roots, target)
                .keys
                .insert("id".into(), Value::String(id));
        }
        Column::Extra => {
            let extra: Table = text.trim().parse().map_err(|e| {
                Message::new(
                    format!(
                        "{place}: expected the item's other keys as TOML written by `kohyo sheet`: {e}"
                    ),
                    format!(
                        "{place}: `kohyo sheet` が書いた項目の情報（TOML）が読めません。この列は書き換えないでください: {e}"
                    ),
                )
            })?;
            get(roots, target).keys.extend(extra);
        }
        Column::Scalar(key) => {
            let item = get(roots, target);
            let value = text.trim().to_string();
            if item.keys.contains_key(key) {
                return Err(Message::new(
                    format!("{place}: a second {key} 「{value}」 for the same item; expected one"),
                    format!(
                        "{place}: 同じ項目に 2 つ目の {key}「{value}」があります。1 つにしてください"
                    ),
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

/// Append entries to a list key of the item, creating it; `own` is the entry that followed
/// the item's own number. Headline lines (that and ○ lines) of targets, progress and results
/// are kept as the item's figures.
fn append(
    item: &mut Draft,
    key: &'static str,
    entries: Vec<String>,
    own: Option<String>,
    place: &str,
) {
    if entries.is_empty() {
        return;
    }
    if matches!(key, "targets" | "progress" | "results") {
        let figures = own
            .iter()
            .map(|l| (l, true))
            .chain(entries.iter().filter(|l| is_marked(l)).map(|l| (l, false)));
        for (line, own) in figures {
            item.figures.push(Figure {
                key,
                line: line.clone(),
                own,
                place: place.to_string(),
            });
        }
    }
    match item.keys.get_mut(key) {
        Some(Value::Array(list)) => list.extend(entries.into_iter().map(Value::String)),
        _ => {
            item.keys.insert(key.into(), strings(entries));
        }
    }
}
