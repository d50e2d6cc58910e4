//! Errors that point at a place in a content file: `file:line:col: message`, the source line and a
//! caret under the spot. Every message is written in English and in Japanese ([`Message`]); the
//! CLI prints the language `KOHYO_LANG` (else `LANG`) selects ([`Lang::from_env`]), and the
//! preview's overlay shows both.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A message to staff, in English and in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The English text.
    pub en: String,
    /// The same in Japanese.
    pub ja: String,
}

impl Message {
    /// A message from its English and its Japanese text.
    pub fn new(en: impl Into<String>, ja: impl Into<String>) -> Self {
        Message {
            en: en.into(),
            ja: ja.into(),
        }
    }

    /// Both texts in one string, for errors that can carry only one (serde's custom errors of
    /// the content types): [`Message::decode`] takes them apart again.
    pub fn encode(&self) -> String {
        format!("{}{SEPARATOR}{}", self.en, self.ja)
    }

    /// A message [`Message::encode`] made, or `None` for any other text.
    pub fn decode(text: &str) -> Option<Message> {
        let (en, ja) = text.split_once(SEPARATOR)?;
        Some(Message::new(en, ja))
    }

    /// The message as the CLI prints it in `lang`: the English, or the Japanese with the
    /// English after it in parentheses.
    pub fn in_lang(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.en.clone(),
            Lang::Ja => format!("{} ({})", self.ja, self.en),
        }
    }

    /// Both texts with `more` appended to each (a hint after a message).
    pub fn and(mut self, more: Message) -> Self {
        self.en.push_str(&more.en);
        self.ja.push_str(&more.ja);
        self
    }
}

/// Between the English and the Japanese of an encoded message: the information separator, which
/// no message text holds.
const SEPARATOR: char = '\u{1f}';

/// The language the CLI speaks to staff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English only.
    En,
    /// Japanese, with the English under it.
    Ja,
}

impl Lang {
    /// `KOHYO_LANG` when set (`ja` or `en`), else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`):
    /// Japanese when it starts with `ja`, English otherwise.
    pub fn from_env() -> Lang {
        let chosen = ["KOHYO_LANG", "LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()));
        match chosen {
            Some(v) if v.starts_with("ja") => Lang::Ja,
            _ => Lang::En,
        }
    }
}

/// One problem found in the content, with the position staff need to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the site root where possible.
    pub path: PathBuf,
    /// 1-based line number (0 when the problem concerns the file as a whole).
    pub line: usize,
    /// 1-based column, counted in characters (0 when unknown).
    pub column: usize,
    /// What is wrong and what was expected, in English.
    pub message: String,
    /// The same in Japanese.
    pub japanese: String,
    /// The offending source line, without its line ending.
    pub source_line: String,
    /// Width of the caret run under the spot, in terminal columns.
    pub caret_width: usize,
}

impl Diagnostic {
    /// A problem at a byte range of `source` (the decoded text of `path`).
    pub fn at(path: &Path, source: &str, span: Range<usize>, message: Message) -> Self {
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
            message: message.en,
            japanese: message.ja,
            source_line,
            caret_width,
        }
    }

    /// A problem with a file as a whole (it cannot be read, or something is missing from it).
    pub fn file(path: &Path, message: Message) -> Self {
        Diagnostic {
            path: path.to_path_buf(),
            line: 0,
            column: 0,
            message: message.en,
            japanese: message.ja,
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

    /// Render with the source line and caret in the language `KOHYO_LANG` or `LANG` selects;
    /// `color` adds ANSI colours for terminals.
    pub fn render(&self, color: bool) -> String {
        self.render_in(Lang::from_env(), color)
    }

    /// Render in `lang`: English, or Japanese with the English on the line below.
    pub fn render_in(&self, lang: Lang, color: bool) -> String {
        let (red, blue, bold, reset) = if color {
            ("\x1b[31;1m", "\x1b[34;1m", "\x1b[1m", "\x1b[0m")
        } else {
            ("", "", "", "")
        };
        let mut out = match lang {
            Lang::En => format!(
                "{red}error{reset}{bold}: {}: {}{reset}\n",
                self.location(),
                self.message
            ),
            Lang::Ja => format!(
                "{red}エラー{reset}{bold}: {}: {}{reset}\n  ({})\n",
                self.location(),
                self.japanese,
                self.message
            ),
        };
        if self.line > 0 {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            out.push_str(&format!("{blue}{pad} |{reset}\n"));
            out.push_str(&format!(
                "{blue}{number} |{reset} {}\n",
                self.excerpt_line()
            ));
            out.push_str(&format!(
                "{blue}{pad} |{reset} {red}{}{reset}\n",
                self.caret_line()
            ));
        }
        out
    }

    /// The part of [`Diagnostic::source_line`] that is shown: the whole line when it fits in
    /// [`EXCERPT_WIDTH`] terminal columns, else a window around the column with `…` where it
    /// was cut.
    pub fn excerpt_line(&self) -> String {
        self.excerpt().0
    }

    /// Spaces and carets that put `^^^` under the offending part of
    /// [`Diagnostic::excerpt_line`] (wide characters count two columns).
    pub fn caret_line(&self) -> String {
        let (_, pad, carets) = self.excerpt();
        format!("{}{}", " ".repeat(pad), "^".repeat(carets))
    }

    /// The shown line, the width before the caret and the caret's width.
    fn excerpt(&self) -> (String, usize, usize) {
        let chars: Vec<char> = self.source_line.chars().collect();
        let at = self.column.saturating_sub(1).min(chars.len());
        let cells = |c: &char| c.width().unwrap_or(0);
        if self.source_line.width() <= EXCERPT_WIDTH {
            let before = chars[..at].iter().map(cells).sum();
            return (self.source_line.clone(), before, self.caret_width);
        }
        let (mut start, mut before) = (at, 0);
        while start > 0 && before + cells(&chars[start - 1]) <= EXCERPT_BEFORE {
            start -= 1;
            before += cells(&chars[start]);
        }
        let (mut end, mut width) = (at, before);
        while end < chars.len() && width + cells(&chars[end]) <= EXCERPT_WIDTH - 2 {
            width += cells(&chars[end]);
            end += 1;
        }
        let mut shown = String::new();
        let lead = start > 0;
        if lead {
            shown.push('…');
        }
        shown.extend(&chars[start..end]);
        if end < chars.len() {
            shown.push('…');
        }
        let pad = before + usize::from(lead);
        let carets = self.caret_width.min(width - before).max(1);
        (shown, pad, carets)
    }
}

/// The widest source excerpt shown, in terminal columns.
pub const EXCERPT_WIDTH: usize = 100;
/// How much of a long line is shown before the column, in terminal columns.
const EXCERPT_BEFORE: usize = 40;

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render_in(Lang::En, false))
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

/// Problems in the order they are reported: by file, line and column, each once.
pub fn sorted(mut diags: Vec<Diagnostic>) -> Vec<Diagnostic> {
    diags.sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
    diags.dedup();
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bad() -> Message {
        Message::new("bad", "誤り")
    }

    #[test]
    fn position_counts_characters_and_carets_cover_wide_text() {
        let src = "title = \"上田\"\r\nkind = 3\r\n";
        let start = src.find('3').unwrap();
        let d = Diagnostic::at(
            Path::new("a.toml"),
            src,
            start..start + 1,
            Message::new("expected a string", "文字列が必要です"),
        );
        assert_eq!((d.line, d.column), (2, 8));
        assert_eq!(d.source_line, "kind = 3");
        let d = Diagnostic::at(Path::new("a.toml"), src, 9..15, bad());
        assert_eq!((d.line, d.column, d.caret_width), (1, 10, 4));
        let text = d.render_in(Lang::En, false);
        assert!(text.starts_with("error: a.toml:1:10: bad\n"), "{text}");
        assert!(
            text.contains("1 | title = \"上田\"\n  |          ^^^^\n"),
            "{text}"
        );
        let text = d.render_in(Lang::Ja, false);
        assert!(
            text.starts_with("エラー: a.toml:1:10: 誤り\n  (bad)\n  |\n1 | title"),
            "{text}"
        );
    }

    #[test]
    fn a_long_line_is_cut_around_the_column_and_the_caret_stays_under_it() {
        let line = format!("{}x = \"{}\"", "あ".repeat(2000), "い".repeat(3000));
        let start = line.find('x').unwrap();
        let d = Diagnostic::at(Path::new("a.toml"), &line, start..start + 1, bad());
        assert_eq!(d.column, 2001);
        let shown = d.excerpt_line();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.width() <= EXCERPT_WIDTH, "{}", shown.width());
        let caret = d.caret_line();
        let under = caret.find('^').unwrap();
        let mut cells = 0;
        let marked = shown.chars().find(|c| {
            let here = cells;
            cells += c.width().unwrap_or(0);
            here == under
        });
        assert_eq!(marked, Some('x'), "{shown}\n{caret}");
        // The start of a long line: no leading `…`, caret at the first character.
        let d = Diagnostic::at(Path::new("a.toml"), &line, 0..3, bad());
        assert!(!d.excerpt_line().starts_with('…'));
        assert_eq!(d.caret_line(), "^^");
        // The end of a long line: the caret under the last character.
        let end = line.len() - 1;
        let d = Diagnostic::at(Path::new("a.toml"), &line, end..end + 1, bad());
        let (shown, caret) = (d.excerpt_line(), d.caret_line());
        assert!(shown.starts_with('…') && shown.ends_with('"'), "{shown}");
        assert_eq!(caret.find('^').unwrap(), shown.width() - 1);
    }
}
