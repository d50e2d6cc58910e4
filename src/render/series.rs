//! The series page and the pages below it (editions, compare pages, history pages), as
//! [`series_pages`] queues them; the series' view for lists.

use std::collections::HashMap;

use serde::Serialize;
use tera::Context;

use super::RenderError;
use super::edition::{EditionSummary, edition_page, edition_summary};
use super::view::{BySeries, Renderer, crumb};
use super::{PageInput, compare, describe, feeds, glance, history};
use crate::history::SeriesHistory;
use crate::markdown;
use crate::model::{Edition, Municipality, Series, SeriesKind};
use crate::opendata;
use crate::present::{edition_when, edition_year};

/// Queue a series' own pages: the series page, its editions' (with what search takes of
/// them) and its comparisons'.
pub(super) fn series_pages(
    renderer: &mut Renderer,
    m: &Municipality,
    s: &Series,
    sv: &SeriesView,
    by_series: &BySeries,
) -> Result<(), RenderError> {
    let base = renderer.base;
    let municipality_url = format!("{base}{}/", m.slug);
    let crumbs = vec![crumb(&m.name, &municipality_url)];
    // Pages below the municipality get its name and URL only, and pages below a series the
    // series' title and URL only: with the whole views, every page of a municipality would
    // depend on every edition title in it (and the preview would render them all again).
    let municipality_link = MunicipalityLink {
        name: &m.name,
        url: &municipality_url,
    };
    let series_link = SeriesLink {
        title: &sv.title,
        url: &sv.url,
    };
    let feeds = renderer.feeds(feeds::series_feed(m, s, base));
    let path = format!("{}/{}", m.slug, s.slug);
    let compared = by_series
        .get(path.as_str())
        .map(Vec::as_slice)
        .unwrap_or_default();
    let chains = SeriesHistory::of(s, compared);
    let keys = chains.goal_keys(s.editions.len());
    let urls: Vec<String> = sv.editions.iter().map(|e| e.url.clone()).collect();
    let mut ctx = Context::new();
    ctx.insert("feeds", &feeds);
    ctx.insert("municipality", &municipality_link);
    ctx.insert("series", sv);
    ctx.insert("counts", &glance::series_counts(s, &urls));
    let latest = s
        .editions
        .iter()
        .zip(&keys)
        .zip(&urls)
        .rev()
        .find_map(|((e, keys), url)| {
            let caption = format!("指標（{}の版）", edition_when(e).0);
            glance::indicator_glance(e, url, caption, &goal_links(m, s, e, keys, base))
        });
    ctx.insert("indicator_glance", &latest);
    ctx.insert(
        "description_html",
        &s.description
            .as_deref()
            .map(|d| markdown::to_html(d, &sv.title)),
    );
    let series_updated = describe::updated(&s.editions);
    if let (Some(first), Some(last)) = (sv.editions.first(), sv.editions.last()) {
        ctx.insert(
            "description",
            &describe::series(m, s, &first.when, &last.when),
        );
    }
    ctx.insert("updated", &series_updated);
    renderer.page(
        "series.html",
        &format!("{}/{}/index.html", m.slug, s.slug),
        &crumbs,
        Some(&sv.title),
        ctx,
    )?;
    let series_crumbs = [crumbs.clone(), vec![crumb(&sv.title, &sv.url)]].concat();
    for (i, e) in s.editions.iter().enumerate() {
        let view = edition_page(m, s, e, renderer.shortcodes.bodies(e), base, &keys[i]);
        let mut ctx = Context::new();
        ctx.insert("feeds", &feeds);
        ctx.insert("municipality", &municipality_link);
        ctx.insert("series", &series_link);
        ctx.insert("edition", &view);
        ctx.insert("previous", &i.checked_sub(1).map(|p| &sv.editions[p]));
        ctx.insert("next", &sv.editions.get(i + 1));
        ctx.insert(
            "compare_previous",
            &i.checked_sub(1).map(|p| &sv.compares[p]),
        );
        ctx.insert("compare_next", &sv.compares.get(i));
        let [items_csv, texts_csv] = opendata::series_csv_paths(&format!("{}/{}", m.slug, s.slug));
        let data: Vec<String> = [
            opendata::edition_json_path(&format!("{}/{}/{}", m.slug, s.slug, e.slug)),
            items_csv,
            texts_csv,
        ]
        .iter()
        .map(|p| format!("{base}{p}"))
        .collect();
        ctx.insert("data_urls", &data);
        ctx.insert(
            "description",
            &describe::edition(m, e, &view.summary.when, view.summary.stage),
        );
        ctx.insert("updated", &describe::updated([e]));
        let input = PageInput {
            url: view.summary.url.clone(),
            title: view.summary.title.clone(),
            when: view.summary.when.clone(),
            municipality: m.name.clone(),
            department: view.summary.department.clone(),
            fiscal_year: edition_year(e),
        };
        renderer.edition_page(
            &format!("{}/{}/{}/index.html", m.slug, s.slug, e.slug),
            &series_crumbs,
            &view.summary.when,
            ctx,
            input,
        )?;
    }
    for c in compared {
        let view = compare::compare_page(c, base);
        let here = format!("比較：{}", view.title);
        let mut ctx = Context::new();
        ctx.insert("feeds", &feeds);
        ctx.insert("municipality", &municipality_link);
        ctx.insert("series", &series_link);
        ctx.insert(
            "description",
            &describe::compare(m, s, &view.old.when, &view.new.when, &view.total.counts),
        );
        ctx.insert("updated", &series_updated);
        ctx.insert("compare", &view);
        renderer.page(
            "compare.html",
            &format!("{}index.html", c.path()),
            &series_crumbs,
            Some(&here),
            ctx,
        )?;
    }
    for (path, heading, view) in history::history_pages(m, s, &chains, base) {
        let here = format!("経過：{heading}");
        let mut ctx = Context::new();
        ctx.insert("municipality", &municipality_link);
        ctx.insert("series", &series_link);
        ctx.insert("history", &view);
        ctx.insert("feeds", &feeds);
        ctx.insert("description", &describe::history(m, s, &heading));
        ctx.insert("updated", &series_updated);
        renderer.page("history.html", &path, &series_crumbs, Some(&here), ctx)?;
    }
    Ok(())
}

/// Each item of an edition by anchor: its heading and its history page.
pub(super) fn goal_links<'a>(
    m: &Municipality,
    s: &Series,
    e: &'a Edition,
    keys: &HashMap<&str, &str>,
    base: &str,
) -> HashMap<&'a str, (String, Option<String>)> {
    crate::history::items_by_anchor(e)
        .into_iter()
        .map(|(anchor, placed)| {
            let url = keys
                .get(anchor)
                .map(|k| history::history_url(base, m, s, k));
            (anchor, (history::heading(s, &placed), url))
        })
        .collect()
}

/// A municipality as the pages below it see it.
#[derive(Serialize)]
struct MunicipalityLink<'a> {
    name: &'a str,
    url: &'a str,
}

/// A series as the pages below it see it.
#[derive(Serialize)]
struct SeriesLink<'a> {
    title: &'a str,
    url: &'a str,
}

/// A series with its editions, for lists and the series page.
#[derive(Debug, Serialize)]
pub(super) struct SeriesView {
    /// Title.
    pub title: String,
    /// 重点目標 or 計画.
    pub kind_label: &'static str,
    /// Department of the latest edition (or of the series).
    pub department: Option<String>,
    /// Page URL.
    pub url: String,
    /// Editions, oldest first.
    pub editions: Vec<EditionSummary>,
    /// Compare pages of consecutive editions, oldest first.
    pub compares: Vec<CompareLink>,
    /// The latest edition's counts in a line, for the municipality page.
    pub short: Option<String>,
}

/// A link to the compare page of two consecutive editions.
#[derive(Debug, Clone, Serialize)]
pub(super) struct CompareLink {
    /// 平成29年度 → 平成30年度.
    pub title: String,
    /// Page URL.
    pub url: String,
    /// Whether the editions are consecutive fiscal years (前年度／次年度) rather than other
    /// editions (前の版／次の版).
    pub yearly: bool,
}

/// A series with its editions and compare pages.
pub(super) fn series_view(
    m: &Municipality,
    s: &Series,
    base: &str,
    by_series: &BySeries,
) -> SeriesView {
    let path = format!("{}/{}", m.slug, s.slug);
    let editions: Vec<EditionSummary> = s
        .editions
        .iter()
        .map(|e| edition_summary(m, s, e, base))
        .collect();
    SeriesView {
        title: s.title.clone(),
        kind_label: match s.kind {
            SeriesKind::PriorityGoals => "重点目標",
            SeriesKind::Plan => "計画",
        },
        department: editions
            .last()
            .and_then(|e| e.department.clone())
            .or_else(|| s.department.clone()),
        url: format!("{base}{}/{}/", m.slug, s.slug),
        editions,
        compares: by_series
            .get(path.as_str())
            .into_iter()
            .flatten()
            .map(|c| CompareLink {
                title: format!("{} → {}", c.old.when, c.new.when),
                url: format!("{base}{}", c.path()),
                yearly: matches!((c.old.fiscal_year, c.new.fiscal_year), (Some(a), Some(b)) if b == a + 1),
            })
            .collect(),
        short: glance::short_counts(s),
    }
}
