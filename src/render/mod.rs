//! Rendering: turn the validated site into HTML pages with the tera theme.
//!
//! Templates receive plain view structs (the page kinds' modules below) with everything
//! formatted for display: 和暦 labels, grouped numbers, Markdown already converted by
//! [`markdown`](crate::markdown). Tera escapes every value; only the Markdown HTML and the
//! indicator SVG, both built here from escaped text, and JSON-LD made by
//! `opendata::metadata::script_json` are marked safe in the templates.

use std::collections::HashMap;
use std::path::PathBuf;

pub mod compare;
pub mod crawlers;
mod data;
pub mod describe;
mod edition;
pub mod feeds;
pub mod glance;
pub mod history;
mod home;
pub mod indicator_history;
mod indicators;
mod items;
mod municipality;
mod outline;
mod series;
pub mod share;
mod site_pages;
mod view;

// The history page shows an edition's fields as its items do (`history::HistoryEdition`).
pub use items::FieldView;

use crate::cache::{content_hash, read_back};
use crate::diagnostic::{Diagnostic, Message};
use crate::diff::{self, Comparison};
use crate::layout::OutputFile;
use crate::load::Site;
use crate::opendata::Export;
use crate::shortcode::Expansions;
use crate::theme::Theme;
use municipality::{MunicipalityView, municipality_view};
use series::{series_pages, series_view};
use view::Renderer;

/// Why the pages could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A template of the theme cannot be parsed or rendered, at its place in the template.
    #[error("{}", .0.message)]
    Theme(Diagnostic),
    /// A page's context could not be handed to the templates.
    #[error("cannot make the context of {path}: {detail}")]
    Context {
        /// The page.
        path: String,
        /// What serde or tera said.
        detail: String,
    },
    /// The preview asked for a series the site does not have.
    #[error("no series `{0}`")]
    UnknownSeries(String),
    /// The share card image could not be encoded.
    #[error("cannot make {}: {}", crate::layout::SHARE_IMAGE, .0)]
    ShareImage(#[from] png::EncodingError),
}

impl From<Diagnostic> for RenderError {
    fn from(d: Diagnostic) -> Self {
        RenderError::Theme(d)
    }
}

impl RenderError {
    /// What went wrong, in English (the `Display`) and in Japanese; a theme's problem is a
    /// [`Diagnostic`] of its own, which callers show with its place.
    pub fn message(&self) -> Message {
        let ja = match self {
            RenderError::Theme(d) => d.japanese.clone(),
            RenderError::Context { path, detail } => {
                format!("{path} のテンプレートに渡す値を作れません: {detail}")
            }
            RenderError::UnknownSeries(path) => format!("シリーズ `{path}` がありません"),
            RenderError::ShareImage(e) => {
                format!(
                    "共有用の画像 {} を作れません: {e}",
                    crate::layout::SHARE_IMAGE
                )
            }
        };
        Message::new(self.to_string(), ja)
    }
}

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
}

/// A rendered page and, for an edition page, what the search index takes of it.
pub struct RenderedPage {
    /// The page.
    pub file: OutputFile,
    /// For an edition page, what search shows and filters by.
    pub edition: Option<PageInput>,
}

/// Pages rendered by an earlier build, kept by output path with a hash of the theme's
/// templates and the page's context: a page whose context did not change is not rendered again.
/// The preview keeps each page's bytes; the build cache keeps only their length and hash and
/// reads the page back from the previous output ([`PageMemo::from_stored`]).
#[derive(Default)]
pub struct PageMemo {
    pages: HashMap<String, (u64, Kept)>,
    rendered: Vec<String>,
    /// Where the pages kept by their hash are read from: the previous build's output.
    output: Option<PathBuf>,
}

/// A page as the memo keeps it.
enum Kept {
    /// Its bytes (the preview).
    Bytes(Vec<u8>),
    /// Its length and [`content_hash`] (the build cache), the bytes being in the output.
    Stored(u64, u64),
}

/// What the build cache keeps of the pages: by output path, the context hash, the page's
/// length and its [`content_hash`].
pub type StoredPages = HashMap<String, (u64, u64, u64)>;

impl PageMemo {
    /// Output paths of the pages the last build had to render, in build order.
    pub fn rendered(&self) -> &[String] {
        &self.rendered
    }

    /// A memo of pages kept by hash, whose bytes are read back from `output` (the previous
    /// build's output folder) when they are reused; a page the output no longer holds as it
    /// was written is rendered again. Pages rendered with it are kept the same way.
    pub fn from_stored(stored: StoredPages, output: PathBuf) -> PageMemo {
        PageMemo {
            pages: stored
                .into_iter()
                .map(|(path, (hash, len, content))| (path, (hash, Kept::Stored(len, content))))
                .collect(),
            rendered: Vec::new(),
            output: Some(output),
        }
    }

    /// What the build cache keeps of this memo.
    pub fn stored(&self) -> StoredPages {
        self.pages
            .iter()
            .map(|(path, (hash, kept))| {
                let (len, content) = match kept {
                    Kept::Bytes(bytes) => (bytes.len() as u64, content_hash(bytes)),
                    Kept::Stored(len, content) => (*len, *content),
                };
                (path.clone(), (*hash, len, content))
            })
            .collect()
    }

    /// The bytes of a kept page, `None` when they are no longer to be had.
    fn bytes(&self, path: &str, kept: Kept) -> Option<Vec<u8>> {
        match kept {
            Kept::Bytes(bytes) => Some(bytes),
            Kept::Stored(len, content) => {
                read_back(&self.output.as_ref()?.join(path), len, content)
            }
        }
    }

    /// The memo's form of a page just made.
    fn keep(&self, contents: &[u8]) -> Kept {
        match self.output {
            Some(_) => Kept::Stored(contents.len() as u64, content_hash(contents)),
            None => Kept::Bytes(contents.to_vec()),
        }
    }
}

/// Render every page of the site, the compare pages of `comparisons` included, reusing the
/// pages of `memo` whose context is unchanged, and hand them to `pages` a series at a time
/// (in site order), so that the site's pages are never held at once.
pub fn render_site<E: From<RenderError>>(
    site: &Site,
    shortcodes: &Expansions,
    theme: &Theme,
    comparisons: &[Comparison],
    export: &Export,
    memo: Option<&mut PageMemo>,
    pages: &mut dyn FnMut(Vec<RenderedPage>) -> Result<(), E>,
) -> Result<(), E> {
    let tera = theme.tera().map_err(RenderError::from)?;
    let base = site.config.base();
    let by_series = diff::by_series(comparisons);
    let mut renderer = Renderer::new(&tera, site, shortcodes, &base, theme, memo);
    let municipalities: Vec<MunicipalityView> = site
        .municipalities
        .iter()
        .map(|m| municipality_view(m, &base, &by_series))
        .collect();
    let everything = || {
        site.municipalities
            .iter()
            .flat_map(describe::municipality_editions)
    };
    let site_updated = describe::updated(everything());
    home::home_page(&mut renderer, &municipalities, &site_updated)?;
    for (m, mv) in site.municipalities.iter().zip(&municipalities) {
        municipality::municipality_page(&mut renderer, m, mv)?;
        for (s, sv) in m.series.iter().zip(&mv.series) {
            series_pages(&mut renderer, m, s, sv, &by_series)?;
            pages(renderer.take())?;
        }
    }
    data::data_pages(&mut renderer, site, &base, export, &site_updated)?;
    site_pages::site_pages(&mut renderer, site, &site_updated)?;
    pages(renderer.finish()?)
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
) -> Result<Vec<OutputFile>, RenderError> {
    let tera = theme.tera()?;
    let base = site.config.base();
    let by_series = diff::by_series(comparisons);
    let mut renderer = Renderer::new(&tera, site, shortcodes, &base, theme, None);
    for path in series {
        let (m, s) = site
            .series(path)
            .ok_or_else(|| RenderError::UnknownSeries(path.clone()))?;
        let sv = series_view(m, s, &base, &by_series);
        series_pages(&mut renderer, m, s, &sv, &by_series)?;
    }
    Ok(renderer.finish()?.into_iter().map(|p| p.file).collect())
}
