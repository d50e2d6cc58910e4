//! Themes: tera templates and static files, read from `themes/<name>/` in the site, or the
//! default theme built into kohyo when the site has no such folder.

use std::fs;
use std::path::{Path, PathBuf};

use tera::Tera;
use walkdir::WalkDir;

use crate::output::OutputFile;

/// The Content-Security-Policy of every page: the default theme's `base.html` prints it in a
/// meta tag (as `content_security_policy`), the preview sends it as a header.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'";

/// Templates every theme provides.
pub const TEMPLATES: [&str; 11] = [
    "base.html",
    "macros.html",
    "index.html",
    "municipality.html",
    "series.html",
    "edition.html",
    "compare.html",
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
const DEFAULT_THEME: [(&str, &str); 13] = builtin![
    "templates/base.html",
    "templates/macros.html",
    "templates/index.html",
    "templates/municipality.html",
    "templates/series.html",
    "templates/edition.html",
    "templates/compare.html",
    "templates/data.html",
    "templates/search.html",
    "templates/accessibility.html",
    "templates/404.html",
    "static/style.css",
    "static/favicon.svg",
];

/// A theme's templates (name, source) and static files (relative path, bytes).
pub struct Theme {
    templates: Vec<(String, String)>,
    static_files: Vec<OutputFile>,
}

impl Theme {
    /// Load `themes/<name>` under `root`; `default` falls back to the built-in theme.
    pub fn load(root: &Path, name: &str) -> Result<Theme, String> {
        let dir = root.join("themes").join(name);
        if !dir.is_dir() {
            if name == "default" {
                return Ok(Theme::builtin());
            }
            return Err(format!(
                "theme `{name}` not found: expected a folder {}",
                Path::new("themes").join(name).display()
            ));
        }
        let mut templates = Vec::new();
        for name in TEMPLATES {
            let path = dir.join("templates").join(name);
            let source = fs::read_to_string(&path)
                .map_err(|e| format!("cannot read template {}: {e}", path.display()))?;
            templates.push((name.to_string(), source));
        }
        let mut static_files = Vec::new();
        let static_dir = dir.join("static");
        for entry in WalkDir::new(&static_dir).sort_by_file_name() {
            let entry = entry.map_err(|e| format!("cannot read theme files: {e}"))?;
            if entry.file_type().is_file() {
                let rel: PathBuf = entry
                    .path()
                    .strip_prefix(&static_dir)
                    .unwrap_or(entry.path())
                    .to_path_buf();
                let contents = fs::read(entry.path())
                    .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
                static_files.push(OutputFile {
                    path: rel,
                    contents,
                });
            }
        }
        Ok(Theme {
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
            templates,
            static_files,
        }
    }

    /// A tera instance with the theme's templates; HTML is escaped automatically.
    pub fn tera(&self) -> Result<Tera, String> {
        let mut tera = Tera::default();
        tera.add_raw_templates(self.templates.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| format!("theme template error: {}", error_chain(&e)))?;
        tera.set_escape_fn(escape_html);
        Ok(tera)
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

/// Escape text for HTML element content and quoted attributes. Unlike tera's default, `/` is
/// left alone, so URLs stay readable in the output.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
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
