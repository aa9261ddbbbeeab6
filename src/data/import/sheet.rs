//! Spreadsheet rows (XLSX, XLS, ODS) through calamine. Excel date serials become dates.
//! Zip-based files are checked before they are opened (`unpack`). An XLSX sheet is read a
//! cell at a time, never whole: once to survey it (cell sizes, its box, header and column
//! types), once to load it. XLS and ODS, which calamine reads only whole, are bounded by the
//! upload's size and the unpack check. No cell may be larger than `max_cell`.

use super::types::{ColType, Inference};
use super::unpack::not_valid;
use super::{ImportError, RowSource};
use calamine::{open_workbook_auto_from_rs, Data, DataRef, DataType, Range, Reader, Sheets, Xlsx};
use std::borrow::Cow;
use std::io::Cursor;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Arc;

/// Most bytes of text a sheet's cells may hold in all: a shared text is kept once and every
/// cell may name it (a 1 MB text in a million cells is a terabyte to store).
const MAX_SHEET_TEXT: usize = 1 << 30;

/// The bytes of a workbook, shared by the passes that read it.
type Bytes = Cursor<Arc<[u8]>>;

/// A sheet to import.
pub enum Sheet {
    /// XLSX, surveyed: read again, a cell at a time, to load it. Rows from `first_row`,
    /// columns `first_col..first_col + width`: the box of its cells that are not empty; its
    /// first row (`header`) and the types of the columns' values below it.
    Streamed {
        bytes: Arc<[u8]>,
        name: String,
        first_row: u32,
        first_col: u32,
        width: u32,
        header: Vec<String>,
        types: Vec<ColType>,
    },
    /// Read whole by calamine.
    Whole(Arc<Range<Data>>),
}

impl Sheet {
    /// Its rows, as text.
    pub fn rows(this: &Arc<Sheet>, file: &str) -> Box<dyn RowSource> {
        match &**this {
            Sheet::Whole(range) => Box::new(SheetRows {
                range: range.clone(),
                next: 0,
            }),
            Sheet::Streamed { .. } => Box::new(StreamedRows::start(this.clone(), file)),
        }
    }

    /// The header and inferred column types of a surveyed sheet.
    pub fn survey(&self) -> Option<(&[String], &[ColType])> {
        match self {
            Sheet::Streamed { header, types, .. } => Some((header, types)),
            Sheet::Whole(_) => None,
        }
    }
}

/// Opens one sheet (by name, or the first), checking every cell's size.
pub fn read_sheet(
    bytes: Vec<u8>,
    file: &str,
    sheet: Option<&str>,
    max_cell: usize,
) -> Result<Sheet, ImportError> {
    let bytes = if bytes.starts_with(b"PK") {
        super::unpack::check(bytes, file, max_cell)?
    } else {
        bytes
    };
    let bytes: Arc<[u8]> = Arc::from(bytes);
    let format = |message: String| ImportError::Format {
        file: file.into(),
        message,
    };
    let mut book = open_workbook_auto_from_rs(Cursor::new(bytes.clone())).map_err(|e| {
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
    let unreadable = |e: &dyn std::fmt::Display| {
        tracing::debug!(file, sheet = %name, error = %e, "calamine cannot read the sheet");
        format(format!(
            "the sheet `{name}` could not be read: the file may be damaged"
        ))
    };
    let too_large = |(row, col): (u32, u32), header: &str| ImportError::CellTooLarge {
        file: file.into(),
        at: format!(
            "sheet `{name}`, row {}, column {}{}",
            row + 1,
            column_letters(col),
            if header.is_empty() {
                String::new()
            } else {
                format!(" (`{}`)", crate::model::text::truncate(header, 60))
            }
        ),
        limit: max_cell,
    };
    if let Sheets::Xlsx(xlsx) = &mut book {
        let mut cells = xlsx
            .worksheet_cells_reader(&name)
            .map_err(|e| unreadable(&e))?;
        let (mut seen, mut total) = (Seen::default(), 0usize);
        while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
            if cell.get_value().is_empty() {
                continue;
            }
            let (pos, text) = (cell.get_position(), ref_text(cell.get_value()));
            if text.len() > max_cell {
                return Err(too_large(pos, &seen.header_of(pos.1)));
            }
            total += text.len();
            if total > MAX_SHEET_TEXT {
                return Err(too_much(file, &name));
            }
            seen.add(pos, &text);
        }
        if let Some((first_row, first_col, width)) = seen.bounds() {
            let frame = first_col as usize..(first_col + width) as usize;
            let mut header = vec![String::new(); width as usize];
            for (c, text) in seen.header {
                header[(c - first_col) as usize] = text;
            }
            seen.inference.resize(frame.end, Inference::default());
            return Ok(Sheet::Streamed {
                bytes,
                name: name.clone(),
                first_row,
                first_col,
                width,
                header,
                types: seen.inference[frame].iter().map(|i| i.result()).collect(),
            });
        }
        // Empty, or rows out of order (not as Excel writes them): read whole below.
    }
    let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut total = 0usize;
    for (r, c, value) in range.used_cells() {
        total += text_len(value);
        if total > MAX_SHEET_TEXT {
            return Err(too_much(file, &name));
        }
        if text_len(value) > max_cell {
            let header = range
                .get((0, c))
                .filter(|_| r > 0)
                .map(cell_text)
                .unwrap_or_default();
            return Err(too_large((top + r as u32, left + c as u32), &header));
        }
    }
    Ok(Sheet::Whole(Arc::new(range)))
}

fn too_much(file: &str, sheet: &str) -> ImportError {
    ImportError::Format {
        file: file.into(),
        message: format!(
            "the cells of sheet `{sheet}` hold more than {} of text in all, the most one import \
             may hold",
            super::size(MAX_SHEET_TEXT)
        ),
    }
}

/// What the survey of an XLSX sheet found so far: the box of its cells that are not empty,
/// its first row, and the type of each column's values below it.
#[derive(Default)]
struct Seen {
    /// (first row, first column, last column, last position)
    bounds: Option<(u32, u32, u32, (u32, u32))>,
    ordered: bool,
    header: Vec<(u32, String)>,
    /// By column, from A.
    inference: Vec<Inference>,
}

impl Seen {
    fn add(&mut self, pos: (u32, u32), text: &str) {
        match &mut self.bounds {
            None => {
                self.bounds = Some((pos.0, pos.1, pos.1, pos));
                self.ordered = true;
            }
            Some((_, first_col, last_col, last)) => {
                self.ordered &= pos > *last;
                *first_col = (*first_col).min(pos.1);
                *last_col = (*last_col).max(pos.1);
                *last = pos;
            }
        }
        if self.bounds.is_some_and(|b| b.0 == pos.0) {
            self.header.push((pos.1, text.to_string()));
        } else {
            let col = pos.1 as usize;
            if self.inference.len() <= col {
                self.inference.resize(col + 1, Inference::default());
            }
            self.inference[col].see(text);
        }
    }

    fn header_of(&self, col: u32) -> String {
        self.header
            .iter()
            .find(|(c, _)| *c == col)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// (first row, first column, width) when its cells came in order.
    fn bounds(&self) -> Option<(u32, u32, u32)> {
        let (row, first, last, _) = self.bounds?;
        self.ordered.then_some((row, first, last - first + 1))
    }
}

/// `A`, `Z`, `AA`, `XFD` for columns 0, 25, 26, 16383.
fn column_letters(col: u32) -> String {
    let mut n = col + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// Rows of a sheet read whole, as text the importer types like CSV fields.
struct SheetRows {
    range: Arc<Range<Data>>,
    next: usize,
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

/// Rows read on another thread, a few at a time: each its number (1-based) and cells; none
/// after the last.
type Rows = Result<Vec<(u64, Vec<String>)>, ImportError>;

/// Rows a message carries at most (one a message spent more time passing than reading).
const ROWS_AT_ONCE: usize = 256;

/// Rows of an XLSX sheet, read a cell at a time on a thread of their own (the cell reader
/// borrows the workbook it reads). The thread stops when these are dropped.
struct StreamedRows {
    rows: Receiver<Rows>,
    got: std::vec::IntoIter<(u64, Vec<String>)>,
    row_number: u64,
}

impl StreamedRows {
    fn start(sheet: Arc<Sheet>, file: &str) -> StreamedRows {
        let (send, rows) = std::sync::mpsc::sync_channel(4);
        let file = file.to_string();
        std::thread::spawn(move || {
            if let Err(e) = stream(&sheet, &file, &send) {
                let _ = send.send(Err(e));
            }
        });
        StreamedRows {
            rows,
            got: Vec::new().into_iter(),
            row_number: 0,
        }
    }
}

impl RowSource for StreamedRows {
    fn next_row(&mut self, out: &mut Vec<String>) -> Result<bool, ImportError> {
        if self.got.len() == 0 {
            self.got = match self.rows.recv() {
                Ok(rows) => rows?.into_iter(),
                // The reading thread ended without saying so: it panicked.
                Err(_) => {
                    return Err(ImportError::Options(
                        "reading the sheet failed; the server log may say more".into(),
                    ))
                }
            };
        }
        match self.got.next() {
            Some((number, cells)) => {
                self.row_number = number;
                *out = cells;
                Ok(true)
            }
            None => Ok(false),
        }
    }

    fn row_number(&self) -> u64 {
        self.row_number
    }
}

/// Sends the rows of `sheet`, empty ones between rows with cells included.
fn stream(sheet: &Sheet, file: &str, send: &SyncSender<Rows>) -> Result<(), ImportError> {
    let Sheet::Streamed {
        bytes,
        name,
        first_row,
        first_col,
        width,
        ..
    } = sheet
    else {
        return Ok(());
    };
    let failed = |e: calamine::XlsxError| ImportError::Format {
        file: file.into(),
        message: format!("the sheet `{name}` could not be read again ({e})"),
    };
    let mut book: Xlsx<Bytes> = Xlsx::new(Cursor::new(bytes.clone())).map_err(failed)?;
    let mut cells = book.worksheet_cells_reader(name).map_err(failed)?;
    let width = *width as usize;
    let mut row = vec![String::new(); width];
    let (mut at, mut bytes_in_row) = (*first_row, 0usize);
    let (mut ready, mut ready_bytes) = (Vec::with_capacity(ROWS_AT_ONCE), 0);
    while let Some(cell) = cells.next_cell().map_err(failed)? {
        if cell.get_value().is_empty() {
            continue;
        }
        let (r, c) = cell.get_position();
        while r > at {
            ready.push((
                at as u64 + 1,
                std::mem::replace(&mut row, vec![String::new(); width]),
            ));
            ready_bytes += bytes_in_row;
            if ready.len() == ROWS_AT_ONCE || ready_bytes > super::MAX_ROW_BYTES {
                let full = std::mem::replace(&mut ready, Vec::with_capacity(ROWS_AT_ONCE));
                if send.send(Ok(full)).is_err() {
                    return Ok(());
                }
                ready_bytes = 0;
            }
            (at, bytes_in_row) = (at + 1, 0);
        }
        let text = ref_text(cell.get_value()).into_owned();
        bytes_in_row += text.len();
        if bytes_in_row > super::MAX_ROW_BYTES {
            return Err(ImportError::Row {
                file: file.into(),
                row: r as u64 + 1,
                message: format!(
                    "holds more than {}, the most one row may hold",
                    super::size(super::MAX_ROW_BYTES)
                ),
            });
        }
        if let Some(slot) = row.get_mut(c.saturating_sub(*first_col) as usize) {
            *slot = text;
        }
    }
    ready.push((at as u64 + 1, row));
    if send.send(Ok(ready)).is_ok() {
        let _ = send.send(Ok(Vec::new()));
    }
    Ok(())
}

/// A cell's text as the importer reads it, borrowed when the cell holds text.
fn ref_text<'a>(v: &'a DataRef<'_>) -> Cow<'a, str> {
    match v {
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cow::Borrowed(s),
        DataRef::SharedString(s) => Cow::Borrowed(s),
        DataRef::Empty | DataRef::Error(_) => Cow::Borrowed(""),
        v => Cow::Owned(cell_text(&Data::from(v.clone()))),
    }
}

/// The bytes of a cell's text (numbers, dates and booleans are short).
fn text_len(c: &Data) -> usize {
    match c {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.len(),
        _ => 0,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn imported(bytes: Vec<u8>) -> Vec<String> {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        let name = super::super::DatasetName::parse("t").unwrap();
        let input = super::super::Input::Bytes(Arc::from(bytes));
        let opts = super::super::Options::default();
        let info = super::super::import(&mut c, &name, "s.xlsx", &input, &opts, None, &|_| {});
        let info = info.unwrap();
        let mut out: Vec<String> = info
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.kind))
            .collect();
        let mut stmt = c.prepare("SELECT * FROM t ORDER BY rowid").unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((0..3)
                    .map(|i| format!("{:?}", r.get::<_, rusqlite::types::Value>(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap();
        out.extend(rows.map(Result::unwrap));
        out
    }

    #[test]
    fn a_sheet_is_the_box_of_its_cells_with_empty_rows_between() {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.write(2, 1, "Name").unwrap();
        ws.write(2, 3, "N").unwrap();
        ws.write(3, 1, "a").unwrap();
        ws.write(3, 3, 1).unwrap();
        ws.write(5, 2, "x").unwrap();
        ws.write(6, 3, 2.5).unwrap();
        assert_eq!(
            imported(wb.save_to_buffer().unwrap()),
            [
                "name text",
                "column_2 text",
                "n real",
                "Text(\"a\")|Null|Real(1.0)",
                "Null|Null|Null",
                "Null|Text(\"x\")|Null",
                "Null|Null|Real(2.5)",
            ]
        );
    }

    #[test]
    fn columns_are_named_by_their_letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(16383), "XFD");
    }
}
