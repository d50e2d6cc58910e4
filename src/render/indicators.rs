//! Indicator tables: each indicator's numbers formatted and its chart drawn.

use serde::Serialize;

use crate::model::{Indicator, Labels};
use crate::present::{self, NOT_STATED, with_unit};
use crate::wareki;

/// A group of indicators under one caption.
#[derive(Debug, Serialize)]
pub(super) struct IndicatorTable {
    /// Caption: the edition's indicators label, e.g. 施策評価指標.
    pub caption: String,
    /// Whether the source gives names only (no unit or value anywhere): shown as a list.
    pub names_only: bool,
    /// The value columns the table has: only those some indicator gives, so a column the
    /// document never fills (a plan's 実績) is not a column of 記載なし.
    pub columns: IndicatorColumns,
    /// The indicators.
    pub rows: Vec<IndicatorView>,
}

/// Which of an indicator table's value columns some row gives.
#[derive(Debug, Serialize)]
pub(super) struct IndicatorColumns {
    /// 単位.
    pub unit: bool,
    /// 現状.
    pub baseline: bool,
    /// 実績.
    pub actual: bool,
    /// 目標.
    pub target: bool,
}

/// The table of `indicators` under the edition's indicators label; none when there are none.
pub(super) fn indicator_table(indicators: &[Indicator], labels: &Labels) -> Option<IndicatorTable> {
    if indicators.is_empty() {
        return None;
    }
    let names_only = indicators.iter().all(|i| {
        i.unit.is_none() && i.baseline.is_none() && i.target.is_none() && i.actual.is_empty()
    });
    let columns = IndicatorColumns {
        unit: indicators.iter().any(|i| i.unit.is_some()),
        baseline: indicators.iter().any(|i| i.baseline.is_some()),
        actual: indicators.iter().any(|i| !i.actual.is_empty()),
        target: indicators.iter().any(|i| i.target.is_some()),
    };
    Some(IndicatorTable {
        caption: labels.indicators.clone().unwrap_or_default(),
        names_only,
        columns,
        rows: indicators.iter().map(indicator_view).collect(),
    })
}

/// An indicator with its numbers formatted and its chart drawn.
#[derive(Debug, Serialize)]
pub(super) struct IndicatorView {
    /// Anchor.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: Option<String>,
    /// 現状: (year label, value text).
    pub baseline: Option<PointView>,
    /// 目標.
    pub target: Option<PointView>,
    /// Reported values.
    pub actual: Vec<PointView>,
    /// Remark.
    pub note: Option<String>,
    /// Inline SVG chart, when there are at least two numbers to place.
    pub chart_svg: Option<String>,
}

/// A formatted value.
#[derive(Debug, Serialize)]
pub(super) struct PointView {
    /// When: 令和4年度 or 9月末.
    pub when: Option<String>,
    /// The number with its unit, or 記載なし.
    pub value: String,
}

fn indicator_view(ind: &Indicator) -> IndicatorView {
    let point = |p: &crate::model::Point| PointView {
        when: p.year.map(|y| wareki::fiscal_year_label(y.0)),
        value: p
            .value
            .map_or_else(|| NOT_STATED.to_string(), |v| with_unit(v, ind)),
    };
    IndicatorView {
        anchor: ind.anchor.clone(),
        number: ind.number.clone(),
        name: ind.name.clone(),
        unit: ind.unit.clone(),
        baseline: ind.baseline.as_ref().map(point),
        target: ind.target.as_ref().map(point),
        actual: ind
            .actual
            .iter()
            .map(|a| PointView {
                when: a.as_of.clone(),
                value: with_unit(a.value, ind),
            })
            .collect(),
        note: ind.note.clone(),
        chart_svg: present::indicator_svg(ind),
    }
}
