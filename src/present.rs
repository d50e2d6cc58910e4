//! How every stage presents the same facts of the content: an edition's year and era label,
//! its stage's key, numbers with their units as printed, 記載なし, an indicator's chart and
//! figure, and HTML escaping. It sits below every pipeline stage, so `shortcode`, `diff`,
//! `history`, `opendata` and `render` say these things the same way without one stage using
//! another's helpers.

use crate::model::{Edition, Indicator, Stage, numbered};
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

/// An indicator as a shortcode places it in prose: its name, the same chart as the edition's
/// indicator table and the same numbers, as a figure.
pub fn indicator_figure(ind: &Indicator) -> String {
    let e = escape_html;
    let point = |p: &Option<crate::model::Point>| {
        p.as_ref().map_or(NOT_STATED.to_string(), |p| {
            let value = p
                .value
                .map_or_else(|| NOT_STATED.to_string(), |v| with_unit(v, ind));
            shown(
                p.year.map(|y| wareki::fiscal_year_label(y.0)).as_deref(),
                &value,
            )
        })
    };
    let actual = match ind.actual.is_empty() {
        true => NOT_STATED.to_string(),
        false => ind
            .actual
            .iter()
            .map(|a| shown(a.as_of.as_deref(), &with_unit(a.value, ind)))
            .collect::<Vec<_>>()
            .join("、"),
    };
    format!(
        "<figure class=\"figure indicator-figure\"><figcaption>{}</figcaption>{}<dl><dt>単位</dt><dd>{}</dd><dt>現状</dt><dd>{}</dd><dt>実績</dt><dd>{actual}</dd><dt>目標</dt><dd>{}</dd></dl></figure>",
        e(&numbered(ind.number.as_deref(), &ind.name)),
        indicator_svg(ind).unwrap_or_default(),
        e(ind.unit.as_deref().unwrap_or(NOT_STATED)),
        point(&ind.baseline),
        point(&ind.target),
    )
}

/// A value as the indicator figure prints it: when (escaped), a space, the value (escaped).
fn shown(when: Option<&str>, value: &str) -> String {
    match when {
        Some(when) => format!("{} {}", escape_html(when), escape_html(value)),
        None => escape_html(value),
    }
}

/// A small bar chart of baseline, actual values and target. Labels are in the page text beside
/// it; the SVG itself is decorative with a text alternative.
pub fn indicator_svg(ind: &Indicator) -> Option<String> {
    let mut bars: Vec<(&str, f64, &str)> = Vec::new();
    if let Some(v) = ind.baseline.as_ref().and_then(|p| p.value) {
        bars.push(("現状", v, "bar-baseline"));
    }
    for a in &ind.actual {
        bars.push(("実績", a.value, "bar-actual"));
    }
    if let Some(v) = ind.target.as_ref().and_then(|p| p.value) {
        bars.push(("目標", v, "bar-target"));
    }
    let max = bars.iter().map(|b| b.1).fold(0.0_f64, f64::max);
    if bars.len() < 2 || max <= 0.0 || bars.iter().any(|b| b.1 < 0.0) {
        return None;
    }
    let row = 22.0;
    let height = row * bars.len() as f64;
    let alt = bars
        .iter()
        .map(|(label, v, _)| format!("{label} {}", with_unit(*v, ind)))
        .collect::<Vec<_>>()
        .join("、");
    let mut svg = format!(
        "<svg class=\"indicator-chart\" viewBox=\"0 0 240 {height}\" width=\"240\" height=\"{height}\" role=\"img\" aria-label=\"{}\">",
        escape_html(&format!("{}：{alt}", ind.name))
    );
    for (i, (label, v, class)) in bars.iter().enumerate() {
        let y = i as f64 * row;
        let width = (v / max * 180.0).max(1.0);
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\" class=\"bar-label\">{label}</text><rect x=\"40\" y=\"{:.1}\" width=\"{width:.1}\" height=\"14\" class=\"{class}\"/>",
            y + 14.0,
            y + 3.0
        ));
    }
    svg.push_str("</svg>");
    Some(svg)
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
