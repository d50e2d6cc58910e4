//! `kohyo import`: an edition from the spreadsheet a department keeps (`.xlsx`, `.xls`,
//! `.ods`, `.csv`), or from a kohyo form (`kohyo sheet`) filled in. The sheet is read
//! ([`grid`]), its header found ([`header`]), its rows made into items ([`items`]), ids carried
//! from the previous edition ([`ids`]), and the edition written as TOML only when the whole
//! site still passes `kohyo check`.

pub mod blocks;
pub mod cells;
pub mod figures;
pub mod grid;
pub mod header;
pub mod ids;
pub mod items;
mod place;

use std::fs;
use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::diagnostic::{Diagnostic, Lang, Message};
use crate::layout::CONTENT_DIR;
use crate::messages;
use crate::model::{Edition, Series, Stage};
use crate::next::Next;
use crate::site;
use crate::text::Tokenizer;
use crate::wareki;
use header::Column;
use items::Draft;

/// What `kohyo import` is asked to do.
#[derive(Debug)]
pub struct Request<'a> {
    /// Site root.
    pub root: &'a Path,
    /// The spreadsheet.
    pub file: &'a Path,
    /// `municipality/series`.
    pub series: &'a str,
    /// The edition to write, by year or version; `None`: the edition named `slug`, dated by
    /// the keys a kohyo form carries (for an edition dated by neither, such as a period).
    pub edition: Option<Next>,
    /// File name of the edition when `edition` is `None`.
    pub slug: Option<&'a str>,
    /// Sheet name (default: the first sheet).
    pub sheet: Option<&'a str>,
    /// Replace an existing edition file.
    pub force: bool,
}

/// What `kohyo import` wrote.
#[derive(Debug)]
pub struct Imported {
    /// The edition file, relative to the site root.
    pub path: PathBuf,
    /// Items imported (all levels).
    pub items: usize,
    /// Items that got the id of the previous edition's item they continue.
    pub carried: usize,
    /// Cells read but not imported, each naming its place.
    pub warnings: Vec<Message>,
}

/// Why `kohyo import` wrote nothing. Its `Display` is the English.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The request, the sheet or the site is not right, with what to do.
    #[error("{}", .0.en)]
    Refused(Message),
    /// The edition made from the sheet does not pass `kohyo check`; its problems.
    #[error("{}\n{}", check_failed().en, render_all(.0, Lang::En))]
    Check(Vec<Diagnostic>),
}

impl ImportError {
    /// What went wrong in English and in Japanese: for [`ImportError::Check`] the lead line,
    /// which the CLI prints before the problems.
    pub fn message(&self) -> Message {
        match self {
            ImportError::Refused(m) => m.clone(),
            ImportError::Check(_) => check_failed(),
        }
    }
}

impl From<Message> for ImportError {
    fn from(message: Message) -> Self {
        ImportError::Refused(message)
    }
}

/// The lead of [`ImportError::Check`].
fn check_failed() -> Message {
    Message::new(
        "the imported edition does not pass `kohyo check`; nothing written:",
        "取り込んだ版が `kohyo check` を通らないため、何も書き込んでいません。直す箇所は次のとおりです:",
    )
}

/// Problems rendered in `lang`, one after another, without colour.
fn render_all(diags: &[Diagnostic], lang: Lang) -> String {
    let shown: Vec<String> = diags.iter().map(|d| d.render_in(lang, false)).collect();
    shown.join("\n")
}

/// Import `request.file` as an edition of `request.series`.
pub fn import(request: &Request) -> Result<Imported, ImportError> {
    let (site, _) =
        site::load(request.root).map_err(|diags| messages::site_has_problems(diags.len()))?;
    let (_, series) = site
        .series(request.series)
        .ok_or_else(|| messages::no_series(request.series))?;
    let slug = match (&request.edition, request.slug) {
        (Some(Next::Year(y)), _) => y.to_string(),
        (Some(Next::Version { slug, .. }), _) => slug.clone(),
        (None, Some(slug)) => slug.to_string(),
        (None, None) => return Err(messages::give_year_or_version().into()),
    };
    if !crate::model::is_valid_id(&slug) {
        return Err(messages::bad_slug(&slug).into());
    }
    let path = Path::new(CONTENT_DIR)
        .join(request.series)
        .join(format!("{slug}.toml"));
    let target = request.root.join(&path);
    if target.exists() && !request.force {
        return Err(Message::new(
            format!(
                "{} exists already; give --force to replace it",
                path.display()
            ),
            format!(
                "`{}` はもうあります。置き換えるときは --force を付けてください",
                path.display()
            ),
        )
        .into());
    }
    let grid = grid::read(request.file, request.sheet)?;
    let text = edition_toml(
        &grid,
        series,
        request.edition.as_ref(),
        &slug,
        &site.user_dictionary,
    )?;
    let previous_text = fs::read(&target).ok();
    fs::write(&target, text.0.as_bytes()).map_err(|e| messages::cannot_write(&path, e))?;
    if let Err(diags) = site::load(request.root) {
        match previous_text {
            Some(bytes) => fs::write(&target, bytes),
            None => fs::remove_file(&target),
        }
        .map_err(|e| {
            Message::new(
                format!("cannot restore {}: {e}", path.display()),
                format!(
                    "`{}` を元に戻せません。取り込む前の内容に手で戻してください: {e}",
                    path.display()
                ),
            )
        })?;
        return Err(ImportError::Check(diags));
    }
    Ok(Imported {
        path,
        items: text.1,
        carried: text.2,
        warnings: text.3,
    })
}

/// The edition's TOML, with the number of items, of carried ids, and the warnings.
type Made = (String, usize, usize, Vec<Message>);

fn edition_toml(
    grid: &grid::Grid,
    series: &Series,
    next: Option<&Next>,
    slug: &str,
    dictionary: &Option<String>,
) -> Result<Made, Message> {
    if grid
        .cells
        .iter()
        .all(|r| r.iter().all(|c| c.trim().is_empty()))
    {
        let place = grid.place(0, 0);
        let levels = series.levels.join("」「");
        return Err(Message::new(
            format!(
                "{place}: the sheet is empty; expected a table with a header row such as 「{levels}」"
            ),
            format!(
                "{place}: シートが空です。「{levels}」のような見出しの行がある表にしてください"
            ),
        ));
    }
    let mut warnings = Vec::new();
    let header = header::find(grid, series)?;
    let blocks = blocks::find(grid, series, header, &mut warnings)?;
    let indicators = series
        .labels
        .resolve(&crate::model::Labels::default())
        .indicators;
    let mut indicator_heads = vec!["指標".to_string()];
    indicator_heads.extend(indicators.filter(|h| h != "指標"));
    let built = items::build(grid, &blocks, series.levels.len(), &indicator_heads)?;
    warnings.extend(built.warnings);
    let mut drafts = built.items;
    if !blocks.columns.iter().any(|(_, k, _)| *k == Column::Id) {
        let year = match next {
            Some(Next::Year(y)) => Some(*y),
            _ => None,
        };
        figures::attach(&mut drafts, year, &mut warnings);
    }
    if drafts.is_empty() {
        let place = grid.place(blocks.heads[0].last + 1, blocks.columns[0].0);
        return Err(Message::new(
            format!("{place}: no items under the header; expected a row per goal or item"),
            format!(
                "{place}: 見出しの下に項目がありません。目標や項目を 1 行に 1 つずつ書いてください"
            ),
        ));
    }
    let mut table = match &grid.meta {
        Some(meta) => meta.parse::<Table>().map_err(|e| {
            let place = format!("{}:{}!A1", grid.file, grid::META_SHEET);
            Message::new(
                format!("{place}: expected the edition's keys as TOML written by `kohyo sheet`: {e}"),
                format!(
                    "{place}: `kohyo sheet` が書いた版の情報（TOML）が読めません。このセルは書き換えず、もう一度 `kohyo sheet` で様式を作ってください: {e}"
                ),
            )
        })?,
        None => {
            let next = next.ok_or_else(|| {
                Message::new(
                    format!(
                        "{}: only a form written by `kohyo sheet` carries its edition's dates; give --year YEAR, or --version LABEL --slug NAME",
                        grid.file
                    ),
                    format!(
                        "{}: 版の日付を持つのは `kohyo sheet` が書いた様式だけです。--year 年度 か、--version 名前 --slug 名前 を指定してください",
                        grid.file
                    ),
                )
            })?;
            sheet_facts(grid, &blocks, series, next, &mut warnings)
        }
    };
    match next {
        Some(Next::Year(y)) => {
            table.insert("fiscal_year".into(), Value::Integer(i64::from(*y)));
        }
        Some(Next::Version { label, .. }) => {
            table.insert("version".into(), Value::String(label.clone()));
        }
        None => {}
    }
    // An edition replaced (--force) or named by its file alone follows the editions listed
    // before it; a new version follows them all.
    let existing = series.editions.iter().position(|e| e.slug == slug);
    let before = match next {
        Some(Next::Year(_)) => series.editions.len(),
        Some(Next::Version { .. }) | None => existing.unwrap_or(series.editions.len()),
    };
    let previous = series.editions[..before].iter().rfind(|e| {
        e.slug != slug
            && match next {
                Some(Next::Year(y)) => e.fiscal_year.as_ref().is_some_and(|f| f.get_ref().0 < *y),
                Some(Next::Version { .. }) | None => true,
            }
    });
    if let (Some(Next::Version { .. }), false) = (next, table.contains_key("order")) {
        // A version replaced keeps its place among the others.
        let order = match existing.and_then(|i| series.editions[i].order) {
            Some(own) => own,
            None => previous.and_then(|p| p.order).unwrap_or(before as i64) + 1,
        };
        table.insert("order".into(), Value::Integer(order));
    }
    let unaligned = render(&table, &drafts, &grid.file)?;
    let edition: Edition = toml::from_str(&unaligned).map_err(|e| {
        let detail = e.message();
        // The content types' own messages carry both languages.
        let (en, ja) = match Message::decode(detail) {
            Some(own) => (own.en, own.ja),
            None => (detail.to_string(), detail.to_string()),
        };
        Message::new(
            format!("{}: the imported edition is not valid: {en}", grid.file),
            format!("{}: 取り込んだ版の内容が正しくありません: {ja}", grid.file),
        )
    })?;
    let tokenizer = Tokenizer::new(dictionary.as_deref()).map_err(|e| e.message())?;
    let carried = ids::assign(&mut drafts, &edition, previous, series, &tokenizer)?;
    let count = count(&drafts);
    let header_comment = format!(
        "# Imported from {}, sheet {}, by `kohyo import`.\n\n",
        grid.file, grid.sheet
    );
    Ok((
        format!("{header_comment}{}", render(&table, &drafts, &grid.file)?),
        count,
        carried,
        warnings,
    ))
}

/// The edition's keys a department's sheet gives: title (【…】), document, 担当部局名, stage
/// from the columns, and headings that differ from the series' labels.
fn sheet_facts(
    grid: &grid::Grid,
    blocks: &blocks::Blocks,
    series: &Series,
    next: &Next,
    warnings: &mut Vec<Message>,
) -> Table {
    let mut table = Table::new();
    let mut title = None;
    let mut document = None;
    let mut department = None;
    for r in 0..blocks.heads[0].row {
        let filled: Vec<(usize, &str)> = (0..grid.width())
            .map(|c| (c, grid.text(r, c).trim()))
            .filter(|(_, t)| !t.is_empty())
            .collect();
        let mut cells = filled.iter();
        while let Some(&(c, t)) = cells.next() {
            if let Some(rest) = t.strip_prefix("担当部局名") {
                let rest =
                    rest.trim_matches(|ch: char| ch.is_whitespace() || ch == '：' || ch == ':');
                department = match rest.is_empty() {
                    true => cells.next().map(|(_, t)| t.to_string()),
                    false => Some(rest.to_string()),
                };
            } else if t.starts_with('【') && t.ends_with('】') && title.is_none() {
                title = Some(
                    t.trim_start_matches('【')
                        .trim_end_matches('】')
                        .to_string(),
                );
            } else if document.is_none() {
                document = Some(t.to_string());
            } else {
                let place = grid.place(r, c);
                warnings.push(Message::new(
                    format!("{place}: not imported: 「{t}」 above the header"),
                    format!("{place}: 見出しより上の「{t}」は取り込んでいません"),
                ));
            }
        }
    }
    let title = title.unwrap_or_else(|| match next {
        Next::Year(y) => format!(
            "{}{}",
            wareki::fiscal_year_label(*y),
            series.levels.first().map_or("", String::as_str)
        ),
        // 体系表(11月30日現在): the document's name without the version is the title.
        Next::Version { label, .. } => document
            .as_deref()
            .and_then(|d| {
                d.strip_suffix(&format!("({label})"))
                    .or_else(|| d.strip_suffix(&format!("（{label}）")))
            })
            .map(|t| t.trim_end().to_string())
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| format!("{}（{label}）", series.title)),
    });
    table.insert("title".into(), Value::String(title));
    if let Some(d) = document {
        table.insert("document".into(), Value::String(d));
    }
    let has = |key: &'static str| {
        blocks
            .columns
            .iter()
            .any(|(_, k, _)| *k == Column::List(key))
    };
    let stage = match (has("results"), has("progress")) {
        (true, _) => Stage::Result,
        (false, true) => Stage::Interim,
        _ => Stage::Plan,
    };
    let stage = match stage {
        Stage::Result => "result",
        Stage::Interim => "interim",
        Stage::Plan => "plan",
    };
    table.insert("stage".into(), Value::String(stage.into()));
    if let Some(d) = department.filter(|d| Some(d) != series.department.as_ref()) {
        table.insert("department".into(), Value::String(d));
    }
    let labels = series.labels.resolve(&crate::model::Labels::default());
    let mut overrides = Table::new();
    for (_, kind, heading) in &blocks.columns {
        let (key, label) = match kind {
            Column::List("actions") => ("actions", &labels.actions),
            Column::List("targets") => ("targets", &labels.targets),
            Column::List("progress") => ("progress", &labels.progress),
            Column::List("results") => ("results", &labels.results),
            Column::Scalar("evaluation") => ("evaluation", &labels.evaluation),
            Column::Scalar("owner") => ("owner", &labels.owner),
            Column::Scalar("status") => ("status", &labels.status),
            Column::Scalar("see") => ("see", &labels.see),
            _ => continue,
        };
        if label.as_deref() != Some(heading.as_str()) {
            overrides.insert(key.into(), Value::String(heading.clone()));
        }
    }
    if !overrides.is_empty() {
        table.insert("labels".into(), Value::Table(overrides));
    }
    table
}

/// An item and its children as a TOML table.
fn item_table(d: &Draft) -> Value {
    let mut t = d.keys.clone();
    if !d.items.is_empty() {
        t.insert(
            "items".into(),
            Value::Array(d.items.iter().map(item_table).collect()),
        );
    }
    Value::Table(t)
}

/// The edition as TOML: its keys, then the items.
fn render(table: &Table, drafts: &[Draft], file: &str) -> Result<String, Message> {
    let mut t = table.clone();
    t.insert(
        "items".into(),
        Value::Array(drafts.iter().map(item_table).collect()),
    );
    toml::to_string_pretty(&t).map_err(|e| {
        Message::new(
            format!("{file}: the imported edition cannot be written as TOML: {e}"),
            format!("{file}: 取り込んだ版を TOML に書き出せません: {e}"),
        )
    })
}

/// Items at every level.
fn count(drafts: &[Draft]) -> usize {
    drafts.iter().map(|d| 1 + count(&d.items)).sum()
}
