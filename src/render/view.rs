//! What every page shares: the [`Renderer`] that queues and renders pages (with the memo of
//! the preview), breadcrumbs and their JSON-LD.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io;
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::{PageInput, PageMemo, RenderedPage, feeds, share};
use crate::config::Config;
use crate::diff::Comparison;
use crate::layout::OutputFile;
use crate::load::Site;
use crate::opendata;
use crate::shortcode::Expansions;
use crate::template::Templates;

use super::RenderError;
use crate::theme::{CONTENT_SECURITY_POLICY, Theme};

/// Queues pages with what every page gets and renders them a batch at a time, in parallel.
pub(super) struct Renderer<'a> {
    tera: &'a Tera,
    /// The theme, whose templates place render errors.
    theme: &'a Theme,
    config: &'a Config,
    /// The site's expanded shortcodes, which edition pages' bodies show.
    pub(super) shortcodes: &'a Expansions,
    /// The site's base URL.
    pub(super) base: &'a str,
    /// Hash of the theme's templates: a changed template renders every page again.
    theme_hash: u64,
    /// The previous build's pages, and where this build's go (only pages that still exist
    /// are kept).
    memo: Option<(PageMemo, &'a mut PageMemo)>,
    /// Pages queued by [`Renderer::page`], in site order, rendered a batch at a time so that
    /// only a batch of contexts is held at once.
    jobs: Vec<Job>,
    /// Pages rendered and not yet taken, in site order.
    done: Vec<RenderedPage>,
    /// The site's feed, which every page links.
    site_feed: Option<feeds::FeedLink>,
    /// The image every page is shared with.
    share_image: Option<share::ShareImage>,
}

/// Pages rendered together, in parallel.
const BATCH: usize = 256;

/// A page to render: its template, output path and whole context as JSON, and for an edition
/// page what search takes of it.
struct Job {
    template: &'static str,
    path: String,
    context: serde_json::Value,
    edition: Option<PageInput>,
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
    /// A renderer of `site`'s pages with `theme`, keeping them in `memo` when the preview
    /// gives one.
    pub(super) fn new(
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
            memo: memo.map(|memo| {
                let old = std::mem::take(memo);
                memo.output = old.output.clone();
                (old, memo)
            }),
            jobs: Vec::new(),
            done: Vec::new(),
            site_feed: feeds::site_feed(site),
            share_image: share::share_image(theme, base),
        }
    }

    /// The feeds a page links: `narrower` (its municipality's or series'), then the site's.
    pub(super) fn feeds(&self, narrower: Option<feeds::FeedLink>) -> Vec<feeds::FeedLink> {
        narrower.into_iter().chain(self.site_feed.clone()).collect()
    }

    /// Queue a page with what every page gets (config, base, breadcrumbs and, for a page
    /// below the home page, their JSON-LD ending at `here`, its own path, the content security
    /// policy, the share image, and the site's feed unless `ctx` names the page's `feeds`),
    /// rendering the queue once it holds a batch.
    pub(super) fn page(
        &mut self,
        template: &'static str,
        path: &str,
        crumbs: &[Crumb],
        here: Option<&str>,
        ctx: Context,
    ) -> Result<(), RenderError> {
        self.queue(template, path, crumbs, here, ctx, None)
    }

    /// Queue an edition page as [`Renderer::page`] does, with what search takes of it.
    pub(super) fn edition_page(
        &mut self,
        path: &str,
        crumbs: &[Crumb],
        here: &str,
        ctx: Context,
        edition: PageInput,
    ) -> Result<(), RenderError> {
        self.queue("edition.html", path, crumbs, Some(here), ctx, Some(edition))
    }

    fn queue(
        &mut self,
        template: &'static str,
        path: &str,
        crumbs: &[Crumb],
        here: Option<&str>,
        mut ctx: Context,
        edition: Option<PageInput>,
    ) -> Result<(), RenderError> {
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
            edition,
        });
        if self.jobs.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    /// Render the queued pages, in parallel, in queue order, onto `done`; in the preview a
    /// page whose hash is the memo's is taken from it instead. The error reported is the first
    /// page's in queue order, so it does not depend on scheduling.
    fn flush(&mut self) -> Result<(), RenderError> {
        let jobs = std::mem::take(&mut self.jobs);
        let (tera, theme_hash) = (self.tera, self.theme_hash);
        let templates = self.theme.templates();
        let Some((old, new)) = &mut self.memo else {
            let pages: Vec<RenderedPage> = jobs
                .into_par_iter()
                .map(|job| {
                    Ok(RenderedPage {
                        file: OutputFile {
                            contents: render(
                                &templates,
                                tera,
                                job.template,
                                &job.path,
                                job.context,
                            )?,
                            path: PathBuf::from(job.path),
                        },
                        edition: job.edition,
                    })
                })
                .collect::<Vec<Result<_, RenderError>>>()
                .into_iter()
                .collect::<Result<_, RenderError>>()?;
            self.done.extend(pages);
            return Ok(());
        };
        let hashed: Vec<(Job, u64)> = jobs
            .into_par_iter()
            .map(|job| {
                let hash = hash(theme_hash, &job)?;
                Ok((job, hash))
            })
            .collect::<Vec<Result<_, RenderError>>>()
            .into_iter()
            .collect::<Result<_, RenderError>>()?;
        let work: Vec<_> = hashed
            .into_iter()
            .map(|(job, hash)| {
                let kept = old.pages.remove(&job.path).filter(|(was, _)| *was == hash);
                (job, hash, kept.map(|(_, kept)| kept))
            })
            .collect();
        let old = &*old;
        let done: Vec<(RenderedPage, u64, bool)> = work
            .into_par_iter()
            .map(|(job, hash, kept)| {
                let Job {
                    template,
                    path,
                    context,
                    edition,
                } = job;
                let (contents, rendered) = match kept.and_then(|kept| old.bytes(&path, kept)) {
                    Some(contents) => (contents, false),
                    None => (render(&templates, tera, template, &path, context)?, true),
                };
                let file = OutputFile {
                    path: PathBuf::from(path),
                    contents,
                };
                Ok((RenderedPage { file, edition }, hash, rendered))
            })
            .collect::<Vec<Result<_, RenderError>>>()
            .into_iter()
            .collect::<Result<_, RenderError>>()?;
        for (page, hash, rendered) in done {
            let path = page.file.path.to_string_lossy().into_owned();
            if rendered {
                new.rendered.push(path.clone());
            }
            new.pages
                .insert(path, (hash, new.keep(&page.file.contents)));
            self.done.push(page);
        }
        Ok(())
    }

    /// The pages rendered since the last call, in site order (pages still queued stay
    /// queued).
    pub(super) fn take(&mut self) -> Vec<RenderedPage> {
        std::mem::take(&mut self.done)
    }

    /// Every page not yet taken, rendered.
    pub(super) fn finish(mut self) -> Result<Vec<RenderedPage>, RenderError> {
        self.flush()?;
        Ok(self.done)
    }
}

/// A page's hash over the theme, the template and the context (equal contexts serialise to
/// equal bytes: fields and inserts come in a fixed order).
fn hash(theme_hash: u64, job: &Job) -> Result<u64, RenderError> {
    let mut hasher = DefaultHasher::new();
    (theme_hash, job.template).hash(&mut hasher);
    serde_json::to_writer(HashWriter(&mut hasher), &job.context).map_err(|e| {
        RenderError::Context {
            path: job.path.clone(),
            detail: e.to_string(),
        }
    })?;
    Ok(hasher.finish())
}

fn render(
    templates: &Templates,
    tera: &Tera,
    template: &str,
    path: &str,
    context: serde_json::Value,
) -> Result<Vec<u8>, RenderError> {
    let ctx = Context::from_value(context).map_err(|e| RenderError::Context {
        path: path.to_string(),
        detail: e.to_string(),
    })?;
    Ok(templates.render(tera, template, path, &ctx)?.into_bytes())
}

/// A link in the breadcrumb trail.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Crumb {
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

/// A breadcrumb to `url`, titled `title`.
pub(super) fn crumb(title: &str, url: &str) -> Crumb {
    Crumb {
        title: title.to_string(),
        url: url.to_string(),
    }
}

/// Comparisons by series path, as [`diff::by_series`](crate::diff::by_series) groups them.
pub(super) type BySeries<'a> = HashMap<&'a str, Vec<&'a Comparison>>;
