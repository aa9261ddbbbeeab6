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
/// run to the end of the file, silently swallowing every row after it.
struct QuoteCheck<R> {
    inner: R,
    delimiter: u8,
    state: Quote,
    line: u64,
    opened_at: u64,
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
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            let boundary = b == self.delimiter || b == b'\n';
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
}

impl CsvRows {
    /// Reads `input`, skipping a UTF-8 byte order mark, with the sniffed delimiter.
    pub fn new(mut input: Box<dyn Read + Send>, file: &str) -> Result<CsvRows, ImportError> {
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
        };
        Ok(CsvRows {
            reader: csv::ReaderBuilder::new()
                .delimiter(delimiter)
                .has_headers(false)
                .from_reader(checked),
            record: csv::ByteRecord::new(),
            file: file.into(),
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
        let mut rows = CsvRows::new(Box::new(text), "q.csv")?;
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
    fn latin1_fields_are_decoded_and_a_bom_is_dropped() {
        let bytes: &'static [u8] = b"\xEF\xBB\xBFname;city\nJos\xE9;K\xF6ln\n";
        let mut rows = CsvRows::new(Box::new(bytes), "x.csv").unwrap();
        let mut row = Vec::new();
        assert!(rows.next_row(&mut row).unwrap());
        assert_eq!(row, ["name", "city"]);
        assert!(rows.next_row(&mut row).unwrap());
        assert_eq!(row, ["José", "Köln"]);
    }
}
