//! The image a page is shared with (OpenGraph `og:image`, Twitter's large card): the theme's
//! own `static/og-image.png` when it has one, else a card made at build time — the site's
//! mark (the favicon's three bars) on its blue, 1200 × 630 pixels, the size sharing services
//! ask for. Crawlers read only absolute image URLs, so pages name it only when `base_url` is
//! absolute.

use std::path::PathBuf;

use serde::Serialize;

use crate::layout::OutputFile;
use crate::layout::SHARE_IMAGE;
use crate::theme::Theme;

use super::RenderError;

/// Width of the card made at build time.
const WIDTH: u32 = 1200;
/// Height of the card made at build time.
const HEIGHT: u32 = 630;
/// The theme's blue (the favicon's background).
const BLUE: [u8; 3] = [0x0b, 0x53, 0x94];
/// The bars' colour.
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
/// The favicon's bars on its 32 × 32 grid: (x, y, width, height).
const BARS: [(u32, u32, u32, u32); 3] = [(7, 17, 4, 8), (14, 12, 4, 13), (21, 7, 4, 18)];
/// Pixels per unit of the favicon's grid on the card.
const SCALE: u32 = 16;

/// What the page head says of the image.
#[derive(Debug, Clone, Serialize)]
pub struct ShareImage {
    /// Absolute URL.
    pub url: String,
    /// Size in pixels, when kohyo made the image (a theme's own image is not measured).
    pub size: Option<(u32, u32)>,
}

/// The image pages name under the absolute base `base`, or `None` for a base that is a path.
pub fn share_image(theme: &Theme, base: &str) -> Option<ShareImage> {
    crate::safe_url::after_http_scheme(base)?;
    let own = theme_has_image(theme);
    Some(ShareImage {
        url: format!("{base}{SHARE_IMAGE}"),
        size: (!own).then_some((WIDTH, HEIGHT)),
    })
}

/// The card to write under the base `base`: none when the base is a path (no page names
/// it) or the theme brings its own image.
pub fn card_file(theme: &Theme, base: &str) -> Result<Option<OutputFile>, RenderError> {
    if crate::safe_url::after_http_scheme(base).is_none() || theme_has_image(theme) {
        return Ok(None);
    }
    let contents = card_png()?;
    Ok(Some(OutputFile {
        path: PathBuf::from(SHARE_IMAGE),
        contents,
    }))
}

fn theme_has_image(theme: &Theme) -> bool {
    theme
        .static_files()
        .iter()
        .any(|f| f.path == std::path::Path::new(SHARE_IMAGE))
}

/// The card as PNG bytes: the bars centred on the blue.
fn card_png() -> Result<Vec<u8>, png::EncodingError> {
    let mark = 32 * SCALE;
    let (left, top) = ((WIDTH - mark) / 2, (HEIGHT - mark) / 2);
    let mut pixels = Vec::with_capacity((WIDTH * HEIGHT * 3) as usize);
    for y in 0..HEIGHT {
        for x in 0..WIDTH {
            let on_bar = BARS.iter().any(|&(bx, by, bw, bh)| {
                let (x0, y0) = (left + bx * SCALE, top + by * SCALE);
                (x0..x0 + bw * SCALE).contains(&x) && (y0..y0 + bh * SCALE).contains(&y)
            });
            pixels.extend_from_slice(if on_bar { &WHITE } else { &BLUE });
        }
    }
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_card_is_a_png_of_the_size_pages_announce() {
        let bytes = card_png().unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
        assert!(bytes.len() < 50_000, "{} bytes", bytes.len());
        assert_eq!(bytes, card_png().unwrap(), "the same bytes every build");
    }
}
