//! A deterministic corpus for benchmarks: N editions of 重点目標一覧表 across many
//! municipalities (valid 全国地方公共団体コード), departments and fiscal years, made by
//! recombining the sample site's real goals, actions, targets and results. Each series runs
//! over consecutive years, and each year starts from the last: most goals kept, some reworded,
//! renumbered or with new figures, a few dropped and a few added, as real editions differ.
//!
//!   cargo run --release --example corpus -- EDITIONS OUT_DIR [SEED]
//!
//! OUT_DIR receives `kohyo.toml` and `content/`; build it with `kohyo build --root OUT_DIR`.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use kohyo::load::{self, code_check_digit};
use kohyo::model::Item;

/// Years each series spans, oldest first.
const YEARS: std::ops::Range<i32> = 2019..2027;
const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];
const DEPARTMENTS: [(&str, &str); 8] = [
    ("somu", "総務部"),
    ("kikaku", "政策企画部"),
    ("shimin", "市民参加協働部"),
    ("fukushi", "健康福祉部"),
    ("kodomo", "こども未来部"),
    ("sangyo", "商工観光部"),
    ("kensetsu", "都市建設部"),
    ("kyoiku", "教育委員会事務局"),
];
const NUMBERS: [&str; 10] = ["①", "②", "③", "④", "⑤", "⑥", "⑦", "⑧", "⑨", "⑩"];

/// splitmix64: a tiny deterministic generator, so the corpus is the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len())]
    }
    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Real text from the sample's priority-goal editions.
#[derive(Default)]
struct Pools {
    goals: Vec<String>,
    subgoals: Vec<Sub>,
}

/// A sub-goal (重点取組項目) with its lines.
#[derive(Clone)]
struct Sub {
    id: String,
    title: String,
    actions: Vec<String>,
    targets: Vec<String>,
    results: Vec<String>,
}

/// A goal (重点目標) with its sub-goals.
struct Goal {
    id: String,
    title: String,
    subs: Vec<Sub>,
}

fn pools(sample: &Path) -> Pools {
    let site = load::load(sample).unwrap_or_else(|diags| {
        panic!("the sample site loads: {}", diags[0].message);
    });
    let mut pools = Pools::default();
    for (_, _, edition) in site.editions() {
        for goal in &edition.items {
            let goal: &Item = goal.get_ref();
            let Some(title) = &goal.title else { continue };
            pools.goals.push(title.clone());
            for sub in &goal.items {
                let sub = sub.get_ref();
                if let Some(title) = &sub.title {
                    pools.subgoals.push(Sub {
                        id: String::new(),
                        title: title.clone(),
                        actions: sub.actions.clone(),
                        targets: sub.targets.clone(),
                        results: sub.results.clone(),
                    });
                }
            }
        }
    }
    pools.goals.sort();
    pools.goals.dedup();
    pools
}

/// Change one figure in the text, as a new year's target does.
fn vary(text: &str, rng: &mut Rng) -> String {
    let digits: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .map(|(i, _)| i)
        .collect();
    if digits.is_empty() {
        return text.to_string();
    }
    let at = *rng.pick(&digits);
    let new = char::from(b'0' + rng.below(10) as u8);
    format!("{}{new}{}", &text[..at], &text[at + 1..])
}

fn new_sub(pools: &Pools, rng: &mut Rng, id: String) -> Sub {
    Sub {
        id,
        ..rng.pick(&pools.subgoals).clone()
    }
}

/// The first year of a series: 2 to 5 goals of 1 to 4 sub-goals.
fn first_year(pools: &Pools, rng: &mut Rng, next_id: &mut usize) -> Vec<Goal> {
    (0..2 + rng.below(4))
        .map(|_| {
            *next_id += 1;
            let goal_id = format!("g{next_id}");
            let subs = (0..1 + rng.below(4))
                .map(|_| {
                    *next_id += 1;
                    new_sub(pools, rng, format!("g{next_id}"))
                })
                .collect();
            Goal {
                id: goal_id,
                title: rng.pick(&pools.goals).clone(),
                subs,
            }
        })
        .collect()
}

/// Next year from this year: keep most, reword some figures, drop or add a few.
fn next_year(goals: &[Goal], pools: &Pools, rng: &mut Rng, next_id: &mut usize) -> Vec<Goal> {
    let mut next = Vec::new();
    for goal in goals {
        if rng.chance(5) {
            continue;
        }
        let mut kept: Vec<Sub> = Vec::new();
        for sub in &goal.subs {
            if rng.chance(8) {
                continue;
            }
            let targets = sub
                .targets
                .iter()
                .map(|t| {
                    if rng.chance(30) {
                        vary(t, rng)
                    } else {
                        t.clone()
                    }
                })
                .collect();
            let title = if rng.chance(10) {
                vary(&sub.title, rng)
            } else {
                sub.title.clone()
            };
            kept.push(Sub {
                title,
                targets,
                ..sub.clone()
            });
        }
        if rng.chance(15) && kept.len() < NUMBERS.len() {
            *next_id += 1;
            kept.push(new_sub(pools, rng, format!("g{next_id}")));
        }
        if !kept.is_empty() {
            next.push(Goal {
                id: goal.id.clone(),
                title: goal.title.clone(),
                subs: kept,
            });
        }
    }
    if next.is_empty() || rng.chance(10) {
        next.extend(first_year(pools, rng, next_id).into_iter().take(1));
    }
    next
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(key: &str, lines: &[String]) -> String {
    if lines.is_empty() {
        return String::new();
    }
    let items: Vec<String> = lines.iter().map(|l| quoted(l)).collect();
    format!("{key} = [{}]\n", items.join(", "))
}

/// The edition's TOML: every year but the last is published with its results (達成状況), the
/// last as a plan.
fn edition_toml(year: i32, goals: &[Goal]) -> String {
    let result_stage = year < YEARS.end - 1;
    let mut out = format!(
        "title = \"{}重点目標\"\nfiscal_year = {year}\nstage = \"{}\"\n",
        kohyo::wareki::fiscal_year_label(year),
        if result_stage { "result" } else { "plan" }
    );
    for (n, goal) in goals.iter().enumerate() {
        let _ = write!(
            out,
            "\n[[items]]\nid = \"{}\"\nnumber = \"{}\"\ntitle = {}\n",
            goal.id,
            n + 1,
            quoted(&goal.title)
        );
        for (m, sub) in goal.subs.iter().enumerate() {
            let results = if result_stage {
                list("results", &sub.results)
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "\n[[items.items]]\nid = \"{}\"\nnumber = \"{}\"\ntitle = {}\n{}{}{results}",
                sub.id,
                NUMBERS[m % NUMBERS.len()],
                quoted(&sub.title),
                list("actions", &sub.actions),
                list("targets", &sub.targets),
            );
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(editions), Some(out)) = (
        args.first().and_then(|n| n.parse::<usize>().ok()),
        args.get(1).map(PathBuf::from),
    ) else {
        eprintln!("usage: corpus EDITIONS OUT_DIR [SEED]");
        std::process::exit(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1741);
    let sample = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let pools = pools(&sample);
    let mut rng = Rng(seed);
    fs::create_dir_all(out.join("content")).expect("create the output folder");
    fs::write(
        out.join("kohyo.toml"),
        "title = \"全国の重点目標（ベンチマーク用の合成データ）\"\nbase_url = \"/\"\n",
    )
    .expect("write kohyo.toml");
    let per_series = YEARS.len();
    let series_total = editions.div_ceil(per_series);
    let mut written = 0;
    let mut municipality = 0;
    let mut series_done = 0;
    while series_done < series_total {
        municipality += 1;
        let pref = (municipality - 1) % PREFECTURES.len();
        // 全国地方公共団体コード: prefecture (2 digits), municipality (3), check digit.
        let body = format!(
            "{:02}{:03}",
            pref + 1,
            200 + (municipality - 1) / PREFECTURES.len()
        );
        let code = format!(
            "{body}{}",
            code_check_digit(&format!("{body}0")).expect("six digits")
        );
        let slug = format!("m{code}");
        let dir = out.join("content").join(&slug);
        fs::create_dir_all(&dir).expect("create a municipality folder");
        fs::write(
            dir.join("_municipality.toml"),
            format!(
                "name = \"見本市{municipality}\"\nprefecture = \"{}\"\ncode = \"{code}\"\n",
                PREFECTURES[pref]
            ),
        )
        .expect("write _municipality.toml");
        for (dslug, dname) in DEPARTMENTS.iter().take(1 + rng.below(DEPARTMENTS.len())) {
            if series_done == series_total {
                break;
            }
            series_done += 1;
            let sdir = dir.join(dslug);
            fs::create_dir_all(&sdir).expect("create a series folder");
            fs::write(
                sdir.join("_series.toml"),
                format!(
                    "title = \"重点目標一覧表\"\nkind = \"priority_goals\"\ndepartment = \"{dname}\"\nlevels = [\"重点目標\", \"重点取組項目\"]\n\n[labels]\nactions = \"具体的な重点取組項目（箇条書き）\"\ntargets = \"期限・数値目標等\"\nresults = \"達成状況・達成度\"\n"
                ),
            )
            .expect("write _series.toml");
            let mut next_id = 0;
            let mut goals = first_year(&pools, &mut rng, &mut next_id);
            for year in YEARS {
                if written == editions {
                    break;
                }
                fs::write(
                    sdir.join(format!("{year}.toml")),
                    edition_toml(year, &goals),
                )
                .expect("write an edition");
                written += 1;
                goals = next_year(&goals, &pools, &mut rng, &mut next_id);
            }
        }
    }
    println!(
        "wrote {written} editions of {series_done} series in {municipality} municipalities to {}",
        out.display()
    );
}
