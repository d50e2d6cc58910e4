//! URLs that content and settings put into pages: only schemes that cannot run anything.
//!
//! A link may be an `http`, `https` or `mailto` URL or a path on the site; every other scheme
//! (`javascript:`, `data:`, `vbscript:`, `file:`…) and protocol-relative `//host` addresses are
//! refused at load, so no page carries them whatever serves it.

use serde::{Deserialize, Deserializer, de};

use crate::diagnostic::Message;

/// Schemes a link may use.
const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether `url` may be a link on a page: an `http`, `https` or `mailto` URL, or a relative
/// path; `Err` says why not.
pub fn check_link(url: &str) -> Result<(), Message> {
    check_characters(url)?;
    if url.starts_with("//") {
        return Err(Message::new(
            format!("`{url}` is a protocol-relative address: write it in full with https://"),
            format!("`{url}` はスキームのないアドレスです。https:// から書きます"),
        ));
    }
    match scheme(url) {
        Some(scheme) if !LINK_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => {
            Err(Message::new(
                format!(
                    "`{url}` uses the scheme `{scheme}:`, which is not allowed: expected an http, https or mailto URL, or a path on this site"
                ),
                format!(
                    "`{url}` のスキーム `{scheme}:` は使えません。http、https、mailto の URL か、このサイトのパスで書きます"
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Whether `url` may be the site's base URL: an absolute `http(s)://host/…` URL, a path that
/// starts with a single `/`, or empty (the site root); `Err` says why not.
pub fn check_base_url(url: &str) -> Result<(), Message> {
    check_characters(url)?;
    let host = after_http_scheme(url);
    let fine = match host {
        Some(rest) => !rest.is_empty() && !rest.starts_with('/'),
        None => url.is_empty() || (url.starts_with('/') && !url.starts_with("//")),
    };
    match fine {
        true => Ok(()),
        false => Err(Message::new(
            format!(
                "base URL `{url}` is not allowed: expected an absolute http(s) URL such as https://www.city.example.lg.jp/kohyo/, or a path starting with a single / such as /kohyo/"
            ),
            format!(
                "公開先の URL `{url}` は使えません。https://www.city.example.lg.jp/kohyo/ のような http(s) の完全な URL か、/kohyo/ のように / 1つで始まるパスで書きます"
            ),
        )),
    }
}

/// Whether `url` may name a published document: an absolute `http(s)://host/…` URL (a reader
/// who downloads the data must still reach it); `Err` says why not.
pub fn check_document_url(url: &str) -> Result<(), Message> {
    check_characters(url)?;
    match after_http_scheme(url) {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(()),
        _ => Err(Message::new(
            format!(
                "`{url}` is not the address of a published document: expected an absolute http(s) URL such as https://www.city.example.lg.jp/soshiki/keikaku.pdf"
            ),
            format!(
                "`{url}` は公表した文書のアドレスになりません。https://www.city.example.lg.jp/soshiki/keikaku.pdf のような http(s) の完全な URL で書きます"
            ),
        )),
    }
}

/// What follows `http://` or `https://` (in any case) at the start of `url`, or `None` when it
/// has another scheme or none.
pub fn after_http_scheme(url: &str) -> Option<&str> {
    ["https://", "http://"].iter().find_map(|scheme| {
        url.get(..scheme.len())
            .filter(|start| start.eq_ignore_ascii_case(scheme))
            .map(|_| &url[scheme.len()..])
    })
}

/// Browsers drop white space and control characters from URLs and read `\` as `/`, so
/// `java\tscript:` would run: such URLs are refused whole.
fn check_characters(url: &str) -> Result<(), Message> {
    match url
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || *c == '\\')
    {
        Some(c) => {
            let (en, ja) = match c {
                '\\' => ("a backslash".to_string(), "バックスラッシュ".to_string()),
                c => (
                    format!("the character U+{:04X}", c as u32),
                    format!("文字 U+{:04X}", c as u32),
                ),
            };
            Err(Message::new(
                format!(
                    "`{}` contains {en}: write the URL without it (a space as %20)",
                    url.escape_debug()
                ),
                format!(
                    "`{}` に{ja}が含まれています。取り除いて書きます（空白は %20）",
                    url.escape_debug()
                ),
            ))
        }
        None => Ok(()),
    }
}

/// The scheme of `url` (the part before a `:` that comes before any `/`, `?` or `#`), if any.
fn scheme(url: &str) -> Option<&str> {
    let end = url.find([':', '/', '?', '#'])?;
    url[end..].starts_with(':').then(|| &url[..end])
}

/// Deserialise a string that must pass [`check_link`]; the error carries the value's position.
pub fn deserialize_link<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let url = String::deserialize(deserializer)?;
    check_link(&url).map_err(|m| de::Error::custom(m.encode()))?;
    Ok(url)
}

/// Deserialise a string that must pass [`check_base_url`]; the error carries the value's
/// position.
pub fn deserialize_base_url<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<String, D::Error> {
    let url = String::deserialize(deserializer)?;
    check_base_url(&url).map_err(|m| de::Error::custom(m.encode()))?;
    Ok(url)
}

/// Deserialise an optional string that must pass [`check_document_url`]; the error carries
/// the value's position.
pub fn deserialize_document_url<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let url = String::deserialize(deserializer)?;
    check_document_url(&url).map_err(|m| de::Error::custom(m.encode()))?;
    Ok(Some(url))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_safe_schemes_and_paths_only() {
        for fine in [
            "https://www.digital.go.jp/resources/open_data/",
            "HTTP://example.jp",
            "mailto:kikaku@city.example.lg.jp",
            "/data/",
            "../2023/#g1",
            "#g1",
            "page?x=a:b",
        ] {
            assert_eq!(check_link(fine), Ok(()), "{fine}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "vbscript:msgbox",
            "file:///etc/passwd",
            "//evil.example/",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "\\\\evil.example",
            "C:\\Users",
        ] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base_url_is_absolute_http_or_a_rooted_path() {
        for fine in [
            "/",
            "",
            "/kohyo/",
            "https://www.city.example.lg.jp/kohyo/",
            "http://localhost:1111",
        ] {
            assert_eq!(check_base_url(fine), Ok(()), "{fine}");
        }
        for bad in [
            "javascript:alert(1)//",
            "data:text/html,x",
            "//evil.example/",
            "kohyo/",
            "https://",
            "https:///x",
            "mailto:a@b.c",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
