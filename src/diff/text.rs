//! Text diffs that read as Japanese: computed on lindera tokens, never on characters, then
//! cleaned up so that short runs of equal tokens between changes merge into the change.
//!
//! Each distinct token is mapped to one private-use character, the two texts so encoded are
//! diffed by `dissimilar` (Myers' algorithm with diff-match-patch's semantic clean-up), and the
//! result is mapped back. Every insertion and deletion therefore starts and ends on a token
//! boundary, and applying the changes to the old text gives the new text.

use std::collections::HashMap;

use serde::Serialize;

use crate::text::{TextError, Tokenizer};

/// One run of a text diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "lowercase")]
pub enum Change {
    /// Text in both versions.
    Equal(String),
    /// Text only in the old version.
    Delete(String),
    /// Text only in the new version.
    Insert(String),
}

/// Diff two texts token by token.
pub fn diff(tokenizer: &Tokenizer, old: &str, new: &str) -> Result<Vec<Change>, TextError> {
    Ok(diff_tokens(
        &tokenizer.tokens(old)?,
        &tokenizer.tokens(new)?,
    ))
}

/// Diff two token sequences (tokens concatenate to the texts).
pub fn diff_tokens(old: &[String], new: &[String]) -> Vec<Change> {
    let mut codes: HashMap<&str, char> = HashMap::new();
    let mut tokens: Vec<&str> = Vec::new();
    for token in old.iter().chain(new) {
        codes.entry(token.as_str()).or_insert_with(|| {
            tokens.push(token.as_str());
            code_point(tokens.len() - 1)
        });
    }
    let encode =
        |list: &[String]| -> String { list.iter().filter_map(|t| codes.get(t.as_str())).collect() };
    let (a, b) = (encode(old), encode(new));
    let decode = |s: &str| -> String {
        s.chars()
            .map(|c| tokens.get(index_of(c)).copied().unwrap_or(""))
            .collect()
    };
    let mut out: Vec<Change> = Vec::new();
    for chunk in dissimilar::diff(&a, &b) {
        let change = match chunk {
            dissimilar::Chunk::Equal(s) => Change::Equal(decode(s)),
            dissimilar::Chunk::Delete(s) => Change::Delete(decode(s)),
            dissimilar::Chunk::Insert(s) => Change::Insert(decode(s)),
        };
        out.push(change);
    }
    out
}

/// The texts of the old and new versions, rebuilt from a diff.
pub fn sides(changes: &[Change]) -> (String, String) {
    let (mut old, mut new) = (String::new(), String::new());
    for change in changes {
        match change {
            Change::Equal(t) => {
                old.push_str(t);
                new.push_str(t);
            }
            Change::Delete(t) => old.push_str(t),
            Change::Insert(t) => new.push_str(t),
        }
    }
    (old, new)
}

/// Private-use planes 15 and 16 (131,068 code points) then the BMP private-use area: one
/// character per distinct token.
fn code_point(index: usize) -> char {
    const PLANES: u32 = 0xF0000;
    let i = index as u32;
    char::from_u32(PLANES + i)
        .filter(|c| (*c as u32) <= 0x10FFFD)
        .or_else(|| char::from_u32(0xE000 + (i - (0x10FFFD - PLANES + 1))))
        .unwrap_or('\u{FFFD}')
}

fn index_of(c: char) -> usize {
    let c = c as u32;
    if c >= 0xF0000 {
        (c - 0xF0000) as usize
    } else {
        (c - 0xE000 + (0x10FFFD - 0xF0000 + 1)) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn tokenizer() -> &'static Tokenizer {
        static T: OnceLock<Tokenizer> = OnceLock::new();
        T.get_or_init(|| {
            Tokenizer::new(Some(
                include_str!("../../content/_dictionary.csv")
                    .lines()
                    .filter(|l| !l.starts_with('#'))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .as_str(),
            ))
            .unwrap()
        })
    }

    #[test]
    fn goal_title_gains_two_words() {
        let changes = diff(
            tokenizer(),
            "地域内分権確立に向けた地域の自治の推進",
            "地域内分権の確立に向けた地域主体の自治の推進",
        )
        .unwrap();
        let inserted: Vec<&str> = changes
            .iter()
            .filter_map(|c| match c {
                Change::Insert(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(inserted, ["の", "主体"], "{changes:?}");
        assert!(!changes.iter().any(|c| matches!(c, Change::Delete(_))));
    }

    #[test]
    fn a_rewording_is_one_change_not_a_scatter_of_characters() {
        let changes = diff(
            tokenizer(),
            "住民自治に向けた取組への支援",
            "地域の特性・特色を活かした取組や活動への支援",
        )
        .unwrap();
        let edits = changes
            .iter()
            .filter(|c| !matches!(c, Change::Equal(_)))
            .count();
        assert!(edits <= 4, "{changes:?}");
    }

    fn edits() -> impl Strategy<Value = (String, Vec<(usize, usize, String)>)> {
        let words = prop::sample::select(vec![
            "地域",
            "協働",
            "の",
            "推進",
            "、",
            "市民",
            "まちづくり",
            "支援",
            "を",
            "図る",
            "SDGs",
            "3回",
            "（",
            "）",
            "マイナンバーカード",
            "分権",
            "に向けた",
            "体",
            " ",
        ]);
        let text = prop::collection::vec(words.clone(), 0..30).prop_map(|w| w.concat());
        let edit = (
            any::<usize>(),
            0usize..6,
            prop::collection::vec(words, 0..4),
        )
            .prop_map(|(at, len, w)| (at, len, w.concat()));
        (text, prop::collection::vec(edit, 0..5))
    }

    fn apply(text: &str, edits: &[(usize, usize, String)]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, len, insert) in edits {
            let at = if chars.is_empty() {
                0
            } else {
                at % (chars.len() + 1)
            };
            let end = (at + len).min(chars.len());
            chars.splice(at..end, insert.chars());
        }
        chars.into_iter().collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn diff_rebuilds_both_texts_and_cuts_only_between_tokens((old, list) in edits()) {
            let new = apply(&old, &list);
            let changes = diff(tokenizer(), &old, &new).unwrap();
            prop_assert_eq!(sides(&changes), (old.clone(), new.clone()));
            let boundaries = |text: &str| -> Vec<usize> {
                let mut at = 0;
                let mut b = vec![0];
                for t in tokenizer().tokens(text).unwrap() {
                    at += t.len();
                    b.push(at);
                }
                b
            };
            let (old_b, new_b) = (boundaries(&old), boundaries(&new));
            let (mut o, mut n) = (0, 0);
            for change in &changes {
                match change {
                    Change::Equal(t) => { o += t.len(); n += t.len(); }
                    Change::Delete(t) => {
                        prop_assert!(old_b.contains(&o));
                        o += t.len();
                        prop_assert!(old_b.contains(&o));
                    }
                    Change::Insert(t) => {
                        prop_assert!(new_b.contains(&n));
                        n += t.len();
                        prop_assert!(new_b.contains(&n));
                    }
                }
            }
        }
    }
}
