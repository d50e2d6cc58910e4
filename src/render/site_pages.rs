//! The pages of the site as a whole besides the home page: search, the accessibility
//! statement and the 404 page.

use tera::Context;

use super::RenderError;
use super::describe::{self, Updated};
use super::view::Renderer;
use crate::layout::{ACCESSIBILITY_DIR, NOT_FOUND_PAGE, SEARCH_DIR};
use crate::load::Site;

/// Queue the search page, the accessibility statement and the 404 page; `site_updated` is the
/// site's last update, which the search page shows.
pub(super) fn site_pages(
    renderer: &mut Renderer,
    site: &Site,
    site_updated: &Option<Updated>,
) -> Result<(), RenderError> {
    let mut ctx = Context::new();
    ctx.insert(
        "description",
        &describe::site_page(&site.config.title, "全文検索"),
    );
    ctx.insert("updated", site_updated);
    renderer.page(
        "search.html",
        &format!("{SEARCH_DIR}/index.html"),
        &[],
        Some("検索"),
        ctx,
    )?;
    let mut ctx = Context::new();
    ctx.insert(
        "description",
        &describe::site_page(&site.config.title, "ウェブアクセシビリティ方針"),
    );
    renderer.page(
        "accessibility.html",
        &format!("{ACCESSIBILITY_DIR}/index.html"),
        &[],
        Some("ウェブアクセシビリティ方針"),
        ctx,
    )?;
    renderer.page("404.html", NOT_FOUND_PAGE, &[], None, Context::new())?;
    Ok(())
}
