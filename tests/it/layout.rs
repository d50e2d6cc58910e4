//! The site's own paths: slugs that would land on them are refused at load, and a build in
//! which two files claim one path fails instead of letting one win.

use std::fs;
use std::path::Path;

use kohyo::layout::{RESERVED_ROOT_NAMES, RESERVED_SERIES_NAMES};

use crate::common::{broken_build, built_sample, copy_site, kohyo, sample_root, stderr};

fn check(root: &Path) -> (Option<i32>, String) {
    let out = kohyo(&["check", "--root", root.to_str().unwrap()]);
    (out.status.code(), stderr(&out))
}

#[test]
fn a_municipality_cannot_take_a_name_the_site_uses() {
    let err = broken_build(|root| {
        fs::rename(root.join("content/ueda"), root.join("content/search")).unwrap();
    });
    assert!(
        err.contains(
            "error: content/search: municipality folder `search` is a name the site itself uses"
        ),
        "{err}"
    );
    for name in ["data", "accessibility"] {
        let site = copy_site(&sample_root());
        let root = site.path();
        fs::rename(
            root.join("content/kawanishi"),
            root.join("content").join(name),
        )
        .unwrap();
        let (code, err) = check(root);
        assert_eq!(code, Some(1), "{err}");
        let at = format!(
            "error: content/{name}: municipality folder `{name}` is a name the site itself uses"
        );
        assert!(err.contains(&at), "{err}");
    }
}

#[test]
fn an_edition_cannot_take_the_compare_folder() {
    let err = broken_build(|root| {
        let dir = root.join("content/ueda/seisaku-kikaku");
        fs::rename(dir.join("2023.toml"), dir.join("compare.toml")).unwrap();
    });
    let at = "error: content/ueda/seisaku-kikaku/compare.toml: edition file name `compare` is a name the site itself uses";
    assert!(err.contains(at), "{err}");
}

#[test]
fn an_edition_cannot_take_the_history_folder() {
    let err = broken_build(|root| {
        let dir = root.join("content/ueda/shimin-machizukuri");
        fs::rename(dir.join("2018.toml"), dir.join("history.toml")).unwrap();
    });
    let at = "error: content/ueda/shimin-machizukuri/history.toml: edition file name `history` is a name the site itself uses";
    assert!(err.contains(at), "{err}");
}

#[test]
fn every_name_the_build_writes_at_its_root_is_reserved() {
    let municipalities: Vec<String> = fs::read_dir(sample_root().join("content"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    for entry in fs::read_dir(built_sample()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            RESERVED_ROOT_NAMES.contains(&name.as_str()) || municipalities.contains(&name),
            "{name} is written at the root but not in RESERVED_ROOT_NAMES"
        );
    }
    let series = built_sample().join("ueda/shimin-machizukuri");
    let editions: Vec<String> = fs::read_dir(sample_root().join("content/ueda/shimin-machizukuri"))
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .replace(".toml", "")
        })
        .collect();
    for entry in fs::read_dir(series).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            RESERVED_SERIES_NAMES.contains(&name.as_str()) || editions.contains(&name),
            "{name} is written in a series folder but not in RESERVED_SERIES_NAMES"
        );
    }
}

#[test]
fn two_files_at_one_path_fail_the_build() {
    let err = broken_build(|root| {
        let page = root.join("themes/default/static/search/index.html");
        fs::create_dir_all(page.parent().unwrap()).unwrap();
        fs::write(page, "<p>theme</p>").unwrap();
    });
    assert!(
        err.contains("two files of the site claim the same path search/index.html"),
        "{err}"
    );
}
