//! The content model: what staff write in TOML, as serde types.
//!
//! Every struct rejects unknown keys, so a typo is an error rather than silently dropped data.
//! Fields marked `#[serde(skip)]` are derived by the loader (`load`) after parsing, never written
//! by staff. Where the source document has no value, the key is left out (`None` or empty).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::diagnostic::Message;
use crate::wareki;

/// `content/<slug>/_municipality.toml`: a city, town or village.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Municipality {
    /// Name as the municipality writes it, e.g. 上田市.
    pub name: String,
    /// Prefecture, e.g. 長野県.
    pub prefecture: String,
    /// 全国地方公共団体コード: six digits, the last a check digit (上田市 = 202037).
    pub code: Spanned<String>,
    /// Folder name, used in URLs.
    #[serde(skip)]
    pub slug: String,
    /// Hash of the source file's text: the preview keeps work whose sources did not change.
    #[serde(skip)]
    pub source_hash: u64,
    /// The municipality's plan series, sorted by slug.
    #[serde(skip)]
    pub series: Vec<Series>,
}

/// What kind of document a series publishes.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// 重点目標一覧表: a department's priority goals for a fiscal year.
    PriorityGoals,
    /// 推進計画 and similar: a plan with a policy hierarchy, indicators and projects.
    Plan,
}

/// `content/<municipality>/<slug>/_series.toml`: one plan or one department's goals over time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Title of the series, e.g. 重点目標一覧表.
    pub title: String,
    /// Kind of document.
    pub kind: SeriesKind,
    /// Department responsible, when it is the same for every edition.
    pub department: Option<String>,
    /// Markdown introduction shown on the series page.
    pub description: Option<String>,
    /// Name of each item depth, outermost first, e.g. ["重点目標", "重点取組項目"].
    pub levels: Vec<String>,
    /// Column headings; editions may override them.
    #[serde(default)]
    pub labels: Labels,
    /// The 取組主体 columns, in the order the plan prints them, e.g. ["市民等", "協働体", "市"].
    #[serde(default)]
    pub actors: Vec<String>,
    /// Folder name, used in URLs.
    #[serde(skip)]
    pub slug: String,
    /// Hash of the source file's text: the preview keeps work whose sources did not change.
    #[serde(skip)]
    pub source_hash: u64,
    /// Editions, oldest first.
    #[serde(skip)]
    pub editions: Vec<Edition>,
}

/// Column and field headings. Any left out fall back to the Japanese defaults of
/// [`Labels::resolve`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    /// Heading of `actions`, e.g. 具体的な重点取組項目（箇条書き）.
    pub actions: Option<String>,
    /// Heading of `targets`, e.g. 期限・数値目標等.
    pub targets: Option<String>,
    /// Heading of `progress`, e.g. 進捗状況・進捗度.
    pub progress: Option<String>,
    /// Heading of `results`, e.g. 達成状況・達成度.
    pub results: Option<String>,
    /// Heading of `evaluation`, e.g. 各部局の自己評価.
    pub evaluation: Option<String>,
    /// Heading of `owner`.
    pub owner: Option<String>,
    /// Heading of `status` (新規/継続/拡充).
    pub status: Option<String>,
    /// Heading of `schedule`.
    pub schedule: Option<String>,
    /// Heading of `actors`.
    pub actors: Option<String>,
    /// Heading of `indicators`.
    pub indicators: Option<String>,
    /// Heading of `body`.
    pub body: Option<String>,
    /// Heading of `see`.
    pub see: Option<String>,
}

impl Labels {
    /// Fill every heading: `self` first, then `fallback`, then the Japanese default.
    pub fn resolve(&self, fallback: &Labels) -> Labels {
        fn pick(a: &Option<String>, b: &Option<String>, default: &str) -> Option<String> {
            Some(
                a.clone()
                    .or_else(|| b.clone())
                    .unwrap_or_else(|| default.to_string()),
            )
        }
        Labels {
            actions: pick(&self.actions, &fallback.actions, "具体的な取組"),
            targets: pick(&self.targets, &fallback.targets, "期限・数値目標等"),
            progress: pick(&self.progress, &fallback.progress, "進捗状況"),
            results: pick(&self.results, &fallback.results, "達成状況"),
            evaluation: pick(&self.evaluation, &fallback.evaluation, "自己評価"),
            owner: pick(&self.owner, &fallback.owner, "担当"),
            status: pick(&self.status, &fallback.status, "区分"),
            schedule: pick(&self.schedule, &fallback.schedule, "実施年度"),
            actors: pick(&self.actors, &fallback.actors, "取組主体"),
            indicators: pick(&self.indicators, &fallback.indicators, "指標"),
            body: pick(&self.body, &fallback.body, "内容"),
            see: pick(&self.see, &fallback.see, "参照"),
        }
    }
}

/// Where an edition stands in the year's cycle.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 当初: targets set at the start of the year.
    Plan,
    /// 中間報告: mid-year progress.
    Interim,
    /// 達成状況: year-end results.
    Result,
}

impl Stage {
    /// The Japanese label shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Plan => "当初",
            Stage::Interim => "中間報告",
            Stage::Result => "達成状況",
        }
    }
}

/// Whether an edition is adopted or still a draft (案).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Adopted and published.
    #[default]
    Final,
    /// 案: a draft published for comment.
    Draft,
}

/// A plan period in fiscal years, both ends included.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First fiscal year.
    pub from: FiscalYear,
    /// Last fiscal year.
    pub to: FiscalYear,
}

/// `content/<municipality>/<series>/<slug>.toml`: one fiscal year or one dated version of a plan.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edition {
    /// Title as published, e.g. 令和7年度重点目標.
    pub title: String,
    /// Subtitle or slogan printed with the title.
    pub subtitle: Option<String>,
    /// Name of the source document as printed, e.g. 重点目標一覧表（中間報告調書）.
    pub document: Option<String>,
    /// A remark about the source document, shown as 備考 (e.g. a heading that differs by page).
    pub note: Option<String>,
    /// Fiscal year (西暦 integer, or an era label such as 平成30年度).
    pub fiscal_year: Option<Spanned<FiscalYear>>,
    /// Plan period, for multi-year plans.
    pub period: Option<Spanned<Period>>,
    /// Version label where the document names one, e.g. 11月30日現在.
    pub version: Option<String>,
    /// Position among the series' editions when no year orders them.
    pub order: Option<i64>,
    /// Month of publication as `YYYY-MM` (shown as 令和6年3月).
    pub published: Option<Spanned<String>>,
    /// Address of the official document this edition is taken from (its PDF or page).
    #[serde(
        default,
        deserialize_with = "crate::safe_url::deserialize_document_url"
    )]
    pub source_url: Option<String>,
    /// Name of that document where it differs from `document` or the title.
    pub source_title: Option<String>,
    /// Stage in the year's cycle.
    pub stage: Stage,
    /// Draft or final.
    #[serde(default)]
    pub status: Status,
    /// Department responsible for this edition (overrides the series').
    pub department: Option<String>,
    /// Column headings for this edition (override the series').
    #[serde(default)]
    pub labels: Labels,
    /// Prose chapters, in Markdown.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Indicators of the whole edition.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// The tree of goals, policies or projects.
    #[serde(default)]
    pub items: Vec<Spanned<Item>>,
    /// File name without `.toml`, used in URLs.
    #[serde(skip)]
    pub slug: String,
    /// Hash of the source file's text: the preview keeps work whose sources did not change.
    #[serde(skip)]
    pub source_hash: u64,
    /// Path of the source file, relative to the site root.
    #[serde(skip)]
    pub source_path: PathBuf,
}

/// Which part of the edition a section shows at its end.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Include {
    /// The edition's indicators.
    Indicators,
    /// The edition's item tree.
    Items,
    /// The outline chart (体系図): every item with its 取組主体 marks, as one table.
    Outline,
}

/// A prose chapter or section in Markdown; sections nest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Stable id, used as the anchor.
    pub id: Option<Spanned<Id>>,
    /// Number as printed, e.g. 第1章 or 3-1.
    pub number: Option<String>,
    /// Heading.
    pub title: String,
    /// Markdown body; may call shortcodes.
    pub body: Option<Spanned<String>>,
    /// Show the edition's indicators or items after this section's body.
    pub include: Option<Spanned<Include>>,
    /// Sub-sections.
    #[serde(default)]
    pub sections: Vec<Section>,
    /// Anchor on the page (the id, or one derived from the position).
    #[serde(skip)]
    pub anchor: String,
}

/// A heading as printed: the number, a space, the title (`① 公立大学法人長野大学の改革促進`),
/// or the title alone.
pub fn numbered(number: Option<&str>, title: &str) -> String {
    match number {
        Some(n) if !n.is_empty() => format!("{n} {title}"),
        _ => title.to_string(),
    }
}

impl Section {
    /// The Markdown body as written.
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_ref().map(|b| b.get_ref().as_str())
    }
}

/// A goal, policy, measure or project at any depth of the plan.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable id across editions: the anchor, and the key that aligns diffs.
    pub id: Option<Spanned<Id>>,
    /// Number as printed: 1, ①, (1), 事業1.
    pub number: Option<String>,
    /// Title as printed; left out where the source has none.
    pub title: Option<String>,
    /// Markdown description (内容); may call shortcodes.
    pub body: Option<Spanned<String>>,
    /// The (1)(2) list of concrete actions, each entry as printed.
    #[serde(default)]
    pub actions: Vec<String>,
    /// 期限・数値目標等, each entry as printed.
    #[serde(default)]
    pub targets: Vec<String>,
    /// 進捗状況, each entry as printed.
    #[serde(default)]
    pub progress: Vec<String>,
    /// 達成状況, each entry as printed.
    #[serde(default)]
    pub results: Vec<String>,
    /// 自己評価, e.g. ○.
    pub evaluation: Option<String>,
    /// 担当, e.g. 豊殿地域自治センター.
    pub owner: Option<String>,
    /// 新規 / 継続 / 拡充.
    pub status: Option<String>,
    /// Fiscal year → what happens that year (実施, 検討, →).
    #[serde(default)]
    pub schedule: BTreeMap<Spanned<String>, String>,
    /// 取組主体 → role (◎ leads, ○ takes part); keys from the series' `actors`.
    #[serde(default)]
    pub actors: BTreeMap<Spanned<String>, String>,
    /// Indicators of this item.
    #[serde(default)]
    pub indicators: Vec<Indicator>,
    /// A cross reference, e.g. 文化スポーツ観光部に記載.
    pub see: Option<See>,
    /// How the plan's outline chart (体系図) lists this item, where it differs from the heading.
    pub outline: Option<Outline>,
    /// Child items, one level deeper.
    #[serde(default)]
    pub items: Vec<Spanned<Item>>,
    /// Anchor on the page (the id, or `g1-2` from the position).
    #[serde(skip)]
    pub anchor: String,
    /// Schedule with keys resolved to fiscal years, in order.
    #[serde(skip)]
    pub schedule_years: Vec<(i32, String)>,
}

impl Item {
    /// The Markdown body as written.
    pub fn body_text(&self) -> Option<&str> {
        self.body.as_ref().map(|b| b.get_ref().as_str())
    }
}

/// A cross reference printed in the source, optionally linked to another edition's item.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct See {
    /// The text as printed.
    pub text: String,
    /// `municipality/series/edition` with an optional `#anchor`, or `#anchor` in this edition.
    pub link: Option<Spanned<String>>,
}

/// An item's entry in an outline chart (体系図).
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    /// Number as printed in the chart, e.g. ⑦.
    pub number: Option<String>,
    /// Title as printed in the chart.
    pub title: String,
}

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better.
    Up,
    /// Lower is better.
    Down,
}

/// A measured quantity with its baseline, target and actual values.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Stable id, used as the anchor.
    pub id: Option<Spanned<Id>>,
    /// Number as printed.
    pub number: Option<String>,
    /// Name as printed, e.g. 行政サポートによる移住者数.
    pub name: String,
    /// Unit as printed, e.g. 人, %, 回/年, 千円.
    pub unit: Option<String>,
    /// Decimal places to print (80.0 is printed as 80.0, not 80).
    pub decimals: Option<u8>,
    /// Which way is better.
    pub direction: Option<Direction>,
    /// 現状: the starting value.
    pub baseline: Option<Point>,
    /// 目標: the value aimed for.
    pub target: Option<Point>,
    /// Values reported so far.
    #[serde(default)]
    pub actual: Vec<Actual>,
    /// A remark printed with the indicator.
    pub note: Option<String>,
    /// Anchor on the page.
    #[serde(skip)]
    pub anchor: String,
}

/// A baseline or target: a fiscal year and a value, either of which the source may lack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Point {
    /// Fiscal year the value refers to.
    pub year: Option<FiscalYear>,
    /// The number, in the indicator's unit.
    pub value: Option<f64>,
}

/// A reported value.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actual {
    /// When it was measured, as printed (9月末) or as a date.
    pub as_of: Option<String>,
    /// The number, in the indicator's unit.
    pub value: f64,
}

/// An id or anchor: ASCII letters, digits, `-` and `_`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Id(pub String);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        if is_valid_id(&s) {
            Ok(Id(s))
        } else {
            Err(de::Error::custom(
                Message::new(
                    format!(
                        "invalid id `{s}`: expected ASCII letters, digits, `-` or `_`, starting with a letter or digit (e.g. g1-2)"
                    ),
                    format!(
                        "`{s}` は ID に使えません。半角の英字・数字・`-`・`_` で、英字か数字で始めます（例：g1-2）"
                    ),
                )
                .encode(),
            ))
        }
    }
}

/// Whether `s` may be used as an id, anchor or URL slug.
pub fn is_valid_id(s: &str) -> bool {
    s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A fiscal year as a 西暦 integer; staff may write `2025` or an era label such as `令和7年度`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FiscalYear(pub i32);

impl<'de> Deserialize<'de> for FiscalYear {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct YearVisitor;
        impl Visitor<'_> for YearVisitor {
            type Value = FiscalYear;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a fiscal year such as 2025 or \"令和7年度\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<FiscalYear, E> {
                wareki::check_western(v)
                    .map(FiscalYear)
                    .map_err(|m| E::custom(m.encode()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FiscalYear, E> {
                wareki::parse_fiscal_year(v)
                    .map(FiscalYear)
                    .map_err(|m| E::custom(m.encode()))
            }
        }
        deserializer.deserialize_any(YearVisitor)
    }
}
