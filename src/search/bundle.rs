//! Bundles: the index's small files (postings shards, reading and suggestion shards, snippet
//! chunks and pieces, page groups) stored [`MEMBERS`] to a file, so that an output holds a few
//! index files per thousand editions instead of several per edition.
//!
//! File `n` of a kind (`b`, `g`, `r`, …) is member `n % MEMBERS` of `<kind>/<n / MEMBERS>.bundle`.
//! A bundle of `m` members starts with `m + 1` offsets from the start of the file, each a
//! little-endian `u32`; member `i` is the bytes from offset `i` to offset `i + 1`. A client
//! reads it with two range requests — the 8 bytes at `4 i`, then the member's own bytes — and
//! from a host that ignores `Range` takes the whole bundle and cuts the member from it. The
//! members are gzip-compressed as before, each on its own.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use crate::layout::{OutputFile, SEARCH_DIR};

/// Files a bundle holds: enough to keep the output's file count low at any site size, few
/// enough that a host without range requests sends a first query a few hundred kilobytes a
/// bundle.
pub const MEMBERS: usize = 128;

/// How the name of a bundle ends.
pub const SUFFIX: &str = ".bundle";

/// Bytes of one offset.
const OFFSET: usize = 4;

/// Bytes of a member's entry in the offsets: where it starts and where it ends.
pub const ENTRY: u64 = 2 * OFFSET as u64;

/// The path below `search/` of the bundle holding file `n` of `kind`, and the file's place in
/// it.
pub fn locate(kind: &str, n: usize) -> (String, usize) {
    (format!("{kind}/{}{SUFFIX}", n / MEMBERS), n % MEMBERS)
}

/// Where member `place` of a bundle is: the byte range of its entry in the offsets.
pub fn entry_range(place: usize) -> (u64, u64) {
    let at = (place * OFFSET) as u64;
    (at, at + ENTRY)
}

/// The byte range of member `place` from its entry (the bytes at [`entry_range`]); `None`
/// when the entry is cut short, runs backwards or points into the offsets themselves (a
/// member past the last one reads its "entry" from the first member's bytes).
pub fn member_range(entry: &[u8], place: usize) -> Option<(u64, u64)> {
    let word = |at: usize| -> Option<u64> {
        let bytes: [u8; OFFSET] = entry.get(at..at + OFFSET)?.try_into().ok()?;
        Some(u64::from(u32::from_le_bytes(bytes)))
    };
    let (start, end) = (word(0)?, word(OFFSET)?);
    (entry_range(place).1 <= start && start <= end).then_some((start, end))
}

/// Member `place` of a whole bundle's bytes; `None` when the bundle has no such member.
pub fn member(bundle: &[u8], place: usize) -> Option<&[u8]> {
    let (from, to) = entry_range(place);
    let (start, end) = member_range(bundle.get(from as usize..to as usize)?, place)?;
    bundle.get(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// Member `place` of the bundle file at `path`, read without reading the rest; `None` when the
/// file is missing or has no such member.
pub fn read_member(path: &Path, place: usize) -> Option<Vec<u8>> {
    let file = File::open(path).ok()?;
    let (from, _) = entry_range(place);
    let mut entry = [0; ENTRY as usize];
    file.read_exact_at(&mut entry, from).ok()?;
    let (start, end) = member_range(&entry, place)?;
    if end > file.metadata().ok()?.len() {
        return None;
    }
    let mut bytes = vec![0; usize::try_from(end - start).ok()?];
    file.read_exact_at(&mut bytes, start).ok()?;
    Some(bytes)
}

/// The files of `kind` (file `n` is `files[n]`) as bundle files below `search/`; each file is
/// dropped once its bundle holds it, so the index is never held twice.
pub fn bundle(kind: &str, files: Vec<Vec<u8>>) -> Vec<OutputFile> {
    let mut bundles = Vec::with_capacity(files.len().div_ceil(MEMBERS));
    let mut files = files.into_iter().peekable();
    while files.peek().is_some() {
        let members: Vec<Vec<u8>> = files.by_ref().take(MEMBERS).collect();
        let table = (members.len() + 1) * OFFSET;
        let size = table + members.iter().map(Vec::len).sum::<usize>();
        let mut contents = Vec::with_capacity(size);
        let mut offset = table;
        for member in std::iter::once(&Vec::new()).chain(&members) {
            offset += member.len();
            // A bundle of 128 index files is far below 4 GiB.
            contents.extend_from_slice(&(offset as u32).to_le_bytes());
        }
        for member in members {
            contents.extend_from_slice(&member);
        }
        let path = format!("{kind}/{}{SUFFIX}", bundles.len());
        bundles.push(OutputFile {
            path: PathBuf::from(SEARCH_DIR).join(path),
            contents,
        });
    }
    bundles
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_reads_back_from_bytes_and_from_a_file() {
        let files: Vec<Vec<u8>> = (0..MEMBERS + 3).map(|n| vec![n as u8; n % 5]).collect();
        let bundles = bundle("r", files.clone());
        assert_eq!(bundles.len(), 2);
        assert_eq!(bundles[1].path, PathBuf::from("search/r/1.bundle"));
        let dir = tempfile::tempdir().unwrap();
        for (n, file) in files.iter().enumerate() {
            let (path, place) = locate("r", n);
            let bytes = &bundles[n / MEMBERS].contents;
            assert_eq!(member(bytes, place), Some(file.as_slice()), "{n}");
            let on_disk = dir.path().join(path.replace('/', "-"));
            std::fs::write(&on_disk, bytes).unwrap();
            assert_eq!(read_member(&on_disk, place).as_ref(), Some(file), "{n}");
        }
    }

    #[test]
    fn a_member_past_the_end_or_a_damaged_table_reads_as_none() {
        let bundles = bundle("b", vec![b"abc".to_vec(), b"de".to_vec()]);
        let bytes = &bundles[0].contents;
        // Two members: three offsets, then the bytes; a third member's entry runs into them.
        assert_eq!(member(bytes, 1), Some(&b"de"[..]));
        assert_eq!(member(bytes, 2), None);
        assert_eq!(member(bytes, 40), None);
        assert_eq!(member(&bytes[..6], 0), None);
        let mut backwards = bytes.clone();
        backwards[4..8].copy_from_slice(&100u32.to_le_bytes());
        assert_eq!(member(&backwards, 1), None);
        let dir = tempfile::tempdir().unwrap();
        let cut = dir.path().join("0.bundle");
        std::fs::write(&cut, &bytes[..bytes.len() - 1]).unwrap();
        assert_eq!(read_member(&cut, 0), Some(b"abc".to_vec()));
        assert_eq!(read_member(&cut, 1), None);
        assert_eq!(read_member(&dir.path().join("missing.bundle"), 0), None);
    }
}
