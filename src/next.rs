//! `kohyo new`: next year's edition (or the next version) of a series, started from its
//! latest edition. Ids, titles, actions and targets are kept so the compare page aligns the
//! two; the stage becomes `plan`; progress, results, self-evaluations and reported indicator
//! values are cleared, as they belong to the year that ended.

use std::fs;
use std::path::{Path, PathBuf};

use toml::Table;
use toml_edit::{DocumentMut, Item, TableLike, Value};

use crate::diagnostic::Message;
use crate::load::Site;
use crate::messages;
use crate::model::Series;
use crate::site;
use crate::wareki;

/// What the new edition is.
#[derive(Debug, Clone)]
pub enum Next {
    /// A fiscal year (西暦), e.g. 2026; the file is `2026.toml`.
    Year(i32),
    /// A version label, e.g. 12月15日現在, and the file name to use.
    Version {
        /// Label as printed.
        label: String,
        /// File name without `.toml` (ASCII: it becomes the URL).
        slug: String,
    },
}

/// What `kohyo new` wrote.
#[derive(Debug)]
pub struct Created {
    /// The new file, relative to the site root.
    pub path: PathBuf,
    /// The edition it started from, relative to the site root.
    pub from: PathBuf,
    /// Items copied (all levels).
    pub items: usize,
    /// Target years moved from the old fiscal year to the new one.
    pub moved: Vec<Moved>,
}

/// Keys of an item that describe the year that ended, not the plan.
const CLEARED_ITEM_KEYS: [&str; 3] = ["progress", "results", "evaluation"];
/// Keys of an edition that describe one publication.
const CLEARED_EDITION_KEYS: [&str; 2] = ["note", "published"];

/// Write the next edition of `series` (`municipality/series`) in the site at `root`.
pub fn new_edition(root: &Path, series: &str, next: &Next) -> Result<Created, Message> {
    let (site, _): (Site, _) =
        site::load(root).map_err(|diags| messages::site_has_problems(diags.len()))?;
    let (_, s) = site
        .series(series)
        .ok_or_else(|| messages::no_series(series))?;
    let latest = s.editions.last().ok_or_else(|| no_edition(series))?;
    let from = latest.source_path.clone();
    let slug = match next {
        Next::Year(y) => y.to_string(),
        Next::Version { slug, .. } => slug.clone(),
    };
    if slug.is_empty()
        || !slug
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(messages::bad_slug(&slug));
    }
    let path = from.with_file_name(format!("{slug}.toml"));
    if root.join(&path).exists() {
        return Err(Message::new(
            format!(
                "{} exists already; kohyo new never overwrites",
                path.display()
            ),
            format!(
                "`{}` はもうあります。`kohyo new` は上書きしません。作り直すときは、そのファイルを消してからもう一度実行してください",
                path.display()
            ),
        ));
    }
    let (document, items, moved) = next_document(root, s, next)?;
    let header = format!(
        "# Started from {} by `kohyo new`: stage set to plan; progress, results, evaluations and\n# reported indicator values cleared. Update the targets for the new edition.\n\n",
        from.display()
    );
    fs::write(root.join(&path), format!("{header}{document}"))
        .map_err(|e| messages::cannot_write(&path, e))?;
    Ok(Created {
        path,
        from,
        items,
        moved,
    })
}

/// The next edition of series `s` as a TOML table, from its latest edition: stage `plan`,
/// the year or version set, the year that ended cleared. Also returns the items kept.
pub fn next_table(root: &Path, s: &Series, next: &Next) -> Result<(Table, usize), Message> {
    let (document, items, _) = next_document(root, s, next)?;
    let table = toml::from_str(&document.to_string()).map_err(|e| {
        Message::new(
            format!("cannot read back the new edition: {e}"),
            format!("作った版を読み直せません: {e}"),
        )
    })?;
    Ok((table, items))
}

/// The series has no edition a new one could start from.
fn no_edition(series: &str) -> Message {
    Message::new(
        format!("series `{series}` has no edition to start from"),
        format!(
            "シリーズ `{series}` には元にする版がありません。最初の版は `kohyo import` で取り込むか、TOML で書いてください"
        ),
    )
}

/// The next edition of series `s` as an edited copy of its latest edition's file (comments,
/// key order and layout kept): stage `plan`, the year or version set, the year that ended
/// cleared, and target years equal to the old fiscal year moved to the new one. Also returns
/// the items kept and the target years moved.
fn next_document(
    root: &Path,
    s: &Series,
    next: &Next,
) -> Result<(DocumentMut, usize, Vec<Moved>), Message> {
    let latest = s.editions.last().ok_or_else(|| no_edition(&s.slug))?;
    let from = latest.source_path.clone();
    let text = fs::read_to_string(root.join(&from)).map_err(|e| messages::cannot_read(&from, e))?;
    let mut doc: DocumentMut = text.parse().map_err(|e| {
        Message::new(
            format!("{}: {e}", from.display()),
            format!("`{}` を TOML として読めません: {e}", from.display()),
        )
    })?;
    for key in CLEARED_EDITION_KEYS {
        doc.remove(key);
    }
    set(doc.as_table_mut(), "stage", Value::from("plan"));
    let old_year = latest.fiscal_year.as_ref().map(|y| y.get_ref().0);
    let mut moved = Vec::new();
    match next {
        Next::Year(year) => {
            if let Some(old) = old_year
                && let Some(title) = doc.get("title").and_then(|t| t.as_str())
            {
                let title = title.replace(
                    &wareki::fiscal_year_label(old),
                    &wareki::fiscal_year_label(*year),
                );
                set(doc.as_table_mut(), "title", Value::from(title));
            }
            set(
                doc.as_table_mut(),
                "fiscal_year",
                Value::from(i64::from(*year)),
            );
            doc.remove("period");
            if let Some(old) = old_year {
                let mut mover = Mover {
                    old: i64::from(old),
                    new: i64::from(*year),
                    moved: &mut moved,
                };
                mover.table(doc.as_table_mut(), "");
            }
        }
        Next::Version { label, .. } => {
            set(doc.as_table_mut(), "version", Value::from(label.clone()));
            let order = latest.order.unwrap_or(s.editions.len() as i64) + 1;
            set(doc.as_table_mut(), "order", Value::from(order));
        }
    }
    let mut items = 0;
    clear(doc.as_table_mut(), &mut items, true);
    Ok((doc, items, moved))
}

/// A target year `kohyo new` moved with the edition's year.
#[derive(Debug)]
pub struct Moved {
    /// Where: the indicator's name, or its item's path of ids and numbers.
    pub place: String,
    /// The year before.
    pub from: i64,
    /// The year after.
    pub to: i64,
}

/// Set `key` to `value`, keeping the comment and spacing around the old value.
fn set(table: &mut dyn TableLike, key: &str, value: Value) {
    let mut value = value;
    if let Some(old) = table.get(key).and_then(|i| i.as_value()) {
        *value.decor_mut() = old.decor().clone();
    }
    table.insert(key, Item::Value(value));
}

/// The tables in a list of tables (`[[items]]`) or an inline list (`items = [{…}]`).
fn tables_in(item: &mut Item) -> Vec<&mut dyn TableLike> {
    match item {
        Item::ArrayOfTables(list) => list.iter_mut().map(|t| t as &mut dyn TableLike).collect(),
        Item::Value(Value::Array(list)) => list
            .iter_mut()
            .filter_map(|v| v.as_inline_table_mut().map(|t| t as &mut dyn TableLike))
            .collect(),
        _ => Vec::new(),
    }
}

/// Remove what the year that ended reported: items' progress, results and evaluation, and
/// every indicator's actual values, at every depth.
fn clear(table: &mut dyn TableLike, items: &mut usize, top: bool) {
    if !top {
        *items += 1;
        for key in CLEARED_ITEM_KEYS {
            table.remove(key);
        }
    }
    if let Some(list) = table.get_mut("indicators") {
        for indicator in tables_in(list) {
            indicator.remove("actual");
        }
    }
    if let Some(list) = table.get_mut("items") {
        for item in tables_in(list) {
            clear(item, items, false);
        }
    }
}

/// Moves target years that were the old edition's year to the new edition's, recording each.
struct Mover<'a> {
    old: i64,
    new: i64,
    moved: &'a mut Vec<Moved>,
}

impl Mover<'_> {
    /// An edition or item table: its indicators' targets, then its items.
    fn table(&mut self, table: &mut dyn TableLike, place: &str) {
        if let Some(list) = table.get_mut("indicators") {
            for indicator in tables_in(list) {
                let name = indicator
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or("")
                    .to_string();
                let Some(target) = indicator
                    .get_mut("target")
                    .and_then(|t| t.as_table_like_mut())
                else {
                    continue;
                };
                if target.get("year").and_then(|y| y.as_integer()) == Some(self.old) {
                    set(target, "year", Value::from(self.new));
                    self.moved.push(Moved {
                        place: format!("{place}{name}"),
                        from: self.old,
                        to: self.new,
                    });
                }
            }
        }
        if let Some(list) = table.get_mut("items") {
            for item in tables_in(list) {
                let label = item
                    .get("id")
                    .or_else(|| item.get("number"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string();
                self.table(item, &format!("{place}{label} › "));
            }
        }
    }
}
