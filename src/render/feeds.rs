//! Atom feeds (RFC 4287) that journalists and citizens subscribe to: `atom.xml` for the whole
//! site, `<municipality>/atom.xml` and `<municipality>/<series>/atom.xml`, with an entry per
//! edition and per compare page, newest first, at most [`FEED_LIMIT`] entries.
//!
//! Atom dates every entry, and kohyo invents no date: an entry is dated by the edition's
//! `published` month where the source gives one, else by the first day of its fiscal year (or
//! of its plan period), and its summary says which. An edition with neither (a version label
//! alone, like 川西市's 11月13日送付) is in no feed, and a feed with no entry is not written,
//! nor linked. A compare page is dated by its later edition.
//!
//! Links are `base_url` followed by the page's path: absolute when the base is, otherwise
//! paths that a reader resolves against the feed's own address. Ids are the page's absolute
//! URL when the base is absolute, else a name-based UUID of its path, so that a feed's ids
//! stay the same from build to build.

use std::path::PathBuf;

use quick_xml::escape::escape;
use serde::Serialize;

use crate::diff::Comparison;
use crate::layout::FEED;
use crate::layout::OutputFile;
use crate::load::Site;
use crate::model::{Edition, Municipality, Series};

use crate::present::{edition_when, edition_year};

/// The most entries a feed holds (the newest).
pub const FEED_LIMIT: usize = 50;

/// A feed as a page's head and footer link it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    /// What it follows: サイト全体, a municipality's name or a series' title.
    pub title: String,
    /// Its URL.
    pub url: String,
}

/// One entry: an edition or a compare page.
struct Entry {
    /// RFC 3339 date-time (Japan's time zone).
    updated: String,
    /// `YYYY-MM-01…` when the source gives the month of publication.
    published: Option<String>,
    title: String,
    /// Path of the page from the site root.
    path: String,
    summary: String,
    author: String,
}

/// How an edition is dated in feeds: the date-time, and whether it is the month of
/// publication (else the first day of the fiscal year); `None` when the source gives neither.
fn edition_date(e: &Edition) -> Option<(String, bool)> {
    if let Some(month) = &e.published {
        return Some((format!("{}-01T00:00:00+09:00", month.get_ref()), true));
    }
    edition_year(e).map(|year| (format!("{year:04}-04-01T00:00:00+09:00"), false))
}

/// Whether any edition of `series` can be dated, so the series has a feed.
fn series_has_feed(s: &Series) -> bool {
    s.editions.iter().any(|e| edition_date(e).is_some())
}

/// The site's feed, when it has one.
pub fn site_feed(site: &Site) -> Option<FeedLink> {
    let any = site
        .municipalities
        .iter()
        .any(|m| m.series.iter().any(series_has_feed));
    any.then(|| FeedLink {
        title: site.config.title.clone(),
        url: format!("{}{FEED}", site.config.base()),
    })
}

/// A municipality's feed, when it has one.
pub fn municipality_feed(m: &Municipality, base: &str) -> Option<FeedLink> {
    m.series.iter().any(series_has_feed).then(|| FeedLink {
        title: m.name.clone(),
        url: format!("{base}{}/{FEED}", m.slug),
    })
}

/// A series' feed, when it has one.
pub fn series_feed(m: &Municipality, s: &Series, base: &str) -> Option<FeedLink> {
    series_has_feed(s).then(|| FeedLink {
        title: series_label(m, s),
        url: format!("{base}{}/{}/{FEED}", m.slug, s.slug),
    })
}

/// A series as feeds name it: the municipality, the title and the latest department (a
/// municipality's series often share a title, 重点目標一覧表, one per department).
fn series_label(m: &Municipality, s: &Series) -> String {
    let department = s
        .editions
        .last()
        .and_then(|e| e.department.as_ref())
        .or(s.department.as_ref());
    match department {
        Some(d) => format!("{} {}（{d}）", m.name, s.title),
        None => format!("{} {}", m.name, s.title),
    }
}

/// The entries of one series: its dated editions and the compare pages whose later edition
/// is dated.
fn series_entries(m: &Municipality, s: &Series, comparisons: &[&Comparison]) -> Vec<Entry> {
    let label = series_label(m, s);
    let mut entries = Vec::new();
    for e in &s.editions {
        let Some((updated, from_published)) = edition_date(e) else {
            continue;
        };
        let (when, _) = edition_when(e);
        let mut summary = format!("{label}：{when}（{}）", e.stage.label());
        if let Some(department) = e.department.as_ref().or(s.department.as_ref()) {
            summary.push_str(&format!("　担当：{department}"));
        }
        summary.push_str(if from_published {
            "　日付は公表月です。"
        } else {
            "　元資料に公表日の記載がないため、日付は年度の初日です。"
        });
        entries.push(Entry {
            published: from_published.then(|| updated.clone()),
            updated,
            title: format!("{}（{label}）", e.title),
            path: format!("{}/{}/{}/", m.slug, s.slug, e.slug),
            summary,
            author: m.name.clone(),
        });
    }
    for c in comparisons {
        let Some(newer) = s.editions.iter().find(|e| e.slug == c.new.slug) else {
            continue;
        };
        let Some((updated, _)) = edition_date(newer) else {
            continue;
        };
        let t = &c.summary.total;
        entries.push(Entry {
            published: None,
            updated,
            title: format!("比較：{} → {}（{label}）", c.old.when, c.new.when),
            path: c.path(),
            summary: format!(
                "{} から {} への変更：追加 {}・削除 {}・変更 {}・移動 {}・変更なし {}",
                c.old.when, c.new.when, t.added, t.removed, t.reworded, t.moved, t.unchanged
            ),
            author: m.name.clone(),
        });
    }
    entries
}

/// Every feed of the site, from its editions and `comparisons`.
pub fn feed_files(site: &Site, comparisons: &[Comparison]) -> Vec<OutputFile> {
    let base = site.config.base();
    let by_series = crate::diff::by_series(comparisons);
    let mut files = Vec::new();
    let mut all = Vec::new();
    for m in &site.municipalities {
        let mut of_municipality = Vec::new();
        for s in &m.series {
            let path = format!("{}/{}", m.slug, s.slug);
            let compares = by_series.get(path.as_str()).cloned().unwrap_or_default();
            let entries = series_entries(m, s, &compares);
            if let Some(link) = series_feed(m, s, &base) {
                let page = format!("{path}/");
                files.push(feed(
                    &base,
                    &link,
                    &format!("{page}{FEED}"),
                    &page,
                    &entries,
                ));
            }
            of_municipality.extend(entries);
        }
        if let Some(link) = municipality_feed(m, &base) {
            let page = format!("{}/", m.slug);
            let file = feed(
                &base,
                &link,
                &format!("{page}{FEED}"),
                &page,
                &of_municipality,
            );
            files.push(file);
        }
        all.extend(of_municipality);
    }
    if let Some(link) = site_feed(site) {
        files.push(feed(&base, &link, FEED, "", &all));
    }
    files
}

/// One feed file at `path` for the page at `page` (both from the site root).
fn feed(base: &str, link: &FeedLink, path: &str, page: &str, entries: &[Entry]) -> OutputFile {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| b.updated.cmp(&a.updated).then_with(|| a.path.cmp(&b.path)));
    sorted.truncate(FEED_LIMIT);
    let updated = sorted.first().map_or("", |e| e.updated.as_str());
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"ja\">\n");
    xml.push_str(&format!("<id>{}</id>\n", text(&id(base, path))));
    xml.push_str(&format!("<title>{}の更新情報</title>\n", text(&link.title)));
    xml.push_str(&format!("<updated>{updated}</updated>\n"));
    xml.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
        text(&link.url)
    ));
    xml.push_str(&format!(
        "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
        text(&format!("{base}{page}"))
    ));
    xml.push_str(&format!(
        "<author><name>{}</name></author>\n",
        text(&link.title)
    ));
    for e in sorted {
        xml.push_str("<entry>\n");
        xml.push_str(&format!("<id>{}</id>\n", text(&id(base, &e.path))));
        xml.push_str(&format!("<title>{}</title>\n", text(&e.title)));
        xml.push_str(&format!("<updated>{}</updated>\n", e.updated));
        if let Some(published) = &e.published {
            xml.push_str(&format!("<published>{published}</published>\n"));
        }
        xml.push_str(&format!(
            "<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            text(&format!("{base}{}", e.path))
        ));
        xml.push_str(&format!(
            "<author><name>{}</name></author>\n",
            text(&e.author)
        ));
        xml.push_str(&format!(
            "<summary type=\"text\">{}</summary>\n",
            text(&e.summary)
        ));
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    OutputFile {
        path: PathBuf::from(path),
        contents: xml.into_bytes(),
    }
}

/// An entry's or a feed's id: its absolute URL when the base is absolute, else a name-based
/// (version 5) UUID of its path from the site root.
fn id(base: &str, path: &str) -> String {
    if crate::safe_url::after_http_scheme(base).is_some() {
        format!("{base}{path}")
    } else {
        let uuid = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_URL,
            format!("kohyo:{path}").as_bytes(),
        );
        format!("urn:uuid:{uuid}")
    }
}

/// Text for an XML element or attribute: escaped, and characters XML 1.0 cannot hold (most
/// control characters) shown as U+FFFD.
fn text(s: &str) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{D7FF}').contains(&c)
            || ('\u{E000}'..='\u{FFFD}').contains(&c)
            || c >= '\u{10000}'
    };
    let cleaned: String = s
        .chars()
        .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
        .collect();
    escape(cleaned.as_str()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_and_replaces_what_xml_cannot_hold() {
        assert_eq!(text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
        assert_eq!(text("x\u{1}y\u{FFFE}"), "x\u{FFFD}y\u{FFFD}");
        assert_eq!(text("改行\nと\tタブ"), "改行\nと\tタブ");
    }

    #[test]
    fn ids_are_urls_under_an_absolute_base_and_stable_uuids_otherwise() {
        assert_eq!(
            id("https://city.example.jp/kohyo/", "ueda/"),
            "https://city.example.jp/kohyo/ueda/"
        );
        let a = id("/", "ueda/");
        assert!(a.starts_with("urn:uuid:"), "{a}");
        assert_eq!(a, id("/kohyo/", "ueda/"));
        assert_ne!(a, id("/", "ueda/seisaku-kikaku/"));
    }
}
