//! Importing a file into the dataset store. CSV and spreadsheets share one path: rows as text →
//! types inferred from the whole file (or set per column) → rows streamed in prepared-statement
//! batches → the new table swapped in (replace) or appended, in one transaction. A failed
//! import leaves the previous data untouched. No cell may hold more than `MAX_CELL_BYTES`:
//! files are read a row at a time (XLSX a cell at a time), never a whole huge cell.

mod csv;
mod load;
mod sheet;
pub mod types;
mod unpack;

use crate::model::dataset::{ColumnInfo, DatasetInfo};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::Arc;
pub use types::ColType;

/// Most columns a dataset may have.
pub const MAX_COLUMNS: usize = 2000;
/// Most bytes one cell may hold: 30 times Excel's own limit of 32,767 characters. A larger
/// cell is refused naming its place, before it is read into memory.
pub const MAX_CELL_BYTES: usize = 1 << 20;
/// Most bytes of text one row may hold (spreadsheet cells may all name one shared string).
pub const MAX_ROW_BYTES: usize = 16 << 20;

/// A dataset name: a lowercase SQL identifier that is safe to use as a table name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasetName(String);

impl DatasetName {
    /// Checks `s` is 1–63 of `[a-z0-9_]`, starting with a letter, not reserved.
    pub fn parse(s: &str) -> Result<DatasetName, ImportError> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && !s.starts_with("sqlite_")
            && !s.starts_with("quire_");
        if ok {
            Ok(DatasetName(s.to_string()))
        } else {
            Err(ImportError::BadName(crate::model::text::truncate(s, 80)))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why an import failed. The previous data of the dataset is untouched in every case.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("dataset name `{0}` is invalid: use lowercase letters, digits and _, starting with a letter")]
    BadName(String),
    #[error("{file}: the file is empty")]
    Empty { file: String },
    #[error("{file}: {message}")]
    Format { file: String, message: String },
    #[error("{file}: row {row}: {message}")]
    Row {
        file: String,
        row: u64,
        message: String,
    },
    #[error("{file}: row {row}, column `{column}`: {message}")]
    Cell {
        file: String,
        row: u64,
        column: String,
        message: String,
    },
    #[error("{file}: {at}: the cell holds more than {}, the most one cell may hold", size(*limit))]
    CellTooLarge {
        file: String,
        /// `row 2, column `note``; `sheet `Data`, row 2, column B (`note`)`
        at: String,
        limit: usize,
    },
    #[error("{0}")]
    Options(String),
    #[error(
        "another import is being written to the dataset store; try again when it has finished"
    )]
    Busy,
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("storing the dataset failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl ImportError {
    fn io(file: &str, source: std::io::Error) -> ImportError {
        ImportError::Io {
            file: file.to_string(),
            source,
        }
    }
}

/// `1 MB`, `64 KB`, `100 bytes`.
fn size(bytes: usize) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KB", b >> 10),
        b => format!("{b} bytes"),
    }
}

/// Replace the dataset's rows, or add to them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Replace,
    Append,
}

impl Mode {
    /// Parses `replace|append`.
    pub fn parse(s: &str) -> Option<Mode> {
        match s.trim().to_ascii_lowercase().as_str() {
            "replace" => Some(Mode::Replace),
            "append" => Some(Mode::Append),
            _ => None,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub mode: Mode,
    /// For spreadsheets: the sheet (default: the first).
    pub sheet: Option<String>,
    /// Column types set by the user (by normalised column name), instead of inferred ones.
    pub types: BTreeMap<String, ColType>,
}

/// Where the bytes come from.
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    Bytes(Arc<[u8]>),
}

impl Input {
    fn open(&self) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(match self {
            Input::Path(p) => Box::new(std::io::BufReader::with_capacity(
                256 * 1024,
                std::fs::File::open(p)?,
            )),
            Input::Bytes(b) => Box::new(std::io::Cursor::new(b.clone())),
        })
    }

    /// sha256 of the content, to skip re-importing an unchanged file.
    pub fn hash(&self) -> std::io::Result<String> {
        let mut h = Sha256::new();
        std::io::copy(&mut self.open()?, &mut h)?;
        Ok(hex::encode(h.finalize()))
    }
}

/// Rows of text from a file.
pub trait RowSource: Send {
    /// Fills `out` with the next row; false at the end.
    fn next_row(&mut self, out: &mut Vec<String>) -> Result<bool, ImportError>;
    /// The 1-based row (line) number of the row last read, for messages.
    fn row_number(&self) -> u64;
}

/// Puts `fields` into `out`, reusing its strings: no allocation per cell once warm.
fn fill<'a>(out: &mut Vec<String>, fields: impl Iterator<Item = std::borrow::Cow<'a, str>>) {
    let mut n = 0;
    for f in fields {
        match out.get_mut(n) {
            Some(s) => {
                s.clear();
                s.push_str(&f);
            }
            None => out.push(f.into_owned()),
        }
        n += 1;
    }
    out.truncate(n);
}

enum Kind {
    Csv,
    Sheet(Arc<sheet::Sheet>),
}

fn detect(input: &Input, file: &str, sheet: Option<&str>) -> Result<Kind, ImportError> {
    let mut head = [0u8; 8];
    let n = input
        .open()
        .and_then(|mut r| r.read(&mut head))
        .map_err(|e| ImportError::io(file, e))?;
    let head = &head[..n];
    let lower = file.to_ascii_lowercase();
    let spreadsheet_name = [".xlsx", ".xlsm", ".xls", ".ods"]
        .iter()
        .any(|e| lower.ends_with(e));
    let zip = head.starts_with(b"PK\x03\x04");
    let ole = head.starts_with(b"\xD0\xCF\x11\xE0");
    if zip || ole {
        let mut bytes = Vec::new();
        input
            .open()
            .and_then(|mut r| r.read_to_end(&mut bytes))
            .map_err(|e| ImportError::io(file, e))?;
        return Ok(Kind::Sheet(Arc::new(sheet::read_sheet(
            bytes,
            file,
            sheet,
            MAX_CELL_BYTES,
        )?)));
    }
    if spreadsheet_name {
        let message = if lower.ends_with(".xls") {
            format!(
                "{} (it is not an Excel 97–2003 workbook)",
                unpack::not_valid(file)
            )
        } else {
            unpack::not_a_zip(file)
        };
        return Err(ImportError::Format {
            file: file.into(),
            message,
        });
    }
    Ok(Kind::Csv)
}

fn rows(kind: &Kind, input: &Input, file: &str) -> Result<Box<dyn RowSource>, ImportError> {
    Ok(match kind {
        Kind::Csv => Box::new(csv::CsvRows::new(
            input.open().map_err(|e| ImportError::io(file, e))?,
            file,
            (MAX_CELL_BYTES, MAX_ROW_BYTES),
        )?),
        Kind::Sheet(sheet) => sheet::Sheet::rows(sheet, file),
    })
}

/// Imports `input` as dataset `name`. `existing` is the dataset's current columns (for append).
pub fn import(
    conn: &mut Connection,
    name: &DatasetName,
    file: &str,
    input: &Input,
    opts: &Options,
    existing: Option<&[ColumnInfo]>,
    progress: &dyn Fn(u64),
) -> Result<DatasetInfo, ImportError> {
    // The content hash is read on another core while this one parses.
    std::thread::scope(|scope| {
        let hash = scope.spawn(|| input.hash());
        let result = import_rows(conn, name, file, input, opts, existing, progress);
        let source_hash = hash
            .join()
            .map_err(|_| ImportError::Options("hashing the file failed".into()))?
            .map_err(|e| ImportError::io(file, e))?;
        result.map(|info| DatasetInfo {
            source_hash,
            ..info
        })
    })
}

fn import_rows(
    conn: &mut Connection,
    name: &DatasetName,
    file: &str,
    input: &Input,
    opts: &Options,
    existing: Option<&[ColumnInfo]>,
    progress: &dyn Fn(u64),
) -> Result<DatasetInfo, ImportError> {
    let kind = detect(input, file, opts.sheet.as_deref())?;

    // Pass 1: header and types (a surveyed sheet has them already).
    let survey = match &kind {
        Kind::Sheet(sheet) => sheet.survey(),
        Kind::Csv => None,
    };
    let mut headers = Vec::new();
    let first = match survey {
        Some((header, types)) => {
            headers = header.to_vec();
            First::Surveyed(types)
        }
        None => {
            let mut src = rows(&kind, input, file)?;
            src.next_row(&mut headers)?;
            First::Reading(src)
        }
    };
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(ImportError::Empty { file: file.into() });
    }
    if headers.len() > MAX_COLUMNS {
        return Err(ImportError::Format {
            file: file.into(),
            message: format!(
                "{} columns; at most {MAX_COLUMNS} are allowed",
                headers.len()
            ),
        });
    }
    let columns = identifiers(&headers);
    if let Some(unknown) = opts.types.keys().find(|k| !columns.contains(k)) {
        return Err(ImportError::Options(format!(
            "type override for `{unknown}`: the file has no such column (columns: {})",
            columns.join(", ")
        )));
    }
    let fixed: Option<Vec<ColType>> = match (opts.mode, existing) {
        (Mode::Append, Some(cols)) => {
            let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
            if names != columns.iter().map(String::as_str).collect::<Vec<_>>() {
                return Err(ImportError::Options(format!(
                    "append: the file's columns ({}) do not match the dataset's ({})",
                    columns.join(", "),
                    names.join(", ")
                )));
            }
            Some(
                cols.iter()
                    .map(|c| ColType::parse(&c.kind).unwrap_or(ColType::Text))
                    .collect(),
            )
        }
        _ => None,
    };
    let types: Vec<ColType> = match (fixed, first) {
        (Some(t), _) => t,
        (None, First::Surveyed(inferred)) => overridden(&columns, inferred.to_vec(), opts),
        (None, First::Reading(mut src)) => {
            overridden(&columns, infer(&mut src, columns.len(), file)?, opts)
        }
    };

    let rows_loaded = load::write(
        conn,
        name,
        file,
        (&columns, &types, &headers),
        opts.mode == Mode::Append && existing.is_some(),
        rows(&kind, input, file)?,
        progress,
    )?;
    Ok(DatasetInfo {
        name: name.as_str().to_string(),
        source: file.to_string(),
        source_hash: String::new(),
        row_count: rows_loaded,
        columns: columns
            .into_iter()
            .zip(headers)
            .zip(&types)
            .map(|((name, original), t)| ColumnInfo {
                name,
                original,
                kind: t.name().to_string(),
            })
            .collect(),
        imported_at: crate::model::time::now_text(),
    })
}

/// Pass 1: what a file's header row and types come from.
enum First<'a> {
    /// A sheet's survey: the types inferred already.
    Surveyed(&'a [ColType]),
    /// The file's rows, after the header.
    Reading(Box<dyn RowSource>),
}

/// Each column's type from the rest of `src` (after its header of `width` fields).
fn infer(
    src: &mut Box<dyn RowSource>,
    width: usize,
    file: &str,
) -> Result<Vec<ColType>, ImportError> {
    let mut inference = vec![types::Inference::default(); width];
    let mut row = Vec::new();
    while src.next_row(&mut row)? {
        if row.len() > width {
            return Err(ImportError::Row {
                file: file.into(),
                row: src.row_number(),
                message: format!("has {} fields where the header has {width}", row.len()),
            });
        }
        for (inf, v) in inference.iter_mut().zip(&row) {
            inf.see(v);
        }
    }
    Ok(inference.into_iter().map(|i| i.result()).collect())
}

/// `inferred`, with the types the user set instead.
fn overridden(columns: &[String], inferred: Vec<ColType>, opts: &Options) -> Vec<ColType> {
    columns
        .iter()
        .zip(inferred)
        .map(|(c, t)| opts.types.get(c).copied().unwrap_or(t))
        .collect()
}

/// Header cells turned into distinct lowercase identifiers.
pub fn identifiers(headers: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    for (i, h) in headers.iter().enumerate() {
        let mut id = String::new();
        for c in h.trim().chars() {
            if c.is_ascii_alphanumeric() {
                id.push(c.to_ascii_lowercase());
            } else if !id.ends_with('_') {
                id.push('_');
            }
        }
        let mut id = id.trim_matches('_').to_string();
        if id.is_empty() {
            id = format!("column_{}", i + 1);
        } else if id.starts_with(|c: char| c.is_ascii_digit()) {
            id = format!("c_{id}");
        }
        let base = id.clone();
        let mut n = 2;
        while out.contains(&id) {
            id = format!("{base}_{n}");
            n += 1;
        }
        out.push(id);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(s: &str) -> Input {
        Input::Bytes(Arc::from(s.as_bytes()))
    }

    fn run(
        c: &mut Connection,
        file: &str,
        input: &Input,
        opts: &Options,
        existing: Option<&[ColumnInfo]>,
    ) -> Result<DatasetInfo, ImportError> {
        import(
            c,
            &DatasetName::parse("t").unwrap(),
            file,
            input,
            opts,
            existing,
            &|_| {},
        )
    }

    #[test]
    fn types_are_inferred_from_every_row() {
        let mut c = Connection::open_in_memory().unwrap();
        let info = run(
            &mut c,
            "t.csv",
            &bytes("Id;Day;Amount ($);Note;Paid\n1;2025-01-02;3;a;yes\n2;2025-01-03;4.5;;no\n"),
            &Options::default(),
            None,
        )
        .unwrap();
        let kinds: Vec<_> = info
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.kind.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("id", "integer"),
                ("day", "date"),
                ("amount", "real"),
                ("note", "text"),
                ("paid", "boolean")
            ]
        );
        let sum: f64 = c
            .query_row("SELECT sum(amount) FROM t WHERE paid IN (0, 1)", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(sum, 7.5);
        assert_eq!(info.row_count, 2);
    }

    #[test]
    fn a_failed_import_leaves_the_previous_rows() {
        let mut c = Connection::open_in_memory().unwrap();
        run(
            &mut c,
            "a.csv",
            &bytes("a\n1\n2\n"),
            &Options::default(),
            None,
        )
        .unwrap();
        let err = run(
            &mut c,
            "b.csv",
            &bytes("a,b\n1,2\n3\n"),
            &Options::default(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("b.csv: row 3"), "{err}");
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn append_adds_rows_with_the_datasets_types_and_checks_columns() {
        let mut c = Connection::open_in_memory().unwrap();
        let first = run(
            &mut c,
            "a.csv",
            &bytes("a,b\n1,x\n"),
            &Options::default(),
            None,
        )
        .unwrap();
        let append = Options {
            mode: Mode::Append,
            ..Default::default()
        };
        let info = run(
            &mut c,
            "b.csv",
            &bytes("a,b\n2,y\n"),
            &append,
            Some(&first.columns),
        )
        .unwrap();
        assert_eq!(info.row_count, 2);
        let err = run(
            &mut c,
            "c.csv",
            &bytes("a,c\n3,z\n"),
            &append,
            Some(&first.columns),
        )
        .unwrap_err();
        assert!(err.to_string().contains("do not match"), "{err}");
        let err = run(
            &mut c,
            "d.csv",
            &bytes("a,b\nthree,z\n"),
            &append,
            Some(&first.columns),
        )
        .unwrap_err();
        assert!(err.to_string().contains("row 2, column `a`"), "{err}");
        let n: i64 = c
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 2);
    }

    #[test]
    fn a_type_override_wins_and_bad_values_name_row_and_column() {
        let mut c = Connection::open_in_memory().unwrap();
        let mut opts = Options::default();
        opts.types.insert("zip".into(), ColType::Text);
        let info = run(&mut c, "a.csv", &bytes("zip\n01234\n"), &opts, None).unwrap();
        assert_eq!(info.columns[0].kind, "text");
        let z: String = c.query_row("SELECT zip FROM t", [], |r| r.get(0)).unwrap();
        assert_eq!(z, "01234");
        opts.types.insert("zip".into(), ColType::Integer);
        let err = run(&mut c, "b.csv", &bytes("zip\n1\nx1\n"), &opts, None).unwrap_err();
        assert!(err.to_string().contains("row 3, column `zip`"), "{err}");
        opts.types.clear();
        opts.types.insert("nope".into(), ColType::Integer);
        assert!(run(&mut c, "c.csv", &bytes("zip\n1\n"), &opts, None)
            .unwrap_err()
            .to_string()
            .contains("nope"));
    }

    #[test]
    fn bad_names_empty_files_and_fake_spreadsheets_are_refused() {
        for bad in [
            "",
            "Sales",
            "1x",
            "a-b",
            "sqlite_master",
            "quire_import_x",
            &"x".repeat(64),
        ] {
            assert!(DatasetName::parse(bad).is_err(), "{bad}");
        }
        let mut c = Connection::open_in_memory().unwrap();
        assert!(matches!(
            run(&mut c, "e.csv", &bytes(""), &Options::default(), None),
            Err(ImportError::Empty { .. })
        ));
        let err = run(
            &mut c,
            "x.xlsx",
            &bytes("a,b\n1,2\n"),
            &Options::default(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("not a zip"), "{err}");
        let err = run(
            &mut c,
            "g.csv",
            &Input::Bytes(Arc::from(&b"\x00\x01\x02garbage"[..])),
            &Options::default(),
            None,
        )
        .unwrap_err();
        assert!(err.to_string().contains("binary"), "{err}");
    }

    #[test]
    fn odd_headers_become_distinct_identifiers() {
        let h = ["Order ID", "order_id", "", "2024", "  "].map(String::from);
        assert_eq!(
            identifiers(&h),
            ["order_id", "order_id_2", "column_3", "c_2024", "column_5"]
        );
    }
}
