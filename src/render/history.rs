//! The history page of a goal: every edition that has it (its number, title, targets,
//! progress, results and self-evaluation each year, with links to the edition's anchor and to
//! the compare page between consecutive editions), and each of its indicators through the
//! editions as one chart and one table. Chains come from [`crate::history`].

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::FieldView;
use super::indicator_history::{IndicatorHistory, indicator_history};
use crate::diff::tree;
use crate::history::{self, Chain, Placed, SeriesHistory};
use crate::layout::HISTORY_DIR;
use crate::model::{Edition, Indicator, Municipality, Series};
use crate::present::{NOT_STATED, edition_when};

/// A link.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// Link text.
    pub title: String,
    /// Target URL.
    pub url: String,
}

/// Everything the history template shows.
#[derive(Debug, Serialize)]
pub struct HistoryPage {
    /// The goal's heading in its latest edition: level, number, title.
    pub heading: String,
    /// Which editions, e.g. 平成29年度（2017年度）～令和7年度（2025年度）の3版.
    pub span: String,
    /// One row per edition: number, title, evaluation, links.
    pub rows: Vec<HistoryRow>,
    /// What each edition says of the goal.
    pub editions: Vec<HistoryEdition>,
    /// Editions of the series without this goal.
    pub absent: Vec<String>,
    /// The enclosing goal's history page, as the latest edition nests it.
    pub parent: Option<Link>,
    /// The history pages of the goals inside it, as the latest edition nests them.
    pub children: Vec<Link>,
    /// Its indicators through the editions.
    pub indicators: Vec<IndicatorHistory>,
}

/// One edition's number and title of the goal.
#[derive(Debug, Serialize)]
pub struct HistoryRow {
    /// When the edition is dated.
    pub when: String,
    /// `<time datetime>`.
    pub datetime: Option<String>,
    /// 当初 / 中間報告 / 達成状況.
    pub stage: &'static str,
    /// The goal on the edition page.
    pub url: String,
    /// Number as printed, or 記載なし.
    pub number: String,
    /// Title as printed, or 記載なし.
    pub title: String,
    /// Whether the source prints no title.
    pub title_missing: bool,
    /// Self-evaluation, or 記載なし.
    pub evaluation: String,
    /// The compare page from the previous edition, at this goal.
    pub compare: Option<Link>,
}

/// What one edition says of the goal.
#[derive(Debug, Serialize)]
pub struct HistoryEdition {
    /// Anchor on the history page.
    pub anchor: String,
    /// When and stage, e.g. 平成30年度（2018年度）・当初.
    pub label: String,
    /// The goal on the edition page.
    pub url: String,
    /// Heading as this edition prints it.
    pub heading: String,
    /// Targets, progress and results under this edition's headings, those that some
    /// edition gives at this level; empty ones say 記載なし.
    pub fields: Vec<FieldView>,
    /// The self-evaluation heading and value (or 記載なし), when some edition gives one at
    /// this level.
    pub evaluation: Option<(String, String)>,
}

/// URL of a goal's history page.
pub fn history_url(base: &str, m: &Municipality, s: &Series, key: &str) -> String {
    format!("{base}{}/{}/{HISTORY_DIR}/{key}/", m.slug, s.slug)
}

/// The history pages of a series: (output path, heading, page), in chain order.
pub fn history_pages(
    m: &Municipality,
    s: &Series,
    h: &SeriesHistory,
    base: &str,
) -> Vec<(String, String, HistoryPage)> {
    let items: Vec<HashMap<&str, Placed>> =
        s.editions.iter().map(history::items_by_anchor).collect();
    let indicators: Vec<HashMap<&str, (&Indicator, Option<&str>)>> = s
        .editions
        .iter()
        .map(history::indicators_by_anchor)
        .collect();
    let keys = h.goal_keys(s.editions.len());
    // Which of targets, progress, results and evaluation any edition gives at each depth.
    let mut used: Vec<[bool; 4]> = Vec::new();
    for p in items.iter().flat_map(HashMap::values) {
        if used.len() <= p.depth {
            used.resize(p.depth + 1, [false; 4]);
        }
        let i = p.item;
        for (u, given) in used[p.depth].iter_mut().zip([
            !i.targets.is_empty(),
            !i.progress.is_empty(),
            !i.results.is_empty(),
            i.evaluation.is_some(),
        ]) {
            *u |= given;
        }
    }
    // Which goal each indicator chain belongs to, by the items that hold its members.
    let goal_of: HashMap<&str, usize> = h
        .goals
        .iter()
        .enumerate()
        .map(|(i, c)| (c.key.as_str(), i))
        .collect();
    let mut goal_indicators: Vec<Vec<&Chain>> = vec![Vec::new(); h.goals.len()];
    for chain in &h.indicators {
        let mut seen = HashSet::new();
        for m in &chain.members {
            let owner = indicators[m.edition]
                .get(m.anchor.as_str())
                .and_then(|(_, owner)| *owner)
                .and_then(|a| keys[m.edition].get(a))
                .and_then(|k| goal_of.get(k));
            if let Some(&g) = owner
                && seen.insert(g)
            {
                goal_indicators[g].push(chain);
            }
        }
    }
    let link = |edition: usize, anchor: &str| {
        let placed = items[edition].get(anchor)?;
        let key = keys[edition].get(anchor)?;
        Some(Link {
            title: heading(s, placed),
            url: history_url(base, m, s, key),
        })
    };
    h.goals
        .iter()
        .zip(&goal_indicators)
        .filter_map(|(chain, inds)| {
            let last = chain.members.last()?;
            let latest = items[last.edition].get(last.anchor.as_str())?;
            let page_url = |e: &Edition, anchor: &str| {
                format!("{base}{}/{}/{}/#{anchor}", m.slug, s.slug, e.slug)
            };
            let mut rows = Vec::new();
            let mut editions = Vec::new();
            for member in &chain.members {
                let e = &s.editions[member.edition];
                let Some(placed) = items[member.edition].get(member.anchor.as_str()) else {
                    continue;
                };
                let (when, datetime) = edition_when(e);
                let labels = e.labels.resolve(&s.labels);
                let item = placed.item;
                let url = page_url(e, &member.anchor);
                rows.push(HistoryRow {
                    when: when.clone(),
                    datetime,
                    stage: e.stage.label(),
                    url: url.clone(),
                    number: item
                        .number
                        .clone()
                        .unwrap_or_else(|| NOT_STATED.to_string()),
                    title: item.title.clone().unwrap_or_else(|| NOT_STATED.to_string()),
                    title_missing: item.title.is_none(),
                    evaluation: item
                        .evaluation
                        .clone()
                        .unwrap_or_else(|| NOT_STATED.to_string()),
                    compare: member.compare.as_ref().map(|c| Link {
                        title: "前の版との比較".to_string(),
                        url: format!("{base}{}#{}", c.path, c.anchor),
                    }),
                });
                let label = |l: &Option<String>| l.clone().unwrap_or_default();
                let shown = used.get(placed.depth).copied().unwrap_or_default();
                editions.push(HistoryEdition {
                    anchor: format!("e-{}", e.slug),
                    label: format!("{when}・{}", e.stage.label()),
                    url,
                    heading: heading(s, placed),
                    fields: [
                        (&labels.targets, &item.targets),
                        (&labels.progress, &item.progress),
                        (&labels.results, &item.results),
                    ]
                    .into_iter()
                    .zip(shown)
                    .filter(|(_, shown)| *shown)
                    .map(|((l, entries), _)| FieldView {
                        label: label(l),
                        entries: entries.clone(),
                    })
                    .collect(),
                    evaluation: shown[3].then(|| {
                        (
                            label(&labels.evaluation),
                            item.evaluation
                                .clone()
                                .unwrap_or_else(|| NOT_STATED.to_string()),
                        )
                    }),
                });
            }
            let first = &s.editions[chain.members.first()?.edition];
            let last_edition = &s.editions[last.edition];
            let span = if chain.members.len() == 1 {
                format!("{}の1版", edition_when(first).0)
            } else {
                format!(
                    "{}～{}の{}版",
                    edition_when(first).0,
                    edition_when(last_edition).0,
                    chain.members.len()
                )
            };
            let present: HashSet<usize> = chain.members.iter().map(|m| m.edition).collect();
            let absent = (0..s.editions.len())
                .filter(|i| !present.contains(i))
                .map(|i| edition_when(&s.editions[i]).0)
                .collect();
            let children = latest
                .item
                .items
                .iter()
                .filter_map(|c| link(last.edition, c.get_ref().anchor.as_str()))
                .collect();
            let parent = latest.parent.and_then(|p| link(last.edition, p));
            let page = HistoryPage {
                heading: heading(s, latest),
                span,
                rows,
                editions,
                absent,
                parent,
                children,
                indicators: inds
                    .iter()
                    .filter_map(|c| indicator_history(s, c, &indicators, &page_url))
                    .collect(),
            };
            Some((
                format!(
                    "{}/{}/{HISTORY_DIR}/{}/index.html",
                    m.slug, s.slug, chain.key
                ),
                page.heading.clone(),
                page,
            ))
        })
        .collect()
}

/// `重点目標 1 タイトル`, as the compare pages name a goal.
pub fn heading(s: &Series, placed: &Placed) -> String {
    let level = s.levels.get(placed.depth).map_or("", String::as_str);
    tree::heading(
        level,
        placed.item.number.as_deref(),
        placed.item.title.as_deref(),
    )
    .trim_start()
    .to_string()
}
