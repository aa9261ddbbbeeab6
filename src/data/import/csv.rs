//! CSV rows: delimiter sniffed (`,` `;` tab `|`), quotes, UTF-8 with or without BOM, and
//! Windows-1252/Latin-1 for fields that are not UTF-8.

use super::{ImportError, RowSource};
use encoding_rs::WINDOWS_1252;
use std::io::{Cursor, Read};

const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Picks the delimiter that splits the first lines into the same number of fields.
pub fn sniff(sample: &[u8]) -> u8 {
    let text = String::from_utf8_lossy(sample);
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(20)
        .collect();
    // A cut-off last line would skew the counts.
    let lines = if lines.len() > 2 {
        &lines[..lines.len() - 1]
    } else {
        &lines[..]
    };
    let mut best = (b',', 0usize, 0usize); // (delimiter, lines agreeing, fields)
    for d in CANDIDATES {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| count_outside_quotes(l, d as char))
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let agreeing = counts.iter().filter(|c| **c == first).count();
        if (agreeing, first) > (best.1, best.2) {
            best = (d, agreeing, first);
        }
    }
    best.0
}

fn count_outside_quotes(line: &str, d: char) -> usize {
    let mut quoted = false;
    line.chars()
        .filter(|c| {
            if *c == '"' {
                quoted = !quoted;
            }
            !quoted && *c == d
        })
        .count()
}

/// Follows quoting on the raw bytes, because the csv parser takes an unterminated quote to
/// run to the end of the file, silently swallowing every row after it. Also measures fields
/// and rows as they stream by, so one too large stops the read before the parser holds it.
struct QuoteCheck<R> {
    inner: R,
    delimiter: u8,
    state: Quote,
    line: u64,
    opened_at: u64,
    /// The field being read: its row's first line, its place in the row, its bytes so far.
    row_line: u64,
    field: usize,
    field_bytes: usize,
    row_bytes: usize,
    /// (most bytes in a field, in a row)
    max: (usize, usize),
    /// What stopped the read: a field too large (its row's line and place), or a row (line).
    too_large: Option<(u64, Option<usize>)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Quote {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl<R: Read> Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let too_large = || Err(std::io::Error::other("a field or row is too large"));
        if self.too_large.is_some() {
            return too_large();
        }
        let n = self.inner.read(buf)?;
        for (i, &b) in buf[..n].iter().enumerate() {
            let boundary = b == self.delimiter || b == b'\n';
            if boundary && self.state != Quote::Quoted {
                self.field_bytes = 0;
                self.field += 1;
                if b == b'\n' {
                    (self.field, self.row_bytes, self.row_line) = (0, 0, self.line + 1);
                }
            } else {
                self.field_bytes += 1;
                self.row_bytes += 1;
                if self.field_bytes > self.max.0 || self.row_bytes > self.max.1 {
                    let field = (self.field_bytes > self.max.0).then_some(self.field);
                    self.too_large = Some((self.row_line, field));
                    // The rows before it are parsed first (the header names its column).
                    return if i > 0 { Ok(i) } else { too_large() };
                }
            }
            self.state = match (self.state, b) {
                (Quote::FieldStart, b'"') => {
                    self.opened_at = self.line;
                    Quote::Quoted
                }
                (Quote::Quoted, b'"') => Quote::QuoteInQuoted,
                (Quote::Quoted, _) => Quote::Quoted,
                (Quote::QuoteInQuoted, b'"') => Quote::Quoted,
                (_, _) if boundary => Quote::FieldStart,
                (Quote::FieldStart | Quote::Unquoted | Quote::QuoteInQuoted, b'\r') => self.state,
                _ => Quote::Unquoted,
            };
            if b == b'\n' {
                self.line += 1;
            }
        }
        Ok(n)
    }
}

/// The quote state shared with the reader it wraps.
type Checked = QuoteCheck<Box<dyn Read + Send>>;

/// Rows of a CSV stream.
pub struct CsvRows {
    reader: csv::Reader<Checked>,
    record: csv::ByteRecord,
    file: String,
    /// The first row's fields, to name a column in messages.
    header: Vec<String>,
}

impl CsvRows {
    /// Reads `input`, skipping a UTF-8 byte order mark, with the sniffed delimiter; a field
    /// longer than `max.0` bytes or a row longer than `max.1` is an error.
    pub fn new(
        mut input: Box<dyn Read + Send>,
        file: &str,
        max: (usize, usize),
    ) -> Result<CsvRows, ImportError> {
        let mut head = vec![0u8; 64 * 1024];
        let n = read_up_to(&mut input, &mut head).map_err(|e| ImportError::io(file, e))?;
        head.truncate(n);
        if head.iter().take(8192).any(|b| *b == 0) {
            return Err(ImportError::Format {
                file: file.into(),
                message: "this is not a text (CSV) file: it contains binary data".into(),
            });
        }
        let start = if head.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let delimiter = sniff(&head[start..]);
        let rest: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(input));
        let mut rest = rest;
        if start > 0 {
            let mut bom = [0u8; 3];
            rest.read_exact(&mut bom)
                .map_err(|e| ImportError::io(file, e))?;
        }
        let checked = QuoteCheck {
            inner: rest,
            delimiter,
            state: Quote::FieldStart,
            line: 1,
            opened_at: 0,
            row_line: 1,
            field: 0,
            field_bytes: 0,
            row_bytes: 0,
            max,
            too_large: None,
        };
        Ok(CsvRows {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .from_reader(checked),
            record: csv::ByteRecord::new(),
            file: file.into(),
            header: Vec::new(),
        })
    }

    fn decode(&self, out: &mut Vec<String>) {
        super::fill(
            out,
            self.record.iter().map(|f| match std::str::from_utf8(f) {
                Ok(s) => std::borrow::Cow::Borrowed(s),
                Err(_) => WINDOWS_1252.decode_without_bom_handling(f).0,
            }),
        );
    }
}

impl RowSource for CsvRows {
    fn next_row(&mut self, out: &mut Vec<String>) -> Result<bool, ImportError> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(true) => {
                self.decode(out);
                if self.header.is_empty() {
                    self.header = out.clone();
                }
                Ok(true)
            }
            Ok(false) => {
                let check = self.reader.get_ref();
                if check.state == Quote::Quoted {
                    return Err(ImportError::Row {
                        file: self.file.clone(),
                        row: check.opened_at,
                        message: "a quoted field starts here and is never closed".into(),
                    });
                }
                Ok(false)
            }
            Err(_) if self.reader.get_ref().too_large.is_some() => Err(self.too_large()),
            Err(e) => Err(ImportError::Row {
                file: self.file.clone(),
                row: e.position().map(|p| p.line()).unwrap_or(0),
                message: match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("has {len} fields where the header has {expected_len}")
                    }
                    _ => e.to_string(),
                },
            }),
        }
    }

    fn row_number(&self) -> u64 {
        self.record.position().map(|p| p.line()).unwrap_or(0)
    }
}

impl CsvRows {
    /// The error for the field or row that stopped the read.
    fn too_large(&self) -> ImportError {
        let check = self.reader.get_ref();
        let (line, field) = check.too_large.unwrap_or_default();
        match field {
            Some(i) => ImportError::CellTooLarge {
                file: self.file.clone(),
                at: match self.header.get(i).filter(|_| line > 1) {
                    Some(name) => format!(
                        "row {line}, column `{}`",
                        crate::model::text::truncate(name, 60)
                    ),
                    None => format!("row {line}, field {}", i + 1),
                },
                limit: check.max.0,
            },
            None => ImportError::Row {
                file: self.file.clone(),
                row: line,
                message: format!(
                    "holds more than {}, the most one row may hold",
                    super::size(check.max.1)
                ),
            },
        }
    }
}

fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delimiter_is_sniffed() {
        assert_eq!(sniff(b"a;b;c\n1;2,5;3\n4;5;6\n"), b';');
        assert_eq!(sniff(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff(b"a|b|c\n1|2|3\n"), b'|');
        assert_eq!(sniff(b"\"x,y\";b\n\"1,2\";3\n"), b';');
        assert_eq!(sniff(b"a,b\n1,2\n"), b',');
        assert_eq!(sniff(b"single\n1\n"), b',');
    }

    fn all_rows(text: &'static [u8]) -> Result<Vec<Vec<String>>, ImportError> {
        let mut rows = CsvRows::new(Box::new(text), "q.csv", (1 << 20, 16 << 20))?;
        let mut out = Vec::new();
        let mut row = Vec::new();
        while rows.next_row(&mut row)? {
            out.push(row.clone());
        }
        Ok(out)
    }

    #[test]
    fn an_unterminated_quote_is_an_error_naming_its_line() {
        let err = all_rows(b"a,b\n1,2\n3,\"never closed\n4,5\n").unwrap_err();
        assert!(err.to_string().contains("row 3"), "{err}");
        let ok =
            all_rows(b"a,b\n\"x \"\"quoted\"\" y\",\"multi\nline\"\n5\" screen,2\r\n").unwrap();
        assert_eq!(ok[1], ["x \"quoted\" y", "multi\nline"]);
        assert_eq!(ok[2], ["5\" screen", "2"]);
    }

    #[test]
    fn a_field_or_row_too_large_stops_the_read_naming_its_place() {
        let read = |text: &'static [u8]| -> Result<usize, ImportError> {
            let mut rows = CsvRows::new(Box::new(text), "l.csv", (8, 20))?;
            let (mut row, mut n) = (Vec::new(), 0);
            while rows.next_row(&mut row)? {
                n += 1;
            }
            Ok(n)
        };
        assert_eq!(read(b"id,note\n1,12345678\n").unwrap(), 2);
        let err = read(b"id,note\n1,ok\n2,\"mul\nti\"\n3,123456789\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "l.csv: row 5, column `note`: the cell holds more than 8 bytes, the most one cell may hold"
        );
        let err = read(b"a,b,c\n12345678,12345678,12345678\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("l.csv: row 2: holds more than 20 bytes"),
            "{err}"
        );
        let err = read(b"123456789,b\n1,2\n").unwrap_err();
        assert!(
            err.to_string().starts_with("l.csv: row 1, field 1:"),
            "{err}"
        );
    }

    #[test]
    fn latin1_fields_are_decoded_and_a_bom_is_dropped() {
        let bytes: &'static [u8] = b"\xEF\xBB\xBFname;city\nJos\xE9;K\xF6ln\n";
        let mut rows = CsvRows::new(Box::new(bytes), "x.csv", (1 << 20, 16 << 20)).unwrap();
        let mut row = Vec::new();
        assert!(rows.next_row(&mut row).unwrap());
        assert_eq!(row, ["name", "city"]);
        assert!(rows.next_row(&mut row).unwrap());
        assert_eq!(row, ["José", "Köln"]);
    }
}
