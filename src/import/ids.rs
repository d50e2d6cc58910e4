//! Ids carried from the series' previous edition: the compare stage's alignment says which
//! imported item is which item of last year; those get last year's id, the rest new ones.

use std::collections::HashSet;

use toml::{Table, Value};

use super::items::Draft;
use crate::diagnostic::Message;
use crate::diff::{align, tree};
use crate::model::{Edition, Series};
use crate::text::Tokenizer;

/// Give every item an id: its own (a kohyo form's hidden column), else the id of the item of
/// `previous` the alignment pairs it with, else a new one (`g1`, `g1-2`, … by position, never
/// one `previous` uses). `edition` is the imported edition parsed, to align.
pub fn assign(
    items: &mut [Draft],
    edition: &Edition,
    previous: Option<&Edition>,
    series: &Series,
    tokenizer: &Tokenizer,
) -> Result<usize, Message> {
    let mut carried: Vec<Option<String>> = Vec::new();
    let mut taken: HashSet<String> = HashSet::new();
    if let Some(prev) = previous {
        let old = tree::tree(series, prev);
        let new = tree::tree(series, edition);
        let old_words = align::Words::of(&old, tokenizer).map_err(|e| e.message())?;
        let new_words = align::Words::of(&new, tokenizer).map_err(|e| e.message())?;
        let pairs = align::align(&old, &new, &old_words, &new_words);
        for (n, node) in new.nodes.iter().enumerate() {
            if node.kind != tree::Kind::Item {
                continue;
            }
            let id = pairs.new_to_old[n].and_then(|o| old.nodes[o].id.clone());
            carried.push(id);
        }
        taken.extend(old.nodes.iter().filter_map(|n| n.id.clone()));
    }
    let mut own = HashSet::new();
    collect_own(items, &mut own);
    taken.extend(own.iter().cloned());
    let mut counter = 0;
    let mut count = 0;
    walk(items, "g", &mut |draft, position| {
        let pos = counter;
        counter += 1;
        if draft.keys.contains_key("id") {
            return;
        }
        let id = match carried.get(pos).cloned().flatten() {
            Some(id) if !own.contains(&id) => {
                count += 1;
                id
            }
            _ => fresh(position, &mut taken),
        };
        taken.insert(id.clone());
        let mut keys = Table::new();
        keys.insert("id".into(), Value::String(id));
        keys.extend(std::mem::take(&mut draft.keys));
        draft.keys = keys;
    });
    Ok(count)
}

fn collect_own(items: &[Draft], own: &mut HashSet<String>) {
    for d in items {
        if let Some(id) = d.keys.get("id").and_then(Value::as_str) {
            own.insert(id.to_string());
        }
        collect_own(&d.items, own);
    }
}

/// Visit items in document order (the order of the compare stage's tree) with their
/// positional anchor (`g1-2`).
fn walk(items: &mut [Draft], prefix: &str, f: &mut dyn FnMut(&mut Draft, &str)) {
    for (i, d) in items.iter_mut().enumerate() {
        let position = match prefix {
            "g" => format!("g{}", i + 1),
            p => format!("{p}-{}", i + 1),
        };
        f(d, &position);
        walk(&mut d.items, &position, f);
    }
}

fn fresh(position: &str, taken: &mut HashSet<String>) -> String {
    if !taken.contains(position) {
        return position.to_string();
    }
    (2..)
        .map(|n| format!("{position}-new{n}"))
        .find(|id| !taken.contains(id))
        .unwrap_or_else(|| position.to_string())
}
