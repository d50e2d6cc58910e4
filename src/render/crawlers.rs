//! What search engines read: `sitemap.xml`, every HTML page of the site (the not-found page
//! excepted) with the edition's `published` month as `lastmod` where the source gives one, and
//! `robots.txt` pointing to it.
//!
//! The sitemap protocol takes absolute URLs only, so both files are made only when `base_url`
//! is absolute (`https://…`); `robots.txt` is read only at the root of a host, so under a
//! sub-path base URL it is not made (the host's own robots.txt should name the sitemap). More
//! than [`URLS_PER_SITEMAP`] pages are split into `sitemap-N.xml` files listed by a sitemap
//! index at `sitemap.xml`, as the protocol requires.

use std::collections::HashMap;
use std::path::PathBuf;

use quick_xml::escape::escape;

use crate::layout::OutputFile;
use crate::layout::{NOT_FOUND_PAGE, ROBOTS, SITEMAP};
use crate::load::Site;

/// The protocol's limit of URLs in one sitemap file.
pub const URLS_PER_SITEMAP: usize = 50_000;
/// The namespace of sitemaps and sitemap indexes.
const NAMESPACE: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

/// `sitemap.xml` (and its parts) and `robots.txt` for the rendered pages at `pages` (their
/// output paths, in site order), or nothing when the base URL is not absolute.
pub fn crawler_files(site: &Site, pages: &[PathBuf]) -> Vec<OutputFile> {
    let base = site.config.base();
    let Some(host_root) = absolute_host_root(&base) else {
        return Vec::new();
    };
    let published: HashMap<String, &str> = site
        .editions()
        .filter_map(|(m, s, e)| {
            let month = e.published.as_ref()?.get_ref().as_str();
            Some((
                format!("{}/{}/{}/index.html", m.slug, s.slug, e.slug),
                month,
            ))
        })
        .collect();
    let entries: Vec<String> = pages
        .iter()
        .filter_map(|path| path.to_str())
        .filter(|path| path.ends_with(".html") && *path != NOT_FOUND_PAGE)
        .map(|path| {
            let url = format!("{base}{}", path.trim_end_matches("index.html"));
            let lastmod = published
                .get(path)
                .map(|month| format!("<lastmod>{}</lastmod>", escape(*month)))
                .unwrap_or_default();
            format!("<url><loc>{}</loc>{lastmod}</url>\n", escape(url.as_str()))
        })
        .collect();
    let mut files = sitemaps(&base, &entries, URLS_PER_SITEMAP);
    if host_root {
        let robots = format!("User-agent: *\nAllow: /\n\nSitemap: {base}{SITEMAP}\n");
        files.push(OutputFile {
            path: PathBuf::from(ROBOTS),
            contents: robots.into_bytes(),
        });
    }
    files
}

/// The sitemap of `entries` (`<url>` elements), split into parts of at most `limit` URLs
/// under a sitemap index when there are more.
fn sitemaps(base: &str, entries: &[String], limit: usize) -> Vec<OutputFile> {
    if entries.len() <= limit {
        return vec![xml_file(SITEMAP, "urlset", &entries.concat())];
    }
    let mut files = Vec::new();
    let mut index = String::new();
    for (n, part) in entries.chunks(limit.max(1)).enumerate() {
        let name = format!("sitemap-{}.xml", n + 1);
        let url = format!("{base}{name}");
        index.push_str(&format!(
            "<sitemap><loc>{}</loc></sitemap>\n",
            escape(url.as_str())
        ));
        files.push(xml_file(&name, "urlset", &part.concat()));
    }
    files.insert(0, xml_file(SITEMAP, "sitemapindex", &index));
    files
}

/// For an absolute `http(s)://host/…/` base URL, whether it is the root of its host; `None`
/// for a base that is a path.
fn absolute_host_root(base: &str) -> Option<bool> {
    let rest = crate::safe_url::after_http_scheme(base)?;
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    Some(path == "/")
}

/// An XML file with one root element in the sitemap namespace around `body`.
fn xml_file(name: &str, root: &str, body: &str) -> OutputFile {
    let text = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{NAMESPACE}\">\n{body}</{root}>\n"
    );
    OutputFile {
        path: PathBuf::from(name),
        contents: text.into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn more_pages_than_a_sitemap_holds_are_split_under_an_index() {
        let base = "https://city.example.jp/";
        let entries: Vec<String> = (0..5)
            .map(|i| format!("<url><loc>{base}{i}/</loc></url>\n"))
            .collect();
        let files = sitemaps(base, &entries, 2);
        let names: Vec<_> = files.iter().map(|f| f.path.to_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "sitemap.xml",
                "sitemap-1.xml",
                "sitemap-2.xml",
                "sitemap-3.xml"
            ]
        );
        let index = String::from_utf8(files[0].contents.clone()).unwrap();
        assert!(index.contains("<sitemapindex"));
        assert_eq!(index.matches("<loc>").count(), 3);
        assert!(index.contains("<loc>https://city.example.jp/sitemap-3.xml</loc>"));
        let last = String::from_utf8(files[3].contents.clone()).unwrap();
        assert_eq!(last.matches("<url>").count(), 1);
        assert_eq!(sitemaps(base, &entries, 5).len(), 1);
    }

    #[test]
    fn only_an_absolute_base_has_a_host_root_or_not() {
        assert_eq!(absolute_host_root("/"), None);
        assert_eq!(absolute_host_root("/kohyo/"), None);
        assert_eq!(absolute_host_root("https://city.example.jp/"), Some(true));
        assert_eq!(absolute_host_root("HTTPS://city.example.jp/"), Some(true));
        assert_eq!(
            absolute_host_root("https://city.example.jp/kohyo/"),
            Some(false)
        );
    }
}
