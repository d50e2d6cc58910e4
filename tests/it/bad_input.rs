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
    assert!(
        err.contains("error: themes/default/templates/series.html:1:"),
        "{err}"
    );
    assert!(err.contains("template syntax error"), "{err}");
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

/// Replace `from` with `to` in a file of the site; the text must be there.
fn replace(root: &Path, file: &str, from: &str, to: &str) {
    let path = root.join(file);
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} in {file}");
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn script_and_protocol_relative_urls_in_settings_are_refused() {
    let licence =
        "url = \"https://www.digital.go.jp/resources/open_data/public_data_license_v1.0\"";
    let err = broken_build(|root| {
        replace(root, "kohyo.toml", licence, "url = \"javascript:alert(1)\"");
    });
    assert!(
        err.contains("error: kohyo.toml:10:7: `javascript:alert(1)` uses the scheme `javascript:`, which is not allowed"),
        "{err}"
    );
    for (base, column) in [("//evil.example/", 12), ("data:text/html,x", 12)] {
        let err = broken_build(|root| {
            replace(
                root,
                "kohyo.toml",
                "base_url = \"/\"",
                &format!("base_url = \"{base}\""),
            );
        });
        assert!(
            err.contains(&format!(
                "error: kohyo.toml:4:{column}: base URL `{base}` is not allowed"
            )),
            "{err}"
        );
    }
}

#[test]
fn build_base_url_flag_is_checked_like_the_setting() {
    let site = copy_site(&sample_root());
    let root = site.path().to_str().unwrap();
    let out = kohyo(&[
        "build",
        "--root",
        root,
        "--base-url",
        "javascript:alert(1)//",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "base URL `javascript:alert(1)//` is not allowed: expected an absolute http(s) URL"
        ),
        "{}",
        stderr(&out)
    );
    assert!(!site.path().join("public").exists(), "nothing was built");
}

#[test]
fn see_link_with_a_script_scheme_is_refused_as_such() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(
            root,
            EDITION,
            "\n[[items]]\nid = \"js\"\nsee = { text = \"開く\", link = \"javascript:alert(1)\" }\n",
        )
    });
    assert!(
        err.contains(&format!(
            "error: {EDITION}:{}:29: link `javascript:alert(1)` uses the scheme `javascript:`",
            line + 3
        )),
        "{err}"
    );
}

#[cfg(unix)]
#[test]
fn links_out_of_content_are_refused_and_never_read() {
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.toml");
    fs::write(&secret, "root:x:0:0:secret\n").unwrap();
    let link = |root: &Path, file: &str| {
        let path = root.join(file);
        let _ = fs::remove_file(&path);
        std::os::unix::fs::symlink(&secret, path).unwrap();
    };
    let err = broken_build(|root| {
        link(root, "content/ueda/seisaku-kikaku/2099.toml");
        link(root, "content/kawanishi/_municipality.toml");
        link(root, "content/_dictionary.csv");
    });
    for file in [
        "content/ueda/seisaku-kikaku/2099.toml",
        "content/kawanishi/_municipality.toml",
        "content/_dictionary.csv",
    ] {
        assert!(
            err.contains(&format!(
                "error: {file}: leads outside content/ (through a symbolic link)"
            )),
            "{file}: {err}"
        );
    }
    assert!(!err.contains("root:x") && !err.contains("secret"), "{err}");
}

/// `kohyo check` of `root`'s stderr, failing if it does not end within a minute or succeeds.
fn check_within_a_minute(root: &Path) -> String {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kohyo"))
        .args(["check", "--root", root.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("kohyo check opened a FIFO and waits on it");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    stderr(&out)
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_without_being_opened() {
    let site = copy_site(&sample_root());
    let root = site.path();
    let folder = root.join("content/ichinoseki/kyodo-suishin");
    let mkfifo = |path: &Path| {
        let made = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(made.success());
    };
    mkfifo(&folder.join("dai9ji.toml"));
    let err = check_within_a_minute(root);
    assert!(
        err.contains("error: content/ichinoseki/kyodo-suishin/dai9ji.toml: is not a regular file"),
        "{err}"
    );
    fs::remove_file(folder.join("dai9ji.toml")).unwrap();
    // Not an edition, and nothing refers to it: still named, never opened.
    mkfifo(&folder.join("notes"));
    let err = check_within_a_minute(root);
    assert!(
        err.contains("error: content/ichinoseki/kyodo-suishin/notes: is not a regular file"),
        "{err}"
    );
    fs::remove_file(folder.join("notes")).unwrap();
    fs::create_dir_all(folder.join("zu")).unwrap();
    mkfifo(&folder.join("zu/taikei.png"));
    append(
        root,
        "content/ichinoseki/kyodo-suishin/dai3ji.toml",
        "\n[[sections]]\ntitle = \"図\"\nbody = '''\n{{ figure(src=\"zu/taikei.png\", alt=\"図\") }}\n'''\n",
    );
    let err = check_within_a_minute(root);
    assert!(
        err.contains("figure(src=\"zu/taikei.png\"): content/ichinoseki/kyodo-suishin/zu/taikei.png is not a regular file"),
        "{err}"
    );
}

#[test]
fn a_stray_byte_is_shown_with_its_real_column() {
    let before = "# 上田市 ";
    let err = broken_build(|root| {
        let path = root.join(EDITION);
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.starts_with(before));
        let mut bytes = before.as_bytes().to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice(&text.as_bytes()[before.len()..]);
        fs::write(path, bytes).unwrap();
    });
    assert!(
        err.contains(&format!("error: {EDITION}:1:7: invalid UTF-8 byte 0xFF")),
        "{err}"
    );
    assert!(
        err.contains("1 | # 上田市 \u{FFFD}重点目標一覧表"),
        "the line as written: {err}"
    );
}

#[test]
fn nesting_too_deep_names_the_limit_and_the_place() {
    let mut line = 0;
    let header = format!("[[{}]]", vec!["items"; 85].join("."));
    let err = broken_build(|root| {
        line = append(root, EDITION, &format!("\n{header}\ntitle = \"深い\"\n")) + 1
    });
    assert!(
        err.contains(&format!(
            "error: {EDITION}:{line}:3: nested deeper than 80 levels"
        )),
        "{err}"
    );
    let mut line = 0;
    let value = format!("{}{}", "[".repeat(100), "]".repeat(100));
    let err = broken_build(|root| {
        line = append(root, EDITION, &format!("\n[[items]]\nactions = {value}\n")) + 2
    });
    assert!(
        err.contains(&format!("error: {EDITION}:{line}:"))
            && err.contains("nested deeper than 80 levels"),
        "{err}"
    );
}

#[test]
fn a_huge_fiscal_year_is_reported_as_written() {
    let err = broken_build(|root| {
        replace(
            root,
            EDITION,
            "fiscal_year = 2022",
            "fiscal_year = 4294967296",
        )
    });
    let text = fs::read_to_string(sample_root().join(EDITION)).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("fiscal_year = 2022"))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "error: {EDITION}:{line}:15: fiscal year 4294967296 is out of range: expected a 西暦 year from 1900 to 2200"
        )),
        "{err}"
    );
}

#[test]
fn dictionary_mistakes_are_placed_before_lindera_sees_them() {
    let mut line = 0;
    let err = broken_build(|root| {
        line = append(
            root,
            "content/_dictionary.csv",
            "\"\",名詞,カラ\n協働体,名詞,キョウドウタイ\n",
        )
    });
    assert!(
        err.contains(&format!(
            "error: content/_dictionary.csv:{line}:1: `\"` is not allowed in the surface field"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: content/_dictionary.csv:{}:1: `協働体` is already listed on line 3",
            line + 1
        )),
        "{err}"
    );
    assert!(!err.contains("LinderaError"), "{err}");
}

#[test]
fn an_error_on_a_very_long_line_shows_the_part_around_it() {
    let mut line = 0;
    let long = "協".repeat(2500);
    let err = broken_build(|root| {
        line = append(
            root,
            EDITION,
            &format!("\n[[items]]\ntitle = \"長い\"\nactions = [\"{long}\", 3, \"{long}\"]\n"),
        )
    });
    let column = "actions = [\"".len() + 2500 + 4;
    let at = format!("error: {EDITION}:{}:{column}: ", line + 3);
    assert!(err.contains(&at), "{}", &err[..err.len().min(600)]);
    let (shown, caret) = err
        .lines()
        .skip_while(|l| !l.starts_with(&at))
        .skip(2)
        .map(|l| l.split_once(" | ").map_or("", |(_, t)| t))
        .take(2)
        .fold((String::new(), String::new()), |(a, b), l| {
            match a.is_empty() {
                true => (l.to_string(), b),
                false => (a, l.to_string()),
            }
        });
    assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
    assert!(shown.contains("協\", 3, \"協"), "{shown}");
    let cells = |s: &str| {
        s.chars()
            .map(|c| if c == '協' { 2 } else { 1 })
            .sum::<usize>()
    };
    assert!(cells(&shown) <= 100, "{} columns: {shown}", cells(&shown));
    let pad = caret.find('^').expect("a caret");
    let before: String = shown
        .chars()
        .scan(0, |w, c| {
            *w += if c == '協' { 2 } else { 1 };
            Some((*w, c))
        })
        .take_while(|(w, _)| *w <= pad)
        .map(|(_, c)| c)
        .collect();
    assert!(
        before.ends_with("協\", "),
        "caret not under the 3: {before}|"
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_by_name() {
    let err = broken_build(|root| {
        // Sparse: 17 MiB by its length, nothing written; refused before it is read.
        let file = fs::OpenOptions::new()
            .write(true)
            .open(root.join(EDITION))
            .unwrap();
        file.set_len(17 * 1024 * 1024).unwrap();
    });
    let at = format!(
        "error: {EDITION}: the file is too large (17825792 bytes; kohyo reads at most 16777216 bytes, 16 MiB"
    );
    assert!(err.contains(&at), "{}", &err[..err.len().min(400)]);
}

#[test]
fn every_problem_of_a_file_is_reported_in_one_run() {
    // The two typos of the report: a wrong stage and a key without a value, and a third
    // further down, inside an item.
    let mut line = 0;
    let err = broken_build(|root| {
        replace(root, EDITION, "stage = \"result\"", "stage = \"plann\"");
        line = append(
            root,
            EDITION,
            "target =\n\n[[items]]\nnumber = \"9\"\ntitle = \"追加\"\nacions = [\"綴り違い\"]\n",
        );
    });
    let stage_line = fs::read_to_string(sample_root().join(EDITION))
        .unwrap()
        .lines()
        .position(|l| l == "stage = \"result\"")
        .unwrap()
        + 1;
    for at in [
        format!("error: {EDITION}:{stage_line}:9: unknown variant `plann`"),
        format!("error: {EDITION}:{line}:"),
        format!(
            "error: {EDITION}:{}:1: unknown key `acions`: did you mean `actions`?",
            line + 5
        ),
    ] {
        assert!(err.contains(&at), "{at} in:\n{err}");
    }
    assert_eq!(err.matches("error: ").count(), 3, "{err}");
}

#[test]
fn the_usual_mistakes_are_told_how_to_fix() {
    for (line, hint) in [
        (
            "[[indicators]]\nname = \"件数\"\nbaseline = { year = 2022, value = 4,000 }\n",
            "numbers take no commas: write 4000",
        ),
        (
            "[[items]]\nnumber = \"9\"\ntitle = “全角の引用符”\n",
            "the quotes are full-width",
        ),
        (
            "[[items]]\nnumber ＝ \"9\"\n",
            "`＝` is the full-width equals sign",
        ),
    ] {
        let err = broken_build(|root| {
            append(root, EDITION, line);
        });
        assert!(err.contains(hint), "{hint} in:\n{err}");
    }
}

/// Whether `text` holds Japanese (kana or kanji), beyond file names and quoted values.
fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| ('\u{3041}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_problem_is_said_in_japanese_with_the_english_beside_it() {
    let site = copy_site(&sample_root());
    let root = site.path();
    // two mistakes in 一関市's plan, one in 上田市's municipality file
    let edition = root.join("content/ichinoseki/kyodo-suishin/dai3ji.toml");
    let text = fs::read_to_string(&edition).unwrap();
    let broken = text.replacen("stage = \"plan\"", "stage = \"plann\"", 1);
    fs::write(
        &edition,
        broken + "\n[[indicators]]\nname = \"件数\"\nbaseline = { value = 4,000 }\n",
    )
    .unwrap();
    // a month that is no month in 川西市's version (a file that parses, so it is checked)
    let version = root.join("content/kawanishi/sankaku-kyodo/nov13.toml");
    let text = fs::read_to_string(&version).unwrap();
    fs::write(&version, format!("published = \"2024/03\"\n{text}")).unwrap();
    let municipality = root.join("content/ueda/_municipality.toml");
    let text = fs::read_to_string(&municipality).unwrap();
    fs::write(&municipality, text.replace("202037", "202036")).unwrap();
    append(root, "content/_dictionary.csv", "上田,名詞\n");
    append(root, "content/_variants.csv", "一関\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kohyo"))
        .args(["check", "--root", root.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .env("KOHYO_LANG", "ja")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    let lines: Vec<&str> = said.lines().collect();
    let errors: Vec<(&str, &str)> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("エラー: "))
        .map(|(i, l)| (*l, lines.get(i + 1).copied().unwrap_or("")))
        .collect();
    // the plan's two mistakes, the month, the code, the dictionary line and the variant line
    assert_eq!(errors.len(), 6, "{said}");
    for (japanese, english) in &errors {
        let message = japanese.splitn(3, ": ").nth(2).unwrap_or("");
        assert!(has_japanese(message), "{japanese}");
        assert!(
            english.starts_with("  (") && english.ends_with(')') && !has_japanese(&english[..10]),
            "the English under {japanese}: {english}"
        );
    }
    for expected in [
        "数値には桁区切りのカンマを付けません。4000 と書きます",
        "`plann` は使えない値です。使える値は `plan`, `interim`, `result` です",
        "published `2024/03` は年月として読めません",
        "チェックディジット（最後の1桁）が違います。正しくは 202037 です",
        "`表記,品詞,読み` の3つの欄をカンマで区切って書きます",
        "一つの言葉の二つ以上の書き方をカンマで区切って書きます",
    ] {
        assert!(said.contains(expected), "{expected}\n{said}");
    }
    assert!(
        said.ends_with(
            "6 件の誤りがあります。何も書き込んでいません (6 problems found; nothing was written)\n"
        ),
        "{said}"
    );
    // in English (the default outside a Japanese locale) the same problems, in English only
    let english = kohyo(&["check", "--root", root.to_str().unwrap()]);
    let english = stderr(&english);
    assert_eq!(english.matches("error: ").count(), 6, "{english}");
    assert!(!english.contains("エラー"));
}
