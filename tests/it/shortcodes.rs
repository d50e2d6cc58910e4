//! Shortcodes in Markdown bodies: each renders on the page as staff expect; every mistake is a
//! `file:line:col` error that leaves the output as it was; content cannot read files outside
//! `content/`, loop forever or put script on a page.

use std::fs;
use std::path::Path;

use crate::common::{append, broken_build, build_into, copy_site, sample_root};

const EDITION: &str = "content/ichinoseki/kyodo-suishin/dai3ji.toml";
/// A 1×1 PNG.
const PNG: &str = "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c49444154789c6390f7ab0400017600e7b68f53560000000049454e44ae426082";

fn png() -> Vec<u8> {
    (0..PNG.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&PNG[i..i + 2], 16).unwrap())
        .collect()
}

/// A section appended to the 一関市 plan whose body is `body`; returns the file line of the
/// body's first line.
fn add_section(root: &Path, body: &str) -> usize {
    append(
        root,
        EDITION,
        &format!(
            "\n[[sections]]\nid = \"shortcode-test\"\ntitle = \"ショートコードの試験\"\nbody = '''\n{body}'''\n"
        ),
    ) + 5
}

/// The build's error for a body, after checking it names the edition at `line:col`.
fn error_at(body: &str, line_in_body: usize, column: usize) -> String {
    let mut first = 0;
    let err = broken_build(|root| {
        fs::create_dir_all(root.join("content/ichinoseki/kyodo-suishin/zu")).unwrap();
        fs::write(
            root.join("content/ichinoseki/kyodo-suishin/zu/taikei.png"),
            png(),
        )
        .unwrap();
        first = add_section(root, body);
    });
    let at = format!("error: {EDITION}:{}:{column}:", first + line_in_body);
    assert!(err.contains(&at), "expected {at} in:\n{err}");
    err
}

#[test]
fn each_shortcode_renders() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let folder = root.join("content/ichinoseki/kyodo-suishin");
    fs::create_dir_all(folder.join("zu")).unwrap();
    fs::write(folder.join("zu/taikei.png"), png()).unwrap();
    let shortcodes = root.join("themes/default/shortcodes");
    fs::create_dir_all(&shortcodes).unwrap();
    fs::write(
        shortcodes.join("chuki.html"),
        "<aside class=\"chuki\">注：{{ text }}</aside>",
    )
    .unwrap();
    add_section(
        root,
        "計画期間は{{ nendo(2024) }}から{{ nendo(2019) }}、{{ wareki(2024) }}、{{ wareki(2019, 4, 30) }}。\n\n\
         {{ indicator(\"h1-m2\") }}\n\n\
         詳しくは{{ ref(\"ueda/seisaku-kikaku/2022#nihon-isan\") }}、{{ ref(\"#ch1-2\") }}、{{ ref(\"ueda/seisaku-kikaku/2023\", text=\"令和5年度の目標\") }}を参照。\n\n\
         {{ figure(src=\"zu/taikei.png\", alt=\"3つの基本方針と施策の体系\", caption=\"図1 計画の体系\") }}\n\
         {{ figure(caption=\"図2 推進体制\") }}\n\
         {{ chuki(text=\"<b>案</b>の段階です\") }}\n\n\
         {% raw %}{{ 波括弧 }}{% endraw %}はそのまま。\n",
    );
    let out = root.join("public");
    build_into(root, &out);
    let html = fs::read_to_string(out.join("ichinoseki/kyodo-suishin/dai3ji/index.html")).unwrap();
    let section = &html[html.find("id=\"shortcode-test\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap_or(section.len())];

    assert!(
        section.contains("計画期間は令和6年度から令和元年度、令和6年、平成31年4月30日。"),
        "{section}"
    );
    // The indicator: its name, the same chart as the indicator table, its numbers.
    let chart = |h: &str| {
        let start = h.find("<svg class=\"indicator-chart\"").unwrap();
        h[start..start + h[start..].find("</svg>").unwrap()].to_string()
    };
    let figure = &section[section.find("indicator-figure").unwrap()..];
    assert!(
        figure.contains("<figcaption>2 まちづくりスタッフバンクの登録者数</figcaption>"),
        "{figure}"
    );
    assert!(figure.contains("令和4年度 41人"), "{figure}");
    assert!(figure.contains("令和10年度 61人"), "{figure}");
    let table = &html[html.find("id=\"h1-m2\"").unwrap()..];
    assert_eq!(chart(figure), chart(table));
    // Links with their targets' titles.
    assert!(
        section.contains("<a href=\"/ueda/seisaku-kikaku/2022/#nihon-isan\">3 日本遺産、文化芸術やスポーツを生かした魅力ある都市づくりの推進</a>"),
        "{section}"
    );
    assert!(
        section
            .contains("<a href=\"/ichinoseki/kyodo-suishin/dai3ji/#ch1-2\">2 計画の位置付け</a>"),
        "{section}"
    );
    assert!(
        section.contains("<a href=\"/ueda/seisaku-kikaku/2023/\">令和5年度の目標</a>"),
        "{section}"
    );
    // The figure: a figure of its own, not inside a paragraph; the image copied as it is.
    assert!(
        section.contains("<figure class=\"figure\"><img src=\"/ichinoseki/kyodo-suishin/zu/taikei.png\" alt=\"3つの基本方針と施策の体系\" loading=\"lazy\"><figcaption>図1 計画の体系</figcaption></figure>"),
        "{section}"
    );
    assert!(!section.contains("<p><figure"), "{section}");
    assert_eq!(
        fs::read(out.join("ichinoseki/kyodo-suishin/zu/taikei.png")).unwrap(),
        png()
    );
    assert!(
        section.contains("この図は原本に掲載されています</p><figcaption>図2 推進体制</figcaption>"),
        "{section}"
    );
    // The theme's own shortcode, with the content's text escaped.
    assert!(
        section.contains("<aside class=\"chuki\">注：&lt;b&gt;案&lt;/b&gt;の段階です</aside>"),
        "{section}"
    );
    assert!(section.contains("{{ 波括弧 }}はそのまま。"), "{section}");
}

#[test]
fn sample_figures_are_captioned_placeholders() {
    let html = crate::common::page("ichinoseki/kyodo-suishin/dai3ji/index.html");
    assert_eq!(html.matches("この図は原本に掲載されています").count(), 5);
    assert!(html.contains("<figcaption>上位計画との関係</figcaption>"));
    assert!(!html.contains("{{"), "no shortcode is left unexpanded");
}

#[test]
fn unknown_shortcode() {
    let err = error_at("説明文\n\n前置き {{ chart(\"h1-m2\") }}\n", 2, 8);
    assert!(err.contains("unknown shortcode `chart`"), "{err}");
    assert!(err.contains("figure"), "lists the shortcodes: {err}");
}

#[test]
fn wrong_argument() {
    let err = error_at("{{ nendo(\"来年\") }}\n", 0, 4);
    assert!(err.contains("nendo(\"来年\")"), "{err}");
    let err = error_at(
        "{{ figure(src=\"zu/taikei.png\", alt=\"体系\", size=3) }}\n",
        0,
        4,
    );
    assert!(err.contains("size"), "{err}");
}

#[test]
fn figure_without_alt() {
    let err = error_at(
        "本文\n{{ figure(src=\"zu/taikei.png\", caption=\"図1\") }}\n",
        1,
        4,
    );
    assert!(err.contains("needs `alt`"), "{err}");
}

#[test]
fn missing_ref_target() {
    let err = error_at("{{ ref(\"ueda/seisaku-kikaku/2022#nai\") }}\n", 0, 4);
    assert!(err.contains("has no id or anchor `nai`"), "{err}");
    let err = error_at("{{ ref(\"ueda/nai/2022\") }}\n", 0, 4);
    assert!(err.contains("points to no edition"), "{err}");
}

#[test]
fn runaway_loop_stops() {
    let ten = "0123456789".repeat(10);
    let body = format!(
        "{{% for a in \"{ten}\" %}}{{% for b in \"{ten}\" %}}{{% for c in \"{ten}\" %}}{{% for d in \"{ten}\" %}}x{{% endfor %}}{{% endfor %}}{{% endfor %}}{{% endfor %}}\n"
    );
    // Fuel runs out in the innermost loop, at its `x`.
    let err = error_at(&body, 0, body.find("%}x").unwrap() + 3);
    assert!(err.contains("stopped after 100000 steps"), "{err}");
}

#[test]
fn block_shortcode_inside_a_sentence() {
    let err = error_at("図は {{ figure(caption=\"図1\") }} のとおり\n", 0, 7);
    assert!(err.contains("line by itself"), "{err}");
}

#[test]
fn content_cannot_reach_the_site() {
    let err = error_at("{{ config.title }}\n", 0, 4);
    assert!(err.contains("only shortcodes"), "{err}");
    let err = error_at(
        "{{ figure(src=\"../../../kohyo.toml\", alt=\"設定\") }}\n",
        0,
        4,
    );
    assert!(err.contains("inside the edition's folder"), "{err}");
    let err = error_at("{% include \"kohyo.toml\" %}\n", 0, 4);
    assert!(err.contains("syntax"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_link_out_of_content_is_refused() {
    let mut first = 0;
    let err = broken_build(|root| {
        let zu = root.join("content/ichinoseki/kyodo-suishin/zu");
        fs::create_dir_all(&zu).unwrap();
        std::os::unix::fs::symlink(root.join("kohyo.toml"), zu.join("settei.png")).unwrap();
        first = add_section(root, "{{ figure(src=\"zu/settei.png\", alt=\"設定\") }}\n");
    });
    assert!(err.contains(&format!("{EDITION}:{first}:4:")), "{err}");
    assert!(err.contains("leads outside content/"), "{err}");
}

#[test]
fn shortcodes_cannot_inject_markup() {
    let site = copy_site(&sample_root());
    let root = site.path();
    add_section(
        root,
        "{{ \"<script>window.__pwned=1</script>\" }}\n\n\
         {{ figure(caption=\"<img src=x onerror=alert(1)>\") }}\n\n\
         {{ ref(\"#ch1-2\", text=\"\\\"><script>alert(2)</script>\") }}\n",
    );
    let out = root.join("public");
    build_into(root, &out);
    let html = fs::read_to_string(out.join("ichinoseki/kyodo-suishin/dai3ji/index.html")).unwrap();
    let section = &html[html.find("id=\"shortcode-test\"").unwrap()..];
    assert!(!section.contains("<script>window"), "{section}");
    assert!(!section.contains("<img src=x"), "{section}");
    assert!(!section.contains("<script>alert"), "{section}");
    assert!(
        section.contains("&lt;script&gt;window.__pwned=1&lt;/script&gt;"),
        "{section}"
    );
    assert!(
        section.contains("<figcaption>&lt;img src=x onerror=alert(1)&gt;</figcaption>"),
        "{section}"
    );
    assert!(
        section.contains(">&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;</a>"),
        "{section}"
    );
}
