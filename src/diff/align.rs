//! Which node of the old edition is which node of the new one.
//!
//! 1. Nodes whose `id` appears on both sides are paired, wherever they are.
//! 2. The rest, kind by kind and depth by depth from the top: first among the children of
//!    parents already paired (siblings), then among everything left at that depth (which
//!    makes them *moved*). Each round is an optimal assignment (Kuhn–Munkres) on the
//!    similarity of the whole subtree — the node's text and all its descendants' — with a
//!    threshold below which nodes stay unpaired (added or removed). Two nodes that both carry
//!    an `id`, and different ones, are never paired.

use std::collections::{BTreeSet, HashMap};

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

use super::tree::{Kind, Tree};
use crate::text::{TextError, Tokenizer};

/// Least subtree similarity for siblings of paired parents to be paired.
pub const SIBLING_THRESHOLD: f64 = 0.3;
/// Least subtree similarity for nodes under different parents to be paired (as moved).
pub const MOVED_THRESHOLD: f64 = 0.5;
/// Largest round (old × new candidates) solved optimally; bigger rounds pair identical text
/// first and the rest in order, so that a list of thousands stays linear.
const OPTIMAL_LIMIT: usize = 250_000;

/// The pairing: for each node of one side, its partner on the other, if any.
#[derive(Debug)]
pub struct Alignment {
    /// Old node index → new node index.
    pub old_to_new: Vec<Option<usize>>,
    /// New node index → old node index.
    pub new_to_old: Vec<Option<usize>>,
}

impl Alignment {
    fn pair(&mut self, o: usize, n: usize) {
        self.old_to_new[o] = Some(n);
        self.new_to_old[n] = Some(o);
    }
}

/// The content words of each node of a tree: of its title, and of its whole subtree (its
/// identity text with all its descendants').
pub struct Words {
    /// Words of each node's title.
    pub title: Vec<BTreeSet<String>>,
    /// Words of each node's subtree.
    pub subtree: Vec<BTreeSet<String>>,
}

impl Words {
    /// Tokenise every node of `tree`.
    pub fn of(tree: &Tree, tokenizer: &Tokenizer) -> Result<Words, TextError> {
        let mut title = Vec::with_capacity(tree.nodes.len());
        let mut subtree = Vec::with_capacity(tree.nodes.len());
        for node in &tree.nodes {
            title.push(tokenizer.content_words(node.title.as_deref().unwrap_or(""))?);
            subtree.push(tokenizer.content_words(&node.identity_text())?);
        }
        // Children come after their parents, so a backward pass sees every child first.
        for i in (0..tree.nodes.len()).rev() {
            if let Some(p) = tree.nodes[i].parent {
                let child = std::mem::take(&mut subtree[i]);
                subtree[p].extend(child.iter().cloned());
                subtree[i] = child;
            }
        }
        Ok(Words { title, subtree })
    }

    /// How alike node `a` of this tree and node `b` of `other` are, from 0 to 1: the mean of
    /// the titles' and the subtrees' similarity, or the subtrees' alone when a title is
    /// missing.
    pub fn similarity(&self, a: usize, other: &Words, b: usize) -> f64 {
        let subtree = dice(&self.subtree[a], &other.subtree[b]);
        if self.title[a].is_empty() || other.title[b].is_empty() {
            subtree
        } else {
            (dice(&self.title[a], &other.title[b]) + subtree) / 2.0
        }
    }
}

/// Dice coefficient of two word sets: 1 for the same words, 0 for none in common.
fn dice(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let common = a.intersection(b).count();
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Pair the nodes of two editions.
pub fn align(old: &Tree, new: &Tree, old_words: &Words, new_words: &Words) -> Alignment {
    let mut a = Alignment {
        old_to_new: vec![None; old.nodes.len()],
        new_to_old: vec![None; new.nodes.len()],
    };
    let new_ids: HashMap<(Kind, &str), usize> = new
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, n)| n.id.as_deref().map(|id| ((n.kind, id), i)))
        .collect();
    for (o, node) in old.nodes.iter().enumerate() {
        if let Some(&n) = node
            .id
            .as_deref()
            .and_then(|id| new_ids.get(&(node.kind, id)))
        {
            a.pair(o, n);
        }
    }
    let round = Round {
        old,
        new,
        old_words,
        new_words,
    };
    let max_depth = old
        .nodes
        .iter()
        .chain(&new.nodes)
        .map(|n| n.depth)
        .max()
        .unwrap_or(0);
    for kind in [Kind::Section, Kind::Item, Kind::Indicator] {
        for depth in 0..=max_depth {
            let level =
                |tree: &Tree, i: usize| tree.nodes[i].kind == kind && tree.nodes[i].depth == depth;
            // Siblings: children of paired parents (or of the two tops).
            let mut groups: Vec<(Option<usize>, Option<usize>)> = vec![(None, None)];
            groups.extend(
                a.old_to_new
                    .iter()
                    .enumerate()
                    .filter_map(|(o, n)| n.map(|n| (Some(o), Some(n)))),
            );
            for (op, np) in groups {
                let olds: Vec<usize> = children(old, op)
                    .iter()
                    .copied()
                    .filter(|&i| level(old, i) && a.old_to_new[i].is_none())
                    .collect();
                let news: Vec<usize> = children(new, np)
                    .iter()
                    .copied()
                    .filter(|&i| level(new, i) && a.new_to_old[i].is_none())
                    .collect();
                round.assign(&mut a, &olds, &news, SIBLING_THRESHOLD);
            }
            // Whatever is left at this depth, across parents.
            let olds: Vec<usize> = (0..old.nodes.len())
                .filter(|&i| level(old, i) && a.old_to_new[i].is_none())
                .collect();
            let news: Vec<usize> = (0..new.nodes.len())
                .filter(|&i| level(new, i) && a.new_to_old[i].is_none())
                .collect();
            round.assign(&mut a, &olds, &news, MOVED_THRESHOLD);
        }
    }
    a
}

/// The nodes directly under `parent`, or the top-level nodes.
fn children(tree: &Tree, parent: Option<usize>) -> &[usize] {
    match parent {
        Some(p) => &tree.nodes[p].children,
        None => &tree.roots,
    }
}

struct Round<'a> {
    old: &'a Tree,
    new: &'a Tree,
    old_words: &'a Words,
    new_words: &'a Words,
}

impl Round<'_> {
    /// Similarity of two candidates, or `None` when they may not be paired.
    fn score(&self, o: usize, n: usize, threshold: f64) -> Option<f64> {
        let (on, nn) = (&self.old.nodes[o], &self.new.nodes[n]);
        if on.id.is_some() && nn.id.is_some() {
            return None;
        }
        let s = self.old_words.similarity(o, self.new_words, n);
        (s >= threshold).then_some(s)
    }

    fn assign(&self, a: &mut Alignment, olds: &[usize], news: &[usize], threshold: f64) {
        if olds.is_empty() || news.is_empty() {
            return;
        }
        if olds.len() * news.len() > OPTIMAL_LIMIT {
            self.assign_linear(a, olds, news, threshold);
            return;
        }
        // Weights: similarity first, closeness of position second (ties keep order).
        let weight = |i: usize, j: usize| -> i64 {
            match self.score(olds[i], news[j], threshold) {
                Some(s) => (s * 1e6).round() as i64 * 1000 + 999 - i.abs_diff(j).min(999) as i64,
                None => 0,
            }
        };
        let pairs: Vec<(usize, usize)> = if olds.len() <= news.len() {
            let m = Matrix::from_fn(olds.len(), news.len(), |(i, j)| weight(i, j));
            let (_, cols) = kuhn_munkres(&m);
            cols.into_iter().enumerate().collect()
        } else {
            let m = Matrix::from_fn(news.len(), olds.len(), |(j, i)| weight(i, j));
            let (_, rows) = kuhn_munkres(&m);
            rows.into_iter().enumerate().map(|(j, i)| (i, j)).collect()
        };
        for (i, j) in pairs {
            if weight(i, j) > 0 {
                a.pair(olds[i], news[j]);
            }
        }
    }

    /// For very long lists: identical text first, then the rest in order.
    fn assign_linear(&self, a: &mut Alignment, olds: &[usize], news: &[usize], threshold: f64) {
        let mut by_text: HashMap<String, Vec<usize>> = HashMap::new();
        for &n in news.iter().rev() {
            by_text
                .entry(self.new.nodes[n].identity_text())
                .or_default()
                .push(n);
        }
        for &o in olds {
            let text = self.old.nodes[o].identity_text();
            if let Some(n) = by_text.get_mut(&text).and_then(Vec::pop)
                && self.score(o, n, 0.0).is_some()
            {
                a.pair(o, n);
            }
        }
        let olds: Vec<usize> = olds
            .iter()
            .copied()
            .filter(|&o| a.old_to_new[o].is_none())
            .collect();
        let news: Vec<usize> = news
            .iter()
            .copied()
            .filter(|&n| a.new_to_old[n].is_none())
            .collect();
        for (&o, &n) in olds.iter().zip(&news) {
            if self.score(o, n, threshold).is_some() {
                a.pair(o, n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::tree::Node;

    fn tree(nodes: &[(Option<usize>, Option<&str>, &str)]) -> Tree {
        let mut t = Tree::default();
        for (i, (parent, id, title)) in nodes.iter().enumerate() {
            t.nodes.push(Node {
                kind: Kind::Item,
                depth: parent.map_or(0, |p| t.nodes[p].depth + 1),
                level: String::new(),
                id: id.map(str::to_string),
                anchor: format!("n{i}"),
                number: None,
                title: Some(title.to_string()),
                fields: Vec::new(),
                parent: *parent,
                children: Vec::new(),
            });
            match parent {
                Some(p) => t.nodes[*p].children.push(i),
                None => t.roots.push(i),
            }
        }
        t
    }

    fn run(old: &Tree, new: &Tree) -> Alignment {
        let tokenizer = Tokenizer::new(None).unwrap();
        let (a, b) = (
            Words::of(old, &tokenizer).unwrap(),
            Words::of(new, &tokenizer).unwrap(),
        );
        align(old, new, &a, &b)
    }

    #[test]
    fn ids_pair_first_and_different_ids_never_pair() {
        let old = tree(&[
            (None, Some("a"), "地域の自治の推進"),
            (None, Some("b"), "多文化共生のまちづくり"),
            (None, None, "平和啓発事業の実施"),
        ]);
        let new = tree(&[
            (None, Some("b"), "多文化共生の推進"),
            (None, Some("c"), "地域の自治の推進"),
            (None, None, "平和啓発事業の実施、推進"),
        ]);
        let a = run(&old, &new);
        assert_eq!(a.old_to_new, [None, Some(0), Some(2)]);
    }

    #[test]
    fn children_of_paired_parents_pair_and_strays_move() {
        let old = tree(&[
            (None, None, "情報発信とシティプロモーション"),
            (Some(0), None, "オープンデータ化の促進"),
            (None, None, "総合計画の推進"),
        ]);
        let new = tree(&[
            (None, None, "総合計画の推進"),
            (Some(0), None, "オープンデータ化の促進"),
            (None, None, "情報発信とシティプロモーション"),
        ]);
        let a = run(&old, &new);
        assert_eq!(a.old_to_new, [Some(2), Some(1), Some(0)]);
    }

    #[test]
    fn ten_thousand_items_align_without_a_quadratic_assignment() {
        let titles: Vec<String> = (0..10_000).map(|i| format!("取組{i}の推進")).collect();
        let old = tree(
            &titles
                .iter()
                .map(|t| (None, None, t.as_str()))
                .collect::<Vec<_>>(),
        );
        let new = tree(
            &titles
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != 5_000)
                .map(|(_, t)| (None, None, t.as_str()))
                .collect::<Vec<_>>(),
        );
        let a = run(&old, &new);
        assert_eq!(a.old_to_new[5_000], None);
        assert_eq!(a.old_to_new[5_001], Some(5_000));
        assert_eq!(a.old_to_new.iter().flatten().count(), 9_999);
    }
}
