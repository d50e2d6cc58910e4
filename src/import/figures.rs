//! Indicators from the headline figures of an item's targets and progress (or results) cells:
//! a line marked ○, or the line that carried the item's own number, read as
//! `NAME [AS_OF] VALUE…` (`○ 行政サポートによる移住者数 110人`, `① マイナンバーカード保有枚数率
//! 9月末 78.4%`, `○ 件数及び金額 28,000件、600,000千円`). The lines stay in the lists as printed.

use toml::{Table, Value};

use super::items::Draft;
use crate::diagnostic::Message;

/// A headline line of a list cell, kept while the rows are read.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The list it is in: `targets`, `progress` or `results`.
    pub key: &'static str,
    /// The line as it is in the list.
    pub line: String,
    /// Whether the cell printed the item's own number before it (else it is marked ○).
    pub own: bool,
    /// `FILE:SHEET!CELL` of its cell.
    pub place: String,
}

/// One value of a figure line with the name it gives: the number (commas removed), its unit.
#[derive(Debug, Clone, PartialEq)]
struct Reading {
    name: String,
    as_of: Option<String>,
    number: String,
    unit: String,
}

/// A figure line read: its name, when it was measured, and each value (number, unit).
type Parsed = (String, Option<String>, Vec<(String, String)>);

/// Whether a line is marked as a headline figure (○).
pub fn is_marked(line: &str) -> bool {
    line.starts_with('○')
}

/// Give every item the indicators its figures make; `year` is the target's fiscal year.
pub fn attach(items: &mut [Draft], year: Option<i32>, warnings: &mut Vec<Message>) {
    for item in items {
        attach(&mut item.items, year, warnings);
        let made = indicators(&item.figures, year, warnings);
        if made.is_empty() {
            continue;
        }
        match item.keys.get_mut("indicators") {
            Some(Value::Array(list)) => list.extend(made),
            _ => {
                item.keys.insert("indicators".into(), Value::Array(made));
            }
        }
    }
}

/// The indicators of one item: the target side's readings paired in order with the actual
/// side's (progress, else results) when their units agree. A line with the item's own number
/// counts only when both sides print one.
fn indicators(figures: &[Figure], year: Option<i32>, warnings: &mut Vec<Message>) -> Vec<Value> {
    let side = |targets: bool| {
        figures
            .iter()
            .filter(|f| (f.key == "targets") == targets)
            .collect::<Vec<_>>()
    };
    let (targets, actuals) = (side(true), side(false));
    let both_own = targets.iter().any(|f| f.own && read(&f.line).is_some())
        && actuals.iter().any(|f| f.own && read(&f.line).is_some());
    let readings = |list: &[&Figure], warnings: &mut Vec<Message>| {
        list.iter()
            .filter(|f| !f.own || both_own)
            .flat_map(|f| split(f, warnings))
            .collect::<Vec<_>>()
    };
    let targets = readings(&targets, warnings);
    let actuals = readings(&actuals, warnings);
    let mut made = Vec::new();
    let mut actuals = actuals.into_iter().peekable();
    for t in targets {
        let actual = actuals.next_if(|a| a.unit == t.unit);
        made.push(indicator(Some(&t), actual.as_ref(), year));
    }
    made.extend(actuals.map(|a| indicator(None, Some(&a), year)));
    made
}

/// The readings of a figure line: one per value, a name 「A及びB」 with two values giving two.
fn split(figure: &Figure, warnings: &mut Vec<Message>) -> Vec<Reading> {
    let Some((name, as_of, values)) = read(&figure.line) else {
        return Vec::new();
    };
    let names: Vec<&str> = match values.len() {
        1 => vec![name.as_str()],
        _ => name.split("及び").filter(|s| !s.is_empty()).collect(),
    };
    if names.len() != values.len() {
        let (place, line, count) = (&figure.place, &figure.line, values.len());
        warnings.push(Message::new(
            format!(
                "{place}: 「{line}」 gives {count} values but its name does not name each (「A及びB」); no indicator made"
            ),
            format!(
                "{place}: 「{line}」は値が {count} つありますが、名前がそれぞれを名指ししていません（「A及びB」のように書きます）。指標は作っていません"
            ),
        ));
        return Vec::new();
    }
    names
        .into_iter()
        .zip(values)
        .map(|(name, (number, unit))| Reading {
            name: name.trim().to_string(),
            as_of: as_of.clone(),
            number,
            unit,
        })
        .collect()
}

/// `NAME [AS_OF] VALUE、VALUE…` → name, as of, (number, unit) each; `None` when the line does
/// not end in values after a space.
fn read(line: &str) -> Option<Parsed> {
    let line = line.trim_start_matches('○').trim();
    let words: Vec<&str> = line
        .split([' ', '\u{3000}'])
        .filter(|w| !w.is_empty())
        .collect();
    let (last, rest) = words.split_last()?;
    let values = last
        .split('、')
        .map(value)
        .collect::<Option<Vec<(String, String)>>>()?;
    let (as_of, rest) = match rest.split_last() {
        Some((w, before)) if is_as_of(w) => (Some(w.to_string()), before),
        _ => (None, rest),
    };
    if rest.is_empty() {
        return None;
    }
    Some((rest.join(" "), as_of, values))
}

/// `28,000件` → ("28000", "件"): digits with grouping commas and decimals, then a unit of one
/// to four characters that are not digits.
fn value(word: &str) -> Option<(String, String)> {
    let ascii: String = word
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '．' => '.',
            '，' => ',',
            c => c,
        })
        .collect();
    let end = ascii
        .find(|c: char| !(c.is_ascii_digit() || c == ',' || c == '.'))
        .unwrap_or(ascii.len());
    let (number, unit) = ascii.split_at(end);
    let number = number.replace(',', "");
    let digits = !number.is_empty()
        && number.starts_with(|c: char| c.is_ascii_digit())
        && number.parse::<f64>().is_ok();
    let unit_ok = (1..=4).contains(&unit.chars().count()) && !unit.contains(char::is_numeric);
    (digits && unit_ok).then(|| (number, unit.to_string()))
}

/// `9月末`, `9月30日現在`, `R7.9時点`: when a value was measured.
fn is_as_of(word: &str) -> bool {
    word.chars()
        .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && ["月末", "現在", "時点"].iter().any(|s| word.ends_with(s))
}

/// Decimals printed in a number (`80.0` → 1).
fn decimals(number: &str) -> usize {
    number.split_once('.').map_or(0, |(_, d)| d.len())
}

/// A number as TOML: an integer when printed without decimals.
fn number_value(number: &str) -> Option<Value> {
    match decimals(number) {
        0 => number.parse().ok().map(Value::Integer),
        _ => number.parse().ok().map(Value::Float),
    }
}

/// An indicator's TOML from its target and actual readings (at least one is given).
fn indicator(target: Option<&Reading>, actual: Option<&Reading>, year: Option<i32>) -> Value {
    let mut t = Table::new();
    let named = actual.or(target);
    if let Some(r) = named {
        t.insert("name".into(), Value::String(r.name.clone()));
        t.insert("unit".into(), Value::String(r.unit.clone()));
    }
    let places = target
        .iter()
        .chain(actual.iter())
        .map(|r| decimals(&r.number))
        .max()
        .unwrap_or(0);
    if places > 0 {
        t.insert("decimals".into(), Value::Integer(places as i64));
    }
    if let Some(r) = target {
        let mut point = Table::new();
        if let Some(y) = year {
            point.insert("year".into(), Value::Integer(i64::from(y)));
        }
        if let Some(v) = number_value(&r.number) {
            point.insert("value".into(), v);
        }
        t.insert("target".into(), Value::Table(point));
    }
    if let Some(r) = actual
        && let Some(v) = number_value(&r.number)
    {
        let mut point = Table::new();
        if let Some(a) = &r.as_of {
            point.insert("as_of".into(), Value::String(a.clone()));
        }
        point.insert("value".into(), v);
        t.insert("actual".into(), Value::Array(vec![Value::Table(point)]));
    }
    Value::Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_lines() {
        let (name, as_of, values) = read("マイナンバーカード保有枚数率 9月末 78.4%").unwrap();
        assert_eq!(name, "マイナンバーカード保有枚数率");
        assert_eq!(as_of.as_deref(), Some("9月末"));
        assert_eq!(values, [("78.4".to_string(), "%".to_string())]);
        let (name, _, values) = read("○ 件数及び金額 28,000件、600,000千円").unwrap();
        assert_eq!(name, "件数及び金額");
        assert_eq!(values[1], ("600000".to_string(), "千円".to_string()));
        assert!(read("総会1回、理事会2回開催及び公民館等他組織連携による事業活性化").is_none());
        assert!(read("書かない窓口の充実").is_none());
        assert!(read("110人").is_none(), "a value needs a name");
        assert!(read("(4) 9月末時点で61件の申請を受理").is_none());
    }

    #[test]
    fn pairs_by_position_and_unit() {
        let figure = |key, line: &str, own| Figure {
            key,
            line: line.into(),
            own,
            place: "f.xlsx:S!C3".into(),
        };
        let mut warnings = Vec::new();
        let made = indicators(
            &[
                figure("targets", "○ 件数及び金額 28,000件、600,000千円", false),
                figure(
                    "progress",
                    "○ 寄附件数及び寄附金額 14,003件、290,841千円",
                    false,
                ),
            ],
            Some(2025),
            &mut warnings,
        );
        let names: Vec<&str> = made.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["寄附件数", "寄附金額"]);
        assert_eq!(made[1]["target"]["value"].as_integer(), Some(600000));
        assert_eq!(made[1]["actual"][0]["value"].as_integer(), Some(290841));
        // A line with the item's own number alone, on one side only, is no indicator.
        let made = indicators(
            &[figure("targets", "講座 7講座", true)],
            Some(2025),
            &mut warnings,
        );
        assert!(made.is_empty());
        assert!(warnings.is_empty());
        let made = indicators(
            &[figure("targets", "○ 件数及び金額 3件、4件、5件", false)],
            None,
            &mut warnings,
        );
        assert!(made.is_empty());
        assert!(warnings[0].en.starts_with("f.xlsx:S!C3: "), "{warnings:?}");
        assert!(warnings[0].ja.starts_with("f.xlsx:S!C3: "), "{warnings:?}");
    }
}
