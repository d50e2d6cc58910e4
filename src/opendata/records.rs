//! The site as data records: one [`EditionRecord`] per edition with its sections, items and
//! indicators, every record with a stable id and its parent's id. These are both the JSON
//! files and the source of every CSV table.

use serde::Serialize;

use crate::config::License;
use crate::load::{Site, split_link};
use crate::model::{
    Direction, Edition, Include, Indicator, Item, Labels, Municipality, Point, Section, Series,
    SeriesKind, Status,
};
use crate::present::{edition_when, edition_year};
use crate::wareki;

/// Version of the JSON layout, raised when a field changes meaning or goes away.
pub const FORMAT_VERSION: &str = "1.0";

/// A JSON file of the export: one edition, or all of them.
#[derive(Debug, Serialize)]
pub struct Collection<'a> {
    /// URL of the JSON Schema these files follow.
    #[serde(rename = "$schema")]
    pub schema: String,
    /// Layout version.
    pub format_version: &'static str,
    /// Licence of the data.
    pub license: &'a License,
    /// The editions.
    pub editions: Vec<&'a EditionRecord>,
}

/// One edition of a series.
#[derive(Debug, Serialize)]
pub struct EditionRecord {
    /// `municipality/series/edition`, e.g. `ueda/seisaku-kikaku/2023`.
    pub id: String,
    /// Page URL.
    pub url: String,
    /// The municipality.
    pub municipality: MunicipalityRecord,
    /// The series.
    pub series: SeriesRecord,
    /// Title as published.
    pub title: String,
    /// Subtitle or slogan.
    pub subtitle: Option<String>,
    /// Source document name.
    pub document: Option<String>,
    /// Address of the official document the edition is taken from.
    pub source_url: Option<String>,
    /// Name of that document, where the content gives one.
    pub source_title: Option<String>,
    /// Remark about the source document.
    pub note: Option<String>,
    /// Version label, e.g. 11月30日現在.
    pub version: Option<String>,
    /// Fiscal year (西暦), or the first year of the plan period.
    pub fiscal_year: Option<i32>,
    /// 和暦 label of `fiscal_year`, e.g. 令和5年度.
    pub fiscal_year_label: Option<String>,
    /// How pages date the edition: 令和5年度（2023年度）, a period, or the version.
    pub when: String,
    /// Plan period, both ends included.
    pub period: Option<PeriodRecord>,
    /// Month of publication, ISO 8601 `YYYY-MM`.
    pub published: Option<String>,
    /// `plan`, `interim` or `result`.
    pub stage: crate::model::Stage,
    /// 当初, 中間報告, 達成状況.
    pub stage_label: &'static str,
    /// `final` or `draft`.
    pub status: Status,
    /// Department responsible.
    pub department: Option<String>,
    /// Column headings in force.
    pub labels: Labels,
    /// Prose sections, depth first.
    pub sections: Vec<SectionRecord>,
    /// Items at every level, depth first.
    pub items: Vec<ItemRecord>,
    /// Indicators of the edition and of its items.
    pub indicators: Vec<IndicatorRecord>,
}

/// A municipality.
#[derive(Debug, Clone, Serialize)]
pub struct MunicipalityRecord {
    /// 全国地方公共団体コード, six digits with check digit.
    pub code: String,
    /// 上田市.
    pub name: String,
    /// 長野県.
    pub prefecture: String,
}

/// A series.
#[derive(Debug, Clone, Serialize)]
pub struct SeriesRecord {
    /// `municipality/series`.
    pub id: String,
    /// Title.
    pub title: String,
    /// `priority_goals` or `plan`.
    pub kind: SeriesKind,
    /// Name of each item depth.
    pub levels: Vec<String>,
    /// 取組主体 columns.
    pub actors: Vec<String>,
}

/// A plan period.
#[derive(Debug, Serialize)]
pub struct PeriodRecord {
    /// First fiscal year.
    pub from: i32,
    /// Last fiscal year.
    pub to: i32,
    /// 令和6年度～令和10年度.
    pub label: String,
}

/// A prose section.
#[derive(Debug, Serialize)]
pub struct SectionRecord {
    /// `edition id#anchor`.
    pub id: String,
    /// Enclosing section's id.
    pub parent_id: Option<String>,
    /// Anchor on the page.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Heading.
    pub title: String,
    /// Markdown body as written.
    pub body: Option<String>,
    /// Which part of the edition the page shows after the body.
    pub include: Option<&'static str>,
}

/// A goal, policy, measure or project.
#[derive(Debug, Serialize)]
pub struct ItemRecord {
    /// `edition id#anchor`, e.g. `ueda/seisaku-kikaku/2023#open-data`.
    pub id: String,
    /// Enclosing item's id.
    pub parent_id: Option<String>,
    /// Anchor on the page (the content's `id`, or one from the position).
    pub anchor: String,
    /// Depth, 0 outermost.
    pub depth: usize,
    /// Name of the depth, e.g. 重点取組項目.
    pub level_name: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Title as printed.
    pub title: Option<String>,
    /// Markdown description.
    pub body: Option<String>,
    /// Concrete actions, as printed.
    pub actions: Vec<String>,
    /// 期限・数値目標等, as printed.
    pub targets: Vec<String>,
    /// 進捗状況, as printed.
    pub progress: Vec<String>,
    /// 達成状況, as printed.
    pub results: Vec<String>,
    /// 自己評価.
    pub evaluation: Option<String>,
    /// 担当.
    pub owner: Option<String>,
    /// 新規 / 継続 / 拡充.
    pub status: Option<String>,
    /// Yearly schedule.
    pub schedule: Vec<ScheduleRecord>,
    /// 取組主体 marks.
    pub actors: Vec<ActorRecord>,
    /// Cross reference.
    pub see: Option<SeeRecord>,
    /// Page URL of the item.
    pub url: String,
}

/// One year of a schedule.
#[derive(Debug, Serialize)]
pub struct ScheduleRecord {
    /// Fiscal year (西暦).
    pub fiscal_year: i32,
    /// 令和6年度.
    pub fiscal_year_label: String,
    /// 実施, 検討, →.
    pub value: String,
}

/// One 取組主体 mark.
#[derive(Debug, Serialize)]
pub struct ActorRecord {
    /// 市民等.
    pub actor: String,
    /// ◎ (leads) or ○ (takes part).
    pub role: String,
}

/// A cross reference.
#[derive(Debug, Serialize)]
pub struct SeeRecord {
    /// Text as printed.
    pub text: String,
    /// Target page path (and anchor) in the site, when linked.
    pub link: Option<String>,
}

/// An indicator.
#[derive(Debug, Serialize)]
pub struct IndicatorRecord {
    /// `edition id#anchor`.
    pub id: String,
    /// Item it belongs to; `None` for the edition's own indicators.
    pub item_id: Option<String>,
    /// Anchor on the page.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Name as printed.
    pub name: String,
    /// Unit as printed (人, %, 千円).
    pub unit: Option<String>,
    /// Decimal places the source prints.
    pub decimals: Option<u8>,
    /// `up` or `down`: which way is better.
    pub direction: Option<Direction>,
    /// 現状.
    pub baseline: Option<PointRecord>,
    /// 目標.
    pub target: Option<PointRecord>,
    /// Values reported.
    pub actual: Vec<ActualRecord>,
    /// Remark.
    pub note: Option<String>,
}

/// A baseline or target.
#[derive(Debug, Serialize)]
pub struct PointRecord {
    /// Fiscal year (西暦).
    pub fiscal_year: Option<i32>,
    /// 和暦 label of the year.
    pub fiscal_year_label: Option<String>,
    /// The number, in the indicator's unit.
    pub value: Option<f64>,
}

/// A reported value.
#[derive(Debug, Serialize)]
pub struct ActualRecord {
    /// When it was measured, as printed (9月末).
    pub as_of: Option<String>,
    /// The same as an ISO date (`2025-09-30`), when it names a day and the year is known (given,
    /// or the edition's fiscal year).
    pub as_of_date: Option<String>,
    /// The number, in the indicator's unit.
    pub value: f64,
}

/// Every edition of the site as a record, in the site's order.
pub fn editions(site: &Site) -> Vec<EditionRecord> {
    let base = site.config.base();
    site.editions()
        .map(|(m, s, e)| edition(m, s, e, &base))
        .collect()
}

/// The record of `m`'s series `s`'s edition `e`, its URLs under `base`.
pub fn edition(m: &Municipality, s: &Series, e: &Edition, base: &str) -> EditionRecord {
    let id = format!("{}/{}/{}", m.slug, s.slug, e.slug);
    let url = format!("{base}{id}/");
    let mut b = Builder {
        edition_id: &id,
        fiscal_year: e.fiscal_year.as_ref().map(|y| y.get_ref().0),
        url: &url,
        levels: &s.levels,
        sections: Vec::new(),
        items: Vec::new(),
        indicators: Vec::new(),
    };
    for section in &e.sections {
        b.section(section, None);
    }
    for indicator in &e.indicators {
        b.indicator(indicator, None);
    }
    for item in &e.items {
        b.item(item.get_ref(), 0, None);
    }
    let year = edition_year(e);
    let (sections, items, indicators) = (b.sections, b.items, b.indicators);
    EditionRecord {
        url,
        municipality: MunicipalityRecord {
            code: m.code.get_ref().clone(),
            name: m.name.clone(),
            prefecture: m.prefecture.clone(),
        },
        series: SeriesRecord {
            id: format!("{}/{}", m.slug, s.slug),
            title: s.title.clone(),
            kind: s.kind,
            levels: s.levels.clone(),
            actors: s.actors.clone(),
        },
        title: e.title.clone(),
        subtitle: e.subtitle.clone(),
        document: e.document.clone(),
        source_url: e.source_url.clone(),
        source_title: e.source_title.clone(),
        note: e.note.clone(),
        version: e.version.clone(),
        fiscal_year: year,
        fiscal_year_label: year.map(wareki::fiscal_year_label),
        when: edition_when(e).0,
        period: e.period.as_ref().map(|p| {
            let p = p.get_ref();
            PeriodRecord {
                from: p.from.0,
                to: p.to.0,
                label: format!(
                    "{}～{}",
                    wareki::fiscal_year_label(p.from.0),
                    wareki::fiscal_year_label(p.to.0)
                ),
            }
        }),
        published: e.published.as_ref().map(|p| p.get_ref().clone()),
        stage: e.stage,
        stage_label: e.stage.label(),
        status: e.status,
        department: e.department.clone().or_else(|| s.department.clone()),
        labels: e.labels.resolve(&s.labels),
        sections,
        items,
        indicators,
        id,
    }
}

struct Builder<'a> {
    edition_id: &'a str,
    /// The edition's own fiscal year (none for a plan period), which dates 9月末.
    fiscal_year: Option<i32>,
    url: &'a str,
    levels: &'a [String],
    sections: Vec<SectionRecord>,
    items: Vec<ItemRecord>,
    indicators: Vec<IndicatorRecord>,
}

impl Builder<'_> {
    fn id(&self, anchor: &str) -> String {
        format!("{}#{anchor}", self.edition_id)
    }

    fn section(&mut self, s: &Section, parent: Option<&str>) {
        let id = self.id(&s.anchor);
        self.sections.push(SectionRecord {
            id: id.clone(),
            parent_id: parent.map(str::to_string),
            anchor: s.anchor.clone(),
            number: s.number.clone(),
            title: s.title.clone(),
            body: s.body_text().map(str::to_string),
            include: s.include.as_ref().map(|i| match i.get_ref() {
                Include::Indicators => "indicators",
                Include::Items => "items",
                Include::Outline => "outline",
            }),
        });
        for child in &s.sections {
            self.section(child, Some(&id));
        }
    }

    fn item(&mut self, item: &Item, depth: usize, parent: Option<&str>) {
        let id = self.id(&item.anchor);
        self.items.push(ItemRecord {
            id: id.clone(),
            parent_id: parent.map(str::to_string),
            anchor: item.anchor.clone(),
            depth,
            level_name: self.levels.get(depth).cloned().unwrap_or_default(),
            number: item.number.clone(),
            title: item.title.clone(),
            body: item.body_text().map(str::to_string),
            actions: item.actions.clone(),
            targets: item.targets.clone(),
            progress: item.progress.clone(),
            results: item.results.clone(),
            evaluation: item.evaluation.clone(),
            owner: item.owner.clone(),
            status: item.status.clone(),
            schedule: item
                .schedule_years
                .iter()
                .map(|(y, v)| ScheduleRecord {
                    fiscal_year: *y,
                    fiscal_year_label: wareki::fiscal_year_label(*y),
                    value: v.clone(),
                })
                .collect(),
            actors: item
                .actors
                .iter()
                .map(|(k, v)| ActorRecord {
                    actor: k.get_ref().clone(),
                    role: v.clone(),
                })
                .collect(),
            see: item.see.as_ref().map(|s| SeeRecord {
                text: s.text.clone(),
                link: s.link.as_ref().map(|l| {
                    let (path, anchor) = split_link(l.get_ref());
                    match anchor {
                        Some(a) => format!("{path}#{a}"),
                        None => path.to_string(),
                    }
                }),
            }),
            url: format!("{}#{}", self.url, item.anchor),
        });
        for indicator in &item.indicators {
            self.indicator(indicator, Some(&id));
        }
        for child in &item.items {
            self.item(child.get_ref(), depth + 1, Some(&id));
        }
    }

    fn indicator(&mut self, ind: &Indicator, item: Option<&str>) {
        let point = |p: &Point| PointRecord {
            fiscal_year: p.year.map(|y| y.0),
            fiscal_year_label: p.year.map(|y| wareki::fiscal_year_label(y.0)),
            value: p.value,
        };
        self.indicators.push(IndicatorRecord {
            id: self.id(&ind.anchor),
            item_id: item.map(str::to_string),
            anchor: ind.anchor.clone(),
            number: ind.number.clone(),
            name: ind.name.clone(),
            unit: ind.unit.clone(),
            decimals: ind.decimals,
            direction: ind.direction,
            baseline: ind.baseline.as_ref().map(point),
            target: ind.target.as_ref().map(point),
            actual: ind
                .actual
                .iter()
                .map(|a| ActualRecord {
                    as_of_date: a
                        .as_of
                        .as_deref()
                        .and_then(|t| wareki::as_of_date(t, self.fiscal_year)),
                    as_of: a.as_of.clone(),
                    value: a.value,
                })
                .collect(),
            note: ind.note.clone(),
        });
    }
}
