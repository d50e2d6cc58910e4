//! The CLI's own errors in Japanese: with `KOHYO_LANG=ja` each real mistake is said as
//! `エラー: <Japanese>` with the English in parentheses on the line below; with `KOHYO_LANG=en`
//! the same mistakes are said in English alone.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::{sample_root, stderr};

/// Run the kohyo binary with `args`, colour off, messages in `lang`.
fn kohyo_in(lang: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kohyo"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("KOHYO_LANG", lang)
        .output()
        .expect("the kohyo binary runs")
}

/// Whether `text` holds kana or kanji.
fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{9fff}' | '\u{3000}'..='\u{303f}'))
}

/// Run `args` in both languages: each must fail with status 1; the Japanese run's stderr must
/// hold `ja` and, on the next line in parentheses, `en`; the English run's must hold
/// `error: <en>` and no Japanese.
fn says(args: &[&str], ja: &str, en: &str) {
    let out = kohyo_in("ja", args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.starts_with(&format!("エラー: {ja}")), "{text}");
    assert!(text.contains(&format!("\n  ({en}")), "{text}");
    let out = kohyo_in("en", args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stderr(&out);
    assert!(text.starts_with(&format!("error: {en}")), "{text}");
    assert!(!has_japanese(&text), "{text}");
}

fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn an_import_of_a_missing_file_says_so_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.xlsx");
    let root = sample_root();
    says(
        &[
            "import",
            arg(&missing),
            "--series",
            "ueda/seisaku-kikaku",
            "--year",
            "2030",
            "--root",
            arg(&root),
        ],
        "missing.xlsx: ブックを読み込めません",
        "missing.xlsx: cannot read the workbook",
    );
}

#[test]
fn an_import_of_a_department_sheet_without_year_or_version_asks_for_one() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = dir.path().join("goals.csv");
    fs::write(
        &sheet,
        "重点目標,具体的な重点取組項目（箇条書き）\n1 目標,① 取組\n",
    )
    .unwrap();
    let root = sample_root();
    says(
        &[
            "import",
            arg(&sheet),
            "--series",
            "ueda/seisaku-kikaku",
            "--slug",
            "dec15",
            "--root",
            arg(&root),
        ],
        "goals.csv: 版の日付を持つのは `kohyo sheet` が書いた様式だけです。--year 年度 か、--version 名前 --slug 名前 を指定してください",
        "goals.csv: only a form written by `kohyo sheet` carries its edition's dates; give --year YEAR, or --version LABEL --slug NAME",
    );
    assert!(!root.join("content/ueda/seisaku-kikaku/dec15.toml").exists());
}

#[test]
fn a_build_into_a_folder_kohyo_did_not_make_is_refused_in_japanese() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("mydocs");
    fs::create_dir(&docs).unwrap();
    fs::write(docs.join("report.txt"), "年度末の報告").unwrap();
    let root = sample_root();
    let shown = arg(&docs);
    says(
        &["build", "--root", arg(&root), "--output", shown],
        &format!(
            "`{shown}` は出力先に使えません。空ではなく、kohyo が作ったフォルダーでもありません"
        ),
        &format!(
            "refusing to use {shown} as the output: it is not empty and was not made by kohyo"
        ),
    );
    assert_eq!(
        fs::read_to_string(docs.join("report.txt")).unwrap(),
        "年度末の報告"
    );
    assert_eq!(fs::read_dir(&docs).unwrap().count(), 1);
}

#[test]
fn kohyo_new_of_an_unknown_series_names_the_folder_in_japanese() {
    let root = sample_root();
    says(
        &[
            "new",
            "ueda/no-such-series",
            "--year",
            "2031",
            "--root",
            arg(&root),
        ],
        "`content/` の下にシリーズ `ueda/no-such-series` がありません。",
        "no series `ueda/no-such-series` under content/",
    );
}

#[test]
fn diff_search_init_and_serve_mistakes_and_build_warnings_are_said_in_japanese() {
    let root = sample_root();
    says(
        &[
            "diff",
            "ueda/seisaku-kikaku",
            "2019",
            "2023",
            "--root",
            arg(&root),
        ],
        "シリーズ `ueda/seisaku-kikaku` に版 `2019` がありません",
        "series `ueda/seisaku-kikaku` has no edition `2019`",
    );
    let empty = tempfile::tempdir().unwrap();
    says(
        &["search", "協働", "--output", arg(empty.path())],
        &format!("{} に検索索引がありません", empty.path().display()),
        &format!("no search index in {}", empty.path().display()),
    );
    let full = tempfile::tempdir().unwrap();
    fs::write(full.path().join("notes.txt"), "kept").unwrap();
    says(
        &["init", arg(full.path())],
        &format!("{} は空ではありません", full.path().display()),
        &format!("{} is not empty", full.path().display()),
    );
    says(
        &["serve", "--port", "0", "--root", arg(empty.path())],
        &format!("{} に kohyo.toml がありません", empty.path().display()),
        &format!("{} has no kohyo.toml", empty.path().display()),
    );
    // The sample's base_url is a path: the build warns, in both languages under ja.
    let out = tempfile::tempdir().unwrap();
    let built = kohyo_in(
        "ja",
        &[
            "build",
            "--root",
            arg(&root),
            "--output",
            arg(&out.path().join("public")),
            // The repository's own site: no build cache left in it.
            "--no-cache",
        ],
    );
    assert!(built.status.success(), "{}", stderr(&built));
    let text = stderr(&built);
    assert!(
        text.contains("警告: base_url `/` がパスなので")
            && text.contains("\n  (base_url `/` is a path"),
        "{text}"
    );
}
