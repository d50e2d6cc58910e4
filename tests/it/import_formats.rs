//! `kohyo import` of an OpenDocument spreadsheet (.ods): the seed-like workbook of 上田市
//! 政策企画部's 令和4年度 table (an item per row, goals over their items' rows), written again as .ods (cells, in-cell line breaks as paragraphs, merged
//! goal cells as spanned and covered cells), gives the hand-written edition.

use std::fs;
use std::io::Write;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use zip::write::SimpleFileOptions;

use crate::common::{copy_site, sample_root, stderr};
use crate::import::{Layout, edition_json, import, seed_workbook};

/// XML text with `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Write the first sheet of `xlsx` as the OpenDocument spreadsheet `ods`: a string cell per
/// cell, one `text:p` per line, merged ranges as `table:number-rows-spanned` and covered cells.
fn xlsx_to_ods(xlsx: &Path, ods: &Path) {
    let mut book: Xlsx<_> = open_workbook(xlsx).expect("the workbook opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("its first sheet");
    let merges = book.merge_cells_by_sheet_name(&name).expect("merged cells");
    assert!(!merges.is_empty(), "the fixture merges goal cells");
    let (top, left) = range.start().expect("cells");
    let (bottom, right) = range.end().expect("cells");
    let mut rows = String::new();
    for r in 0..=bottom {
        rows.push_str("<table:table-row>");
        for c in 0..=right {
            let data = (r >= top && c >= left)
                .then(|| range.get_value((r, c)))
                .flatten()
                .unwrap_or(&Data::Empty);
            let covered = merges.iter().any(|m| {
                (m.start.0..=m.end.0).contains(&r)
                    && (m.start.1..=m.end.1).contains(&c)
                    && (m.start.0, m.start.1) != (r, c)
            });
            if covered {
                rows.push_str("<table:covered-table-cell/>");
                continue;
            }
            let span = merges
                .iter()
                .find(|m| (m.start.0, m.start.1) == (r, c))
                .map_or(String::new(), |m| {
                    format!(
                        r#" table:number-rows-spanned="{}" table:number-columns-spanned="{}""#,
                        m.end.0 - m.start.0 + 1,
                        m.end.1 - m.start.1 + 1
                    )
                });
            match data {
                Data::Empty => rows.push_str(&format!("<table:table-cell{span}/>")),
                other => {
                    let text = match other {
                        Data::String(s) => s.clone(),
                        d => d.to_string(),
                    };
                    let paragraphs: String = text
                        .split('\n')
                        .map(|l| format!("<text:p>{}</text:p>", escape(l)))
                        .collect();
                    rows.push_str(&format!(
                        r#"<table:table-cell office:value-type="string"{span}>{paragraphs}</table:table-cell>"#
                    ));
                }
            }
        }
        rows.push_str("</table:table-row>");
    }
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{}">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#,
        escape(&name)
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#;
    let mut zip = zip::ZipWriter::new(fs::File::create(ods).unwrap());
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, body) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content.as_str()),
    ] {
        zip.start_file(path, stored).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn an_ods_sheet_imports_as_written() {
    let site = kohyo::load::load(&sample_root()).unwrap();
    let (series, slug) = ("ueda/seisaku-kikaku", "2022");
    let (_, s) = site.series(series).unwrap();
    let edition = s.editions.iter().find(|e| e.slug == slug).unwrap();
    let dir = copy_site(&sample_root());
    let xlsx = dir.path().join("goals.xlsx");
    let layout = Layout {
        lists: vec![("results", "")],
        evaluation: false,
        items_per_cell: false,
    };
    seed_workbook(s, edition, &layout, &xlsx);
    let ods = dir.path().join("goals.ods");
    xlsx_to_ods(&xlsx, &ods);
    fs::remove_file(dir.path().join(&edition.source_path)).unwrap();
    let out = import(dir.path(), &ods, series, slug, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("goals.ods:Sheet1!B"),
        "the notes row is named in the .ods: {}",
        stderr(&out)
    );
    let id = format!("{series}/{slug}");
    assert_eq!(
        edition_json(dir.path(), &id),
        edition_json(&sample_root(), &id)
    );
}
