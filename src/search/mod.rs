//! Search: records extracted from the rendered pages, a sharded positional bigram index with
//! lindera terms for ranking, readings and suggestions, the table of spelling variants
//! (`variants`), and one query engine written twice, in Rust (`engine`) for the CLI and tests
//! and in JavaScript (`engine.js`) for the browser, with a test holding them equal.

pub mod engine;
pub mod eval;
pub mod extract;
pub mod index;
pub mod variants;

use std::path::PathBuf;

use crate::layout::OutputFile;

/// The browser client, written to `search/` beside the index: the engine (also loaded by the
/// conformance test under node) and the search page's UI.
const CLIENT: [(&str, &str); 2] = [
    ("engine.js", include_str!("engine.js")),
    ("ui.js", include_str!("ui.js")),
];

/// The client's files, ready to write.
pub fn client_files() -> Vec<OutputFile> {
    CLIENT
        .iter()
        .map(|(name, source)| OutputFile {
            path: PathBuf::from(crate::layout::SEARCH_DIR).join(name),
            contents: source.as_bytes().to_vec(),
        })
        .collect()
}
