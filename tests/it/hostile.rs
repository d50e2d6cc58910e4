//! Hostile content: whatever a department types into a TOML file — markup, script, `javascript:`
//! links, Markdown with raw HTML, template syntax, bidirectional and zero-width characters, very
//! long words, a 10,000-item list — builds, shows as text, runs nothing in a real browser, and
//! reaches the search index and the data files unchanged.

use std::fs;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::common::{
    append, broken_build, build_into, copy_site, kohyo, node, require_chromium, sample_root,
};

const SCRIPT_TITLE: &str = "<script>window.__pwned=1</script>計画";
const ATTRIBUTE_BREAK: &str = "\"><img src=x onerror=\"window.__pwned=2\">目標";
const TEMPLATE: &str = "{{ config.title }}{% for x in [1] %}繰り返し{% endfor %}";
const BIDI: &str = "右から左\u{202E}txt.exe\u{202C}と幅のない\u{200B}空白\u{200D}";
const FORMULA: &str = "=HYPERLINK(\"javascript:window.__pwned=3\",\"開く\")";
const INDICATOR: &str = "<script>window.__pwned=11</script>指標";
const UNIT: &str = "\"><svg onload=\"window.__pwned=12\">";
const AS_OF: &str = "<img src=x onerror=\"window.__pwned=13\">時点";
const MARK: &str = "<b>◎</b>";

/// A 5,000-character word with no place to break.
fn long_word() -> String {
    "長".repeat(2500) + &"x".repeat(2500)
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A site whose every text field holds something hostile, and a second edition with 10,000
/// items.
fn hostile_site(root: &Path) {
    let content = root.join("content/kougeki");
    fs::create_dir_all(content.join("keikaku")).unwrap();
    fs::write(
        root.join("kohyo.toml"),
        format!("title = {}\n", quoted("<b>敵対的</b>な内容の試験")),
    )
    .unwrap();
    fs::write(
        content.join("_municipality.toml"),
        format!(
            "name = {}\nprefecture = \"見本県\"\ncode = \"999997\"\n",
            quoted("<i>見本</i>市")
        ),
    )
    .unwrap();
    fs::write(
        content.join("keikaku/_series.toml"),
        format!(
            "title = {}\nkind = \"priority_goals\"\ndepartment = {}\nlevels = [\"重点目標\", \"重点取組項目\"]\ndescription = {}\n",
            quoted(SCRIPT_TITLE),
            quoted(ATTRIBUTE_BREAK),
            quoted("<script>window.__pwned=4</script> [押す](javascript:window.__pwned=5)"),
        ),
    )
    .unwrap();
    let body = format!(
        "生のHTML：<script>window.__pwned=6</script> <img src=x onerror=\"window.__pwned=7\">\n\n\
         [リンク](javascript:window.__pwned=8) <a href=\"javascript:window.__pwned=10\">a要素</a>\n\n\
         {{% raw %}}{TEMPLATE}{{% endraw %}}\n\n{BIDI}\n\n{}\n",
        long_word()
    );
    fs::write(
        content.join("keikaku/2024.toml"),
        format!(
            "title = {}\nfiscal_year = 2024\nstage = \"plan\"\n\n\
             [[items]]\nid = \"g1\"\nnumber = \"1\"\ntitle = {}\nbody = {}\nevaluation = {}\n\n\
             [[items.items]]\nid = \"g1-1\"\nnumber = \"①\"\ntitle = {}\nactions = [{}, {}]\ntargets = [{}]\n\n\
             [[items.items.indicators]]\nname = {}\nunit = {}\nbaseline = {{ year = 2022, value = 10 }}\n\
             target = {{ year = 2023, value = 20 }}\nactual = [{{ as_of = {}, value = 15 }}]\n",
            quoted(SCRIPT_TITLE),
            quoted(ATTRIBUTE_BREAK),
            quoted(&body),
            quoted(MARK),
            quoted(TEMPLATE),
            quoted(BIDI),
            quoted(FORMULA),
            quoted(&long_word()),
            quoted(INDICATOR),
            quoted(UNIT),
            quoted(AS_OF),
        ),
    )
    .unwrap();
    let mut many =
        String::from("title = \"令和7年度重点目標\"\nfiscal_year = 2025\nstage = \"plan\"\n");
    for n in 0..10_000 {
        many.push_str(&format!(
            "\n[[items]]\nid = \"i{n}\"\nnumber = \"{n}\"\ntitle = \"項目{n}：<b>太字</b>ではない\"\n"
        ));
    }
    fs::write(content.join("keikaku/2025.toml"), many).unwrap();
}

/// Every string in a JSON value.
fn strings(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(list) => list.iter().flat_map(strings).collect(),
        Value::Object(map) => map.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn hostile_content_builds_shows_as_text_and_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    hostile_site(dir.path());
    let out = dir.path().join("public");
    let started = Instant::now();
    build_into(dir.path(), &out);
    println!("hostile site built in {:?}", started.elapsed());
    let check = kohyo(&["check", "--root", dir.path().to_str().unwrap()]);
    assert!(check.status.success());

    // The HTML carries the text escaped, never as markup or links.
    let edition = fs::read_to_string(out.join("kougeki/keikaku/2024/index.html")).unwrap();
    assert!(edition.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;計画"));
    assert!(
        edition.contains("&quot;&gt;&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;目標")
    );
    assert!(edition.contains("&lt;script&gt;window.__pwned=6&lt;/script&gt;"));
    assert!(
        edition.contains(TEMPLATE),
        "template syntax is text, not evaluated"
    );
    assert!(
        edition.contains(BIDI),
        "bidirectional and zero-width characters are kept"
    );
    assert!(edition.contains(&long_word()));
    // At a glance and in the goal's history, the indicator's text is escaped, in the SVG too.
    let escaped = |t: &str| kohyo::present::escape_html(t);
    let chart = &edition[edition
        .find("<svg class=\"attainment-chart\"")
        .expect("bars")..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(
        chart.contains(&escaped(INDICATOR)) && chart.contains(">50%<"),
        "{chart}"
    );
    assert!(edition.contains("目標年度経過・未達成"));
    assert!(edition.contains(&format!("自己評価 {}", escaped(MARK))));
    let history = fs::read_to_string(out.join("kougeki/keikaku/history/g1-1/index.html")).unwrap();
    let chart = &history[history.find("<svg class=\"history-chart\"").expect("chart")..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    assert!(chart.contains(&escaped(&format!("15{UNIT}"))), "{chart}");
    assert!(history.contains(&escaped(AS_OF)) && history.contains(&escaped(TEMPLATE)));
    for page in walkdir::WalkDir::new(&out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
    {
        let html = fs::read_to_string(page.path()).unwrap();
        let path = page.path().display();
        assert!(!html.contains("<script>window"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
        assert!(!html.contains("href=\"javascript:"), "{path}");
        assert!(!html.contains("<b>"), "{path}");
        assert!(!html.contains("<svg onload"), "{path}");
    }
    let many = fs::read_to_string(out.join("kougeki/keikaku/2025/index.html")).unwrap();
    assert!(
        many.contains("id=\"i9999\""),
        "all 10,000 items are on the page"
    );

    // Data files and the search index keep the text exactly as written.
    let data: Value = serde_json::from_str(
        &fs::read_to_string(out.join("data/kougeki/keikaku/2024.json")).unwrap(),
    )
    .unwrap();
    let values = strings(&data);
    for hostile in [SCRIPT_TITLE, ATTRIBUTE_BREAK, TEMPLATE, BIDI, FORMULA] {
        assert!(
            values.iter().any(|v| v == hostile),
            "{hostile} in the edition's JSON"
        );
    }
    let texts_csv = fs::read_to_string(out.join("data/texts.csv")).unwrap();
    assert!(
        texts_csv.contains("'=HYPERLINK("),
        "a formula is neutralised in CSV"
    );
    // The series' feed carries it as text too, in XML that a feed reader's parser reads.
    let feed = fs::read(out.join("kougeki/keikaku/atom.xml")).unwrap();
    let feed = feed_rs::parser::parse(feed.as_slice()).unwrap();
    assert!(feed.title.unwrap().content.contains(SCRIPT_TITLE));
    let titles: Vec<String> = feed
        .entries
        .iter()
        .map(|e| e.title.as_ref().unwrap().content.clone())
        .collect();
    assert!(
        titles.iter().all(|t| t.contains(SCRIPT_TITLE)),
        "{titles:?}"
    );
    let meta: Value =
        serde_json::from_str(&fs::read_to_string(out.join("search/meta.json")).unwrap()).unwrap();
    assert!(meta["records"].as_u64().unwrap() > 10_000);
    let found = kohyo(&[
        "search",
        "--root",
        dir.path().to_str().unwrap(),
        "__pwned=2",
    ]);
    let found = String::from_utf8_lossy(&found.stdout);
    assert!(found.contains("onerror"), "search finds the text: {found}");

    // In the browser: no dialog, no script run, nothing injected, no sideways scroll.
    require_chromium();
    let shown = [
        "<script>window.__pwned=1</script>計画",
        "{{ config.title }}",
        INDICATOR,
    ];
    let mut args = vec!["tests/js/hostile.mjs", out.to_str().unwrap()];
    args.extend(shown);
    let report: Value = serde_json::from_str(&node(&args, "")).unwrap();
    let pages = report["pages"].as_array().unwrap();
    assert!(pages.len() >= 9, "{}", pages.len());
    for p in pages {
        let url = p["url"].as_str().unwrap();
        assert_eq!(p["dialogs"], serde_json::json!([]), "{url}");
        assert_eq!(p["errors"], serde_json::json!([]), "{url}");
        assert_eq!(p["pwned"], Value::Null, "{url}: the content's script ran");
        assert_eq!(p["handlers"], serde_json::json!([]), "{url}");
        assert_eq!(p["inlineScripts"], 0, "{url}");
        assert_eq!(p["scriptLinks"], 0, "{url}");
        assert_eq!(p["images"], 0, "{url}");
        assert_eq!(p["overflow"], 0, "{url}: scrolls sideways at 360 px");
    }
    let page = |url: &str| pages.iter().find(|p| p["url"] == url).unwrap();
    assert_eq!(
        page("kougeki/keikaku/2024/")["shown"],
        serde_json::json!(shown)
    );
    assert!(page("search/?q=__pwned")["results"].as_u64().unwrap() > 0);
    assert_eq!(
        page("kougeki/keikaku/history/g1-1/")["shown"],
        serde_json::json!(shown),
        "the goal's history shows the text as text"
    );
    assert!(
        pages
            .iter()
            .any(|p| p["url"] == "kougeki/keikaku/history/i0/"),
        "a history page of the long list too"
    );
}

const PLAN: &str = "content/ichinoseki/kyodo-suishin/dai3ji.toml";

/// A section appended to the 一関市 plan showing `figure`; returns the file line of the body.
fn add_figure_section(root: &Path, figure: &str) -> usize {
    append(
        root,
        PLAN,
        &format!(
            "\n[[sections]]\nid = \"figure-test\"\ntitle = \"図の試験\"\nbody = '''\n{figure}\n'''\n"
        ),
    ) + 5
}

#[test]
fn svg_figures_that_run_or_fetch_are_refused_at_their_place() {
    // A plain drawing is copied byte for byte.
    {
        let site = copy_site(&sample_root());
        let root = site.path();
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 4 4\"><defs><linearGradient id=\"g\"/></defs><rect width=\"4\" height=\"4\" fill=\"url(#g)\"/><text>協働</text></svg>\n";
        let zu = root.join("content/ichinoseki/kyodo-suishin/zu");
        fs::create_dir_all(&zu).unwrap();
        fs::write(zu.join("taikei.svg"), svg).unwrap();
        add_figure_section(root, "{{ figure(src=\"zu/taikei.svg\", alt=\"体系図\") }}");
        let out = root.join("public");
        build_into(root, &out);
        assert_eq!(
            fs::read_to_string(out.join("ichinoseki/kyodo-suishin/zu/taikei.svg")).unwrap(),
            svg
        );
    }
    let cases = [
        (
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n  <script>alert(1)</script>\n</svg>\n",
            "2:3: <script> is not allowed in an SVG figure",
        ),
        (
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n<rect width=\"1\" onload=\"alert(1)\"/>\n</svg>\n",
            "2:1: <rect> has the event attribute `onload`",
        ),
        (
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><p>x</p></foreignObject></svg>",
            "1:41: <foreignObject> is not allowed",
        ),
        (
            "<svg xmlns=\"http://www.w3.org/2000/svg\">\n<use href=\"https://evil.example/a.svg#x\"/></svg>",
            "2:1: <use href=\"https://evil.example/a.svg#x\"> points outside the SVG",
        ),
    ];
    for (svg, expected) in cases {
        let mut line = 0;
        let err = broken_build(|root| {
            let zu = root.join("content/ichinoseki/kyodo-suishin/zu");
            fs::create_dir_all(&zu).unwrap();
            fs::write(zu.join("taikei.svg"), svg).unwrap();
            line = add_figure_section(root, "{{ figure(src=\"zu/taikei.svg\", alt=\"体系図\") }}");
        });
        assert!(err.contains(&format!("error: {PLAN}:{line}:4: ")), "{err}");
        assert!(
            err.contains(&format!(
                "figure(src=\"zu/taikei.svg\"): content/ichinoseki/kyodo-suishin/zu/taikei.svg:{expected}"
            )),
            "{expected}: {err}"
        );
    }
}

#[test]
fn formula_like_cells_are_neutralised_in_every_form_and_numbers_stay_numbers() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let actions = [
        " =HYPERLINK(\"https://evil.example\")",
        "\t=1+1",
        "\u{3000}=1+1",
        "＝HYPERLINK(\"https://evil.example\")",
        "＋1",
        "－1",
        "＠SUM(A1)",
        "  ＠SUM(A1)",
    ];
    let list: Vec<String> = actions.iter().map(|a| quoted(a)).collect();
    append(
        root,
        PLAN,
        &format!(
            "\n[[items]]\nid = \"formula\"\ntitle = \"数式\"\nactions = [{}]\n\n[[items.indicators]]\nid = \"formula-i\"\nname = \"増減\"\nunit = \"人\"\nactual = [{{ as_of = \"9月末\", value = -5 }}]\n",
            list.join(", ")
        ),
    );
    let out = root.join("public");
    build_into(root, &out);
    let texts = fs::read_to_string(out.join("data/texts.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(texts.trim_start_matches('\u{feff}').as_bytes());
    let cells: Vec<String> = reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| r.get(0).is_some_and(|id| id.ends_with("#formula")))
        .map(|r| r.get(4).unwrap().to_string())
        .collect();
    let expected: Vec<String> = actions.iter().map(|a| format!("'{a}")).collect();
    assert_eq!(cells, expected);
    let values = fs::read_to_string(out.join("data/indicator_values.csv")).unwrap();
    let row = values
        .lines()
        .find(|l| l.contains("#formula-i,"))
        .expect("the indicator's value row");
    assert!(
        row.contains(",-5,人"),
        "a negative number stays a number: {row}"
    );
}
