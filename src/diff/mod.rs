//! Differences between editions. So far: word-level text diffs (`text`), the building block of
//! the compare pages.

pub mod text;
