//! kohyo (公表): a static site generator that publishes Japanese municipalities' plans and
//! priority goals as a searchable, accessible website with open data.
//!
//! The pipeline: [`load`] reads and validates `content/` into a [`load::Site`]; [`shortcode`]
//! expands the shortcodes of its bodies; [`render`] turns it into pages with the tera
//! [`theme`]; [`output`] writes them atomically; [`site`] orchestrates. Each stage uses only
//! the stages before it (ARCHITECTURE.md lists the order). See ARCHITECTURE.md for the map.

pub mod cache;
pub mod config;
pub mod diagnostic;
pub mod diff;
pub mod history;
pub mod import;
pub mod init;
pub mod layout;
pub mod load;
pub mod markdown;
pub mod messages;
pub mod model;
pub mod next;
pub mod opendata;
pub mod output;
pub mod parse;
pub mod present;
pub mod render;
pub mod safe_url;
pub mod search;
pub mod serve;
pub mod sheet;
pub mod shortcode;
pub mod site;
pub mod source;
pub mod svg;
pub mod template;
pub mod text;
pub mod theme;
pub mod user_dictionary;
pub mod user_variants;
pub mod wareki;
