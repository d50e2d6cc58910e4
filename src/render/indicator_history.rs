//! A goal's indicators through the editions on its history page: one table row per edition
//! (baseline, latest actual, target, attainment) and one bar chart of them on one scale.

use std::collections::HashMap;

use serde::Serialize;

use super::glance::{latest_text, point_text, share_text};
use crate::history::{self, Chain};
use crate::model::{Edition, Indicator, Series, numbered};
use crate::present::{NOT_STATED, edition_when, escape_html, with_unit};

/// An indicator through the editions.
#[derive(Debug, Serialize)]
pub struct IndicatorHistory {
    /// Number and name in its latest edition.
    pub name: String,
    /// Unit, or 記載なし.
    pub unit: String,
    /// Baseline, latest actual and target of each edition as bars with their numbers.
    pub chart_svg: Option<String>,
    /// One row per edition.
    pub rows: Vec<IndicatorYear>,
}

/// An indicator in one edition.
#[derive(Debug, Serialize)]
pub struct IndicatorYear {
    /// When the edition is dated.
    pub when: String,
    /// The indicator on the edition page.
    pub url: String,
    /// Name as this edition prints it.
    pub name: String,
    /// 現状.
    pub baseline: String,
    /// Latest actual value.
    pub latest: String,
    /// 目標.
    pub target: String,
    /// Attainment, or why there is none.
    pub attainment: String,
    /// The target year's outcome, when it has passed.
    pub due: Option<&'static str>,
}

/// The indicator of `chain` through its editions (as `indicators` holds each edition's by
/// anchor), `None` when no edition has it.
pub(super) fn indicator_history(
    s: &Series,
    chain: &Chain,
    indicators: &[HashMap<&str, (&Indicator, Option<&str>)>],
    page_url: &dyn Fn(&Edition, &str) -> String,
) -> Option<IndicatorHistory> {
    let members: Vec<(&Edition, &Indicator, &str)> = chain
        .members
        .iter()
        .filter_map(|m| {
            let (ind, _) = indicators[m.edition].get(m.anchor.as_str())?;
            Some((&s.editions[m.edition], *ind, m.anchor.as_str()))
        })
        .collect();
    let (_, latest, _) = members.last()?;
    let rows = members
        .iter()
        .map(|(e, ind, anchor)| {
            let p = history::progress(ind, e);
            IndicatorYear {
                when: edition_when(e).0,
                url: page_url(e, anchor),
                name: numbered(ind.number.as_deref(), &ind.name),
                baseline: point_text(&ind.baseline, ind),
                latest: latest_text(p.latest, ind),
                target: point_text(&ind.target, ind),
                attainment: share_text(p.share),
                due: p.due.label(),
            }
        })
        .collect();
    Some(IndicatorHistory {
        name: numbered(latest.number.as_deref(), &latest.name),
        unit: latest
            .unit
            .clone()
            .unwrap_or_else(|| NOT_STATED.to_string()),
        chart_svg: history_svg(&members),
        rows,
    })
}

/// A bar: its label (現状, 実績, 目標), its value and the indicator that formats it.
type Bar<'a> = (&'static str, f64, &'a Indicator);

/// Bars of each edition's baseline, latest actual and target on one scale, each with its
/// value as text; `None` with fewer than two numbers or any negative one.
fn history_svg(members: &[(&Edition, &Indicator, &str)]) -> Option<String> {
    let mut groups: Vec<(String, Vec<Bar>)> = Vec::new();
    for (e, ind, _) in members {
        let p = history::progress(ind, e);
        let mut bars = Vec::new();
        if let Some(v) = ind.baseline.as_ref().and_then(|p| p.value) {
            bars.push(("現状", v, *ind));
        }
        if let Some(a) = p.latest {
            bars.push(("実績", a.value, *ind));
        }
        if let Some(v) = ind.target.as_ref().and_then(|p| p.value) {
            bars.push(("目標", v, *ind));
        }
        if !bars.is_empty() {
            groups.push((edition_when(e).0, bars));
        }
    }
    let values: Vec<f64> = groups
        .iter()
        .flat_map(|g| g.1.iter().map(|b| b.1))
        .collect();
    let max = values.iter().copied().fold(0.0_f64, f64::max);
    if values.len() < 2 || max <= 0.0 || values.iter().any(|v| !v.is_finite() || *v < 0.0) {
        return None;
    }
    let alt = groups
        .iter()
        .map(|(when, bars)| {
            let parts: Vec<String> = bars
                .iter()
                .map(|(l, v, ind)| format!("{l} {}", with_unit(*v, ind)))
                .collect();
            format!("{when}：{}", parts.join("、"))
        })
        .collect::<Vec<_>>()
        .join("。");
    let rows: usize = groups.iter().map(|g| g.1.len() + 1).sum();
    let height = rows as f64 * 20.0;
    let mut svg = format!(
        "<svg class=\"history-chart\" viewBox=\"0 0 320 {height}\" width=\"320\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&alt)
    );
    let mut y = 0.0;
    for (when, bars) in &groups {
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" class=\"bar-group\">{}</text>",
            y + 14.0,
            escape_html(when)
        ));
        y += 20.0;
        for (label, v, ind) in bars {
            let class = match *label {
                "現状" => "bar-baseline",
                "実績" => "bar-actual",
                _ => "bar-target",
            };
            let width = (v / max * 170.0).max(1.0);
            svg.push_str(&format!(
                "<text x=\"0\" y=\"{:.1}\" class=\"bar-label\">{label}</text><rect x=\"36\" y=\"{:.1}\" width=\"{width:.1}\" height=\"12\" class=\"{class}\"/><text x=\"{:.1}\" y=\"{:.1}\" class=\"bar-value\">{}</text>",
                y + 14.0,
                y + 4.0,
                40.0 + width,
                y + 14.0,
                escape_html(&with_unit(*v, ind)),
            ));
            y += 20.0;
        }
    }
    svg.push_str("</svg>");
    Some(svg)
}
