//! The theme's tera templates as the build runs them: parse and render errors become
//! diagnostics at the template's line and column, and `range` is bounded so that a runaway loop
//! stops with an error instead of exhausting memory.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tera::{Context, Tera, Value};

use crate::diagnostic::{Diagnostic, Message};

/// How many numbers `range` may make in all while one page renders.
pub const RANGE_LIMIT: usize = 100_000;

thread_local! {
    /// What is left of [`RANGE_LIMIT`] for the page this thread renders.
    static RANGE_LEFT: Cell<usize> = const { Cell::new(RANGE_LIMIT) };
}

/// Templates (name, source) and the folder they came from, relative to the site.
pub struct Templates<'a> {
    /// `themes/<name>/templates`.
    pub dir: &'a Path,
    /// Each template's name and source.
    pub sources: &'a [(String, String)],
}

impl Templates<'_> {
    /// A tera instance with every template, escaping with `escape` and the bounded `range`.
    pub fn tera(&self, escape: fn(&str) -> String) -> Result<Tera, Diagnostic> {
        let mut tera = Tera::default();
        tera.add_raw_templates(self.sources.iter().map(|(n, s)| (n.as_str(), s.as_str())))
            .map_err(|e| self.diagnose(&e, None))?;
        tera.set_escape_fn(escape);
        tera.register_function("range", bounded_range);
        Ok(tera)
    }

    /// Render `template` for the page at `path`, with a fresh `range` budget.
    pub fn render(
        &self,
        tera: &Tera,
        template: &str,
        path: &str,
        context: &Context,
    ) -> Result<String, Diagnostic> {
        RANGE_LEFT.with(|left| left.set(RANGE_LIMIT));
        tera.render(template, context).map_err(|e| {
            let mut d = self.diagnose(&e, Some(template));
            d.message = format!("cannot render {path}: {}", d.message);
            d.japanese = format!("{path} を作れません（{}）", d.japanese);
            d
        })
    }

    /// The diagnostic of a tera error: parse errors at their line and column, render errors at
    /// the first place in the template that names what failed, else the template as a whole.
    fn diagnose(&self, error: &tera::Error, template: Option<&str>) -> Diagnostic {
        let chain = chain(error);
        let head = chain.first().cloned().unwrap_or_default();
        let named = quoted(&head)
            .or_else(|| chain.iter().rev().find_map(|m| self.named_in(m)))
            .or(template.map(str::to_string))
            .unwrap_or_default();
        let rest = match chain.len() {
            1 => head.clone(),
            _ => chain[1..].join(": "),
        };
        let source = self.source(&named);
        let path = self.dir.join(&named);
        if let Some(((line, column), message)) = pest_position(&rest) {
            let source = source.unwrap_or_default();
            let offset = offset_of(source, line, column);
            return Diagnostic::at(&path, source, offset..offset + 1, theme_error(message));
        }
        let message = theme_error(rest.trim().replace('\n', " "));
        // A template that another one names (a parent, an include, a macro file) is where the
        // error is when the message says so.
        let inner = self
            .named_in(&rest)
            .filter(|n| self.source(n).is_some())
            .unwrap_or(named);
        let path = self.dir.join(&inner);
        let Some(source) = self.source(&inner) else {
            return Diagnostic::file(&path, message);
        };
        match needle(&rest).and_then(|n| find_in_tags(source, &n).map(|at| (at, n.len()))) {
            Some((at, len)) => Diagnostic::at(&path, source, at..at + len, message),
            None => Diagnostic::file(&path, message),
        }
    }

    fn source(&self, name: &str) -> Option<&str> {
        self.sources
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
    }

    /// The last template name quoted in `message` (`'base.html'`).
    fn named_in(&self, message: &str) -> Option<String> {
        message
            .split('\'')
            .skip(1)
            .step_by(2)
            .filter(|n| self.source(n).is_some())
            .last()
            .map(str::to_string)
    }
}

/// The messages of an error and its causes, outermost first.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut out = vec![error.to_string()];
    let mut source = error.source();
    while let Some(s) = source {
        out.push(s.to_string());
        source = s.source();
    }
    out
}

/// `name` from `Failed to parse 'name'` or `Failed to render 'name'`.
fn quoted(head: &str) -> Option<String> {
    let rest = head
        .strip_prefix("Failed to parse '")
        .or_else(|| head.strip_prefix("Failed to render '"))?;
    rest.split('\'').next().map(str::to_string)
}

/// The ` --> line:col` and `= message` of a pest error.
fn pest_position(text: &str) -> Option<((usize, usize), String)> {
    let at = text.lines().find_map(|l| l.trim().strip_prefix("--> "))?;
    let (line, column) = at.split_once(':')?;
    let position = (line.trim().parse().ok()?, column.trim().parse().ok()?);
    let message = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("= "))
        .unwrap_or("syntax error");
    Some((position, format!("template syntax error: {message}")))
}

/// The byte offset of 1-based `line` and `column` (in characters) in `source`.
fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let start: usize = source
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let text = source.get(start..).unwrap_or_default();
    start
        + text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i)
}

/// What to look for in the template: the first name in backticks, or the failing function.
fn needle(message: &str) -> Option<String> {
    if let Some(name) = message.split('`').nth(1).filter(|n| !n.is_empty()) {
        return Some(name.to_string());
    }
    let call = message.split("Function call '").nth(1)?;
    call.split('\'').next().map(|f| format!("{f}("))
}

/// The first occurrence of `needle` inside a `{{ }}` or `{% %}` tag of `source`.
fn find_in_tags(source: &str, needle: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(open) = source[from..].find(['{']).map(|i| from + i) {
        let tag = source.get(open..open + 2);
        let close = match tag {
            Some("{{") => "}}",
            Some("{%") => "%}",
            _ => {
                from = open + 1;
                continue;
            }
        };
        let end = source[open..]
            .find(close)
            .map_or(source.len(), |i| open + i);
        if let Some(i) = source[open..end].find(needle) {
            return Some(open + i);
        }
        from = end;
    }
    None
}

/// tera's `range(start=0, end, step_by=1)`, refusing a step of 0 and more numbers than the
/// page's budget allows.
fn bounded_range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let number =
        |key: &str, default: Option<usize>| -> tera::Result<usize> {
            match args.get(key) {
            Some(v) => v.as_u64().and_then(|n| usize::try_from(n).ok()).ok_or_else(|| {
                tera::Error::msg(format!(
                    "`range` received {key}={v}, but {key} must be a whole number of 0 or more"
                ))
            }),
            None => default.ok_or_else(|| tera::Error::msg("`range` needs an `end` argument")),
        }
        };
    let (start, end, step) = (
        number("start", Some(0))?,
        number("end", None)?,
        number("step_by", Some(1))?,
    );
    if step == 0 {
        return Err(tera::Error::msg(
            "`range` received step_by=0: the step must be 1 or more",
        ));
    }
    if start > end {
        return Err(tera::Error::msg(
            "`range` received a `start` greater than its `end`",
        ));
    }
    let count = (end - start).div_ceil(step);
    let left = RANGE_LEFT.with(Cell::get);
    if count > left {
        return Err(tera::Error::msg(format!(
            "`range` would make {count} numbers, more than the {RANGE_LIMIT} one page may make in all: a loop this long is a mistake in the template"
        )));
    }
    RANGE_LEFT.with(|l| l.set(left - count));
    Ok(Value::Array(
        (start..end).step_by(step).map(Value::from).collect(),
    ))
}

/// `themes/<name>/templates`, the folder templates are named from.
pub fn folder(theme: &str) -> PathBuf {
    Path::new("themes").join(theme).join("templates")
}

/// tera's own message, with a Japanese lead (the message names template syntax, which reads
/// the same in both languages).
fn theme_error(message: impl Into<String>) -> Message {
    let message = message.into();
    let ja = format!("テーマのテンプレートの誤り（{message}）");
    Message::new(message, ja)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn templates(source: &str) -> Vec<(String, String)> {
        vec![("page.html".to_string(), source.to_string())]
    }

    #[test]
    fn a_syntax_error_is_placed_in_the_template() {
        let sources = templates("<p>\n{{ title }}\n<p>{% for i in %}{% endfor %}\n");
        let t = Templates {
            dir: Path::new("themes/t/templates"),
            sources: &sources,
        };
        let Err(d) = t.tera(|s| s.to_string()) else {
            panic!("a parse error");
        };
        assert_eq!(d.path, Path::new("themes/t/templates/page.html"));
        assert_eq!(d.line, 3, "{d:?}");
        assert!(
            d.message.starts_with("template syntax error: expected"),
            "{d:?}"
        );
    }

    #[test]
    fn a_runaway_range_stops_and_is_placed() {
        let sources = templates("<p>\n  {% for i in range(end=100000000) %}{% endfor %}\n");
        let t = Templates {
            dir: Path::new("themes/t/templates"),
            sources: &sources,
        };
        let tera = t.tera(|s| s.to_string()).unwrap();
        let Err(d) = t.render(&tera, "page.html", "x/index.html", &Context::new()) else {
            panic!("a render error");
        };
        assert_eq!((d.line, d.column), (2, 15), "{d:?}");
        assert!(d.message.contains("would make 100000000 numbers"), "{d:?}");
        let ok = templates("{% for i in range(end=3, step_by=2) %}{{ i }}{% endfor %}");
        let t = Templates {
            dir: Path::new("t"),
            sources: &ok,
        };
        let tera = t.tera(|s| s.to_string()).unwrap();
        assert_eq!(
            t.render(&tera, "page.html", "p", &Context::new()).unwrap(),
            "02"
        );
        let zero = templates("{% for i in range(end=3, step_by=0) %}{% endfor %}");
        let t = Templates {
            dir: Path::new("t"),
            sources: &zero,
        };
        let tera = t.tera(|s| s.to_string()).unwrap();
        assert!(t.render(&tera, "page.html", "p", &Context::new()).is_err());
    }
}
