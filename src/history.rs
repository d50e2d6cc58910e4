//! Histories: the same goal or indicator through a series' editions, chained from the compare
//! stage's alignment, and how far an indicator has come from its baseline towards its target.
//!
//! `diff` aligns each pair of consecutive editions; a node of edition N paired with a node of
//! edition N+1 is the same goal, so following the pairs gives one chain per goal, with or
//! without ids. The history pages (`render::history`), the at-a-glance summaries
//! (`render::glance`) and the open-data tables `goal_history` and `indicator_series` are all
//! made from these chains and from [`progress`], so a page and the data never disagree.

use std::collections::{HashMap, HashSet};

use crate::diff::Comparison;
use crate::diff::tree::Kind;
use crate::model::{Actual, Direction, Edition, Indicator, Item, Series, Stage};
use crate::present::edition_year;

/// One edition's node in a chain.
#[derive(Debug, Clone)]
pub struct Member {
    /// Index of the edition among the series' editions.
    pub edition: usize,
    /// Anchor of the node on the edition page.
    pub anchor: String,
    /// The compare page between the previous member's edition and this one, with the
    /// anchor of this pair on it; `None` for the first member.
    pub compare: Option<CompareRef>,
}

/// A pair's place on a compare page.
#[derive(Debug, Clone)]
pub struct CompareRef {
    /// Folder of the compare page from the site root (`Comparison::path`).
    pub path: String,
    /// Anchor of the pair on the compare page.
    pub anchor: String,
}

/// A goal (or an indicator) through the editions that have it, oldest first.
#[derive(Debug, Clone)]
pub struct Chain {
    /// Folder name of the history page below `<series>/history/`: the first `id` of the
    /// chain, or `<edition>.<anchor>` of its first member where no member has an id (or the id
    /// is already taken by an earlier chain). Ids and slugs hold no `.`, so the two never meet.
    pub key: String,
    /// The editions that have it, oldest first; consecutive editions only.
    pub members: Vec<Member>,
}

/// A series' goal chains (every item, at every depth) and indicator chains.
#[derive(Debug, Default)]
pub struct SeriesHistory {
    /// Chains of items, by first edition, then document order.
    pub goals: Vec<Chain>,
    /// Chains of indicators (the edition's and the items'), in the same order.
    pub indicators: Vec<Chain>,
}

impl SeriesHistory {
    /// Chain the items and indicators of `s` through `comparisons`, the series' comparisons
    /// of consecutive editions, oldest first (as `diff::by_series` groups them).
    pub fn of(s: &Series, comparisons: &[&Comparison]) -> SeriesHistory {
        SeriesHistory {
            goals: chains(s, comparisons, Kind::Item),
            indicators: chains(s, comparisons, Kind::Indicator),
        }
    }

    /// For each edition, the goal key of each item anchor.
    pub fn goal_keys(&self, editions: usize) -> Vec<HashMap<&str, &str>> {
        keys_by_edition(&self.goals, editions)
    }
}

/// For each edition, the chain key of each anchor.
pub fn keys_by_edition(chains: &[Chain], editions: usize) -> Vec<HashMap<&str, &str>> {
    let mut out: Vec<HashMap<&str, &str>> = (0..editions).map(|_| HashMap::new()).collect();
    for c in chains {
        for m in &c.members {
            if let Some(map) = out.get_mut(m.edition) {
                map.insert(m.anchor.as_str(), c.key.as_str());
            }
        }
    }
    out
}

/// The anchors and ids of an edition's nodes of `kind`, in document order.
fn nodes(e: &Edition, kind: Kind) -> Vec<(String, Option<String>)> {
    fn items(list: &[toml::Spanned<Item>], kind: Kind, out: &mut Vec<(String, Option<String>)>) {
        for item in list {
            let item = item.get_ref();
            match kind {
                Kind::Item => out.push((
                    item.anchor.clone(),
                    item.id.as_ref().map(|i| i.get_ref().0.clone()),
                )),
                _ => indicators(&item.indicators, out),
            }
            items(&item.items, kind, out);
        }
    }
    fn indicators(list: &[Indicator], out: &mut Vec<(String, Option<String>)>) {
        for ind in list {
            out.push((
                ind.anchor.clone(),
                ind.id.as_ref().map(|i| i.get_ref().0.clone()),
            ));
        }
    }
    let mut out = Vec::new();
    if kind == Kind::Indicator {
        indicators(&e.indicators, &mut out);
    }
    if kind != Kind::Section {
        items(&e.items, kind, &mut out);
    }
    out
}

/// The anchor an entry has on its compare page: entries are numbered depth first from 1.
pub fn compare_anchor(position: usize) -> String {
    format!("c{}", position + 1)
}

fn chains(s: &Series, comparisons: &[&Comparison], kind: Kind) -> Vec<Chain> {
    // next[i]: anchor in edition i → (anchor in edition i+1, where the pair is compared).
    let mut next: Vec<HashMap<String, (String, CompareRef)>> =
        (0..s.editions.len()).map(|_| HashMap::new()).collect();
    for (i, pair) in s.editions.windows(2).enumerate() {
        let Some(c) = comparisons
            .iter()
            .find(|c| c.old.slug == pair[0].slug && c.new.slug == pair[1].slug)
        else {
            continue;
        };
        for (position, (_, entry)) in c.flatten().into_iter().enumerate() {
            if let (true, Some(old), Some(new)) = (entry.kind == kind, &entry.old, &entry.new) {
                next[i].insert(
                    old.anchor.clone(),
                    (
                        new.anchor.clone(),
                        CompareRef {
                            path: c.path(),
                            anchor: compare_anchor(position),
                        },
                    ),
                );
            }
        }
    }
    let nodes: Vec<Vec<(String, Option<String>)>> =
        s.editions.iter().map(|e| nodes(e, kind)).collect();
    let ids: Vec<HashMap<&str, &str>> = nodes
        .iter()
        .map(|list| {
            list.iter()
                .filter_map(|(a, id)| id.as_deref().map(|id| (a.as_str(), id)))
                .collect()
        })
        .collect();
    let mut reached: Vec<HashSet<&str>> = (0..s.editions.len()).map(|_| HashSet::new()).collect();
    for (i, map) in next.iter().enumerate() {
        if let Some(set) = reached.get_mut(i + 1) {
            set.extend(map.values().map(|(a, _)| a.as_str()));
        }
    }
    let mut used: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (i, list) in nodes.iter().enumerate() {
        for (anchor, _) in list {
            if reached[i].contains(anchor.as_str()) {
                continue;
            }
            let mut members = vec![Member {
                edition: i,
                anchor: anchor.clone(),
                compare: None,
            }];
            let (mut at, mut current) = (i, anchor.as_str());
            while let Some((to, compare)) = next.get(at).and_then(|m| m.get(current)) {
                at += 1;
                current = to.as_str();
                members.push(Member {
                    edition: at,
                    anchor: to.clone(),
                    compare: Some(compare.clone()),
                });
            }
            let id = members
                .iter()
                .find_map(|m| ids[m.edition].get(m.anchor.as_str()).copied())
                .filter(|id| !used.contains(*id));
            let key = match id {
                Some(id) => id.to_string(),
                None => format!("{}.{anchor}", s.editions[i].slug),
            };
            used.insert(key.clone());
            out.push(Chain { key, members });
        }
    }
    out
}

/// Why an attainment cannot be given: each names the value the source lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoShare {
    /// No baseline value.
    NoBaseline,
    /// No target value.
    NoTarget,
    /// No actual value reported.
    NoActual,
    /// The target equals the baseline: there is no way to go.
    NoDistance,
    /// The target lies on the other side of the baseline from the stated direction.
    AgainstDirection,
}

impl NoShare {
    /// Text shown in place of the attainment.
    pub fn label(self) -> &'static str {
        match self {
            NoShare::NoBaseline => "現状値の記載なし",
            NoShare::NoTarget => "目標値の記載なし",
            NoShare::NoActual => "実績の記載なし",
            NoShare::NoDistance => "目標値が現状値と同じため算出なし",
            NoShare::AgainstDirection => "目標値が望ましい方向と逆のため算出なし",
        }
    }

    /// The name in the data.
    pub fn name(self) -> &'static str {
        match self {
            NoShare::NoBaseline => "no_baseline",
            NoShare::NoTarget => "no_target",
            NoShare::NoActual => "no_actual",
            NoShare::NoDistance => "no_distance",
            NoShare::AgainstDirection => "against_direction",
        }
    }
}

/// Where an indicator stands against its target year, as of its edition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// The target year has not passed, or the source gives no target year.
    Open,
    /// The target year passed and the latest actual value reached the target.
    Reached,
    /// The target year passed and the latest actual value falls short of the target.
    Unmet,
    /// The target year passed but no actual value or no target value is given.
    NoValue,
    /// The target year passed, but neither a direction nor a baseline says which way is
    /// better.
    NoDirection,
}

impl Due {
    /// Text shown on pages; `None` for [`Due::Open`].
    pub fn label(self) -> Option<&'static str> {
        match self {
            Due::Open => None,
            Due::Reached => Some("目標年度経過・目標達成"),
            Due::Unmet => Some("目標年度経過・未達成"),
            Due::NoValue => Some("目標年度経過・実績または目標値の記載なし"),
            Due::NoDirection => Some("目標年度経過・望ましい方向の記載なし"),
        }
    }

    /// The name in the data; empty for [`Due::Open`].
    pub fn name(self) -> &'static str {
        match self {
            Due::Open => "",
            Due::Reached => "reached",
            Due::Unmet => "unmet",
            Due::NoValue => "no_value",
            Due::NoDirection => "no_direction",
        }
    }
}

/// An indicator's progress as its edition reports it. Only values the source gives are
/// used: non-finite numbers count as missing.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The last actual value printed.
    pub latest: Option<&'a Actual>,
    /// The stated direction, or the one the baseline and target imply.
    pub direction: Option<Direction>,
    /// (latest − baseline) / (target − baseline): 1 is the target reached.
    pub share: Result<f64, NoShare>,
    /// Whether the target year has passed without the target reached.
    pub due: Due,
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite())
}

/// The progress of `ind` in edition `e`: the target year has passed when it is before the
/// edition's fiscal year, or is that year and the edition reports year-end results.
pub fn progress<'a>(ind: &'a Indicator, e: &Edition) -> Progress<'a> {
    progress_at(ind, edition_year(e), e.stage)
}

/// [`progress`] as of a fiscal year and stage.
fn progress_at(ind: &Indicator, year: Option<i32>, stage: Stage) -> Progress<'_> {
    let latest = ind.actual.iter().rev().find(|a| a.value.is_finite());
    let baseline = finite(ind.baseline.as_ref().and_then(|p| p.value));
    let target = finite(ind.target.as_ref().and_then(|p| p.value));
    let implied = match (baseline, target) {
        (Some(b), Some(t)) if t > b => Some(Direction::Up),
        (Some(b), Some(t)) if t < b => Some(Direction::Down),
        _ => None,
    };
    let direction = ind.direction.or(implied);
    let share = match (baseline, target, latest) {
        (None, _, _) => Err(NoShare::NoBaseline),
        (_, None, _) => Err(NoShare::NoTarget),
        (_, _, None) => Err(NoShare::NoActual),
        (Some(b), Some(t), _) if t == b => Err(NoShare::NoDistance),
        (Some(_), Some(_), _) if ind.direction.is_some() && ind.direction != implied => {
            Err(NoShare::AgainstDirection)
        }
        (Some(b), Some(t), Some(a)) => Ok((a.value - b) / (t - b)),
    };
    let target_year = ind.target.as_ref().and_then(|p| p.year).map(|y| y.0);
    let passed = match (target_year, year) {
        (Some(t), Some(y)) => t < y || (t == y && stage == Stage::Result),
        _ => false,
    };
    let due = match (passed, latest, target, direction) {
        (false, ..) => Due::Open,
        (true, None, ..) | (true, _, None, _) => Due::NoValue,
        (true, _, _, None) => Due::NoDirection,
        (true, Some(a), Some(t), Some(d)) => {
            let reached = match d {
                Direction::Up => a.value >= t,
                Direction::Down => a.value <= t,
            };
            if reached { Due::Reached } else { Due::Unmet }
        }
    };
    Progress {
        latest,
        direction,
        share,
        due,
    }
}

/// An item of an edition with its place in the tree.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    /// The item.
    pub item: &'a Item,
    /// Depth, 0 outermost.
    pub depth: usize,
    /// Anchor of the enclosing item.
    pub parent: Option<&'a str>,
}

/// Every item of an edition by anchor.
pub fn items_by_anchor(e: &Edition) -> HashMap<&str, Placed<'_>> {
    fn walk<'a>(
        list: &'a [toml::Spanned<Item>],
        depth: usize,
        parent: Option<&'a str>,
        out: &mut HashMap<&'a str, Placed<'a>>,
    ) {
        for item in list {
            let item = item.get_ref();
            out.insert(
                item.anchor.as_str(),
                Placed {
                    item,
                    depth,
                    parent,
                },
            );
            walk(&item.items, depth + 1, Some(item.anchor.as_str()), out);
        }
    }
    let mut out = HashMap::new();
    walk(&e.items, 0, None, &mut out);
    out
}

/// Every indicator of an edition by anchor, with the anchor of the item it belongs to
/// (`None` for the edition's own indicators).
pub fn indicators_by_anchor(e: &Edition) -> HashMap<&str, (&Indicator, Option<&str>)> {
    fn walk<'a>(
        list: &'a [toml::Spanned<Item>],
        out: &mut HashMap<&'a str, (&'a Indicator, Option<&'a str>)>,
    ) {
        for item in list {
            let item = item.get_ref();
            for ind in &item.indicators {
                out.insert(ind.anchor.as_str(), (ind, Some(item.anchor.as_str())));
            }
            walk(&item.items, out);
        }
    }
    let mut out: HashMap<&str, (&Indicator, Option<&str>)> = e
        .indicators
        .iter()
        .map(|ind| (ind.anchor.as_str(), (ind, None)))
        .collect();
    walk(&e.items, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(toml: &str) -> Indicator {
        toml::from_str(&format!("name = \"指標\"\n{toml}")).unwrap()
    }

    #[test]
    fn attainment_needs_baseline_target_and_an_actual_value() {
        let full = indicator(
            "baseline = { year = 2022, value = 100 }\ntarget = { year = 2025, value = 200 }\nactual = [{ value = 130 }, { value = 150 }]",
        );
        let p = progress_at(&full, Some(2024), Stage::Interim);
        assert_eq!(p.share, Ok(0.5), "the last value printed counts");
        assert_eq!(p.direction, Some(Direction::Up));
        assert_eq!(p.due, Due::Open);
        for (toml, why) in [
            (
                "target = { value = 200 }\nactual = [{ value = 1 }]",
                NoShare::NoBaseline,
            ),
            (
                "baseline = { year = 2022 }\ntarget = { value = 200 }\nactual = [{ value = 1 }]",
                NoShare::NoBaseline,
            ),
            (
                "baseline = { value = 100 }\nactual = [{ value = 1 }]",
                NoShare::NoTarget,
            ),
            (
                "baseline = { value = 100 }\ntarget = { value = 200 }",
                NoShare::NoActual,
            ),
            (
                "baseline = { value = 100 }\ntarget = { value = 100 }\nactual = [{ value = 1 }]",
                NoShare::NoDistance,
            ),
            (
                "direction = \"up\"\nbaseline = { value = 100 }\ntarget = { value = 50 }\nactual = [{ value = 1 }]",
                NoShare::AgainstDirection,
            ),
            (
                "baseline = { value = nan }\ntarget = { value = 50 }\nactual = [{ value = 1 }]",
                NoShare::NoBaseline,
            ),
            (
                "baseline = { value = 1 }\ntarget = { value = 50 }\nactual = [{ value = inf }]",
                NoShare::NoActual,
            ),
        ] {
            assert_eq!(
                progress_at(&indicator(toml), Some(2024), Stage::Plan).share,
                Err(why),
                "{toml}"
            );
        }
    }

    #[test]
    fn lower_is_better_counts_the_way_down() {
        let down = indicator(
            "direction = \"down\"\nbaseline = { value = 40 }\ntarget = { year = 2023, value = 20 }\nactual = [{ value = 30 }]",
        );
        let p = progress_at(&down, Some(2024), Stage::Plan);
        assert_eq!(p.share, Ok(0.5));
        assert_eq!(p.due, Due::Unmet, "target year 2023 passed, 30 is above 20");
        let reached = indicator(
            "baseline = { value = 40 }\ntarget = { year = 2023, value = 20 }\nactual = [{ value = 18 }]",
        );
        assert_eq!(
            progress_at(&reached, Some(2024), Stage::Plan).due,
            Due::Reached
        );
    }

    #[test]
    fn the_target_year_passes_after_it_or_at_its_results() {
        let ind = indicator("target = { year = 2025, value = 110 }\nactual = [{ value = 68 }]");
        assert_eq!(progress_at(&ind, Some(2025), Stage::Interim).due, Due::Open);
        assert_eq!(progress_at(&ind, None, Stage::Result).due, Due::Open);
        assert_eq!(
            progress_at(&ind, Some(2025), Stage::Result).due,
            Due::NoDirection,
            "no baseline and no direction: which way is better is not said"
        );
        let up = indicator(
            "direction = \"up\"\ntarget = { year = 2025, value = 110 }\nactual = [{ value = 68 }]",
        );
        assert_eq!(progress_at(&up, Some(2026), Stage::Plan).due, Due::Unmet);
        let none = indicator("direction = \"up\"\ntarget = { year = 2025, value = 110 }");
        assert_eq!(
            progress_at(&none, Some(2026), Stage::Plan).due,
            Due::NoValue
        );
    }
}
