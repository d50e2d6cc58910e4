//! The views of an edition's items: fields, facts, cross references, schedules and 取組主体
//! marks.

use std::collections::BTreeSet;

use serde::Serialize;
use toml::Spanned;

use super::edition::EditionContext;
use super::indicators::{IndicatorTable, indicator_table};
use crate::load::split_link;
use crate::model::Item;
use crate::present::NOT_STATED;
use crate::wareki;

/// One item of the plan tree.
#[derive(Debug, Serialize)]
pub(super) struct ItemView {
    /// Anchor.
    pub anchor: String,
    /// Level name, e.g. 重点目標.
    pub level_name: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Title, or 記載なし.
    pub title: String,
    /// Whether the title is missing in the source.
    pub title_missing: bool,
    /// `h2`…`h6`.
    pub level: usize,
    /// Rendered body Markdown.
    pub body_html: Option<String>,
    /// Columns with list entries (actions, targets, progress, results), in table order.
    pub fields: Vec<FieldView>,
    /// Short facts: evaluation, owner, status.
    pub facts: Vec<FactView>,
    /// Cross reference.
    pub see: Option<SeeView>,
    /// Schedule cells in year order.
    pub schedule: Vec<ScheduleCell>,
    /// 取組主体 marks in the series' order.
    pub actors: Vec<ActorMark>,
    /// Indicators.
    pub indicators: Option<IndicatorTable>,
    /// Children.
    pub children: Vec<ItemView>,
    /// The page of this goal through the editions.
    pub history_url: Option<String>,
}

/// A labelled list of entries.
#[derive(Debug, Serialize)]
pub struct FieldView {
    /// Column heading.
    pub label: String,
    /// Entries as printed; empty means 記載なし.
    pub entries: Vec<String>,
}

/// A labelled short value.
#[derive(Debug, Serialize)]
pub(super) struct FactView {
    /// Heading.
    pub label: String,
    /// Value, or 記載なし.
    pub value: String,
}

/// A cross reference.
#[derive(Debug, Serialize)]
pub(super) struct SeeView {
    /// Heading.
    pub label: String,
    /// Text as printed.
    pub text: String,
    /// Link, when the target is in the site.
    pub href: Option<String>,
}

/// One year of a schedule.
#[derive(Debug, Serialize)]
pub(super) struct ScheduleCell {
    /// 令和6年度.
    pub year: String,
    /// 実施, 検討, →.
    pub value: String,
}

/// One 取組主体 mark.
#[derive(Debug, Serialize)]
pub(super) struct ActorMark {
    /// 市民等.
    pub actor: String,
    /// ◎, ○ or empty.
    pub mark: String,
    /// What the mark means, for screen readers and print.
    pub meaning: &'static str,
}

/// Record which fields items use at each depth, so a missing one can say 記載なし.
pub(super) fn collect_used(
    items: &[Spanned<Item>],
    depth: usize,
    used: &mut Vec<BTreeSet<&'static str>>,
) {
    if used.len() <= depth {
        used.resize(depth + 1, BTreeSet::new());
    }
    for item in items {
        let item = item.get_ref();
        let set = &mut used[depth];
        for (name, present) in [
            ("actions", !item.actions.is_empty()),
            ("targets", !item.targets.is_empty()),
            ("progress", !item.progress.is_empty()),
            ("results", !item.results.is_empty()),
            ("evaluation", item.evaluation.is_some()),
        ] {
            if present {
                set.insert(name);
            }
        }
        collect_used(&item.items, depth + 1, used);
    }
}

/// The view of `item` at `depth` below the edition, its heading at `level`.
pub(super) fn item_view(cx: &EditionContext, item: &Item, depth: usize, level: usize) -> ItemView {
    let used = cx.used.get(depth).cloned().unwrap_or_default();
    let label = |l: &Option<String>| l.clone().unwrap_or_default();
    let mut fields = Vec::new();
    for (key, entries, heading) in [
        ("actions", &item.actions, &cx.labels.actions),
        ("targets", &item.targets, &cx.labels.targets),
        ("progress", &item.progress, &cx.labels.progress),
        ("results", &item.results, &cx.labels.results),
    ] {
        if !entries.is_empty() || (used.contains(key) && item.see.is_none()) {
            fields.push(FieldView {
                label: label(heading),
                entries: entries.clone(),
            });
        }
    }
    let mut facts = Vec::new();
    if item.evaluation.is_some() || used.contains("evaluation") {
        facts.push(FactView {
            label: label(&cx.labels.evaluation),
            value: item
                .evaluation
                .clone()
                .unwrap_or_else(|| NOT_STATED.to_string()),
        });
    }
    for (value, heading) in [
        (&item.owner, &cx.labels.owner),
        (&item.status, &cx.labels.status),
    ] {
        if let Some(value) = value {
            facts.push(FactView {
                label: label(heading),
                value: value.clone(),
            });
        }
    }
    let see = item.see.as_ref().map(|see| SeeView {
        label: label(&cx.labels.see),
        text: see.text.clone(),
        href: see.link.as_ref().map(|l| {
            let (path, anchor) = split_link(l.get_ref());
            let page = if path.is_empty() {
                String::new()
            } else {
                format!("{}{path}/", cx.base)
            };
            match anchor {
                Some(a) => format!("{page}#{a}"),
                None => page,
            }
        }),
    });
    ItemView {
        anchor: item.anchor.clone(),
        level_name: cx.levels.get(depth).cloned().unwrap_or_default(),
        number: item.number.clone(),
        title: item.title.clone().unwrap_or_else(|| NOT_STATED.to_string()),
        title_missing: item.title.is_none(),
        level: level.min(6),
        body_html: item.body.as_ref().map(|b| {
            cx.bodies
                .html(b, item.title.as_deref().unwrap_or(NOT_STATED))
        }),
        fields,
        facts,
        see,
        schedule: item
            .schedule_years
            .iter()
            .map(|(y, v)| ScheduleCell {
                year: wareki::fiscal_year_label(*y),
                value: v.clone(),
            })
            .collect(),
        actors: actor_marks(cx.actors, item),
        indicators: indicator_table(&item.indicators, &cx.labels),
        children: item
            .items
            .iter()
            .map(|c| item_view(cx, c.get_ref(), depth + 1, level + 1))
            .collect(),
        history_url: cx
            .keys
            .get(item.anchor.as_str())
            .map(|k| format!("{}{k}/", cx.history_dir)),
    }
}

/// `item`'s 取組主体 marks in the order of `actors`; none when it has no marks.
pub(super) fn actor_marks(actors: &[String], item: &Item) -> Vec<ActorMark> {
    if item.actors.is_empty() {
        return Vec::new();
    }
    actors
        .iter()
        .map(|actor| {
            let mark = item
                .actors
                .iter()
                .find(|(k, _)| k.get_ref() == actor)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let meaning = match mark.as_str() {
                "◎" => "先導的に取り組む",
                "○" => "参加・協力する",
                "" => "なし",
                _ => "",
            };
            ActorMark {
                actor: actor.clone(),
                mark,
                meaning,
            }
        })
        .collect()
}
