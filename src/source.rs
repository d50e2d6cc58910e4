//! Reading source files: only regular files inside their folder are opened, and their bytes are
//! decoded as UTF-8 (a BOM dropped) or refused with the byte and its true position.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::diagnostic::{Diagnostic, Message};
use crate::layout::CONTENT_DIR;

/// Whether `root/rel` may be read: its real path (every symbolic link followed) lies inside
/// `root/within`, and it is a regular file. Nothing is opened, so a FIFO cannot block and a
/// link to a file elsewhere is never read; `Err` says what is wrong.
pub fn check_regular_file(root: &Path, rel: &Path, within: &Path) -> Result<(), Message> {
    let path = root.join(rel);
    let link = fs::symlink_metadata(&path).map_err(|e| unreadable(&e))?;
    let (folder, folder_ja) = match within.as_os_str().is_empty() {
        true => (
            "the site folder".to_string(),
            "サイトのフォルダ".to_string(),
        ),
        false => (
            format!("{}/", within.display()),
            format!("{}/", within.display()),
        ),
    };
    // Reached through no symbolic link below `within`, a file is inside it: a few lstat calls
    // instead of resolving both paths (thousands of editions are checked per build).
    let inside = no_link_below(root, rel, within)
        || match (path.canonicalize(), root.join(within).canonicalize()) {
            (Ok(real), Ok(folder)) => real.starts_with(folder),
            _ if link.file_type().is_symlink() => {
                return Err(Message::new(
                    "is a symbolic link to nothing: remove it or put the file here",
                    "このファイルは行き先のないシンボリックリンクです。削除するか、ここにファイルを置きます",
                ));
            }
            (Err(e), _) | (_, Err(e)) => return Err(unreadable(&e)),
        };
    if !inside {
        return Err(Message::new(
            format!(
                "leads outside {folder} (through a symbolic link): kohyo reads only files inside it; copy the file here instead"
            ),
            format!(
                "このファイルは（シンボリックリンクで）{folder_ja} の外を指しています。kohyo はその中のファイルだけを読みます。ファイルをここにコピーします"
            ),
        ));
    }
    let kind = fs::metadata(&path).map_err(|e| unreadable(&e))?;
    match kind.is_file() {
        true => Ok(()),
        false => Err(Message::new(
            "is not a regular file (a folder, FIFO, device or socket): kohyo reads only regular files",
            "このファイルは通常のファイルではありません（フォルダ、FIFO、デバイス、ソケット）。kohyo は通常のファイルだけを読みます",
        )),
    }
}

/// A file that cannot be read, with the system's reason.
fn unreadable(e: &std::io::Error) -> Message {
    Message::new(
        format!("cannot read the file: {e}"),
        format!("ファイルを読めません（{e}）"),
    )
}

/// Whether `root/rel` is reached from `root/within` through plain folders and names only,
/// with no symbolic link on the way (the file itself included).
fn no_link_below(root: &Path, rel: &Path, within: &Path) -> bool {
    let Ok(below) = rel.strip_prefix(within) else {
        return false;
    };
    let mut at = root.join(within);
    below.components().all(|part| match part {
        Component::Normal(name) => {
            at.push(name);
            fs::symlink_metadata(&at).is_ok_and(|m| !m.file_type().is_symlink())
        }
        _ => false,
    })
}

/// The folder a source file must stay inside: `content/` for content, the site folder for the
/// rest (`kohyo.toml`, theme files).
fn home(rel: &Path) -> PathBuf {
    match rel.starts_with(CONTENT_DIR) {
        true => PathBuf::from(CONTENT_DIR),
        false => PathBuf::new(),
    }
}

/// Read a file as text: a UTF-8 BOM is dropped, any other encoding is an error that says which.
pub fn read_text(root: &Path, rel: &Path) -> Result<String, Diagnostic> {
    if fs::symlink_metadata(root.join(rel)).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        return Err(Diagnostic::file(
            rel,
            Message::new(
                format!(
                    "{} not found: run `kohyo init DIR` to create a site, or pass `--root` to point at one",
                    rel.display()
                ),
                format!(
                    "{} が見つかりません。`kohyo init フォルダ` でサイトを作るか、`--root` でサイトのフォルダを指定します",
                    rel.display()
                ),
            ),
        ));
    }
    check_regular_file(root, rel, &home(rel)).map_err(|why| Diagnostic::file(rel, why))?;
    let bytes =
        read_limited(&root.join(rel), TEXT_LIMIT).map_err(|why| Diagnostic::file(rel, why))?;
    decode(rel, &bytes)
}

/// The largest text file read (TOML, the dictionary, templates), in bytes: 16 MiB.
pub const TEXT_LIMIT: u64 = 16 * 1024 * 1024;
/// The largest other file read (figures, the theme's static files), in bytes: 64 MiB.
pub const FILE_LIMIT: u64 = 64 * 1024 * 1024;

/// Read a file's bytes (at most [`FILE_LIMIT`]) once [`check_regular_file`] allows it; errors
/// name `rel`.
pub fn read_bytes(root: &Path, rel: &Path) -> Result<Vec<u8>, Diagnostic> {
    check_regular_file(root, rel, &home(rel)).map_err(|why| Diagnostic::file(rel, why))?;
    read_limited(&root.join(rel), FILE_LIMIT).map_err(|why| Diagnostic::file(rel, why))
}

/// Read a file already checked by [`check_regular_file`], refusing one larger than `limit`
/// bytes: by its length before reading, and by what is read, in case it grows meanwhile.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, Message> {
    use std::io::Read;
    let too_large = |size: u64| {
        let mib = limit / (1024 * 1024);
        Message::new(
            format!(
                "the file is too large ({size} bytes; kohyo reads at most {limit} bytes, {mib} MiB, from a file of this kind): split it or make it smaller"
            ),
            format!(
                "ファイルが大きすぎます（{size} バイト。この種類のファイルは {limit} バイト、{mib} MiB まで読みます）。分けるか小さくします"
            ),
        )
    };
    let file = fs::File::open(path).map_err(|e| unreadable(&e))?;
    let size = file.metadata().map_err(|e| unreadable(&e))?.len();
    if size > limit {
        return Err(too_large(size));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&e))?;
    match bytes.len() as u64 > limit {
        true => Err(too_large(bytes.len() as u64)),
        false => Ok(bytes),
    }
}

/// Decode a file's bytes as UTF-8 (a BOM dropped). A file that is not UTF-8 but reads
/// fully as Shift_JIS, with nothing but ASCII before its first non-UTF-8 byte, is named as
/// Shift_JIS; any other is reported at its first invalid byte, shown in the text as read.
pub fn decode(rel: &Path, bytes: &[u8]) -> Result<String, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let valid = match std::str::from_utf8(bytes) {
        Ok(text) => return Ok(text.to_string()),
        Err(e) => e.valid_up_to(),
    };
    let (sjis, _, sjis_failed) = encoding_rs::SHIFT_JIS.decode(bytes);
    if !sjis_failed && bytes[..valid].is_ascii() {
        // The ASCII prefix reads the same in both encodings, so `valid` is its length in both.
        return Err(Diagnostic::at(
            rel,
            &sjis,
            valid..valid + 1,
            Message::new(
                "this file is saved as Shift_JIS, not UTF-8: save it as UTF-8 (in the editor's \
                 save dialog, choose the encoding UTF-8)",
                "このファイルは UTF-8 ではなく Shift_JIS で保存されています。UTF-8 で保存し直します\
                 （エディタの保存の画面で、文字コードに UTF-8 を選びます）",
            ),
        ));
    }
    let byte = bytes.get(valid).copied().unwrap_or_default();
    let shown = String::from_utf8_lossy(bytes);
    Err(Diagnostic::at(
        rel,
        &shown,
        valid..valid + 1,
        Message::new(
            format!(
                "invalid UTF-8 byte 0x{byte:02X} (shown as \u{FFFD}): this file is not valid UTF-8; remove the byte or save the file as UTF-8"
            ),
            format!(
                "UTF-8 として正しくないバイト 0x{byte:02X} があります（\u{FFFD} と表示）。そのバイトを取り除くか、ファイルを UTF-8 で保存し直します"
            ),
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stray_byte_is_reported_where_it_is() {
        let mut bytes = "title = \"上田市\"\nnote = \"重点".as_bytes().to_vec();
        bytes.push(0xFF);
        bytes.extend_from_slice("目標\"\n".as_bytes());
        let d = decode(Path::new("a.toml"), &bytes).unwrap_err();
        assert_eq!((d.line, d.column), (2, 11));
        assert!(
            d.message.starts_with("invalid UTF-8 byte 0xFF"),
            "{}",
            d.message
        );
        assert_eq!(d.source_line, "note = \"重点\u{FFFD}目標\"");
    }

    #[test]
    fn a_file_over_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.toml");
        let file = fs::File::create(&path).unwrap();
        // Sparse: the length says 17 MiB, no data is written.
        file.set_len(TEXT_LIMIT + 1024 * 1024).unwrap();
        let why = read_limited(&path, TEXT_LIMIT).unwrap_err().en;
        assert!(
            why.starts_with("the file is too large (17825792 bytes"),
            "{why}"
        );
        assert!(why.contains("at most 16777216 bytes, 16 MiB"), "{why}");
        file.set_len(10).unwrap();
        assert_eq!(read_limited(&path, TEXT_LIMIT).unwrap(), vec![0; 10]);
    }

    #[test]
    fn a_shift_jis_file_is_named_as_such() {
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("title = \"上田市\"\n");
        let d = decode(Path::new("a.toml"), &bytes).unwrap_err();
        assert_eq!((d.line, d.column), (1, 10));
        assert!(d.message.contains("saved as Shift_JIS"), "{}", d.message);
        assert_eq!(d.source_line, "title = \"上田市\"");
    }
}
