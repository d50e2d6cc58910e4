//! Writing the built site. Every file is compared, as soon as it is made, with the file at the
//! same path in the current output: a file that is new or different goes into a temporary
//! folder next to the output, an unchanged one is only noted. At [`Staging::finish`], once
//! every file is made, the staged files are moved into the output and the files the build no
//! longer makes are removed; into a missing output the temporary folder is simply renamed. A
//! failed build therefore leaves the previous output untouched, and a rebuild writes only what
//! changed (creating files, not making them, is what costs most on a large site).

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;
use walkdir::WalkDir;

/// A file to write, relative to the output root.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// Path under the output root, e.g. `ueda/index.html`.
    pub path: PathBuf,
    /// Bytes to write.
    pub contents: Vec<u8>,
}

/// A build being written: new and changed files go into a temporary folder beside the output,
/// which reaches the output only at [`Staging::finish`]. Dropped unfinished, the folder is
/// removed and the output is as it was.
pub struct Staging {
    dir: tempfile::TempDir,
    output: PathBuf,
    /// Whether there is an output to update (otherwise the folder becomes the output).
    updating: bool,
    /// Every path the build made.
    made: HashSet<PathBuf>,
    /// Paths written to the folder: new or different from the output's.
    staged: Mutex<Vec<PathBuf>>,
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
            updating: output.is_dir(),
            made: HashSet::new(),
            staged: Mutex::new(Vec::new()),
        })
    }

    /// Take `files` (in parallel): each one that the output does not already hold byte for
    /// byte is written to the folder. A path that would leave the output is refused.
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
            if self.updating && same_file(&self.output.join(&file.path), &file.contents) {
                return Ok(());
            }
            let path = root.join(&file.path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(&path, &file.contents)?;
            if let Ok(mut staged) = self.staged.lock() {
                staged.push(file.path.clone());
            }
            Ok(())
        })?;
        self.made.extend(files.iter().map(|f| f.path.clone()));
        Ok(())
    }

    /// How many files the build made.
    pub fn written(&self) -> usize {
        self.made.len()
    }

    /// Bring the output up to date: move the staged files in, remove the files the build did
    /// not make and the folders left empty; or, with no output yet, rename the folder.
    pub fn finish(self) -> io::Result<()> {
        let output = &self.output;
        if !self.updating {
            return fs::rename(self.dir.keep(), output);
        }
        let staged = self.staged.into_inner().unwrap_or_default();
        let root = self.dir.path();
        staged.par_iter().try_for_each(|path| {
            let target = output.join(path);
            make_parent(output, path)?;
            if fs::symlink_metadata(&target).is_ok_and(|m| m.is_dir()) {
                remove_tree(&target)?;
            }
            fs::rename(root.join(path), &target)
        })?;
        let old: Vec<walkdir::DirEntry> = WalkDir::new(output)
            .min_depth(1)
            .contents_first(true)
            .into_iter()
            .collect::<Result<_, _>>()
            .map_err(io::Error::other)?;
        let (dirs, files): (Vec<_>, Vec<_>) = old.iter().partition(|e| e.file_type().is_dir());
        files.par_iter().try_for_each(|entry| {
            let made = entry
                .path()
                .strip_prefix(output)
                .is_ok_and(|p| self.made.contains(p));
            if made {
                Ok(())
            } else {
                fs::remove_file(entry.path())
            }
        })?;
        // Deepest first (contents_first), so a folder emptied of folders goes too.
        for dir in dirs {
            if fs::read_dir(dir.path())?.next().is_none() {
                fs::remove_dir(dir.path())?;
            }
        }
        Ok(())
    }
}

/// Whether the file at `path` holds exactly `contents`.
fn same_file(path: &Path, contents: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64)
        && fs::read(path).is_ok_and(|old| old == contents)
}

/// Create the folders of `path` under `output`, removing any file that stands where a folder
/// must be.
fn make_parent(output: &Path, path: &Path) -> io::Result<()> {
    let Some(parent) = path.parent() else {
        return Ok(());
    };
    let mut at = output.to_path_buf();
    for part in parent.components() {
        at.push(part);
        if fs::symlink_metadata(&at).is_ok_and(|m| !m.is_dir()) {
            // Another thread may have removed it first.
            match fs::remove_file(&at) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
    }
    fs::create_dir_all(output.join(parent))
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
