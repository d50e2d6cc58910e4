//! What subscribers and sharing services read: Atom feeds of the site, each municipality and
//! each series, parsed by a feed reader's parser, every link a built page; and the share image
//! the OpenGraph and Twitter tags name.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use feed_rs::model::{Feed, FeedType};

use crate::common::{build_with_base, built_sample, copy_site, kohyo, sample_root, stderr};

/// Every feed under `out`, by path from `out`, parsed as a feed reader parses it.
fn feeds(out: &Path) -> BTreeMap<String, Feed> {
    walkdir::WalkDir::new(out)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "atom.xml")
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(out)
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            let bytes = fs::read(e.path()).unwrap();
            let feed = feed_rs::parser::parse(bytes.as_slice())
                .unwrap_or_else(|err| panic!("{rel} is no feed: {err}"));
            assert_eq!(feed.feed_type, FeedType::Atom, "{rel}");
            (rel, feed)
        })
        .collect()
}

/// The series of the sample (`municipality/series`) and, for each, its editions' slugs that
/// the source dates (by `published`, `fiscal_year` or `period`), read from the TOML files.
fn dated_editions() -> BTreeMap<String, (Vec<String>, usize)> {
    let content = sample_root().join("content");
    let mut series = BTreeMap::new();
    for m in fs::read_dir(&content).unwrap().filter_map(Result::ok) {
        if !m.path().is_dir() {
            continue;
        }
        for s in fs::read_dir(m.path()).unwrap().filter_map(Result::ok) {
            if !s.path().is_dir() {
                continue;
            }
            let mut all = 0;
            let mut dated = Vec::new();
            for e in fs::read_dir(s.path()).unwrap().filter_map(Result::ok) {
                let name = e.file_name().to_str().unwrap().to_string();
                if name.starts_with('_') || !name.ends_with(".toml") {
                    continue;
                }
                all += 1;
                let toml: toml::Table = fs::read_to_string(e.path()).unwrap().parse().unwrap();
                if ["published", "fiscal_year", "period"]
                    .iter()
                    .any(|k| toml.contains_key(*k))
                {
                    dated.push(name.trim_end_matches(".toml").to_string());
                }
            }
            let key = format!(
                "{}/{}",
                m.file_name().to_str().unwrap(),
                s.file_name().to_str().unwrap()
            );
            series.insert(key, (dated, all));
        }
    }
    series
}

#[test]
fn feeds_hold_every_dated_edition_and_comparison_and_link_built_pages() {
    let base = "https://city.example.jp/kohyo/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let feeds = feeds(&out);

    // A feed for the site, and for each municipality and series the source dates; none for
    // 川西市, whose two versions carry no year and no date.
    let dated = dated_editions();
    let mut expected = BTreeSet::from(["atom.xml".to_string()]);
    for (series, (editions, _)) in &dated {
        if !editions.is_empty() {
            expected.insert(format!("{series}/atom.xml"));
            let municipality = series.split('/').next().unwrap();
            expected.insert(format!("{municipality}/atom.xml"));
        }
    }
    assert!(!expected.iter().any(|f| f.starts_with("kawanishi")));
    let found: BTreeSet<String> = feeds.keys().cloned().collect();
    assert_eq!(found, expected);

    let mut ids = BTreeSet::new();
    for (rel, feed) in &feeds {
        assert!(
            ids.insert(feed.id.clone()),
            "{rel}: feed id {} twice",
            feed.id
        );
        let self_link = feed.links.iter().find(|l| l.rel.as_deref() == Some("self"));
        assert_eq!(
            self_link.map(|l| l.href.as_str()),
            Some(format!("{base}{rel}").as_str()),
            "{rel}"
        );
        assert!(feed.updated.is_some(), "{rel}");
        assert!(!feed.entries.is_empty(), "{rel}");
        let mut previous = None;
        for entry in &feed.entries {
            let href = &entry.links[0].href;
            let path = href.strip_prefix(base).unwrap_or_else(|| panic!("{href}"));
            assert!(
                out.join(path).join("index.html").is_file(),
                "{rel}: {href} is no built page"
            );
            assert_eq!(entry.id, *href, "{rel}: an entry's id is its page's URL");
            let updated = entry.updated.unwrap_or_else(|| panic!("{rel}: {href}"));
            if let Some(previous) = previous {
                assert!(updated <= previous, "{rel}: newest first");
            }
            previous = Some(updated);
            assert!(entry.title.is_some() && entry.summary.is_some(), "{href}");
        }
    }

    // A series feed: each dated edition and each comparison whose later edition is dated.
    let series = &feeds["ueda/shimin-machizukuri/atom.xml"];
    let (editions, all) = &dated["ueda/shimin-machizukuri"];
    assert_eq!(
        editions.len(),
        *all,
        "every 上田市 edition has a fiscal year"
    );
    assert_eq!(series.entries.len(), editions.len() + editions.len() - 1);
    let links: Vec<&str> = series
        .entries
        .iter()
        .map(|e| e.links[0].href.strip_prefix(base).unwrap())
        .collect();
    assert_eq!(
        links,
        [
            "ueda/shimin-machizukuri/2025/",
            "ueda/shimin-machizukuri/compare/2018-2025/",
            "ueda/shimin-machizukuri/2018/",
            "ueda/shimin-machizukuri/compare/2017-2018/",
            "ueda/shimin-machizukuri/2017/",
        ]
    );
    let newest = &series.entries[0];
    assert_eq!(
        newest.updated.unwrap().to_rfc3339(),
        "2025-03-31T15:00:00+00:00",
        "dated by the first day of 令和7年度 in Japan's time zone"
    );
    assert!(
        newest.published.is_none(),
        "no publication date is invented"
    );
    let summary = &newest.summary.as_ref().unwrap().content;
    assert!(summary.contains("公表日の記載がない"), "{summary}");
    let compare = &series.entries[3];
    let text = &compare.summary.as_ref().unwrap().content;
    assert!(text.contains("追加") && text.contains("変更なし"), "{text}");

    // 一関市's plan is dated by the month the source prints (令和6年3月).
    let plan = &feeds["ichinoseki/kyodo-suishin/atom.xml"].entries[0];
    assert_eq!(
        plan.published.unwrap().to_rfc3339(),
        "2024-02-29T15:00:00+00:00"
    );
    assert!(plan.summary.as_ref().unwrap().content.contains("公表月"));

    // The site's feed holds every municipality's entries, newest first.
    let whole = &feeds["atom.xml"];
    let per_series: usize = feeds
        .iter()
        .filter(|(rel, _)| rel.matches('/').count() == 2)
        .map(|(_, f)| f.entries.len())
        .sum();
    assert_eq!(whole.entries.len(), per_series.min(50));
}

#[test]
fn every_page_links_the_feeds_that_exist_and_names_them() {
    let out = built_sample();
    let link = regex_like_links(&fs::read_to_string(out.join("index.html")).unwrap());
    assert_eq!(link, ["/atom.xml"], "the home page links the site's feed");
    for page in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
    {
        let rel = page.path().strip_prefix(out).unwrap().to_str().unwrap();
        let html = fs::read_to_string(page.path()).unwrap();
        let links = regex_like_links(&html);
        assert_eq!(links.last().map(String::as_str), Some("/atom.xml"), "{rel}");
        for href in &links {
            assert!(
                out.join(href.trim_start_matches('/')).is_file(),
                "{rel}: {href} is no feed"
            );
        }
        let parts: Vec<&str> = rel.split('/').collect();
        let expected_first = match parts.as_slice() {
            ["ueda" | "ichinoseki", "index.html"] => Some(format!("/{}/atom.xml", parts[0])),
            ["ueda" | "ichinoseki", series, ..] => Some(format!("/{}/{series}/atom.xml", parts[0])),
            _ => None,
        };
        match expected_first {
            Some(first) => assert_eq!(links, [first, "/atom.xml".into()], "{rel}"),
            None => assert_eq!(links, ["/atom.xml"], "{rel}"),
        }
        if rel != "404.html" {
            assert!(html.contains("更新情報（Atom フィード）"), "{rel}");
        }
    }
}

/// The `href` of each Atom `<link rel="alternate">` in a page's head, in order.
fn regex_like_links(html: &str) -> Vec<String> {
    let marker = "<link rel=\"alternate\" type=\"application/atom+xml\" href=\"";
    html.match_indices(marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

#[test]
fn under_a_path_base_feeds_link_paths_and_keep_stable_ids() {
    let out = built_sample();
    let feeds = feeds(out);
    let series = &feeds["ueda/seisaku-kikaku/atom.xml"];
    assert!(series.id.starts_with("urn:uuid:"), "{}", series.id);
    for entry in &series.entries {
        assert!(entry.id.starts_with("urn:uuid:"), "{}", entry.id);
        let href = &entry.links[0].href;
        assert!(href.starts_with("/ueda/seisaku-kikaku/"), "{href}");
        assert!(out.join(&href[1..]).join("index.html").is_file(), "{href}");
    }
    // Built again elsewhere with another base path: the same ids.
    let moved = build_with_base("/kohyo/");
    let again = &self::feeds(&moved.path().join("public"))["ueda/seisaku-kikaku/atom.xml"];
    let ids = |f: &Feed| f.entries.iter().map(|e| e.id.clone()).collect::<Vec<_>>();
    assert_eq!(ids(series), ids(again));
    assert!(again.entries[0].links[0].href.starts_with("/kohyo/ueda/"));
}

#[test]
fn pages_are_shared_with_the_card_made_at_build_time_under_an_absolute_base() {
    let base = "https://city.example.jp/";
    let site = build_with_base(base);
    let out = site.path().join("public");
    let card = fs::read(out.join("og-image.png")).unwrap();
    let reader = png::Decoder::new(std::io::Cursor::new(&card))
        .read_info()
        .unwrap();
    let (width, height) = (reader.info().width, reader.info().height);
    assert_eq!((width, height), (1200, 630));
    for page in walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
    {
        let html = fs::read_to_string(page.path()).unwrap();
        let rel = page.path().display();
        assert!(
            html.contains(&format!(
                "<meta property=\"og:image\" content=\"{base}og-image.png\">"
            )),
            "{rel}"
        );
        assert!(html.contains(&format!("content=\"{width}\"")), "{rel}");
        assert!(html.contains("<meta property=\"og:image:alt\""), "{rel}");
        assert!(
            html.contains("<meta name=\"twitter:card\" content=\"summary_large_image\">"),
            "{rel}"
        );
    }

    // Under a path base, crawlers could not fetch it: no image, the small card.
    let sample = built_sample();
    assert!(!sample.join("og-image.png").exists());
    let home = fs::read_to_string(sample.join("index.html")).unwrap();
    assert!(!home.contains("og:image"));
    assert!(home.contains("<meta name=\"twitter:card\" content=\"summary\">"));

    // A theme's own image is used as it is.
    let themed = copy_site(&sample_root());
    let static_dir = themed.path().join("themes/default/static");
    fs::create_dir_all(&static_dir).unwrap();
    fs::write(static_dir.join("og-image.png"), &card[..card.len() / 2]).unwrap();
    let root = themed.path().to_str().unwrap();
    let built = kohyo(&["build", "--root", root, "--base-url", base]);
    assert!(built.status.success(), "{}", stderr(&built));
    let out = themed.path().join("public");
    assert_eq!(
        fs::read(out.join("og-image.png")).unwrap().len(),
        card.len() / 2
    );
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("og-image.png"));
    assert!(
        !home.contains("og:image:width"),
        "a theme's image is not measured"
    );
}
