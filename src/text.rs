//! Japanese text shared by search and diffs: the one normalisation every index, query and
//! comparison uses, kept identical to `normalize` in `src/search/engine.js`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use lindera::dictionary::{DictionaryBuilder, UserDictionary};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use unicode_normalization::UnicodeNormalization;

use crate::diagnostic::Message;

/// IPADIC, built by `build.rs` from the sources in `dictionary/` and compiled in.
mod ipadic {
    lindera_dictionary::embedded_dictionary!("/lindera-ipadic", EmbeddedIPADICLoader);
}

/// Why the tokenizer could not be made or could not cut a text.
#[derive(Debug, thiserror::Error)]
pub enum TextError {
    /// The compiled-in IPADIC did not load.
    #[error("cannot load IPADIC: {0}")]
    Dictionary(String),
    /// The site's `content/_dictionary.csv` is not a lindera user dictionary.
    #[error(
        "content/_dictionary.csv: {0}: expected one `surface,part_of_speech,reading` line per word, e.g. 協働体,名詞,キョウドウタイ"
    )]
    UserDictionary(String),
    /// lindera failed on a text.
    #[error("tokenizer failed: {0}")]
    Segment(String),
}

impl TextError {
    /// What went wrong, in English (the `Display`) and in Japanese.
    pub fn message(&self) -> Message {
        let ja = match self {
            TextError::Dictionary(e) => format!("辞書（IPADIC）を読み込めません: {e}"),
            TextError::UserDictionary(e) => format!(
                "`content/_dictionary.csv`（利用者辞書）を読めません: {e}。1 行に 1 語、`表記,品詞,読み` の形で書いてください（例: 協働体,名詞,キョウドウタイ）"
            ),
            TextError::Segment(e) => format!(
                "日本語の文章を単語に区切れません。`content/_dictionary.csv`（利用者辞書）があれば、その書き方を確かめてください: {e}"
            ),
        };
        Message::new(self.to_string(), ja)
    }
}

/// Japanese tokenizer: lindera with IPADIC and the site's own words (`content/_dictionary.csv`,
/// one `surface,part_of_speech,reading` line per word).
pub struct Tokenizer {
    segmenter: Segmenter,
    /// Results by text: a text repeated across editions (a goal kept from one year to the
    /// next) or across rebuilds of the preview is cut once.
    cache: Mutex<Cache>,
    /// Nanoseconds spent inside lindera, summed over threads.
    segmenting: AtomicU64,
}

/// What the tokenizer has computed: a text is cut once however often it is asked.
#[derive(Default)]
struct Cache {
    tokens: HashMap<String, Vec<String>>,
    words: HashMap<String, BTreeMap<String, WordInfo>>,
    content_words: HashMap<String, BTreeSet<String>>,
}

impl Cache {
    fn len(&self) -> usize {
        self.tokens.len() + self.words.len() + self.content_words.len()
    }
}

/// What search keeps of a word of the text besides its spelling.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WordInfo {
    /// Its readings in hiragana (from IPADIC or the site dictionary's reading column), for
    /// content words whose reading has two kana or more.
    pub readings: BTreeSet<String>,
    /// Whether it is a noun of two characters or more, which a search that finds nothing
    /// may suggest.
    pub noun: bool,
}

/// The tokenizer forgets everything past this many texts, so memory stays bounded.
const CACHE_LIMIT: usize = 1_000_000;

impl Tokenizer {
    /// A tokenizer with the system dictionary and, if given, the site's user dictionary CSV.
    pub fn new(user_dictionary_csv: Option<&str>) -> Result<Tokenizer, TextError> {
        let dictionary = ipadic::load().map_err(|e| TextError::Dictionary(e.to_string()))?;
        let user: Option<UserDictionary> = match user_dictionary_csv {
            Some(csv) if !csv.trim().is_empty() => Some(
                DictionaryBuilder::new((*dictionary.metadata).clone())
                    .build_user_dict_from_reader(csv.as_bytes())
                    .map_err(|e| TextError::UserDictionary(e.to_string()))?,
            ),
            _ => None,
        };
        Ok(Tokenizer {
            segmenter: Segmenter::new(Mode::Normal, dictionary, user),
            cache: Mutex::default(),
            segmenting: AtomicU64::new(0),
        })
    }

    /// `compute(text)`, looked up in and stored into the map `of` picks.
    fn cached<T: Clone>(
        &self,
        text: &str,
        of: fn(&mut Cache) -> &mut HashMap<String, T>,
        compute: impl FnOnce() -> Result<T, TextError>,
    ) -> Result<T, TextError> {
        if let Some(hit) = self
            .cache
            .lock()
            .ok()
            .and_then(|mut c| of(&mut c).get(text).cloned())
        {
            return Ok(hit);
        }
        let value = compute()?;
        if let Ok(mut c) = self.cache.lock() {
            if c.len() > CACHE_LIMIT {
                *c = Cache::default();
            }
            of(&mut c).insert(text.to_string(), value.clone());
        }
        Ok(value)
    }

    fn segment<'a>(&'a self, text: &'a str) -> Result<Vec<lindera::token::Token<'a>>, TextError> {
        let started = Instant::now();
        let tokens = self
            .segmenter
            .segment(text.into())
            .map_err(|e| TextError::Segment(e.to_string()));
        let spent = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.segmenting.fetch_add(spent, Ordering::Relaxed);
        tokens
    }

    /// Time spent inside lindera so far, summed over threads: the floor of a build's time.
    pub fn segmenting_time(&self) -> Duration {
        Duration::from_nanos(self.segmenting.load(Ordering::Relaxed))
    }

    /// `text` cut into tokens that concatenate back to it: lindera's tokens, with the white
    /// space lindera skips kept as tokens of its own.
    pub fn tokens(&self, text: &str) -> Result<Vec<String>, TextError> {
        self.cached(text, |c| &mut c.tokens, || self.cut(text))
    }

    fn cut(&self, text: &str) -> Result<Vec<String>, TextError> {
        let tokens = self.segment(text)?;
        let mut out = Vec::with_capacity(tokens.len());
        let mut at = 0;
        for t in &tokens {
            if let Some(gap) = text.get(at..t.byte_start).filter(|g| !g.is_empty()) {
                out.push(gap.to_string());
            }
            if let Some(surface) = text.get(t.byte_start..t.byte_end) {
                out.push(surface.to_string());
                at = t.byte_end;
            }
        }
        if let Some(rest) = text.get(at..).filter(|r| !r.is_empty()) {
            out.push(rest.to_string());
        }
        Ok(out)
    }

    /// The normalised terms of `text` (every token but symbols and white space), each with
    /// its readings and whether it is a noun: what the search index keeps of a record.
    pub fn words(&self, text: &str) -> Result<BTreeMap<String, WordInfo>, TextError> {
        self.cached(text, |c| &mut c.words, || self.search_words(text))
    }

    fn search_words(&self, text: &str) -> Result<BTreeMap<String, WordInfo>, TextError> {
        let mut words: BTreeMap<String, WordInfo> = BTreeMap::new();
        for token in self.segment(text)? {
            let details = details(&token);
            let pos = details.first().copied().unwrap_or("");
            let term = normalize(&token.surface);
            if pos == "記号" || term.is_empty() {
                continue;
            }
            let info = words.entry(term.clone()).or_default();
            if pos != "助詞" && pos != "助動詞" {
                let reading = details
                    .get(7)
                    .map(|r| to_hiragana(&normalize(r)))
                    .filter(|r| is_reading(r));
                info.readings.extend(reading);
            }
            let minor = details.get(1).copied().unwrap_or("");
            info.noun |= pos == "名詞"
                && !matches!(minor, "数" | "非自立" | "代名詞" | "接尾")
                && term.chars().count() >= 2;
        }
        Ok(words)
    }

    /// The normalised words that carry meaning: the terms of [`Tokenizer::words`] without
    /// particles and auxiliary verbs (の, を, です), which every sentence shares.
    pub fn content_words(&self, text: &str) -> Result<BTreeSet<String>, TextError> {
        self.cached(
            text,
            |c| &mut c.content_words,
            || self.filter_terms(text, &["記号", "助詞", "助動詞"]),
        )
    }

    fn filter_terms(&self, text: &str, skip: &[&str]) -> Result<BTreeSet<String>, TextError> {
        let tokens = self.segment(text)?;
        let mut terms = BTreeSet::new();
        for token in tokens {
            let skipped = part_of_speech(&token).is_some_and(|pos| skip.contains(&pos));
            let term = normalize(&token.surface);
            if !skipped && !term.is_empty() {
                terms.insert(term);
            }
        }
        Ok(terms)
    }
}

/// A token's first eight details (part of speech, its subcategories, conjugation, base form,
/// reading), read from the dictionary without materialising every detail.
fn details<'a>(token: &lindera::token::Token<'a>) -> Vec<&'a str> {
    let id = token.word_id.id() as usize;
    if token.word_id.is_unknown() {
        token
            .dictionary
            .unknown_word_details_iter(id)
            .take(8)
            .collect()
    } else if token.word_id.is_system() {
        token.dictionary.word_details_iter(id).take(8).collect()
    } else {
        token
            .user_dictionary
            .map(|u| u.word_details_iter(id).take(8).collect())
            .unwrap_or_default()
    }
}

/// A token's part of speech (its first detail), read from the dictionary without
/// materialising every detail as `Token::get_detail` does.
fn part_of_speech<'a>(token: &lindera::token::Token<'a>) -> Option<&'a str> {
    let id = token.word_id.id() as usize;
    if token.word_id.is_unknown() {
        token.dictionary.unknown_word_details_iter(id).next()
    } else if token.word_id.is_system() {
        token.dictionary.word_details_iter(id).next()
    } else {
        token.user_dictionary?.word_details_iter(id).next()
    }
}

/// Normalise text for matching: NFKC, lower case, white space and zero-width characters
/// removed, long-vowel marks unified to ー, hyphens to `-`, wave dashes to `~`.
///
/// Hiragana and katakana are not folded into each other: a search for ひと matches ひと
/// exactly, and ヒト only as a reading, ranked below (`search::variants`).
pub fn normalize(text: &str) -> String {
    let nfkc: String = text.nfkc().collect();
    nfkc.to_lowercase().chars().filter_map(fold_char).collect()
}

/// The per-character step of [`normalize`], after NFKC and lower-casing.
fn fold_char(c: char) -> Option<char> {
    match c {
        c if c.is_whitespace() => None,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' => None,
        '\u{2014}' | '\u{2015}' | '\u{2500}' | '\u{2501}' | '\u{30fc}' => Some('ー'),
        '\u{2010}'..='\u{2013}' | '\u{2212}' | '\u{fe63}' => Some('-'),
        '\u{301c}' | '\u{223c}' => Some('~'),
        c => Some(c),
    }
}

/// Whether a normalised word is written in kana alone (hiragana, katakana, the long mark),
/// with two characters or more: such a query is also looked up by reading.
pub fn is_reading(word: &str) -> bool {
    word.chars().count() >= 2
        && word
            .chars()
            .all(|c| ('\u{3041}'..='\u{3096}').contains(&c) || is_katakana(c) || c == 'ー')
}

/// Katakana folded to hiragana (ア → あ, ヴ → ゔ, ヶ → ゖ); the one kana form readings are
/// kept and looked up in.
pub fn to_hiragana(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{30a1}'..='\u{30f6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            c => c,
        })
        .collect()
}

/// Whether `c` is a katakana letter (ァ … ヺ), not the long mark.
pub fn is_katakana(c: char) -> bool {
    ('\u{30a1}'..='\u{30fa}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::{Tokenizer, is_reading, normalize, to_hiragana};

    #[test]
    fn ipadic_splits_and_the_site_dictionary_joins() {
        let plain = Tokenizer::new(None).unwrap();
        let tokens = plain.tokens("地域内分権の確立").unwrap();
        assert!(!tokens.contains(&"分権".to_string()), "{tokens:?}");
        let local =
            Tokenizer::new(Some("分権,名詞,ブンケン\n協働体,名詞,キョウドウタイ\n")).unwrap();
        let tokens = local.tokens("地域内分権の確立と地域協働体").unwrap();
        assert!(tokens.contains(&"分権".to_string()), "{tokens:?}");
        assert!(tokens.contains(&"協働体".to_string()), "{tokens:?}");
        let words = local.words("ＳＤＧｓの推進。協働体").unwrap();
        assert!(
            words.contains_key("sdgs") && words.contains_key("推進") && !words.contains_key("。"),
            "{words:?}"
        );
        // Readings come from IPADIC and from the site dictionary's reading column, in hiragana.
        assert!(words["推進"].readings.contains("すいしん"), "{words:?}");
        assert!(
            words["協働体"].readings.contains("きょうどうたい"),
            "{words:?}"
        );
        assert!(words["推進"].noun && !words["の"].noun && words["の"].readings.is_empty());
    }

    #[test]
    fn shared_cases_match_the_javascript_client() {
        let cases: Vec<(String, String)> =
            serde_json::from_str(include_str!("../tests/normalize_cases.json")).unwrap();
        for (input, expected) in cases {
            assert_eq!(normalize(&input), expected, "{input:?}");
        }
    }

    #[test]
    fn readings_fold_to_hiragana() {
        assert_eq!(to_hiragana("キョウドウ"), "きょうどう");
        assert_eq!(to_hiragana("ヴァイオリン・ヶ"), "ゔぁいおりん・ゖ");
        assert!(is_reading("きょうどう") && is_reading("コミュニティー"));
        assert!(!is_reading("協働") && !is_reading("き") && !is_reading("まち協"));
    }
}
