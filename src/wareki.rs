//! 和暦 (Japanese era) conversion: labels for fiscal years and dates, and parsing of era labels
//! written by staff, including labels such as 平成32年度 that plans wrote before an era ended.

use crate::diagnostic::Message;

/// A Japanese era with the first day it was in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Era {
    /// The era's name, e.g. 令和.
    pub name: &'static str,
    /// Its one-letter romanised abbreviation, e.g. R.
    pub letter: char,
    /// First day in force, as (year, month, day).
    pub start: (i32, u32, u32),
}

/// The eras kohyo knows, oldest first.
pub const ERAS: [Era; 3] = [
    Era {
        name: "昭和",
        letter: 'S',
        start: (1926, 12, 25),
    },
    Era {
        name: "平成",
        letter: 'H',
        start: (1989, 1, 8),
    },
    Era {
        name: "令和",
        letter: 'R',
        start: (2019, 5, 1),
    },
];

/// The era in force on a date and the year within it (1 = 元年), or `None` before 昭和.
pub fn era_of_date(year: i32, month: u32, day: u32) -> Option<(Era, i32)> {
    ERAS.iter()
        .rev()
        .find(|era| (year, month, day) >= era.start)
        .map(|era| (*era, year - era.start.0 + 1))
}

/// The era name and year that label a fiscal year (April to March).
///
/// A fiscal year takes the era in force at the end of its first calendar year, so FY2019 is
/// 令和元年度 and FY1988 is 昭和63年度, as municipalities write them.
pub fn era_of_fiscal_year(fiscal_year: i32) -> Option<(Era, i32)> {
    era_of_date(fiscal_year, 12, 31)
}

fn year_number(n: i32) -> String {
    if n == 1 {
        "元".to_string()
    } else {
        n.to_string()
    }
}

/// 令和7年度, or 2025年度 for years before 昭和.
pub fn fiscal_year_label(fiscal_year: i32) -> String {
    match era_of_fiscal_year(fiscal_year) {
        Some((era, n)) => format!("{}{}年度", era.name, year_number(n)),
        None => format!("{fiscal_year}年度"),
    }
}

/// 令和7年度（2025年度）: the form pages use.
pub fn fiscal_year_full(fiscal_year: i32) -> String {
    format!("{}（{fiscal_year}年度）", fiscal_year_label(fiscal_year))
}

/// 令和6年 for a calendar year, named by the era in force at its end (2019 is 令和元年).
pub fn year_label(year: i32) -> String {
    match era_of_date(year, 12, 31) {
        Some((era, n)) => format!("{}{}年", era.name, year_number(n)),
        None => format!("{year}年"),
    }
}

/// Whether year, month and day name a day of the calendar.
pub fn is_date(year: i32, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
}

/// 令和6年3月 for a year and month.
pub fn month_label(year: i32, month: u32) -> String {
    match era_of_date(year, month, days_in_month(year, month)) {
        Some((era, n)) => format!("{}{}年{month}月", era.name, year_number(n)),
        None => format!("{year}年{month}月"),
    }
}

/// 令和6年3月1日 for a date.
pub fn date_label(year: i32, month: u32, day: u32) -> String {
    match era_of_date(year, month, day) {
        Some((era, n)) => format!("{}{}年{month}月{day}日", era.name, year_number(n)),
        None => format!("{year}年{month}月{day}日"),
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `text` with full-width digits (０–９) as ASCII ones, as staff type years and dates either way.
fn half_width_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Parse a fiscal year written by staff: `2025`, `2025年度`, `令和7年度`, `令和元年度`, `R7`,
/// `平成32年度` (= 2020) or `H31` (= 2019). Full-width digits are accepted.
pub fn parse_fiscal_year(text: &str) -> Result<i32, Message> {
    let text = half_width_digits(text.trim());
    let body = text.strip_suffix("年度").unwrap_or(&text);
    if let Ok(year) = body.parse::<i64>() {
        return check_western(year).map_err(|e| {
            e.and(Message::new(
                format!(" (in `{text}`)"),
                format!("（`{text}`）"),
            ))
        });
    }
    for era in ERAS {
        let rest = body
            .strip_prefix(era.name)
            .or_else(|| body.strip_prefix(era.letter))
            .or_else(|| body.strip_prefix(era.letter.to_ascii_lowercase()));
        if let Some(rest) = rest {
            let n = match rest {
                "元" => 1,
                _ => rest.parse::<i32>().map_err(|_| bad_label(&text))?,
            };
            if !(1..=99).contains(&n) {
                return Err(bad_label(&text));
            }
            return Ok(era.start.0 + n - 1);
        }
    }
    Err(bad_label(&text))
}

/// Check a 西暦 year is in the range kohyo publishes.
pub fn check_western(year: i64) -> Result<i32, Message> {
    match i32::try_from(year) {
        Ok(year) if (1900..=2200).contains(&year) => Ok(year),
        _ => Err(Message::new(
            format!("fiscal year {year} is out of range: expected a 西暦 year from 1900 to 2200"),
            format!("年度 {year} は範囲外です。西暦1900年から2200年までの年で書きます"),
        )),
    }
}

fn bad_label(text: &str) -> Message {
    Message::new(
        format!(
            "`{text}` is not a fiscal year: expected a 西暦 year such as 2025 or an era label such as 令和7年度, 令和元年度 or 平成32年度"
        ),
        format!(
            "`{text}` は年度として読めません。2025 のような西暦の年、または 令和7年度、令和元年度、平成32年度 のような和暦で書きます"
        ),
    )
}

/// The ISO date (`2025-09-30`) of a time point as staff print it beside a reported value,
/// when the text names a day: `9月末`, `9月30日`, `9月末現在`, `年度末`, with or without a
/// year (`令和7年9月末`, `2025年9月30日`). A month without a year falls in `fiscal_year`
/// (April to March: 1月–3月 are in the next calendar year). `None` when the text names no day
/// (`上半期`, `9月`) or no year can be known.
pub fn as_of_date(text: &str, fiscal_year: Option<i32>) -> Option<String> {
    let text = half_width_digits(text.trim());
    let text = text
        .strip_suffix("現在")
        .or_else(|| text.strip_suffix("時点"))
        .unwrap_or(&text)
        .trim_end();
    if text == "年度末" {
        let year = fiscal_year? + 1;
        return Some(format!("{year:04}-03-31"));
    }
    let (year, rest) = match text.split_once('年') {
        Some((year, rest)) => (Some(calendar_year(year)?), rest),
        None => (None, text),
    };
    let (month, day) = rest.split_once('月')?;
    let month: u32 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    let year = match year {
        Some(year) => year,
        None if month <= 3 => fiscal_year? + 1,
        None => fiscal_year?,
    };
    let day = match day {
        "末" => days_in_month(year, month),
        _ => day.strip_suffix('日')?.parse().ok()?,
    };
    is_date(year, month, day).then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// A calendar year written `2025` or `令和7` / `令和元` / `R7`.
fn calendar_year(text: &str) -> Option<i32> {
    if let Ok(year) = text.parse::<i32>() {
        return (1000..=9999).contains(&year).then_some(year);
    }
    ERAS.iter().find_map(|era| {
        let rest = text
            .strip_prefix(era.name)
            .or_else(|| text.strip_prefix(era.letter))?;
        let n = match rest {
            "元" => 1,
            _ => rest.parse::<i32>().ok().filter(|n| (1..=99).contains(n))?,
        };
        Some(era.start.0 + n - 1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_on_every_era_boundary() {
        assert_eq!(era_of_date(1926, 12, 24), None);
        let (era, n) = era_of_date(1926, 12, 25).unwrap();
        assert_eq!((era.name, n), ("昭和", 1));
        let (era, n) = era_of_date(1989, 1, 7).unwrap();
        assert_eq!((era.name, n), ("昭和", 64));
        let (era, n) = era_of_date(1989, 1, 8).unwrap();
        assert_eq!((era.name, n), ("平成", 1));
        let (era, n) = era_of_date(2019, 4, 30).unwrap();
        assert_eq!((era.name, n), ("平成", 31));
        let (era, n) = era_of_date(2019, 5, 1).unwrap();
        assert_eq!((era.name, n), ("令和", 1));
        assert_eq!(date_label(2019, 5, 1), "令和元年5月1日");
        assert_eq!(date_label(2019, 4, 30), "平成31年4月30日");
        assert_eq!(date_label(1989, 1, 7), "昭和64年1月7日");
        assert_eq!(date_label(1989, 1, 8), "平成元年1月8日");
        assert_eq!(month_label(2024, 3), "令和6年3月");
    }

    #[test]
    fn fiscal_year_labels_use_gannen_and_show_western_year() {
        assert_eq!(fiscal_year_label(2019), "令和元年度");
        assert_eq!(fiscal_year_label(2018), "平成30年度");
        assert_eq!(fiscal_year_label(1989), "平成元年度");
        assert_eq!(fiscal_year_label(1988), "昭和63年度");
        assert_eq!(fiscal_year_label(1926), "昭和元年度");
        assert_eq!(fiscal_year_label(1925), "1925年度");
        assert_eq!(fiscal_year_full(2025), "令和7年度（2025年度）");
        assert_eq!(fiscal_year_full(2017), "平成29年度（2017年度）");
    }

    #[test]
    fn parses_labels_staff_write() {
        assert_eq!(parse_fiscal_year("令和7年度"), Ok(2025));
        assert_eq!(parse_fiscal_year("令和元年度"), Ok(2019));
        assert_eq!(parse_fiscal_year("平成31年度"), Ok(2019));
        assert_eq!(parse_fiscal_year("平成32年度"), Ok(2020));
        assert_eq!(parse_fiscal_year("平成元年度"), Ok(1989));
        assert_eq!(parse_fiscal_year("昭和64年度"), Ok(1989));
        assert_eq!(parse_fiscal_year("H29"), Ok(2017));
        assert_eq!(parse_fiscal_year("R7"), Ok(2025));
        assert_eq!(parse_fiscal_year("２０２４年度"), Ok(2024));
        assert_eq!(parse_fiscal_year("令和７年度"), Ok(2025));
        assert_eq!(parse_fiscal_year("2023"), Ok(2023));
        assert!(parse_fiscal_year("令和0年度").is_err());
        assert!(parse_fiscal_year("大正5年度").is_err());
        assert!(parse_fiscal_year("12345").is_err());
        assert!(parse_fiscal_year("").is_err());
    }

    #[test]
    fn time_points_become_iso_dates_only_when_a_day_is_named() {
        let dated = [
            ("9月末", Some(2025), "2025-09-30"),
            ("２月末", Some(2023), "2024-02-29"),
            ("3月31日現在", Some(2024), "2025-03-31"),
            ("年度末", Some(2024), "2025-03-31"),
            ("令和7年9月末", None, "2025-09-30"),
            ("令和元年5月1日", None, "2019-05-01"),
            ("2025年10月1日時点", None, "2025-10-01"),
        ];
        for (text, year, date) in dated {
            assert_eq!(as_of_date(text, year).as_deref(), Some(date), "{text}");
        }
        let undated = [
            ("9月", Some(2025)),
            ("上半期", Some(2025)),
            ("9月末", None),
            ("2月30日", Some(2025)),
            ("13月末", Some(2025)),
            ("", Some(2025)),
        ];
        for (text, year) in undated {
            assert_eq!(as_of_date(text, year), None, "{text}");
        }
    }
}
