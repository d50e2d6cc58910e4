//! How every stage presents the same facts of the content: an edition's year and era label,
//! its stage's key, numbers with their units as printed, 記載なし, and HTML escaping. It sits
//! below every pipeline stage, so `diff`, `history`, `opendata` and `render` say these things
//! the same way without one stage using another's helpers.

use crate::model::{Edition, Indicator, Stage};
use crate::wareki;

/// Text shown where the source document has no value.
pub const NOT_STATED: &str = "記載なし";

/// The stage's name in classes and data: `plan`, `interim`, `result`.
pub fn stage_key(stage: Stage) -> &'static str {
    match stage {
        Stage::Plan => "plan",
        Stage::Interim => "interim",
        Stage::Result => "result",
    }
}

/// The fiscal year of an edition (the first year of a plan period), if it has one.
pub fn edition_year(e: &Edition) -> Option<i32> {
    match (&e.fiscal_year, &e.period) {
        (Some(year), _) => Some(year.get_ref().0),
        (None, Some(period)) => Some(period.get_ref().from.0),
        (None, None) => None,
    }
}

/// How an edition is dated on pages, and the `datetime` value for `<time>`.
pub fn edition_when(e: &Edition) -> (String, Option<String>) {
    let version = e.version.clone();
    if let Some(year) = &e.fiscal_year {
        let y = year.get_ref().0;
        let mut when = wareki::fiscal_year_full(y);
        if let Some(v) = version {
            when.push_str(&format!(" {v}"));
        }
        (when, Some(y.to_string()))
    } else if let Some(period) = &e.period {
        let p = period.get_ref();
        (
            format!(
                "{}～{}（{}～{}年度）",
                wareki::fiscal_year_label(p.from.0),
                wareki::fiscal_year_label(p.to.0),
                p.from.0,
                p.to.0
            ),
            Some(p.from.0.to_string()),
        )
    } else {
        (version.unwrap_or_else(|| NOT_STATED.to_string()), None)
    }
}

/// Format a number as printed in Japanese documents: thousands grouped with commas.
pub fn format_number(value: f64, decimals: Option<u8>) -> String {
    let text = match decimals {
        Some(d) => format!("{value:.*}", d as usize),
        None => format!("{value}"),
    };
    let (sign, text) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{frac}")
    }
}

/// A value of an indicator as printed: grouped digits, the source's decimals, the unit.
pub fn with_unit(value: f64, ind: &Indicator) -> String {
    let number = format_number(value, ind.decimals);
    match &ind.unit {
        Some(u) => format!("{number}{u}"),
        None => number,
    }
}

/// Escape text for HTML element content and quoted attributes. Unlike tera's default, `/` is
/// left alone, so URLs stay readable in the output.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_keep_printed_decimals() {
        assert_eq!(format_number(600000.0, None), "600,000");
        assert_eq!(format_number(14003.0, None), "14,003");
        assert_eq!(format_number(80.0, Some(1)), "80.0");
        assert_eq!(format_number(3.77, None), "3.77");
        assert_eq!(format_number(110.0, None), "110");
        assert_eq!(format_number(-1234.5, None), "-1,234.5");
    }

    #[test]
    fn html_is_escaped_but_slashes_stay() {
        assert_eq!(
            escape_html("<a href=\"x\">'&/</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;/&lt;/a&gt;"
        );
    }
}
