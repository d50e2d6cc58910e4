//! Where the site's files are: the site's own sources (`kohyo.toml`, `content/`), the paths
//! kohyo writes at the output's root and below each series, named once here so that render
//! writes them and load refuses them as slugs from the same list, and [`OutputFile`], a file of
//! the output as every stage hands it on.

use std::path::PathBuf;

/// The site's configuration file, at the site root.
pub const CONFIG_FILE: &str = "kohyo.toml";
/// The folder of the site's content, at the site root.
pub const CONTENT_DIR: &str = "content";

/// A file to write, relative to the output root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path under the output root, e.g. `ueda/index.html`.
    pub path: PathBuf,
    /// Bytes to write.
    pub contents: Vec<u8>,
}

/// The folder of the search page, its client and its index.
pub const SEARCH_DIR: &str = "search";
/// The folder of the open-data export and its page.
pub const DATA_DIR: &str = "data";
/// Below `data/`, each municipality's folder holds its data page (`data/<municipality>/`
/// `index.html`), listing its series' and editions' files.
pub const MUNICIPALITY_DATA_PAGE: &str = "index.html";
/// Below `data/<municipality>/<series>/`: the series' items table, every edition's rows.
pub const SERIES_ITEMS_CSV: &str = "items.csv";
/// Below `data/<municipality>/<series>/`: the series' texts table, every edition's rows.
pub const SERIES_TEXTS_CSV: &str = "texts.csv";
/// The folder of the accessibility statement.
pub const ACCESSIBILITY_DIR: &str = "accessibility";
/// The page served for missing paths.
pub const NOT_FOUND_PAGE: &str = "404.html";
/// The sitemap for search engines (with an absolute base URL).
pub const SITEMAP: &str = "sitemap.xml";
/// The crawlers' instructions (with a base URL at a host's root).
pub const ROBOTS: &str = "robots.txt";
/// An Atom feed, at the site's root and in every municipality and series folder with one.
pub const FEED: &str = "atom.xml";
/// The image pages are shared with (OpenGraph, Twitter cards), at the site's root.
pub const SHARE_IMAGE: &str = "og-image.png";
/// The file in every output folder that says which site it is the output of.
pub const OUTPUT_MARKER: &str = ".kohyo-output";
/// The build cache's folder, in the site root (`crate::cache`).
pub const CACHE_DIR: &str = ".kohyo-cache";
/// The folder below a series that holds its compare pages.
pub const COMPARE_DIR: &str = "compare";
/// The folder below a series that holds its goals' history pages.
pub const HISTORY_DIR: &str = "history";

/// Every name the site itself uses at the output's root (pages, folders, the default theme's
/// static files, and files planned for later releases), so none can be a municipality slug.
pub const RESERVED_ROOT_NAMES: [&str; 12] = [
    "index.html",
    SEARCH_DIR,
    DATA_DIR,
    ACCESSIBILITY_DIR,
    NOT_FOUND_PAGE,
    "style.css",
    "favicon.svg",
    SITEMAP,
    ROBOTS,
    FEED,
    SHARE_IMAGE,
    OUTPUT_MARKER,
];

/// Names the site uses below a series folder, so none can be an edition slug.
pub const RESERVED_SERIES_NAMES: [&str; 4] = ["index.html", COMPARE_DIR, FEED, HISTORY_DIR];
