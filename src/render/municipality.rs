//! The municipality page, and the municipality's view that the home page lists too.

use serde::Serialize;
use tera::Context;

use super::RenderError;
use super::series::{SeriesView, series_view};
use super::view::{BySeries, Renderer};
use super::{describe, feeds};
use crate::model::Municipality;
use crate::opendata;

/// Queue the page of `m`, whose view is `mv`.
pub(super) fn municipality_page(
    renderer: &mut Renderer,
    m: &Municipality,
    mv: &MunicipalityView,
) -> Result<(), RenderError> {
    let base = renderer.base;
    let mut ctx = Context::new();
    ctx.insert("municipality", mv);
    ctx.insert("organization_jsonld", &organization_jsonld(m, base));
    ctx.insert("feeds", &renderer.feeds(feeds::municipality_feed(m, base)));
    ctx.insert("description", &describe::municipality(m));
    ctx.insert(
        "updated",
        &describe::updated(describe::municipality_editions(m)),
    );
    renderer.page(
        "municipality.html",
        &format!("{}/index.html", m.slug),
        &[],
        Some(&m.name),
        ctx,
    )?;
    Ok(())
}

/// schema.org `GovernmentOrganization` JSON-LD for a municipality page: its name, prefecture
/// and 全国地方公共団体コード.
fn organization_jsonld(m: &Municipality, base: &str) -> String {
    opendata::metadata::script_json(&serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentOrganization",
        "name": m.name,
        "identifier": {
            "@type": "PropertyValue",
            "propertyID": "全国地方公共団体コード",
            "value": m.code.get_ref(),
        },
        "address": {"@type": "PostalAddress", "addressRegion": m.prefecture, "addressCountry": "JP"},
        "url": format!("{base}{}/", m.slug),
    }))
}

/// A municipality as listed on the home page and its own page.
#[derive(Debug, Serialize)]
pub(super) struct MunicipalityView {
    /// 上田市.
    pub name: String,
    /// 長野県.
    pub prefecture: String,
    /// 全国地方公共団体コード.
    pub code: String,
    /// Page URL.
    pub url: String,
    /// Its series.
    pub series: Vec<SeriesView>,
}

/// A municipality with its series.
pub(super) fn municipality_view(
    m: &Municipality,
    base: &str,
    by_series: &BySeries,
) -> MunicipalityView {
    MunicipalityView {
        name: m.name.clone(),
        prefecture: m.prefecture.clone(),
        code: m.code.get_ref().clone(),
        url: format!("{base}{}/", m.slug),
        series: m
            .series
            .iter()
            .map(|s| series_view(m, s, base, by_series))
            .collect(),
    }
}
