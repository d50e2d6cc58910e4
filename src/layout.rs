//! Where the site's own files go: the paths kohyo writes at the output's root and below each
//! series, named once here so that render writes them and load refuses them as slugs from the
//! same list.

/// The folder of the search page, its client and its index.
pub const SEARCH_DIR: &str = "search";
/// The folder of the open-data export and its page.
pub const DATA_DIR: &str = "data";
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
/// The folder below a series that holds its compare pages.
pub const COMPARE_DIR: &str = "compare";

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
pub const RESERVED_SERIES_NAMES: [&str; 3] = ["index.html", COMPARE_DIR, FEED];
