//! Numbers that changed, with their units: `3回 → 4回`, `80.0% → 78.4%`.
//!
//! A quantity is a run of digit tokens (with `,` grouping and a `.` decimal part) and the
//! token after it when that token is a unit: letters, kanji or katakana, or a per-cent sign
//! (`千円` takes both tokens). Quantities are paired where the text diff replaced one text by
//! another, in order, when both sides of the replacement hold the same number of them.

use std::ops::Range;

use serde::Serialize;

use super::text::Change;

/// A number and its unit that differ between the editions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NumberChange {
    /// As printed in the old edition, e.g. 3回.
    pub old: String,
    /// As printed in the new edition, e.g. 4回.
    pub new: String,
}

/// The number changes of one diff, given the token lists the diff was computed from.
pub fn number_changes(
    old_tokens: &[String],
    new_tokens: &[String],
    diff: &[Change],
) -> Vec<NumberChange> {
    let (old_q, new_q) = (quantities(old_tokens), quantities(new_tokens));
    let mut out = Vec::new();
    let (mut o, mut n) = (0, 0);
    let mut hunk: Option<(Range<usize>, Range<usize>)> = None;
    let close = |hunk: &mut Option<(Range<usize>, Range<usize>)>, out: &mut Vec<NumberChange>| {
        if let Some((os, ns)) = hunk.take() {
            let olds: Vec<&Quantity> = old_q.iter().filter(|q| overlaps(&q.span, &os)).collect();
            let news: Vec<&Quantity> = new_q.iter().filter(|q| overlaps(&q.span, &ns)).collect();
            if olds.len() == news.len() {
                for (a, b) in olds.iter().zip(&news) {
                    if a.text != b.text
                        && !out
                            .iter()
                            .any(|c: &NumberChange| c.old == a.text && c.new == b.text)
                    {
                        out.push(NumberChange {
                            old: a.text.clone(),
                            new: b.text.clone(),
                        });
                    }
                }
            }
        }
    };
    for change in diff {
        match change {
            Change::Equal(t) => {
                close(&mut hunk, &mut out);
                o += t.len();
                n += t.len();
            }
            Change::Delete(t) => {
                let h = hunk.get_or_insert((o..o, n..n));
                o += t.len();
                h.0.end = o;
            }
            Change::Insert(t) => {
                let h = hunk.get_or_insert((o..o, n..n));
                n += t.len();
                h.1.end = n;
            }
        }
    }
    close(&mut hunk, &mut out);
    out
}

/// Whether a quantity's span touches a replaced span (an empty span touches its position).
fn overlaps(q: &Range<usize>, span: &Range<usize>) -> bool {
    if span.is_empty() {
        q.start < span.start && span.start < q.end
    } else {
        q.start < span.end && span.start < q.end
    }
}

#[derive(Debug)]
struct Quantity {
    span: Range<usize>,
    text: String,
}

/// Every number with its unit in a token list, with byte spans in the text.
fn quantities(tokens: &[String]) -> Vec<Quantity> {
    let mut out = Vec::new();
    let mut i = 0;
    let starts: Vec<usize> = tokens
        .iter()
        .scan(0, |pos, t| {
            let s = *pos;
            *pos += t.len();
            Some(s)
        })
        .collect();
    while i < tokens.len() {
        if !is_digits(&tokens[i]) {
            i += 1;
            continue;
        }
        let mut end = i + 1;
        // 3,100 and 78.4: a separator followed by more digits continues the number.
        while end + 1 < tokens.len() && is_separator(&tokens[end]) && is_digits(&tokens[end + 1]) {
            end += 2;
        }
        let mut units = 0;
        if end < tokens.len() && is_unit(&tokens[end]) {
            units = 1;
            if matches!(tokens[end].as_str(), "千" | "万" | "億" | "百万")
                && end + 1 < tokens.len()
                && is_unit(&tokens[end + 1])
            {
                units = 2;
            }
        }
        let stop = end + units;
        let text: String = tokens[i..stop].concat();
        let span = starts[i]..starts[i] + text.len();
        out.push(Quantity { span, text });
        i = stop;
    }
    out
}

fn is_digits(token: &str) -> bool {
    !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
}

fn is_separator(token: &str) -> bool {
    matches!(token, "," | "，" | "." | "．")
}

fn is_unit(token: &str) -> bool {
    let mut chars = token.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    matches!(first, '%' | '％')
        || first.is_alphabetic()
            && !('\u{3041}'..='\u{309f}').contains(&first)
            && !first.is_ascii_digit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_count_with_its_unit() {
        let old = toks(&["理事会", "3", "回"]);
        let new = toks(&["理事会", "4", "回"]);
        let diff = super::super::text::diff_tokens(&old, &new);
        let changes = number_changes(&old, &new, &diff);
        assert_eq!(
            changes,
            [NumberChange {
                old: "3回".into(),
                new: "4回".into()
            }]
        );
    }

    #[test]
    fn grouped_and_decimal_numbers_stay_whole() {
        let old = toks(&["3", ",", "100", "千", "円", "と", "80", ".", "0", "%"]);
        let new = toks(&["3", ",", "200", "千", "円", "と", "78", ".", "4", "%"]);
        let diff = super::super::text::diff_tokens(&old, &new);
        let changes = number_changes(&old, &new, &diff);
        assert_eq!(
            changes,
            [
                NumberChange {
                    old: "3,100千円".into(),
                    new: "3,200千円".into()
                },
                NumberChange {
                    old: "80.0%".into(),
                    new: "78.4%".into()
                },
            ]
        );
    }

    #[test]
    fn an_added_number_is_not_a_change() {
        let old = toks(&["研修", "を", "実施"]);
        let new = toks(&["研修", "を", "実施", "(", "3", "回", ")"]);
        let diff = super::super::text::diff_tokens(&old, &new);
        assert!(number_changes(&old, &new, &diff).is_empty());
    }
}
