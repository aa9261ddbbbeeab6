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
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format(format!("the spreadsheet is not a valid zip archive ({e})")))?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| format(format!("damaged zip entry ({e})")))?;
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
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format(format!("cannot read the spreadsheet ({e})")))?;
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
    book.worksheet_range(&name)
        .map_err(|e| format(format!("cannot read sheet `{name}` ({e})")))
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
