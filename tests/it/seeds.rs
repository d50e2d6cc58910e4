//! Every source document is published faithfully: phrases and numbers taken from each seed's
//! text appear on its edition page.

use crate::common::{page, visible_text};

/// (phrase file, municipality/series): each line of a file is `edition<TAB>phrase`.
const PHRASE_FILES: [(&str, &str); 4] = [
    ("ueda-shimin-machizukuri.tsv", "ueda/shimin-machizukuri"),
    ("ueda-seisaku-kikaku.tsv", "ueda/seisaku-kikaku"),
    ("kawanishi-sankaku-kyodo.tsv", "kawanishi/sankaku-kyodo"),
    ("ichinoseki-kyodo-suishin.tsv", "ichinoseki/kyodo-suishin"),
];

#[test]
fn every_seed_phrase_appears_on_its_edition_page() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/phrases");
    let mut missing = Vec::new();
    let mut checked = 0;
    for (file, series) in PHRASE_FILES {
        let list = std::fs::read_to_string(dir.join(file)).expect("phrase file");
        for line in list.lines().filter(|l| !l.trim().is_empty()) {
            let (edition, phrase) = line.split_once('\t').expect("edition<TAB>phrase");
            let text = visible_text(&page(&format!("{series}/{edition}/index.html")));
            checked += 1;
            if !text.contains(phrase) {
                missing.push(format!("{series}/{edition}: {phrase}"));
            }
        }
    }
    assert!(checked >= 150, "only {checked} phrases checked");
    assert!(
        missing.is_empty(),
        "missing on the pages:\n{}",
        missing.join("\n")
    );
}
