//! Orchestration of a build: load → shortcodes → render → write, and the summary the CLI
//! prints.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::cache::Cache;
use crate::diagnostic::{Diagnostic, Message};
use crate::diff::{self, DiffError};
use crate::layout::OutputFile;
use crate::load::{self, Site};
use crate::opendata::{self, ExportError};
use crate::output::{self, OutputError};
use crate::render::{self, RenderError};
use crate::search;
use crate::shortcode::{self, Expansions};
use crate::text::{TextError, Tokenizer};
use crate::theme::Theme;

/// Why a build failed: the content's problems, or the stage that failed with its own error.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The content (or the theme's templates) has problems, each at its place; nothing was
    /// written.
    #[error("{} problem(s) in the content", .0.len())]
    Content(Vec<Diagnostic>),
    /// The output folder is refused or could not be written; nothing was replaced.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The tokenizer could not be made or could not cut a text.
    #[error(transparent)]
    Text(#[from] TextError),
    /// Two editions could not be compared.
    #[error(transparent)]
    Compare(#[from] DiffError),
    /// A data file could not be made.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// The pages could not be rendered (other than a theme's problem, which is content).
    #[error(transparent)]
    Render(RenderError),
}

impl From<RenderError> for BuildError {
    fn from(error: RenderError) -> Self {
        match error {
            RenderError::Theme(d) => BuildError::Content(vec![d]),
            other => BuildError::Render(other),
        }
    }
}

impl BuildError {
    /// What went wrong, in English and in Japanese: for [`BuildError::Content`] how many
    /// problems there are (each is a [`Diagnostic`] with its place).
    pub fn message(&self) -> Message {
        match self {
            BuildError::Content(diags) => crate::messages::site_has_problems(diags.len()),
            BuildError::Output(e) => e.message(),
            BuildError::Text(e) => e.message(),
            BuildError::Compare(e) => e.message(),
            BuildError::Export(e) => e.message(),
            BuildError::Render(e) => e.message(),
        }
    }
}

/// What a successful build produced.
#[derive(Debug)]
pub struct BuildSummary {
    /// Number of HTML pages written.
    pub pages: usize,
    /// Number of records (pages, items, indicators, sections) in the search index.
    pub records: usize,
    /// Number of files written in all.
    pub files: usize,
    /// Number of editions published.
    pub editions: usize,
    /// Wall time of the build.
    pub elapsed: Duration,
    /// Wall time of each stage, in order.
    pub stages: Vec<(String, Duration)>,
    /// Time spent inside lindera cutting text, summed over threads.
    pub segmenting: Duration,
    /// Where the site was written.
    pub output: PathBuf,
    /// What the build could make but a reader may miss (the open data's links), for stderr.
    pub warnings: Vec<Message>,
    /// With the build cache, how much had to be made again.
    pub redone: Option<Redone>,
}

/// What a build with the cache made again rather than took from it.
#[derive(Debug)]
pub struct Redone {
    /// Pages rendered (of [`BuildSummary::pages`]).
    pub rendered: usize,
    /// Edition pages indexed (of [`BuildSummary::editions`]).
    pub indexed: usize,
}

/// Options of `kohyo build`.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Site root holding `kohyo.toml`.
    pub root: PathBuf,
    /// Output folder; defaults to `<root>/public`.
    pub output: Option<PathBuf>,
    /// Overrides `base_url` of `kohyo.toml`.
    pub base_url: Option<String>,
    /// Whether to read and write the build cache (`<root>/.kohyo-cache`, [`crate::cache`]).
    pub cache: bool,
}

/// What the build cache spares a build: the rendered pages (kept by hash, read back from the
/// previous output) and each edition page's index.
pub struct BuildCache<'c> {
    /// Rendered pages.
    pub pages: render::PageMemo,
    /// Indexed edition pages.
    pub index: search::index::PageStore<'c>,
    /// The index's compressed packs (kept by hash, read back from the previous output).
    pub packs: search::index::PackMemo,
}

/// Load and validate the site and render it in memory without writing: what `kohyo check`
/// runs, so that theme errors are found too.
pub fn check(root: &Path) -> Result<Site, BuildError> {
    let (site, shortcodes) = load(root).map_err(BuildError::Content)?;
    let tokenizer = Tokenizer::new(site.user_dictionary.as_deref())?;
    render_into(
        &site,
        &shortcodes,
        &tokenizer,
        None,
        None,
        &mut |_| Ok(()),
        &|_| {},
    )?;
    Ok(site)
}

/// Load and validate the site at `root` and expand its shortcodes: the stages every page is
/// made from, with every content problem they find (the loader's, else the shortcodes').
pub fn load(root: &Path) -> Result<(Site, Expansions), Vec<Diagnostic>> {
    let site = load::load(root)?;
    let shortcodes = expand(&site)?;
    Ok((site, shortcodes))
}

/// Expand the shortcodes of a loaded site; any problem fails it.
pub fn expand(site: &Site) -> Result<Expansions, Vec<Diagnostic>> {
    match shortcode::expand_site(site) {
        (shortcodes, diags) if diags.is_empty() => Ok(shortcodes),
        (_, diags) => Err(diags),
    }
}

/// The whole site in memory.
pub struct SiteFiles {
    /// Every file, sorted by path.
    pub files: Vec<OutputFile>,
    /// Records in the search index.
    pub records: usize,
    /// Time the tokenizer has spent inside lindera cutting text (in the preview, since it
    /// was made).
    pub segmenting: Duration,
}

/// Render every file of the site in memory, in a deterministic order: the comparisons of
/// consecutive editions, the open-data export, pages, the search index built from the
/// rendered edition pages, the search client and the theme's files. `progress` hears the name
/// of each stage as it starts.
pub fn render_files(
    site: &Site,
    shortcodes: &Expansions,
    progress: &dyn Fn(&str),
) -> Result<SiteFiles, BuildError> {
    let tokenizer = Tokenizer::new(site.user_dictionary.as_deref())?;
    render_files_with(site, shortcodes, &tokenizer, None, progress)
}

/// What the preview keeps between rebuilds so that a change compares, renders and indexes
/// again only what it touches: comparisons by their sources, pages by the hash of their
/// context, search records by page.
#[derive(Default)]
pub struct Memo {
    /// Rendered pages.
    pub pages: render::PageMemo,
    /// Indexed pages.
    pub index: search::index::IndexMemo,
    /// Compared pairs of editions.
    pub comparisons: diff::CompareMemo,
}

/// [`render_files`] with a tokenizer already made (for the site's dictionary) and, in the
/// preview, the [`Memo`] of the previous build.
pub fn render_files_with(
    site: &Site,
    shortcodes: &Expansions,
    tokenizer: &Tokenizer,
    memo: Option<&mut Memo>,
    progress: &dyn Fn(&str),
) -> Result<SiteFiles, BuildError> {
    let mut files = Vec::new();
    let made = render_into(
        site,
        shortcodes,
        tokenizer,
        memo,
        None,
        &mut |batch| {
            files.extend(batch);
            Ok(())
        },
        progress,
    )?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(SiteFiles {
        files,
        records: made.records,
        segmenting: made.segmenting,
    })
}

/// What [`render_into`] made.
pub struct Made {
    /// HTML pages.
    pub pages: usize,
    /// Records in the search index.
    pub records: usize,
    /// Edition pages indexed rather than taken from the preview's memo or the build cache.
    pub indexed: usize,
    /// Time the tokenizer has spent inside lindera.
    pub segmenting: Duration,
}

/// Make every file of the site, handing each group to `emit` as soon as it is complete (the
/// open-data export a batch of series at a time, the pages a series at a time once the
/// indexer has read them, each kind of index file, the client and theme files), so that a
/// build holds no more of its output than it must.
pub fn render_into(
    site: &Site,
    shortcodes: &Expansions,
    tokenizer: &Tokenizer,
    mut memo: Option<&mut Memo>,
    cache: Option<&mut BuildCache>,
    emit: &mut dyn FnMut(Vec<OutputFile>) -> Result<(), BuildError>,
    progress: &dyn Fn(&str),
) -> Result<Made, BuildError> {
    // Two files at one path are refused here, so `check` and the preview find it as `build` does.
    let mut claimed = std::collections::HashSet::new();
    let emit = &mut |files: Vec<OutputFile>| {
        output::claim(&mut claimed, &files)?;
        emit(files)
    };
    let theme =
        Theme::load(&site.root, &site.config.theme).map_err(|d| BuildError::Content(vec![d]))?;
    progress("comparing editions");
    let comparisons =
        diff::compare_site(site, tokenizer, memo.as_mut().map(|m| &mut m.comparisons))?;
    progress("exporting open data");
    let export = opendata::export(site, &comparisons, emit)?;
    progress("rendering pages");
    // Each series' pages are read by the indexer and written as they are rendered.
    let (page_memo, mut index_memo, comparison_memo) = match memo {
        Some(m) => (
            Some(&mut m.pages),
            Some(&mut m.index),
            Some(&mut m.comparisons),
        ),
        None => (None, None, None),
    };
    let (page_cache, index_cache, packs) = match cache {
        Some(c) => (Some(&mut c.pages), Some(&mut c.index), Some(&c.packs)),
        None => (None, None, None),
    };
    let mut indexer =
        search::index::Indexer::new(tokenizer, index_memo.as_deref_mut(), index_cache);
    let mut paths = Vec::new();
    render::render_site(
        site,
        shortcodes,
        &theme,
        &comparisons,
        &export,
        page_memo.or(page_cache),
        &mut |pages| -> Result<(), BuildError> {
            let mut files = Vec::with_capacity(pages.len());
            for page in pages {
                if let Some(edition) = page.edition {
                    indexer.add(edition, &page.file.contents)?;
                }
                paths.push(page.file.path.clone());
                files.push(page.file);
            }
            emit(files)
        },
    )?;
    let feeds = render::feeds::feed_files(site, &comparisons);
    match comparison_memo {
        Some(memo) => memo.keep(site, comparisons),
        None => drop(comparisons),
    }
    progress("indexing for search");
    let index = indexer.finish()?;
    let crawlers = render::crawlers::crawler_files(site, &paths);
    let records = index.records();
    let indexed = index.indexed();
    index.write(
        &site.config.base(),
        &search::variants::table(&site.variants),
        index_memo,
        packs,
        emit,
    )?;
    let mut rest = crawlers;
    rest.extend(feeds);
    rest.extend(render::share::card_file(&theme, &site.config.base())?);
    rest.extend(search::client_files());
    rest.extend(shortcodes.assets().iter().cloned());
    rest.extend(theme.static_files().iter().cloned());
    emit(rest)?;
    Ok(Made {
        pages: paths.len(),
        records,
        indexed,
        segmenting: tokenizer.segmenting_time(),
    })
}

/// The pages of the given series (`municipality/series`) alone, with their comparisons made
/// again: what the preview shows first after a save, before it makes the whole site again.
/// Each page is byte for byte the page a whole build makes from the same site.
pub fn render_series_files(
    site: &Site,
    shortcodes: &Expansions,
    tokenizer: &Tokenizer,
    series: &[String],
) -> Result<Vec<OutputFile>, BuildError> {
    let theme =
        Theme::load(&site.root, &site.config.theme).map_err(|d| BuildError::Content(vec![d]))?;
    let mut comparisons = Vec::new();
    for path in series {
        comparisons.extend(diff::compare_series(site, tokenizer, path)?);
    }
    render::render_series(site, shortcodes, &theme, &comparisons, series).map_err(BuildError::from)
}

/// Build the site and swap it into the output folder; `progress` hears each stage's name.
pub fn build(options: &BuildOptions, progress: &dyn Fn(&str)) -> Result<BuildSummary, BuildError> {
    let started = Instant::now();
    let starts: RefCell<Vec<(String, Instant)>> = RefCell::default();
    let progress = &|stage: &str| {
        starts
            .borrow_mut()
            .push((stage.to_string(), Instant::now()));
        progress(stage);
    };
    let output = options
        .output
        .clone()
        .unwrap_or_else(|| options.root.join("public"));
    // Before any work: an output that is not kohyo's to replace is refused.
    let target = output::Target::new(&options.root, &output)?;
    progress("loading content");
    let mut site = load::load(&options.root).map_err(BuildError::Content)?;
    if let Some(base_url) = &options.base_url {
        site.config.base_url = base_url.clone();
    }
    let shortcodes = expand(&site).map_err(BuildError::Content)?;
    let tokenizer = Tokenizer::new(site.user_dictionary.as_deref())?;
    let cache = options.cache.then(|| Cache::new(&options.root));
    let mut cached = cache.as_ref().map(|cache| {
        progress("reading the cache");
        open_cache(cache, &site, target.path())
    });
    // The whole new tree is made beside the output (unchanged files linked from it) and put in
    // its place in one step at the end.
    let mut staging = output::Staging::new(target)?;
    let made = render_into(
        &site,
        &shortcodes,
        &tokenizer,
        None,
        cached.as_mut(),
        &mut |files| Ok(staging.write(&files)?),
        progress,
    )
    .inspect_err(|_| {
        // A failed build leaves the site as it found it: a cache folder it made and has
        // written nothing into (the unfinished part is removed with its temporary file) goes.
        drop(cached.take());
        let _ = std::fs::remove_dir(options.root.join(crate::layout::CACHE_DIR));
    })?;
    progress("replacing the output");
    let files = staging.written();
    staging.finish()?;
    let redone = cached.map(|cached| {
        progress("writing the cache");
        let redone = Redone {
            rendered: cached.pages.rendered().len(),
            indexed: made.indexed,
        };
        // Written once the new output stands, from which the pages it names are read back.
        if let Some(cache) = &cache {
            let key = load::text_hash(&output_key(&output));
            cache.write(PAGES, key, &cached.pages.stored());
            cache.write(PACKS, key, &cached.packs.stored());
        }
        if let Some(index) = cached.index.new {
            index.finish();
        }
        redone
    });
    let ended = Instant::now();
    let starts = starts.into_inner();
    let stages = starts
        .iter()
        .enumerate()
        .map(|(i, (name, start))| {
            let end = starts.get(i + 1).map_or(ended, |(_, next)| *next);
            (name.clone(), end - *start)
        })
        .collect();
    Ok(BuildSummary {
        pages: made.pages,
        records: made.records,
        files,
        editions: site.editions().count(),
        elapsed: started.elapsed(),
        stages,
        segmenting: made.segmenting,
        output,
        warnings: opendata::warnings(&site.config),
        redone,
    })
}

/// The build cache's part holding the rendered pages' hashes.
const PAGES: &str = "pages";
/// The build cache's part holding the index packs' hashes.
const PACKS: &str = "packs";
/// The build cache's part holding each edition page's index.
const INDEX: &str = "index";

/// What the pages part depends on: the output folder, from which kept pages are read back.
fn output_key(output: &Path) -> String {
    std::fs::canonicalize(output)
        .unwrap_or_else(|_| output.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The build cache as this build starts from it: the previous build's pages (kept by hash,
/// read back from `output`) and edition pages' index where the cache holds them intact, and
/// a new index part to write.
fn open_cache<'c>(cache: &'c Cache, site: &Site, output: &Path) -> BuildCache<'c> {
    let pages_key = load::text_hash(&output_key(output));
    // The index is cut by the site's dictionary.
    let index_key = load::text_hash(&format!("{:?}", site.user_dictionary));
    BuildCache {
        pages: render::PageMemo::from_stored(
            cache.read(PAGES, pages_key).unwrap_or_default(),
            output.to_path_buf(),
        ),
        index: search::index::PageStore {
            old: cache.entries(INDEX, index_key),
            new: cache.entry_writer(INDEX, index_key),
        },
        packs: search::index::PackMemo::from_stored(
            cache.read(PACKS, pages_key).unwrap_or_default(),
            output.to_path_buf(),
        ),
    }
}
