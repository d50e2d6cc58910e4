//! `kohyo new`: next year's edition (or the next version) of a series, started from its
//! latest edition. Ids, titles, actions and targets are kept so the compare page aligns the
//! two; the stage becomes `plan`; progress, results, self-evaluations and reported indicator
//! values are cleared, as they belong to the year that ended.

use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::load::{self, CONTENT_DIR, Site};
use crate::model::Series;
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
}

/// Keys of an item that describe the year that ended, not the plan.
const CLEARED_ITEM_KEYS: [&str; 3] = ["progress", "results", "evaluation"];
/// Keys of an edition that describe one publication.
const CLEARED_EDITION_KEYS: [&str; 2] = ["note", "published"];

/// Write the next edition of `series` (`municipality/series`) in the site at `root`.
pub fn new_edition(root: &Path, series: &str, next: &Next) -> Result<Created, String> {
    let site: Site = load::load(root).map_err(|diags| {
        format!(
            "the site has {} problem(s); run `kohyo check` and fix them first",
            diags.len()
        )
    })?;
    let (_, s) = site
        .series(series)
        .ok_or_else(|| format!("no series `{series}` under {CONTENT_DIR}/"))?;
    let latest = s
        .editions
        .last()
        .ok_or_else(|| format!("series `{series}` has no edition to start from"))?;
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
        return Err(format!(
            "`{slug}` cannot be a file name: use ASCII letters, digits, - and _ (e.g. --slug v3)"
        ));
    }
    let path = from.with_file_name(format!("{slug}.toml"));
    if root.join(&path).exists() {
        return Err(format!(
            "{} exists already; kohyo new never overwrites",
            path.display()
        ));
    }
    let (table, items) = next_table(root, s, next)?;
    let header = format!(
        "# Started from {} by `kohyo new`: stage set to plan; progress, results, evaluations and\n# reported indicator values cleared. Update the targets for the new edition.\n\n",
        from.display()
    );
    let body = toml::to_string_pretty(&table).map_err(|e| format!("cannot write TOML: {e}"))?;
    fs::write(root.join(&path), format!("{header}{body}"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(Created { path, from, items })
}

/// The next edition of series `s` as a TOML table, from its latest edition: stage `plan`,
/// the year or version set, the year that ended cleared. Also returns the items kept.
pub fn next_table(root: &Path, s: &Series, next: &Next) -> Result<(Table, usize), String> {
    let latest = s
        .editions
        .last()
        .ok_or_else(|| format!("series `{}` has no edition to start from", s.slug))?;
    let from = latest.source_path.clone();
    let text = fs::read_to_string(root.join(&from))
        .map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    let mut table: Table = toml::from_str(&text).map_err(|e| format!("{}: {e}", from.display()))?;
    for key in CLEARED_EDITION_KEYS {
        table.remove(key);
    }
    table.insert("stage".into(), Value::String("plan".into()));
    let old_year = latest.fiscal_year.as_ref().map(|y| y.get_ref().0);
    match next {
        Next::Year(year) => {
            if let (Some(old), Some(Value::String(title))) = (old_year, table.get_mut("title")) {
                *title = title.replace(
                    &wareki::fiscal_year_label(old),
                    &wareki::fiscal_year_label(*year),
                );
            }
            table.insert("fiscal_year".into(), Value::Integer(i64::from(*year)));
            table.remove("period");
        }
        Next::Version { label, .. } => {
            table.insert("version".into(), Value::String(label.clone()));
            let order = latest.order.unwrap_or(s.editions.len() as i64) + 1;
            table.insert("order".into(), Value::Integer(order));
        }
    }
    let mut items = 0;
    if let Some(Value::Array(list)) = table.get_mut("items") {
        clear_items(list, &mut items);
    }
    clear_indicators(table.get_mut("indicators"));
    Ok((table, items))
}

fn clear_items(list: &mut [Value], count: &mut usize) {
    for item in list.iter_mut() {
        let Value::Table(t) = item else { continue };
        *count += 1;
        for key in CLEARED_ITEM_KEYS {
            t.remove(key);
        }
        clear_indicators(t.get_mut("indicators"));
        if let Some(Value::Array(children)) = t.get_mut("items") {
            clear_items(children, count);
        }
    }
}

fn clear_indicators(list: Option<&mut Value>) {
    if let Some(Value::Array(list)) = list {
        for ind in list.iter_mut() {
            if let Value::Table(t) = ind {
                t.remove("actual");
            }
        }
    }
}
