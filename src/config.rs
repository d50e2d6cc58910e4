//! The site configuration, `kohyo.toml` at the site root.

use serde::{Deserialize, Deserializer, Serialize, de};

/// `kohyo.toml`: what the whole site is called, where it lives and under which licence.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site title, shown in every page header.
    pub title: String,
    /// A sentence about the site for the home page and search engines.
    pub description: Option<String>,
    /// Where the site will be published, e.g. `https://www.city.example.lg.jp/kohyo/` or `/`.
    #[serde(
        default = "default_base_url",
        deserialize_with = "crate::safe_url::deserialize_base_url"
    )]
    pub base_url: String,
    /// Language of the content; kohyo publishes Japanese (`ja`).
    #[serde(default = "default_language")]
    pub language: String,
    /// Theme folder under `themes/`; `default` falls back to the theme built into kohyo.
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Licence of the published content and data.
    #[serde(default)]
    pub license: License,
    /// What the accessibility statement (ウェブアクセシビリティ方針) says.
    #[serde(default)]
    pub accessibility: Accessibility,
    /// Who answers questions about the data: the DCAT catalogue's contact point (a vCard) and
    /// publisher.
    #[serde(default)]
    pub contact: Contact,
    /// Free-form values for the theme (`config.extra` in templates).
    #[serde(default)]
    pub extra: toml::Table,
}

/// A content licence with the attribution users must give.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct License {
    /// Name, e.g. 公共データ利用規約 第1.0版 (PDL1.0).
    pub name: String,
    /// Where the licence text is published (an http, https or mailto URL, or a site path).
    #[serde(deserialize_with = "crate::safe_url::deserialize_link")]
    pub url: String,
    /// How to credit the source.
    pub attribution: Option<String>,
}

/// The site's accessibility commitment, published at `accessibility/`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Accessibility {
    /// Conformance level of JIS X 8341-3:2016 aimed at: `A`, `AA` (the default) or `AAA`.
    #[serde(default)]
    pub level: Level,
    /// Who publishes the site and answers for it, e.g. 〇〇市 総務部 広報課.
    pub organisation: Option<String>,
    /// How to report a problem: an address or a sentence.
    pub contact: Option<String>,
}

/// The contact point of the open data, `[contact]` in `kohyo.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Who publishes the site's data, e.g. 〇〇市 総務部 広報課 (the catalogue's publisher and the
    /// vCard's name); the accessibility organisation, then the site title, when missing.
    pub name: Option<String>,
    /// An e-mail address for questions about the data.
    #[serde(default, deserialize_with = "optional_email")]
    pub email: Option<String>,
    /// A page with a contact form or the office's address (http, https or a site path).
    #[serde(default, deserialize_with = "optional_link")]
    pub url: Option<String>,
}

/// A WCAG / JIS X 8341-3 conformance level.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
pub enum Level {
    /// Level A.
    A,
    /// Level AA, what 総務省's guideline asks of public bodies.
    #[default]
    AA,
    /// Level AAA.
    AAA,
}

impl Default for License {
    fn default() -> Self {
        License {
            name: "公共データ利用規約 第1.0版 (PDL1.0)".to_string(),
            url: "https://www.digital.go.jp/resources/open_data/public_data_license_v1.0"
                .to_string(),
            attribution: Some(
                "出典：各自治体の公表資料をもとに作成（公共データ利用規約 第1.0版。クリエイティブ・コモンズ 表示 4.0 国際 と互換）".to_string(),
            ),
        }
    }
}

fn optional_link<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    crate::safe_url::deserialize_link(deserializer).map(Some)
}

fn optional_email<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    let email = String::deserialize(deserializer)?;
    let (local, domain) = email.split_once('@').unwrap_or_default();
    let plain = |part: &str| {
        !part.is_empty()
            && !part
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"@,;:()[]\\".contains(c))
    };
    match plain(local) && plain(domain) {
        true => Ok(Some(email)),
        false => Err(de::Error::custom(format!(
            "`{email}` is not an e-mail address like info@city.example.lg.jp"
        ))),
    }
}

fn default_base_url() -> String {
    "/".to_string()
}

fn default_language() -> String {
    "ja".to_string()
}

fn default_theme() -> String {
    "default".to_string()
}

impl Config {
    /// The base URL with exactly one trailing slash, for joining with site paths.
    pub fn base(&self) -> String {
        format!("{}/", self.base_url.trim_end_matches('/'))
    }
}
