//! An edition flattened for comparison: every section, item and indicator as a [`Node`] with
//! its heading and its fields as the page prints them, in document order.

use serde::Serialize;

use crate::markdown;
use crate::model::{Edition, Indicator, Item, Labels, Section, Series};
use crate::present::with_unit;
use crate::wareki;

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A prose chapter or section.
    Section,
    /// A goal, policy, measure or project.
    Item,
    /// An indicator of an item or of the edition.
    Indicator,
}

impl Kind {
    /// The name in the data (`section`, `item`, `indicator`), as serialised.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Section => "section",
            Kind::Item => "item",
            Kind::Indicator => "indicator",
        }
    }
}

/// One labelled field of a node, as lines of text.
#[derive(Debug, Clone, Serialize)]
pub struct Field {
    /// Stable name in the data: `actions`, `targets`, `baseline`, ….
    pub key: &'static str,
    /// Heading in this edition, e.g. 達成状況・達成度.
    pub label: String,
    /// The entries as printed, one per line.
    pub lines: Vec<String>,
}

/// A section, item or indicator of one edition.
#[derive(Debug, Clone)]
pub struct Node {
    /// What it is.
    pub kind: Kind,
    /// Nesting depth among nodes of its kind (indicators: 0).
    pub depth: usize,
    /// Level name: 重点目標, 施策評価指標, 章.
    pub level: String,
    /// The `id` written in the content, if any.
    pub id: Option<String>,
    /// Anchor on the edition page.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Title (indicator: name); `None` where the source prints none.
    pub title: Option<String>,
    /// Fields in the order the edition page shows them; empty ones left out.
    pub fields: Vec<Field>,
    /// Index of the enclosing node, `None` at the top.
    pub parent: Option<usize>,
    /// Indices of the nodes directly inside, in order.
    pub children: Vec<usize>,
}

impl Node {
    /// `重点目標 1 タイトル`: how lists and the terminal name the node.
    pub fn heading(&self) -> String {
        heading(&self.level, self.number.as_deref(), self.title.as_deref())
    }

    /// What the node is, as text, for telling nodes apart: its title, body and actions (or
    /// an indicator's unit). Targets, progress and results are left out: they are what each
    /// year's edition says about the node, and stages differ in which of them they print.
    pub fn identity_text(&self) -> String {
        let mut text = self.title.clone().unwrap_or_default();
        for field in self
            .fields
            .iter()
            .filter(|f| matches!(f.key, "body" | "actions" | "unit"))
        {
            for line in &field.lines {
                text.push('\n');
                text.push_str(line);
            }
        }
        text
    }

    /// A field by key.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

/// How a missing title is named in headings.
pub const NO_TITLE: &str = "（タイトル記載なし）";

/// `level number title`, the number left out where none is printed and a missing title named
/// as such.
pub fn heading(level: &str, number: Option<&str>, title: Option<&str>) -> String {
    let mut parts = vec![level];
    if let Some(n) = number.filter(|n| !n.is_empty()) {
        parts.push(n);
    }
    parts.push(title.unwrap_or(NO_TITLE));
    parts.join(" ")
}

/// The nodes of one edition: sections, then items, then edition-level indicators, each tree
/// in document order.
#[derive(Debug, Default)]
pub struct Tree {
    /// Every node; parents come before their children.
    pub nodes: Vec<Node>,
    /// Indices of the top-level nodes, in order.
    pub roots: Vec<usize>,
}

/// Flatten an edition of a series.
pub fn tree(series: &Series, edition: &Edition) -> Tree {
    let labels = edition.labels.resolve(&series.labels);
    let mut builder = Builder {
        tree: Tree::default(),
        labels: &labels,
        series,
    };
    for section in &edition.sections {
        let i = builder.section(section, 0, None);
        builder.tree.roots.push(i);
    }
    for item in &edition.items {
        let i = builder.item(item.get_ref(), 0, None);
        builder.tree.roots.push(i);
    }
    for indicator in &edition.indicators {
        let i = builder.indicator(indicator, None);
        builder.tree.roots.push(i);
    }
    builder.tree
}

struct Builder<'a> {
    tree: Tree,
    labels: &'a Labels,
    series: &'a Series,
}

impl Builder<'_> {
    fn push(&mut self, node: Node) -> usize {
        let i = self.tree.nodes.len();
        if let Some(p) = node.parent {
            self.tree.nodes[p].children.push(i);
        }
        self.tree.nodes.push(node);
        i
    }

    fn label(&self, label: &Option<String>) -> String {
        label.clone().unwrap_or_default()
    }

    fn section(&mut self, section: &Section, depth: usize, parent: Option<usize>) -> usize {
        let mut fields = Vec::new();
        push_field(
            &mut fields,
            "body",
            self.label(&self.labels.body),
            section
                .body_text()
                .map(markdown::source_lines)
                .unwrap_or_default(),
        );
        let i = self.push(Node {
            kind: Kind::Section,
            depth,
            level: if depth == 0 { "章" } else { "節" }.to_string(),
            id: section.id.as_ref().map(|id| id.get_ref().0.clone()),
            anchor: section.anchor.clone(),
            number: section.number.clone(),
            title: Some(section.title.clone()),
            fields,
            parent,
            children: Vec::new(),
        });
        for child in &section.sections {
            self.section(child, depth + 1, Some(i));
        }
        i
    }

    fn item(&mut self, item: &Item, depth: usize, parent: Option<usize>) -> usize {
        let l = self.labels;
        let mut fields = Vec::new();
        let body = item
            .body_text()
            .map(markdown::source_lines)
            .unwrap_or_default();
        push_field(&mut fields, "body", self.label(&l.body), body);
        for (key, label, entries) in [
            ("actions", &l.actions, &item.actions),
            ("targets", &l.targets, &item.targets),
            ("progress", &l.progress, &item.progress),
            ("results", &l.results, &item.results),
        ] {
            push_field(&mut fields, key, self.label(label), entries.clone());
        }
        for (key, label, value) in [
            ("evaluation", &l.evaluation, &item.evaluation),
            ("owner", &l.owner, &item.owner),
            ("status", &l.status, &item.status),
        ] {
            push_field(
                &mut fields,
                key,
                self.label(label),
                value.iter().cloned().collect(),
            );
        }
        let schedule = item
            .schedule_years
            .iter()
            .map(|(y, v)| format!("{}：{v}", wareki::fiscal_year_label(*y)))
            .collect();
        push_field(&mut fields, "schedule", self.label(&l.schedule), schedule);
        let actors = self
            .series
            .actors
            .iter()
            .filter_map(|actor| {
                item.actors
                    .iter()
                    .find(|(k, _)| k.get_ref() == actor)
                    .map(|(_, mark)| format!("{actor}：{mark}"))
            })
            .collect();
        push_field(&mut fields, "actors", self.label(&l.actors), actors);
        let see = item.see.iter().map(|s| s.text.clone()).collect();
        push_field(&mut fields, "see", self.label(&l.see), see);
        let i = self.push(Node {
            kind: Kind::Item,
            depth,
            level: self.series.levels.get(depth).cloned().unwrap_or_default(),
            id: item.id.as_ref().map(|id| id.get_ref().0.clone()),
            anchor: item.anchor.clone(),
            number: item.number.clone(),
            title: item.title.clone(),
            fields,
            parent,
            children: Vec::new(),
        });
        for indicator in &item.indicators {
            self.indicator(indicator, Some(i));
        }
        for child in &item.items {
            self.item(child.get_ref(), depth + 1, Some(i));
        }
        i
    }

    fn indicator(&mut self, ind: &Indicator, parent: Option<usize>) -> usize {
        let value = |v: f64| with_unit(v, ind);
        let point = |p: &crate::model::Point| -> Vec<String> {
            let when = p.year.map(|y| wareki::fiscal_year_label(y.0));
            let text = [when, p.value.map(value)]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            vec![text].into_iter().filter(|t| !t.is_empty()).collect()
        };
        let mut fields = Vec::new();
        push_field(
            &mut fields,
            "unit",
            "単位".into(),
            ind.unit.iter().cloned().collect(),
        );
        let baseline = ind.baseline.as_ref().map(point).unwrap_or_default();
        push_field(&mut fields, "baseline", "現状".into(), baseline);
        let actual = ind
            .actual
            .iter()
            .map(|a| match &a.as_of {
                Some(when) => format!("{when} {}", value(a.value)),
                None => value(a.value),
            })
            .collect();
        push_field(&mut fields, "actual", "実績".into(), actual);
        let target = ind.target.as_ref().map(point).unwrap_or_default();
        push_field(&mut fields, "target", "目標".into(), target);
        push_field(
            &mut fields,
            "note",
            "備考".into(),
            ind.note.iter().cloned().collect(),
        );
        self.push(Node {
            kind: Kind::Indicator,
            depth: 0,
            level: self.label(&self.labels.indicators),
            id: ind.id.as_ref().map(|id| id.get_ref().0.clone()),
            anchor: ind.anchor.clone(),
            number: ind.number.clone(),
            title: Some(ind.name.clone()),
            fields,
            parent,
            children: Vec::new(),
        })
    }
}

fn push_field(fields: &mut Vec<Field>, key: &'static str, label: String, lines: Vec<String>) {
    if !lines.is_empty() {
        fields.push(Field { key, label, lines });
    }
}
