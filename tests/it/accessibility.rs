//! JIS X 8341-3 (WCAG 2.x AA) in a real browser: every page of the sample site checked by
//! `tests/js/a11y.mjs` in headless Chromium (axe-core, keyboard, headings, tables, reflow at
//! 360 px and 200%, print, CSP), and the accessibility statement made from the site config.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{
    build_into, built_sample, copy_site, node, page, require_chromium, sample_root, visible_text,
};

/// Where the screenshots and the A4 PDF are kept after the test: `target/tmp/a11y/`.
fn artefacts() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("a11y")
}

/// Width of a PNG image, from its header.
fn png_width(path: &Path) -> u32 {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is a PNG",
        path.display()
    );
    u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]])
}

#[test]
fn every_page_passes_the_browser_accessibility_checks() {
    require_chromium();
    let output = built_sample().canonicalize().unwrap();
    let _ = fs::remove_dir_all(artefacts());
    let report: Value = serde_json::from_str(&node(
        &[
            "tests/js/a11y.mjs",
            output.to_str().unwrap(),
            artefacts().to_str().unwrap(),
        ],
        "",
    ))
    .unwrap();
    let pages = report["pages"].as_array().unwrap();
    // Every page the build wrote, the search page with results, and the 404 page.
    let html_pages = walkdir::WalkDir::new(&output)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .count();
    assert_eq!(pages.len(), html_pages + 2);
    let urls: Vec<&str> = pages.iter().map(|p| p["url"].as_str().unwrap()).collect();
    for expected in [
        "",
        "ueda/",
        "ueda/seisaku-kikaku/",
        "ueda/seisaku-kikaku/2023/",
        "ueda/seisaku-kikaku/compare/2022-2023/",
        "data/",
        "search/?q=SDGs",
        "accessibility/",
        "no-such-page/",
    ] {
        assert!(urls.contains(&expected), "{expected} not checked: {urls:?}");
    }
    let mut tables = 0;
    let mut cramped = Vec::new();
    for p in pages {
        let url = p["url"].as_str().unwrap();
        let expected_status = if url == "no-such-page/" { 404 } else { 200 };
        assert_eq!(p["status"], expected_status, "{url}");
        for list in [
            "violations",
            "headingProblems",
            "tableProblems",
            "focusProblems",
            "errors",
        ] {
            assert_eq!(p[list], serde_json::json!([]), "{url}: {list}");
        }
        assert!(p["rules"].as_u64().unwrap() >= 20, "{url}: axe ran");
        assert_eq!(p["skip"]["text"], "本文へ移動", "{url}");
        assert_eq!(p["skip"]["href"], "#main", "{url}");
        assert_eq!(
            p["skip"]["visible"], true,
            "{url}: the skip link shows on focus"
        );
        assert_eq!(p["skip"]["focusAfterEnter"], "main", "{url}");
        assert!(p["stops"].as_u64().unwrap() >= 3, "{url}: tabbed through");
        for width in ["overflow360", "overflowZoom", "overflowPrint"] {
            assert_eq!(p[width], 0, "{url}: scrolls sideways ({width})");
        }
        for (what, problem) in [
            ("narrow", "text squeezed narrower than two characters"),
            (
                "split",
                "a label ends one row and its control starts the next",
            ),
        ] {
            for found in p[what].as_array().unwrap() {
                cramped.push(format!("{url}: at 360 px, {problem}: {found}"));
            }
        }
        assert_eq!(p["printHidden"], true, "{url}: print hides the search form");
        let csp = p["csp"].as_str().unwrap_or_else(|| panic!("{url}: no CSP"));
        assert!(csp.contains("script-src 'self'"), "{url}: {csp}");
        assert!(!csp.contains("unsafe"), "{url}: {csp}");
        assert_eq!(p["inlineScripts"], 0, "{url}");
        assert_eq!(p["headings"][0], 1, "{url}: starts with its h1");
        tables += p["tables"].as_u64().unwrap();
    }
    assert!(tables >= 10, "tables were checked: {tables}");
    assert!(cramped.is_empty(), "{}", cramped.join("\n"));
    let applied: Vec<&str> = report["rulesApplied"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    for rule in [
        "color-contrast",
        "html-has-lang",
        "document-title",
        "link-name",
        "label",
        "list",
        "th-has-data-cells",
        "aria-allowed-attr",
    ] {
        assert!(applied.contains(&rule), "{rule} was applied: {applied:?}");
    }
    // Screenshots at phone and desktop width, and the edition page printed on A4.
    for name in [
        "ueda-seisaku-kikaku-2023",
        "ueda-seisaku-kikaku-compare-2022-2023",
    ] {
        assert_eq!(png_width(&artefacts().join(format!("{name}-360.png"))), 360);
        assert_eq!(
            png_width(&artefacts().join(format!("{name}-1280.png"))),
            1280
        );
        let pdf = fs::read(artefacts().join(format!("{name}-a4.pdf"))).unwrap();
        assert!(pdf.starts_with(b"%PDF"), "{name}-a4.pdf");
    }
    println!(
        "axe-core {} applied {} rules; screenshots in {}",
        report["axeVersion"],
        applied.len(),
        artefacts().display()
    );
}

#[test]
fn accessibility_statement_comes_from_the_site_config() {
    let text = visible_text(&page("accessibility/index.html"));
    assert!(text.contains("ウェブアクセシビリティ方針"), "{text}");
    assert!(text.contains("JIS X 8341-3:2016"), "{text}");
    assert!(text.contains("適合レベルAAに準拠することを目標"), "{text}");
    assert!(
        text.contains("wcag2a、wcag2aa、wcag21a、wcag21aa"),
        "{text}"
    );
    assert!(text.contains("kohyo 見本サイト"), "{text}");
    assert!(
        text.contains("このサイトの運営者までお知らせください"),
        "{text}"
    );
    // Linked from every page's footer.
    assert!(page("index.html").contains("href=\"/accessibility/\">ウェブアクセシビリティ方針</a>"));

    let site = copy_site(&sample_root());
    let config = site.path().join("kohyo.toml");
    let toml = fs::read_to_string(&config).unwrap();
    let toml = toml
        .replace("level = \"AA\"", "level = \"A\"")
        .replace("kohyo 見本サイト", "〇〇市 総務部 広報課");
    fs::write(&config, toml).unwrap();
    let out = site.path().join("out");
    build_into(site.path(), &out);
    let text = visible_text(&fs::read_to_string(out.join("accessibility/index.html")).unwrap());
    assert!(text.contains("〇〇市 総務部 広報課"), "{text}");
    assert!(text.contains("適合レベルAに準拠することを目標"), "{text}");
}
