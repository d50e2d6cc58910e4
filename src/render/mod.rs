//! Rendering: turn the validated site into HTML pages with the tera theme.
//!
//! Templates receive plain view structs (below) with everything formatted for display: 和暦
//! labels, grouped numbers, Markdown already converted by [`markdown`]. Tera escapes every
//! value; only the Markdown HTML and the indicator SVG, both built here from escaped text, and
//! JSON-LD made by `opendata::metadata::script_json` are marked safe in the templates.

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};
use toml::Spanned;

pub mod compare;
pub mod crawlers;
mod data;
pub mod describe;
pub mod feeds;
pub mod glance;
pub mod history;
pub mod share;

use crate::config::Config;
use crate::diff::{self, Comparison};
use crate::history::SeriesHistory;
use crate::layout::OutputFile;
use crate::layout::{ACCESSIBILITY_DIR, NOT_FOUND_PAGE, SEARCH_DIR};
use crate::load::{Site, parse_month, split_link};
use crate::markdown;
use crate::model::{
    Edition, Include, Indicator, Item, Labels, Municipality, Section, Series, SeriesKind, Status,
    numbered,
};
use crate::opendata::{self, Export};
use crate::present::{self, NOT_STATED, edition_when, edition_year, stage_key, with_unit};
use crate::shortcode::{Bodies, Expansions};
use crate::template::{TemplateError, Templates};
use crate::theme::{CONTENT_SECURITY_POLICY, Theme};
use crate::wareki;

/// An edition page as the search index takes it: its rendered page and what results show
/// and filter by.
#[derive(Debug, Clone)]
pub struct PageInput {
    /// URL of the page, e.g. `/ueda/seisaku-kikaku/2022/`.
    pub url: String,
    /// Edition title.
    pub title: String,
    /// 令和4年度（2022年度） or the version label.
    pub when: String,
    /// Municipality name.
    pub municipality: String,
    /// Department, if any.
    pub department: Option<String>,
    /// Fiscal year (or first year of the period), if any.
    pub fiscal_year: Option<i32>,
    /// Where the rendered page is among the site's files.
    pub file: usize,
}

/// The rendered site: every page, and the edition pages again as input of the search index.
pub struct Rendered {
    /// Every HTML page.
    pub files: Vec<OutputFile>,
    /// The edition pages with what search shows and filters by; each names its page among
    /// `files`.
    pub editions: Vec<PageInput>,
}

/// Pages rendered by an earlier build, kept by output path with a hash of the theme's
/// templates and the page's context: a page whose context did not change is not rendered again.
#[derive(Default)]
pub struct PageMemo {
    pages: HashMap<String, (u64, Vec<u8>)>,
    rendered: Vec<String>,
}

impl PageMemo {
    /// Output paths of the pages the last build had to render, in build order.
    pub fn rendered(&self) -> &[String] {
        &self.rendered
    }
}

/// Render every page of the site, the compare pages of `comparisons` included, reusing the
/// pages of `memo` whose context is unchanged.
pub fn render_site(
    site: &Site,
    shortcodes: &Expansions,
    theme: &Theme,
    comparisons: &[Comparison],
    export: &Export,
    memo: Option<&mut PageMemo>,
) -> Result<Rendered, TemplateError> {
    let tera = theme.tera()?;
    let base = site.config.base();
    let by_series = diff::by_series(comparisons);
    let mut renderer = Renderer::new(&tera, site, shortcodes, &base, theme, memo);
    let mut editions = Vec::new();
    let municipalities: Vec<MunicipalityView> = site
        .municipalities
        .iter()
        .map(|m| municipality_view(m, &base, &by_series))
        .collect();
    // The home page lists municipalities by 全国地方公共団体コード: by prefecture, then in
    // the order the national list gives (folders are sorted by their romaji names).
    let mut by_code: Vec<&MunicipalityView> = municipalities.iter().collect();
    by_code.sort_by(|a, b| a.code.cmp(&b.code));
    let everything = || {
        site.municipalities
            .iter()
            .flat_map(describe::municipality_editions)
    };
    let site_updated = describe::updated(everything());
    let mut ctx = Context::new();
    ctx.insert("municipalities", &by_code);
    ctx.insert("updated", &site_updated);
    renderer.page("index.html", "index.html", &[], None, ctx)?;
    for (m, mv) in site.municipalities.iter().zip(&municipalities) {
        let mut ctx = Context::new();
        ctx.insert("municipality", mv);
        ctx.insert("organization_jsonld", &organization_jsonld(m, &base));
        ctx.insert("feeds", &renderer.feeds(feeds::municipality_feed(m, &base)));
        ctx.insert("description", &describe::municipality(m));
        ctx.insert(
            "updated",
            &describe::updated(describe::municipality_editions(m)),
        );
        renderer.page(
            "municipality.html",
            &format!("{}/index.html", m.slug),
            &[],
            Some(&m.name),
            ctx,
        )?;
        for (s, sv) in m.series.iter().zip(&mv.series) {
            editions.extend(series_pages(&mut renderer, m, s, sv, &by_series)?);
        }
    }
    data::data_pages(&mut renderer, site, &base, export, &site_updated)?;
    let mut ctx = Context::new();
    ctx.insert(
        "description",
        &describe::site_page(&site.config.title, "全文検索"),
    );
    ctx.insert("updated", &site_updated);
    renderer.page(
        "search.html",
        &format!("{SEARCH_DIR}/index.html"),
        &[],
        Some("検索"),
        ctx,
    )?;
    let mut ctx = Context::new();
    ctx.insert(
        "description",
        &describe::site_page(&site.config.title, "ウェブアクセシビリティ方針"),
    );
    renderer.page(
        "accessibility.html",
        &format!("{ACCESSIBILITY_DIR}/index.html"),
        &[],
        Some("ウェブアクセシビリティ方針"),
        ctx,
    )?;
    renderer.page("404.html", NOT_FOUND_PAGE, &[], None, Context::new())?;
    let files = renderer.finish()?;
    Ok(Rendered { files, editions })
}

/// Render the pages of the series `series` (`municipality/series`): each series page, its
/// edition pages and its compare pages, as [`render_site`] renders them. The preview shows
/// them first after a save, before the rest of the site is made again.
pub fn render_series(
    site: &Site,
    shortcodes: &Expansions,
    theme: &Theme,
    comparisons: &[Comparison],
    series: &[String],
) -> Result<Vec<OutputFile>, TemplateError> {
    let tera = theme.tera()?;
    let base = site.config.base();
    let by_series = diff::by_series(comparisons);
    let mut renderer = Renderer::new(&tera, site, shortcodes, &base, theme, None);
    for path in series {
        let (m, s) = site
            .series(path)
            .ok_or_else(|| format!("no series `{path}`"))?;
        let sv = series_view(m, s, &base, &by_series);
        series_pages(&mut renderer, m, s, &sv, &by_series)?;
    }
    renderer.finish()
}

/// Queue a series' own pages: the series page, its editions' and its comparisons'; returns the
/// edition pages as search input.
fn series_pages(
    renderer: &mut Renderer,
    m: &Municipality,
    s: &Series,
    sv: &SeriesView,
    by_series: &BySeries,
) -> Result<Vec<PageInput>, TemplateError> {
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
    let mut editions = Vec::new();
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
        let page = renderer.page(
            "edition.html",
            &format!("{}/{}/{}/index.html", m.slug, s.slug, e.slug),
            &series_crumbs,
            Some(&view.summary.when),
            ctx,
        )?;
        editions.push(PageInput {
            url: view.summary.url.clone(),
            title: view.summary.title.clone(),
            when: view.summary.when.clone(),
            municipality: m.name.clone(),
            department: view.summary.department.clone(),
            fiscal_year: edition_year(e),
            file: page,
        });
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
    Ok(editions)
}

/// Each item of an edition by anchor: its heading and its history page.
fn goal_links<'a>(
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

struct Renderer<'a> {
    tera: &'a Tera,
    /// The theme, whose templates place render errors.
    theme: &'a Theme,
    config: &'a Config,
    /// The site's expanded shortcodes, which edition pages' bodies show.
    shortcodes: &'a Expansions,
    base: &'a str,
    /// Hash of the theme's templates: a changed template renders every page again.
    theme_hash: u64,
    /// The previous build's pages, and where this build's go (only pages that still exist
    /// are kept).
    memo: Option<(PageMemo, &'a mut PageMemo)>,
    /// Pages queued by [`Renderer::page`], in site order, rendered a batch at a time so that
    /// only a batch of contexts is held at once.
    jobs: Vec<Job>,
    /// Pages rendered so far, in site order.
    files: Vec<OutputFile>,
    /// The site's feed, which every page links.
    site_feed: Option<feeds::FeedLink>,
    /// The image every page is shared with.
    share_image: Option<share::ShareImage>,
}

/// Pages rendered together, in parallel.
const BATCH: usize = 256;

/// A page to render: its template, output path and whole context as JSON.
struct Job {
    template: &'static str,
    path: String,
    context: serde_json::Value,
}

/// Feeds what serde_json writes into a hasher.
struct HashWriter<'a>(&'a mut DefaultHasher);

impl io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a> Renderer<'a> {
    fn new(
        tera: &'a Tera,
        site: &'a Site,
        shortcodes: &'a Expansions,
        base: &'a str,
        theme: &'a Theme,
        memo: Option<&'a mut PageMemo>,
    ) -> Renderer<'a> {
        Renderer {
            tera,
            theme,
            config: &site.config,
            shortcodes,
            base,
            theme_hash: theme.fingerprint(),
            memo: memo.map(|memo| (std::mem::take(memo), memo)),
            jobs: Vec::new(),
            files: Vec::new(),
            site_feed: feeds::site_feed(site),
            share_image: share::share_image(theme, base),
        }
    }

    /// The feeds a page links: `narrower` (its municipality's or series'), then the site's.
    fn feeds(&self, narrower: Option<feeds::FeedLink>) -> Vec<feeds::FeedLink> {
        narrower.into_iter().chain(self.site_feed.clone()).collect()
    }

    /// Queue a page with what every page gets (config, base, breadcrumbs and, for a page
    /// below the home page, their JSON-LD ending at `here`, its own path, the content security
    /// policy, the share image, and the site's feed unless `ctx` names the page's `feeds`),
    /// rendering the queue once it holds a batch; returns its position among the files.
    fn page(
        &mut self,
        template: &'static str,
        path: &str,
        crumbs: &[Crumb],
        here: Option<&str>,
        mut ctx: Context,
    ) -> Result<usize, TemplateError> {
        let page_path = path.trim_end_matches("index.html");
        ctx.insert("config", self.config);
        ctx.insert("base", self.base);
        ctx.insert("breadcrumbs", crumbs);
        if let Some(here) = here {
            let url = format!("{}{page_path}", self.base);
            ctx.insert(
                "breadcrumb_jsonld",
                &breadcrumb_jsonld(self.base, crumbs, here, &url),
            );
        }
        ctx.insert("page_path", page_path);
        ctx.insert("content_security_policy", CONTENT_SECURITY_POLICY);
        ctx.insert("share_image", &self.share_image);
        if !ctx.contains_key("feeds") {
            ctx.insert("feeds", &self.feeds(None));
        }
        self.jobs.push(Job {
            template,
            path: path.to_string(),
            context: ctx.into_json(),
        });
        let position = self.files.len() + self.jobs.len() - 1;
        if self.jobs.len() == BATCH {
            self.flush()?;
        }
        Ok(position)
    }

    /// Render the queued pages, in parallel, in queue order, onto `files`; in the preview a
    /// page whose hash is the memo's is taken from it instead. The error reported is the first
    /// page's in queue order, so it does not depend on scheduling.
    fn flush(&mut self) -> Result<(), TemplateError> {
        let jobs = std::mem::take(&mut self.jobs);
        let (tera, theme_hash) = (self.tera, self.theme_hash);
        let templates = self.theme.templates();
        let Some((old, new)) = &mut self.memo else {
            let files: Vec<OutputFile> = jobs
                .into_par_iter()
                .map(|job| {
                    Ok(OutputFile {
                        contents: render(&templates, tera, job.template, &job.path, job.context)?,
                        path: PathBuf::from(job.path),
                    })
                })
                .collect::<Vec<Result<_, TemplateError>>>()
                .into_iter()
                .collect::<Result<_, TemplateError>>()?;
            self.files.extend(files);
            return Ok(());
        };
        let hashed: Vec<(Job, u64)> = jobs
            .into_par_iter()
            .map(|job| {
                let hash = hash(theme_hash, &job)?;
                Ok((job, hash))
            })
            .collect::<Vec<Result<_, TemplateError>>>()
            .into_iter()
            .collect::<Result<_, TemplateError>>()?;
        let work: Vec<_> = hashed
            .into_iter()
            .map(|(job, hash)| {
                let kept = old.pages.remove(&job.path).filter(|(was, _)| *was == hash);
                (job, hash, kept.map(|(_, contents)| contents))
            })
            .collect();
        let done: Vec<(String, u64, bool, Vec<u8>)> = work
            .into_par_iter()
            .map(|(job, hash, kept)| match kept {
                Some(contents) => Ok((job.path, hash, false, contents)),
                None => render(&templates, tera, job.template, &job.path, job.context)
                    .map(|contents| (job.path, hash, true, contents)),
            })
            .collect::<Vec<Result<_, TemplateError>>>()
            .into_iter()
            .collect::<Result<_, TemplateError>>()?;
        for (path, hash, rendered, contents) in done {
            if rendered {
                new.rendered.push(path.clone());
            }
            new.pages.insert(path.clone(), (hash, contents.clone()));
            self.files.push(OutputFile {
                path: PathBuf::from(path),
                contents,
            });
        }
        Ok(())
    }

    /// Every page, rendered.
    fn finish(mut self) -> Result<Vec<OutputFile>, TemplateError> {
        self.flush()?;
        Ok(self.files)
    }
}

/// A page's hash over the theme, the template and the context (equal contexts serialise to
/// equal bytes: fields and inserts come in a fixed order).
fn hash(theme_hash: u64, job: &Job) -> Result<u64, String> {
    let mut hasher = DefaultHasher::new();
    (theme_hash, job.template).hash(&mut hasher);
    serde_json::to_writer(HashWriter(&mut hasher), &job.context)
        .map_err(|e| format!("cannot hash the context of {}: {e}", job.path))?;
    Ok(hasher.finish())
}

fn render(
    templates: &Templates,
    tera: &Tera,
    template: &str,
    path: &str,
    context: serde_json::Value,
) -> Result<Vec<u8>, TemplateError> {
    let ctx = Context::from_value(context)
        .map_err(|e| format!("cannot make the context of {path}: {e}"))?;
    Ok(templates.render(tera, template, path, &ctx)?.into_bytes())
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

/// A link in the breadcrumb trail.
#[derive(Debug, Clone, Serialize)]
pub struct Crumb {
    /// Link text.
    pub title: String,
    /// Target URL.
    pub url: String,
}

/// schema.org `BreadcrumbList` JSON-LD: the home page, `crumbs`, then the page itself.
fn breadcrumb_jsonld(base: &str, crumbs: &[Crumb], here: &str, url: &str) -> String {
    let home = crumb("ホーム", base);
    let trail = std::iter::once(&home)
        .chain(crumbs)
        .map(|c| (c.title.as_str(), c.url.as_str()))
        .chain([(here, url)]);
    let items: Vec<serde_json::Value> = trail
        .enumerate()
        .map(|(i, (name, url))| {
            serde_json::json!({"@type": "ListItem", "position": i + 1, "name": name, "item": url})
        })
        .collect();
    opendata::metadata::script_json(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": items,
    }))
}

/// schema.org `GovernmentOrganization` JSON-LD for a municipality page: its name, prefecture
/// and 全国地方公共団体コード.
fn organization_jsonld(m: &Municipality, base: &str) -> String {
    opendata::metadata::script_json(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "name": m.name,
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "全国地方公共団体コード",
            "value": m.code.get_ref(),
        },
        "address": {"@type": "PostalAddress", "addressRegion": m.prefecture, "addressCountry": "JP"},
        "url": format!("{base}{}/", m.slug),
    }))
}

fn crumb(title: &str, url: &str) -> Crumb {
    Crumb {
        title: title.to_string(),
        url: url.to_string(),
    }
}

/// A municipality as listed on the home page and its own page.
#[derive(Debug, Serialize)]
pub struct MunicipalityView {
    /// 上田市.
    pub name: String,
    /// 長野県.
    pub prefecture: String,
    /// 全国地方公共団体コード.
    pub code: String,
    /// Page URL.
    pub url: String,
    /// Its series.
    pub series: Vec<SeriesView>,
}

/// A series with its editions, for lists and the series page.
#[derive(Debug, Serialize)]
pub struct SeriesView {
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
pub struct CompareLink {
    /// 平成29年度 → 平成30年度.
    pub title: String,
    /// Page URL.
    pub url: String,
    /// Whether the editions are consecutive fiscal years (前年度／次年度) rather than other
    /// editions (前の版／次の版).
    pub yearly: bool,
}

/// An edition as listed on series and home pages.
#[derive(Debug, Clone, Serialize)]
pub struct EditionSummary {
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

/// Comparisons by series path, as [`diff::by_series`] groups them.
type BySeries<'a> = HashMap<&'a str, Vec<&'a Comparison>>;

fn municipality_view(m: &Municipality, base: &str, by_series: &BySeries) -> MunicipalityView {
    MunicipalityView {
        name: m.name.clone(),
        prefecture: m.prefecture.clone(),
        code: m.code.get_ref().clone(),
        url: format!("{base}{}/", m.slug),
        series: m
            .series
            .iter()
            .map(|s| series_view(m, s, base, by_series))
            .collect(),
    }
}

fn series_view(m: &Municipality, s: &Series, base: &str, by_series: &BySeries) -> SeriesView {
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

fn edition_summary(m: &Municipality, s: &Series, e: &Edition, base: &str) -> EditionSummary {
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
pub struct EditionPage {
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
pub struct SourceLink {
    /// Its address.
    pub url: String,
    /// Its name: `source_title`, else the document's name, else the edition's title.
    pub title: String,
}

/// The official document of `e`, when the content names its address.
pub fn source_link(e: &Edition) -> Option<SourceLink> {
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
pub struct TocEntry {
    /// Anchor.
    pub anchor: String,
    /// Heading text.
    pub label: String,
    /// Nesting depth, 0 outermost.
    pub depth: usize,
}

/// A prose section.
#[derive(Debug, Serialize)]
pub struct SectionView {
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

/// One item of the plan tree.
#[derive(Debug, Serialize)]
pub struct ItemView {
    /// Anchor.
    pub anchor: String,
    /// Level name, e.g. 重点目標.
    pub level_name: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Title, or 記載なし.
    pub title: String,
    /// Whether the title is missing in the source.
    pub title_missing: bool,
    /// `h2`…`h6`.
    pub level: usize,
    /// Rendered body Markdown.
    pub body_html: Option<String>,
    /// Columns with list entries (actions, targets, progress, results), in table order.
    pub fields: Vec<FieldView>,
    /// Short facts: evaluation, owner, status.
    pub facts: Vec<FactView>,
    /// Cross reference.
    pub see: Option<SeeView>,
    /// Schedule cells in year order.
    pub schedule: Vec<ScheduleCell>,
    /// 取組主体 marks in the series' order.
    pub actors: Vec<ActorMark>,
    /// Indicators.
    pub indicators: Option<IndicatorTable>,
    /// Children.
    pub children: Vec<ItemView>,
    /// The page of this goal through the editions.
    pub history_url: Option<String>,
}

/// A labelled list of entries.
#[derive(Debug, Serialize)]
pub struct FieldView {
    /// Column heading.
    pub label: String,
    /// Entries as printed; empty means 記載なし.
    pub entries: Vec<String>,
}

/// A labelled short value.
#[derive(Debug, Serialize)]
pub struct FactView {
    /// Heading.
    pub label: String,
    /// Value, or 記載なし.
    pub value: String,
}

/// A cross reference.
#[derive(Debug, Serialize)]
pub struct SeeView {
    /// Heading.
    pub label: String,
    /// Text as printed.
    pub text: String,
    /// Link, when the target is in the site.
    pub href: Option<String>,
}

/// One year of a schedule.
#[derive(Debug, Serialize)]
pub struct ScheduleCell {
    /// 令和6年度.
    pub year: String,
    /// 実施, 検討, →.
    pub value: String,
}

/// One 取組主体 mark.
#[derive(Debug, Serialize)]
pub struct ActorMark {
    /// 市民等.
    pub actor: String,
    /// ◎, ○ or empty.
    pub mark: String,
    /// What the mark means, for screen readers and print.
    pub meaning: &'static str,
}

/// A group of indicators under one caption.
#[derive(Debug, Serialize)]
pub struct IndicatorTable {
    /// Caption: the edition's indicators label, e.g. 施策評価指標.
    pub caption: String,
    /// Whether the source gives names only (no unit or value anywhere): shown as a list.
    pub names_only: bool,
    /// The value columns the table has: only those some indicator gives, so a column the
    /// document never fills (a plan's 実績) is not a column of 記載なし.
    pub columns: IndicatorColumns,
    /// The indicators.
    pub rows: Vec<IndicatorView>,
}

/// Which of an indicator table's value columns some row gives.
#[derive(Debug, Serialize)]
pub struct IndicatorColumns {
    /// 単位.
    pub unit: bool,
    /// 現状.
    pub baseline: bool,
    /// 実績.
    pub actual: bool,
    /// 目標.
    pub target: bool,
}

fn indicator_table(indicators: &[Indicator], labels: &Labels) -> Option<IndicatorTable> {
    if indicators.is_empty() {
        return None;
    }
    let names_only = indicators.iter().all(|i| {
        i.unit.is_none() && i.baseline.is_none() && i.target.is_none() && i.actual.is_empty()
    });
    let columns = IndicatorColumns {
        unit: indicators.iter().any(|i| i.unit.is_some()),
        baseline: indicators.iter().any(|i| i.baseline.is_some()),
        actual: indicators.iter().any(|i| !i.actual.is_empty()),
        target: indicators.iter().any(|i| i.target.is_some()),
    };
    Some(IndicatorTable {
        caption: labels.indicators.clone().unwrap_or_default(),
        names_only,
        columns,
        rows: indicators.iter().map(indicator_view).collect(),
    })
}

/// An indicator with its numbers formatted and its chart drawn.
#[derive(Debug, Serialize)]
pub struct IndicatorView {
    /// Anchor.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: Option<String>,
    /// 現状: (year label, value text).
    pub baseline: Option<PointView>,
    /// 目標.
    pub target: Option<PointView>,
    /// Reported values.
    pub actual: Vec<PointView>,
    /// Remark.
    pub note: Option<String>,
    /// Inline SVG chart, when there are at least two numbers to place.
    pub chart_svg: Option<String>,
}

/// A formatted value.
#[derive(Debug, Serialize)]
pub struct PointView {
    /// When: 令和4年度 or 9月末.
    pub when: Option<String>,
    /// The number with its unit, or 記載なし.
    pub value: String,
}

/// The outline chart (体系図).
#[derive(Debug, Serialize)]
pub struct OutlineView {
    /// Column headings below the top level.
    pub columns: Vec<String>,
    /// 取組主体 columns.
    pub actors: Vec<String>,
    /// Heading of the actors group.
    pub actors_label: String,
    /// One group per top-level item.
    pub groups: Vec<OutlineGroup>,
}

/// A top-level item and the rows under it.
#[derive(Debug, Serialize)]
pub struct OutlineGroup {
    /// Heading of the group, e.g. 基本方針1 協働のための人づくり.
    pub heading: String,
    /// Link to the item.
    pub anchor: String,
    /// Rows, one per deepest item.
    pub rows: Vec<OutlineRow>,
}

/// One row of the outline chart.
#[derive(Debug, Serialize)]
pub struct OutlineRow {
    /// Cells that start at this row (ancestors spanning several rows appear once).
    pub cells: Vec<OutlineCell>,
    /// Marks in the order of the series' actors.
    pub marks: Vec<ActorMark>,
}

/// A cell of the outline chart.
#[derive(Debug, Serialize)]
pub struct OutlineCell {
    /// Number and title as the chart prints them.
    pub text: String,
    /// Link to the item.
    pub anchor: String,
    /// Rows the cell spans.
    pub rowspan: usize,
    /// Whether this is the row's own (deepest) item.
    pub leaf: bool,
}

struct EditionContext<'a> {
    /// Each item's history key, by anchor.
    keys: &'a HashMap<&'a str, &'a str>,
    /// Where the series' history pages are: `…/<series>/history/`.
    history_dir: String,
    labels: Labels,
    levels: &'a [String],
    actors: &'a [String],
    base: &'a str,
    /// The edition's bodies with their shortcodes expanded.
    bodies: &'a Bodies,
    used: Vec<BTreeSet<&'static str>>,
}

fn edition_page(
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

/// Record which fields items use at each depth, so a missing one can say 記載なし.
fn collect_used(items: &[Spanned<Item>], depth: usize, used: &mut Vec<BTreeSet<&'static str>>) {
    if used.len() <= depth {
        used.resize(depth + 1, BTreeSet::new());
    }
    for item in items {
        let item = item.get_ref();
        let set = &mut used[depth];
        for (name, present) in [
            ("actions", !item.actions.is_empty()),
            ("targets", !item.targets.is_empty()),
            ("progress", !item.progress.is_empty()),
            ("results", !item.results.is_empty()),
            ("evaluation", item.evaluation.is_some()),
        ] {
            if present {
                set.insert(name);
            }
        }
        collect_used(&item.items, depth + 1, used);
    }
}

fn item_view(cx: &EditionContext, item: &Item, depth: usize, level: usize) -> ItemView {
    let used = cx.used.get(depth).cloned().unwrap_or_default();
    let label = |l: &Option<String>| l.clone().unwrap_or_default();
    let mut fields = Vec::new();
    for (key, entries, heading) in [
        ("actions", &item.actions, &cx.labels.actions),
        ("targets", &item.targets, &cx.labels.targets),
        ("progress", &item.progress, &cx.labels.progress),
        ("results", &item.results, &cx.labels.results),
    ] {
        if !entries.is_empty() || (used.contains(key) && item.see.is_none()) {
            fields.push(FieldView {
                label: label(heading),
                entries: entries.clone(),
            });
        }
    }
    let mut facts = Vec::new();
    if item.evaluation.is_some() || used.contains("evaluation") {
        facts.push(FactView {
            label: label(&cx.labels.evaluation),
            value: item
                .evaluation
                .clone()
                .unwrap_or_else(|| NOT_STATED.to_string()),
        });
    }
    for (value, heading) in [
        (&item.owner, &cx.labels.owner),
        (&item.status, &cx.labels.status),
    ] {
        if let Some(value) = value {
            facts.push(FactView {
                label: label(heading),
                value: value.clone(),
            });
        }
    }
    let see = item.see.as_ref().map(|see| SeeView {
        label: label(&cx.labels.see),
        text: see.text.clone(),
        href: see.link.as_ref().map(|l| {
            let (path, anchor) = split_link(l.get_ref());
            let page = if path.is_empty() {
                String::new()
            } else {
                format!("{}{path}/", cx.base)
            };
            match anchor {
                Some(a) => format!("{page}#{a}"),
                None => page,
            }
        }),
    });
    ItemView {
        anchor: item.anchor.clone(),
        level_name: cx.levels.get(depth).cloned().unwrap_or_default(),
        number: item.number.clone(),
        title: item.title.clone().unwrap_or_else(|| NOT_STATED.to_string()),
        title_missing: item.title.is_none(),
        level: level.min(6),
        body_html: item.body.as_ref().map(|b| {
            cx.bodies
                .html(b, item.title.as_deref().unwrap_or(NOT_STATED))
        }),
        fields,
        facts,
        see,
        schedule: item
            .schedule_years
            .iter()
            .map(|(y, v)| ScheduleCell {
                year: wareki::fiscal_year_label(*y),
                value: v.clone(),
            })
            .collect(),
        actors: actor_marks(cx.actors, item),
        indicators: indicator_table(&item.indicators, &cx.labels),
        children: item
            .items
            .iter()
            .map(|c| item_view(cx, c.get_ref(), depth + 1, level + 1))
            .collect(),
        history_url: cx
            .keys
            .get(item.anchor.as_str())
            .map(|k| format!("{}{k}/", cx.history_dir)),
    }
}

fn actor_marks(actors: &[String], item: &Item) -> Vec<ActorMark> {
    if item.actors.is_empty() {
        return Vec::new();
    }
    actors
        .iter()
        .map(|actor| {
            let mark = item
                .actors
                .iter()
                .find(|(k, _)| k.get_ref() == actor)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let meaning = match mark.as_str() {
                "◎" => "先導的に取り組む",
                "○" => "参加・協力する",
                "" => "なし",
                _ => "",
            };
            ActorMark {
                actor: actor.clone(),
                mark,
                meaning,
            }
        })
        .collect()
}

fn outline_view(cx: &EditionContext, items: &[Spanned<Item>]) -> Option<OutlineView> {
    fn has_actors(items: &[Spanned<Item>]) -> bool {
        items
            .iter()
            .any(|i| !i.get_ref().actors.is_empty() || has_actors(&i.get_ref().items))
    }
    if !has_actors(items) {
        return None;
    }
    fn leaves(item: &Item) -> usize {
        if item.items.is_empty() {
            1
        } else {
            item.items.iter().map(|c| leaves(c.get_ref())).sum()
        }
    }
    fn rows(
        cx: &EditionContext,
        item: &Item,
        mut pending: Vec<OutlineCell>,
        out: &mut Vec<OutlineRow>,
    ) {
        let (number, title) = match &item.outline {
            Some(o) => (o.number.as_deref(), o.title.clone()),
            None => (
                item.number.as_deref(),
                item.title.clone().unwrap_or_default(),
            ),
        };
        pending.push(OutlineCell {
            text: numbered(number, &title),
            anchor: item.anchor.clone(),
            rowspan: leaves(item),
            leaf: item.items.is_empty(),
        });
        if item.items.is_empty() {
            out.push(OutlineRow {
                cells: pending,
                marks: actor_marks(cx.actors, item),
            });
        } else {
            let mut first = Some(pending);
            for child in &item.items {
                rows(cx, child.get_ref(), first.take().unwrap_or_default(), out);
            }
        }
    }
    let groups = items
        .iter()
        .map(|top| {
            let top = top.get_ref();
            let mut out = Vec::new();
            for child in &top.items {
                rows(cx, child.get_ref(), Vec::new(), &mut out);
            }
            OutlineGroup {
                heading: numbered(top.number.as_deref(), top.title.as_deref().unwrap_or("")),
                anchor: top.anchor.clone(),
                rows: out,
            }
        })
        .collect();
    Some(OutlineView {
        columns: cx.levels.iter().skip(1).cloned().collect(),
        actors: cx.actors.to_vec(),
        actors_label: cx.labels.actors.clone().unwrap_or_default(),
        groups,
    })
}

fn indicator_view(ind: &Indicator) -> IndicatorView {
    let point = |p: &crate::model::Point| PointView {
        when: p.year.map(|y| wareki::fiscal_year_label(y.0)),
        value: p
            .value
            .map_or_else(|| NOT_STATED.to_string(), |v| with_unit(v, ind)),
    };
    IndicatorView {
        anchor: ind.anchor.clone(),
        number: ind.number.clone(),
        name: ind.name.clone(),
        unit: ind.unit.clone(),
        baseline: ind.baseline.as_ref().map(point),
        target: ind.target.as_ref().map(point),
        actual: ind
            .actual
            .iter()
            .map(|a| PointView {
                when: a.as_of.clone(),
                value: with_unit(a.value, ind),
            })
            .collect(),
        note: ind.note.clone(),
        chart_svg: present::indicator_svg(ind),
    }
}
