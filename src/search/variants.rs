//! Spelling variants and readings: what a query also finds besides the spelling typed.
//!
//! The table of variant groups is data: `variants.csv` beside this file (built in) and the
//! site's `content/_variants.csv`, merged by [`table`] and written into the index's
//! `meta.json`, which both engines read, so the Rust and JavaScript engines cannot apply
//! different tables. Two rules need no table: `々` stands for the kanji before it (人々, 人人),
//! and a long mark ending a katakana word may be left out (コミュニティー, コミュニティ).
//! [`spellings`] is mirrored step for step by `spellings` in `engine.js`; the cases in
//! `tests/variant_cases.json` hold both to the same answers.

use std::collections::HashMap;
use std::path::Path;

use crate::text::{is_katakana, normalize};
use crate::user_variants;

/// The built-in table: one group of spellings per line, `#` comments.
pub const BUILTIN: &str = include_str!("variants.csv");

/// Spellings a query word is searched under, the word itself included.
pub const MAX_SPELLINGS: usize = 16;

/// The table the index carries: the built-in groups, then the site's, every spelling
/// normalised; groups that share a spelling are merged into the first of them, so the table
/// is the same whatever the order of discovery.
pub fn table(site: &[Vec<String>]) -> Vec<Vec<String>> {
    let (builtin, _) = user_variants::check(Path::new("variants.csv"), BUILTIN);
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut owner: HashMap<String, usize> = HashMap::new();
    for group in builtin.iter().chain(site) {
        let spellings: Vec<String> = group.iter().map(|s| normalize(s)).collect();
        let mut into: Vec<usize> = spellings
            .iter()
            .filter_map(|s| owner.get(s).copied())
            .collect();
        into.sort_unstable();
        into.dedup();
        let target = match into.first() {
            Some(&first) => first,
            None => {
                groups.push(Vec::new());
                groups.len() - 1
            }
        };
        // Later groups that share a spelling with this one join the first.
        for &other in into.iter().skip(1) {
            let moved = std::mem::take(&mut groups[other]);
            for s in moved {
                owner.insert(s.clone(), target);
                groups[target].push(s);
            }
        }
        for s in spellings {
            if !owner.contains_key(&s) {
                owner.insert(s.clone(), target);
                groups[target].push(s);
            }
        }
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// The table ready for matching: each group's spellings as characters, and for each first
/// character the spellings that start with it, longest first.
pub struct Lookup {
    groups: Vec<Vec<Vec<char>>>,
    by_first: HashMap<char, Vec<(usize, usize)>>,
}

impl Lookup {
    /// The lookup for `table` (groups of normalised spellings).
    pub fn new(table: &[Vec<String>]) -> Lookup {
        let groups: Vec<Vec<Vec<char>>> = table
            .iter()
            .map(|g| g.iter().map(|s| s.chars().collect()).collect())
            .collect();
        let mut by_first: HashMap<char, Vec<(usize, usize)>> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for (s, spelling) in group.iter().enumerate() {
                if let Some(&c) = spelling.first() {
                    by_first.entry(c).or_default().push((g, s));
                }
            }
        }
        for list in by_first.values_mut() {
            list.sort_by_key(|&(g, s)| (std::cmp::Reverse(groups[g][s].len()), g, s));
        }
        Lookup { groups, by_first }
    }

    /// The longest spelling of the table at `word[at..]`: its group and length.
    fn longest(&self, word: &[char], at: usize) -> Option<(usize, usize)> {
        self.by_first.get(&word[at])?.iter().find_map(|&(g, s)| {
            let spelling = &self.groups[g][s];
            word[at..]
                .starts_with(spelling)
                .then_some((g, spelling.len()))
        })
    }
}

/// Whether `c` is a kanji (the unified ideographs, extension A, the compatibility block and
/// the supplementary planes' ideographs).
fn is_kanji(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{3134f}')
}

/// The spellings a normalised query word is searched under, the word itself first: each
/// spelling of the table found in the word (longest first, left to right) may be replaced by
/// the others of its group, `々` by the kanji before it and a kanji repeated by `々`, and a
/// long mark ending a katakana word left out. Combinations in order, the first slot varying
/// slowest, at most [`MAX_SPELLINGS`].
pub fn spellings(word: &str, lookup: &Lookup) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    // Each slot: where it starts, how long it is, and its alternatives (the typed text first).
    let mut slots: Vec<(usize, usize, Vec<String>)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if let Some((g, len)) = lookup.longest(&chars, i) {
            let typed: String = chars[i..i + len].iter().collect();
            let mut alternatives = vec![typed.clone()];
            alternatives.extend(
                lookup.groups[g]
                    .iter()
                    .map(|s| s.iter().collect::<String>())
                    .filter(|s| *s != typed),
            );
            slots.push((i, len, alternatives));
            i += len;
            continue;
        }
        if c == '々' && i > 0 {
            slots.push((i, 1, vec![c.to_string(), chars[i - 1].to_string()]));
        } else if i > 0 && chars[i - 1] == c && is_kanji(c) {
            slots.push((i, 1, vec![c.to_string(), '々'.to_string()]));
        } else if c == 'ー'
            && i > 0
            && is_katakana(chars[i - 1])
            && chars
                .get(i + 1)
                .is_none_or(|n| !is_katakana(*n) && *n != 'ー')
        {
            slots.push((i, 1, vec![c.to_string(), String::new()]));
        }
        i += 1;
    }
    let mut out: Vec<String> = Vec::new();
    let mut choice = vec![0usize; slots.len()];
    loop {
        let mut spelling = String::new();
        let mut at = 0;
        for ((start, len, alternatives), k) in slots.iter().zip(&choice) {
            spelling.extend(&chars[at..*start]);
            spelling.push_str(&alternatives[*k]);
            at = start + len;
        }
        spelling.extend(&chars[at..]);
        if !spelling.is_empty() && !out.contains(&spelling) {
            out.push(spelling);
        }
        if out.len() >= MAX_SPELLINGS {
            break;
        }
        // The next combination: the last slot varies fastest.
        let mut slot = slots.len();
        loop {
            if slot == 0 {
                return out;
            }
            slot -= 1;
            choice[slot] += 1;
            if choice[slot] < slots[slot].2.len() {
                break;
            }
            choice[slot] = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_table_is_clean() {
        let (groups, diags) = user_variants::check(Path::new("variants.csv"), BUILTIN);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(groups.len() > 30);
        // Every spelling stays itself under normalisation, so the table reads as written.
        for g in &groups {
            for s in g {
                assert_eq!(&normalize(s), s, "{g:?}");
            }
        }
    }

    #[test]
    fn site_groups_join_the_built_in_ones_they_share_a_spelling_with() {
        let site = vec![
            vec!["一関".to_string(), "一ノ関".to_string()],
            vec!["髙".to_string(), "𩸽".to_string()],
        ];
        let groups = table(&site);
        let high = groups
            .iter()
            .find(|g| g.contains(&"高".to_string()))
            .unwrap();
        assert_eq!(high, &["高", "髙", "𩸽"]);
        assert!(groups.contains(&vec!["一関".to_string(), "一ノ関".to_string()]));
    }

    #[test]
    fn shared_cases_match_the_javascript_client() {
        let cases: Vec<(String, Vec<String>)> =
            serde_json::from_str(include_str!("../../tests/variant_cases.json")).unwrap();
        let lookup = Lookup::new(&table(&[vec!["一関".into(), "一ノ関".into()]]));
        for (word, expected) in cases {
            assert_eq!(spellings(&normalize(&word), &lookup), expected, "{word}");
        }
    }
}
