//! Search on the built sample site: exact-substring truth, the same ranking in Rust and in the
//! browser's engine (node), and the search page in headless Chromium.

use std::collections::{BTreeMap, BTreeSet};

use kohyo::search::engine::{Filters, Index, SearchResult, TIER};
use kohyo::text::normalize;
use serde_json::Value;

use crate::common::{
    append, broken_build, built_sample, kohyo, node, page, require_chromium, sample_root,
    visible_text,
};

/// The edition pages (URL → normalised text of `<main>`), read from the built HTML.
fn edition_texts() -> Vec<(String, String)> {
    let index = Index::open(built_sample()).unwrap();
    index
        .page_urls()
        .into_iter()
        .map(|url| {
            let html = page(&format!("{}index.html", url.trim_start_matches('/')));
            let main = &html[html.find("<main").unwrap()..html.find("</main>").unwrap()];
            (url, normalize(&visible_text(main)))
        })
        .collect()
}

/// Pages of the results of `query`, in rank order, without repeats.
fn result_pages(query: &str) -> Vec<String> {
    let index = Index::open(built_sample()).unwrap();
    let urls = index.page_urls();
    let mut pages = Vec::new();
    for (record, _) in index.search(query, &Filters::default()) {
        let url = urls[index.page_number(record)].clone();
        if !pages.contains(&url) {
            pages.push(url);
        }
    }
    pages
}

/// Results must be exactly the pages whose text holds every word, and there must be some.
fn assert_exact(query: &str, words: &[&str]) -> Vec<String> {
    let truth: BTreeSet<String> = edition_texts()
        .into_iter()
        .filter(|(_, text)| words.iter().all(|w| text.contains(&normalize(w))))
        .map(|(url, _)| url)
        .collect();
    let found = result_pages(query);
    assert!(!truth.is_empty(), "{query}: the sample site holds it");
    assert_eq!(
        found.iter().cloned().collect::<BTreeSet<_>>(),
        truth,
        "{query}"
    );
    found
}

/// The marked parts of a result's snippet.
fn marks(result: &SearchResult) -> Vec<String> {
    result
        .highlights
        .iter()
        .map(|(a, b)| result.snippet.chars().skip(*a).take(b - a).collect())
        .collect()
}

fn top(query: &str) -> SearchResult {
    let index = Index::open(built_sample()).unwrap();
    index
        .query(query, &Filters::default(), 1)
        .pop()
        .unwrap_or_else(|| panic!("{query}: no result"))
}

#[test]
fn full_width_and_half_width_are_the_same_query() {
    let index = Index::open(built_sample()).unwrap();
    let full = index.search("ＳＤＧｓ", &Filters::default());
    assert_eq!(full, index.search("SDGs", &Filters::default()));
    assert_eq!(full, index.search("sdgs", &Filters::default()));
    assert_exact("ＳＤＧｓ", &["SDGs"]);
    assert_eq!(top("ＳＤＧｓ").url, "/ueda/seisaku-kikaku/2022/#sdgs");
}

#[test]
fn katakana_words_are_found_exactly() {
    assert_exact("マイナンバーカード", &["マイナンバーカード"]);
    assert_exact("パブリックコメント", &["パブリックコメント"]);
    let hit = top("ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ");
    assert_eq!(hit.url, "/ueda/shimin-machizukuri/2025/#digital-mynumber");
    assert!(hit.title.contains("マイナンバーカード保有枚数率の向上"));
}

#[test]
fn single_kanji_and_hiragana_words_are_found() {
    assert_exact("塩", &["塩"]);
    assert!(top("塩").snippet.contains('塩'));
    assert_exact("ふるさと", &["ふるさと"]);
    assert_eq!(
        top("ふるさと").url,
        "/ueda/shimin-machizukuri/2025/#iju-furusato"
    );
    assert_exact("まちづくり", &["まちづくり"]);
}

#[test]
fn a_word_the_dictionary_splits_is_found_inside_compounds() {
    // IPADIC cuts 地域内分権 as 地域|内分|権: a token search would miss 分権.
    let found = assert_exact("分権", &["分権"]);
    assert!(found.contains(&"/ueda/shimin-machizukuri/2017/".to_string()));
    let index = Index::open(built_sample()).unwrap();
    let results = index.query("分権", &Filters::default(), 50);
    let goal = results
        .iter()
        .find(|r| r.url == "/ueda/shimin-machizukuri/2017/#bunken")
        .expect("goal 1 of 平成29年度 is a result");
    assert!(goal.title.contains("地域内分権確立"));
    let (a, b) = goal.highlights[0];
    let marked: String = goal.snippet.chars().skip(a).take(b - a).collect();
    assert_eq!(marked, "分権");
}

#[test]
fn space_separated_words_must_all_occur() {
    let index = Index::open(built_sample()).unwrap();
    let count = |q: &str| index.search(q, &Filters::default()).len();
    assert!(count("自治会 負担") < count("自治会").min(count("負担")));
    assert_exact("自治会 負担", &["自治会", "負担"]);
    assert_exact("長野大学 協働", &["長野大学", "協働"]);
    let hit = top("自治会　負担");
    assert!(hit.snippet.contains("自治会") && hit.snippet.contains("負担"));
}

#[test]
fn a_title_match_and_an_exact_phrase_rank_first() {
    let index = Index::open(built_sample()).unwrap();
    let results = index.query("地域協働体", &Filters::default(), 100);
    let first_body_only = results.iter().position(|r| !r.title.contains("地域協働体"));
    let last_title = results.iter().rposition(|r| r.title.contains("地域協働体"));
    assert!(first_body_only > last_title, "title matches come first");
    // The words typed together as a phrase outrank the same words apart.
    let phrase = index.search("地域 協働体", &Filters::default());
    assert!(phrase[0].1 > phrase.last().unwrap().1);
}

#[test]
fn filters_narrow_results_to_a_municipality_department_or_year() {
    let index = Index::open(built_sample()).unwrap();
    let filtered = |filters: Filters| {
        index
            .query("協働", &filters, 1000)
            .into_iter()
            .map(|r| r.breadcrumb)
            .collect::<Vec<_>>()
    };
    let all = filtered(Filters::default());
    let kawanishi = filtered(Filters {
        municipality: Some("川西市".into()),
        ..Filters::default()
    });
    assert!(!kawanishi.is_empty() && kawanishi.len() < all.len());
    assert!(kawanishi.iter().all(|b| b[0] == "川西市"));
    let year = filtered(Filters {
        year: Some(2018),
        ..Filters::default()
    });
    assert!(
        !year.is_empty()
            && year
                .iter()
                .all(|b| b.contains(&"平成30年度（2018年度）".into()))
    );
    let department = filtered(Filters {
        department: Some("政策企画部".into()),
        ..Filters::default()
    });
    assert!(department.iter().all(|b| b[1] == "政策企画部"));
}

#[test]
fn nothing_found_is_said_plainly() {
    let index = Index::open(built_sample()).unwrap();
    assert!(
        index
            .search("存在しないことば", &Filters::default())
            .is_empty()
    );
    assert!(index.search("   ", &Filters::default()).is_empty());
    let out = kohyo(&[
        "search",
        "存在しないことば",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no results\n");
}

#[test]
fn cli_prints_ranked_results_as_json() {
    let out = kohyo(&[
        "search",
        "移住",
        "--json",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let results: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = results.as_array().unwrap();
    assert!(!results.is_empty());
    let scores: Vec<i64> = results
        .iter()
        .map(|r| r["score"].as_i64().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    for r in results {
        assert!(r["url"].as_str().unwrap().starts_with('/'));
        assert!(r["snippet"].as_str().unwrap().contains("移住"), "{r}");
        assert!(r["title"].is_string() && r["breadcrumb"].is_array());
    }
}

#[test]
fn query_file_has_full_recall_and_precision_within_budget() {
    let queries = sample_root().join("tests/eval/queries.txt");
    let out = kohyo(&[
        "search-eval",
        queries.to_str().unwrap(),
        "--json",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for q in report["queries"].as_array().unwrap() {
        assert_eq!(q["recall"], 1.0, "{q}");
        assert!(q["top_in_truth"].as_bool().unwrap(), "{q}");
        assert!(!q["truth"].as_array().unwrap().is_empty(), "{q}");
    }
    assert!(report["macro_precision"].as_f64().unwrap() >= 0.98);
    assert!(report["client_gzip_bytes"].as_u64().unwrap() <= 15_000);
    assert!(report["first_query_gzip_worst"].as_u64().unwrap() <= 60_000);
}

#[test]
fn variant_file_has_full_recall_and_precision() {
    let queries = sample_root().join("tests/eval/variants.txt");
    let out = kohyo(&[
        "search-eval",
        queries.to_str().unwrap(),
        "--json",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let queries = report["queries"].as_array().unwrap();
    assert!(queries.len() >= 15);
    let mut widened = 0;
    for q in queries {
        assert_eq!(q["recall"], 1.0, "{q}");
        assert!(q["top_in_truth"].as_bool().unwrap(), "{q}");
        assert!(!q["variants"].as_array().unwrap().is_empty(), "{q}");
        let truth = q["truth"].as_array().unwrap().len();
        assert!(truth > 0, "{q}");
        if truth > q["exact_truth"].as_array().unwrap().len() {
            widened += 1;
        }
    }
    // Every line but ふるさと (written so on the page) needs its variants to be found.
    assert_eq!(widened, queries.len() - 1, "{report}");
    assert!(report["macro_precision"].as_f64().unwrap() >= 0.98);
    assert!(report["first_query_gzip_worst"].as_u64().unwrap() <= 60_000);
}

#[test]
fn a_query_in_kana_finds_the_words_read_so_below_exact_matches() {
    let index = Index::open(built_sample()).unwrap();
    // Nothing on the pages is written きょうどう: every result is a reading match, and
    // 協働 (read キョウドウ in the site dictionary) is marked.
    let results = index.query("きょうどう", &Filters::default(), 1000);
    assert!(results.len() > 50, "{}", results.len());
    assert!(results.iter().all(|r| r.score < -TIER), "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| marks(r).contains(&"協働".to_string()))
    );
    assert!(
        results
            .iter()
            .any(|r| marks(r).contains(&"共同".to_string())),
        "男女共同参画 is read so too"
    );
    // ふるさと is written so: its exact matches come first, scored as before.
    let exact = index.query("ふるさと", &Filters::default(), 100);
    assert_eq!(exact[0].url, "/ueda/shimin-machizukuri/2025/#iju-furusato");
    assert!(exact.iter().all(|r| r.score >= 0), "{exact:?}");
    assert_exact("ふるさと", &["ふるさと"]);
    // In katakana it is a reading match of the same word.
    let katakana = index.query("フルサト", &Filters::default(), 100);
    assert_eq!(katakana.len(), exact.len());
    assert!(katakana.iter().all(|r| r.score < -TIER));
    assert_eq!(marks(&katakana[0]), ["ふるさと"]);
    // One kana is no reading: し finds only し.
    assert!(
        index
            .query("し", &Filters::default(), 1000)
            .iter()
            .all(|r| r.score >= 0)
    );
}

#[test]
fn variant_spellings_are_found_marked_and_ranked_below_the_spelling_typed() {
    let index = Index::open(built_sample()).unwrap();
    let results = index.query("取り組み", &Filters::default(), 10_000);
    let (exact, variant): (Vec<_>, Vec<_>) = results.iter().partition(|r| r.score >= 0);
    assert!(!exact.is_empty() && !variant.is_empty());
    assert!(results.iter().take(exact.len()).all(|r| r.score >= 0));
    for r in &variant {
        let m = marks(r);
        assert!(!m.is_empty(), "{r:?}");
        assert!(
            m.iter()
                .all(|m| ["取組", "取り組", "取組み"].contains(&m.as_str())),
            "{r:?}"
        );
        assert!(r.score < 0 && r.score > -2 * TIER);
    }
    for (query, written) in [
        ("様様", "様々"),
        ("髙齢者", "高齢者"),
        ("コミュニティー", "コミュニティ"),
        ("子供", "子ども"),
        ("一ノ関", "一関"),
    ] {
        let hit = top(query);
        assert!(
            marks(&hit).contains(&written.to_string()),
            "{query}: {hit:?}"
        );
        assert!(hit.score < 0, "{query}: nothing is written {query}");
    }
}

#[test]
fn a_query_that_finds_nothing_suggests_indexed_words_near_it() {
    let index = Index::open(built_sample()).unwrap();
    for (query, expected) in [("協同体", "協働体"), ("ちいききょうどうたい", "協働体")]
    {
        assert!(
            index.search(query, &Filters::default()).is_empty(),
            "{query}"
        );
        let near = index.suggest(query);
        assert!(near.contains(&expected.to_string()), "{query}: {near:?}");
        assert!(near.len() <= 5);
        for word in &near {
            assert!(
                !index.search(word, &Filters::default()).is_empty(),
                "{word}"
            );
        }
    }
    assert_eq!(index.suggest("協同体")[0], "協働体");
    let out = kohyo(&[
        "search",
        "協同体",
        "--output",
        built_sample().to_str().unwrap(),
    ]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.starts_with("no results\nnear: 協働体"), "{printed}");
}

#[test]
fn site_variant_mistakes_are_placed_line_by_line() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(root, "content/_variants.csv", "豊殿\n神科,一関\n");
    });
    assert!(
        err.contains(&format!(
            "error: content/_variants.csv:{line}:1: expected two or more spellings"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: content/_variants.csv:{}:4: `一関` is already in the group on line 3",
            line + 1
        )),
        "{err}"
    );
}

#[test]
fn javascript_normalisation_passes_the_shared_cases() {
    node(&["--test", "tests/js/normalize.test.mjs"], "");
}

#[test]
fn javascript_and_rust_engines_return_the_same_ranked_results() {
    let mut queries = Vec::new();
    for file in ["tests/eval/queries.txt", "tests/eval/variants.txt"] {
        let text = std::fs::read_to_string(sample_root().join(file)).unwrap();
        queries.extend(kohyo::search::eval::read_queries(&text));
    }
    queries.extend(
        [
            "ＳＤＧｓ",
            "塩",
            "ふるさと",
            "分権",
            "地域 協働体",
            "ﾏｲﾅﾝﾊﾞｰｶｰﾄﾞ",
            "存在しないことば",
            "目標 1",
            "協同体",
            "ちいききょうどうたい",
            "きょうどう 推進",
            "取り組み 地域",
            "フルサト",
        ]
        .map(String::from),
    );
    // Every query unfiltered, and some filtered by each facet (pages are then read from their
    // group files; the sample's eight pages make two groups).
    let mut cases: Vec<(String, Filters)> = queries
        .iter()
        .map(|q| (q.clone(), Filters::default()))
        .collect();
    for query in ["協働", "地域 協働体", "自治会 負担", "まちづくり"] {
        cases.push((
            query.into(),
            Filters {
                municipality: Some("上田市".into()),
                ..Filters::default()
            },
        ));
        cases.push((
            query.into(),
            Filters {
                department: Some("政策企画部".into()),
                ..Filters::default()
            },
        ));
        cases.push((
            query.into(),
            Filters {
                year: Some(2018),
                ..Filters::default()
            },
        ));
    }
    let input: Vec<String> = cases
        .iter()
        .map(|(query, f)| {
            serde_json::json!({
                "query": query,
                "filters": {
                    "municipality": f.municipality,
                    "department": f.department,
                    "year": f.year,
                },
            })
            .to_string()
        })
        .collect();
    let output = built_sample().canonicalize().unwrap();
    let lines = node(
        &["tests/js/conformance.mjs", output.to_str().unwrap()],
        &input.join("\n"),
    );
    let index = Index::open(built_sample()).unwrap();
    let mut compared = 0;
    for (line, (query, filters)) in lines.lines().zip(&cases) {
        let js: Value = serde_json::from_str(line).unwrap();
        assert_eq!(js["query"].as_str(), Some(query.as_str()));
        let ranked: Vec<(usize, i64)> = serde_json::from_value(js["ranked"].clone()).unwrap();
        let expected = index.search(query, filters);
        assert_eq!(ranked, expected, "{query} {filters:?}");
        let shown = serde_json::to_value(index.query(query, filters, 10)).unwrap();
        assert_eq!(js["shown"], shown, "{query} {filters:?}");
        let near: Vec<String> = serde_json::from_value(js["near"].clone()).unwrap();
        assert_eq!(near, index.suggest(query), "{query}");
        compared += 1;
        if query == "協働" {
            assert!(!expected.is_empty(), "{query} {filters:?} finds nothing");
        }
    }
    assert_eq!(compared, cases.len());
}

#[test]
fn search_page_in_chromium_finds_highlights_and_links_to_the_item() {
    require_chromium();
    let output = built_sample().canonicalize().unwrap();
    let report: Value = serde_json::from_str(&node(
        &[
            "tests/js/browser.mjs",
            output.to_str().unwrap(),
            "マイナンバーカード",
            "ＳＤＧｓ",
            "存在しないことば",
            "きょうどう",
            "協同体",
            "協働",
        ],
        "",
    ))
    .unwrap();
    // Typed into the box on the home page: the search page opens with ?q=.
    let first = &report["first"];
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .starts_with("/search/?q=%E3%83%9E")
    );
    assert_eq!(first["live"], "polite");
    assert!(first["status"].as_str().unwrap().contains("件"));
    let item = &first["items"][0];
    assert_eq!(item["href"], top("マイナンバーカード").url);
    assert_eq!(
        item["href"],
        "/ueda/shimin-machizukuri/2025/#digital-mynumber"
    );
    assert_eq!(item["marks"][0], "マイナンバーカード");
    assert!(
        item["crumbs"]
            .as_str()
            .unwrap()
            .starts_with("上田市 › 市民まちづくり推進部")
    );
    // Typed on the search page, in full-width letters.
    let second = &report["second"]["items"];
    assert_eq!(second[0]["href"], "/ueda/seisaku-kikaku/2022/#sdgs");
    assert_eq!(second[0]["marks"][0], "SDGs");
    // Nothing found, said in words.
    assert_eq!(report["none"]["items"].as_array().unwrap().len(), 0);
    assert!(
        report["none"]["status"]
            .as_str()
            .unwrap()
            .contains("見つかりませんでした")
    );
    // Near words offered as links in a labelled list, and said in the status.
    let near = &report["near"];
    assert_eq!(near["items"].as_array().unwrap().len(), 0);
    assert!(
        near["status"]
            .as_str()
            .unwrap()
            .contains("近い言葉：協働体"),
        "{near}"
    );
    let suggestions = &near["suggestions"];
    assert_eq!(suggestions["hidden"], false);
    assert_eq!(suggestions["label"], "近い言葉で探す");
    let links = suggestions["links"].as_array().unwrap();
    let index = Index::open(built_sample()).unwrap();
    let words: Vec<&str> = links.iter().map(|l| l["text"].as_str().unwrap()).collect();
    assert_eq!(words, index.suggest("協同体"));
    assert_eq!(links[0]["href"], "?q=%E5%8D%94%E5%83%8D%E4%BD%93");
    let followed = &report["nearFollowed"];
    assert!(
        followed["status"]
            .as_str()
            .unwrap()
            .contains("「協働体」の検索結果")
    );
    assert!(!followed["items"].as_array().unwrap().is_empty());
    // A reading typed in kana into the header box: 協働 found and marked.
    let reading = &report["reading"];
    assert!(
        reading["url"]
            .as_str()
            .unwrap()
            .starts_with("/search/?q=%E3%81%8D")
    );
    let items = reading["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .any(|i| i["marks"].as_array().unwrap().iter().any(|m| m == "協働")),
        "{reading}"
    );
    // The result link opens the edition page at the item, scrolled into view.
    let followed = &report["followed"];
    assert_eq!(followed["url"], "/ueda/seisaku-kikaku/2022/#sdgs");
    assert_eq!(followed["target"], "section");
    assert!(
        followed["heading"]
            .as_str()
            .unwrap()
            .contains("SDGsの着実な推進")
    );
    assert_eq!(followed["inView"], true, "{followed}");
    // Results grouped by edition: each edition once, its three best records, then a button
    // for the rest of its records (as many as the engine ranks in it), which shows them there.
    let grouped = &report["grouped"];
    let editions = grouped["editions"].as_array().unwrap();
    let hrefs: Vec<&str> = editions
        .iter()
        .map(|e| e["href"].as_str().unwrap())
        .collect();
    let distinct: std::collections::BTreeSet<&&str> = hrefs.iter().collect();
    assert_eq!(distinct.len(), hrefs.len(), "{hrefs:?}");
    let ranked = index.search("協働", &Filters::default());
    let described: Vec<SearchResult> = ranked
        .iter()
        .map(|(rec, score)| index.describe("協働", *rec, *score))
        .collect();
    let best = &described[0].edition;
    assert_eq!(editions[0]["href"], best.url.as_str());
    assert_eq!(editions[0]["heading"], best.title.as_str());
    let in_first = described
        .iter()
        .filter(|r| r.edition.url == best.url)
        .count();
    assert!(in_first > 3, "{in_first}");
    assert_eq!(editions[0]["records"], 3);
    assert_eq!(
        editions[0]["more"],
        format!("さらにこの版で{}件", in_first - 3)
    );
    let expanded = &grouped["expanded"];
    assert_eq!(expanded["records"], in_first.min(23));
    let in_order: Vec<&str> = described
        .iter()
        .filter(|r| r.edition.url == best.url)
        .take(23)
        .map(|r| r.url.as_str())
        .collect();
    assert_eq!(
        expanded["hrefs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect::<Vec<_>>(),
        in_order
    );
    assert_eq!(expanded["focused"], in_order[3], "{expanded}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0, "{report}");
    // The host of the queries above ignores Range: the bundles came whole. From one that
    // answers it, the first query reads ranges of bundles only and shows the same results.
    assert!(
        report["wholeBundles"]["whole"].as_u64().unwrap() > 0,
        "{report}"
    );
    assert_eq!(report["wholeBundles"]["ranged"], 0);
    let ranged = &report["ranged"];
    assert_eq!(ranged["items"], first["items"], "{ranged}");
    assert!(
        ranged["bundles"]["ranged"].as_u64().unwrap() >= 4,
        "{ranged}"
    );
    assert_eq!(ranged["bundles"]["whole"], 0, "{ranged}");
    // Without JavaScript the page says what to do.
    assert!(
        report["noscript"]
            .as_str()
            .unwrap()
            .contains("検索にはJavaScriptが必要です")
    );
}

#[test]
fn index_files_are_bundles_of_gzip_packs_and_meta_says_format_7() {
    let search = built_sample().join("search");
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(search.join("meta.json")).unwrap()).unwrap();
    assert_eq!(meta["version"], 7);
    assert_eq!(meta["bundle"], 128);
    let (mut bundles, mut packs) = (0, 0);
    let mut members_of: BTreeMap<String, usize> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&search) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        // The search page, the client and meta.json stand in `search/` itself, the bundles in
        // its folders.
        if !entry.file_type().is_file() || entry.depth() == 1 {
            continue;
        }
        assert!(name.ends_with(".bundle"), "{}", entry.path().display());
        let dir = entry.path().parent().unwrap().file_name().unwrap();
        let dir = dir.to_string_lossy().to_string();
        let members = crate::common::bundle_members(&std::fs::read(entry.path()).unwrap());
        assert!(!members.is_empty() && members.len() <= 128);
        for member in &members {
            let mut inflated = Vec::new();
            std::io::Read::read_to_end(
                &mut flate2::read::GzDecoder::new(member.as_slice()),
                &mut inflated,
            )
            .unwrap();
            // Postings are binary, everything else JSON.
            let json = serde_json::from_slice::<Value>(&inflated).is_ok();
            assert_eq!(json, !["b", "g", "u", "t"].contains(&dir.as_str()), "{dir}");
        }
        *members_of.entry(dir).or_default() += members.len();
        packs += members.len();
        bundles += 1;
    }
    // Every kind of file is there, as many shards as meta.json counts, and bundles keep the
    // sample's index to a few files.
    for dir in ["b", "g", "u", "t", "y", "s", "r", "p"] {
        assert!(search.join(dir).join("0.bundle").is_file(), "{dir}");
    }
    for kind in ["b", "g", "u", "t", "y", "s"] {
        assert_eq!(
            Some(members_of[kind] as u64),
            meta["shards"][kind].as_u64(),
            "{kind}"
        );
    }
    assert_eq!(
        members_of["p"],
        meta["page_groups"].as_array().unwrap().len()
    );
    assert!(packs > 200, "{packs} packs");
    assert!(bundles < 20, "{bundles} bundles");
}

#[test]
fn two_character_words_typed_together_earn_the_phrase_bonus() {
    // Bigram lists hold no positions: the phrase is found through the words joined.
    let index = Index::open(built_sample()).unwrap();
    let together = index.search("協働 推進", &Filters::default());
    let reversed = index.search("推進 協働", &Filters::default());
    let records = |hits: &[(usize, i64)]| hits.iter().map(|h| h.0).collect::<BTreeSet<_>>();
    assert_eq!(records(&together), records(&reversed));
    let score = |hits: &[(usize, i64)], rec: usize| hits.iter().find(|h| h.0 == rec).unwrap().1;
    let bonus: Vec<i64> = together
        .iter()
        .map(|(rec, s)| s - score(&reversed, *rec))
        .collect();
    assert!(
        bonus.contains(&200),
        "協働推進 stands in some record: {bonus:?}"
    );
    assert!(bonus.contains(&0), "and the words stand apart in others");
    let best = index
        .query("協働 推進", &Filters::default(), 1)
        .pop()
        .unwrap();
    assert!(
        normalize(&format!("{}{}", best.title, best.snippet)).contains("協働推進"),
        "{best:?}"
    );
}

#[test]
fn damaged_packs_read_as_empty_and_do_not_crash() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    crate::common::copy_tree(built_sample(), &out);
    // Every posting bundle broken: cut in half (its last offsets pointing past the end), and
    // what is left of its members zeroed; the first record chunk not gzip at all, and its
    // bundle's offsets backwards after it.
    for kind in ["u", "b", "g", "t"] {
        for entry in std::fs::read_dir(out.join("search").join(kind)).unwrap() {
            let path = entry.unwrap().path();
            let bytes = std::fs::read(&path).unwrap();
            std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        }
    }
    for kind in ["u", "b", "g", "t"] {
        for entry in std::fs::read_dir(out.join("search").join(kind)).unwrap() {
            let path = entry.unwrap().path();
            let mut bytes = std::fs::read(&path).unwrap();
            let table =
                (u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize).min(bytes.len());
            bytes[table..].fill(0);
            std::fs::write(&path, bytes).unwrap();
        }
    }
    let chunks = out.join("search/r/0.bundle");
    let mut bytes = std::fs::read(&chunks).unwrap();
    let first = u32::from_le_bytes(bytes[..4].try_into().unwrap()) as usize;
    bytes[first..first + 10].copy_from_slice(b"\x1f\x8bnot gzip");
    bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
    std::fs::write(&chunks, bytes).unwrap();
    let found = kohyo(&["search", "協働", "--output", out.to_str().unwrap()]);
    assert!(found.status.success());
    // The suggestion packs are whole, so words near the query are still offered.
    let said = String::from_utf8_lossy(&found.stdout);
    assert!(said.starts_with("no results\n"), "{said}");
}

#[test]
fn snippets_come_from_the_records_own_text_never_page_chrome() {
    let index = Index::open(built_sample()).unwrap();
    let text = std::fs::read_to_string(sample_root().join("tests/eval/queries.txt")).unwrap();
    let mut queries = kohyo::search::eval::read_queries(&text);
    queries.extend(["協働", "推進", "目標", "令和"].map(String::from));
    // What the pages say around the content, which no snippet should be made of: the edition
    // header's labels and links, the table of contents, the data links, a figure's placeholder.
    let chrome = [
        "すべての版",
        "前の版：",
        "次の版：",
        "目次",
        "公表 令和",
        "この版のデータ",
        "オープンデータについて",
        "この図は原本に掲載されています",
        "記載なし",
    ];
    for query in &queries {
        for r in index.query(query, &Filters::default(), 20) {
            for c in chrome {
                assert!(
                    !r.snippet.contains(c) || r.title.contains(c),
                    "{query}: {} shows {c:?}: {}",
                    r.url,
                    r.snippet
                );
            }
        }
    }
    // None of it is found either.
    for c in [
        "すべての版",
        "この図は原本に掲載されています",
        "オープンデータについて",
    ] {
        assert!(index.search(c, &Filters::default()).is_empty(), "{c}");
    }
    // 協働's best result shows the word where the record says it.
    let best = &index.query("協働", &Filters::default(), 1)[0];
    assert!(marks(best).iter().any(|m| m == "協働"), "{best:?}");
}

#[test]
fn long_bodies_go_on_in_pieces_and_snippets_come_from_the_piece_with_the_match() {
    // A section of some 13,000 characters, words placed early, deep, at a piece's edge
    // (4,096 characters a piece) and at the end.
    let filler = "本市では協働のまちづくりを進めます。";
    let mut body = String::new();
    let place = |at: usize, word: &str, body: &mut String| {
        while body.chars().count() < at {
            body.push_str(filler);
        }
        body.push_str(word);
    };
    place(200, "序盤の目印語", &mut body);
    place(6000, "深層の目印語", &mut body);
    place(8190, "境目の目印語", &mut body);
    place(13000, "末尾の目印語", &mut body);
    let site = crate::common::copy_site(&sample_root());
    let root = site.path();
    append(
        root,
        "content/ichinoseki/kyodo-suishin/dai3ji.toml",
        &format!(
            "\n[[sections]]\nid = \"long\"\nnumber = \"付録\"\ntitle = \"長い付録の見出し語\"\nbody = '''\n{body}\n'''\n"
        ),
    );
    let built = kohyo(&["build", "--root", root.to_str().unwrap()]);
    assert!(built.status.success(), "{}", crate::common::stderr(&built));
    let out = root.join("public");
    assert!(out.join("search/c/0.bundle").is_file());
    let index = Index::open(&out).unwrap();
    let queries = [
        "序盤の目印語",
        "深層の目印語",
        "境目の目印語",
        "末尾の目印語",
        "目印語",
        "長い付録の見出し語",
        "付録 末尾",
        "協働",
    ];
    for word in &queries[..4] {
        let results = index.query(word, &Filters::default(), 10);
        assert_eq!(results.len(), 1, "{word}");
        assert_eq!(marks(&results[0]), vec![word.to_string()], "{word}");
        assert!(results[0].url.ends_with("#long"), "{word} {:?}", results[0]);
    }
    // Only the title holds it: every piece is read, then the snippet is the title's.
    let titled = index
        .query(queries[5], &Filters::default(), 1)
        .pop()
        .unwrap();
    assert_eq!(marks(&titled), vec![queries[5].to_string()]);
    // The browser's engine reads the same pieces and shows the same.
    let input: Vec<String> = queries
        .iter()
        .map(|q| serde_json::json!({ "query": q, "filters": {} }).to_string())
        .collect();
    let lines = node(
        &[
            "tests/js/conformance.mjs",
            out.canonicalize().unwrap().to_str().unwrap(),
        ],
        &input.join("\n"),
    );
    assert_eq!(lines.lines().count(), queries.len());
    for (line, query) in lines.lines().zip(queries) {
        let js: Value = serde_json::from_str(line).unwrap();
        let shown = serde_json::to_value(index.query(query, &Filters::default(), 10)).unwrap();
        assert_eq!(js["shown"], shown, "{query}");
    }
}
