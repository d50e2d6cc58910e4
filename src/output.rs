//! Writing the built site without ever losing a file.
//!
//! - **Only kohyo's own folder is replaced.** [`Target::new`] accepts an output that is
//!   missing, empty, or marked as the output of this very site (the `.kohyo-output` file every
//!   build writes, naming the site root relative to the output); anything else, an output
//!   inside the site's sources or one that contains them, and a path that is not a folder, is
//!   refused before any work.
//! - **Old tree or new tree, never a mix.** The whole new tree is made in a staging folder
//!   beside the output: a file the output already holds byte for byte is hard-linked from it
//!   (so it is not written again and keeps its inode), every other file is written. Only when
//!   the tree is complete are the two folders exchanged by one `renameat2(RENAME_EXCHANGE)`,
//!   so a build killed at any instant leaves the old tree or the new one. The old tree, now in
//!   the staging folder, is then removed. Where the exchange is not available (not Linux, or a
//!   file system without it) the output is renamed aside and the new tree renamed in: two
//!   renames, between which the output is briefly missing (the old tree stays beside it).
//! - **Nothing is left behind.** A staging folder is locked (`flock`) while its build runs;
//!   the next build into the same output removes every unlocked staging folder of that output,
//!   which only a killed build can leave.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;

use crate::diagnostic::Message;
use crate::layout::OUTPUT_MARKER as MARKER;
use crate::layout::OutputFile;
use serde::{Deserialize, Serialize};

/// Staging folders are named `.kohyo-build-<output name>-<random>`, beside the output.
const STAGING_PREFIX: &str = ".kohyo-build-";

/// Why the output folder is refused or could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output would overwrite or sit inside the site's own files.
    #[error(
        "refusing to use {output} as the output: it {relation} the site's own files ({sources}); choose an --output outside content/ and themes/, such as {root}/public"
    )]
    Sources {
        /// The output as given.
        output: String,
        /// "holds" or "is inside".
        relation: &'static str,
        /// The source folder or file concerned.
        sources: String,
        /// The site root, for the suggestion.
        root: String,
    },
    /// The output path names a file, not a folder.
    #[error(
        "refusing to use {output} as the output: it is a file, not a folder; choose a folder with --output"
    )]
    NotAFolder {
        /// The output as given.
        output: String,
    },
    /// The output folder holds files kohyo did not make.
    #[error(
        "refusing to use {output} as the output: it is not empty and was not made by kohyo (it has no {MARKER} file), and a build replaces everything in it; choose a new or empty folder with --output, or move its files elsewhere first"
    )]
    NotOurs {
        /// The output as given.
        output: String,
    },
    /// The output folder is the output of another site.
    #[error(
        "refusing to use {output} as the output: its {MARKER} says it is the output of the site at {other}, not of this site; choose another --output, or delete {output} first if that site no longer needs it"
    )]
    OtherSite {
        /// The output as given.
        output: String,
        /// The site root the marker names.
        other: String,
    },
    /// Two files of one build claim the same path.
    #[error(
        "two files of the site claim the same path {path}: a theme's static file, a figure or a folder of content/ has the name of a file the site writes; rename one of them"
    )]
    Duplicate {
        /// The path, relative to the output.
        path: String,
    },
    /// A file system operation failed.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The path concerned.
        path: String,
        /// What the system said.
        source: io::Error,
    },
}

impl OutputError {
    /// What went wrong and what to do, in English (the `Display`) and in Japanese.
    pub fn message(&self) -> Message {
        let ja = match self {
            OutputError::Sources {
                output,
                relation,
                sources,
                root,
            } => {
                let relation = match *relation {
                    "holds" => "を含んでいます",
                    _ => "の中にあります",
                };
                format!(
                    "`{output}` は出力先に使えません。サイトのファイル（`{sources}`）{relation}。--output には `content/` と `themes/` の外のフォルダー（例: `{root}/public`）を指定してください"
                )
            }
            OutputError::NotAFolder { output } => format!(
                "`{output}` は出力先に使えません。フォルダーではなくファイルです。--output にはフォルダーを指定してください"
            ),
            OutputError::NotOurs { output } => format!(
                "`{output}` は出力先に使えません。空ではなく、kohyo が作ったフォルダーでもありません（`{MARKER}` ファイルがありません）。ビルドは中身をすべて置き換えます。--output に新しいフォルダーか空のフォルダーを指定するか、先に中のファイルを別の場所に移してください"
            ),
            OutputError::OtherSite { output, other } => format!(
                "`{output}` は出力先に使えません。`{MARKER}` によると、このサイトではなく `{other}` にあるサイトの出力です。別の --output を指定するか、そのサイトに要らなければ先に `{output}` を消してください"
            ),
            OutputError::Duplicate { path } => format!(
                "サイトの 2 つのファイルが同じパス `{path}` になります。テーマの静的ファイル、図、または `content/` のフォルダーが、サイトの書き出すファイルと同じ名前です。どちらかの名前を変えてください"
            ),
            OutputError::Io { path, source } => format!(
                "`{path}` に書き込めません。ディスクの空きと書き込みの許可を確かめてください: {source}"
            ),
        };
        Message::new(self.to_string(), ja)
    }

    fn io(path: &Path) -> impl FnOnce(io::Error) -> OutputError + '_ {
        move |source| OutputError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Add the paths of `files` to `made`, refusing any path already there (or twice in `files`),
/// so that no file of a build silently replaces another.
pub fn claim(made: &mut HashSet<PathBuf>, files: &[OutputFile]) -> Result<(), OutputError> {
    for file in files {
        if !made.insert(file.path.clone()) {
            return Err(OutputError::Duplicate {
                path: file.path.display().to_string(),
            });
        }
    }
    Ok(())
}

/// What the marker file holds.
#[derive(Serialize, Deserialize)]
struct Marker {
    /// The site root, relative to the output folder.
    site: String,
}

/// An output folder that may be replaced by a build of the site: checked by [`Target::new`].
#[derive(Debug, Clone)]
pub struct Target {
    /// The folder, absolute, with symbolic links resolved (so a linked output keeps its link).
    path: PathBuf,
    /// Whether it exists (and is then a folder, empty or marked).
    exists: bool,
    /// What the marker says: the site root relative to `path`.
    marker: String,
}

impl Target {
    /// The output folder, absolute, symbolic links resolved.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Check that `output` may receive a build of the site at `root`: see the module comment.
    pub fn new(root: &Path, output: &Path) -> Result<Target, OutputError> {
        let shown = output.display().to_string();
        // A missing root is reported by loading, with the usual message.
        let root = fs::canonicalize(root)
            .or_else(|_| std::path::absolute(root))
            .map_err(OutputError::io(root))?;
        let path = resolve(output).map_err(OutputError::io(output))?;
        let sources = [
            root.join(crate::layout::CONTENT_DIR),
            root.join("themes"),
            root.join(crate::layout::CONFIG_FILE),
            root.join(crate::layout::CACHE_DIR),
        ];
        let refuse = |relation, sources: &Path| OutputError::Sources {
            output: shown.clone(),
            relation,
            sources: sources.display().to_string(),
            root: root.display().to_string(),
        };
        if root.starts_with(&path) {
            return Err(refuse("holds", &root));
        }
        if let Some(inside) = sources.iter().find(|s| path.starts_with(s)) {
            return Err(refuse("is inside", inside));
        }
        let marker = relative(&path, &root);
        let exists = match fs::metadata(&path) {
            Ok(m) if !m.is_dir() => return Err(OutputError::NotAFolder { output: shown }),
            Ok(_) => true,
            Err(e) if e.kind() == io::ErrorKind::NotFound => false,
            Err(e) => return Err(OutputError::io(output)(e)),
        };
        if exists {
            let empty = fs::read_dir(&path)
                .map_err(OutputError::io(output))?
                .next()
                .is_none();
            if !empty {
                let said = fs::read_to_string(path.join(MARKER))
                    .ok()
                    .and_then(|text| toml::from_str::<Marker>(&text).ok())
                    .ok_or(OutputError::NotOurs {
                        output: shown.clone(),
                    })?;
                let names_us = fs::canonicalize(path.join(&said.site)).is_ok_and(|s| s == root);
                if !names_us {
                    return Err(OutputError::OtherSite {
                        output: shown,
                        other: path.join(&said.site).display().to_string(),
                    });
                }
            }
        }
        Ok(Target {
            path,
            exists,
            marker,
        })
    }
}

/// A build being written: the complete new tree is made in a staging folder beside the
/// output, which replaces the output only at [`Staging::finish`]. Dropped unfinished, the
/// folder is removed and the output is as it was.
pub struct Staging {
    dir: tempfile::TempDir,
    /// Held while the build runs, so that other builds leave this folder alone.
    _lock: File,
    target: Target,
    /// Every path the build made.
    made: HashSet<PathBuf>,
}

impl Staging {
    /// Start writing a new version of `target`, first removing what killed builds of the same
    /// output left beside it.
    pub fn new(target: Target) -> Result<Staging, OutputError> {
        let parent = target.path.parent().unwrap_or(Path::new("/")).to_path_buf();
        fs::create_dir_all(&parent).map_err(OutputError::io(&parent))?;
        let prefix = staging_prefix(&target.path);
        remove_stale(&parent, &prefix);
        let dir = tempfile::Builder::new()
            .prefix(&prefix)
            .tempdir_in(&parent)
            .map_err(OutputError::io(&parent))?;
        let lock = File::open(dir.path()).map_err(OutputError::io(dir.path()))?;
        lock.try_lock().map_err(|e| OutputError::Io {
            path: dir.path().display().to_string(),
            source: io::Error::other(e.to_string()),
        })?;
        Ok(Staging {
            dir,
            _lock: lock,
            target,
            made: HashSet::new(),
        })
    }

    /// Take `files` (in parallel) into the new tree: a file the output already holds byte for
    /// byte is hard-linked from it, any other is written. A path that would leave the output
    /// is refused, and so is a path that another file of this build already claimed.
    pub fn write(&mut self, files: &[OutputFile]) -> Result<(), OutputError> {
        claim(&mut self.made, files)?;
        let root = self.dir.path();
        let old = &self.target.path;
        files.par_iter().try_for_each(|file| {
            let path = root.join(&file.path);
            let fail = OutputError::io(&file.path);
            if file.path.is_absolute()
                || file
                    .path
                    .components()
                    .any(|c| !matches!(c, Component::Normal(_)))
            {
                return Err(fail(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "refusing to write outside the output",
                )));
            }
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir).map_err(OutputError::io(&file.path))?;
            }
            let previous = old.join(&file.path);
            if self.target.exists
                && same_file(&previous, &file.contents)
                && fs::hard_link(&previous, &path).is_ok()
            {
                return Ok(());
            }
            fs::write(&path, &file.contents).map_err(fail)
        })?;
        Ok(())
    }

    /// How many files the build made.
    pub fn written(&self) -> usize {
        self.made.len()
    }

    /// Put the new tree in the output's place in one step, then remove the old tree.
    pub fn finish(self) -> Result<(), OutputError> {
        let staged = self.dir.path().to_path_buf();
        let output = &self.target.path;
        let marker = toml::to_string(&Marker {
            site: self.target.marker.clone(),
        })
        .map_err(|e| OutputError::io(output)(io::Error::other(e)))?;
        let note = format!(
            "# This folder is the output of a kohyo site: `kohyo build` replaces everything in it.\n{marker}"
        );
        fs::write(staged.join(MARKER), note).map_err(OutputError::io(&staged))?;
        if !self.target.exists {
            fs::rename(&staged, output).map_err(OutputError::io(output))?;
            // Renamed away: nothing left for the staging folder to remove.
            let _ = self.dir.keep();
            return Ok(());
        }
        let old = match exchange(&staged, output) {
            Ok(()) => staged,
            Err(_) => swap_by_two_renames(&staged, output)?,
        };
        let _ = self.dir.keep();
        // The new tree is in place; an old tree that cannot be removed only wastes space,
        // and the next build tries again.
        if remove_tree(&old).is_err() {
            eprintln!(
                "warning: could not remove the previous output at {}; the next build will try again",
                old.display()
            );
        }
        Ok(())
    }
}

/// Exchange two folders atomically.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).map_err(io::Error::from)
}

/// Exchange two folders atomically: not available here.
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> io::Result<()> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

/// The fallback of [`exchange`]: the output is renamed into a new staging folder beside it,
/// then the new tree into the output's place. Returns where the old tree now is.
fn swap_by_two_renames(staged: &Path, output: &Path) -> Result<PathBuf, OutputError> {
    let parent = staged.parent().unwrap_or(Path::new("/"));
    let aside = tempfile::Builder::new()
        .prefix(&staging_prefix(output))
        .tempdir_in(parent)
        .map_err(OutputError::io(parent))?
        .keep();
    fs::rename(output, &aside).map_err(OutputError::io(output))?;
    if let Err(e) = fs::rename(staged, output) {
        // Put the old tree back rather than leave no output.
        let _ = fs::rename(&aside, output);
        return Err(OutputError::io(output)(e));
    }
    Ok(aside)
}

/// The staging prefix of an output: `.kohyo-build-<name>-`.
fn staging_prefix(output: &Path) -> String {
    let name = output
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!("{STAGING_PREFIX}{name}-")
}

/// Remove the staging folders of an output that no running build holds.
fn remove_stale(parent: &Path, prefix: &str) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let is_staging = name.to_str().is_some_and(|n| {
            n.strip_prefix(prefix)
                .is_some_and(|rest| !rest.is_empty() && !rest.contains('-'))
        });
        if !is_staging || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let unlocked = File::open(entry.path()).is_ok_and(|f| f.try_lock().is_ok());
        if unlocked && remove_tree(&entry.path()).is_err() {
            eprintln!(
                "warning: could not remove {}, left by an interrupted build",
                entry.path().display()
            );
        }
    }
}

/// `path` made absolute with symbolic links resolved, for the part of it that exists; the
/// missing rest is appended as written, `..` and `.` applied.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut existing = absolute.as_path();
    let mut missing = Vec::new();
    loop {
        match fs::canonicalize(existing) {
            Ok(mut resolved) => {
                for part in missing.iter().rev() {
                    match part {
                        Component::ParentDir => {
                            resolved.pop();
                        }
                        Component::Normal(name) => resolved.push(name),
                        _ => {}
                    }
                }
                return Ok(resolved);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (Some(parent), Some(last)) =
                    (existing.parent(), existing.components().next_back())
                else {
                    return Err(e);
                };
                missing.push(last);
                existing = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

/// `to` relative to `from` (both absolute and resolved), as `/`-separated text: `..` for the
/// site's own `public/`.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let ups = std::iter::repeat_n("..".to_string(), from.len() - common);
    let downs = to[common..]
        .iter()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let parts: Vec<String> = ups.chain(downs).collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

/// Whether the file at `path` is a regular file holding exactly `contents`.
fn same_file(path: &Path, contents: &[u8]) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64)
        && fs::read(path).is_ok_and(|old| old == contents)
}

/// Remove a folder and everything in it, its subfolders in parallel (an old output holds
/// hundreds of thousands of files). What is already gone is no error.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let gone = |e: io::Error| match e.kind() {
        io::ErrorKind::NotFound => Ok(()),
        _ => Err(e),
    };
    let entries: Vec<_> = match fs::read_dir(dir) {
        Ok(entries) => entries.collect::<Result<_, _>>()?,
        Err(e) => return gone(e),
    };
    entries.par_iter().try_for_each(|entry| {
        let path = entry.path();
        match entry.file_type()?.is_dir() {
            true => remove_tree(&path),
            false => fs::remove_file(&path).or_else(gone),
        }
    })?;
    fs::remove_dir(dir).or_else(gone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_says_what_to_do_in_japanese_too() {
        let refusals = [
            OutputError::Sources {
                output: "content/out".into(),
                relation: "is inside",
                sources: "/site/content".into(),
                root: "/site".into(),
            },
            OutputError::NotAFolder {
                output: "out".into(),
            },
            OutputError::NotOurs {
                output: "out".into(),
            },
            OutputError::OtherSite {
                output: "out".into(),
                other: "/other".into(),
            },
            OutputError::Duplicate {
                path: "a.html".into(),
            },
        ];
        for e in refusals {
            let m = e.message();
            assert_eq!(m.en, e.to_string());
            assert!(m.ja.contains("てください"), "{}", m.ja);
        }
    }

    #[test]
    fn relative_paths_lead_from_the_output_to_the_site() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(rel("/s/public", "/s"), "..");
        assert_eq!(rel("/out/site", "/home/s"), "../../home/s");
        assert_eq!(rel("/a", "/a"), ".");
    }

    #[test]
    fn the_writer_refuses_two_files_at_one_path() {
        let dir = tempfile::tempdir().unwrap();
        let target = Target::new(dir.path(), &dir.path().join("public")).unwrap();
        let mut staging = Staging::new(target).unwrap();
        let file = |contents: &[u8]| OutputFile {
            path: PathBuf::from("search/index.html"),
            contents: contents.to_vec(),
        };
        staging.write(&[file(b"page")]).unwrap();
        let again = staging.write(&[file(b"theme")]).unwrap_err().to_string();
        assert!(again.contains("same path search/index.html"), "{again}");
        let twice = staging.write(&[file(b"a"), file(b"b")]);
        assert!(twice.is_err(), "two files in one batch");
        let written = fs::read(staging.dir.path().join("search/index.html")).unwrap();
        assert_eq!(written, b"page", "the first file is kept");
    }

    #[test]
    fn missing_parts_of_an_output_are_resolved_lexically() {
        let dir = tempfile::tempdir().unwrap();
        let base = fs::canonicalize(dir.path()).unwrap();
        assert_eq!(
            resolve(&dir.path().join("new/../other/x")).unwrap(),
            base.join("other/x")
        );
    }
}
