//! What search engines read: sitemap.xml lists exactly the built pages, robots.txt points to
//! it, and both follow the base URL.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::Event;
use quick_xml::reader::Reader;

use crate::common::{build_with_base, json_ld};

/// The `(loc, lastmod)` pairs of a sitemap, after checking it as the sitemaps.org schema
/// does: a `urlset` in the sitemap namespace holding only `url` elements, each with exactly one
/// `loc` (an absolute URL) and at most one `lastmod` (a W3C date), and nothing else.
fn read_sitemap(xml: &str) -> Vec<(String, Option<String>)> {
    let mut reader = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut urls = Vec::new();
    let mut current: Option<(Option<String>, Option<String>)> = None;
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                match (path.len(), name.as_str()) {
                    (0, "urlset") => {
                        let ns = e
                            .try_get_attribute("xmlns")
                            .unwrap()
                            .expect("a namespace")
                            .normalized_value(XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned();
                        assert_eq!(ns, "http://www.sitemaps.org/schemas/sitemap/0.9");
                    }
                    (1, "url") => current = Some((None, None)),
                    (2, "loc" | "lastmod") => {}
                    (depth, other) => panic!("unexpected <{other}> at depth {depth}"),
                }
                path.push(name);
            }
            Event::Text(t) => {
                let raw: &str = &t;
                let text = quick_xml::escape::unescape(raw).unwrap().into_owned();
                if text.trim().is_empty() {
                    continue;
                }
                let (loc, lastmod) = current.as_mut().expect("text inside <url>");
                match path.last().map(String::as_str) {
                    Some("loc") => {
                        assert!(loc.is_none(), "two <loc> in one <url>");
                        *loc = Some(text);
                    }
                    Some("lastmod") => {
                        assert!(lastmod.is_none(), "two <lastmod> in one <url>");
                        *lastmod = Some(text);
                    }
                    other => panic!("text {text:?} in {other:?}"),
                }
            }
            Event::End(_) => {
                if path.pop().as_deref() == Some("url") {
                    let (loc, lastmod) = current.take().unwrap();
                    urls.push((loc.expect("a <loc> in every <url>"), lastmod));
                }
            }
            Event::Eof => break,
            Event::Decl(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(urls.len() <= 50_000);
    urls
}

/// Every HTML page under `out` but the not-found page, as the URL a reader opens.
fn built_pages(out: &Path, base: &str) -> BTreeSet<String> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| {
            e.path()
                .strip_prefix(out)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string()
        })
        .filter(|rel| rel != "404.html")
        .map(|rel| format!("{base}{}", rel.trim_end_matches("index.html")))
        .collect()
}

#[test]
fn the_sitemap_lists_exactly_the_built_pages_and_robots_points_to_it() {
    let base = "https://www.city.example.lg.jp/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let xml = fs::read_to_string(out.join("sitemap.xml")).unwrap();
    let urls = read_sitemap(&xml);
    let listed: BTreeSet<String> = urls.iter().map(|(loc, _)| loc.clone()).collect();
    assert_eq!(listed.len(), urls.len(), "a page listed twice");
    assert_eq!(listed, built_pages(&out, base));
    assert!(listed.contains("https://www.city.example.lg.jp/ueda/seisaku-kikaku/2023/"));
    // lastmod only where the source gives the month of publication: 一関市's plan alone.
    let dated: Vec<_> = urls
        .iter()
        .filter_map(|(loc, lastmod)| Some((loc.as_str(), lastmod.as_deref()?)))
        .collect();
    assert_eq!(
        dated,
        [(
            "https://www.city.example.lg.jp/ichinoseki/kyodo-suishin/dai3ji/",
            "2024-03"
        )]
    );
    let robots = fs::read_to_string(out.join("robots.txt")).unwrap();
    assert!(robots.starts_with("User-agent: *\n"), "{robots}");
    assert!(
        robots.contains("\nSitemap: https://www.city.example.lg.jp/sitemap.xml\n"),
        "{robots}"
    );
}

#[test]
fn under_a_sub_path_the_sitemap_follows_and_robots_is_left_to_the_host() {
    let base = "https://city.example.jp/kohyo/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let urls = read_sitemap(&fs::read_to_string(out.join("sitemap.xml")).unwrap());
    assert!(urls.iter().all(|(loc, _)| loc.starts_with(base)));
    assert_eq!(
        urls.iter().map(|(l, _)| l.clone()).collect::<BTreeSet<_>>(),
        built_pages(&out, base)
    );
    // robots.txt is only read at the root of a host.
    assert!(!out.join("robots.txt").exists());
}

#[test]
fn a_site_without_an_absolute_base_url_has_no_sitemap() {
    let site = build_with_base("/plans/");
    let out = site.path().join("public");
    assert!(out.join("index.html").is_file());
    assert!(!out.join("sitemap.xml").exists() && !out.join("robots.txt").exists());
}

/// The value of the first `attr="…"` after `marker` in `html`, as written (escaped).
fn attribute_after<'a>(html: &'a str, marker: &str, attr: &str) -> Option<&'a str> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let start = rest.find(&format!("{attr}=\""))? + attr.len() + 2;
    let end = rest[start..].find('"')?;
    Some(&rest[start..start + end])
}

#[test]
fn every_page_names_its_canonical_url_and_what_sharing_shows() {
    let base = "https://city.example.jp/kohyo/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let pages = built_pages(&out, base);
    assert!(pages.len() > 15);
    let mut editions = 0;
    let mut compares = 0;
    for url in &pages {
        let file = out.join(url.strip_prefix(base).unwrap()).join("index.html");
        let html = fs::read_to_string(&file).unwrap();
        let head = &html[..html.find("</head>").unwrap()];
        assert_eq!(head.matches("rel=\"canonical\"").count(), 1, "{url}");
        let meta = |property: &str| {
            attribute_after(head, &format!("property=\"{property}\""), "content")
                .unwrap_or_else(|| panic!("{url}: no {property}"))
        };
        assert_eq!(
            attribute_after(head, "rel=\"canonical\"", "href"),
            Some(url.as_str())
        );
        assert_eq!(meta("og:url"), url);
        assert_eq!(meta("og:locale"), "ja_JP");
        assert_eq!(meta("og:site_name"), "自治体の計画と重点目標");
        let title = &head[head.find("<title>").unwrap() + 7..head.find("</title>").unwrap()];
        let shared = meta("og:title");
        assert!(
            !shared.is_empty() && title.starts_with(shared),
            "{url}: {title} / {shared}"
        );
        assert!(head.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"));
        assert_eq!(meta("og:image"), format!("{base}og-image.png"));
        // An edition page offers its data files as alternates, and they exist.
        if url.matches('/').count() == 7 && !url.contains("/compare/") {
            let json = attribute_after(head, "type=\"application/json\"", "href")
                .unwrap_or_else(|| panic!("{url}: no JSON alternate"));
            assert!(
                out.join(json.strip_prefix(base).unwrap()).is_file(),
                "{json}"
            );
            editions += 1;
        }
        // A compare page offers its changes.json and changes.csv.
        if url.contains("/compare/") {
            for kind in ["application/json", "text/csv"] {
                let file = attribute_after(head, &format!("type=\"{kind}\""), "href")
                    .unwrap_or_else(|| panic!("{url}: no {kind} alternate"));
                assert!(file.starts_with(url.as_str()), "{file}");
                assert!(
                    out.join(file.strip_prefix(base).unwrap()).is_file(),
                    "{file}"
                );
            }
            compares += 1;
        }
    }
    assert_eq!(editions, 8, "every edition page offers its data");
    assert_eq!(compares, 4, "every compare page offers its changes");
    let missing = fs::read_to_string(out.join("404.html")).unwrap();
    assert!(
        !missing.contains("rel=\"canonical\""),
        "the not-found page names no URL"
    );
    // With a path as the base URL, the canonical link is that path and there is no og:url.
    let site = build_with_base("/plans/");
    let home = fs::read_to_string(site.path().join("public/ueda/index.html")).unwrap();
    assert!(home.contains("<link rel=\"canonical\" href=\"/plans/ueda/\">"));
    assert!(!home.contains("og:url"));
}

/// The breadcrumb trail a reader sees: `(name, url)`, the current page's url being its own.
fn visible_trail(html: &str, url: &str) -> Vec<(String, String)> {
    let nav = &html[html.find("class=\"breadcrumbs\"").unwrap()..];
    let nav = &nav[..nav.find("</nav>").unwrap()];
    nav.split("<li")
        .skip(1)
        .map(|li| {
            let text_end = li.find("</li>").unwrap();
            let li = &li[..text_end];
            match li.find("href=\"") {
                Some(at) => {
                    let href = &li[at + 6..];
                    let href = &href[..href.find('"').unwrap()];
                    let name = &li[li.find("\">").unwrap() + 2..li.find("</a>").unwrap()];
                    (name.to_string(), href.to_string())
                }
                None => (li[li.find('>').unwrap() + 1..].to_string(), url.to_string()),
            }
        })
        .collect()
}

#[test]
fn breadcrumbs_and_municipalities_are_described_as_structured_data() {
    let base = "https://city.example.jp/kohyo/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let mut trails = 0;
    for url in built_pages(&out, base) {
        let html = fs::read_to_string(out.join(url.strip_prefix(base).unwrap()).join("index.html"))
            .unwrap();
        let blocks = json_ld(&html);
        let lists: Vec<_> = blocks
            .iter()
            .filter(|b| b["@type"] == "BreadcrumbList")
            .collect();
        if url == base {
            assert!(lists.is_empty(), "the home page has no trail");
            continue;
        }
        assert_eq!(lists.len(), 1, "{url}");
        let listed: Vec<(String, String)> = lists[0]["itemListElement"]
            .as_array()
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, item)| {
                assert_eq!(item["position"], i + 1);
                (
                    item["name"].as_str().unwrap().to_string(),
                    item["item"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(listed, visible_trail(&html, &url), "{url}");
        trails += 1;
    }
    assert!(trails > 15);
    let ueda = fs::read_to_string(out.join("ueda/index.html")).unwrap();
    let org = json_ld(&ueda)
        .into_iter()
        .find(|b| b["@type"] == "GovernmentOrganization")
        .expect("the municipality page describes the municipality");
    assert_eq!(org["name"], "上田市");
    assert_eq!(org["identifier"]["value"], "202037");
    assert_eq!(org["address"]["addressRegion"], "長野県");
    assert_eq!(org["url"], format!("{base}ueda/"));
}
