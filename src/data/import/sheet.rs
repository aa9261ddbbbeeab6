//! Spreadsheet rows (XLSX, XLS, ODS) through calamine. Excel date serials become dates.
//! Zip-based files are checked for decompression bombs before they are opened.

use super::{ImportError, RowSource};
use calamine::{open_workbook_auto_from_rs, Data, DataType, Range, Reader};
use std::io::Cursor;
use std::sync::Arc;

/// Most bytes a spreadsheet may unpack to.
const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// Refuses zip archives whose entries unpack to more than `MAX_UNPACKED`.
fn check_zip(bytes: &[u8], file: &str) -> Result<(), ImportError> {
    let format = |message: String| ImportError::Format {
        file: file.into(),
        message,
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
        tracing::debug!(file, error = %e, "not a zip archive");
        format(not_a_zip(file))
    })?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| {
            tracing::debug!(file, error = %e, "damaged zip entry");
            format(format!("{} (its zip archive is damaged)", not_valid(file)))
        })?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED {
        return Err(format(format!(
            "it would unpack to {} MB, more than the {} MB allowed",
            total / (1024 * 1024),
            MAX_UNPACKED / (1024 * 1024)
        )));
    }
    Ok(())
}

/// Reads one sheet (by name, or the first) into memory.
pub fn read_sheet(
    bytes: Vec<u8>,
    file: &str,
    sheet: Option<&str>,
) -> Result<Range<Data>, ImportError> {
    if bytes.starts_with(b"PK") {
        check_zip(&bytes, file)?;
    }
    let format = |message: String| ImportError::Format {
        file: file.into(),
        message,
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
        // The library's words (`Could not find EOCD`, `Invalid OLE signature`) stay in the log.
        tracing::debug!(file, error = %e, "calamine cannot open the workbook");
        format(format!(
            "{} (it could not be opened as a spreadsheet)",
            not_valid(file)
        ))
    })?;
    let names = book.sheet_names();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| {
                format(format!(
                    "no sheet named `{s}` (sheets: {})",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| format("the workbook has no sheets".into()))?,
    };
    book.worksheet_range(&name).map_err(|e| {
        tracing::debug!(file, sheet = %name, error = %e, "calamine cannot read the sheet");
        format(format!(
            "the sheet `{name}` could not be read: the file may be damaged"
        ))
    })
}

/// What a spreadsheet file calls itself, from its name: `XLSX`, `ODS`, ... (`spreadsheet`).
fn kind_of(file: &str) -> String {
    let lower = file.to_ascii_lowercase();
    match lower.rsplit_once('.') {
        Some((_, ext @ ("xlsx" | "xlsm" | "xls" | "ods"))) => ext.to_ascii_uppercase(),
        _ => "spreadsheet".into(),
    }
}

/// `this is not a valid XLSX file`
pub(super) fn not_valid(file: &str) -> String {
    match kind_of(file).as_str() {
        "spreadsheet" => "this is not a valid spreadsheet file".into(),
        k => format!("this is not a valid {k} file"),
    }
}

/// `this is not a valid XLSX file (it is not a zip archive)`: XLSX and ODS files are zip
/// archives, so a file that is not one is not a spreadsheet, whatever its name says.
pub(super) fn not_a_zip(file: &str) -> String {
    format!("{} (it is not a zip archive)", not_valid(file))
}

/// Rows of a sheet, as text the importer types like CSV fields.
pub struct SheetRows {
    range: Arc<Range<Data>>,
    next: usize,
}

impl SheetRows {
    /// Rows from the top of `range`.
    pub fn new(range: Arc<Range<Data>>) -> SheetRows {
        SheetRows { range, next: 0 }
    }
}

impl RowSource for SheetRows {
    fn next_row(&mut self, out: &mut Vec<String>) -> Result<bool, ImportError> {
        let (height, width) = self.range.get_size();
        if self.next >= height {
            return Ok(false);
        }
        super::fill(
            out,
            (0..width).map(|c| {
                std::borrow::Cow::Owned(
                    self.range
                        .get((self.next, c))
                        .map(cell_text)
                        .unwrap_or_default(),
                )
            }),
        );
        self.next += 1;
        Ok(true)
    }

    fn row_number(&self) -> u64 {
        self.range.start().map(|(r, _)| r as u64).unwrap_or(0) + self.next as u64
    }
}

fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty | Data::Error(_) => String::new(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::String(s) => s.clone(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(_) => match c.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => {
                dt.date().format("%Y-%m-%d").to_string()
            }
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => String::new(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
    }
}
