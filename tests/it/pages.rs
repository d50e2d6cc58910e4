//! What a reader sees on the sample site's pages: structure, 和暦, missing values, links.

use crate::common::{built_sample, page, visible_text};

#[test]
fn every_page_is_japanese_and_phone_ready() {
    let mut pages = 0;
    for entry in walkdir::WalkDir::new(built_sample()) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|x| x == "html") {
            let html = std::fs::read_to_string(entry.path()).unwrap();
            assert!(
                html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"),
                "{}",
                entry.path().display()
            );
            assert!(
                html.contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\"")
            );
            assert!(html.contains("<main id=\"main\""));
            assert!(html.contains("href=\"#main\">本文へ移動</a>"));
            let is_search = entry.path().ends_with("search/index.html");
            let scripts = html.matches("<script").count();
            let data_blocks = html
                .matches("<script type=\"application/ld+json\">")
                .count();
            assert_eq!(
                scripts > data_blocks,
                is_search,
                "only the search page uses JavaScript (JSON-LD is data): {}",
                entry.path().display()
            );
            assert!(
                html.contains(r#"<form class="site-search" role="search""#)
                    && html.contains(r#"action="/search/" method="get""#)
                    && html.contains(r#"name="q" type="search""#),
                "a search box on every page: {}",
                entry.path().display()
            );
            pages += 1;
        }
    }
    // home, data, search, accessibility statement, 404, 3 municipalities and their data pages,
    // 4 series, 8 editions, 4 compare pages, and a history page per goal as the data lists them
    let histories: std::collections::BTreeSet<String> =
        std::fs::read_to_string(built_sample().join("data/goal_history.csv"))
            .unwrap()
            .lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
    assert!(histories.len() > 100, "{}", histories.len());
    assert_eq!(pages, 27 + histories.len());
}

#[test]
fn home_lists_every_municipality_and_series() {
    let text = visible_text(&page("index.html"));
    for name in [
        "上田市",
        "川西市",
        "一関市",
        "重点目標一覧表",
        "川西市参画と協働のまちづくり推進計画",
        "一関市協働推進計画",
    ] {
        assert!(text.contains(name), "{name}");
    }
    assert!(
        text.contains("市民まちづくり推進部・上田地域自治C"),
        "latest department shown"
    );
    // By 全国地方公共団体コード: 岩手県 (03) before 長野県 (20) before 兵庫県 (28).
    let at = |name: &str| {
        text.find(&format!("{name} "))
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert!(
        at("一関市") < at("上田市") && at("上田市") < at("川西市"),
        "{text}"
    );
}

#[test]
fn series_page_is_a_timeline_with_era_labels() {
    let html = page("ueda/shimin-machizukuri/index.html");
    let text = visible_text(&html);
    let order: Vec<usize> = [
        "平成29年度（2017年度）",
        "平成30年度（2018年度）",
        "令和7年度（2025年度）",
    ]
    .iter()
    .map(|label| text.find(label).unwrap_or_else(|| panic!("{label}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert!(html.contains("<time datetime=\"2025\">令和7年度（2025年度）</time>"));
    let text = visible_text(&page("kawanishi/sankaku-kyodo/index.html"));
    assert!(text.find("11月30日現在").unwrap() < text.find("11月13日送付").unwrap());
    // A municipality's cards tell its series apart by department and years.
    let text = visible_text(&page("ueda/index.html"));
    assert!(
        text.contains("重点目標一覧表（政策企画部）")
            && text.contains("令和4年度（2022年度）～令和5年度（2023年度）"),
        "{text}"
    );
}

#[test]
fn missing_values_say_kisai_nashi() {
    let text = visible_text(&page("ueda/shimin-machizukuri/2025/index.html"));
    assert!(
        text.contains("（タイトル記載なし）"),
        "goal 6 has no title in the source"
    );
    let text = visible_text(&page("kawanishi/sankaku-kyodo/nov13/index.html"));
    assert!(text.contains("年度 記載なし"), "the versions print no year");
    assert!(text.contains("版 11月13日送付"));
    // indicators printed with names only are listed, not tabulated as empty cells
    assert!(
        text.contains(
            "施策評価指標 ① 住んでいる地域の必要な情報が入手できると感じている市民の割合 ②"
        ),
        "{text}"
    );
    assert!(!text.contains("単位 現状 実績 目標"));
}

#[test]
fn department_changes_between_editions() {
    let old = visible_text(&page("ueda/shimin-machizukuri/2018/index.html"));
    let new = visible_text(&page("ueda/shimin-machizukuri/2025/index.html"));
    assert!(old.contains("担当部局 市民参加協働部・上田地域自治C"));
    assert!(new.contains("担当部局 市民まちづくり推進部・上田地域自治C"));
    assert!(new.contains("段階 中間報告"));
    assert!(new.contains("備考 2・3ページ目の表題は「重点目標一覧表（中間報告調査書）」"));
    assert!(old.contains("段階 当初"));
}

#[test]
fn plan_page_shows_period_draft_schedule_actors_and_indicators() {
    let html = page("ichinoseki/kyodo-suishin/dai3ji/index.html");
    let text = visible_text(&html);
    assert!(text.contains("令和6年度～令和10年度（2024～2028年度）"));
    assert!(text.contains("段階 当初（案）"));
    assert!(html.contains("<time datetime=\"2024-03\">令和6年3月</time>"));
    // 事業11: 検討 → 実施 → → over 令和6–10年度
    let j11 = &html[html.find("id=\"j11\"").expect("事業11 anchor")..];
    let j11 = &j11[..j11.find("</table>").unwrap()];
    let cells = visible_text(j11);
    assert!(
        cells.contains("令和6年度 令和7年度 令和8年度 令和9年度 令和10年度 検討 → 実施 → →"),
        "{cells}"
    );
    // 体系図: 18 rows, ⑤ 職員研修の実施 led by 市 only
    let outline = &html[html.find("<table class=\"outline\"").unwrap()..];
    let outline = &outline[..outline.find("</table>").unwrap()];
    assert_eq!(outline.matches("<td class=\"mark\">").count(), 18 * 3);
    assert!(
        visible_text(outline).contains("⑤ 職員研修の実施 なし なし ◎ （先導的に取り組む）"),
        "{}",
        visible_text(outline)
    );
    // indicators: baseline and target with era labels, units, and an SVG chart
    assert!(text.contains("市民1人当たりの市民センター利用回数"));
    assert!(text.contains("令和4年度 3.77回/年"), "{text}");
    assert!(text.contains("令和10年度 4.23回/年"));
    assert!(text.contains("令和10年度 10,000件"));
    assert!(html.contains(
        "aria-label=\"市民1人当たりの市民センター利用回数：現状 3.77回/年、目標 4.23回/年\""
    ));
}

#[test]
fn headline_figures_are_indicators_with_actual_values() {
    let text = visible_text(&page("ueda/shimin-machizukuri/2025/index.html"));
    assert!(text.contains("行政サポートによる移住者数"));
    assert!(text.contains("110人"));
    assert!(text.contains("68人"));
    assert!(text.contains("9月末 78.4%"), "{text}");
    assert!(text.contains("80.0%"), "printed decimals are kept");
}

#[test]
fn cross_references_are_shown_as_printed() {
    let text = visible_text(&page("ueda/seisaku-kikaku/2022/index.html"));
    assert!(text.contains("参照 文化スポーツ観光部に記載"), "{text}");
}

#[test]
fn stable_anchors_on_every_item() {
    let html = page("ichinoseki/kyodo-suishin/dai3ji/index.html");
    for anchor in ["h1", "h1-1", "j1", "j18", "ch1", "ch3-7"] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
    }
    let html = page("kawanishi/sankaku-kyodo/nov30/index.html");
    for anchor in ["p1", "p1-1", "p1-1-1", "p1-t12", "p3-t3"] {
        assert!(html.contains(&format!("id=\"{anchor}\"")), "{anchor}");
    }
}

#[test]
fn markdown_tables_and_headings_render() {
    let html = page("ichinoseki/kyodo-suishin/dai3ji/index.html");
    assert!(
        html.contains("<caption>地域協働体の役割</caption>")
            && html.contains("<th scope=\"col\">区 分</th>"),
        "地域協働体の役割 is a table with its caption and column headers"
    );
    assert!(html.contains("<li><strong>平成 22 年度</strong>　一関市協働推進アクションプラン策定"));
    assert!(html.contains("一関市協働推進アクションプラン策定"));
}

#[test]
fn the_official_document_is_linked_and_no_internal_path_is_shown() {
    // The sample names no document address (the seeds give none): no page shows a link to
    // one, and no page shows where kohyo keeps its sources.
    let out = built_sample();
    for page in walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
    {
        let text = visible_text(&std::fs::read_to_string(page.path()).unwrap());
        assert!(!text.contains("content/"), "{}", page.path().display());
        assert!(!text.contains("元資料："), "{}", page.path().display());
    }

    let site = crate::common::copy_site(&crate::common::sample_root());
    let file = site
        .path()
        .join("content/ueda/shimin-machizukuri/2025.toml");
    let url = "https://www.city.example.lg.jp/shimin/r7-juten.pdf";
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "fiscal_year = 2025\n",
        &format!("fiscal_year = 2025\nsource_url = \"{url}\"\n"),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let out = site.path().join("public");
    crate::common::build_into(site.path(), &out);
    let edition =
        std::fs::read_to_string(out.join("ueda/shimin-machizukuri/2025/index.html")).unwrap();
    let link = format!("<a href=\"{url}\">重点目標一覧表（中間報告調書）</a>");
    assert_eq!(
        edition.matches(&link).count(),
        2,
        "in the header and at the end"
    );
    let compare =
        std::fs::read_to_string(out.join("ueda/shimin-machizukuri/compare/2018-2025/index.html"))
            .unwrap();
    assert!(compare.contains(&format!("<a href=\"{url}\">元資料</a>")));
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("data/ueda/shimin-machizukuri/2025.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["editions"][0]["source_url"], url);
    let changes: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            out.join("ueda/shimin-machizukuri/compare/2018-2025/changes.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(changes["new"]["source_url"], url);
    assert_eq!(changes["old"]["source_url"], serde_json::Value::Null);
    let editions_csv = std::fs::read_to_string(out.join("data/editions.csv")).unwrap();
    assert!(editions_csv.contains(url), "the editions table");

    // Only an absolute http(s) address can name a published document.
    for bad in ["javascript:alert(1)", "/local/path.pdf", "r7.pdf"] {
        let err = crate::common::broken_build(|root| {
            let file = root.join("content/ueda/shimin-machizukuri/2025.toml");
            let text = std::fs::read_to_string(&file).unwrap().replacen(
                "fiscal_year = 2025\n",
                &format!("fiscal_year = 2025\nsource_url = \"{bad}\"\n"),
                1,
            );
            std::fs::write(&file, text).unwrap();
        });
        assert!(
            err.contains("content/ueda/shimin-machizukuri/2025.toml:8:14")
                && err.contains("expected an absolute http(s) URL"),
            "{bad}: {err}"
        );
    }
}

/// The `<thead>` headings of every indicator table of a page, table by table.
fn indicator_headings(html: &str) -> Vec<String> {
    html.split("<table class=\"indicators\">")
        .skip(1)
        .map(|t| {
            let head = &t[t.find("<thead>").expect("a table head")..t.find("</thead>").unwrap()];
            visible_text(head)
        })
        .collect()
}

#[test]
fn indicator_tables_have_only_the_columns_the_document_fills() {
    // the plan gives baselines and targets, never actual values: no 実績 column of 記載なし
    let html = page("ichinoseki/kyodo-suishin/dai3ji/index.html");
    let tables = indicator_headings(&html);
    assert!(!tables.is_empty());
    for head in &tables {
        assert_eq!(head, "指標 単位 現状 目標", "{tables:?}");
    }
    let first = &html[html.find("<table class=\"indicators\">").unwrap()..];
    let first = &first[..first.find("</table>").unwrap()];
    assert!(
        !visible_text(first).contains("記載なし"),
        "{}",
        visible_text(first)
    );
    // the interim report gives targets and actual values but no baselines
    let tables = indicator_headings(&page("ueda/shimin-machizukuri/2025/index.html"));
    assert!(!tables.is_empty());
    assert!(
        tables
            .iter()
            .all(|h| h.contains("実績") && h.contains("目標")),
        "{tables:?}"
    );
}

#[test]
fn every_page_describes_itself() {
    let description = |path: &str| {
        let html = page(path);
        let start = html
            .find("<meta name=\"description\" content=\"")
            .unwrap_or_else(|| panic!("{path} has a description"))
            + "<meta name=\"description\" content=\"".len();
        let text = &html[start..];
        text[..text.find('"').unwrap()].to_string()
    };
    let edition = description("ueda/shimin-machizukuri/2025/index.html");
    assert_eq!(
        edition,
        "上田市の「令和7年度重点目標」（令和7年度（2025年度）・中間報告）の全文。項目35件、指標7件。"
    );
    let compare = description("ueda/shimin-machizukuri/compare/2017-2018/index.html");
    assert!(
        compare.starts_with(
            "上田市の「重点目標一覧表」の平成29年度（2017年度）と平成30年度（2018年度）の比較。追加"
        ),
        "{compare}"
    );
    // no two pages below a municipality say the same of themselves
    let mut seen = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(built_sample()) {
        let entry = entry.unwrap();
        let path = entry.path().strip_prefix(built_sample()).unwrap();
        let name = path.to_string_lossy().to_string();
        if !name.ends_with("index.html")
            || !["ueda/", "kawanishi/", "ichinoseki/"]
                .iter()
                .any(|m| name.starts_with(m))
        {
            continue;
        }
        if let Some(other) = seen.insert(description(&name), name.clone()) {
            panic!("{name} and {other} share a description");
        }
    }
    assert!(seen.len() > 100, "{}", seen.len());
}

#[test]
fn pages_say_when_they_were_last_updated() {
    let updated = "最終更新：<time datetime=\"2024-03\">令和6年3月</time>";
    // 一関市's plan gives its month of publication; the series, the municipality and the whole
    // site were last updated then
    for path in [
        "ichinoseki/kyodo-suishin/dai3ji/index.html",
        "ichinoseki/kyodo-suishin/index.html",
        "ichinoseki/index.html",
        "index.html",
    ] {
        assert!(page(path).contains(updated), "{path}");
    }
    // 上田市's tables say no month: nothing is invented for them
    for path in ["ueda/shimin-machizukuri/2025/index.html", "ueda/index.html"] {
        assert!(!page(path).contains("最終更新"), "{path}");
    }
}
