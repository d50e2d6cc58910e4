//! A sheet as a grid of text cells with its merged ranges, read from `.xlsx`, `.xls`, `.ods`
//! (calamine) or `.csv` (UTF-8 with or without BOM, or Shift_JIS).

use std::fs;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, Reader, Sheets, open_workbook_auto};

use crate::diagnostic::Message;

/// One sheet: text of every cell (row-major, from A1), and the merged ranges.
#[derive(Debug, Default)]
pub struct Grid {
    /// File name as given, for messages (`goals.xlsx`).
    pub file: String,
    /// Sheet name (a CSV file has one sheet, named after the file).
    pub sheet: String,
    /// Cell text by row and column, from A1; rows may differ in length.
    pub cells: Vec<Vec<String>>,
    /// Merged ranges as (first row, first column, last row, last column), 0-based, inclusive.
    pub merges: Vec<(usize, usize, usize, usize)>,
    /// A1 of the hidden `kohyo` sheet when the workbook is a kohyo form: the edition's other keys.
    pub meta: Option<String>,
}

/// Name of the hidden sheet of a kohyo form holding the edition's keys not shown as columns.
pub const META_SHEET: &str = "kohyo";

impl Grid {
    /// The text of a cell, or "" outside the grid.
    pub fn text(&self, row: usize, col: usize) -> &str {
        self.cells
            .get(row)
            .and_then(|r| r.get(col))
            .map_or("", String::as_str)
    }

    /// Number of columns of the widest row.
    pub fn width(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(0)
    }

    /// The merged range a cell is the top-left of, if any.
    pub fn merge_at(&self, row: usize, col: usize) -> Option<(usize, usize, usize, usize)> {
        self.merges
            .iter()
            .copied()
            .find(|m| m.0 == row && m.1 == col)
    }

    /// Whether a cell lies inside a merged range without being its top-left cell.
    pub fn covered(&self, row: usize, col: usize) -> bool {
        self.merges.iter().any(|&(r0, c0, r1, c1)| {
            (r0..=r1).contains(&row) && (c0..=c1).contains(&col) && (r0, c0) != (row, col)
        })
    }

    /// `FILE:SHEET!CELL`, as messages name a place.
    pub fn place(&self, row: usize, col: usize) -> String {
        format!("{}:{}!{}", self.file, self.sheet, cell_name(row, col))
    }
}

/// `A1`-style name of a 0-based cell.
pub fn cell_name(row: usize, col: usize) -> String {
    format!("{}{}", column_name(col), row + 1)
}

/// Letters of a 0-based column (`A`, `AA`).
pub fn column_name(col: usize) -> String {
    let mut letters = Vec::new();
    let mut c = col + 1;
    while c > 0 {
        let rem = (c - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        c = (c - 1) / 26;
    }
    letters.reverse();
    letters.into_iter().collect()
}

/// Read one sheet of `path`: `sheet` by name, or the first one.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Grid, Message> {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => read_csv(path, file),
        Some("xlsx" | "xlsm" | "xls" | "ods") => read_workbook(path, file, sheet),
        _ => Err(Message::new(
            format!("{file}: expected a .xlsx, .xls, .ods or .csv file"),
            format!(
                "{file}: 取り込めるのは .xlsx、.xls、.ods、.csv のファイルです。表計算ソフトでこのいずれかの形式で保存してください"
            ),
        )),
    }
}

fn read_csv(path: &Path, file: String) -> Result<Grid, Message> {
    let bytes = fs::read(path).map_err(|e| {
        Message::new(
            format!("{file}: cannot read: {e}"),
            format!("{file}: ファイルを読み込めません。ファイル名と場所を確かめてください: {e}"),
        )
    })?;
    let text = decode_csv(&bytes).ok_or_else(|| {
        Message::new(
            format!("{file}: expected text in UTF-8 or Shift_JIS, found bytes that are neither"),
            format!(
                "{file}: 文字コードが UTF-8 でも Shift_JIS でもありません。CSV を UTF-8 か Shift_JIS で保存し直してください"
            ),
        )
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut cells = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Message::new(
                format!("{file}: line {}: {e}", i + 1),
                format!("{file}: {} 行目が CSV として読めません: {e}", i + 1),
            )
        })?;
        cells.push(record.iter().map(str::to_string).collect());
    }
    let sheet = path
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    Ok(Grid {
        file,
        sheet,
        cells,
        merges: Vec::new(),
        meta: None,
    })
}

/// UTF-8 (a BOM removed), else Shift_JIS when it decodes without errors.
fn decode_csv(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Some(text.to_string());
    }
    let (text, _, had_errors) = encoding_rs::SHIFT_JIS.decode(bytes);
    (!had_errors).then(|| text.into_owned())
}

fn read_workbook(path: &Path, file: String, sheet: Option<&str>) -> Result<Grid, Message> {
    let mut book = open_workbook_auto(path).map_err(|e| open_error(&file, &e.to_string()))?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                let names = names.join(", ");
                Message::new(
                    format!("{file}: no sheet `{s}`: expected one of {names}"),
                    format!(
                        "{file}: シート `{s}` がありません。次のどれかを --sheet に指定してください: {names}"
                    ),
                )
            })?,
        None => names
            .iter()
            .find(|n| n.as_str() != META_SHEET)
            .cloned()
            .ok_or_else(|| {
                Message::new(
                    format!("{file}: the workbook has no sheet"),
                    format!("{file}: ブックにシートがありません"),
                )
            })?,
    };
    let range = book
        .worksheet_range(&name)
        .map_err(|e| open_error(&file, &e.to_string()))?;
    let (top, left) = range
        .start()
        .map_or((0, 0), |(r, c)| (r as usize, c as usize));
    let mut cells = vec![Vec::new(); top];
    for row in range.rows() {
        let mut line = vec![String::new(); left];
        line.extend(row.iter().map(cell_text));
        cells.push(line);
    }
    let merges = merged(&mut book, &name)
        .map_err(|e| open_error(&file, &e))?
        .into_iter()
        .map(|d| {
            (
                d.start.0 as usize,
                d.start.1 as usize,
                d.end.0 as usize,
                d.end.1 as usize,
            )
        })
        .collect();
    let meta = match names.iter().any(|n| n == META_SHEET) {
        true => book
            .worksheet_range(META_SHEET)
            .ok()
            .and_then(|r| r.get_value((0, 0)).map(cell_text)),
        false => None,
    };
    Ok(Grid {
        file,
        sheet: name,
        cells,
        merges,
        meta,
    })
}

fn merged(
    book: &mut Sheets<BufReader<fs::File>>,
    name: &str,
) -> Result<Vec<calamine::Dimensions>, String> {
    match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).map_err(|e| e.to_string()),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).map_err(|e| e.to_string()),
        _ => Ok(Vec::new()),
    }
}

fn open_error(file: &str, message: &str) -> Message {
    if message.to_lowercase().contains("password") {
        Message::new(
            format!(
                "{file}: the workbook is password-protected; expected an unprotected file (save a copy without a password)"
            ),
            format!(
                "{file}: ブックにパスワードが掛かっています。パスワードを外した写しを保存して取り込んでください"
            ),
        )
    } else {
        Message::new(
            format!(
                "{file}: cannot read the workbook ({message}); expected an .xlsx, .xls or .ods file saved by a spreadsheet program"
            ),
            format!(
                "{file}: ブックを読み込めません（{message}）。ファイルがあるか確かめ、表計算ソフトで .xlsx、.xls、.ods のいずれかとして保存してください"
            ),
        )
    }
}

/// A cell's text as the sheet shows it: numbers without a trailing `.0`.
fn cell_text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_names() {
        assert_eq!(cell_name(0, 0), "A1");
        assert_eq!(cell_name(11, 2), "C12");
        assert_eq!(cell_name(0, 26), "AA1");
    }

    #[test]
    fn csv_encodings() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode("重点目標,期限");
        assert_eq!(decode_csv(&sjis).as_deref(), Some("重点目標,期限"));
        assert_eq!(
            decode_csv("\u{feff}重点目標".as_bytes()).as_deref(),
            Some("重点目標")
        );
    }
}
