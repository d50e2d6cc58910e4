//! The home page: every municipality with its series.

use tera::Context;

use super::RenderError;
use super::describe::Updated;
use super::municipality::MunicipalityView;
use super::view::Renderer;

/// Queue the home page, listing `municipalities`; `site_updated` is the site's last update.
pub(super) fn home_page(
    renderer: &mut Renderer,
    municipalities: &[MunicipalityView],
    site_updated: &Option<Updated>,
) -> Result<(), RenderError> {
    // The home page lists municipalities by 全国地方公共団体コード: by prefecture, then in
    // the order the national list gives (folders are sorted by their romaji names).
    let mut by_code: Vec<&MunicipalityView> = municipalities.iter().collect();
    by_code.sort_by(|a, b| a.code.cmp(&b.code));
    let mut ctx = Context::new();
    ctx.insert("municipalities", &by_code);
    ctx.insert("updated", site_updated);
    renderer.page("index.html", "index.html", &[], None, ctx)?;
    Ok(())
}
