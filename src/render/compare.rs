//! The compare page of two editions: view structs built from a [`Comparison`].
//!
//! Marked-up text (`<ins>`/`<del>` with the words 追加/削除 for screen readers) is built here
//! from escaped text and marked safe in the template, like the Markdown HTML.

use serde::Serialize;

use crate::diff::text::Change;
use crate::diff::tree::{self, Field};
use crate::diff::{Comparison, Counts, EditionRef, Entry, Side, Status};
use crate::present::{NOT_STATED, escape_html};

/// Everything the compare template shows.
#[derive(Debug, Serialize)]
pub struct ComparePage {
    /// 平成29年度 → 平成30年度.
    pub title: String,
    /// The earlier edition.
    pub old: EditionLink,
    /// The later edition.
    pub new: EditionLink,
    /// Changes of the editions' own facts.
    pub edition_changes: Vec<FactChange>,
    /// One row per level.
    pub summary: Vec<SummaryRow>,
    /// All levels together.
    pub total: SummaryRow,
    /// Changed entries by status, for jumping to them.
    pub changed: Vec<ChangedGroup>,
    /// The aligned tree.
    pub entries: Vec<EntryView>,
    /// URL of the comparison as JSON.
    pub json_url: String,
    /// URL of the changed entries as CSV.
    pub csv_url: String,
}

/// An edition as the compare page names it.
#[derive(Debug, Serialize)]
pub struct EditionLink {
    /// 平成29年度（2017年度）, or the version label.
    pub when: String,
    /// Title as published.
    pub title: String,
    /// 当初 / 中間報告 / 達成状況.
    pub stage: &'static str,
    /// Page URL.
    pub url: String,
    /// The official document's address, when the content names it.
    pub source_url: Option<String>,
}

/// A fact of the edition that changed.
#[derive(Debug, Serialize)]
pub struct FactChange {
    /// 担当部局.
    pub label: &'static str,
    /// Earlier value, or 記載なし.
    pub old: String,
    /// Later value, or 記載なし.
    pub new: String,
}

/// Counts of one level (or of all).
#[derive(Debug, Serialize)]
pub struct SummaryRow {
    /// Level name, or 合計.
    pub level: String,
    /// The counts.
    pub counts: Counts,
}

/// Changed entries of one status.
#[derive(Debug, Serialize)]
pub struct ChangedGroup {
    /// 追加, 削除, 変更, 移動.
    pub label: &'static str,
    /// Links into the page.
    pub links: Vec<ChangedLink>,
}

/// A link to an entry on the page.
#[derive(Debug, Serialize)]
pub struct ChangedLink {
    /// Anchor of the entry.
    pub anchor: String,
    /// 重点取組項目 ② 地域リーダーの育成.
    pub heading: String,
}

/// One entry of the aligned tree.
#[derive(Debug, Serialize)]
pub struct EntryView {
    /// Anchor on the compare page.
    pub anchor: String,
    /// `added`, `removed`, `moved`, `reworded` or `unchanged`.
    pub status: Status,
    /// 追加, 削除, 移動, 変更, 変更なし.
    pub status_label: &'static str,
    /// Heading: level name, number and title (the new edition's, else the old's).
    pub heading: String,
    /// `h2`…`h6`.
    pub level: usize,
    /// `② → ③` when the number changed.
    pub renumbered: Option<String>,
    /// Where it was and where it is, for moved entries.
    pub moved: Option<(String, String)>,
    /// Numbers that changed: `3回 → 4回`.
    pub numbers: Vec<String>,
    /// The earlier edition's side.
    pub old: Option<SideView>,
    /// The later edition's side.
    pub new: Option<SideView>,
    /// Entries inside.
    pub children: Vec<EntryView>,
}

/// One edition's side of an entry.
#[derive(Debug, Serialize)]
pub struct SideView {
    /// 平成29年度（2017年度）.
    pub edition: String,
    /// Link to the node on the edition page.
    pub url: String,
    /// Title with its changes marked, when the title changed (safe HTML).
    pub title_html: Option<String>,
    /// The fields this edition prints, with changes marked.
    pub fields: Vec<FieldView>,
}

/// A field of one side.
#[derive(Debug, Serialize)]
pub struct FieldView {
    /// Heading in that edition.
    pub label: String,
    /// Lines as safe HTML, changes marked.
    pub lines_html: Vec<String>,
}

/// Which side of a diff a view shows.
#[derive(Clone, Copy)]
enum Which {
    Old,
    New,
}

/// The view of a comparison, with URLs under `base`.
pub fn compare_page(c: &Comparison, base: &str) -> ComparePage {
    let link = |e: &EditionRef| EditionLink {
        when: e.when.clone(),
        title: e.title.clone(),
        stage: e.stage_label,
        url: format!("{base}{}", e.path),
        source_url: e.source_url.clone(),
    };
    let mut counter = 0;
    let entries = c
        .entries
        .iter()
        .map(|e| entry_view(c, e, base, 3, &mut counter))
        .collect::<Vec<_>>();
    let mut changed: Vec<ChangedGroup> = Vec::new();
    for status in [
        Status::Added,
        Status::Removed,
        Status::Reworded,
        Status::Moved,
    ] {
        let mut links = Vec::new();
        collect_links(&entries, status, &mut links);
        if !links.is_empty() {
            changed.push(ChangedGroup {
                label: status.label(),
                links,
            });
        }
    }
    let dir = format!("{base}{}", c.path());
    ComparePage {
        title: format!("{} → {}", c.old.when, c.new.when),
        old: link(&c.old),
        new: link(&c.new),
        edition_changes: c
            .edition_changes
            .iter()
            .map(|ch| FactChange {
                label: ch.label,
                old: ch.old.clone().unwrap_or_else(|| NOT_STATED.to_string()),
                new: ch.new.clone().unwrap_or_else(|| NOT_STATED.to_string()),
            })
            .collect(),
        summary: c
            .summary
            .levels
            .iter()
            .map(|l| SummaryRow {
                level: l.level.clone(),
                counts: l.counts.clone(),
            })
            .collect(),
        total: SummaryRow {
            level: "合計".to_string(),
            counts: c.summary.total.clone(),
        },
        changed,
        entries,
        json_url: format!("{dir}changes.json"),
        csv_url: format!("{dir}changes.csv"),
    }
}

fn collect_links(entries: &[EntryView], status: Status, out: &mut Vec<ChangedLink>) {
    for e in entries {
        if e.status == status {
            out.push(ChangedLink {
                anchor: e.anchor.clone(),
                heading: e.heading.clone(),
            });
        }
        collect_links(&e.children, status, out);
    }
}

fn entry_view(
    c: &Comparison,
    e: &Entry,
    base: &str,
    level: usize,
    counter: &mut usize,
) -> EntryView {
    let anchor = crate::history::compare_anchor(*counter);
    *counter += 1;
    let side = e.new.as_ref().or(e.old.as_ref());
    let heading = tree::heading(
        &e.level,
        side.and_then(|s| s.number.as_deref()),
        side.and_then(|s| s.title.as_deref()),
    );
    let renumbered = match (&e.old, &e.new) {
        (Some(a), Some(b)) if a.number != b.number => Some(format!(
            "{} → {}",
            a.number.as_deref().unwrap_or(NOT_STATED),
            b.number.as_deref().unwrap_or(NOT_STATED)
        )),
        _ => None,
    };
    let moved = match (&e.status, &e.old, &e.new) {
        (Status::Moved, Some(a), Some(b)) => Some((
            a.parent.clone().unwrap_or_else(|| "最上位".to_string()),
            b.parent.clone().unwrap_or_else(|| "最上位".to_string()),
        )),
        _ => None,
    };
    EntryView {
        anchor,
        status: e.status,
        status_label: e.status.label(),
        heading,
        level: level.min(6),
        renumbered,
        moved,
        numbers: e
            .numbers
            .iter()
            .map(|n| format!("{} → {}", n.old, n.new))
            .collect(),
        old: e
            .old
            .as_ref()
            .map(|s| side_view(e, s, &c.old, base, Which::Old)),
        new: e
            .new
            .as_ref()
            .map(|s| side_view(e, s, &c.new, base, Which::New)),
        children: e
            .children
            .iter()
            .map(|child| entry_view(c, child, base, level + 1, counter))
            .collect(),
    }
}

fn side_view(e: &Entry, side: &Side, edition: &EditionRef, base: &str, which: Which) -> SideView {
    let diff_of = |key: &str| e.changes.iter().find(|ch| ch.key == key).map(|ch| &ch.diff);
    let title_html = diff_of("title").map(|diff| marked_lines(diff, which).join(""));
    SideView {
        edition: edition.when.clone(),
        url: format!("{base}{}#{}", edition.path, side.anchor),
        title_html,
        fields: side
            .fields
            .iter()
            .map(|f: &Field| FieldView {
                label: f.label.clone(),
                lines_html: match diff_of(f.key) {
                    Some(diff) => marked_lines(diff, which),
                    None => f.lines.iter().map(|l| escape_html(l)).collect(),
                },
            })
            .collect(),
    }
}

/// One side of a diff as HTML lines: equal text plain, the side's own changes marked.
fn marked_lines(diff: &[Change], which: Which) -> Vec<String> {
    let mut lines = vec![String::new()];
    for change in diff {
        let (text, mark) = match (change, which) {
            (Change::Equal(t), _) => (t, None),
            (Change::Delete(t), Which::Old) => (t, Some(("del", "削除"))),
            (Change::Insert(t), Which::New) => (t, Some(("ins", "追加"))),
            _ => continue,
        };
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                lines.push(String::new());
            }
            if part.is_empty() {
                continue;
            }
            let html = escape_html(part);
            let marked = match mark {
                None => html,
                Some((tag, word)) => format!(
                    "<{tag}><span class=\"visually-hidden\">［{word}］</span>{html}<span class=\"visually-hidden\">［{word}ここまで］</span></{tag}>"
                ),
            };
            if let Some(line) = lines.last_mut() {
                line.push_str(&marked);
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_side_marks_its_own_changes_line_by_line() {
        let diff = vec![
            Change::Equal("理事会".into()),
            Change::Delete("3".into()),
            Change::Insert("4".into()),
            Change::Equal("回\n総会<1>回".into()),
        ];
        let old = marked_lines(&diff, Which::Old);
        let new = marked_lines(&diff, Which::New);
        assert_eq!(old.len(), 2);
        assert!(old[0].contains("<del><span class=\"visually-hidden\">［削除］</span>3<span"));
        assert!(!old[0].contains("<ins>"));
        assert!(new[0].contains("<ins><span class=\"visually-hidden\">［追加］</span>4<span"));
        assert_eq!(new[1], "総会&lt;1&gt;回");
    }
}
