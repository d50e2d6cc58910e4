//! Integration tests: build the sample site and real broken copies of it with the kohyo binary,
//! and check what readers and staff see. One test binary, so the library links once.

mod accessibility;
mod bad_input;
mod cache;
mod catalogue;
mod cli;
mod cli_ja;
mod common;
mod compare;
mod crawlers;
mod docs;
mod feeds;
mod fuzz;
mod history;
mod hostile;
mod import;
mod import_errors;
mod import_formats;
mod import_roundtrip;
mod import_taikei;
mod import_ueda;
mod import_ueda_table;
mod layout;
mod opendata;
mod output;
mod pages;
mod search;
mod seeds;
mod serve;
mod shortcodes;
mod stages;
mod theme;
