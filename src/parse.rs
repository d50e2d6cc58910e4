//! TOML text into the content types, reporting every problem of a file at once, each with what
//! to write instead.
//!
//! toml and serde stop at the first problem. To find the next, the statement that holds it (a
//! key and its value, across lines; or a table header and its keys) is blanked — every byte but
//! line breaks replaced by a space, so every later position stays where it was — and the text is
//! parsed again, up to [`MAX_PROBLEMS`] times. Parsing stops at a missing key, which cannot be
//! blanked away; one that is missing only because its statement, or another of its table (a
//! misspelt key), was blanked is not reported: it is the same problem.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use toml_parser::lexer::TokenKind;

use crate::diagnostic::{Diagnostic, Message};

/// How many problems of one file are reported at most.
pub const MAX_PROBLEMS: usize = 50;

/// How deep toml lets lists, inline tables and dotted keys nest.
const TOML_DEPTH: usize = 80;

/// Parse TOML text into `T`, or every problem found in it, in the order of the text.
pub fn parse<T: DeserializeOwned>(rel: &Path, text: &str) -> Result<T, Vec<Diagnostic>> {
    let mut current = Cow::Borrowed(text);
    let mut problems: Vec<(usize, Diagnostic)> = Vec::new();
    let mut blanked: Vec<(String, usize)> = Vec::new();
    loop {
        let error = match toml::from_str::<T>(&current) {
            Ok(value) if problems.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(e) => e,
        };
        let message = error.message();
        let span = error.span();
        let at = span.as_ref().map_or(0, |s| s.start);
        if let Some(key) = missing_key(message)
            && consequence(&current, &blanked, key, at)
        {
            break;
        }
        // The statement at fault: what the hint reads and what is blanked for the next round.
        let located = statement_at(&current, at);
        let diagnostic = if message.contains("recurs") {
            let span = span.clone().or_else(|| deep_key(&current)).unwrap_or(0..0);
            Diagnostic::at(
                rel,
                text,
                span,
                Message::new(
                    format!(
                        "nested deeper than {TOML_DEPTH} levels: lists, inline tables and dotted keys may nest at most {TOML_DEPTH} deep"
                    ),
                    format!(
                        "入れ子が{TOML_DEPTH}階層を超えています。リスト、インラインテーブル、ドット付きのキーの入れ子は{TOML_DEPTH}階層までです"
                    ),
                ),
            )
        } else {
            let hint = located.as_ref().and_then(|(s, _)| {
                let offset = at.saturating_sub(s.range.start);
                hint(&current[s.range.clone()], offset, s.header, message)
            });
            let mut text_of = explain(message);
            if let Some(hint) = hint {
                // toml's own syntax message says little in Japanese: the hint says it all.
                let japanese = match text_of.ja.starts_with(TOML_SYNTAX) {
                    true => hint.ja.clone(),
                    false => format!("{}：{}", text_of.ja, hint.ja),
                };
                text_of = Message::new(format!("{}: {}", text_of.en, hint.en), japanese);
            }
            Diagnostic::at(rel, text, span.unwrap_or(0..0), text_of)
        };
        problems.push((at, diagnostic));
        if problems.len() == MAX_PROBLEMS || missing_key(message).is_some() {
            break;
        }
        let Some((statement, drop)) = located else {
            break;
        };
        if current[drop.clone()].trim().is_empty() {
            break;
        }
        blanked.push((statement.key, statement.range.start));
        current = Cow::Owned(blank(&current, drop));
    }
    problems.sort_by_key(|(at, _)| *at);
    Err(problems.into_iter().map(|(_, d)| d).collect())
}

/// Whether `key`, reported missing from the table at byte `at`, is missing because a statement
/// was blanked: the key itself, or any statement of that table (a misspelt key that was the
/// missing one).
fn consequence(text: &str, blanked: &[(String, usize)], key: &str, at: usize) -> bool {
    let end = statements(text)
        .iter()
        .find(|s| s.header && s.range.start > at)
        .map_or(text.len(), |s| s.range.start);
    blanked
        .iter()
        .any(|(k, start)| k == key || (at..end).contains(start))
}

/// The key serde names in "missing field `key`".
fn missing_key(message: &str) -> Option<&str> {
    message
        .trim()
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
}

/// A statement of a TOML text: a table header line, or a key with its whole value.
struct Statement {
    range: Range<usize>,
    header: bool,
    /// The key as written (its first part, quotes removed); empty for a header.
    key: String,
}

/// Every statement of a TOML text, in order (lexed once; a value's brackets and braces may
/// hold line breaks, so a statement ends at the first line break outside them).
fn statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut open: Option<(usize, bool, String, bool)> = None;
    for token in toml_parser::Source::new(text).lex() {
        let span = token.span();
        let (start, end) = (span.start(), span.end());
        let kind = token.kind();
        match &mut open {
            None => match kind {
                TokenKind::Whitespace
                | TokenKind::Newline
                | TokenKind::Comment
                | TokenKind::Eof => {}
                TokenKind::LeftSquareBracket => open = Some((start, true, String::new(), false)),
                _ => {
                    let key = text[start..end].trim_matches(['"', '\'']).to_string();
                    open = Some((start, false, key, false));
                }
            },
            Some((from, header, key, seen)) => {
                if matches!(kind, TokenKind::Newline | TokenKind::Eof) && depth == 0 {
                    out.push(Statement {
                        range: *from..start,
                        header: *header,
                        key: std::mem::take(key),
                    });
                    open = None;
                } else if !*header {
                    match kind {
                        TokenKind::Equals if depth == 0 => *seen = true,
                        TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket if *seen => {
                            depth += 1;
                        }
                        TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket if *seen => {
                            depth = depth.saturating_sub(1);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if let Some((from, header, key, _)) = open {
        out.push(Statement {
            range: from..text.len(),
            header,
            key,
        });
    }
    out
}

/// The statement holding byte `at` (or ending just before it, at its line break), and what
/// to blank to drop it: the statement, or for a table header the whole table up to the next
/// header.
fn statement_at(text: &str, at: usize) -> Option<(Statement, Range<usize>)> {
    let all = statements(text);
    let i = all.iter().rposition(|s| s.range.start <= at)?;
    if at > all[i].range.end {
        return None;
    }
    let statement = &all[i];
    let drop = if statement.header {
        let next = all[i + 1..].iter().find(|s| s.header);
        statement.range.start..next.map_or(text.len(), |s| s.range.start)
    } else {
        statement.range.clone()
    };
    let statement = Statement {
        range: statement.range.clone(),
        header: statement.header,
        key: statement.key.clone(),
    };
    Some((statement, drop))
}

/// `text` with `range` blanked: every byte a space but line breaks, so positions stay.
fn blank(text: &str, range: Range<usize>) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for b in &mut bytes[range] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
    // Only whole characters were replaced (a statement starts and ends on token boundaries).
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The first dotted key (a table header's or a key's) with more than [`TOML_DEPTH`] parts,
/// which toml refuses without a position.
fn deep_key(text: &str) -> Option<Range<usize>> {
    let mut dots = 0;
    let mut start = None;
    for token in toml_parser::Source::new(text).lex() {
        let span = token.span();
        match token.kind() {
            TokenKind::Dot => {
                dots += 1;
                if dots >= TOML_DEPTH {
                    return start.map(|s| s..span.end());
                }
            }
            TokenKind::Atom | TokenKind::BasicString | TokenKind::LiteralString => {
                start = start.or(Some(span.start()));
            }
            TokenKind::Whitespace => {}
            _ => (dots, start) = (0, None),
        }
    }
    None
}

/// Reword serde's messages, in both languages: suggest the closest key for a typo, name
/// missing keys plainly; the content types' own messages carry their Japanese
/// ([`Message::decode`]), and toml's syntax errors get a Japanese lead.
fn explain(message: &str) -> Message {
    let message = message.trim();
    if let Some(own) = Message::decode(message) {
        return own;
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (key, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
        let suggestion = candidates
            .iter()
            .map(|c| (strsim::damerau_levenshtein(key, c), *c))
            .filter(|(d, c)| *d <= 2.max(c.len() / 3))
            .min();
        let allowed = candidates
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ");
        return match suggestion {
            Some((_, c)) => Message::new(
                format!("unknown key `{key}`: did you mean `{c}`?"),
                format!("`{key}` というキーはありません。`{c}` の誤りではありませんか"),
            ),
            None if allowed.is_empty() => Message::new(
                format!("unknown key `{key}`: no keys are allowed here"),
                format!("`{key}` というキーはありません。ここにはキーを書けません"),
            ),
            None => Message::new(
                format!("unknown key `{key}`: expected one of {allowed}"),
                format!("`{key}` というキーはありません。使えるキーは {allowed} です"),
            ),
        };
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (value, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let allowed: Vec<String> = expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|v| format!("`{v}`"))
            .collect();
        return Message::new(
            message,
            format!(
                "`{value}` は使えない値です。使える値は {} です",
                allowed.join(", ")
            ),
        );
    }
    if let Some(key) = missing_key(message) {
        return Message::new(
            format!("missing required key `{key}`"),
            format!("必須のキー `{key}` がありません"),
        );
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let (expected, japanese) = match expected {
            "f64" | "i64" | "a number" => ("a number", "数値"),
            "a string" | "a borrowed string" => ("a string (in quotes)", "文字列（\"…\" で囲む）"),
            "a sequence" => ("a list `[...]`", "リスト `[...]`"),
            other => (other, other),
        };
        return Message::new(
            format!("expected {expected}, found {found}"),
            format!("ここには{japanese}を書きます（書かれているのは {found}）"),
        );
    }
    Message::new(message, format!("{TOML_SYNTAX}（{message}）"))
}

/// How the Japanese of a toml syntax error begins (toml's message follows in English).
const TOML_SYNTAX: &str = "TOML の書き方に誤りがあります";

/// Keys of an item, which belong under an `[[items]]` line.
const ITEM_KEYS: [&str; 8] = [
    "number",
    "actions",
    "targets",
    "progress",
    "results",
    "evaluation",
    "body",
    "owner",
];

/// What to write instead, for the mistakes staff make most: full-width `＝`, quotes and spaces,
/// digits with commas or a unit, an era year without quotes, item keys without `[[items]]`.
/// `at` is the problem's offset in `statement`.
fn hint(statement: &str, at: usize, header: bool, message: &str) -> Option<Message> {
    if header {
        return None;
    }
    if let Some(i) = statement.find(['=', '＝']) {
        if statement[i..].starts_with('＝') {
            return Some(Message::new(
                "`＝` is the full-width equals sign: write `=`",
                "`＝` は全角の等号です。半角の `=` で書きます",
            ));
        }
        if statement[..i].contains('\u{3000}') {
            return Some(Message::new(
                "a full-width space (　) stands outside the quotes: use an ordinary space",
                "引用符の外に全角スペース（　）があります。半角スペースにします",
            ));
        }
    }
    if let Some(missing) = message.strip_prefix("duplicate key `")
        && let Some(k) = missing.split('`').next()
        && (k == "title" || ITEM_KEYS.contains(&k))
    {
        return Some(Message::new(
            format!(
                "`{k}` is given twice in one table: if this starts a new item, put an `[[items]]` line above it"
            ),
            format!(
                "一つの表に `{k}` が2回あります。ここから新しい項目が始まるなら、上に `[[items]]` の行を入れます"
            ),
        ));
    }
    if let Some(rest) = message.trim().strip_prefix("unknown field `")
        && let Some(k) = rest.split('`').next()
        && ITEM_KEYS.contains(&k)
        && !rest.contains("`number`")
    {
        return Some(Message::new(
            format!("`{k}` is a key of an item: start each item with an `[[items]]` line"),
            format!("`{k}` は項目のキーです。項目はそれぞれ `[[items]]` の行で始めます"),
        ));
    }
    // The value the problem is in: after the last `=` before it (inline tables hold several).
    let mut at = at.min(statement.len());
    while !statement.is_char_boundary(at) {
        at -= 1;
    }
    let eq = statement[..at].rfind('=').or_else(|| statement.find('='))?;
    let key_start = statement[..eq].rfind(['{', ',', '\n']).map_or(0, |j| j + 1);
    let key = statement[key_start..eq].trim();
    let value = statement[eq + 1..]
        .split(['}', ']', '\n', '#'])
        .next()
        .unwrap_or("")
        .trim();
    if value.starts_with(['“', '”', '‘', '’', '＂']) {
        return Some(Message::new(
            "the quotes are full-width (“ ” or ＂): write ordinary double quotes \"…\"",
            "引用符が全角です（“ ” または ＂）。半角の \"…\" で囲みます",
        ));
    }
    let unquoted = !value.starts_with(['"', '\'', '[', '{']);
    let digits = value.trim_end_matches(|c: char| !c.is_ascii_digit());
    if unquoted
        && value.starts_with(|c: char| c.is_ascii_digit())
        && digits.contains(',')
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || c == ',' || c == '.')
    {
        let plain: String = digits.chars().filter(|c| *c != ',').collect();
        return Some(Message::new(
            format!("numbers take no commas: write {plain}"),
            format!("数値には桁区切りのカンマを付けません。{plain} と書きます"),
        ));
    }
    if unquoted && value.starts_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
        let number: String = value
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let rest = value[number.len()..].trim();
        if !rest.is_empty() && !rest.starts_with('#') && !number.is_empty() {
            return Some(Message::new(
                format!(
                    "a number takes no unit: write {number} and give the unit as unit = \"{rest}\""
                ),
                format!(
                    "数値には単位を付けません。{number} と書き、単位は unit = \"{rest}\" に書きます"
                ),
            ));
        }
        if number.is_empty() {
            return Some(Message::new(
                "the digits are full-width: write them as 0–9",
                "数字が全角です。半角の 0〜9 で書きます",
            ));
        }
    }
    let era = ["令和", "平成", "昭和", "R", "H"];
    if unquoted && era.iter().any(|e| value.starts_with(e)) {
        return Some(Message::new(
            format!(
                "an era year is text: write it in quotes, {} = \"{value}\", or as the 西暦 number",
                key.trim()
            ),
            format!(
                "和暦の年度は文字列です。{} = \"{value}\" と引用符で囲むか、西暦の数値で書きます",
                key.trim()
            ),
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        title: String,
        stage: Stage,
        value: Option<f64>,
        #[serde(default)]
        items: Vec<Entry>,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(rename_all = "snake_case")]
    enum Stage {
        Plan,
        Result,
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Entry {
        number: String,
        title: String,
    }

    fn problems(text: &str) -> Vec<String> {
        match parse::<Doc>(Path::new("a.toml"), text) {
            Ok(_) => Vec::new(),
            Err(diags) => diags
                .iter()
                .map(|d| format!("{}:{} {}", d.line, d.column, d.message))
                .collect(),
        }
    }

    #[test]
    fn typo_suggests_the_closest_key() {
        assert_eq!(
            explain("unknown field `titel`, expected one of `title`, `kind`, `levels`"),
            Message::new(
                "unknown key `titel`: did you mean `title`?",
                "`titel` というキーはありません。`title` の誤りではありませんか"
            )
        );
        assert_eq!(
            explain("unknown field `zzz`, expected `title` or `kind`").en,
            "unknown key `zzz`: expected one of `title`, `kind`"
        );
    }

    #[test]
    fn every_problem_of_a_file_is_reported_at_its_place() {
        let found = problems(
            "title = \"x\"\nstage = \"plann\"\ntarget =\n\n[[items]]\nnumber = \"1\"\ntitel = \"a\"\n",
        );
        assert_eq!(found.len(), 3, "{found:?}");
        assert!(found[0].starts_with("2:9 "), "{found:?}");
        assert!(found[1].starts_with("3:"), "{found:?}");
        assert!(found[2].starts_with("7:1 unknown key `titel`"), "{found:?}");
    }

    #[test]
    fn a_blanked_required_key_is_not_reported_missing_again() {
        let found = problems("title = \"x\"\nstage = \"plann\"\n");
        assert_eq!(found.len(), 1, "{found:?}");
        let found = problems("title = \"x\"\n");
        assert_eq!(found, ["1:1 missing required key `stage`"]);
    }

    #[test]
    fn a_broken_table_is_dropped_whole_and_the_rest_still_read() {
        let found = problems(
            "title = \"x\"\nstage = \"plan\"\n[[itemz]]\nnumber = \"1\"\n[[items]]\nnumber = \"2\"\ntitle = \"b\"\nextra = 1\n",
        );
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("3:"), "{found:?}");
        assert!(found[1].starts_with("8:1 unknown key `extra`"), "{found:?}");
    }

    #[test]
    fn the_usual_mistakes_say_what_to_write() {
        let base = "title = \"x\"\nstage = \"plan\"\n";
        let say = |line: &str| problems(&format!("{base}{line}\n")).join("\n");
        assert!(
            say("value = 4,000").contains("write 4000"),
            "{}",
            say("value = 4,000")
        );
        assert!(
            say("value = 12件").contains("unit = \"件\""),
            "{}",
            say("value = 12件")
        );
        assert!(say("value ＝ 3").contains("`＝`"), "{}", say("value ＝ 3"));
        assert!(
            say("value = “3”").contains("full-width"),
            "{}",
            say("value = “3”")
        );
        assert!(
            say("value　= 3").contains("full-width space"),
            "{}",
            say("value　= 3")
        );
        assert!(
            say("value = 令和7").contains("\"令和7\""),
            "{}",
            say("value = 令和7")
        );
        assert!(
            say("value = ３").contains("full-width"),
            "{}",
            say("value = ３")
        );
        let missing_header = say("number = \"1\"");
        assert!(missing_header.contains("[[items]]"), "{missing_header}");
    }

    #[test]
    fn statements_span_their_values_across_lines() {
        let text = "a = [\n  1,\n  2,\n]\nb = 3\n[t]\nc = 4\n[u]\n";
        let (s, drop) = statement_at(text, text.find('2').unwrap()).unwrap();
        assert_eq!(&text[s.range.clone()], "a = [\n  1,\n  2,\n]");
        assert_eq!(drop, s.range);
        assert_eq!(s.key, "a");
        let (header, table) = statement_at(text, text.find("[t]").unwrap()).unwrap();
        assert!(header.header);
        assert_eq!(&text[table], "[t]\nc = 4\n");
        assert!(statement_at(text, 0).is_some());
    }
}
