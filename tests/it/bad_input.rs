//! Bad input: each problem is reported as `file:line:col: message` with the source line and a
//! caret, exit code 1, and the previous output left exactly as it was.

use std::fs;
use std::path::Path;

use crate::common::{append, broken_build, copy_site, kohyo, sample_root, snapshot, stderr};

const EDITION: &str = "content/ueda/seisaku-kikaku/2022.toml";

#[test]
fn toml_syntax_error() {
    let mut line = 0;
    let err =
        broken_build(|root| line = append(root, EDITION, "\n[[items]]\ntitle = \"閉じていない\n"));
    assert!(
        err.contains(&format!("error: {EDITION}:{}:", line + 2)),
        "{err}"
    );
    assert!(err.contains("title = \"閉じていない"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn unknown_key_suggests_the_right_one() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(
            root,
            EDITION,
            "\n[[items]]\nid = \"typo\"\ntitel = \"新しい目標\"\n",
        )
    });
    let at = format!(
        "error: {EDITION}:{}:1: unknown key `titel`: did you mean `title`?",
        line + 3
    );
    assert!(err.contains(&at), "{err}");
    assert!(err.contains("titel = \"新しい目標\"\n"), "{err}");
    assert!(err.contains("| ^^^^^\n"), "{err}");
}

#[test]
fn string_where_a_number_belongs() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(
            root,
            EDITION,
            "\n[[indicators]]\nname = \"利用回数\"\nbaseline = { year = 2022, value = \"三\" }\n",
        )
    });
    let at = format!(
        "error: {EDITION}:{}:35: expected a number, found string \"三\"",
        line + 3
    );
    assert!(err.contains(&at), "{err}");
}

#[test]
fn duplicate_id() {
    let file = "content/ichinoseki/kyodo-suishin/dai3ji.toml";
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(root, file, "\n[[items]]\nid = \"h1\"\ntitle = \"重複\"\n")
    });
    assert!(
        err.contains(&format!(
            "error: {file}:{}:6: duplicate id `h1`: already used by line",
            line + 2
        )),
        "{err}"
    );
}

#[test]
fn missing_required_key() {
    let file = "content/kawanishi/_municipality.toml";
    let err = broken_build(|root| {
        let path = root.join(file);
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace("prefecture = \"兵庫県\"\n", "");
        fs::write(path, text).unwrap();
    });
    assert!(
        err.contains(&format!(
            "error: {file}:1:1: missing required key `prefecture`"
        )),
        "{err}"
    );
}

#[test]
fn cross_reference_to_nothing() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(
            root,
            EDITION,
            "\n[[items]]\nid = \"ref\"\nsee = { text = \"文化スポーツ観光部に記載\", link = \"ueda/bunka/2022#g3\" }\n",
        )
    });
    assert!(
        err.contains(&format!("error: {EDITION}:{}:", line + 3))
            && err.contains("link `ueda/bunka/2022#g3` points to no edition"),
        "{err}"
    );
    let err = broken_build(|root| {
        append(
            root,
            EDITION,
            "\n[[items]]\nid = \"ref\"\nsee = { text = \"x\", link = \"ueda/seisaku-kikaku/2023#nowhere\" }\n",
        );
    });
    assert!(err.contains("has no id or anchor `nowhere`"), "{err}");
}

#[test]
fn wrong_check_digit_in_municipality_code() {
    let file = "content/ueda/_municipality.toml";
    let err = broken_build(|root| {
        let path = root.join(file);
        let text = fs::read_to_string(&path)
            .unwrap()
            .replace("202037", "202038");
        fs::write(path, text).unwrap();
    });
    assert!(
        err.contains("code `202038` has a wrong check digit: expected 202037"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{file}:3:8:")),
        "position of the value: {err}"
    );
}

#[test]
fn shift_jis_file_is_named_as_such() {
    let err = broken_build(|root| {
        let path = root.join(EDITION);
        let text = fs::read_to_string(&path).unwrap();
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        fs::write(path, bytes).unwrap();
    });
    assert!(err.contains(&format!("error: {EDITION}:")), "{err}");
    assert!(
        err.contains("saved as Shift_JIS, not UTF-8: save it as UTF-8"),
        "{err}"
    );
}

#[test]
fn crlf_and_bom_are_accepted_and_change_nothing() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let plain = root.join("plain");
    let args = |out: &Path| {
        vec![
            "build".to_string(),
            "--root".into(),
            root.to_str().unwrap().into(),
            "--output".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run = |out: &Path| {
        let a = args(out);
        kohyo(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    assert!(run(&plain).status.success());
    let path = root.join(EDITION);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    let windows = root.join("windows");
    let out = run(&windows);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(snapshot(&plain), snapshot(&windows));
}

#[test]
fn no_input_makes_it_panic() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let path = root.join("content/ichinoseki/kyodo-suishin/dai3ji.toml");
    let text = fs::read(&path).unwrap();
    let cuts: Vec<usize> = (0..60).map(|i| i * text.len() / 60).collect();
    for cut in cuts {
        fs::write(&path, &text[..cut]).unwrap();
        let result = std::panic::catch_unwind(|| kohyo::load::load(root));
        assert!(result.is_ok(), "panic on the file cut at byte {cut}");
    }
    for junk in [
        "\u{0}\u{1}",
        "[[items]]\n[[items.items.items.items.items]]\ntitle=1",
        "=",
        "\u{feff}\u{feff}",
    ] {
        fs::write(&path, junk).unwrap();
        let out = kohyo(&["check", "--root", root.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{junk:?}: {}", stderr(&out));
    }
}

#[test]
fn broken_theme_template_is_reported_and_output_kept() {
    let err = broken_build(|root| {
        let path = root.join("themes/default/templates/series.html");
        fs::write(
            path,
            "{% extends \"base.html\" %}{% block content %}{{ series.title }",
        )
        .unwrap();
    });
    assert!(err.contains("error: theme template error"), "{err}");
    assert!(err.contains("series.html"), "{err}");
}

#[test]
fn malformed_site_dictionary_line() {
    let mut line = 0;
    let err =
        broken_build(|root| line = append(root, "content/_dictionary.csv", "協働推進員,名詞\n"));
    assert!(
        err.contains(&format!(
            "error: content/_dictionary.csv:{line}:1: expected three comma-separated fields"
        )),
        "{err}"
    );
    assert!(
        err.contains("協働推進員,名詞") && err.contains("found 2 fields"),
        "{err}"
    );
}
