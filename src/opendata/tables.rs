//! CSV tables for spreadsheets and data tools, following the machine-readable table rules: RFC
//! 4180, UTF-8 with BOM, CRLF, one header row, one table per file, plain numbers, ISO dates, no
//! blank rows. Text that a spreadsheet would run as a formula is prefixed with `'`.

use std::collections::HashMap;

use super::ExportError;
use super::records::{EditionRecord, ItemRecord};
use crate::diff::{Comparison, Side, Status};
use crate::markdown;

/// Data type of a column, as Frictionless Table Schema names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// Text.
    String,
    /// Whole number.
    Integer,
    /// Decimal number.
    Number,
    /// ISO 8601 date, `2025-09-30`.
    Date,
}

impl Type {
    /// The Table Schema name.
    pub fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Integer => "integer",
            Type::Number => "number",
            Type::Date => "date",
        }
    }
}

/// A column: name, type and a Japanese description.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// Header name (ASCII, snake_case).
    pub name: &'static str,
    /// Data type.
    pub kind: Type,
    /// What the column holds, in Japanese.
    pub title: &'static str,
}

const fn col(name: &'static str, kind: Type, title: &'static str) -> Column {
    Column { name, kind, title }
}

use Type::{Date, Integer, Number, String as Text};

/// A table: its file name, columns, keys and rows.
#[derive(Debug)]
pub struct Table {
    /// File name without `.csv`.
    pub name: &'static str,
    /// What the table holds, in Japanese.
    pub title: &'static str,
    /// Columns in order.
    pub columns: &'static [Column],
    /// Columns that identify a row.
    pub primary_key: &'static [&'static str],
    /// (column, table, column) references.
    pub foreign_keys: &'static [(&'static str, &'static str, &'static str)],
    /// Rows, each with one cell per column (empty for no value).
    pub rows: Vec<Vec<String>>,
}

/// Write rows as CSV: BOM, CRLF, a header row, text cells neutralised for spreadsheets.
pub fn write_csv<'a>(
    columns: &[Column],
    rows: impl Iterator<Item = &'a Vec<String>>,
) -> Result<Vec<u8>, ExportError> {
    let mut csv = csv_header(columns)?;
    csv.extend(csv_rows(columns, rows)?);
    Ok(csv)
}

/// The start of a CSV file of `columns`: the BOM and the header row.
pub fn csv_header(columns: &[Column]) -> Result<Vec<u8>, ExportError> {
    let mut head = b"\xEF\xBB\xBF".to_vec();
    head.extend(csv_bytes(std::iter::once(
        columns.iter().map(|c| c.name.to_string()).collect(),
    ))?);
    Ok(head)
}

/// Rows of `columns` as CSV lines (what follows [`csv_header`]; a table's rows can be written
/// a part at a time and joined).
pub fn csv_rows<'a>(
    columns: &[Column],
    rows: impl Iterator<Item = &'a Vec<String>>,
) -> Result<Vec<u8>, ExportError> {
    csv_bytes(rows.map(|row| {
        row.iter()
            .zip(columns)
            .map(|(cell, c)| match c.kind {
                Type::String => spreadsheet_safe(cell),
                _ => cell.clone(),
            })
            .collect()
    }))
}

/// Records as CSV lines ending in CRLF.
fn csv_bytes(records: impl Iterator<Item = Vec<String>>) -> Result<Vec<u8>, ExportError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for record in records {
        w.write_record(&record)?;
    }
    w.into_inner()
        .map_err(|e| ExportError::Csv(e.into_error().into()))
}

/// Text that starts like a formula gets a leading `'` so that spreadsheets show it instead of
/// running it: `=`, `+`, `-`, `@` or their full-width forms `＝＋－＠` (which spreadsheets with
/// Japanese input read as the same), first or after leading white space (spaces, tabs, line
/// breaks, the full-width space), and a leading tab or carriage return. Number columns are
/// written as they are, so negative numbers stay numbers.
pub fn spreadsheet_safe(cell: &str) -> String {
    let formula = cell.starts_with(['\t', '\r'])
        || cell
            .trim_start_matches([' ', '\t', '\r', '\n', '\u{3000}'])
            .starts_with(['=', '+', '-', '@', '＝', '＋', '－', '＠']);
    match formula {
        true => format!("'{cell}"),
        false => cell.to_string(),
    }
}

fn opt<T: ToString>(value: &Option<T>) -> String {
    value.as_ref().map(T::to_string).unwrap_or_default()
}

/// Columns of the changes table (one row per changed entry of every compare page).
pub const CHANGE_COLUMNS: &[Column] = &[
    col("compare_id", Text, "比較の識別子（シリーズ/前の版-後の版）"),
    col("old_edition_id", Text, "前の版の識別子"),
    col("new_edition_id", Text, "後の版の識別子"),
    col(
        "change",
        Text,
        "変更の種類（added 追加, removed 削除, reworded 変更, moved 移動）",
    ),
    col(
        "kind",
        Text,
        "対象（item 項目, indicator 指標, section 章節）",
    ),
    col("level", Text, "階層名"),
    col(
        "entry_key",
        Text,
        "比較の中でのキー（後の版のアンカー、なければ前の版のアンカー。変更の種類と合わせて一意）",
    ),
    col("old_record_id", Text, "前の版の記録の識別子"),
    col("new_record_id", Text, "後の版の記録の識別子"),
    col("old_number", Text, "前の版の番号"),
    col("new_number", Text, "後の版の番号"),
    col("old_title", Text, "前の版のタイトル"),
    col("new_title", Text, "後の版のタイトル"),
    col("old_parent", Text, "前の版の上位項目"),
    col("new_parent", Text, "後の版の上位項目"),
];

/// Columns of `change_fields.csv`: one row per field that changed in a changed entry.
pub const CHANGE_FIELD_COLUMNS: &[Column] = &[
    col("compare_id", Text, "比較の識別子（changes の compare_id）"),
    col("change", Text, "変更の種類（changes の change）"),
    col(
        "entry_key",
        Text,
        "比較の中でのキー（changes の entry_key）",
    ),
    col(
        "field",
        Text,
        "変わった欄（title 表題, number 番号, または欄のキー）",
    ),
    col("label", Text, "欄の見出し（後の版のとおり）"),
];

/// Columns of `change_numbers.csv`: one row per number that changed in a changed entry.
pub const CHANGE_NUMBER_COLUMNS: &[Column] = &[
    col("compare_id", Text, "比較の識別子（changes の compare_id）"),
    col("change", Text, "変更の種類（changes の change）"),
    col(
        "entry_key",
        Text,
        "比較の中でのキー（changes の entry_key）",
    ),
    col("position", Integer, "項目の中での順（1から）"),
    col("old_value", Text, "前の版の数値（記載のとおり、単位付き）"),
    col("new_value", Text, "後の版の数値（記載のとおり、単位付き）"),
];

/// The changed entries of comparisons as rows of [`CHANGE_COLUMNS`], [`CHANGE_FIELD_COLUMNS`]
/// and [`CHANGE_NUMBER_COLUMNS`].
pub struct ChangeRows {
    /// One row per changed entry.
    pub changes: Vec<Vec<String>>,
    /// One row per changed field of an entry.
    pub fields: Vec<Vec<String>>,
    /// One row per changed number of an entry.
    pub numbers: Vec<Vec<String>>,
}

/// The changed entries of comparisons, their changed fields and numbers.
pub fn change_rows(comparisons: &[&Comparison]) -> ChangeRows {
    let mut rows = ChangeRows {
        changes: Vec::new(),
        fields: Vec::new(),
        numbers: Vec::new(),
    };
    for c in comparisons {
        let old_id = format!("{}/{}", c.series.path, c.old.slug);
        let new_id = format!("{}/{}", c.series.path, c.new.slug);
        for (_, e) in c.flatten() {
            if e.status == Status::Unchanged {
                continue;
            }
            let side = |s: &Option<Side>, f: fn(&Side) -> Option<String>| {
                s.as_ref().and_then(f).unwrap_or_default()
            };
            let record = |s: &Option<Side>, edition: &str| {
                s.as_ref()
                    .map(|s| format!("{edition}#{}", s.anchor))
                    .unwrap_or_default()
            };
            let key = [c.id.clone(), e.status.name().to_string(), e.key.clone()];
            if let (Some(a), Some(b)) = (&e.old, &e.new)
                && a.number != b.number
            {
                rows.fields
                    .push([&key[..], &["number".to_string(), "番号".to_string()]].concat());
            }
            for ch in &e.changes {
                rows.fields
                    .push([&key[..], &[ch.key.to_string(), ch.label.clone()]].concat());
            }
            for (i, n) in e.numbers.iter().enumerate() {
                rows.numbers.push(
                    [
                        &key[..],
                        &[(i + 1).to_string(), n.old.clone(), n.new.clone()],
                    ]
                    .concat(),
                );
            }
            rows.changes.push(vec![
                c.id.clone(),
                old_id.clone(),
                new_id.clone(),
                e.status.name().to_string(),
                e.kind.name().to_string(),
                e.level.clone(),
                e.key.clone(),
                record(&e.old, &old_id),
                record(&e.new, &new_id),
                side(&e.old, |s| s.number.clone()),
                side(&e.new, |s| s.number.clone()),
                side(&e.old, |s| s.title.clone()),
                side(&e.new, |s| s.title.clone()),
                side(&e.old, |s| s.parent.clone()),
                side(&e.new, |s| s.parent.clone()),
            ]);
        }
    }
    rows
}

/// The tables of the export (but the history tables), from edition records and the
/// comparisons between them: a series' rows, which the export joins in site order.
pub fn tables(editions: &[EditionRecord], comparisons: &[&Comparison]) -> Vec<Table> {
    let changes = change_rows(comparisons);
    let mut edition_rows = Vec::new();
    let mut sections = Vec::new();
    let mut items = Vec::new();
    let mut texts = Vec::new();
    let mut indicators = Vec::new();
    let mut values = Vec::new();
    let mut schedules = Vec::new();
    let mut actors = Vec::new();
    for e in editions {
        edition_rows.push(vec![
            e.id.clone(),
            e.municipality.code.clone(),
            e.municipality.name.clone(),
            e.municipality.prefecture.clone(),
            e.series.id.clone(),
            e.series.title.clone(),
            e.title.clone(),
            opt(&e.fiscal_year),
            opt(&e.fiscal_year_label),
            opt(&e.version),
            serde_name(&e.stage),
            e.stage_label.to_string(),
            serde_name(&e.status),
            opt(&e.department),
            opt(&e.document),
            opt(&e.source_url),
            opt(&e.source_title),
            opt(&e.published),
            e.url.clone(),
        ]);
        for s in &e.sections {
            sections.push(vec![
                s.id.clone(),
                e.id.clone(),
                opt(&s.parent_id),
                opt(&s.number),
                s.title.clone(),
            ]);
            push_lines(
                &mut texts,
                &s.id,
                &e.id,
                "body",
                &s.body
                    .as_deref()
                    .map(markdown::source_lines)
                    .unwrap_or_default(),
            );
        }
        // Items come depth first, so counting per parent gives each its place among siblings.
        let mut positions: HashMap<Option<&str>, usize> = HashMap::new();
        for item in &e.items {
            let siblings = positions.entry(item.parent_id.as_deref()).or_insert(0);
            *siblings += 1;
            items.push(item_row(e, item, *siblings));
            push_lines(
                &mut texts,
                &item.id,
                &e.id,
                "body",
                &item
                    .body
                    .as_deref()
                    .map(markdown::source_lines)
                    .unwrap_or_default(),
            );
            for (field, lines) in [
                ("actions", &item.actions),
                ("targets", &item.targets),
                ("progress", &item.progress),
                ("results", &item.results),
            ] {
                push_lines(&mut texts, &item.id, &e.id, field, lines);
            }
            for s in &item.schedule {
                schedules.push(vec![
                    item.id.clone(),
                    e.id.clone(),
                    s.fiscal_year.to_string(),
                    s.fiscal_year_label.clone(),
                    s.value.clone(),
                ]);
            }
            for a in &item.actors {
                actors.push(vec![
                    item.id.clone(),
                    e.id.clone(),
                    a.actor.clone(),
                    a.role.clone(),
                ]);
            }
        }
        for ind in &e.indicators {
            indicators.push(vec![
                ind.id.clone(),
                e.id.clone(),
                opt(&ind.item_id),
                opt(&ind.number),
                ind.name.clone(),
                opt(&ind.unit),
                opt(&ind.decimals),
                ind.direction.as_ref().map(serde_name).unwrap_or_default(),
                opt(&ind.note),
            ]);
            let mut value = |measure: &str,
                             position: usize,
                             year: Option<i32>,
                             as_of: (&Option<String>, &Option<String>),
                             v: f64| {
                values.push(vec![
                    ind.id.clone(),
                    e.id.clone(),
                    measure.to_string(),
                    position.to_string(),
                    opt(&year),
                    opt(as_of.0),
                    opt(as_of.1),
                    v.to_string(),
                    opt(&ind.unit),
                ]);
            };
            for (measure, point) in [("baseline", &ind.baseline), ("target", &ind.target)] {
                if let Some(p) = point
                    && let Some(v) = p.value
                {
                    value(measure, 1, p.fiscal_year, (&None, &None), v);
                }
            }
            for (i, a) in ind.actual.iter().enumerate() {
                value("actual", i + 1, None, (&a.as_of, &a.as_of_date), a.value);
            }
        }
    }
    vec![
        Table {
            name: "editions",
            title: "版（年度・版ごとの公表資料）",
            columns: EDITION_COLUMNS,
            primary_key: &["id"],
            foreign_keys: &[],
            rows: edition_rows,
        },
        Table {
            name: "sections",
            title: "章・節（本文の見出し）",
            columns: SECTION_COLUMNS,
            primary_key: &["id"],
            foreign_keys: &[
                ("edition_id", "editions", "id"),
                ("parent_id", "sections", "id"),
            ],
            rows: sections,
        },
        Table {
            name: "items",
            title: "項目（目標・施策・取組。あらゆる階層を1行ずつ）",
            columns: ITEM_COLUMNS,
            primary_key: &["id"],
            foreign_keys: &[
                ("edition_id", "editions", "id"),
                ("parent_id", "items", "id"),
            ],
            rows: items,
        },
        Table {
            name: "texts",
            title: "記載内容（取組・目標・進捗・達成状況・本文の各行）",
            columns: TEXT_COLUMNS,
            primary_key: &["record_id", "field", "position"],
            foreign_keys: &[("edition_id", "editions", "id")],
            rows: texts,
        },
        Table {
            name: "indicators",
            title: "指標",
            columns: INDICATOR_COLUMNS,
            primary_key: &["id"],
            foreign_keys: &[("edition_id", "editions", "id"), ("item_id", "items", "id")],
            rows: indicators,
        },
        Table {
            name: "indicator_values",
            title: "指標の値（現状・実績・目標を1行ずつ）",
            columns: VALUE_COLUMNS,
            primary_key: &["indicator_id", "measure", "position"],
            foreign_keys: &[
                ("indicator_id", "indicators", "id"),
                ("edition_id", "editions", "id"),
            ],
            rows: values,
        },
        Table {
            name: "schedules",
            title: "実施年度（項目と年度ごとに1行）",
            columns: SCHEDULE_COLUMNS,
            primary_key: &["item_id", "fiscal_year"],
            foreign_keys: &[("item_id", "items", "id"), ("edition_id", "editions", "id")],
            rows: schedules,
        },
        Table {
            name: "actors",
            title: "取組主体（項目と主体ごとに1行）",
            columns: ACTOR_COLUMNS,
            primary_key: &["item_id", "actor"],
            foreign_keys: &[("item_id", "items", "id"), ("edition_id", "editions", "id")],
            rows: actors,
        },
        Table {
            name: "changes",
            title: "版どうしの比較で変わった項目",
            columns: CHANGE_COLUMNS,
            primary_key: &["compare_id", "change", "entry_key"],
            foreign_keys: &[],
            rows: changes.changes,
        },
        Table {
            name: "change_fields",
            title: "比較で変わった欄（変わった項目と欄ごとに1行）",
            columns: CHANGE_FIELD_COLUMNS,
            primary_key: &["compare_id", "change", "entry_key", "field"],
            foreign_keys: &[],
            rows: changes.fields,
        },
        Table {
            name: "change_numbers",
            title: "比較で変わった数値（変わった項目と数値ごとに1行）",
            columns: CHANGE_NUMBER_COLUMNS,
            primary_key: &["compare_id", "change", "entry_key", "position"],
            foreign_keys: &[],
            rows: changes.numbers,
        },
    ]
}

/// An item's row; `position` is its place among its siblings, from 1.
fn item_row(e: &EditionRecord, item: &ItemRecord, position: usize) -> Vec<String> {
    vec![
        item.id.clone(),
        e.id.clone(),
        opt(&item.parent_id),
        item.depth.to_string(),
        item.level_name.clone(),
        opt(&item.number),
        position.to_string(),
        opt(&item.title),
        opt(&item.evaluation),
        opt(&item.owner),
        opt(&item.status),
        item.see
            .as_ref()
            .map(|s| s.text.clone())
            .unwrap_or_default(),
        item.url.clone(),
    ]
}

fn push_lines(out: &mut Vec<Vec<String>>, id: &str, edition: &str, field: &str, lines: &[String]) {
    for (i, line) in lines.iter().enumerate() {
        out.push(vec![
            id.to_string(),
            edition.to_string(),
            field.to_string(),
            (i + 1).to_string(),
            line.clone(),
        ]);
    }
}

/// The serde name of a unit enum variant (`plan`, `final`, `up`).
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

const EDITION_COLUMNS: &[Column] = &[
    col("id", Text, "版の識別子（自治体/シリーズ/版）"),
    col("municipality_code", Text, "全国地方公共団体コード（6桁）"),
    col("municipality", Text, "自治体名"),
    col("prefecture", Text, "都道府県名"),
    col("series_id", Text, "シリーズの識別子"),
    col("series_title", Text, "シリーズ名"),
    col("title", Text, "表題"),
    col("fiscal_year", Integer, "年度（西暦）"),
    col("fiscal_year_label", Text, "年度（和暦）"),
    col("version", Text, "版の名称"),
    col("stage", Text, "段階（plan, interim, result）"),
    col("stage_label", Text, "段階（当初・中間報告・達成状況）"),
    col("status", Text, "確定（final）か案（draft）か"),
    col("department", Text, "担当部局"),
    col("document", Text, "資料名"),
    col("source_url", Text, "元資料（自治体の公表資料）のURL"),
    col("source_title", Text, "元資料の名称"),
    col("published", Text, "公表年月（ISO 8601、YYYY-MM）"),
    col("url", Text, "掲載ページのURL"),
];

const SECTION_COLUMNS: &[Column] = &[
    col("id", Text, "章・節の識別子"),
    col("edition_id", Text, "版の識別子"),
    col("parent_id", Text, "上位の章・節の識別子"),
    col("number", Text, "番号（記載のとおり）"),
    col("title", Text, "見出し"),
];

const ITEM_COLUMNS: &[Column] = &[
    col("id", Text, "項目の識別子（版の識別子#アンカー）"),
    col("edition_id", Text, "版の識別子"),
    col("parent_id", Text, "上位項目の識別子"),
    col("depth", Integer, "階層の深さ（0が最上位）"),
    col("level_name", Text, "階層名"),
    col(
        "number",
        Text,
        "番号（記載のとおり。①②のような記号のこともある）",
    ),
    col(
        "position",
        Integer,
        "同じ上位項目（最上位は版）の中での順番（1から）",
    ),
    col("title", Text, "タイトル"),
    col("evaluation", Text, "自己評価"),
    col("owner", Text, "担当"),
    col("status", Text, "区分（新規・継続・拡充）"),
    col("see", Text, "参照（記載のとおり）"),
    col("url", Text, "掲載ページ上の位置"),
];

const TEXT_COLUMNS: &[Column] = &[
    col("record_id", Text, "項目または章・節の識別子"),
    col("edition_id", Text, "版の識別子"),
    col(
        "field",
        Text,
        "欄（body 本文, actions 取組, targets 期限・数値目標等, progress 進捗状況, results 達成状況）",
    ),
    col("position", Integer, "欄の中の行番号（1から）"),
    col("text", Text, "記載のとおりの文"),
];

const INDICATOR_COLUMNS: &[Column] = &[
    col("id", Text, "指標の識別子"),
    col("edition_id", Text, "版の識別子"),
    col(
        "item_id",
        Text,
        "指標が属する項目の識別子（版全体の指標は空）",
    ),
    col("number", Text, "番号（記載のとおり）"),
    col("name", Text, "指標名"),
    col("unit", Text, "単位"),
    col("decimals", Integer, "記載されている小数点以下の桁数"),
    col("direction", Text, "望ましい方向（up 増加, down 減少）"),
    col("note", Text, "備考"),
];

const VALUE_COLUMNS: &[Column] = &[
    col("indicator_id", Text, "指標の識別子"),
    col("edition_id", Text, "版の識別子"),
    col(
        "measure",
        Text,
        "値の種類（baseline 現状, actual 実績, target 目標）",
    ),
    col("position", Integer, "同じ種類の値の順番（1から）"),
    col("fiscal_year", Integer, "値の年度（西暦）"),
    col("as_of", Text, "実績の時点（記載のとおり）"),
    col(
        "as_of_date",
        Date,
        "実績の時点の日付（ISO 8601。日まで分かるときだけ。年の記載がなければ版の年度から）",
    ),
    col("value", Number, "値（単位は unit 列）"),
    col("unit", Text, "単位"),
];

const SCHEDULE_COLUMNS: &[Column] = &[
    col("item_id", Text, "項目の識別子"),
    col("edition_id", Text, "版の識別子"),
    col("fiscal_year", Integer, "年度（西暦）"),
    col("fiscal_year_label", Text, "年度（和暦）"),
    col("value", Text, "その年度の予定（実施・検討・→ など）"),
];

const ACTOR_COLUMNS: &[Column] = &[
    col("item_id", Text, "項目の識別子"),
    col("edition_id", Text, "版の識別子"),
    col("actor", Text, "取組主体"),
    col("role", Text, "役割（◎ 先導的に取り組む、○ 参加・協力する）"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_like_text_is_neutralised_numbers_are_not() {
        for formula in [
            "=1+1",
            " =HYPERLINK(\"x\")",
            "\t=1",
            "\u{3000}=1",
            "＝1+1",
            "＋1",
            "－1",
            "＠SUM(A1)",
            "  ＝1",
            "\u{3000}＠x",
            "-5",
        ] {
            assert_eq!(
                spreadsheet_safe(formula),
                format!("'{formula}"),
                "{formula:?}"
            );
        }
        for text in ["協働体", "1=1", "a -b", "", " 計画"] {
            assert_eq!(spreadsheet_safe(text), text, "{text:?}");
        }
        const COLUMNS: &[Column] = &[col("name", Text, "名"), col("value", Number, "値")];
        let rows = [vec!["－減少".to_string(), "-5.5".to_string()]];
        let csv = String::from_utf8(write_csv(COLUMNS, rows.iter()).unwrap()).unwrap();
        assert_eq!(csv, "\u{feff}name,value\r\n'－減少,-5.5\r\n");
    }
}
