//! At a glance: counts of items by level, self-evaluation mark and stage, and each
//! indicator's baseline → latest actual → target with its attainment, for the series page,
//! the edition page and (short) the municipality page. Only values the source gives are
//! shown or used; where one is missing the text says so ([`crate::present::NOT_STATED`]).

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::history::{self, Due, NoShare};
use crate::model::{Edition, Indicator, Item, Point, Series, numbered};
use crate::present::{NOT_STATED, edition_when, escape_html, with_unit};
use crate::wareki;

/// Marks in the order tables show them; others follow in text order.
const MARK_ORDER: [&str; 4] = ["◎", "○", "△", "×"];

/// A table of counts: one row per level (edition page) or per edition (series page).
#[derive(Debug, Serialize)]
pub struct CountTable {
    /// Caption.
    pub caption: String,
    /// Heading of the first column.
    pub row_heading: &'static str,
    /// The self-evaluation marks the rows hold, as columns.
    pub marks: Vec<String>,
    /// The rows.
    pub rows: Vec<CountRow>,
}

/// One row of a [`CountTable`].
#[derive(Debug, Serialize)]
pub struct CountRow {
    /// Level name, or when the edition is dated.
    pub label: String,
    /// Link of the edition (series page).
    pub url: Option<String>,
    /// 当初 / 中間報告 / 達成状況 (series page).
    pub stage: Option<&'static str>,
    /// Items in all.
    pub total: usize,
    /// Each mark of [`CountTable::marks`] with the items that have it.
    pub marks: Vec<(String, usize)>,
    /// Items without a self-evaluation.
    pub unmarked: usize,
}

/// Per depth: (items, items by mark, items without a mark).
type Counts = Vec<(usize, BTreeMap<String, usize>, usize)>;

fn counts(e: &Edition) -> Counts {
    fn walk(items: &[toml::Spanned<Item>], depth: usize, out: &mut Counts) {
        for item in items {
            let item = item.get_ref();
            if out.len() <= depth {
                out.resize(depth + 1, (0, BTreeMap::new(), 0));
            }
            let row = &mut out[depth];
            row.0 += 1;
            match &item.evaluation {
                Some(mark) => *row.1.entry(mark.clone()).or_default() += 1,
                None => row.2 += 1,
            }
            walk(&item.items, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(&e.items, 0, &mut out);
    out
}

fn level_name(s: &Series, depth: usize) -> String {
    s.levels
        .get(depth)
        .cloned()
        .unwrap_or_else(|| format!("第{}階層", depth + 1))
}

fn ordered_marks<'a>(marks: impl Iterator<Item = &'a String>) -> Vec<String> {
    let mut list: Vec<String> = marks.cloned().collect();
    list.sort_by_key(|m| {
        let known = MARK_ORDER.iter().position(|k| k == m);
        (known.unwrap_or(MARK_ORDER.len()), m.clone())
    });
    list.dedup();
    list
}

fn row(
    label: String,
    counted: &(usize, BTreeMap<String, usize>, usize),
    marks: &[String],
) -> CountRow {
    CountRow {
        label,
        url: None,
        stage: None,
        total: counted.0,
        marks: marks
            .iter()
            .map(|m| (m.clone(), counted.1.get(m).copied().unwrap_or(0)))
            .collect(),
        unmarked: counted.2,
    }
}

/// The edition page's counts: one row per level.
pub fn edition_counts(s: &Series, e: &Edition) -> Option<CountTable> {
    let counted = counts(e);
    if counted.is_empty() {
        return None;
    }
    let marks = ordered_marks(counted.iter().flat_map(|c| c.1.keys()));
    Some(CountTable {
        caption: "階層ごとの項目数と自己評価".to_string(),
        row_heading: "階層",
        rows: counted
            .iter()
            .enumerate()
            .map(|(depth, c)| row(level_name(s, depth), c, &marks))
            .collect(),
        marks,
    })
}

/// The series page's counts: one table per level, one row per edition with its stage.
pub fn series_counts(s: &Series, urls: &[String]) -> Vec<CountTable> {
    let counted: Vec<Counts> = s.editions.iter().map(counts).collect();
    let depths = counted.iter().map(Vec::len).max().unwrap_or(0);
    let empty = (0, BTreeMap::new(), 0);
    (0..depths)
        .map(|depth| {
            let level = level_name(s, depth);
            let marks = ordered_marks(
                counted
                    .iter()
                    .filter_map(|c| c.get(depth))
                    .flat_map(|c| c.1.keys()),
            );
            let rows = s
                .editions
                .iter()
                .zip(&counted)
                .zip(urls)
                .map(|((e, c), url)| CountRow {
                    url: Some(url.clone()),
                    stage: Some(e.stage.label()),
                    ..row(edition_when(e).0, c.get(depth).unwrap_or(&empty), &marks)
                })
                .collect();
            CountTable {
                caption: format!("{level}の件数と自己評価（版ごと）"),
                row_heading: "版",
                marks,
                rows,
            }
        })
        .collect()
}

/// The municipality page's line about a series: its latest edition's counts.
pub fn short_counts(s: &Series) -> Option<String> {
    let e = s.editions.last()?;
    let counted = counts(e);
    if counted.is_empty() {
        return None;
    }
    let levels: Vec<String> = counted
        .iter()
        .enumerate()
        .map(|(depth, c)| format!("{} {}件", level_name(s, depth), c.0))
        .collect();
    let mut by_mark: BTreeMap<String, usize> = BTreeMap::new();
    for c in &counted {
        for (m, n) in &c.1 {
            *by_mark.entry(m.clone()).or_default() += n;
        }
    }
    let marks = ordered_marks(by_mark.keys());
    let evaluation = match marks.is_empty() {
        true => format!("自己評価{NOT_STATED}"),
        false => format!(
            "自己評価 {}",
            marks
                .iter()
                .map(|m| format!("{m} {}件", by_mark[m]))
                .collect::<Vec<_>>()
                .join("・")
        ),
    };
    Some(format!(
        "{}（{}）：{}。{evaluation}",
        edition_when(e).0,
        e.stage.label(),
        levels.join("・")
    ))
}

/// An edition's indicators at a glance.
#[derive(Debug, Serialize)]
pub struct IndicatorGlance {
    /// Caption of the table.
    pub caption: String,
    /// Bars of the attainments the source allows, with the numbers as text; `None` when no
    /// indicator has one.
    pub chart_svg: Option<String>,
    /// Indicators whose target year passed without the target reached.
    pub unmet: usize,
    /// The rows.
    pub rows: Vec<GlanceRow>,
}

/// One indicator at a glance.
#[derive(Debug, Serialize)]
pub struct GlanceRow {
    /// Number and name.
    pub name: String,
    /// The indicator on the edition page.
    pub url: String,
    /// The goal it belongs to: heading and its history page.
    pub goal: Option<(String, Option<String>)>,
    /// 現状: year and value, or 記載なし.
    pub baseline: String,
    /// The latest actual value with its date, or 記載なし.
    pub latest: String,
    /// 目標: year and value, or 記載なし.
    pub target: String,
    /// Attainment as a percentage, or why there is none.
    pub attainment: String,
    /// Whether `attainment` is a percentage.
    pub computed: bool,
    /// The target year's outcome, when it has passed.
    pub due: Option<&'static str>,
    /// Whether the target year passed without the target reached.
    pub unmet: bool,
}

/// A baseline or target as text: `令和4年度 7,033人`, each missing part said.
pub fn point_text(p: &Option<Point>, ind: &Indicator) -> String {
    match p {
        None => NOT_STATED.to_string(),
        Some(p) => {
            let value = p
                .value
                .map_or_else(|| format!("値{NOT_STATED}"), |v| with_unit(v, ind));
            match p.year {
                Some(y) => format!("{} {value}", wareki::fiscal_year_label(y.0)),
                None => value,
            }
        }
    }
}

/// Attainment as shown: `45%`, or the reason there is none.
pub fn share_text(share: Result<f64, NoShare>) -> String {
    match share {
        Ok(v) => {
            let pct = (v * 100.0).round();
            format!("{}%", if pct == 0.0 { 0.0 } else { pct })
        }
        Err(why) => why.label().to_string(),
    }
}

/// The latest actual value as text, or 記載なし.
pub fn latest_text(latest: Option<&crate::model::Actual>, ind: &Indicator) -> String {
    match latest {
        None => NOT_STATED.to_string(),
        Some(a) => match &a.as_of {
            Some(when) => format!("{when} {}", with_unit(a.value, ind)),
            None => with_unit(a.value, ind),
        },
    }
}

/// An edition's indicators (its own, then its items', in document order); `goals` maps an
/// item anchor to its heading and history page URL.
pub fn indicator_glance(
    e: &Edition,
    page_url: &str,
    caption: String,
    goals: &HashMap<&str, (String, Option<String>)>,
) -> Option<IndicatorGlance> {
    let mut list: Vec<(&Indicator, Option<&str>)> =
        e.indicators.iter().map(|i| (i, None)).collect();
    fn walk<'a>(items: &'a [toml::Spanned<Item>], out: &mut Vec<(&'a Indicator, Option<&'a str>)>) {
        for item in items {
            let item = item.get_ref();
            out.extend(
                item.indicators
                    .iter()
                    .map(|i| (i, Some(item.anchor.as_str()))),
            );
            walk(&item.items, out);
        }
    }
    walk(&e.items, &mut list);
    if list.is_empty() {
        return None;
    }
    let rows: Vec<(GlanceRow, Result<f64, NoShare>)> = list
        .into_iter()
        .map(|(ind, owner)| {
            let p = history::progress(ind, e);
            let row = GlanceRow {
                name: numbered(ind.number.as_deref(), &ind.name),
                url: format!("{page_url}#{}", ind.anchor),
                goal: owner.and_then(|a| goals.get(a).cloned()),
                baseline: point_text(&ind.baseline, ind),
                latest: latest_text(p.latest, ind),
                target: point_text(&ind.target, ind),
                attainment: share_text(p.share),
                computed: p.share.is_ok(),
                due: p.due.label(),
                unmet: p.due == Due::Unmet,
            };
            (row, p.share)
        })
        .collect();
    let bars: Vec<(&str, f64)> = rows
        .iter()
        .filter_map(|(r, share)| share.ok().map(|v| (r.name.as_str(), v)))
        .collect();
    Some(IndicatorGlance {
        caption,
        chart_svg: attainment_svg(&bars),
        unmet: rows.iter().filter(|(r, _)| r.unmet).count(),
        rows: rows.into_iter().map(|(r, _)| r).collect(),
    })
}

/// Characters of a name the chart prints before cutting it with `…` (the table beside it
/// and the text alternative carry the whole name).
const CHART_NAME: usize = 22;

/// Horizontal bars from 0 to 100 % of the way to the target, each with its name and its
/// percentage as text; a share beyond the target fills the bar, below the baseline leaves it
/// empty, and the text says the number.
pub fn attainment_svg(bars: &[(&str, f64)]) -> Option<String> {
    if bars.is_empty() {
        return None;
    }
    let row = 40.0;
    let height = row * bars.len() as f64;
    let alt = bars
        .iter()
        .map(|(name, v)| format!("{name} {}", share_text(Ok(*v))))
        .collect::<Vec<_>>()
        .join("、");
    let mut svg = format!(
        "<svg class=\"attainment-chart\" viewBox=\"0 0 320 {height}\" width=\"320\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&format!(
            "達成度（現状値から目標値までのうち実績が進んだ割合）：{alt}"
        ))
    );
    for (i, (name, v)) in bars.iter().enumerate() {
        let y = i as f64 * row;
        let shown: String = if name.chars().count() > CHART_NAME {
            name.chars().take(CHART_NAME - 1).chain(['…']).collect()
        } else {
            name.to_string()
        };
        let width = (v.clamp(0.0, 1.0) * 240.0).max(0.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" class=\"bar-label\">{}</text><rect x=\"0\" y=\"{:.1}\" width=\"240\" height=\"12\" class=\"bar-track\"/><rect x=\"0\" y=\"{:.1}\" width=\"{width:.1}\" height=\"12\" class=\"bar-fill\"/><text x=\"248\" y=\"{:.1}\" class=\"bar-value\">{}</text>",
            y + 13.0,
            escape_html(&shown),
            y + 19.0,
            y + 19.0,
            y + 30.0,
            escape_html(&share_text(Ok(*v))),
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_are_whole_percentages_and_reasons_are_said() {
        assert_eq!(share_text(Ok(0.456)), "46%");
        assert_eq!(share_text(Ok(1.2)), "120%");
        assert_eq!(share_text(Ok(-0.001)), "0%");
        assert_eq!(share_text(Ok(-0.25)), "-25%");
        assert_eq!(share_text(Err(NoShare::NoBaseline)), "現状値の記載なし");
    }

    #[test]
    fn the_chart_escapes_names_and_keeps_numbers_as_text() {
        let svg =
            attainment_svg(&[("<b>&指標", 0.5), ("長い名前".repeat(10).as_str(), 2.0)]).unwrap();
        assert!(svg.contains("&lt;b&gt;&amp;指標"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains(">50%<") && svg.contains(">200%<"), "{svg}");
        assert!(svg.contains("role=\"img\""), "{svg}");
        assert!(
            svg.contains("width=\"240.0\""),
            "a share beyond the target fills the bar"
        );
        assert!(svg.contains('…'), "{svg}");
        assert_eq!(attainment_svg(&[]), None);
    }
}
