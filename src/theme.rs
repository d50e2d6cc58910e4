//! Themes: tera templates and static files, read from `themes/<name>/` in the site, or the
//! default theme built into kohyo when the site has no such folder.

use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::diagnostic::{Diagnostic, Message};
use crate::layout::OutputFile;
use crate::present::escape_html;
use crate::source;
use crate::template::{self, Templates};

/// The Content-Security-Policy of every page: the default theme's `base.html` prints it in a
/// meta tag (as `content_security_policy`), the preview sends it as a header.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'";

/// Templates every theme provides.
pub const TEMPLATES: [&str; 12] = [
    "base.html",
    "macros.html",
    "index.html",
    "municipality.html",
    "series.html",
    "edition.html",
    "compare.html",
    "history.html",
    "data.html",
    "search.html",
    "accessibility.html",
    "404.html",
];

macro_rules! builtin {
    ($($path:literal),* $(,)?) => {
        [$(($path, include_str!(concat!("../themes/default/", $path)))),*]
    };
}

/// The default theme, compiled in.
const DEFAULT_THEME: [(&str, &str); 14] = builtin![
    "templates/base.html",
    "templates/macros.html",
    "templates/index.html",
    "templates/municipality.html",
    "templates/series.html",
    "templates/edition.html",
    "templates/compare.html",
    "templates/history.html",
    "templates/data.html",
    "templates/search.html",
    "templates/accessibility.html",
    "templates/404.html",
    "static/style.css",
    "static/favicon.svg",
];

/// A theme's templates (name, source) and static files (relative path, bytes).
pub struct Theme {
    /// `themes/<name>/templates`, relative to the site, for diagnostics.
    dir: PathBuf,
    templates: Vec<(String, String)>,
    static_files: Vec<OutputFile>,
}

impl Theme {
    /// Load `themes/<name>` under `root`; `default` falls back to the built-in theme.
    /// Files are read as content is (regular files inside the site only, UTF-8 templates), and
    /// every problem names the file relative to the site.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Diagnostic> {
        let rel_dir = Path::new("themes").join(name);
        let dir = root.join(&rel_dir);
        if !dir.is_dir() {
            if name == "default" {
                return Ok(Theme::builtin());
            }
            return Err(Diagnostic::file(
                &rel_dir,
                Message::new(
                    format!(
                        "theme `{name}` not found: expected a folder {}",
                        rel_dir.display()
                    ),
                    format!(
                        "テーマ `{name}` が見つかりません。{} フォルダが必要です",
                        rel_dir.display()
                    ),
                ),
            ));
        }
        let mut templates = Vec::new();
        for name in TEMPLATES {
            let rel = rel_dir.join("templates").join(name);
            templates.push((name.to_string(), source::read_text(root, &rel)?));
        }
        let mut static_files = Vec::new();
        let static_rel = rel_dir.join("static");
        for entry in WalkDir::new(root.join(&static_rel)).sort_by_file_name() {
            let entry = entry.map_err(|e| {
                let path = e.path().unwrap_or(&dir);
                let rel = path.strip_prefix(root).unwrap_or(&static_rel);
                let why = e.io_error().map_or(e.to_string(), |io| io.to_string());
                Diagnostic::file(
                    rel,
                    Message::new(
                        format!("cannot read the theme's files: {why}"),
                        format!("テーマのファイルを読めません（{why}）"),
                    ),
                )
            })?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
            let contents = source::read_bytes(root, rel)?;
            static_files.push(OutputFile {
                path: rel.strip_prefix(&static_rel).unwrap_or(rel).to_path_buf(),
                contents,
            });
        }
        Ok(Theme {
            dir: template::folder(name),
            templates,
            static_files,
        })
    }

    /// The default theme compiled into kohyo.
    pub fn builtin() -> Theme {
        let mut templates = Vec::new();
        let mut static_files = Vec::new();
        for (path, source) in DEFAULT_THEME {
            if let Some(name) = path.strip_prefix("templates/") {
                templates.push((name.to_string(), source.to_string()));
            } else if let Some(name) = path.strip_prefix("static/") {
                static_files.push(OutputFile {
                    path: PathBuf::from(name),
                    contents: source.as_bytes().to_vec(),
                });
            }
        }
        Theme {
            dir: template::folder("default"),
            templates,
            static_files,
        }
    }

    /// A tera instance with the theme's templates; HTML is escaped automatically.
    pub fn tera(&self) -> Result<Tera, Diagnostic> {
        self.templates().tera(escape_html)
    }

    /// The templates with their folder, to render pages and place their errors.
    pub fn templates(&self) -> Templates<'_> {
        Templates {
            dir: &self.dir,
            sources: &self.templates,
        }
    }

    /// Static files to copy to the output root.
    /// A hash of the templates: equal for the same theme within one run.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&self.templates, &mut hasher);
        std::hash::Hasher::finish(&hasher)
    }

    pub fn static_files(&self) -> &[OutputFile] {
        &self.static_files
    }
}

/// An error with its chain of causes, for tera errors whose first line says little.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_shows_hosts_the_policy_the_pages_carry() {
        let readme = include_str!("../README.md");
        let header = format!("Content-Security-Policy \"{CONTENT_SECURITY_POLICY}\"");
        assert_eq!(readme.matches(&header).count(), 2, "nginx and Apache");
    }
}
