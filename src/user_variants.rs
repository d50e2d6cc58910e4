//! `content/_variants.csv`, the site's spelling variants, checked line by line: one group of
//! spellings of one word per line (一関,一ノ関), each problem at its line and column. The
//! built-in table (`search/variants.csv`) is read by the same function; `search::variants`
//! merges the two into the table the index carries.

use std::collections::HashMap;
use std::path::Path;

use crate::diagnostic::{Diagnostic, Message};
use crate::text::normalize;

/// Check a variant file: one group per line, two or more spellings separated by commas, `#`
/// comments and blank lines allowed. Returns the groups (spellings trimmed, as written) and
/// the problems found, each at its line and column.
pub fn check(rel: &Path, text: &str) -> (Vec<Vec<String>>, Vec<Diagnostic>) {
    let mut groups = Vec::new();
    let mut diags = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut offset = 0;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += line.len();
        let entry = line.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let problem = |from: usize, len: usize, message: Message| -> Diagnostic {
            Diagnostic::at(rel, text, start + from..start + from + len, message)
        };
        let mut from = 0;
        let mut spellings: Vec<(usize, &str)> = Vec::new();
        for field in line.trim_end().split(',') {
            let here = from + field.len() - field.trim_start().len();
            from += field.len() + 1;
            spellings.push((here, field.trim()));
        }
        if spellings.len() < 2 {
            let indent = line.len() - line.trim_start().len();
            diags.push(problem(
                indent,
                entry.len(),
                Message::new(
                    "expected two or more spellings of one word separated by commas, e.g. 一関,一ノ関",
                    "一つの言葉の二つ以上の書き方をカンマで区切って書きます（例：一関,一ノ関）",
                ),
            ));
            continue;
        }
        let mut fine = true;
        let mut line_seen: Vec<String> = Vec::new();
        for (at, spelling) in &spellings {
            let folded = normalize(spelling);
            let message = if spelling.is_empty() {
                Some(Message::new(
                    "an empty spelling: remove the extra comma",
                    "空の書き方があります。余分なカンマを取り除きます",
                ))
            } else if let Some(quote) = spelling.find('"') {
                diags.push(problem(
                    at + quote,
                    1,
                    Message::new(
                        "`\"` is not allowed: the variant file has no quoting; remove it",
                        "`\"` は書けません（このファイルは引用符を使いません）。取り除きます",
                    ),
                ));
                fine = false;
                continue;
            } else if folded.is_empty() {
                Some(Message::new(
                    format!(
                        "`{spelling}` is only white space or invisible characters: write the word"
                    ),
                    format!("`{spelling}` は空白か見えない文字だけです。言葉を書きます"),
                ))
            } else if line_seen.contains(&folded) {
                Some(Message::new(
                    format!(
                        "`{spelling}` is the same as an earlier spelling on this line once normalised (full-width letters, case, long marks): list it once"
                    ),
                    format!(
                        "`{spelling}` は、正規化すると（全角・半角、大文字・小文字、長音）この行の前の書き方と同じです。一度だけ書きます"
                    ),
                ))
            } else {
                seen.get(&folded).map(|first| {
                    Message::new(
                        format!(
                            "`{spelling}` is already in the group on line {first}: list each spelling in one group"
                        ),
                        format!(
                            "`{spelling}` は {first} 行目のグループにあります。一つの書き方は一つのグループにだけ書きます"
                        ),
                    )
                })
            };
            match message {
                Some(message) => {
                    diags.push(problem(*at, spelling.len().max(1), message));
                    fine = false;
                }
                None => line_seen.push(folded),
            }
        }
        if fine {
            for folded in line_seen {
                seen.insert(folded, number + 1);
            }
            groups.push(spellings.iter().map(|(_, s)| s.to_string()).collect());
        }
    }
    (groups, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<String> {
        check(Path::new("v.csv"), text)
            .1
            .iter()
            .map(|d| format!("{}:{}: {}", d.line, d.column, d.message))
            .collect()
    }

    #[test]
    fn each_mistake_in_a_site_file_has_its_place() {
        let found = problems(
            "# 地名\n一関,一ノ関\n豊殿\n神科,,かみしな\n上田,\"上田\"\n一ノ関,いちのせき\nＡＢ,ab\n",
        );
        assert!(
            found[0].starts_with("3:1: expected two or more spellings"),
            "{found:?}"
        );
        assert!(found[1].starts_with("4:4: an empty spelling"), "{found:?}");
        assert!(
            found[2].starts_with("5:4: `\"` is not allowed"),
            "{found:?}"
        );
        assert!(
            found[3].starts_with("6:1: `一ノ関` is already in the group on line 2"),
            "{found:?}"
        );
        assert!(
            found[4].starts_with("7:4: `ab` is the same as an earlier"),
            "{found:?}"
        );
        assert_eq!(found.len(), 5, "{found:?}");
    }
}
