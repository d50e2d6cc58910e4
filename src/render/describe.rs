//! What a page says of itself: its own meta description (search engines and link previews
//! show it) and the last-updated line of its footer, the newest `published` month of the
//! editions it shows.

use serde::Serialize;
use toml::Spanned;

use crate::diff::Counts;
use crate::load::parse_month;
use crate::model::{Edition, Item, Municipality, Series};
use crate::wareki;

/// The footer's last-updated line: the newest `published` month among a page's editions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Updated {
    /// 令和6年3月.
    pub label: String,
    /// `2024-03`, for `<time datetime>`.
    pub datetime: String,
}

/// The newest `published` month of `editions`, or `None` when none says when it was published.
pub fn updated<'a>(editions: impl IntoIterator<Item = &'a Edition>) -> Option<Updated> {
    editions
        .into_iter()
        .filter_map(|e| e.published.as_ref())
        .filter_map(|p| parse_month(p.get_ref()).map(|ym| (ym, p.get_ref())))
        .max()
        .map(|((y, m), text)| Updated {
            label: wareki::month_label(y, m),
            datetime: text.clone(),
        })
}

/// Every edition of a municipality.
pub fn municipality_editions(m: &Municipality) -> impl Iterator<Item = &Edition> {
    m.series.iter().flat_map(|s| s.editions.iter())
}

/// A municipality page: what it publishes.
pub fn municipality(m: &Municipality) -> String {
    let titles: Vec<&str> = m.series.iter().map(|s| s.title.as_str()).collect();
    format!(
        "{}（{}）が公表した{}の各版の全文と、版ごとの変更、目標の経過、オープンデータ。",
        m.name,
        m.prefecture,
        titles.join("・")
    )
}

/// A series page: its editions from first to last.
pub fn series(m: &Municipality, s: &Series, first: &str, last: &str) -> String {
    let span = if first == last {
        first.to_string()
    } else {
        format!("{first}から{last}まで")
    };
    format!(
        "{}の「{}」全{}版（{span}）の一覧と、版ごとの変更、目標の経過。",
        m.name,
        s.title,
        s.editions.len()
    )
}

/// An edition page: which document, which year and stage, and how much it holds.
pub fn edition(m: &Municipality, e: &Edition, when: &str, stage: &str) -> String {
    let (items, item_indicators) = count_items(&e.items);
    let indicators = e.indicators.len() + item_indicators;
    let holds = if indicators > 0 {
        format!("項目{items}件、指標{indicators}件")
    } else {
        format!("項目{items}件")
    };
    format!(
        "{}の「{}」（{when}・{stage}）の全文。{holds}。",
        m.name, e.title
    )
}

/// A compare page: the two editions and what changed between them.
pub fn compare(m: &Municipality, s: &Series, old: &str, new: &str, total: &Counts) -> String {
    format!(
        "{}の「{}」の{old}と{new}の比較。追加{}件、削除{}件、文言の変更{}件、移動{}件。",
        m.name, s.title, total.added, total.removed, total.reworded, total.moved
    )
}

/// A goal's history page.
pub fn history(m: &Municipality, s: &Series, heading: &str) -> String {
    format!(
        "{}の「{}」の{heading}について、各版の記載と指標の推移。",
        m.name, s.title
    )
}

/// The site's own pages, by what they hold: the search page, the open-data page, the
/// accessibility statement.
pub fn site_page(site_title: &str, page: &str) -> String {
    format!("{site_title}の{page}。")
}

/// A municipality's data page: its series' tables and files.
pub fn municipality_data(m: &Municipality) -> String {
    format!(
        "{}{}の計画・重点目標のオープンデータ（JSON・CSV）の一覧。",
        m.prefecture, m.name
    )
}

/// Items at every level, and their indicators.
fn count_items(items: &[Spanned<Item>]) -> (usize, usize) {
    items.iter().fold((0, 0), |(n, k), item| {
        let item = item.get_ref();
        let (below, below_indicators) = count_items(&item.items);
        (n + 1 + below, k + item.indicators.len() + below_indicators)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edition(published: Option<&str>) -> Edition {
        let mut text = String::from("title = \"t\"\nfiscal_year = 2024\nstage = \"plan\"\n");
        if let Some(p) = published {
            text.push_str(&format!("published = \"{p}\"\n"));
        }
        toml::from_str(&text).expect("a minimal edition")
    }

    #[test]
    fn the_newest_published_month_is_the_update() {
        let editions = [
            edition(Some("2023-11")),
            edition(None),
            edition(Some("2024-03")),
        ];
        assert_eq!(
            updated(&editions),
            Some(Updated {
                label: "令和6年3月".to_string(),
                datetime: "2024-03".to_string()
            })
        );
        assert_eq!(updated(&[edition(None)]), None);
    }
}
