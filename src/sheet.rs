//! `kohyo sheet`: an edition as the Excel form departments fill in, in the series' columns:
//! headings, each item on its row with its number and title, actions and targets filled in,
//! the progress, result and self-evaluation columns unlocked, ids and the keys the form does
//! not show in hidden columns (and the edition's own keys on a hidden sheet), so that
//! `kohyo import` of the filled form is exact.

use std::fs;
use std::path::Path;

use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use toml::{Table, Value};

use crate::diagnostic::Message;
use crate::import::cells::split_number;
use crate::import::grid::META_SHEET;
use crate::import::header::{EXTRA_HEADING, ID_HEADING};
use crate::messages;
use crate::model::{Labels, numbered};
use crate::next::{self, Next};
use crate::site;

/// Item keys the form shows as columns (the rest travel in the hidden keys column).
const SHOWN: [&str; 8] = [
    "id",
    "number",
    "title",
    "actions",
    "targets",
    "progress",
    "results",
    "evaluation",
];
/// The list columns of the form, in order.
const LISTS: [&str; 4] = ["actions", "targets", "progress", "results"];

/// Write the form of an edition of `series` to `output`: an existing one (by year or version
/// label, or by file name `slug`), or the next; returns the number of items.
pub fn write_form(
    root: &Path,
    series: &str,
    edition: Option<&Next>,
    slug: Option<&str>,
    output: &Path,
) -> Result<usize, Message> {
    let (site, _) = site::load(root).map_err(|d| messages::site_has_problems(d.len()))?;
    let (_, s) = site
        .series(series)
        .ok_or_else(|| messages::no_series(series))?;
    let existing = s.editions.iter().find(|e| match (edition, slug) {
        (Some(Next::Year(y)), _) => e.fiscal_year.as_ref().is_some_and(|f| f.get_ref().0 == *y),
        (Some(Next::Version { label, .. }), _) => e.version.as_deref() == Some(label.as_str()),
        (None, Some(slug)) => e.slug == slug,
        (None, None) => false,
    });
    if let (None, Some(slug)) = (existing, slug) {
        return Err(Message::new(
            format!(
                "no edition `{slug}` in {series}: expected one of its file names without .toml"
            ),
            format!(
                "{series} に版 `{slug}` がありません。版のファイル名を .toml を除いて --slug に指定してください"
            ),
        ));
    }
    let table = match (existing, edition) {
        (Some(e), _) => {
            let text = fs::read_to_string(root.join(&e.source_path))
                .map_err(|err| messages::cannot_read(&e.source_path, err))?;
            toml::from_str::<Table>(&text).map_err(|err| {
                Message::new(
                    format!("{}: {err}", e.source_path.display()),
                    format!(
                        "`{}` を TOML として読めません: {err}",
                        e.source_path.display()
                    ),
                )
            })?
        }
        (None, Some(next)) => next::next_table(root, s, next)?.0,
        (None, None) => {
            let year = s
                .editions
                .last()
                .and_then(|e| e.fiscal_year.as_ref())
                .map(|y| y.get_ref().0 + 1)
                .ok_or_else(|| {
                    Message::new(
                        "give --year YEAR or --version LABEL for the form",
                        "様式にする版を --year 年度 か --version 名前 で指定してください",
                    )
                })?;
            next::next_table(root, s, &Next::Year(year))?.0
        }
    };
    let mut marks: Vec<String> = Vec::new();
    fn collect(items: &[toml::Spanned<crate::model::Item>], marks: &mut Vec<String>) {
        for item in items {
            let item = item.get_ref();
            if let Some(m) = &item.evaluation
                && !marks.contains(m)
            {
                marks.push(m.clone());
            }
            collect(&item.items, marks);
        }
    }
    for e in &s.editions {
        collect(&e.items, &mut marks);
    }
    if marks.is_empty() {
        marks = vec!["○".into(), "△".into(), "×".into()];
    }
    let labels = Labels::default().resolve(&s.labels);
    let edition_labels: Labels = table
        .get("labels")
        .cloned()
        .and_then(|l| l.try_into().ok())
        .unwrap_or_default();
    let labels = edition_labels.resolve(&labels);
    let form = Form {
        levels: &s.levels,
        labels: &labels,
        marks: &marks,
        department: table
            .get("department")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| s.department.clone()),
    };
    form.write(&table, output)
        .map_err(|e| messages::cannot_write(output, e))
}

/// Why the form could not be written.
#[derive(Debug, thiserror::Error)]
enum FormError {
    /// The workbook could not be made or saved.
    #[error("{0}")]
    Xlsx(#[from] XlsxError),
    /// Keys of the edition could not be written as TOML for a hidden cell.
    #[error("the edition's keys cannot be written as TOML: {0}")]
    Toml(#[from] toml::ser::Error),
}

struct Form<'a> {
    levels: &'a [String],
    labels: &'a Labels,
    marks: &'a [String],
    department: Option<String>,
}

impl Form<'_> {
    fn write(&self, table: &Table, output: &Path) -> Result<usize, FormError> {
        let mut book = Workbook::new();
        let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
        let open = wrap.clone().set_unlocked();
        let bold = Format::new()
            .set_bold()
            .set_text_wrap()
            .set_border(rust_xlsxwriter::FormatBorder::Thin);
        let sheet = book.add_worksheet();
        sheet.set_name("重点目標")?;
        let title = table.get("title").and_then(Value::as_str).unwrap_or("");
        let document = table
            .get("document")
            .and_then(Value::as_str)
            .unwrap_or("重点目標一覧表");
        sheet.write(0, 0, document)?;
        sheet.write(1, 0, "担当部局名")?;
        sheet.write(1, 1, self.department.as_deref().unwrap_or(""))?;
        sheet.write(2, 0, format!("【{title}】"))?;
        let depth = self.levels.len() as u16;
        let label = |k: &str| -> String {
            match k {
                "actions" => self.labels.actions.clone(),
                "targets" => self.labels.targets.clone(),
                "progress" => self.labels.progress.clone(),
                "results" => self.labels.results.clone(),
                _ => self.labels.evaluation.clone(),
            }
            .unwrap_or_default()
        };
        let header_row = 4;
        for (i, level) in self.levels.iter().enumerate() {
            sheet.write_with_format(header_row, i as u16, level.as_str(), &bold)?;
            sheet.set_column_width(i as u16, 30)?;
        }
        for (i, key) in LISTS.iter().chain(&["evaluation"]).enumerate() {
            let col = depth + i as u16;
            sheet.write_with_format(header_row, col, label(key), &bold)?;
            sheet.set_column_width(col, if *key == "evaluation" { 10 } else { 40 })?;
        }
        let id_col = depth + 5;
        sheet.write(header_row, id_col, ID_HEADING)?;
        sheet.write(header_row, id_col + 1, EXTRA_HEADING)?;
        sheet.set_column_hidden(id_col)?;
        sheet.set_column_hidden(id_col + 1)?;
        let mut row = header_row + 1;
        let items = table
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let count = self.rows(sheet, &items, 0, &mut row, &wrap, &open)?;
        let eval_col = depth + 4;
        if row > header_row + 1 {
            let validation = DataValidation::new()
                .allow_list_strings(&self.marks.iter().map(String::as_str).collect::<Vec<_>>())?;
            sheet.add_data_validation(header_row + 1, eval_col, row - 1, eval_col, &validation)?;
        }
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_print_fit_to_pages(1, 0);
        sheet.set_repeat_rows(header_row, header_row)?;
        sheet.protect();
        let mut meta = table.clone();
        meta.remove("items");
        let meta_sheet = book.add_worksheet();
        meta_sheet.set_name(META_SHEET)?;
        meta_sheet.write(0, 0, toml::to_string(&meta)?)?;
        meta_sheet.set_hidden(true);
        book.save(output)?;
        Ok(count)
    }

    fn rows(
        &self,
        sheet: &mut Worksheet,
        items: &[Value],
        depth: usize,
        row: &mut u32,
        wrap: &Format,
        open: &Format,
    ) -> Result<usize, FormError> {
        let mut count = 0;
        let levels = self.levels.len() as u16;
        for item in items {
            let Some(t) = item.as_table() else { continue };
            count += 1;
            let first = *row;
            let heading = numbered(
                t.get("number").and_then(Value::as_str),
                t.get("title").and_then(Value::as_str).unwrap_or(""),
            );
            for (i, key) in LISTS.iter().chain(&["evaluation"]).enumerate() {
                let text = match t.get(*key) {
                    Some(Value::Array(list)) => list
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("\n"),
                    Some(Value::String(s)) => s.clone(),
                    _ => String::new(),
                };
                let format = if matches!(*key, "actions" | "targets") {
                    wrap
                } else {
                    open
                };
                sheet.write_with_format(first, levels + i as u16, text, format)?;
            }
            if let Some(id) = t.get("id").and_then(Value::as_str) {
                sheet.write(first, levels + 5, id)?;
            }
            let mut extra = t.clone();
            extra.retain(|k, _| !SHOWN.contains(&k) && k != "items");
            // A number the sheet's reading would not split off (1., 第1章) travels hidden too.
            let number = t.get("number").and_then(Value::as_str).map(str::to_string);
            let title = t
                .get("title")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if number.is_some() && split_number(&heading) != (number.clone(), title.clone()) {
                for key in ["number", "title"] {
                    if let Some(v) = t.get(key) {
                        extra.insert(key.into(), v.clone());
                    }
                }
            }
            if !extra.is_empty() {
                sheet.write(first, levels + 6, toml::to_string(&extra)?)?;
            }
            *row += 1;
            if let Some(children) = t.get("items").and_then(Value::as_array) {
                count += self.rows(sheet, children, depth + 1, row, wrap, open)?;
            }
            let col = depth as u16;
            if *row - 1 > first {
                sheet.merge_range(first, col, *row - 1, col, &heading, wrap)?;
            } else {
                sheet.write_with_format(first, col, heading, wrap)?;
            }
        }
        Ok(count)
    }
}
