//! `kohyo diff` output: the changed entries of a comparison as text, deletions as `[-…-]` and
//! insertions as `{+…+}`, coloured red and green when colour is on.

use std::fmt::Write;

use super::text::Change;
use super::{Comparison, Entry, Status};

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// The comparison as terminal text.
pub fn render(c: &Comparison, color: bool) -> String {
    let paint = |code: &str, text: &str| {
        if color {
            format!("{code}{text}{RESET}")
        } else {
            text.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        paint(
            BOLD,
            &format!(
                "{} {} ({}): {} → {}",
                c.municipality.name, c.series.title, c.series.path, c.old.when, c.new.when
            )
        )
    );
    for ch in &c.edition_changes {
        let _ = writeln!(
            out,
            "{}: {} → {}",
            ch.key,
            ch.old.as_deref().unwrap_or("-"),
            ch.new.as_deref().unwrap_or("-")
        );
    }
    let t = &c.summary.total;
    let _ = writeln!(
        out,
        "added {}, removed {}, reworded {}, moved {}, unchanged {}",
        t.added, t.removed, t.reworded, t.moved, t.unchanged
    );
    for (depth, e) in c.flatten() {
        if e.status == Status::Unchanged {
            continue;
        }
        let indent = "  ".repeat(depth);
        let (mark, code) = match e.status {
            Status::Added => ("+", GREEN),
            Status::Removed => ("-", RED),
            Status::Moved => (">", BOLD),
            _ => ("~", BOLD),
        };
        let _ = writeln!(
            out,
            "\n{indent}{} {}",
            paint(code, &format!("{mark} {:<9}", e.status.name())),
            heading(e, &paint)
        );
        if e.status == Status::Moved {
            let from = e
                .old
                .as_ref()
                .and_then(|s| s.parent.as_deref())
                .unwrap_or("top");
            let to = e
                .new
                .as_ref()
                .and_then(|s| s.parent.as_deref())
                .unwrap_or("top");
            let _ = writeln!(out, "{indent}    moved from {from} to {to}");
        }
        for ch in e.changes.iter().filter(|ch| ch.key != "title") {
            let _ = writeln!(
                out,
                "{indent}    {}: {}",
                ch.label,
                inline(&ch.diff, &paint)
            );
        }
        for n in &e.numbers {
            let _ = writeln!(out, "{indent}    number: {} → {}", n.old, n.new);
        }
    }
    out
}

/// `重点目標 1 title`, the title as a diff when it changed.
fn heading(e: &Entry, paint: &dyn Fn(&str, &str) -> String) -> String {
    let side = e.new.as_ref().or(e.old.as_ref());
    let number = match (&e.old, &e.new) {
        (Some(a), Some(b)) if a.number != b.number => format!(
            " {} → {}",
            a.number.as_deref().unwrap_or("-"),
            b.number.as_deref().unwrap_or("-")
        ),
        _ => side
            .and_then(|s| s.number.as_deref())
            .map(|n| format!(" {n}"))
            .unwrap_or_default(),
    };
    let title = match e.changes.iter().find(|ch| ch.key == "title") {
        Some(ch) => inline(&ch.diff, paint),
        None => side
            .and_then(|s| s.title.clone())
            .unwrap_or_else(|| super::tree::NO_TITLE.to_string()),
    };
    format!("{}{number} {title}", e.level)
}

/// A diff on one line: line breaks shown as ` / `.
fn inline(diff: &[Change], paint: &dyn Fn(&str, &str) -> String) -> String {
    let flat = |t: &str| t.replace('\n', " / ");
    diff.iter()
        .map(|ch| match ch {
            Change::Equal(t) => flat(t),
            Change::Delete(t) => paint(RED, &format!("[-{}-]", flat(t))),
            Change::Insert(t) => paint(GREEN, &format!("{{+{}+}}", flat(t))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_bracketed_and_coloured_only_when_asked() {
        let diff = [
            Change::Equal("地域内分権".into()),
            Change::Insert("の".into()),
            Change::Equal("確立".into()),
            Change::Delete("と\n推進".into()),
        ];
        let paint = |code: &str, text: &str| format!("{code}{text}{RESET}");
        let plain = |_: &str, text: &str| text.to_string();
        assert_eq!(inline(&diff, &plain), "地域内分権{+の+}確立[-と / 推進-]");
        assert_eq!(
            inline(&diff, &paint),
            format!("地域内分権{GREEN}{{+の+}}{RESET}確立{RED}[-と / 推進-]{RESET}")
        );
    }
}
