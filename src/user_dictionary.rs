//! `content/_dictionary.csv`, the site's own words for the tokenizer, checked line by line
//! before lindera sees it, so every mistake is reported at its line and column.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Message};

/// The fields of a line, as messages name them.
const FIELDS: [(&str, &str); 3] = [
    ("surface", "表記"),
    ("part_of_speech", "品詞"),
    ("reading", "読み"),
];

/// Check the dictionary's text: one `surface,part_of_speech,reading` line per word, `#`
/// comments and blank lines allowed. Returns the words as lindera's CSV (comments and blank
/// lines removed, fields trimmed) and the problems found.
pub fn check(rel: &Path, text: &str) -> (String, Vec<Diagnostic>) {
    let mut csv = String::new();
    let mut diags = Vec::new();
    let mut surfaces: HashMap<&str, usize> = HashMap::new();
    let mut offset = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let at = |from: usize, len: usize| start + from..start + from + len;
        let problem = |span, message: Message| Diagnostic::at(rel, text, span, message);
        let fields: Vec<(usize, &str)> = line
            .trim_end()
            .split(',')
            .scan(0, |from, field| {
                let here = *from + field.len() - field.trim_start().len();
                *from += field.len() + 1;
                Some((here, field.trim()))
            })
            .collect();
        if fields.len() != FIELDS.len() {
            diags.push(problem(
                at(line.len() - line.trim_start().len(), entry.len()),
                Message::new(
                    format!(
                        "expected three comma-separated fields `surface,part_of_speech,reading`, e.g. 協働体,名詞,キョウドウタイ; found {} field{}",
                        fields.len(),
                        if fields.len() == 1 { "" } else { "s" }
                    ),
                    format!(
                        "`表記,品詞,読み` の3つの欄をカンマで区切って書きます（例：協働体,名詞,キョウドウタイ）。欄が {} つあります",
                        fields.len()
                    ),
                ),
            ));
            continue;
        }
        let mut fine = true;
        for ((from, field), (name, name_ja)) in fields.iter().zip(FIELDS) {
            let message = if field.is_empty() {
                Message::new(
                    format!(
                        "the {name} field is empty: expected `surface,part_of_speech,reading`, e.g. 協働体,名詞,キョウドウタイ"
                    ),
                    format!(
                        "{name_ja}の欄が空です。`表記,品詞,読み` の形で書きます（例：協働体,名詞,キョウドウタイ）"
                    ),
                )
            } else if let Some(quote) = field.find('"') {
                diags.push(problem(
                    at(from + quote, 1),
                    Message::new(
                        format!(
                            "`\"` is not allowed in the {name} field: the dictionary has no quoting; remove it"
                        ),
                        format!("{name_ja}の欄に `\"` は書けません（辞書は引用符を使いません）。取り除きます"),
                    ),
                ));
                fine = false;
                continue;
            } else {
                continue;
            };
            diags.push(problem(at(*from, field.len()), message));
            fine = false;
        }
        let (from, surface) = fields[0];
        if fine && let Some(first) = surfaces.insert(surface, number + 1) {
            diags.push(problem(
                at(from, surface.len()),
                Message::new(
                    format!("`{surface}` is already listed on line {first}: list each word once"),
                    format!(
                        "`{surface}` は {first} 行目に書かれています。同じ言葉は一度だけ書きます"
                    ),
                ),
            ));
            fine = false;
        }
        if fine {
            let words: Vec<&str> = fields.iter().map(|(_, f)| *f).collect();
            csv.push_str(&words.join(","));
            csv.push('\n');
        }
    }
    (csv, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        check(Path::new("d.csv"), text)
            .1
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect()
    }

    #[test]
    fn good_lines_become_lindera_csv() {
        let (csv, diags) = check(
            Path::new("d.csv"),
            "# 言葉\n\n 協働体 , 名詞 ,キョウドウタイ\r\n豊殿,名詞,トヨサト",
        );
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(csv, "協働体,名詞,キョウドウタイ\n豊殿,名詞,トヨサト\n");
    }

    #[test]
    fn each_mistake_has_its_place() {
        let found = problems(
            "協働体,名詞\n\"\",名詞,カラ\n豊殿,,トヨサト\n分権,名詞,ブンケン\n分権,名詞,ブンケン\n",
        );
        assert!(
            found[0].starts_with("1:1: expected three comma-separated fields"),
            "{found:?}"
        );
        assert!(
            found[1].starts_with("2:1: `\"` is not allowed in the surface field"),
            "{found:?}"
        );
        assert!(
            found[2].starts_with("3:4: the part_of_speech field is empty"),
            "{found:?}"
        );
        assert!(
            found[3].starts_with("5:1: `分権` is already listed on line 4"),
            "{found:?}"
        );
        assert_eq!(found.len(), 4, "{found:?}");
    }
}
