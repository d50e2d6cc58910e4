//! Search: records extracted from the rendered pages, a sharded positional bigram index with
//! lindera terms for ranking, and the same query engine in Rust (`engine`) and JavaScript.

pub mod extract;
pub mod engine;
pub mod index;
