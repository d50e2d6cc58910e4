//! SVG figures are checked before they are copied: an SVG opened on its own is a document,
//! which no page's Content-Security-Policy covers, so anything in it that runs script or
//! fetches from elsewhere is refused with its position in the SVG.
//!
//! Refused: `<script>`, `<foreignObject>` and other elements that run or embed documents; any
//! `on…` event attribute; `href`, `xlink:href`, `src` and the like other than `#fragment` or a
//! `data:image/png|jpeg|gif|webp` picture; `url(…)` in styles pointing outside the document,
//! `@import`, `image-set(…)` and CSS escapes; a DOCTYPE declaring entities; style sheets
//! linked with `<?xml-stylesheet?>`.

use std::path::Path;

use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use crate::diagnostic::{Diagnostic, Message};
use crate::source;

/// Elements that run script, embed other documents or load other resources.
const ELEMENTS: [&str; 16] = [
    "script",
    "foreignobject",
    "handler",
    "listener",
    "iframe",
    "frame",
    "frameset",
    "embed",
    "object",
    "audio",
    "video",
    "source",
    "link",
    "meta",
    "base",
    "form",
];
/// Attributes that name a resource to fetch or open.
const REFERENCES: [&str; 6] = ["href", "src", "data", "action", "formaction", "srcdoc"];
/// Pictures an SVG may carry inline.
const INLINE_IMAGES: [&str; 4] = ["png", "jpeg", "gif", "webp"];

/// Check an SVG file's bytes; `Err` is `line:col: what is wrong` in the SVG.
pub fn check(bytes: &[u8]) -> Result<(), Message> {
    let text = source::decode(Path::new(""), bytes).map_err(|d| {
        Message::new(
            format!("{}:{}: {}", d.line, d.column, d.message),
            format!("{}:{}: {}", d.line, d.column, d.japanese),
        )
    })?;
    let mut reader = Reader::from_str(&text);
    let mut in_style = 0usize;
    loop {
        let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader.read_event().map_err(|e| {
            let error_at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
            located(
                &text,
                error_at,
                Message::new(
                    format!("not well-formed XML: {e}"),
                    format!("XML として正しくありません（{e}）"),
                ),
            )
        })?;
        let problem = match &event {
            Event::Start(e) | Event::Empty(e) => {
                if matches!(event, Event::Start(_)) && local(e.local_name().as_ref()) == "style" {
                    in_style += 1;
                }
                element(e).err()
            }
            Event::End(e) if local(e.local_name().as_ref()) == "style" => {
                in_style = in_style.saturating_sub(1);
                None
            }
            Event::Text(t) if in_style > 0 => css(t).err(),
            Event::CData(t) if in_style > 0 => css(t).err(),
            Event::DocType(d) if d.contains('[') => Some(Message::new(
                "a DOCTYPE with declarations (<!ENTITY …>) is not allowed: remove it",
                "宣言（<!ENTITY …>）のある DOCTYPE は使えません。取り除きます",
            )),
            Event::PI(p) if p.target() == "xml-stylesheet" => Some(Message::new(
                "<?xml-stylesheet?> loads a style sheet from elsewhere: put the styles in the SVG",
                "<?xml-stylesheet?> はほかの場所からスタイルシートを読み込みます。スタイルは SVG の中に書きます",
            )),
            Event::Eof => return Ok(()),
            _ => None,
        };
        if let Some(problem) = problem {
            return Err(located(&text, at, problem));
        }
    }
}

/// `line:col: message` for a byte offset of `text`.
fn located(text: &str, offset: usize, message: Message) -> Message {
    let d = Diagnostic::at(Path::new(""), text, offset..offset, message);
    Message::new(
        format!("{}:{}: {}", d.line, d.column, d.message),
        format!("{}:{}: {}", d.line, d.column, d.japanese),
    )
}

/// `lead` before both texts of `message`.
fn after(lead: String, message: Message) -> Message {
    Message::new(lead.clone(), lead).and(message)
}

/// A name without its namespace prefix, in lower case.
fn local(name: &str) -> String {
    name.to_lowercase()
}

/// Check one element and its attributes.
fn element(e: &BytesStart) -> Result<(), Message> {
    let shown = e.name().as_ref().to_string();
    let name = local(e.local_name().as_ref());
    if ELEMENTS.contains(&name.as_str()) {
        return Err(Message::new(
            format!(
                "<{shown}> is not allowed in an SVG figure: it runs script or embeds another document when the image is opened; remove it"
            ),
            format!(
                "<{shown}> は SVG の図に使えません。画像を開いたときにスクリプトを実行するか、別の文書を埋め込みます。取り除きます"
            ),
        ));
    }
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| {
            Message::new(
                format!("<{shown}>: not well-formed XML: {e}"),
                format!("<{shown}>：XML として正しくありません（{e}）"),
            )
        })?;
        let key = attribute.key.as_ref().to_string();
        let key_local = local(attribute.key.local_name().as_ref());
        let value = attribute
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| {
                Message::new(
                    format!("<{shown} {key}>: {e}"),
                    format!("<{shown} {key}>：{e}"),
                )
            })?;
        if key_local.starts_with("on") {
            return Err(Message::new(
                format!("<{shown}> has the event attribute `{key}`, which runs script: remove it"),
                format!(
                    "<{shown}> にはスクリプトを実行するイベント属性 `{key}` があります。取り除きます"
                ),
            ));
        }
        if REFERENCES.contains(&key_local.as_str()) && !internal(&value) {
            return Err(Message::new(
                format!(
                    "<{shown} {key}=\"{value}\"> points outside the SVG: only #fragment references and data:image/png, jpeg, gif or webp pictures are allowed; put the picture into the SVG"
                ),
                format!(
                    "<{shown} {key}=\"{value}\"> は SVG の外を指しています。使えるのは #fragment の参照と data:image/png、jpeg、gif、webp の画像だけです。画像は SVG の中に入れます"
                ),
            ));
        }
        let animated = local(value.trim());
        if key_local == "attributename"
            && (animated.starts_with("on") || REFERENCES.iter().any(|r| animated.ends_with(r)))
        {
            return Err(Message::new(
                format!(
                    "<{shown} {key}=\"{value}\"> animates a link or an event handler: remove it"
                ),
                format!(
                    "<{shown} {key}=\"{value}\"> はリンクかイベント属性を書き換えます。取り除きます"
                ),
            ));
        }
        if key_local == "style" || value.contains("url(") {
            css(&value).map_err(|why| after(format!("<{shown} {key}>: "), why))?;
        }
    }
    Ok(())
}

/// Whether a reference stays in the document: `#fragment` or an inline picture.
fn internal(reference: &str) -> bool {
    let reference = reference.trim();
    let lower = reference.to_ascii_lowercase();
    reference.starts_with('#')
        || INLINE_IMAGES.iter().any(|kind| {
            lower
                .strip_prefix("data:image/")
                .and_then(|rest| rest.strip_prefix(kind))
                .is_some_and(|rest| rest.starts_with([';', ',']))
        })
}

/// Check CSS (a `style` attribute or element, or a presentation attribute using `url(…)`).
fn css(css: &str) -> Result<(), Message> {
    let lower = css.to_ascii_lowercase();
    if lower.contains('\\') {
        return Err(Message::new(
            "CSS escapes (\\) are not allowed in an SVG figure's styles",
            "SVG の図のスタイルに CSS のエスケープ（\\）は使えません",
        ));
    }
    for banned in ["@import", "image-set("] {
        if lower.contains(banned) {
            return Err(Message::new(
                format!("`{banned}` loads from outside the SVG: put what it loads into the SVG"),
                format!(
                    "`{banned}` は SVG の外から読み込みます。読み込むものは SVG の中に入れます"
                ),
            ));
        }
    }
    for (start, _) in lower.match_indices("url(") {
        let rest = &css[start + 4..];
        let target = rest[..rest.find(')').unwrap_or(rest.len())]
            .trim()
            .trim_matches(['"', '\'']);
        if !internal(target) {
            return Err(Message::new(
                format!(
                    "url({target}) points outside the SVG: only url(#id) and data:image/png, jpeg, gif or webp pictures are allowed"
                ),
                format!(
                    "url({target}) は SVG の外を指しています。使えるのは url(#id) と data:image/png、jpeg、gif、webp の画像だけです"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn plain_drawings_pass() {
        let svg = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">
  <defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>
  <style>rect { fill: url(#g); }</style>
  <rect width="10" height="10" style="stroke: url('#g')"/>
  <use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/>
  <text>上田市 &amp; 協働</text>
</svg>"##;
        assert_eq!(check(svg.as_bytes()), Ok(()));
    }

    #[test]
    fn active_and_external_content_is_refused_where_it_is() {
        let cases = [
            (
                "<svg>\n  <script>alert(1)</script></svg>",
                "2:3: <script> is not allowed",
            ),
            (
                "<svg><foreignObject/></svg>",
                "1:6: <foreignObject> is not allowed",
            ),
            (
                "<svg>\n<rect onclick=\"x()\"/></svg>",
                "2:1: <rect> has the event attribute `onclick`",
            ),
            (
                "<svg><use href=\"other.svg#a\"/></svg>",
                "points outside the SVG",
            ),
            (
                "<svg><image xlink:href=\"https://evil.example/p.png\"/></svg>",
                "points outside",
            ),
            (
                "<svg><a href=\"javascript:alert(1)\"><text>x</text></a></svg>",
                "points outside",
            ),
            (
                "<svg><image href=\"data:image/svg+xml,&lt;svg/&gt;\"/></svg>",
                "points outside",
            ),
            (
                "<svg><rect style=\"fill:url(https://evil.example/#a)\"/></svg>",
                "url(https://evil.example/#a) points outside",
            ),
            (
                "<svg><rect fill=\"url( 'x.svg#a' )\"/></svg>",
                "url(x.svg#a) points outside",
            ),
            (
                "<svg><style>@import 'x.css';</style></svg>",
                "`@import` loads",
            ),
            (
                "<svg><style><![CDATA[a{background:url(//evil.example/)}]]></style></svg>",
                "points outside",
            ),
            (
                "<!DOCTYPE svg [<!ENTITY x \"y\">]><svg>&x;</svg>",
                "1:1: a DOCTYPE with declarations",
            ),
            ("<?xml-stylesheet href=\"x.css\"?><svg/>", "xml-stylesheet"),
            (
                "<svg><set attributeName=\"href\" to=\"javascript:alert(1)\"/></svg>",
                "animates a link",
            ),
            ("<svg><rect></svg>", "not well-formed XML"),
        ];
        for (svg, expected) in cases {
            let err = check(svg.as_bytes()).expect_err(svg).en;
            assert!(err.contains(expected), "{svg}: {err}");
        }
    }
}
