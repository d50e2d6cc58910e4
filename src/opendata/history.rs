//! The history tables: `goal_history` (one row per goal per edition that has it) and
//! `indicator_series` (one row per indicator per edition), made from the chains of
//! [`crate::history`] as the history pages are.

use super::tables::{Column, Table, Type};
use crate::diff::Comparison;
use crate::history::{self, SeriesHistory};
use crate::model::{Edition, Municipality, Series};
use crate::present::{edition_year, stage_key};

const fn col(name: &'static str, kind: Type, title: &'static str) -> Column {
    Column { name, kind, title }
}

use Type::{Integer, Number, String as Text};

/// Columns of `goal_history.csv`.
pub const GOAL_COLUMNS: &[Column] = &[
    col(
        "history_id",
        Text,
        "目標の経過の識別子（シリーズ/history/キー。経過ページのパス）",
    ),
    col("series_id", Text, "シリーズの識別子"),
    col("position", Integer, "経過の中での順番（1から）"),
    col("edition_id", Text, "版の識別子"),
    col(
        "item_id",
        Text,
        "その版の項目の識別子（版の識別子#アンカー）",
    ),
    col("fiscal_year", Integer, "版の年度（西暦）"),
    col("stage", Text, "版の段階（plan, interim, result）"),
    col("depth", Integer, "階層の深さ（0が最上位）"),
    col("level_name", Text, "階層名"),
    col("number", Text, "その版の番号（記載のとおり）"),
    col("title", Text, "その版のタイトル"),
    col("evaluation", Text, "その版の自己評価"),
    col(
        "compare_id",
        Text,
        "前の版との比較の識別子（シリーズ/前の版-後の版。最初の版は空）",
    ),
    col("url", Text, "経過ページのURL"),
];

/// Columns of `indicator_series.csv`.
pub const INDICATOR_COLUMNS: &[Column] = &[
    col(
        "indicator_series_id",
        Text,
        "指標の経過の識別子（シリーズ/indicator/キー）",
    ),
    col("position", Integer, "経過の中での順番（1から）"),
    col("edition_id", Text, "版の識別子"),
    col("indicator_id", Text, "その版の指標の識別子"),
    col(
        "history_id",
        Text,
        "指標が属する項目の目標の経過の識別子（版全体の指標は空）",
    ),
    col("name", Text, "指標名"),
    col("unit", Text, "単位"),
    col(
        "direction",
        Text,
        "記載された望ましい方向（up 増加, down 減少）",
    ),
    col("baseline_year", Integer, "現状値の年度（西暦）"),
    col("baseline_value", Number, "現状値"),
    col("latest_as_of", Text, "最新の実績の時点（記載のとおり）"),
    col("latest_value", Number, "最新の実績（記載された最後の実績）"),
    col("target_year", Integer, "目標年度（西暦）"),
    col("target_value", Number, "目標値"),
    col(
        "attainment",
        Number,
        "達成度：現状値から目標値までのうち実績が進んだ割合（1で目標どおり。現状値・目標値・実績がそろうときだけ）",
    ),
    col(
        "attainment_missing",
        Text,
        "達成度がない理由（no_baseline 現状値なし, no_target 目標値なし, no_actual 実績なし, no_distance 目標値が現状値と同じ, against_direction 望ましい方向と逆）",
    ),
    col(
        "target_due",
        Text,
        "目標年度を過ぎた指標の結果（reached 達成, unmet 未達成, no_value 値の記載なし, no_direction 方向の記載なし。過ぎていなければ空）",
    ),
];

/// The two history tables of `m`'s series `s`, whose comparisons are `compared`: a series'
/// rows, which the export joins in site order.
pub fn tables(base: &str, m: &Municipality, s: &Series, compared: &[&Comparison]) -> [Table; 2] {
    let (mut goals, mut indicators) = (Vec::new(), Vec::new());
    let h = SeriesHistory::of(s, compared);
    goal_rows(m, s, &h, base, &mut goals);
    indicator_rows(m, s, &h, &mut indicators);
    with_rows(goals, indicators)
}

/// The two history tables without rows: what `datapackage.json` describes.
pub fn schemas() -> [Table; 2] {
    with_rows(Vec::new(), Vec::new())
}

fn with_rows(goals: Vec<Vec<String>>, indicators: Vec<Vec<String>>) -> [Table; 2] {
    [
        Table {
            name: "goal_history",
            title: "目標の経過（目標と、それを載せた版ごとに1行）",
            columns: GOAL_COLUMNS,
            primary_key: &["item_id"],
            foreign_keys: &[("edition_id", "editions", "id"), ("item_id", "items", "id")],
            rows: goals,
        },
        Table {
            name: "indicator_series",
            title: "指標の経過（指標と、それを載せた版ごとに1行。現状・最新の実績・目標・達成度）",
            columns: INDICATOR_COLUMNS,
            primary_key: &["indicator_id"],
            foreign_keys: &[
                ("edition_id", "editions", "id"),
                ("indicator_id", "indicators", "id"),
            ],
            rows: indicators,
        },
    ]
}

fn edition_id(m: &Municipality, s: &Series, e: &Edition) -> String {
    format!("{}/{}/{}", m.slug, s.slug, e.slug)
}

fn goal_rows(
    m: &Municipality,
    s: &Series,
    h: &SeriesHistory,
    base: &str,
    out: &mut Vec<Vec<String>>,
) {
    let series_id = format!("{}/{}", m.slug, s.slug);
    let items: Vec<_> = s.editions.iter().map(history::items_by_anchor).collect();
    for chain in &h.goals {
        let history_id = format!("{series_id}/{}/{}", crate::layout::HISTORY_DIR, chain.key);
        for (i, member) in chain.members.iter().enumerate() {
            let e = &s.editions[member.edition];
            let Some(placed) = items[member.edition].get(member.anchor.as_str()) else {
                continue;
            };
            let edition_id = edition_id(m, s, e);
            let compare_id = match (member.compare.as_ref(), i.checked_sub(1)) {
                (Some(_), Some(p)) => format!(
                    "{series_id}/{}-{}",
                    s.editions[chain.members[p].edition].slug, e.slug
                ),
                _ => String::new(),
            };
            out.push(vec![
                history_id.clone(),
                series_id.clone(),
                (i + 1).to_string(),
                edition_id.clone(),
                format!("{edition_id}#{}", member.anchor),
                edition_year(e).map(|y| y.to_string()).unwrap_or_default(),
                stage_key(e.stage).to_string(),
                placed.depth.to_string(),
                s.levels.get(placed.depth).cloned().unwrap_or_default(),
                placed.item.number.clone().unwrap_or_default(),
                placed.item.title.clone().unwrap_or_default(),
                placed.item.evaluation.clone().unwrap_or_default(),
                compare_id,
                format!("{base}{history_id}/"),
            ]);
        }
    }
}

fn indicator_rows(m: &Municipality, s: &Series, h: &SeriesHistory, out: &mut Vec<Vec<String>>) {
    let series_id = format!("{}/{}", m.slug, s.slug);
    let indicators: Vec<_> = s
        .editions
        .iter()
        .map(history::indicators_by_anchor)
        .collect();
    let goal_keys = h.goal_keys(s.editions.len());
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let year = |p: &Option<crate::model::Point>| {
        p.as_ref()
            .and_then(|p| p.year)
            .map(|y| y.0.to_string())
            .unwrap_or_default()
    };
    let value = |p: &Option<crate::model::Point>| number(p.as_ref().and_then(|p| p.value));
    for chain in &h.indicators {
        let series_key = format!("{series_id}/indicator/{}", chain.key);
        for (i, member) in chain.members.iter().enumerate() {
            let e = &s.editions[member.edition];
            let Some((ind, owner)) = indicators[member.edition].get(member.anchor.as_str()) else {
                continue;
            };
            let edition_id = edition_id(m, s, e);
            let p = history::progress(ind, e);
            let goal = owner
                .and_then(|a| goal_keys[member.edition].get(a))
                .map(|k| format!("{series_id}/{}/{k}", crate::layout::HISTORY_DIR))
                .unwrap_or_default();
            out.push(vec![
                series_key.clone(),
                (i + 1).to_string(),
                edition_id.clone(),
                format!("{edition_id}#{}", member.anchor),
                goal,
                ind.name.clone(),
                ind.unit.clone().unwrap_or_default(),
                match ind.direction {
                    Some(crate::model::Direction::Up) => "up".to_string(),
                    Some(crate::model::Direction::Down) => "down".to_string(),
                    None => String::new(),
                },
                year(&ind.baseline),
                value(&ind.baseline),
                p.latest.and_then(|a| a.as_of.clone()).unwrap_or_default(),
                number(p.latest.map(|a| a.value)),
                year(&ind.target),
                value(&ind.target),
                p.share.map(|v| v.to_string()).unwrap_or_default(),
                p.share
                    .err()
                    .map(|n| n.name())
                    .unwrap_or_default()
                    .to_string(),
                p.due.name().to_string(),
            ]);
        }
    }
}
