//! A comparison as data: the JSON document of the whole comparison and a CSV table of the
//! changed entries, written beside the compare page.

use std::path::PathBuf;

use super::{Comparison, Entry, Status};
use crate::output::OutputFile;

/// Columns of the CSV of changed entries.
pub const CSV_COLUMNS: [&str; 14] = [
    "change",
    "kind",
    "level",
    "key",
    "old_id",
    "new_id",
    "old_number",
    "new_number",
    "old_title",
    "new_title",
    "old_parent",
    "new_parent",
    "changed_fields",
    "number_changes",
];

/// `changes.json` and `changes.csv` of a comparison.
pub fn files(c: &Comparison) -> Result<Vec<OutputFile>, String> {
    let dir = c.path();
    let mut json = serde_json::to_string_pretty(c).map_err(|e| format!("{dir}: {e}"))?;
    json.push('\n');
    Ok(vec![
        OutputFile {
            path: PathBuf::from(format!("{dir}changes.json")),
            contents: json.into_bytes(),
        },
        OutputFile {
            path: PathBuf::from(format!("{dir}changes.csv")),
            contents: csv(c).map_err(|e| format!("{dir}changes.csv: {e}"))?,
        },
    ])
}

/// The changed entries as CSV for spreadsheets: UTF-8 with BOM, CRLF, one header row, and
/// text that a spreadsheet would run as a formula prefixed with `'`.
pub fn csv(c: &Comparison) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(CSV_COLUMNS)?;
    for (_, e) in c.flatten() {
        if e.status == Status::Unchanged {
            continue;
        }
        w.write_record(row(e).iter().map(|cell| spreadsheet_safe(cell)))?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

fn row(e: &Entry) -> Vec<String> {
    let side = |s: &Option<super::Side>, f: fn(&super::Side) -> Option<String>| {
        s.as_ref().and_then(f).unwrap_or_default()
    };
    let mut fields: Vec<&str> = Vec::new();
    if let (Some(a), Some(b)) = (&e.old, &e.new)
        && a.number != b.number
    {
        fields.push("number");
    }
    fields.extend(e.changes.iter().map(|ch| ch.key));
    vec![
        serde_plain(&e.status),
        serde_plain(&e.kind),
        e.level.clone(),
        e.key.clone(),
        side(&e.old, |s| s.id.clone()),
        side(&e.new, |s| s.id.clone()),
        side(&e.old, |s| s.number.clone()),
        side(&e.new, |s| s.number.clone()),
        side(&e.old, |s| s.title.clone()),
        side(&e.new, |s| s.title.clone()),
        side(&e.old, |s| s.parent.clone()),
        side(&e.new, |s| s.parent.clone()),
        fields.join(";"),
        e.numbers
            .iter()
            .map(|n| format!("{} → {}", n.old, n.new))
            .collect::<Vec<_>>()
            .join(";"),
    ]
}

/// The serde name of a unit enum variant (`added`, `item`).
fn serde_plain<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Text that starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) gets a leading
/// `'` so that spreadsheets show it instead of running it.
pub fn spreadsheet_safe(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_string(),
    }
}
