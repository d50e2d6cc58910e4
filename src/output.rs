//! Writing the built site: every file goes into a fresh temporary folder next to the output
//! folder as soon as it is made, and the folder is swapped in only when all of it is written. A
//! failed build leaves the previous output untouched.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

/// A file to write, relative to the output root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path under the output root, e.g. `ueda/index.html`.
    pub path: PathBuf,
    /// Bytes to write.
    pub contents: Vec<u8>,
}

/// A build being written: files go into a temporary folder beside the output, which replaces
/// the output only at [`Staging::finish`]. Dropped unfinished, the folder is removed and the
/// output is as it was.
pub struct Staging {
    dir: tempfile::TempDir,
    output: PathBuf,
    written: usize,
}

impl Staging {
    /// Start writing a new version of `output`.
    pub fn new(output: &Path) -> io::Result<Staging> {
        let dir = tempfile::Builder::new()
            .prefix(".kohyo-build-")
            .tempdir_in(parent(output))?;
        Ok(Staging {
            dir,
            output: output.to_path_buf(),
            written: 0,
        })
    }

    /// Write `files` (in parallel); a path that would leave the output is refused.
    pub fn write(&mut self, files: &[OutputFile]) -> io::Result<()> {
        let root = self.dir.path();
        files.par_iter().try_for_each(|file| {
            if file.path.is_absolute()
                || file
                    .path
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_)))
            {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "refusing to write outside the output: {}",
                        file.path.display()
                    ),
                ));
            }
            let path = root.join(&file.path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&path, &file.contents)
        })?;
        self.written += files.len();
        Ok(())
    }

    /// How many files were written.
    pub fn written(&self) -> usize {
        self.written
    }

    /// Put the written folder in place of the output; the old output is removed.
    pub fn finish(self) -> io::Result<()> {
        let staged = self.dir.keep();
        let output = &self.output;
        if output.exists() {
            let old = tempfile::Builder::new()
                .prefix(".kohyo-old-")
                .tempdir_in(parent(output))?
                .keep();
            fs::remove_dir(&old)?;
            fs::rename(output, &old)?;
            if let Err(e) = fs::rename(&staged, output) {
                fs::rename(&old, output)?;
                return Err(e);
            }
            remove_tree(&old)
        } else {
            fs::rename(&staged, output)
        }
    }
}

/// The folder that holds `output`, created if missing.
fn parent(output: &Path) -> PathBuf {
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let _ = fs::create_dir_all(&parent);
    parent
}

/// Remove a folder and everything in it, its subfolders in parallel (an old output holds
/// hundreds of thousands of files).
fn remove_tree(dir: &Path) -> io::Result<()> {
    let entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.par_iter().try_for_each(|entry| {
        let path = entry.path();
        match entry.file_type()?.is_dir() {
            true => remove_tree(&path),
            false => fs::remove_file(&path),
        }
    })?;
    fs::remove_dir(dir)
}
