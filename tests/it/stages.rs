//! Each stage uses only the stages before it: every `crate::…` path in `src/` is checked
//! against the layers ARCHITECTURE.md lists (its `layers` block), so the order is written once.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The `layers` block of ARCHITECTURE.md: each module's layer (0 first), and the modules
/// outside the pipeline (the line `outside: …`).
fn layers() -> (HashMap<String, usize>, Vec<String>) {
    let text = fs::read_to_string(Path::new(ROOT).join("ARCHITECTURE.md")).unwrap();
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| l.trim() != "```layers")
        .skip(1)
        .take_while(|l| l.trim() != "```")
        .collect();
    assert!(!block.is_empty(), "ARCHITECTURE.md has no ```layers block");
    let mut layer = HashMap::new();
    let mut outside = Vec::new();
    for (i, line) in block.iter().enumerate() {
        match line.strip_prefix("outside:") {
            Some(rest) => outside.extend(rest.split_whitespace().map(String::from)),
            None => {
                for module in line.split_whitespace() {
                    let before = layer.insert(module.to_string(), i);
                    assert!(before.is_none(), "{module} is listed twice");
                }
            }
        }
    }
    (layer, outside)
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules a file's code names as `crate::x` (in `use crate::{x, y}` too);
/// comment lines are skipped.
fn used_modules(code: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut used = Vec::new();
    for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for (at, _) in line.match_indices("crate::") {
            let rest = &line[at + "crate::".len()..];
            match rest.strip_prefix('{') {
                Some(group) => {
                    let mut depth = 0;
                    let mut start = true;
                    for (i, c) in group.char_indices() {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => break,
                            '}' => depth -= 1,
                            ',' if depth == 0 => start = true,
                            c if start && !c.is_whitespace() => {
                                used.push(ident(&group[i..]));
                                start = false;
                            }
                            _ => {}
                        }
                    }
                }
                None => used.push(ident(rest)),
            }
        }
    }
    used.retain(|m| !m.is_empty());
    used
}

/// The module a file under `src/` belongs to: `src/x.rs` and `src/x/…` are `x`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

#[test]
fn each_stage_uses_only_the_stages_before_it() {
    let (layer, outside) = layers();
    let src = Path::new(ROOT).join("src");
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let declared: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .collect();
    let listed = |m: &str| layer.contains_key(m) || outside.iter().any(|o| o == m);
    for module in declared.iter().copied().chain(["main"]) {
        assert!(
            listed(module),
            "module `{module}` is not in ARCHITECTURE.md's layers block"
        );
    }
    for module in layer.keys().chain(&outside) {
        assert!(
            module == "main" || declared.contains(&module.as_str()),
            "ARCHITECTURE.md lists `{module}`, which src/lib.rs does not declare"
        );
    }

    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut offences = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some(&own) = layer.get(&module) else {
            // lib.rs, and the modules outside the pipeline, which may use anything.
            continue;
        };
        let code = fs::read_to_string(file).unwrap();
        let mut used = used_modules(&code);
        used.sort();
        used.dedup();
        for other in used.iter().filter(|m| **m != module) {
            let fine = layer.get(other).is_some_and(|&theirs| theirs < own);
            if !fine {
                offences.push(format!(
                    "{}: `{module}` uses `crate::{other}`, which is not in an earlier layer",
                    file.strip_prefix(ROOT).unwrap_or(file).display()
                ));
            }
        }
    }
    assert!(offences.is_empty(), "\n{}", offences.join("\n"));
}

#[test]
fn imports_are_read_in_groups_too() {
    let code = "use crate::diff::{self, Comparison};\nuse crate::{load::{self, Site}, model};\n// crate::render in a comment\nlet x = crate::present::NOT_STATED;";
    assert_eq!(used_modules(code), ["diff", "load", "model", "present"]);
}

/// Each stage's failure reaches the caller as its own kind of error, with what went wrong in
/// both languages: a refused output, two files at one path, a broken template, an unknown
/// edition for `kohyo diff`, a missing search index.
#[test]
fn each_stage_fails_with_an_error_of_its_own() {
    use kohyo::diff::DiffError;
    use kohyo::output::OutputError;
    use kohyo::search::engine::{Index, SearchError};
    use kohyo::site::{BuildError, BuildOptions, build};

    let site = crate::common::copy_site(&crate::common::sample_root());
    let root = site.path().to_path_buf();
    let options = |output: &Path| BuildOptions {
        root: root.clone(),
        output: Some(output.to_path_buf()),
        base_url: None,
        cache: false,
    };
    let quiet = |_: &str| {};

    let foreign = tempfile::tempdir().unwrap();
    fs::write(foreign.path().join("notes.txt"), "kept").unwrap();
    match build(&options(foreign.path()), &quiet) {
        Err(BuildError::Output(OutputError::NotOurs { .. })) => {}
        other => panic!("a folder kohyo did not make: {other:?}"),
    }
    assert_eq!(
        fs::read_to_string(foreign.path().join("notes.txt")).unwrap(),
        "kept"
    );

    let out = tempfile::tempdir().unwrap();
    let output = out.path().join("public");
    let clash = root.join("themes/default/static/search/index.html");
    fs::create_dir_all(clash.parent().unwrap()).unwrap();
    fs::write(&clash, "<p>theme</p>").unwrap();
    match build(&options(&output), &quiet) {
        Err(BuildError::Output(OutputError::Duplicate { path })) => {
            assert_eq!(path, "search/index.html")
        }
        other => panic!("two files at one path: {other:?}"),
    }
    fs::remove_file(&clash).unwrap();

    let template = root.join("themes/default/templates/edition.html");
    let good = fs::read_to_string(&template).unwrap();
    fs::write(&template, format!("{good}\n{{% if %}}")).unwrap();
    match build(&options(&output), &quiet) {
        Err(BuildError::Content(diags)) => {
            assert!(
                diags.iter().any(|d| d.path.ends_with("edition.html")),
                "{diags:?}"
            )
        }
        other => panic!("a broken template: {other:?}"),
    }
    assert!(!output.exists(), "a failed build wrote its output");
    fs::write(&template, good).unwrap();

    build(&options(&output), &quiet).expect("the sample builds");
    let (loaded, _) = kohyo::site::load(&root).unwrap();
    let tokenizer = kohyo::text::Tokenizer::new(loaded.user_dictionary.as_deref()).unwrap();
    let series = loaded.series_paths()[0].clone();
    match kohyo::diff::compare_named(&loaded, &tokenizer, &series, "1999", "2000") {
        Err(e @ DiffError::UnknownEdition { .. }) => {
            assert!(
                e.message().ja.contains("がありません"),
                "{}",
                e.message().ja
            )
        }
        other => panic!("an unknown edition: {:?}", other.map(|_| ())),
    }

    match Index::open(foreign.path()) {
        Err(e @ SearchError::NoIndex(_)) => assert!(e.message().en.contains("kohyo build")),
        other => panic!("no index: {:?}", other.err()),
    }
    assert!(Index::open(&output).is_ok());
}
