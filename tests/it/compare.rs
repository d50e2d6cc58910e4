//! Compare pages between consecutive editions, checked on the sample site as published (with
//! ids) and on a copy with every `id` removed, where alignment rests on similarity alone.

use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use kohyo::diff::text::{Change, sides};
use kohyo::text::Tokenizer;
use proptest::prelude::*;
use serde_json::Value;

use crate::common::{
    build_into, built_sample, copy_site, kohyo, sample_root, stderr, visible_text,
};

/// The sample site built from a copy whose content has no `id` at all.
fn built_without_ids() -> &'static Path {
    static BUILT: OnceLock<tempfile::TempDir> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let site = copy_site(&sample_root());
            for entry in walkdir::WalkDir::new(site.path().join("content")) {
                let entry = entry.unwrap();
                if entry.path().extension().is_some_and(|x| x == "toml") {
                    let text = fs::read_to_string(entry.path()).unwrap();
                    let kept: Vec<&str> = text
                        .lines()
                        .filter(|l| !l.trim_start().starts_with("id = "))
                        .collect();
                    fs::write(entry.path(), kept.join("\n")).unwrap();
                }
            }
            build_into(site.path(), &site.path().join("public"));
            site
        })
        .path()
        .join("public")
        .leak()
}

/// Both builds, named for assertion messages.
fn variants() -> [(&'static str, &'static Path); 2] {
    [
        ("with ids", built_sample()),
        ("without ids", built_without_ids()),
    ]
}

fn changes(public: &Path, compare: &str) -> Value {
    let file = public.join(compare).join("changes.json");
    serde_json::from_str(&fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}")))
        .unwrap()
}

/// Every entry of a comparison, depth first.
fn entries(doc: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for e in list.as_array().unwrap() {
            out.push(e);
            walk(&e["children"], out);
        }
    }
    let mut out = Vec::new();
    walk(&doc["entries"], &mut out);
    out
}

fn title(e: &Value, side: &str) -> String {
    e[side]["title"].as_str().unwrap_or("").to_string()
}

/// The one entry whose old or new title satisfies `pred`.
fn entry<'a>(doc: &'a Value, what: &str, pred: impl Fn(&str) -> bool) -> &'a Value {
    let found: Vec<&Value> = entries(doc)
        .into_iter()
        .filter(|e| pred(&title(e, "old")) || pred(&title(e, "new")))
        .collect();
    assert_eq!(found.len(), 1, "{what}: {found:#?}");
    found[0]
}

fn status(e: &Value) -> &str {
    e["status"].as_str().unwrap()
}

/// Texts of the title diff's runs of one kind (`insert` or `delete`).
fn title_runs(e: &Value, op: &str) -> Vec<String> {
    e["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["key"] == "title")
        .flat_map(|c| c["diff"].as_array().unwrap())
        .filter(|run| run["op"] == op)
        .map(|run| run["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shimin_machizukuri_h29_to_h30() {
    for (variant, public) in variants() {
        let doc = changes(public, "ueda/shimin-machizukuri/compare/2017-2018");
        let goal1 = entry(&doc, variant, |t| t.starts_with("地域内分権"));
        assert_eq!(status(goal1), "reworded", "{variant}");
        assert_eq!(title_runs(goal1, "insert"), ["の", "主体"], "{variant}");
        assert!(title_runs(goal1, "delete").is_empty(), "{variant}");

        let goal3 = entry(&doc, variant, |t| t == "住民自治に向けた取組への支援");
        assert_eq!(
            status(goal3),
            "reworded",
            "{variant}: one goal, not removed + added"
        );
        assert_eq!(
            title(goal3, "new"),
            "地域の特性・特色を活かした取組や活動への支援",
            "{variant}"
        );

        let leader = entry(&doc, variant, |t| t == "地域リーダーの育成");
        assert_eq!(status(leader), "added", "{variant}");
        assert_eq!(leader["new"]["number"], "②", "{variant}");
        assert!(
            leader["new"]["parent"]
                .as_str()
                .unwrap()
                .contains("参加と協働によるまちづくりの推進"),
            "{variant}: under goal 2"
        );
    }
}

#[test]
fn seisaku_kikaku_r4_to_r5() {
    for (variant, public) in variants() {
        let doc = changes(public, "ueda/seisaku-kikaku/compare/2022-2023");
        for removed in ["日本遺産", "サントミューゼ"] {
            let e = entry(&doc, variant, |t| t.starts_with(removed));
            assert_eq!(status(e), "removed", "{variant}: {removed}");
        }
        let smart = entry(&doc, variant, |t| t.starts_with("スマートシティ推進計画"));
        assert_eq!(status(smart), "added", "{variant}");

        let info = entry(&doc, variant, |t| {
            t.starts_with("選ばれる都市を目指した情報発信")
        });
        assert_eq!(info["old"]["number"], "5", "{variant}");
        assert_eq!(info["new"]["number"], "4", "{variant}");
        assert!(title(info, "new").contains("情報発信"), "{variant}");

        let open = entry(&doc, variant, |t| t == "オープンデータ化の促進");
        assert_eq!(status(open), "moved", "{variant}");
        assert!(
            open["old"]["parent"]
                .as_str()
                .unwrap()
                .starts_with("重点目標 5"),
            "{variant}"
        );
        assert!(
            open["new"]["parent"]
                .as_str()
                .unwrap()
                .starts_with("重点目標 1"),
            "{variant}"
        );
    }
}

#[test]
fn kawanishi_nov13_to_nov30() {
    for (variant, public) in variants() {
        let doc = changes(public, "kawanishi/sankaku-kyodo/compare/nov13-nov30");
        let nine = entry(&doc, variant, |t| t.starts_with("自治会への加入促進"));
        assert_eq!(nine["new"]["number"], "⑨", "{variant}");
        assert_eq!(
            title_runs(nine, "insert"),
            ["、役員の役割の効率化の事例の紹介"],
            "{variant}"
        );
        assert!(title_runs(nine, "delete").is_empty(), "{variant}");

        let indicator = entry(&doc, variant, |t| t == "地域分権制度適用地域の主要な団体数");
        assert_eq!(status(indicator), "added", "{variant}");
        assert_eq!(indicator["kind"], "indicator", "{variant}");
        assert_eq!(indicator["new"]["number"], "②", "{variant}");

        for (old, new) in [
            (
                "活動支援の仕組みづくり",
                "新たな活動スタイルの構築と事業の自立に向けての支援",
            ),
            ("活動環境の整備", "市民公益活動の環境整備"),
        ] {
            let e = entry(&doc, variant, |t| t == old);
            assert_eq!(status(e), "reworded", "{variant}: {old}");
            assert_eq!(e["level"], "基本施策", "{variant}");
            assert_eq!(title(e, "new"), new, "{variant}");
        }
        let total = &doc["summary"]["total"];
        assert_eq!(total["added"], 1, "{variant}");
        assert_eq!(total["removed"], 0, "{variant}");
    }
}

#[test]
fn the_department_rename_is_shown() {
    for (variant, public) in variants() {
        let doc = changes(public, "ueda/shimin-machizukuri/compare/2018-2025");
        let department = doc["edition_changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == "department")
            .unwrap_or_else(|| panic!("{variant}: no department change"));
        assert_eq!(department["old"], "市民参加協働部・上田地域自治C");
        assert_eq!(department["new"], "市民まちづくり推進部・上田地域自治C");
        let html =
            fs::read_to_string(public.join("ueda/shimin-machizukuri/compare/2018-2025/index.html"))
                .unwrap();
        assert!(
            visible_text(&html).contains(
                "担当部局 市民参加協働部・上田地域自治C → 市民まちづくり推進部・上田地域自治C"
            ),
            "{variant}"
        );
    }
}

#[test]
fn compare_page_marks_changes_in_words_and_shows_each_editions_columns() {
    let html = fs::read_to_string(
        built_sample().join("ueda/shimin-machizukuri/compare/2017-2018/index.html"),
    )
    .unwrap();
    let ins = |word: &str| {
        format!(
            "<ins><span class=\"visually-hidden\">［追加］</span>{word}<span class=\"visually-hidden\">［追加ここまで］</span></ins>"
        )
    };
    let goal1 = html
        .find("id=\"c1\"")
        .and_then(|start| {
            html[start..]
                .find("<section")
                .map(|end| &html[start..start + end])
        })
        .unwrap();
    assert!(
        goal1.contains(&format!("地域内分権{}確立", ins("の"))),
        "{goal1}"
    );
    assert!(
        goal1.contains(&format!("地域{}の自治", ins("主体"))),
        "{goal1}"
    );
    assert!(html.contains("<span class=\"visually-hidden\">［削除］</span>"));
    // Summary counts are read from the JSON and shown in the table's total row.
    let doc = changes(built_sample(), "ueda/shimin-machizukuri/compare/2017-2018");
    let t = &doc["summary"]["total"];
    let row = format!(
        "合計 {} {} {} {} {}",
        t["added"], t["removed"], t["reworded"], t["moved"], t["unchanged"]
    );
    assert!(visible_text(&html).contains(&row), "{row}");
    // Last year's 達成状況 beside this year's 期限・数値目標等, for the same item.
    let yosan = html
        .find("重点取組項目 ③ 地域予算の確立</h4>")
        .map(|i| &html[i..])
        .and_then(|rest| rest.find("</section>").map(|end| &rest[..end]))
        .unwrap();
    let old_side = yosan.find("cmp-old").unwrap();
    let new_side = yosan.find("cmp-new").unwrap();
    let results = yosan.find("達成状況・達成度").unwrap();
    let targets = yosan.find("期限・数値目標等").unwrap();
    assert!(old_side < results && results < new_side && new_side < targets);
    // Renumbered items say so, and changed numbers are listed with their units.
    let text = visible_text(&html);
    assert!(
        text.contains("番号：② → ③"),
        "市から依頼する委員 moved from ② to ③"
    );
    let r7 = visible_text(
        &fs::read_to_string(
            built_sample().join("ueda/shimin-machizukuri/compare/2018-2025/index.html"),
        )
        .unwrap(),
    );
    assert!(r7.contains("数値：4回 → 2回"), "理事会4回 → 2回");
}

#[test]
fn compare_pages_are_linked_from_series_and_edition_pages() {
    let public = built_sample();
    let read = |p: &str| fs::read_to_string(public.join(p)).unwrap();
    let series = read("ueda/shimin-machizukuri/index.html");
    for href in [
        "/ueda/shimin-machizukuri/compare/2017-2018/",
        "/ueda/shimin-machizukuri/compare/2018-2025/",
    ] {
        assert!(series.contains(&format!("href=\"{href}\"")), "{href}");
    }
    let h30 = read("ueda/shimin-machizukuri/2018/index.html");
    assert!(
        h30.contains("<a href=\"/ueda/shimin-machizukuri/compare/2017-2018/\">前年度との比較</a>")
    );
    // 平成30年度 → 令和7年度 are not consecutive years: the next edition, not the next year.
    assert!(
        h30.contains("<a href=\"/ueda/shimin-machizukuri/compare/2018-2025/\">次の版との比較</a>")
    );
    let r4 = read("ueda/seisaku-kikaku/2022/index.html");
    assert!(r4.contains("<a href=\"/ueda/seisaku-kikaku/compare/2022-2023/\">次年度との比較</a>"));
    let nov30 = read("kawanishi/sankaku-kyodo/nov30/index.html");
    assert!(
        nov30.contains(
            "<a href=\"/kawanishi/sankaku-kyodo/compare/nov13-nov30/\">前の版との比較</a>"
        )
    );
    let ichinoseki = read("ichinoseki/kyodo-suishin/dai3ji/index.html");
    assert!(
        !ichinoseki.contains("との比較"),
        "a single edition has nothing to compare"
    );
}

#[test]
fn changed_items_as_csv_for_spreadsheets() {
    let public = built_sample();
    let dir = "ueda/seisaku-kikaku/compare/2022-2023";
    let bytes = fs::read(public.join(dir).join("changes.csv")).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let body = text.strip_prefix('\u{feff}').expect("UTF-8 with BOM");
    assert!(body.ends_with("\r\n"));
    assert!(
        !body.replace("\r\n", "").contains('\n'),
        "CRLF line ends only"
    );
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let doc = changes(public, dir);
    let changed: Vec<&Value> = entries(&doc)
        .into_iter()
        .filter(|e| status(e) != "unchanged")
        .collect();
    assert_eq!(rows.len(), changed.len());
    for (row, e) in rows.iter().zip(&changed) {
        assert_eq!(&row[col("compare_id")], "ueda/seisaku-kikaku/2022-2023");
        assert_eq!(&row[col("change")], status(e));
        let anchor = e["new"]["anchor"].as_str().or(e["old"]["anchor"].as_str());
        let record = if e["new"].is_null() {
            &row[col("old_record_id")]
        } else {
            &row[col("new_record_id")]
        };
        assert!(record.ends_with(&format!("#{}", anchor.unwrap())));
    }
    let open = rows
        .iter()
        .find(|r| &r[col("new_title")] == "オープンデータ化の促進")
        .unwrap();
    assert_eq!(&open[col("change")], "moved");
    assert!(
        open[col("old_parent")].starts_with("重点目標 5")
            && open[col("new_parent")].starts_with("重点目標 1")
    );
}

#[test]
fn diff_command_prints_word_changes_for_staff() {
    let root = sample_root();
    let root = root.to_str().unwrap();
    let out = kohyo(&[
        "diff",
        "ueda/shimin-machizukuri",
        "2017",
        "2018",
        "--root",
        root,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("重点目標 1 地域内分権{+の+}確立に向けた地域{+主体+}の自治の推進"),
        "{text}"
    );
    assert!(
        text.contains("+ added     重点取組項目 ② 地域リーダーの育成"),
        "{text}"
    );
    assert!(!text.contains('\x1b'), "NO_COLOR: no escape codes");
    // Editions named by their fiscal year, as staff write it, compare the same.
    let by_year = kohyo(&[
        "diff",
        "ueda/shimin-machizukuri",
        "H29",
        "平成30年度",
        "--root",
        root,
    ]);
    assert!(by_year.status.success(), "{}", stderr(&by_year));
    assert_eq!(String::from_utf8(by_year.stdout).unwrap(), text);
    let none = kohyo(&[
        "diff",
        "ueda/shimin-machizukuri",
        "R1",
        "2018",
        "--root",
        root,
    ]);
    assert_eq!(none.status.code(), Some(1));
    assert!(
        stderr(&none).contains("expected one of 2017, 2018, 2025"),
        "{}",
        stderr(&none)
    );

    let json = kohyo(&[
        "diff",
        "kawanishi/sankaku-kyodo",
        "nov13",
        "nov30",
        "--json",
        "--root",
        root,
    ]);
    let printed: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        printed,
        changes(
            built_sample(),
            "kawanishi/sankaku-kyodo/compare/nov13-nov30"
        ),
        "the terminal and the site publish the same comparison"
    );

    let wrong = kohyo(&["diff", "ueda/nothing", "2017", "2018", "--root", root]);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("no series `ueda/nothing`: expected one of ichinoseki/kyodo-suishin, kawanishi/sankaku-kyodo, ueda/seisaku-kikaku, ueda/shimin-machizukuri"));
    let wrong = kohyo(&[
        "diff",
        "ueda/shimin-machizukuri",
        "2017",
        "2019",
        "--root",
        root,
    ]);
    assert!(stderr(&wrong).contains("has no edition `2019`: expected one of 2017, 2018, 2025"));
}

fn tokenizer() -> &'static Tokenizer {
    static T: OnceLock<Tokenizer> = OnceLock::new();
    T.get_or_init(|| {
        let site = kohyo::load::load(&sample_root()).unwrap();
        Tokenizer::new(site.user_dictionary.as_deref()).unwrap()
    })
}

/// Random text edits: (position, characters removed, words inserted).
fn edits() -> impl Strategy<Value = Vec<(usize, usize, String)>> {
    let words = prop::sample::select(vec![
        "地域",
        "の",
        "主体",
        "、",
        "協働",
        "推進",
        "3回",
        "を",
        "支援",
        "（",
        "）",
        "まちづくり",
    ]);
    let edit = (
        any::<usize>(),
        0usize..5,
        prop::collection::vec(words, 0..3),
    )
        .prop_map(|(at, len, w)| (at, len, w.concat()));
    prop::collection::vec(edit, 1..4)
}

fn apply(text: &str, edits: &[(usize, usize, String)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, len, insert) in edits {
        let at = at % (chars.len() + 1);
        let end = (at + len).min(chars.len());
        chars.splice(at..end, insert.chars());
    }
    chars.into_iter().collect()
}

/// Byte offsets where tokens of `text` start or end.
fn boundaries(text: &str) -> Vec<usize> {
    let mut at = 0;
    let mut out = vec![0];
    for t in tokenizer().tokens(text).unwrap() {
        at += t.len();
        out.push(at);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Edit item titles and actions of the 平成30年度 edition at random, compare it with the
    /// original: every reported diff rebuilds both texts and cuts only between tokens.
    #[test]
    fn reported_diffs_rebuild_both_editions(
        title_edits in prop::collection::vec(edits(), 4),
        action_edits in prop::collection::vec(edits(), 4),
        picks in prop::collection::vec(0usize..25, 4),
    ) {
        let original = kohyo::load::load(&sample_root()).unwrap();
        let mut edited = kohyo::load::load(&sample_root()).unwrap();
        let ueda = original.municipalities.iter().position(|m| m.slug == "ueda").unwrap();
        let s_index = original.municipalities[ueda].series.iter().position(|s| s.slug == "shimin-machizukuri").unwrap();
        {
            let edition = &mut edited.municipalities[ueda].series[s_index].editions[1];
            let mut items: Vec<&mut kohyo::model::Item> = Vec::new();
            for goal in edition.items.iter_mut() {
                let goal = goal.get_mut();
                for child in goal.items.iter_mut() {
                    items.push(child.get_mut());
                }
            }
            for (k, &pick) in picks.iter().enumerate() {
                let len = items.len();
                let item = &mut items[pick % len];
                if let Some(title) = item.title.as_mut() {
                    *title = apply(title, &title_edits[k]);
                }
                if let Some(action) = item.actions.first_mut() {
                    *action = apply(action, &action_edits[k]);
                }
            }
        }
        let m = &original.municipalities[ueda];
        let s = &m.series[s_index];
        let c = kohyo::diff::compare(tokenizer(), m, s, &s.editions[1], &edited.municipalities[ueda].series[s_index].editions[1]).unwrap();
        for (_, e) in c.flatten() {
            let (Some(old), Some(new)) = (&e.old, &e.new) else {
                prop_assert!(false, "ids keep every item paired: {:?}", e.key);
                continue;
            };
            let text_of = |side: &kohyo::diff::Side, key: &str| -> String {
                if key == "title" {
                    side.title.clone().unwrap_or_default()
                } else {
                    side.fields.iter().find(|f| f.key == key).map(|f| f.lines.join("\n")).unwrap_or_default()
                }
            };
            for change in &e.changes {
                let (a, b) = (text_of(old, change.key), text_of(new, change.key));
                prop_assert_eq!(sides(&change.diff), (a.clone(), b.clone()));
                let (ab, bb) = (boundaries(&a), boundaries(&b));
                let (mut o, mut n) = (0, 0);
                for run in &change.diff {
                    match run {
                        Change::Equal(t) => { o += t.len(); n += t.len(); }
                        Change::Delete(t) => {
                            prop_assert!(ab.contains(&o) && ab.contains(&(o + t.len())), "{:?} in {:?}", t, a);
                            o += t.len();
                        }
                        Change::Insert(t) => {
                            prop_assert!(bb.contains(&n) && bb.contains(&(n + t.len())), "{:?} in {:?}", t, b);
                            n += t.len();
                        }
                    }
                }
            }
            let changed = old.title != new.title
                || old.fields.iter().zip(&new.fields).any(|(x, y)| x.lines != y.lines);
            prop_assert_eq!(e.status != kohyo::diff::Status::Unchanged, changed, "{}", e.key);
        }
    }
}
