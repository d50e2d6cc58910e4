//! The text of a cell: numbers split from titles (①, 1, （１）), lines, 〃 and 同上, the
//! 【担当】 and （継続） a heading carries, notes, and ① markers in an actions cell.

use toml::{Table, Value};

/// Whether `c` is a circled number (①–⑳, ㉑–㊿): a marker that starts an item.
fn is_circled(c: char) -> bool {
    matches!(c, '\u{2460}'..='\u{2473}' | '\u{3251}'..='\u{325F}' | '\u{32B1}'..='\u{32BF}')
}

/// Split a heading into its number and title: `① 地域協議会…`, `1 地域内分権…`, `（１）…`.
/// ASCII and full-width digits need a space or a point after them, so 1日 stays a title.
pub fn split_number(line: &str) -> (Option<String>, String) {
    let line = line.trim();
    let mut chars = line.char_indices();
    let Some((_, first)) = chars.next() else {
        return (None, String::new());
    };
    let end = if is_circled(first) {
        Some(first.len_utf8())
    } else if first == '(' || first == '（' {
        let close = line.find([')', '）']);
        close
            .filter(|&c| {
                let inner = &line[first.len_utf8()..c];
                !inner.is_empty() && inner.chars().all(is_digit)
            })
            .map(|c| c + line[c..].chars().next().map_or(1, char::len_utf8))
    } else if is_digit(first) {
        let digits = line
            .char_indices()
            .find(|(_, c)| !is_digit(*c))
            .map_or(line.len(), |(i, _)| i);
        let rest = &line[digits..];
        match rest.strip_prefix(['.', '．']) {
            // `1.` and `1．` are numbers too, but not the `1.` of 1.5倍.
            Some(after) => (!after.starts_with(is_digit)).then(|| line.len() - after.len()),
            None => (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(digits),
        }
    } else {
        None
    };
    match end {
        Some(end) => (
            Some(line[..end].to_string()),
            line[end..].trim_start().to_string(),
        ),
        None => (None, line.to_string()),
    }
}

/// Whether `c` is an ASCII or full-width digit.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// The non-empty lines of a cell, trailing and leading spaces removed.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.trim_matches(|c: char| c.is_whitespace()).to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether a cell says "the same as above".
pub(super) fn is_ditto(text: &str) -> bool {
    matches!(text.trim(), "〃" | "同上")
}

/// The keys a heading cell gives an item: number, title, and (outside kohyo forms) an owner
/// written as 【…】, a status written as （継続）, and indicators: the lines after a line
/// 【施策評価指標】 (one of `indicator_heads` in 【】), each a number and a name.
pub(super) fn heading_keys(text: &str, form: bool, indicator_heads: &[String]) -> Table {
    let mut keys = Table::new();
    let mut lines = lines(text).into_iter();
    let (number, mut title) = lines
        .next()
        .map_or((None, String::new()), |l| split_number(&l));
    let mut rest: Vec<String> = lines.collect();
    // `④ 【豊殿地域自治センター】`: an item with no title of its own, only its owner.
    if is_owner(&title, form) {
        rest.insert(0, std::mem::take(&mut title));
    }
    let is_head = |line: &str| {
        !form
            && line
                .strip_prefix('【')
                .and_then(|l| l.strip_suffix('】'))
                .is_some_and(|h| indicator_heads.iter().any(|i| i == h))
    };
    if title.is_empty() && !rest.is_empty() && !is_owner(&rest[0], form) && !is_head(&rest[0]) {
        title = rest.remove(0);
    }
    if let Some(n) = number {
        keys.insert("number".into(), Value::String(n));
    }
    let mut indicators: Option<Vec<Value>> = None;
    for line in rest {
        if is_head(&line) {
            indicators.get_or_insert_with(Vec::new);
        } else if let Some(list) = indicators.as_mut() {
            let (number, name) = split_number(&line);
            let mut indicator = Table::new();
            if let Some(n) = number {
                indicator.insert("number".into(), Value::String(n));
            }
            indicator.insert("name".into(), Value::String(name));
            list.push(Value::Table(indicator));
        } else if is_owner(&line, form) {
            let owner = line.trim_start_matches('【').trim_end_matches('】');
            keys.insert("owner".into(), Value::String(owner.to_string()));
        } else {
            title = format!("{title}\n{line}");
        }
    }
    if !form {
        for status in ["新規", "継続", "拡充"] {
            if let Some(stripped) = title.strip_suffix(&format!("（{status}）")) {
                keys.insert("status".into(), Value::String(status.into()));
                title = stripped.trim_end().to_string();
            }
        }
    }
    if !title.is_empty() {
        keys.insert("title".into(), Value::String(title));
    }
    if let Some(list) = indicators.filter(|l| !l.is_empty()) {
        keys.insert("indicators".into(), Value::Array(list));
    }
    keys
}

/// The headings of a leaf cell that lists several items, one per line, each with its circled
/// number (`①…\n②…`); otherwise the cell as one heading.
pub(super) fn leaf_headings(text: &str) -> Vec<String> {
    let lines = lines(text);
    match lines.len() > 1
        && lines
            .iter()
            .all(|l| l.chars().next().is_some_and(is_circled))
    {
        true => lines,
        false => vec![text.to_string()],
    }
}

/// Whether a line is an owner written as 【…】 (never in a kohyo form, which has its column).
pub(super) fn is_owner(line: &str, form: bool) -> bool {
    !form && line.starts_with('【') && line.ends_with('】')
}

/// Whether a row is a note under or within the table (※…, 注…, 備考…).
pub(super) fn is_note(text: &str) -> bool {
    let t = text.trim_start();
    ["※", "注", "（注）", "(注)", "備考"]
        .iter()
        .any(|p| t.starts_with(p))
}

/// Lines of an actions cell split at ① markers: (heading line, action lines).
pub(super) fn marker_blocks(text: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut blocks: Vec<(Option<String>, Vec<String>)> = Vec::new();
    for line in lines(text) {
        if line.chars().next().is_some_and(is_circled) {
            blocks.push((Some(line), Vec::new()));
        } else if let Some(b) = blocks.last_mut() {
            b.1.push(line);
        } else {
            blocks.push((None, vec![line]));
        }
    }
    blocks
}

/// A TOML array of strings.
pub(super) fn strings(list: Vec<String>) -> Value {
    Value::Array(list.into_iter().map(Value::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(split_number("① 地域"), (Some("①".into()), "地域".into()));
        assert_eq!(split_number("①地域"), (Some("①".into()), "地域".into()));
        assert_eq!(split_number("1 地域"), (Some("1".into()), "地域".into()));
        assert_eq!(split_number("１　地域"), (Some("１".into()), "地域".into()));
        assert_eq!(
            split_number("（１）地域"),
            (Some("（１）".into()), "地域".into())
        );
        assert_eq!(split_number("1日の"), (None, "1日の".into()));
        assert_eq!(split_number("1. 市民"), (Some("1.".into()), "市民".into()));
        assert_eq!(split_number("2．市民"), (Some("2．".into()), "市民".into()));
        assert_eq!(split_number("1.5倍に"), (None, "1.5倍に".into()));
    }

    #[test]
    fn headings() {
        let k = heading_keys("④\n【豊殿地域自治センター】", false, &[]);
        assert_eq!(
            k.get("owner").and_then(Value::as_str),
            Some("豊殿地域自治センター")
        );
        assert!(k.get("title").is_none());
        let k = heading_keys("④ 【豊殿、塩田地域自治センター】", false, &[]);
        assert_eq!(
            k.get("owner").and_then(Value::as_str),
            Some("豊殿、塩田地域自治センター")
        );
        assert!(k.get("title").is_none());
        let heads = ["施策評価指標".to_string()];
        let k = heading_keys(
            "1. 参加のきっかけ\n【施策評価指標】\n①市民の割合\n②職員の割合",
            false,
            &heads,
        );
        assert_eq!(k.get("number").and_then(Value::as_str), Some("1."));
        assert_eq!(
            k.get("title").and_then(Value::as_str),
            Some("参加のきっかけ")
        );
        assert!(k.get("owner").is_none());
        let names: Vec<(&str, &str)> = k["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["number"].as_str().unwrap(), i["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names, [("①", "市民の割合"), ("②", "職員の割合")]);
        assert_eq!(leaf_headings("①講座\n②研修"), ["①講座", "②研修"]);
        assert_eq!(leaf_headings("①講座\n続き"), ["①講座\n続き"]);
        let k = heading_keys("① 地域協議会の検討（継続）  ", false, &[]);
        assert_eq!(k.get("status").and_then(Value::as_str), Some("継続"));
        assert_eq!(
            k.get("title").and_then(Value::as_str),
            Some("地域協議会の検討")
        );
    }
}
