//! The build cache: what the preview's memos keep, kept on disk between builds in
//! `.kohyo-cache/` in the site root ([`layout::CACHE_DIR`]), so that a build after a small
//! change renders and indexes again only what that change touched.
//!
//! - **Never trusted blindly.** Each part is one file that starts with a magic number, the
//!   *version* of the binary that wrote it (the package version, [`FORMAT`] and the
//!   executable's length and CRC-32, so a rebuilt binary with other layouts or hash functions
//!   never reads it) and a *key* naming what else it depends on (the site's dictionary for the
//!   index). A one-value part ([`Cache::read`], [`Cache::write`]) is one value with its length and
//!   CRC-32; an entries file ([`EntryReader`], [`EntryWriter`]) is many
//!   values, each with its own CRC-32, and a table of them at the end with its length and
//!   CRC-32, so one value is read without reading the others. A file from another version,
//!   cut short, or whose checksum or contents do not read, is ignored with one line of warning
//!   for the whole build; a file whose key differs is simply not used.
//! - **Old file or new file.** A part is written to a temporary file in the folder and renamed
//!   over the old one once complete, so a build killed at any instant leaves either.
//! - **Safe to delete.** Every entry is keyed by the hash of its inputs, so an empty or missing
//!   cache only means a cold build; the output never depends on it.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diagnostic::{Lang, Message};
use crate::layout;

/// Raised whenever the layout of a cache file or of a cached type changes.
const FORMAT: u32 = 3;

/// The first bytes of every cache file.
const MAGIC: &[u8; 8] = b"KOHYOCA\x02";

/// What the executable that runs identifies itself by in cache files: the package version,
/// [`FORMAT`], and the executable's length and CRC-32, computed once.
pub fn version() -> &'static str {
    static VERSION: OnceLock<String> = OnceLock::new();
    VERSION.get_or_init(|| {
        let binary = std::env::current_exe()
            .and_then(fs::read)
            .map(|bytes| format!("{}-{:08x}", bytes.len(), crc32fast::hash(&bytes)))
            .unwrap_or_else(|_| "unknown".to_string());
        format!("{} {FORMAT} {binary}", env!("CARGO_PKG_VERSION"))
    })
}

/// A hash of a file's bytes, to check a file the cache names that is read back from the
/// previous output.
pub fn content_hash(bytes: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(bytes);
    hasher.finish()
}

/// The file at `path` if it is still a file of `len` bytes whose [`content_hash`] is `content`,
/// as the build the cache remembers wrote it (a kept page or pack read back from the previous
/// output); `None` when it changed or is gone.
pub fn read_back(path: &Path, len: u64, content: u64) -> Option<Vec<u8>> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.is_file() || meta.len() != len {
        return None;
    }
    fs::read(path)
        .ok()
        .filter(|bytes| is_as_written(bytes, len, content))
}

/// Whether `bytes` are `len` bytes whose [`content_hash`] is `content`: what the cache
/// remembers of a file it did not keep.
pub fn is_as_written(bytes: &[u8], len: u64, content: u64) -> bool {
    bytes.len() as u64 == len && content_hash(bytes) == content
}

/// The cache folder of one site.
pub struct Cache {
    dir: PathBuf,
    version: String,
    /// Whether a problem has been reported (once per build).
    warned: AtomicBool,
}

impl Cache {
    /// The cache of the site at `root` (the folder need not exist).
    pub fn new(root: &Path) -> Cache {
        Cache::with_version(root, version())
    }

    /// The cache of the site at `root` as a binary of `version` sees it.
    fn with_version(root: &Path, version: &str) -> Cache {
        Cache {
            dir: root.join(layout::CACHE_DIR),
            version: version.to_string(),
            warned: AtomicBool::new(false),
        }
    }

    /// The one-value part `name` if this version wrote it with this `key` and it is intact.
    pub fn read<T: DeserializeOwned>(&self, name: &str, key: u64) -> Option<T> {
        let path = self.dir.join(name);
        let result = fs::read(&path).map_err(Problem::from).and_then(|bytes| {
            let mut rest = self.header(&bytes, key)?;
            let length = take_u64(&mut rest)?;
            let checksum = take_u32(&mut rest)?;
            let payload = take(
                &mut rest,
                usize::try_from(length).map_err(|_| Problem::Cut)?,
            )?;
            if !rest.is_empty() {
                return Err(Problem::Damaged("the file is longer than it says".into()));
            }
            decode(payload, checksum)
        });
        self.kept(&path, result)
    }

    /// Write the one-value part `name` with `key`. A cache that cannot be written is reported
    /// and left as it was: the build still stands.
    pub fn write<T: Serialize>(&self, name: &str, key: u64, value: &T) {
        let written = self.create(name, key).and_then(|mut file| {
            let payload = postcard::to_stdvec(value).map_err(io::Error::other)?;
            file.writer
                .write_all(&(payload.len() as u64).to_le_bytes())?;
            file.writer
                .write_all(&crc32fast::hash(&payload).to_le_bytes())?;
            file.writer.write_all(&payload)?;
            file.persist()
        });
        self.report_write(name, written);
    }

    /// The entries part `name` if this version wrote it with this `key` and its table is
    /// intact; each entry is checked when it is read.
    pub fn entries(&self, name: &str, key: u64) -> Option<EntryReader<'_>> {
        let path = self.dir.join(name);
        let result = File::open(&path)
            .map_err(Problem::from)
            .and_then(|file| self.open_entries(file, key));
        self.kept(&path, result).map(|(file, table)| EntryReader {
            cache: self,
            path,
            file,
            table,
        })
    }

    fn open_entries(&self, file: File, key: u64) -> Result<(File, Table), Problem> {
        let len = file.metadata()?.len();
        let head_len = (MAGIC.len() + 4 + self.version.len() + 8) as u64;
        let foot_len = 12u64;
        if len < head_len + foot_len {
            return Err(Problem::Cut);
        }
        let mut head = vec![0; head_len as usize];
        file.read_exact_at(&mut head, 0)?;
        self.header(&head, key)?;
        let mut foot = [0u8; 12];
        file.read_exact_at(&mut foot, len - foot_len)?;
        let mut rest = &foot[..];
        let table_len = take_u64(&mut rest)?;
        let checksum = take_u32(&mut rest)?;
        let start = (len - foot_len)
            .checked_sub(table_len)
            .filter(|start| *start >= head_len)
            .ok_or(Problem::Cut)?;
        let mut table = vec![0; usize::try_from(table_len).map_err(|_| Problem::Cut)?];
        file.read_exact_at(&mut table, start)?;
        let table: Vec<(String, Slot)> = decode(&table, checksum)?;
        Ok((file, table.into_iter().collect()))
    }

    /// A new entries part `name` with `key`, which replaces the old one at
    /// [`EntryWriter::finish`] (a writer dropped unfinished leaves the old one).
    pub fn entry_writer(&self, name: &str, key: u64) -> Option<EntryWriter<'_>> {
        match self.create(name, key) {
            Ok(file) => Some(EntryWriter {
                cache: self,
                name: name.to_string(),
                offset: file.offset,
                file,
                table: Vec::new(),
                failed: None,
            }),
            Err(e) => {
                self.report_write(name, Err(e));
                None
            }
        }
    }

    /// A temporary file in the folder with the header of `key` written.
    fn create(&self, name: &str, key: u64) -> io::Result<Temporary> {
        fs::create_dir_all(&self.dir)?;
        let file = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .tempfile_in(&self.dir)?;
        let (file, temp) = file.into_parts();
        let mut writer = BufWriter::with_capacity(1 << 20, file);
        let version = self.version.as_bytes();
        writer.write_all(MAGIC)?;
        writer.write_all(&(version.len() as u32).to_le_bytes())?;
        writer.write_all(version)?;
        writer.write_all(&key.to_le_bytes())?;
        Ok(Temporary {
            writer,
            temp,
            target: self.dir.join(name),
            offset: (MAGIC.len() + 4 + version.len() + 8) as u64,
        })
    }

    /// What follows the header in `bytes`, if the header is this version's with this `key`.
    fn header<'b>(&self, bytes: &'b [u8], key: u64) -> Result<&'b [u8], Problem> {
        let mut rest = bytes;
        if take(&mut rest, MAGIC.len())? != MAGIC {
            return Err(Problem::Damaged("it is not a kohyo cache file".into()));
        }
        let length = take_u32(&mut rest)? as usize;
        let written_by = String::from_utf8_lossy(take(&mut rest, length)?).into_owned();
        if written_by != self.version {
            return Err(Problem::Version(written_by));
        }
        if take_u64(&mut rest)? != key {
            return Err(Problem::OtherKey);
        }
        Ok(rest)
    }

    /// The value of a read, reporting a problem (not a missing file or another key).
    fn kept<T>(&self, path: &Path, result: Result<T, Problem>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(Problem::Missing | Problem::OtherKey) => None,
            Err(problem) => {
                self.warn(path, &problem);
                None
            }
        }
    }

    /// Report a part that cannot be trusted, the first time only.
    fn warn(&self, path: &Path, problem: &Problem) {
        if self.warned.swap(true, Ordering::Relaxed) {
            return;
        }
        let path = path.display();
        let (en, ja) = problem.says();
        let message = Message::new(
            format!(
                "warning: ignoring the build cache {path}: {en}; this build makes what it held again"
            ),
            format!(
                "警告: ビルドのキャッシュ `{path}` を使いません（{ja}）。その分はこのビルドで作り直します"
            ),
        );
        eprintln!("{}", message.in_lang(Lang::from_env()));
    }

    /// Report a part that could not be written.
    fn report_write(&self, name: &str, written: io::Result<()>) {
        if let Err(e) = written {
            let path = self.dir.join(name);
            let path = path.display();
            let message = Message::new(
                format!(
                    "warning: could not write the build cache {path}: {e}; the next build will make it again"
                ),
                format!(
                    "警告: ビルドのキャッシュ `{path}` を書き込めません: {e}。次のビルドで作り直します"
                ),
            );
            eprintln!("{}", message.in_lang(Lang::from_env()));
        }
    }
}

/// Where an entry lies in its file: offset, length and CRC-32.
type Slot = (u64, u32, u32);
/// An entries file's table: each entry's name and slot.
type Table = HashMap<String, Slot>;

/// The entries of a part written by an earlier build, read one at a time.
pub struct EntryReader<'c> {
    cache: &'c Cache,
    path: PathBuf,
    file: File,
    table: Table,
}

impl EntryReader<'_> {
    /// The entry `name`, if the part holds it intact (a damaged entry is reported).
    pub fn get<T: DeserializeOwned>(&self, name: &str) -> Option<(T, Entry)> {
        let &(offset, length, checksum) = self.table.get(name)?;
        let mut bytes = vec![0; length as usize];
        let result = self
            .file
            .read_exact_at(&mut bytes, offset)
            .map_err(Problem::from)
            .and_then(|()| decode(&bytes, checksum));
        let value = self.cache.kept(&self.path, result)?;
        Some((value, Entry { bytes, checksum }))
    }
}

/// A value encoded for an entries file: made once (in parallel, by whoever made the value) and
/// written as it is, or taken from the previous file unchanged.
pub struct Entry {
    bytes: Vec<u8>,
    checksum: u32,
}

impl Entry {
    /// `value` encoded, `None` if it cannot be (the cache then lacks it: a miss next time).
    pub fn encode<T: Serialize>(value: &T) -> Option<Entry> {
        let bytes = postcard::to_stdvec(value).ok()?;
        let checksum = crc32fast::hash(&bytes);
        Some(Entry { bytes, checksum })
    }
}

/// A new entries part being written, entry after entry.
pub struct EntryWriter<'c> {
    cache: &'c Cache,
    name: String,
    file: Temporary,
    offset: u64,
    table: Vec<(String, Slot)>,
    /// The first write that failed: nothing more is written, and the old part stays.
    failed: Option<io::Error>,
}

impl EntryWriter<'_> {
    /// Add the entry `name`.
    pub fn add(&mut self, name: &str, entry: &Entry) {
        if self.failed.is_some() {
            return;
        }
        let written = u32::try_from(entry.bytes.len())
            .map_err(io::Error::other)
            .and_then(|length| {
                self.file.writer.write_all(&entry.bytes)?;
                self.table
                    .push((name.to_string(), (self.offset, length, entry.checksum)));
                self.offset += u64::from(length);
                Ok(())
            });
        self.failed = written.err();
    }

    /// Write the table and put the part in place of the old one.
    pub fn finish(mut self) {
        let written = match self.failed.take() {
            Some(e) => Err(e),
            None => postcard::to_stdvec(&self.table)
                .map_err(io::Error::other)
                .and_then(|table| {
                    self.file.writer.write_all(&table)?;
                    self.file
                        .writer
                        .write_all(&(table.len() as u64).to_le_bytes())?;
                    self.file
                        .writer
                        .write_all(&crc32fast::hash(&table).to_le_bytes())?;
                    self.file.persist()
                }),
        };
        self.cache.report_write(&self.name, written);
    }
}

/// A cache file being written under a temporary name.
struct Temporary {
    writer: BufWriter<File>,
    temp: tempfile::TempPath,
    target: PathBuf,
    /// Bytes written before the first payload (the header).
    offset: u64,
}

impl Temporary {
    /// Flush the file to disk and rename it over the part it replaces.
    fn persist(self) -> io::Result<()> {
        let file = self.writer.into_inner().map_err(|e| e.into_error())?;
        file.sync_data()?;
        self.temp.persist(&self.target).map_err(|e| e.error)
    }
}

/// Why a cache file is not used.
#[derive(Debug)]
enum Problem {
    /// There is none (a cold build).
    Missing,
    /// Written for other inputs (another dictionary): not a problem.
    OtherKey,
    /// Written by another kohyo.
    Version(String),
    /// Shorter than it says.
    Cut,
    /// Not a cache file, or its checksum or contents are wrong.
    Damaged(String),
    /// It cannot be read.
    Io(io::Error),
}

impl From<io::Error> for Problem {
    fn from(e: io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::NotFound => Problem::Missing,
            io::ErrorKind::UnexpectedEof => Problem::Cut,
            _ => Problem::Io(e),
        }
    }
}

impl Problem {
    /// What is wrong, in English and in Japanese.
    fn says(&self) -> (String, String) {
        match self {
            Problem::Missing | Problem::OtherKey => (String::new(), String::new()),
            Problem::Version(by) => (
                format!(
                    "it was written by another kohyo ({by}, this is {})",
                    version()
                ),
                "別の版の kohyo が書いたものです".to_string(),
            ),
            Problem::Cut => (
                "the file is truncated".to_string(),
                "ファイルが途中で切れています".to_string(),
            ),
            Problem::Damaged(why) => (why.clone(), format!("ファイルが壊れています: {why}")),
            Problem::Io(e) => (e.to_string(), format!("読み込めません: {e}")),
        }
    }
}

fn take<'b>(rest: &mut &'b [u8], n: usize) -> Result<&'b [u8], Problem> {
    if rest.len() < n {
        return Err(Problem::Cut);
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Ok(head)
}

fn take_u32(rest: &mut &[u8]) -> Result<u32, Problem> {
    let bytes = take(rest, 4)?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn take_u64(rest: &mut &[u8]) -> Result<u64, Problem> {
    let bytes = take(rest, 8)?;
    let mut word = [0u8; 8];
    word.copy_from_slice(bytes);
    Ok(u64::from_le_bytes(word))
}

/// A payload checked against its CRC-32 and read.
fn decode<T: DeserializeOwned>(payload: &[u8], checksum: u32) -> Result<T, Problem> {
    if crc32fast::hash(payload) != checksum {
        return Err(Problem::Damaged(
            "its checksum does not match (the file is damaged)".into(),
        ));
    }
    postcard::from_bytes(payload)
        .map_err(|e| Problem::Damaged(format!("its contents do not read: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_reads_back_only_with_its_version_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::with_version(dir.path(), "1");
        cache.write("part", 7, &vec!["一".to_string(), "二".to_string()]);
        assert_eq!(
            cache.read::<Vec<String>>("part", 7),
            Some(vec!["一".to_string(), "二".to_string()])
        );
        assert_eq!(cache.read::<Vec<String>>("part", 8), None, "another key");
        assert!(
            !cache.warned.load(Ordering::Relaxed),
            "another key is no problem"
        );
        let other = Cache::with_version(dir.path(), "2");
        assert_eq!(other.read::<Vec<String>>("part", 7), None);
        assert!(
            other.warned.load(Ordering::Relaxed),
            "another version is reported"
        );
    }

    #[test]
    fn entries_read_one_by_one_and_a_damaged_one_is_a_problem_not_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::with_version(dir.path(), "1");
        let mut writer = cache.entry_writer("entries", 3).unwrap();
        writer.add("a", &Entry::encode(&vec![1u32, 2, 3]).unwrap());
        writer.add("b", &Entry::encode(&"二".to_string()).unwrap());
        writer.finish();
        let reader = cache.entries("entries", 3).unwrap();
        let value = |name| reader.get::<Vec<u32>>(name).map(|(v, _)| v);
        assert_eq!(
            reader.get::<String>("b").map(|(v, _)| v),
            Some("二".to_string())
        );
        assert_eq!(value("a"), Some(vec![1, 2, 3]));
        assert_eq!(value("c"), None);
        // An entry read back is written again as it was.
        let (_, entry) = reader.get::<Vec<u32>>("a").unwrap();
        let mut again = cache.entry_writer("again", 3).unwrap();
        again.add("a", &entry);
        again.finish();
        let again = cache.entries("again", 3).unwrap();
        assert_eq!(
            again.get::<Vec<u32>>("a").map(|(v, _)| v),
            Some(vec![1, 2, 3])
        );
        assert!(cache.entries("entries", 4).is_none(), "another key");
        assert!(!cache.warned.load(Ordering::Relaxed));

        let path = dir.path().join(layout::CACHE_DIR).join("entries");
        let mut bytes = fs::read(&path).unwrap();
        let header = MAGIC.len() + 4 + 1 + 8;
        bytes[header] ^= 1;
        fs::write(&path, &bytes).unwrap();
        let reader = cache.entries("entries", 3).unwrap();
        assert!(reader.get::<Vec<u32>>("a").is_none(), "damaged");
        assert!(cache.warned.load(Ordering::Relaxed), "reported");

        let cut = Cache::with_version(dir.path(), "1");
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert!(cut.entries("entries", 3).is_none(), "cut short");
        assert!(cut.warned.load(Ordering::Relaxed));
    }

    #[test]
    fn damaged_parts_are_problems_not_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(layout::CACHE_DIR).join("part");
        let cache = Cache::with_version(dir.path(), "1");
        cache.write("part", 1, &vec![1u32, 2, 3]);
        let bytes = fs::read(&path).unwrap();
        for damaged in [
            bytes[..bytes.len() - 1].to_vec(),
            [&bytes[..bytes.len() - 1], &[bytes[bytes.len() - 1] ^ 1]].concat(),
            b"nonsense".to_vec(),
        ] {
            fs::write(&path, &damaged).unwrap();
            let fresh = Cache::with_version(dir.path(), "1");
            assert_eq!(fresh.read::<Vec<u32>>("part", 1), None);
            assert!(fresh.warned.load(Ordering::Relaxed));
        }
    }
}
