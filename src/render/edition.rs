//! The edition page's view: its summary, sections, table of contents and the parts a section
//! may include (items, indicators, outline chart).

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use toml::Spanned;

use super::glance;
use super::indicators::{IndicatorTable, indicator_table};
use super::items::{ItemView, collect_used, item_view};
use super::outline::{OutlineView, outline_view};
use super::series::goal_links;
use crate::load::parse_month;
use crate::model::{Edition, Include, Labels, Municipality, Section, Series, Status, numbered};
use crate::present::{NOT_STATED, edition_when, stage_key};
use crate::shortcode::Bodies;
use crate::wareki;

/// An edition as listed on series and home pages.
#[derive(Debug, Clone, Serialize)]
pub(super) struct EditionSummary {
    /// Title as published.
    pub title: String,
    /// 令和7年度（2025年度）, 令和6年度～令和10年度, or the version label.
    pub when: String,
    /// Machine-readable year for `<time datetime>`; `None` when the source prints no year.
    pub datetime: Option<String>,
    /// 当初 / 中間報告 / 達成状況.
    pub stage: &'static str,
    /// Whether the edition is a draft (案).
    pub draft: bool,
    /// Department.
    pub department: Option<String>,
    /// Page URL.
    pub url: String,
}

/// The summary of `e`: title, dating, stage, department and URL.
pub(super) fn edition_summary(
    m: &Municipality,
    s: &Series,
    e: &Edition,
    base: &str,
) -> EditionSummary {
    let (when, datetime) = edition_when(e);
    EditionSummary {
        title: e.title.clone(),
        when,
        datetime,
        stage: e.stage.label(),
        draft: e.status == Status::Draft,
        department: e.department.clone().or_else(|| s.department.clone()),
        url: format!("{base}{}/{}/{}/", m.slug, s.slug, e.slug),
    }
}

/// Everything the edition template shows.
#[derive(Debug, Serialize)]
pub(super) struct EditionPage {
    /// Summary fields (title, dating, stage, department).
    pub summary: EditionSummary,
    /// Subtitle or slogan.
    pub subtitle: Option<String>,
    /// Source document name.
    pub document: Option<String>,
    /// Remark about the source document.
    pub note: Option<String>,
    /// Version label.
    pub version: Option<String>,
    /// Publication month as 令和6年3月, with its `YYYY-MM`.
    pub published: Option<(String, String)>,
    /// Whether the stage is 当初/中間/達成.
    pub stage_key: &'static str,
    /// Headings in force for this edition.
    pub labels: Labels,
    /// Name of each depth.
    pub levels: Vec<String>,
    /// Prose sections.
    pub sections: Vec<SectionView>,
    /// Edition-level indicators, unless a section includes them.
    pub indicators: Option<IndicatorTable>,
    /// The item tree, unless a section includes it.
    pub items: Vec<ItemView>,
    /// The outline chart, when the plan has 取組主体 marks and no section includes it.
    pub outline: Option<OutlineView>,
    /// Table of contents: (anchor, label, depth).
    pub toc: Vec<TocEntry>,
    /// The official document the edition is taken from, when the content names its address.
    pub source: Option<SourceLink>,
    /// Items per level and self-evaluation mark.
    pub counts: Option<glance::CountTable>,
    /// Every indicator's baseline, latest actual, target and attainment.
    pub indicator_glance: Option<glance::IndicatorGlance>,
}

/// A link to the official document an edition is taken from.
#[derive(Debug, Serialize)]
pub(super) struct SourceLink {
    /// Its address.
    pub url: String,
    /// Its name: `source_title`, else the document's name, else the edition's title.
    pub title: String,
}

/// The official document of `e`, when the content names its address.
pub(super) fn source_link(e: &Edition) -> Option<SourceLink> {
    let url = e.source_url.clone()?;
    let title = e
        .source_title
        .clone()
        .or_else(|| e.document.clone())
        .unwrap_or_else(|| e.title.clone());
    Some(SourceLink { url, title })
}

/// One entry of the page's table of contents.
#[derive(Debug, Serialize)]
pub(super) struct TocEntry {
    /// Anchor.
    pub anchor: String,
    /// Heading text.
    pub label: String,
    /// Nesting depth, 0 outermost.
    pub depth: usize,
}

/// A prose section.
#[derive(Debug, Serialize)]
pub(super) struct SectionView {
    /// Anchor.
    pub anchor: String,
    /// Heading text, number included.
    pub heading: String,
    /// `h2`…`h6` level.
    pub level: usize,
    /// Rendered Markdown.
    pub body_html: Option<String>,
    /// Indicators shown at the end of this section.
    pub indicators: Option<IndicatorTable>,
    /// Items shown at the end of this section.
    pub items: Vec<ItemView>,
    /// Outline chart shown at the end of this section.
    pub outline: Option<OutlineView>,
    /// Sub-sections.
    pub sections: Vec<SectionView>,
}

/// What the views of an edition's items need of the edition and its series.
pub(super) struct EditionContext<'a> {
    /// Each item's history key, by anchor.
    pub(super) keys: &'a HashMap<&'a str, &'a str>,
    /// Where the series' history pages are: `…/<series>/history/`.
    pub(super) history_dir: String,
    pub(super) labels: Labels,
    pub(super) levels: &'a [String],
    pub(super) actors: &'a [String],
    pub(super) base: &'a str,
    /// The edition's bodies with their shortcodes expanded.
    pub(super) bodies: &'a Bodies,
    pub(super) used: Vec<BTreeSet<&'static str>>,
}

/// Everything the edition page of `e` shows.
pub(super) fn edition_page(
    m: &Municipality,
    s: &Series,
    e: &Edition,
    bodies: &Bodies,
    base: &str,
    keys: &HashMap<&str, &str>,
) -> EditionPage {
    let labels = e.labels.resolve(&s.labels);
    let mut used = vec![BTreeSet::new(); s.levels.len().max(1)];
    collect_used(&e.items, 0, &mut used);
    let cx = EditionContext {
        keys,
        history_dir: format!(
            "{base}{}/{}/{}/",
            m.slug,
            s.slug,
            crate::layout::HISTORY_DIR
        ),
        labels: labels.clone(),
        levels: &s.levels,
        actors: &s.actors,
        base,
        bodies,
        used,
    };
    let has_include = |which: Include| section_includes(&e.sections, which);
    let items_level = if has_include(Include::Items) { 3 } else { 2 };
    let items: Vec<ItemView> = e
        .items
        .iter()
        .map(|i| item_view(&cx, i.get_ref(), 0, items_level))
        .collect();
    let indicators = indicator_table(&e.indicators, &labels);
    let outline = outline_view(&cx, &e.items);
    let mut holder = Holder {
        items: Some(items),
        indicators,
        outline,
    };
    let sections = e
        .sections
        .iter()
        .map(|sec| section_view(sec, 2, bodies, &mut holder))
        .collect::<Vec<_>>();
    let mut toc = Vec::new();
    toc_sections(&sections, 0, &mut toc);
    let items = holder.items.take().unwrap_or_default();
    if !sections.is_empty() {
        for item in &items {
            toc.push(TocEntry {
                anchor: item.anchor.clone(),
                label: item_heading(item),
                depth: 0,
            });
        }
    }
    let stage_key = stage_key(e.stage);
    let summary = edition_summary(m, s, e, base);
    let indicator_glance = glance::indicator_glance(
        e,
        &summary.url,
        "指標の現状・最新の実績・目標".to_string(),
        &goal_links(m, s, e, keys, base),
    );
    EditionPage {
        counts: glance::edition_counts(s, e),
        indicator_glance,
        summary,
        subtitle: e.subtitle.clone(),
        document: e.document.clone(),
        note: e.note.clone(),
        version: e.version.clone(),
        published: e.published.as_ref().and_then(|p| {
            parse_month(p.get_ref())
                .map(|(y, mo)| (wareki::month_label(y, mo), p.get_ref().clone()))
        }),
        stage_key,
        labels,
        levels: s.levels.clone(),
        sections,
        indicators: holder.indicators.take(),
        items,
        outline: holder.outline.take(),
        toc,
        source: source_link(e),
    }
}

/// Parts of the edition that a section may take to show inside itself.
struct Holder {
    items: Option<Vec<ItemView>>,
    indicators: Option<IndicatorTable>,
    outline: Option<OutlineView>,
}

fn section_includes(sections: &[Section], which: Include) -> bool {
    sections.iter().any(|s| {
        s.include.as_ref().map(Spanned::get_ref) == Some(&which)
            || section_includes(&s.sections, which)
    })
}

fn section_view(sec: &Section, level: usize, bodies: &Bodies, holder: &mut Holder) -> SectionView {
    let include = sec.include.as_ref().map(|i| *i.get_ref());
    SectionView {
        anchor: sec.anchor.clone(),
        heading: numbered(sec.number.as_deref(), &sec.title),
        level: level.min(6),
        body_html: sec.body.as_ref().map(|b| bodies.html(b, &sec.title)),
        indicators: match include {
            Some(Include::Indicators) => holder.indicators.take(),
            _ => None,
        },
        items: match include {
            Some(Include::Items) => holder.items.take().unwrap_or_default(),
            _ => Vec::new(),
        },
        outline: match include {
            Some(Include::Outline) => holder.outline.take(),
            _ => None,
        },
        sections: sec
            .sections
            .iter()
            .map(|s| section_view(s, level + 1, bodies, holder))
            .collect(),
    }
}

fn toc_sections(sections: &[SectionView], depth: usize, out: &mut Vec<TocEntry>) {
    for s in sections {
        out.push(TocEntry {
            anchor: s.anchor.clone(),
            label: s.heading.clone(),
            depth,
        });
        if depth == 0 {
            toc_sections(&s.sections, depth + 1, out);
        }
    }
}

fn item_heading(item: &ItemView) -> String {
    let title = if item.title_missing {
        format!("（タイトル{NOT_STATED}）")
    } else {
        item.title.clone()
    };
    match &item.number {
        Some(n) => format!("{} {n} {title}", item.level_name),
        None => format!("{} {title}", item.level_name),
    }
}
