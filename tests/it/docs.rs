//! The staff documentation: the Japanese content model says all the English one does.

use std::collections::BTreeSet;

use crate::common::sample_root;

/// Every key staff type that a document names: TOML keys and table headers in its examples,
/// and identifiers written as code in its text (`fiscal_year`, `[labels]`, `plan`).
fn named_keys(doc: &str) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for line in doc.lines() {
        let line = line.trim_start().trim_start_matches("# ");
        if let Some((key, _)) = line.split_once(" = ")
            && key.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        {
            keys.insert(key.to_string());
        }
        if line.starts_with('[') {
            keys.insert(line.split_whitespace().next().unwrap_or("").to_string());
        }
    }
    for code in doc.split('`').skip(1).step_by(2) {
        if !code.is_empty()
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || "_[].:".contains(c))
        {
            keys.insert(code.to_string());
        }
    }
    keys
}

#[test]
fn the_japanese_content_model_names_every_key_of_the_english_one() {
    let docs = sample_root().join("docs");
    let english = std::fs::read_to_string(docs.join("content-model.md")).unwrap();
    let japanese = std::fs::read_to_string(docs.join("content-model.ja.md")).unwrap();
    let (en, ja) = (named_keys(&english), named_keys(&japanese));
    assert!(en.len() > 60, "{en:?}");
    let missing: Vec<&String> = en.difference(&ja).collect();
    assert!(missing.is_empty(), "content-model.ja.md lacks {missing:?}");
    assert!(english.contains("(content-model.ja.md)"));
    assert!(japanese.contains("(content-model.md)"));
}
