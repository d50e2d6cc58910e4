//! Visible text of rendered pages, split into search records.
//!
//! The index is built from the HTML kohyo wrote, not from the model, so that what is searched is
//! exactly what a reader sees: every character of `<main>` belongs to exactly one record. An
//! element with a `data-search` attribute starts a record (its `id` is the anchor); an element
//! with `data-search-title` inside it holds the record's title. Text outside any such element
//! belongs to the page record, whose anchor is empty. Text inside `data-search-skip` (the `#`
//! links beside headings), scripts and styles is not searchable text.

/// The text of one record as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordText {
    /// Anchor on the page (`id` of the element), empty for the page record.
    pub anchor: String,
    /// Title text, white space collapsed.
    pub title: String,
    /// Body text, white space collapsed.
    pub body: String,
    /// Title of the outermost record this one is nested in (the goal of a sub-item), if any.
    pub ancestor_title: Option<String>,
}

const VOID: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "param",
];

struct Open {
    name: String,
    record: Option<usize>,
    title_of: Option<usize>,
}

/// Split the `<main>` of a page into records: the page record first, then one per
/// `data-search` element in document order.
pub fn records(html: &str) -> Vec<RecordText> {
    let mut records = vec![Builder::new(String::new(), None)];
    let mut stack: Vec<Open> = Vec::new();
    let mut in_main = false;
    let mut skip_depth: Option<usize> = None;
    for token in tokens(html) {
        match token {
            Token::Open {
                name,
                attrs,
                self_closing,
            } => {
                if name == "main" {
                    in_main = true;
                }
                let void = self_closing || VOID.contains(&name.as_str());
                let skipped = matches!(name.as_str(), "script" | "style" | "template")
                    || attrs.iter().any(|(k, _)| k == "data-search-skip");
                if skipped && !void && skip_depth.is_none() {
                    skip_depth = Some(stack.len());
                }
                let mut open = Open {
                    name,
                    record: None,
                    title_of: None,
                };
                if in_main && skip_depth.is_none() {
                    if attrs.iter().any(|(k, _)| k == "data-search") {
                        let anchor = attrs
                            .iter()
                            .find(|(k, _)| k == "id")
                            .map(|(_, v)| v.clone())
                            .unwrap_or_default();
                        let ancestor = stack
                            .iter()
                            .find_map(|o| o.record)
                            .map(|r| records[r].title.clone());
                        records.push(Builder::new(anchor, ancestor));
                        open.record = Some(records.len() - 1);
                    }
                    if attrs.iter().any(|(k, _)| k == "data-search-title") {
                        open.title_of = Some(current_record(&stack, open.record));
                    }
                }
                if !void {
                    stack.push(open);
                }
                if in_main {
                    let r = current_record(&stack, None);
                    records[r].space();
                }
            }
            Token::Close { name } => {
                if let Some(pos) = stack.iter().rposition(|o| o.name == name) {
                    stack.truncate(pos);
                    if skip_depth.is_some_and(|d| d >= stack.len()) {
                        skip_depth = None;
                    }
                }
                if name == "main" {
                    in_main = false;
                }
                if in_main {
                    let r = current_record(&stack, None);
                    records[r].space();
                }
            }
            Token::Text(text) => {
                if !in_main || skip_depth.is_some() {
                    continue;
                }
                let r = current_record(&stack, None);
                let in_title = stack
                    .iter()
                    .rev()
                    .find_map(|o| o.title_of)
                    .is_some_and(|t| t == r);
                records[r].push(&text, in_title);
            }
        }
    }
    records.into_iter().map(Builder::finish).collect()
}

/// All visible text of `<main>`, white space collapsed: the ground truth of search evaluation.
pub fn main_text(html: &str) -> String {
    let mut out = String::new();
    for r in records(html) {
        for part in [r.title, r.body] {
            if !part.is_empty() {
                out.push_str(&part);
                out.push(' ');
            }
        }
    }
    out.trim_end().to_string()
}

fn current_record(stack: &[Open], own: Option<usize>) -> usize {
    own.or_else(|| stack.iter().rev().find_map(|o| o.record))
        .unwrap_or(0)
}

struct Builder {
    anchor: String,
    ancestor_title: Option<String>,
    title: String,
    body: String,
}

impl Builder {
    fn new(anchor: String, ancestor_title: Option<String>) -> Self {
        Builder {
            anchor,
            ancestor_title,
            title: String::new(),
            body: String::new(),
        }
    }
    fn push(&mut self, text: &str, in_title: bool) {
        let target = if in_title {
            &mut self.title
        } else {
            &mut self.body
        };
        target.push_str(text);
    }
    fn space(&mut self) {
        self.body.push(' ');
        self.title.push(' ');
    }
    fn finish(self) -> RecordText {
        let collapse = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        RecordText {
            anchor: self.anchor,
            title: collapse(&self.title),
            body: collapse(&self.body),
            ancestor_title: self.ancestor_title.map(|t| collapse(&t)),
        }
    }
}

enum Token {
    Open {
        name: String,
        attrs: Vec<(String, String)>,
        self_closing: bool,
    },
    Close {
        name: String,
    },
    Text(String),
}

/// A small tokenizer for the HTML kohyo itself writes (tera and comrak output).
fn tokens(html: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            out.push(Token::Text(decode(rest)));
            break;
        };
        if lt > 0 {
            out.push(Token::Text(decode(&rest[..lt])));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |i| &after[i + 3..]);
            continue;
        }
        let end = tag_end(rest);
        let tag = &rest[1..end.saturating_sub(1).max(1)];
        rest = &rest[end..];
        if tag.starts_with('!') || tag.starts_with('?') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            out.push(Token::Close {
                name: name.trim().to_ascii_lowercase(),
            });
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        out.push(Token::Open {
            name,
            attrs: attributes(&tag[name_end..]),
            self_closing,
        });
    }
    out
}

/// Index just past the `>` closing the tag that starts `s`, respecting quoted values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices().skip(1) {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn attributes(s: &str) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, r) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after[1..];
                    let close = body.find(q).unwrap_or(body.len());
                    (&body[..close], body.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let close = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..close], &after[close..])
                }
            };
            value = decode(v);
            rest = r.trim_start();
        }
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
    attrs
}

/// Decode the character references kohyo's escaper and comrak produce.
fn decode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let decoded = tail.find(';').filter(|&e| e <= 10).and_then(|e| {
            let c = match &tail[1..e] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                n if n.starts_with("#x") || n.starts_with("#X") => u32::from_str_radix(&n[2..], 16)
                    .ok()
                    .and_then(char::from_u32),
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r##"<html><body><header>サイト</header><main id="main">
<h1>令和7年度重点目標</h1><a data-search-skip href="#g1">#</a><p>担当 &amp; 部局</p>
<section data-search id="g1"><h2 data-search-title>重点目標 1 分権</h2>
<ul><li>(1) 検討&#39;s</li></ul>
<section data-search id="g1-1"><h3 data-search-title>① 子</h3><p>本文<br>続き</p></section>
<p>親の続き</p></section>
<script>var x = "<p>";</script>
<svg><text>現状</text><rect x="1"/></svg></main><footer>フッター</footer></body></html>"##;

    #[test]
    fn text_is_split_into_records_with_titles() {
        let r = records(PAGE);
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].anchor, "");
        assert_eq!(r[0].body, "令和7年度重点目標 担当 & 部局 現状");
        assert_eq!(
            (r[1].anchor.as_str(), r[1].title.as_str()),
            ("g1", "重点目標 1 分権")
        );
        assert_eq!(r[1].body, "(1) 検討's 親の続き");
        assert_eq!(r[2].title, "① 子");
        assert_eq!(r[2].body, "本文 続き");
        assert_eq!(r[2].ancestor_title.as_deref(), Some("重点目標 1 分権"));
        assert!(!main_text(PAGE).contains("サイト"));
        assert!(!main_text(PAGE).contains("var x"));
    }
}
