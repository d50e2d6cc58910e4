//! The outline chart (体系図): a row per deepest item, its ancestors spanning their rows, and
//! the 取組主体 marks.

use serde::Serialize;
use toml::Spanned;

use super::edition::EditionContext;
use super::items::{ActorMark, actor_marks};
use crate::model::{Item, numbered};

/// The outline chart (体系図).
#[derive(Debug, Serialize)]
pub(super) struct OutlineView {
    /// Column headings below the top level.
    pub columns: Vec<String>,
    /// 取組主体 columns.
    pub actors: Vec<String>,
    /// Heading of the actors group.
    pub actors_label: String,
    /// One group per top-level item.
    pub groups: Vec<OutlineGroup>,
}

/// A top-level item and the rows under it.
#[derive(Debug, Serialize)]
pub(super) struct OutlineGroup {
    /// Heading of the group, e.g. 基本方針1 協働のための人づくり.
    pub heading: String,
    /// Link to the item.
    pub anchor: String,
    /// Rows, one per deepest item.
    pub rows: Vec<OutlineRow>,
}

/// One row of the outline chart.
#[derive(Debug, Serialize)]
pub(super) struct OutlineRow {
    /// Cells that start at this row (ancestors spanning several rows appear once).
    pub cells: Vec<OutlineCell>,
    /// Marks in the order of the series' actors.
    pub marks: Vec<ActorMark>,
}

/// A cell of the outline chart.
#[derive(Debug, Serialize)]
pub(super) struct OutlineCell {
    /// Number and title as the chart prints them.
    pub text: String,
    /// Link to the item.
    pub anchor: String,
    /// Rows the cell spans.
    pub rowspan: usize,
    /// Whether this is the row's own (deepest) item.
    pub leaf: bool,
}

/// The outline chart of `items`, when some item has 取組主体 marks.
pub(super) fn outline_view(cx: &EditionContext, items: &[Spanned<Item>]) -> Option<OutlineView> {
    fn has_actors(items: &[Spanned<Item>]) -> bool {
        items
            .iter()
            .any(|i| !i.get_ref().actors.is_empty() || has_actors(&i.get_ref().items))
    }
    if !has_actors(items) {
        return None;
    }
    fn leaves(item: &Item) -> usize {
        if item.items.is_empty() {
            1
        } else {
            item.items.iter().map(|c| leaves(c.get_ref())).sum()
        }
    }
    fn rows(
        cx: &EditionContext,
        item: &Item,
        mut pending: Vec<OutlineCell>,
        out: &mut Vec<OutlineRow>,
    ) {
        let (number, title) = match &item.outline {
            Some(o) => (o.number.as_deref(), o.title.clone()),
            None => (
                item.number.as_deref(),
                item.title.clone().unwrap_or_default(),
            ),
        };
        pending.push(OutlineCell {
            text: numbered(number, &title),
            anchor: item.anchor.clone(),
            rowspan: leaves(item),
            leaf: item.items.is_empty(),
        });
        if item.items.is_empty() {
            out.push(OutlineRow {
                cells: pending,
                marks: actor_marks(cx.actors, item),
            });
        } else {
            let mut first = Some(pending);
            for child in &item.items {
                rows(cx, child.get_ref(), first.take().unwrap_or_default(), out);
            }
        }
    }
    let groups = items
        .iter()
        .map(|top| {
            let top = top.get_ref();
            let mut out = Vec::new();
            for child in &top.items {
                rows(cx, child.get_ref(), Vec::new(), &mut out);
            }
            OutlineGroup {
                heading: numbered(top.number.as_deref(), top.title.as_deref().unwrap_or("")),
                anchor: top.anchor.clone(),
                rows: out,
            }
        })
        .collect();
    Some(OutlineView {
        columns: cx.levels.iter().skip(1).cloned().collect(),
        actors: cx.actors.to_vec(),
        actors_label: cx.labels.actors.clone().unwrap_or_default(),
        groups,
    })
}
