//! Differences between consecutive editions of a series: the compare stage of the pipeline.
//!
//! [`tree`] flattens each edition into comparable nodes, [`align`] pairs them, [`text`] diffs
//! the paired texts on lindera tokens and [`numbers`] picks out the changed quantities. The
//! result, a [`Comparison`], is what the compare page, its JSON and CSV, and `kohyo diff`
//! show.

pub mod align;
pub mod numbers;
pub mod terminal;
pub mod text;
pub mod tree;

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::License;
use crate::diagnostic::Message;
use crate::load::Site;
use crate::model::{Edition, Municipality, Series};
use crate::present::{edition_when, edition_year, stage_key};
use crate::text::{TextError, Tokenizer};

use self::align::Alignment;
use self::numbers::NumberChange;
use self::text::Change;
use self::tree::{Field, Kind, Node, Tree};

/// Why two editions could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A text could not be cut into words.
    #[error(transparent)]
    Text(#[from] TextError),
    /// `kohyo diff` named a series the site does not have.
    #[error("no series `{series}`: expected one of {known}")]
    UnknownSeries {
        /// The series as given.
        series: String,
        /// The site's series, comma-separated.
        known: String,
    },
    /// `kohyo diff` named an edition the series does not have.
    #[error("series `{series}` has no edition `{name}`: expected one of {known}")]
    UnknownEdition {
        /// The series.
        series: String,
        /// The edition as given.
        name: String,
        /// The series' editions, comma-separated.
        known: String,
    },
    /// `kohyo diff` named a fiscal year the series has several editions of.
    #[error("series `{series}` has {count} editions of `{name}`: name one of {names}")]
    SeveralEditions {
        /// The series.
        series: String,
        /// The year as given.
        name: String,
        /// How many editions it has.
        count: usize,
        /// Their file names, comma-separated.
        names: String,
    },
}

impl DiffError {
    /// What went wrong and what to do, in English (the `Display`) and in Japanese.
    pub fn message(&self) -> Message {
        let ja = match self {
            DiffError::Text(e) => return e.message(),
            DiffError::UnknownSeries { series, known } => {
                format!("シリーズ `{series}` がありません。次のどれかを指定してください: {known}")
            }
            DiffError::UnknownEdition {
                series,
                name,
                known,
            } => format!(
                "シリーズ `{series}` に版 `{name}` がありません。次のどれかを指定してください: {known}"
            ),
            DiffError::SeveralEditions {
                series,
                name,
                count,
                names,
            } => format!(
                "シリーズ `{series}` には `{name}` の版が {count} つあります。ファイル名で指定してください: {names}"
            ),
        };
        Message::new(self.to_string(), ja)
    }
}

/// Version of the JSON layout of a comparison.
pub const FORMAT: &str = "kohyo-compare/2";

/// Everything that changed from one edition to the next.
#[derive(Debug, Serialize)]
pub struct Comparison {
    /// Layout version of this document.
    pub format: &'static str,
    /// `municipality/series/old-new`, the `compare_id` of the open data's tables.
    pub id: String,
    /// Licence of the data (the site's).
    pub license: License,
    /// The municipality.
    pub municipality: MunicipalityRef,
    /// The series.
    pub series: SeriesRef,
    /// The earlier edition.
    pub old: EditionRef,
    /// The later edition.
    pub new: EditionRef,
    /// Changes of the editions' own facts: title, department, stage.
    pub edition_changes: Vec<EditionChange>,
    /// Counts of added, removed, reworded, moved and unchanged nodes.
    pub summary: Summary,
    /// The aligned tree.
    pub entries: Vec<Entry>,
}

impl Comparison {
    /// Folder of the compare page from the site root: `ueda/shimin-machizukuri/compare/2017-2018/`.
    pub fn path(&self) -> String {
        format!(
            "{}/{}/{}-{}/",
            self.series.path,
            crate::layout::COMPARE_DIR,
            self.old.slug,
            self.new.slug
        )
    }

    /// Every entry, depth first, with its depth in the aligned tree.
    pub fn flatten(&self) -> Vec<(usize, &Entry)> {
        fn walk<'a>(entries: &'a [Entry], depth: usize, out: &mut Vec<(usize, &'a Entry)>) {
            for e in entries {
                out.push((depth, e));
                walk(&e.children, depth + 1, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.entries, 0, &mut out);
        out
    }
}

/// Which municipality.
#[derive(Debug, Serialize)]
pub struct MunicipalityRef {
    /// Folder name.
    pub slug: String,
    /// 上田市.
    pub name: String,
    /// 全国地方公共団体コード.
    pub code: String,
}

/// Which series.
#[derive(Debug, Serialize)]
pub struct SeriesRef {
    /// `municipality/series`, as `kohyo diff` takes it.
    pub path: String,
    /// Title.
    pub title: String,
}

/// One side of the comparison.
#[derive(Debug, Serialize)]
pub struct EditionRef {
    /// `municipality/series/slug`, the edition's `id` in the rest of the open data.
    pub id: String,
    /// File name without `.toml`.
    pub slug: String,
    /// Title as published.
    pub title: String,
    /// 平成30年度（2018年度）, or the version label.
    pub when: String,
    /// Fiscal year (西暦), if the edition has one.
    pub fiscal_year: Option<i32>,
    /// `plan`, `interim` or `result`, as the editions table gives it.
    pub stage: &'static str,
    /// 当初 / 中間報告 / 達成状況.
    pub stage_label: &'static str,
    /// Department responsible.
    pub department: Option<String>,
    /// Path of the edition page from the site root, e.g. `ueda/shimin-machizukuri/2018/`.
    pub path: String,
    /// Address of the official document, when the content names it.
    pub source_url: Option<String>,
}

/// A fact of the edition itself that changed.
#[derive(Debug, Serialize)]
pub struct EditionChange {
    /// `title`, `department`, `stage`, `status` or `document`.
    pub key: &'static str,
    /// 表題, 担当部局, ….
    pub label: &'static str,
    /// The earlier value.
    pub old: Option<String>,
    /// The later value.
    pub new: Option<String>,
}

/// What happened to a node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Only in the new edition.
    Added,
    /// Only in the old edition.
    Removed,
    /// Under another parent in the new edition (its text may have changed too).
    Moved,
    /// Same place, different title or text.
    Reworded,
    /// Same place, same title and text.
    Unchanged,
}

impl Status {
    /// The English name in the data and the terminal (`added`, …), as serialised.
    pub fn name(self) -> &'static str {
        match self {
            Status::Added => "added",
            Status::Removed => "removed",
            Status::Moved => "moved",
            Status::Reworded => "reworded",
            Status::Unchanged => "unchanged",
        }
    }

    /// The Japanese word shown on pages.
    pub fn label(self) -> &'static str {
        match self {
            Status::Added => "追加",
            Status::Removed => "削除",
            Status::Moved => "移動",
            Status::Reworded => "変更",
            Status::Unchanged => "変更なし",
        }
    }
}

/// How many nodes ended in each status.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Counts {
    /// Only in the new edition.
    pub added: usize,
    /// Only in the old edition.
    pub removed: usize,
    /// Same place, changed text.
    pub reworded: usize,
    /// Under another parent.
    pub moved: usize,
    /// Same place and text.
    pub unchanged: usize,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Added => self.added += 1,
            Status::Removed => self.removed += 1,
            Status::Moved => self.moved += 1,
            Status::Reworded => self.reworded += 1,
            Status::Unchanged => self.unchanged += 1,
        }
    }
}

/// Counts for the whole edition and per level.
#[derive(Debug, Serialize)]
pub struct Summary {
    /// Every node.
    pub total: Counts,
    /// One row per level (重点目標, 重点取組項目, 施策評価指標, …), outermost first.
    pub levels: Vec<LevelCounts>,
}

/// Counts of one level.
#[derive(Debug, Serialize)]
pub struct LevelCounts {
    /// Kind of the nodes.
    pub kind: Kind,
    /// Level name.
    pub level: String,
    /// The counts.
    pub counts: Counts,
}

/// A node of either edition, or a pair of them, with what changed.
#[derive(Debug, Serialize)]
pub struct Entry {
    /// Stable key: the new anchor (the `id` where the content has one), else the old.
    pub key: String,
    /// What it is.
    pub kind: Kind,
    /// Level name.
    pub level: String,
    /// Nesting depth among nodes of its kind.
    #[serde(skip)]
    pub depth: usize,
    /// What happened.
    pub status: Status,
    /// The old edition's node.
    pub old: Option<Side>,
    /// The new edition's node.
    pub new: Option<Side>,
    /// Title and fields present in both editions whose text changed, as token diffs.
    pub changes: Vec<FieldChange>,
    /// Numbers that changed, with their units.
    pub numbers: Vec<NumberChange>,
    /// Nodes inside, in the new edition's order with removed ones where they were.
    pub children: Vec<Entry>,
}

/// One edition's node as that edition prints it.
#[derive(Debug, Serialize)]
pub struct Side {
    /// `municipality/series/edition#anchor`, the record's `id` in the rest of the open data.
    pub record_id: String,
    /// The `id` in the content.
    pub id: Option<String>,
    /// Anchor on the edition page.
    pub anchor: String,
    /// Number as printed.
    pub number: Option<String>,
    /// Title as printed.
    pub title: Option<String>,
    /// Heading of the enclosing node, if any.
    pub parent: Option<String>,
    /// Anchor of the enclosing node, if any.
    pub parent_anchor: Option<String>,
    /// Every field with its lines.
    pub fields: Vec<Field>,
}

/// A title or field that both editions have and that changed.
#[derive(Debug, Serialize)]
pub struct FieldChange {
    /// `title` or the field's key.
    pub key: &'static str,
    /// Heading in the new edition.
    pub label: String,
    /// Token diff of the lines joined by `\n`.
    pub diff: Vec<Change>,
}

/// Comparisons grouped by series path (`municipality/series`), each group oldest first.
pub fn by_series(comparisons: &[Comparison]) -> HashMap<&str, Vec<&Comparison>> {
    let mut groups: HashMap<&str, Vec<&Comparison>> = HashMap::new();
    for c in comparisons {
        groups.entry(c.series.path.as_str()).or_default().push(c);
    }
    groups
}

/// Comparisons of an earlier build, kept by a hash of everything they were made from (the
/// four source files, the licence and the dictionary): the preview compares again only the
/// pairs whose sources changed.
#[derive(Default)]
pub struct CompareMemo {
    kept: HashMap<u64, Comparison>,
    compared: usize,
}

impl CompareMemo {
    /// Keep the comparisons of a build (in the order [`compare_site`] returned them).
    pub fn keep(&mut self, site: &Site, comparisons: Vec<Comparison>) {
        self.kept = pair_keys(site).into_iter().zip(comparisons).collect();
    }

    /// How many pairs the last build had to compare.
    pub fn compared(&self) -> usize {
        self.compared
    }
}

/// A key per pair of consecutive editions, in site order.
fn pair_keys(site: &Site) -> Vec<u64> {
    use std::hash::{Hash, Hasher};
    let shared = crate::load::text_hash(&format!(
        "{:?}\n{:?}",
        site.config.license, site.user_dictionary
    ));
    let mut keys = Vec::new();
    for m in &site.municipalities {
        for s in &m.series {
            for pair in s.editions.windows(2) {
                let mut hasher = rustc_hash::FxHasher::default();
                (shared, &m.slug, m.source_hash, &s.slug, s.source_hash).hash(&mut hasher);
                for e in pair {
                    (&e.slug, e.source_hash).hash(&mut hasher);
                }
                keys.push(hasher.finish());
            }
        }
    }
    keys
}

/// Compare every pair of consecutive editions of every series; with a memo, pairs whose
/// sources are unchanged are taken from it instead.
pub fn compare_site(
    site: &Site,
    tokenizer: &Tokenizer,
    mut memo: Option<&mut CompareMemo>,
) -> Result<Vec<Comparison>, DiffError> {
    let mut taken = match memo.as_deref_mut() {
        Some(m) => pair_keys(site).iter().map(|k| m.kept.remove(k)).collect(),
        None => Vec::new(),
    }
    .into_iter();
    let series: Vec<_> = site
        .municipalities
        .iter()
        .flat_map(|m| m.series.iter().map(move |s| (m, s)))
        .map(|(m, s)| {
            let pairs = s.editions.len().saturating_sub(1);
            let done: Vec<Option<Comparison>> =
                (0..pairs).map(|_| taken.next().flatten()).collect();
            (m, s, done)
        })
        .collect();
    // Series are independent: compared in parallel, collected in site order.
    let per_series = series
        .into_par_iter()
        .map(|(m, s, done)| compare_pairs(site, tokenizer, m, s, done))
        .collect::<Result<Vec<(Vec<Comparison>, usize)>, DiffError>>()?;
    if let Some(m) = memo {
        m.kept.clear();
        m.compared = per_series.iter().map(|(_, n)| n).sum();
    }
    Ok(per_series.into_iter().flat_map(|(c, _)| c).collect())
}

/// The municipality and series `municipality/series` names, else what the site has.
fn series_named<'s>(
    site: &'s Site,
    series: &str,
) -> Result<(&'s Municipality, &'s Series), DiffError> {
    site.series(series).ok_or_else(|| DiffError::UnknownSeries {
        series: series.to_string(),
        known: site.series_paths().join(", "),
    })
}

/// Compare every pair of consecutive editions of one series (`municipality/series`), as
/// [`compare_site`] does; the preview's quick rebuild uses it for the series just saved.
pub fn compare_series(
    site: &Site,
    tokenizer: &Tokenizer,
    series: &str,
) -> Result<Vec<Comparison>, DiffError> {
    let (m, s) = series_named(site, series)?;
    let done = (1..s.editions.len()).map(|_| None).collect();
    Ok(compare_pairs(site, tokenizer, m, s, done)?.0)
}

/// The pairs of a series, those in `done` taken as they are; also returns how many pairs had
/// to be compared.
fn compare_pairs(
    site: &Site,
    tokenizer: &Tokenizer,
    m: &Municipality,
    s: &Series,
    done: Vec<Option<Comparison>>,
) -> Result<(Vec<Comparison>, usize), DiffError> {
    if done.iter().all(Option::is_some) {
        return Ok((done.into_iter().flatten().collect(), 0));
    }
    // Each edition is flattened and tokenised once, for both pairs it belongs to.
    let prepared = s
        .editions
        .iter()
        .map(|e| Prepared::new(tokenizer, s, e))
        .collect::<Result<Vec<_>, _>>()?;
    let mut compared = 0;
    let comparisons = prepared
        .windows(2)
        .zip(done)
        .map(|(pair, done)| match done {
            Some(c) => Ok(c),
            None => {
                compared += 1;
                let mut c = compare_prepared(tokenizer, m, s, &pair[0], &pair[1])?;
                c.license = site.config.license.clone();
                Ok(c)
            }
        })
        .collect::<Result<Vec<_>, DiffError>>()?;
    Ok((comparisons, compared))
}

/// Compare two editions named as `kohyo diff` takes them: `municipality/series`, and the
/// editions' file names without `.toml`.
pub fn compare_named(
    site: &Site,
    tokenizer: &Tokenizer,
    series: &str,
    from: &str,
    to: &str,
) -> Result<Comparison, DiffError> {
    let (m, s) = series_named(site, series)?;
    // An edition by its file name, or by its fiscal year written any way staff write it
    // (2018, 平成30年度, H30) when that year has one edition.
    let edition = |name: &str| {
        if let Some(e) = s.editions.iter().find(|e| e.slug == name) {
            return Ok(e);
        }
        let by_year: Vec<&Edition> = crate::wareki::parse_fiscal_year(name)
            .map(|year| {
                s.editions
                    .iter()
                    .filter(|e| e.fiscal_year.as_ref().map(|y| y.get_ref().0) == Some(year))
                    .collect()
            })
            .unwrap_or_default();
        let slugs = |editions: &mut dyn Iterator<Item = &Edition>| {
            editions
                .map(|e| e.slug.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match by_year.as_slice() {
            [one] => Ok(*one),
            [] => Err(DiffError::UnknownEdition {
                series: series.to_string(),
                name: name.to_string(),
                known: slugs(&mut s.editions.iter()),
            }),
            several => Err(DiffError::SeveralEditions {
                series: series.to_string(),
                name: name.to_string(),
                count: several.len(),
                names: slugs(&mut several.iter().copied()),
            }),
        }
    };
    let mut c = compare(tokenizer, m, s, edition(from)?, edition(to)?)?;
    c.license = site.config.license.clone();
    Ok(c)
}

/// Compare two editions of a series (under the default licence; the site's callers set theirs).
pub fn compare(
    tokenizer: &Tokenizer,
    m: &Municipality,
    s: &Series,
    old: &Edition,
    new: &Edition,
) -> Result<Comparison, DiffError> {
    let old = Prepared::new(tokenizer, s, old)?;
    let new = Prepared::new(tokenizer, s, new)?;
    compare_prepared(tokenizer, m, s, &old, &new)
}

/// An edition flattened and its words counted, ready to compare with its neighbours.
struct Prepared<'a> {
    edition: &'a Edition,
    tree: Tree,
    words: align::Words,
}

impl<'a> Prepared<'a> {
    fn new(tokenizer: &Tokenizer, s: &Series, edition: &'a Edition) -> Result<Self, DiffError> {
        let tree = tree::tree(s, edition);
        let words = align::Words::of(&tree, tokenizer)?;
        Ok(Prepared {
            edition,
            tree,
            words,
        })
    }
}

fn compare_prepared(
    tokenizer: &Tokenizer,
    m: &Municipality,
    s: &Series,
    old: &Prepared,
    new: &Prepared,
) -> Result<Comparison, DiffError> {
    let (old_tree, new_tree) = (&old.tree, &new.tree);
    let alignment = align::align(old_tree, new_tree, &old.words, &new.words);
    let (old, new) = (old.edition, new.edition);
    let merger = Merger {
        tokenizer,
        old: old_tree,
        new: new_tree,
        a: &alignment,
    };
    let mut entries = merger.children(&old_tree.roots, &new_tree.roots)?;
    let edition_id = |e: &Edition| format!("{}/{}/{}", m.slug, s.slug, e.slug);
    name_records(&mut entries, &edition_id(old), &edition_id(new));
    let mut levels: BTreeMap<(Kind, usize, String), Counts> = BTreeMap::new();
    let mut total = Counts::default();
    count(&entries, &mut levels, &mut total);
    let department = |e: &Edition| e.department.clone().or_else(|| s.department.clone());
    let edition_ref = |e: &Edition| EditionRef {
        id: format!("{}/{}/{}", m.slug, s.slug, e.slug),
        slug: e.slug.clone(),
        title: e.title.clone(),
        when: edition_when(e).0,
        fiscal_year: edition_year(e),
        stage: stage_key(e.stage),
        stage_label: e.stage.label(),
        department: department(e),
        path: format!("{}/{}/{}/", m.slug, s.slug, e.slug),
        source_url: e.source_url.clone(),
    };
    let mut edition_changes = Vec::new();
    for (key, label, a, b) in [
        (
            "title",
            "表題",
            Some(old.title.clone()),
            Some(new.title.clone()),
        ),
        ("department", "担当部局", department(old), department(new)),
        (
            "stage",
            "段階",
            Some(old.stage.label().to_string()),
            Some(new.stage.label().to_string()),
        ),
        (
            "status",
            "案・確定",
            Some(status_label(old)),
            Some(status_label(new)),
        ),
        (
            "document",
            "資料名",
            old.document.clone(),
            new.document.clone(),
        ),
    ] {
        if a != b {
            edition_changes.push(EditionChange {
                key,
                label,
                old: a,
                new: b,
            });
        }
    }
    Ok(Comparison {
        format: FORMAT,
        id: format!("{}/{}/{}-{}", m.slug, s.slug, old.slug, new.slug),
        license: License::default(),
        municipality: MunicipalityRef {
            slug: m.slug.clone(),
            name: m.name.clone(),
            code: m.code.get_ref().clone(),
        },
        series: SeriesRef {
            path: format!("{}/{}", m.slug, s.slug),
            title: s.title.clone(),
        },
        old: edition_ref(old),
        new: edition_ref(new),
        edition_changes,
        summary: Summary {
            total,
            levels: levels
                .into_iter()
                .map(|((kind, _, level), counts)| LevelCounts {
                    kind,
                    level,
                    counts,
                })
                .collect(),
        },
        entries,
    })
}

/// Give each side of every entry its record id: the edition's id and the anchor.
fn name_records(entries: &mut [Entry], old: &str, new: &str) {
    for e in entries {
        if let Some(side) = &mut e.old {
            side.record_id = format!("{old}#{}", side.anchor);
        }
        if let Some(side) = &mut e.new {
            side.record_id = format!("{new}#{}", side.anchor);
        }
        name_records(&mut e.children, old, new);
    }
}

fn status_label(e: &Edition) -> String {
    match e.status {
        crate::model::Status::Final => "確定".to_string(),
        crate::model::Status::Draft => "案".to_string(),
    }
}

fn count(
    entries: &[Entry],
    levels: &mut BTreeMap<(Kind, usize, String), Counts>,
    total: &mut Counts,
) {
    for e in entries {
        levels
            .entry((e.kind, e.depth, e.level.clone()))
            .or_default()
            .add(e.status);
        total.add(e.status);
        count(&e.children, levels, total);
    }
}

/// Builds the aligned tree of entries.
struct Merger<'a> {
    tokenizer: &'a Tokenizer,
    old: &'a Tree,
    new: &'a Tree,
    a: &'a Alignment,
}

impl Merger<'_> {
    /// Entries under a pair of parents: the new children in order, with the removed old
    /// children placed after the sibling they followed.
    fn children(
        &self,
        old_children: &[usize],
        new_children: &[usize],
    ) -> Result<Vec<Entry>, DiffError> {
        // Where each paired old child landed among the new children.
        let slot: HashMap<usize, usize> = new_children
            .iter()
            .enumerate()
            .filter_map(|(j, &n)| self.a.new_to_old[n].map(|o| (o, j)))
            .collect();
        // removed[j]: removed children shown after the j-th new child (0: before the first).
        let mut removed: Vec<Vec<Entry>> = (0..=new_children.len()).map(|_| Vec::new()).collect();
        let mut after = 0;
        for &o in old_children {
            match (self.a.old_to_new[o], slot.get(&o)) {
                (Some(_), Some(&j)) => after = after.max(j + 1),
                (Some(_), None) => {}
                (None, _) => removed[after].push(self.entry(&self.old.nodes[o], Some(o), None)?),
            }
        }
        let mut list = Vec::with_capacity(new_children.len() + removed.len());
        let mut removed = removed.into_iter();
        list.extend(removed.next().unwrap_or_default());
        for (&n, gone) in new_children.iter().zip(removed) {
            list.push(self.entry(&self.new.nodes[n], self.a.new_to_old[n], Some(n))?);
            list.extend(gone);
        }
        Ok(list)
    }

    /// The entry of `node`: the new edition's node where it has one, else the old one's.
    fn entry(&self, node: &Node, o: Option<usize>, n: Option<usize>) -> Result<Entry, DiffError> {
        let old = o.map(|i| &self.old.nodes[i]);
        let new = n.map(|i| &self.new.nodes[i]);
        let mut changes = Vec::new();
        let mut numbers = Vec::new();
        if let (Some(a), Some(b)) = (old, new) {
            let title_label = if b.kind == Kind::Indicator {
                "指標名"
            } else {
                "タイトル"
            };
            let mut pairs = vec![(
                "title",
                title_label.to_string(),
                a.title.clone().unwrap_or_default(),
                b.title.clone().unwrap_or_default(),
            )];
            for fb in &b.fields {
                if let Some(fa) = a.field(fb.key) {
                    pairs.push((
                        fb.key,
                        fb.label.clone(),
                        fa.lines.join("\n"),
                        fb.lines.join("\n"),
                    ));
                }
            }
            for (key, label, ta, tb) in pairs {
                if ta == tb {
                    continue;
                }
                let (tok_a, tok_b) = (self.tokenizer.tokens(&ta)?, self.tokenizer.tokens(&tb)?);
                let diff = text::diff_tokens(&tok_a, &tok_b);
                numbers.extend(numbers::number_changes(&tok_a, &tok_b, &diff));
                changes.push(FieldChange { key, label, diff });
            }
        }
        let status = match (o, n) {
            (None, _) => Status::Added,
            (_, None) => Status::Removed,
            (Some(o), Some(n)) if self.moved(o, n) => Status::Moved,
            _ if !changes.is_empty() => Status::Reworded,
            _ => Status::Unchanged,
        };
        // A removed node keeps its removed descendants; moved ones show where they went.
        let children = self.children(
            old.map_or(&[][..], |a| &a.children),
            new.map_or(&[][..], |b| &b.children),
        )?;
        Ok(Entry {
            key: node.anchor.clone(),
            kind: node.kind,
            level: node.level.clone(),
            depth: node.depth,
            status,
            old: old.map(|x| self.side(self.old, x)),
            new: new.map(|x| self.side(self.new, x)),
            changes,
            numbers,
            children,
        })
    }

    /// Whether a pair sits under parents that are not each other's partners.
    fn moved(&self, o: usize, n: usize) -> bool {
        let old_parent = self.old.nodes[o].parent;
        let new_parent = self.new.nodes[n].parent;
        match old_parent {
            None => new_parent.is_some(),
            Some(p) => self.a.old_to_new[p] != new_parent || new_parent.is_none(),
        }
    }

    fn side(&self, tree: &Tree, node: &Node) -> Side {
        let parent = node.parent.map(|p| &tree.nodes[p]);
        Side {
            record_id: String::new(),
            id: node.id.clone(),
            anchor: node.anchor.clone(),
            number: node.number.clone(),
            title: node.title.clone(),
            parent: parent.map(Node::heading),
            parent_anchor: parent.map(|p| p.anchor.clone()),
            fields: node.fields.clone(),
        }
    }
}
