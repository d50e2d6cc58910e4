//! Writing the built site: every file goes into a fresh temporary folder next to the output
//! folder, which is swapped in only when all of it is written. A failed build leaves the previous
//! output untouched.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// A file to write, relative to the output root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path under the output root, e.g. `ueda/index.html`.
    pub path: PathBuf,
    /// Bytes to write.
    pub contents: Vec<u8>,
}

/// Write `files` as the new contents of `output`, replacing the old contents only on success.
pub fn write_site(output: &Path, files: &[OutputFile]) -> io::Result<()> {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent)?;
    let staging = tempfile::Builder::new()
        .prefix(".kohyo-build-")
        .tempdir_in(&parent)?;
    files.par_iter().try_for_each(|file| {
        if file.path.is_absolute()
            || file
                .path
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "refusing to write outside the output: {}",
                    file.path.display()
                ),
            ));
        }
        let path = staging.path().join(&file.path);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::write(&path, &file.contents)
    })?;
    let staged = staging.keep();
    if output.exists() {
        let old = tempfile::Builder::new()
            .prefix(".kohyo-old-")
            .tempdir_in(&parent)?
            .keep();
        fs::remove_dir(&old)?;
        fs::rename(output, &old)?;
        if let Err(e) = fs::rename(&staged, output) {
            fs::rename(&old, output)?;
            return Err(e);
        }
        fs::remove_dir_all(&old)?;
    } else {
        fs::rename(&staged, output)?;
    }
    Ok(())
}
