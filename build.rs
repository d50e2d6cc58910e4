//! Builds the IPADIC dictionary (Debian's mecab-ipadic sources, kept in `dictionary/`) into
//! lindera's binary format at compile time, offline, for `embedded_dictionary!` in `src/text.rs`.

use std::error::Error;
use std::fs::{self, File};
use std::io::BufReader;
use std::path::PathBuf;

use lindera_dictionary::builder::DictionaryBuilder;
use lindera_dictionary::dictionary::metadata::Metadata;

const ARCHIVE: &str = "dictionary/ipadic-eucjp.tar.xz";
const ARCHIVE_ROOT: &str = "mecab-ipadic-2.7.0-20070801";
const METADATA: &str = "dictionary/metadata.json";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed={ARCHIVE}");
    println!("cargo::rerun-if-changed={METADATA}");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    let sources = out_dir.join("ipadic-src");
    let built = out_dir.join("lindera-ipadic");
    let _ = fs::remove_dir_all(&sources);
    fs::create_dir_all(&sources)?;
    let mut tar_bytes = Vec::new();
    lzma_rs::xz_decompress(&mut BufReader::new(File::open(ARCHIVE)?), &mut tar_bytes)?;
    tar::Archive::new(tar_bytes.as_slice()).unpack(&sources)?;
    let metadata = Metadata::load(&fs::read(METADATA)?)?;
    let _ = fs::remove_dir_all(&built);
    DictionaryBuilder::new(metadata).build_dictionary(&sources.join(ARCHIVE_ROOT), &built)?;
    fs::remove_dir_all(&sources)?;
    println!("cargo::rustc-env=LINDERA_WORKDIR={}", out_dir.display());
    Ok(())
}
