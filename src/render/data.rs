//! The data pages: `data/` lists the site-wide files (everything in one JSON, every table,
//! the schemas, the Data Package, the catalogue) and links one page per municipality,
//! `data/<municipality>/`, which lists each of its series' tables, editions' JSON and compare
//! pages' files. Both are the theme's `data.html`, the municipality's page with
//! `municipality` set, so no page grows with the whole site.

use std::collections::HashMap;

use serde::Serialize;
use tera::Context;

use super::RenderError;
use super::describe::{self, Updated};
use super::view::{Renderer, crumb};
use crate::layout::{DATA_DIR, MUNICIPALITY_DATA_PAGE};
use crate::load::Site;
use crate::opendata::{DataFile, Export};

/// A municipality's files, as its data page lists them and the site's data page sums them.
#[derive(Debug, Serialize)]
struct MunicipalityData<'a> {
    /// 上田市.
    name: &'a str,
    /// 長野県.
    prefecture: &'a str,
    /// 全国地方公共団体コード.
    code: &'a str,
    /// Its data page.
    url: String,
    /// Its pages on the site.
    page_url: String,
    /// Its series, in site order.
    series: Vec<SeriesData<'a>>,
    /// How many files its page lists.
    files: usize,
}

/// A series' files.
#[derive(Debug, Serialize)]
struct SeriesData<'a> {
    /// The series' title.
    title: &'a str,
    /// The series page.
    url: String,
    /// Its CSV tables, every edition's rows.
    tables: Vec<&'a DataFile>,
    /// Each edition's JSON.
    editions: Vec<&'a DataFile>,
    /// Each compare page's `changes.json` and `changes.csv`.
    compares: Vec<&'a DataFile>,
}

/// Queue the site's data page and every municipality's.
pub(super) fn data_pages(
    renderer: &mut Renderer,
    site: &Site,
    base: &str,
    export: &Export,
    site_updated: &Option<Updated>,
) -> Result<(), RenderError> {
    let mut by_series: HashMap<&str, Vec<&DataFile>> = HashMap::new();
    for f in &export.listing {
        by_series.entry(f.series.as_str()).or_default().push(f);
    }
    let municipalities: Vec<MunicipalityData> = site
        .municipalities
        .iter()
        .map(|m| {
            let series: Vec<SeriesData> = m
                .series
                .iter()
                .map(|s| {
                    let id = format!("{}/{}", m.slug, s.slug);
                    let mut view = SeriesData {
                        title: &s.title,
                        url: format!("{base}{id}/"),
                        tables: Vec::new(),
                        editions: Vec::new(),
                        compares: Vec::new(),
                    };
                    for f in by_series.get(id.as_str()).into_iter().flatten() {
                        match (f.path.starts_with(DATA_DIR), f.format) {
                            (true, "CSV") => view.tables.push(f),
                            (true, _) => view.editions.push(f),
                            (false, _) => view.compares.push(f),
                        }
                    }
                    view
                })
                .collect();
            MunicipalityData {
                name: &m.name,
                prefecture: &m.prefecture,
                code: m.code.get_ref(),
                url: format!("{base}{DATA_DIR}/{}/", m.slug),
                page_url: format!("{base}{}/", m.slug),
                files: series
                    .iter()
                    .map(|s| s.tables.len() + s.editions.len() + s.compares.len())
                    .sum(),
                series,
            }
        })
        .collect();
    let site_wide: Vec<&DataFile> = by_series.get("").cloned().unwrap_or_default();
    let mut ctx = Context::new();
    ctx.insert("files", &site_wide);
    ctx.insert("municipalities", &municipalities);
    ctx.insert("sample", &export.sample);
    ctx.insert("dataset_jsonld", &export.dataset_jsonld);
    ctx.insert(
        "description",
        &describe::site_page(
            &site.config.title,
            "オープンデータ（JSON・CSV・メタデータ）の一覧",
        ),
    );
    ctx.insert("updated", site_updated);
    renderer.page(
        "data.html",
        &format!("{DATA_DIR}/index.html"),
        &[],
        Some("オープンデータ"),
        ctx,
    )?;
    let crumbs = [crumb("オープンデータ", &format!("{base}{DATA_DIR}/"))];
    for (m, view) in site.municipalities.iter().zip(&municipalities) {
        let mut ctx = Context::new();
        ctx.insert("municipality", view);
        ctx.insert("description", &describe::municipality_data(m));
        ctx.insert(
            "updated",
            &describe::updated(describe::municipality_editions(m)),
        );
        renderer.page(
            "data.html",
            &format!("{DATA_DIR}/{}/{MUNICIPALITY_DATA_PAGE}", m.slug),
            &crumbs,
            Some(&m.name),
            ctx,
        )?;
    }
    Ok(())
}
