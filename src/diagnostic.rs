//! Errors that point at a place in a content file: `file:line:col: message`, the source line and a
//! caret under the spot.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use unicode_width::UnicodeWidthStr;

/// One problem found in the content, with the position staff need to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the site root where possible.
    pub path: PathBuf,
    /// 1-based line number (0 when the problem concerns the file as a whole).
    pub line: usize,
    /// 1-based column, counted in characters (0 when unknown).
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
    /// The offending source line, without its line ending.
    pub source_line: String,
    /// Width of the caret run under the spot, in terminal columns.
    pub caret_width: usize,
}

impl Diagnostic {
    /// A problem at a byte range of `source` (the decoded text of `path`).
    pub fn at(path: &Path, source: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let source_line = source[line_start..line_end]
            .trim_end_matches('\r')
            .to_string();
        let end = floor_char_boundary(source, span.end.clamp(start, line_end));
        let caret_width = source[start..end].trim_end_matches('\r').width().max(1);
        Diagnostic {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            source_line,
            caret_width,
        }
    }

    /// A problem with a file as a whole (it cannot be read, or something is missing from it).
    pub fn file(path: &Path, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.into(),
            source_line: String::new(),
            caret_width: 0,
        }
    }

    /// `file:line:col` as editors understand it.
    pub fn location(&self) -> String {
        if self.line == 0 {
            self.path.display().to_string()
        } else {
            format!("{}:{}:{}", self.path.display(), self.line, self.column)
        }
    }

    /// Render with the source line and caret; `color` adds ANSI colours for terminals.
    pub fn render(&self, color: bool) -> String {
        let (red, blue, bold, reset) = if color {
            ("\x1b[31;1m", "\x1b[34;1m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let mut out = format!(
            "{red}error{reset}{bold}: {}: {}{reset}\n",
            self.location(),
            self.message
        );
        if self.line > 0 {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            out.push_str(&format!("{blue}{pad} |{reset}\n"));
            out.push_str(&format!("{blue}{number} |{reset} {}\n", self.source_line));
            out.push_str(&format!(
                "{blue}{pad} |{reset} {red}{}{reset}\n",
                self.caret_line()
            ));
        }
        out
    }

    /// Spaces and carets that put `^^^` under the offending part of [`Diagnostic::source_line`]
    /// (wide characters count two columns).
    pub fn caret_line(&self) -> String {
        let before = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1))
            .collect::<String>();
        format!(
            "{}{}",
            " ".repeat(before.width()),
            "^".repeat(self.caret_width)
        )
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Whether messages may use colour: stderr is a terminal and `NO_COLOR` is unset or empty.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    no_color_unset() && std::io::stderr().is_terminal()
}

/// Whether a command's output may use colour: stdout is a terminal and `NO_COLOR` is unset or
/// empty.
pub fn use_color_stdout() -> bool {
    use std::io::IsTerminal;
    no_color_unset() && std::io::stdout().is_terminal()
}

fn no_color_unset() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_counts_characters_and_carets_cover_wide_text() {
        let src = "title = \"上田\"\r\nkind = 3\r\n";
        let start = src.find('3').unwrap();
        let d = Diagnostic::at(
            Path::new("a.toml"),
            src,
            start..start + 1,
            "expected a string",
        );
        assert_eq!((d.line, d.column), (2, 8));
        assert_eq!(d.source_line, "kind = 3");
        let d = Diagnostic::at(Path::new("a.toml"), src, 9..15, "bad");
        assert_eq!((d.line, d.column, d.caret_width), (1, 10, 4));
        let text = d.render(false);
        assert!(text.starts_with("error: a.toml:1:10: bad\n"), "{text}");
        assert!(
            text.contains("1 | title = \"上田\"\n  |          ^^^^\n"),
            "{text}"
        );
    }
}
