//! Integration tests: build the sample site and real broken copies of it with the kohyo binary,
//! and check what readers and staff see. One test binary, so the library links once.

mod accessibility;
mod bad_input;
mod cli;
mod common;
mod compare;
mod fuzz;
mod hostile;
mod layout;
mod opendata;
mod output;
mod pages;
mod search;
mod seeds;
mod serve;
mod shortcodes;
mod theme;
