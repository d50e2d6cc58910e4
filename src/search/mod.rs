//! Search: records extracted from the rendered pages, a sharded positional bigram index with
//! lindera terms for ranking, readings and suggestions, the table of spelling variants
//! (`variants`), and one query engine written twice, in Rust (`engine`) for the CLI and tests
//! and in JavaScript (`engine.js`) for the browser, with a test holding them equal.

pub mod bundle;
pub mod engine;
pub mod eval;
pub mod extract;
pub mod index;
pub mod variants;

use std::path::PathBuf;

use crate::layout::OutputFile;

/// The browser client, written to `search/` beside the index: the engine (also loaded by the
/// conformance test under node) and the search page's UI.
const CLIENT: [(&str, &str); 2] = [
    ("engine.js", include_str!("engine.js")),
    ("ui.js", include_str!("ui.js")),
];

/// The client's files, ready to write: the sources without their comment lines, which only a
/// reader of the source needs (a quarter of the gzipped bytes a visitor would otherwise
/// download).
pub fn client_files() -> Vec<OutputFile> {
    CLIENT
        .iter()
        .map(|(name, source)| OutputFile {
            path: PathBuf::from(crate::layout::SEARCH_DIR).join(name),
            contents: without_comments(source).into_bytes(),
        })
        .collect()
}

/// Whether a line of the client's source is a comment alone (`// …`, `/** …`, ` * …`, ` */`).
fn is_comment(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("//") || line.starts_with("/*") || line.starts_with('*')
}

/// `source` without the lines that hold a comment alone: the client's sources keep comments
/// on lines of their own, and no string or expression goes on over a line break that starts
/// with `*` (a unit test holds them so).
fn without_comments(source: &str) -> String {
    source
        .lines()
        .filter(|line| !is_comment(line))
        .flat_map(|line| [line, "\n"])
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_comment_lines_are_left_out_of_the_client() {
        for (name, source) in CLIENT {
            let lines: Vec<&str> = source.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                // A line starting with `*` goes on a block comment, never an expression.
                let t = line.trim_start();
                if t.starts_with('*') {
                    let before = lines[i - 1].trim_start();
                    assert!(
                        before.starts_with("/*")
                            || before.starts_with('*') && !before.starts_with("*/"),
                        "{name}:{}: {line}",
                        i + 1
                    );
                }
            }
            let kept = without_comments(source);
            let code: Vec<&str> = lines.iter().copied().filter(|l| !is_comment(l)).collect();
            assert_eq!(kept.lines().collect::<Vec<_>>(), code, "{name}");
            assert!(kept.len() < source.len(), "{name}");
        }
    }
}
