//! The command line as staff use it: help, init → check → build, determinism, base URL.

use std::fs;
use std::os::unix::fs::MetadataExt;

use crate::common::{build_into, copy_site, kohyo, sample_root, snapshot, stderr};

#[test]
fn every_command_has_help() {
    for (command, option) in [
        (None, "Commands:"),
        (Some("build"), "--base-url"),
        (Some("check"), "--root"),
        (Some("init"), "<DIR>"),
    ] {
        let mut args: Vec<&str> = command.into_iter().collect();
        args.push("--help");
        let out = kohyo(&args);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(option), "{command:?}: {text}");
    }
    let out = kohyo(&["no-such-command"]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn init_creates_a_site_that_checks_and_builds() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("city");
    let site_arg = site.to_str().unwrap();
    let out = kohyo(&["init", site_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    // the hint names the three commands staff run, for this folder
    let hint = String::from_utf8_lossy(&out.stdout).to_string();
    for command in ["check", "serve", "build"] {
        assert!(
            hint.contains(&format!("kohyo {command} --root {site_arg}")),
            "{hint}"
        );
    }
    // the site's own README starts in Japanese, names the three commands and holds the
    // section kohyo.toml refers to
    let readme = fs::read_to_string(site.join("README.md")).unwrap();
    assert!(readme.contains("## はじめに"), "{readme}");
    for command in ["kohyo check", "kohyo serve", "kohyo build"] {
        assert!(readme.contains(command), "{command}");
    }
    let config = fs::read_to_string(site.join("kohyo.toml")).unwrap();
    let section = config
        .split('「')
        .nth(1)
        .and_then(|s| s.split('」').next())
        .expect("kohyo.toml names a README section");
    assert!(
        readme.contains(&format!("## {section}")),
        "kohyo.toml refers to 「{section}」"
    );
    // the README's example edition is valid content: as the sample's own edition it builds
    let example = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("an example edition");
    fs::write(site.join("content/sample/somu/2026.toml"), example).unwrap();
    let out = kohyo(&["check", "--root", site_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = kohyo(&["build", "--root", site_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = fs::read_to_string(site.join("public/sample/somu/2026/index.html")).unwrap();
    assert!(page.contains("令和8年度（2026年度）"), "{page}");
    assert!(page.contains("オンライン申請の対象手続の拡大"));
    let again = kohyo(&["init", site_arg]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("is not empty"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let site = copy_site(&sample_root());
    let root = site.path().to_str().unwrap();
    let a = site.path().join("a");
    let b = site.path().join("b");
    for out in [&a, &b] {
        let result = kohyo(&["build", "--root", root, "--output", out.to_str().unwrap()]);
        assert!(result.status.success(), "{}", stderr(&result));
    }
    let (a, b) = (snapshot(&a), snapshot(&b));
    assert!(a.len() > 15, "{} files", a.len());
    assert_eq!(a, b);
}

#[test]
fn a_rebuild_writes_only_what_changed_and_removes_what_is_gone() {
    let site = copy_site(&sample_root());
    let out = site.path().join("public");
    build_into(site.path(), &out);
    let inode = |path: &str| fs::metadata(out.join(path)).unwrap().ino();
    let unchanged = ["style.css", "ichinoseki/kyodo-suishin/dai3ji/index.html"];
    let before: Vec<u64> = unchanged.iter().map(|p| inode(p)).collect();
    let edited = inode("ueda/seisaku-kikaku/2023/index.html");
    // Things that are not the build's: a stray file, a stray folder, a folder where the build
    // makes a file and a file where it makes a folder.
    fs::write(out.join("stray.txt"), "x").unwrap();
    fs::create_dir_all(out.join("old/deep")).unwrap();
    fs::write(out.join("old/deep/page.html"), "x").unwrap();
    fs::remove_file(out.join("data/kohyo.json")).unwrap();
    fs::create_dir_all(out.join("data/kohyo.json/inside")).unwrap();
    fs::remove_dir_all(out.join("search/p")).unwrap();
    fs::write(out.join("search/p"), "x").unwrap();
    // One edition retitled, one removed.
    let file = site.path().join("content/ueda/seisaku-kikaku/2023.toml");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replacen("令和5年度重点目標\"", "令和5年度重点目標（改訂）\"", 1),
    )
    .unwrap();
    fs::remove_file(
        site.path()
            .join("content/ueda/shimin-machizukuri/2025.toml"),
    )
    .unwrap();
    build_into(site.path(), &out);
    let fresh = site.path().join("fresh");
    build_into(site.path(), &fresh);
    assert_eq!(snapshot(&out), snapshot(&fresh));
    assert!(!out.join("old").exists() && !out.join("ueda/shimin-machizukuri/2025").exists());
    assert!(
        fs::read_to_string(out.join("ueda/seisaku-kikaku/2023/index.html"))
            .unwrap()
            .contains("令和5年度重点目標（改訂）")
    );
    // Files whose bytes did not change were left alone; the retitled page was written anew.
    let after: Vec<u64> = unchanged.iter().map(|p| inode(p)).collect();
    assert_eq!(before, after);
    assert_ne!(edited, inode("ueda/seisaku-kikaku/2023/index.html"));
    // No staging folder is left beside the output (the build cache is).
    let beside: Vec<_> = fs::read_dir(site.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".kohyo-build"))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn base_url_prefixes_every_link() {
    let site = copy_site(&sample_root());
    let out = site.path().join("out");
    let result = kohyo(&[
        "build",
        "--root",
        site.path().to_str().unwrap(),
        "--output",
        out.to_str().unwrap(),
        "--base-url",
        "https://www.city.example.lg.jp/plans",
    ]);
    assert!(result.status.success(), "{}", stderr(&result));
    let home = fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains("href=\"https://www.city.example.lg.jp/plans/style.css\""));
    assert!(home.contains("href=\"https://www.city.example.lg.jp/plans/ueda/\""));
    assert!(
        !home.contains("href=\"/"),
        "a root-relative link ignores the base URL"
    );
}

#[test]
fn refuses_to_overwrite_the_site_itself() {
    let site = copy_site(&sample_root());
    let root = site.path().to_str().unwrap();
    let out = kohyo(&["build", "--root", root, "--output", root]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("refusing to use"), "{}", stderr(&out));
    assert!(site.path().join("content").is_dir());
}

#[test]
fn errors_carry_no_colour_codes_when_no_color_is_set() {
    let dir = tempfile::tempdir().unwrap();
    let out = kohyo(&["check", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("kohyo.toml not found"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err}");
}
