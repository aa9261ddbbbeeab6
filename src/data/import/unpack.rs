//! What a zip-based spreadsheet (XLSX, ODS) unpacks to, checked before a reader opens it: the
//! total (a decompression bomb) and the longest text in its XML, which a reader would take into
//! memory whole (one 400 MB cell packs into 400 KB). Only the XML is unpacked, a piece at a
//! time, to check it.

use super::ImportError;
use std::io::{Cursor, Read, Write};

/// Most bytes a spreadsheet may unpack to.
const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

/// Checks `bytes` and returns them; or, when some text in it is longer than `max_cell` bytes,
/// a copy in which each such text is `max_cell + 1` letters `x`: the reader then finds a cell
/// too large, names its place and refuses it, without ever holding the text.
pub fn check(bytes: Vec<u8>, file: &str, max_cell: usize) -> Result<Vec<u8>, ImportError> {
    let format = |message: String| ImportError::Format {
        file: file.into(),
        message,
    };
    let damaged = |e: &dyn std::fmt::Display| {
        tracing::debug!(file, error = %e, "damaged zip entry");
        format(format!("{} (its zip archive is damaged)", not_valid(file)))
    };
    let too_large = |total: u64| {
        format(format!(
            "it would unpack to {} MB, more than the {} MB allowed",
            total / (1024 * 1024),
            MAX_UNPACKED / (1024 * 1024)
        ))
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).map_err(|e| {
        tracing::debug!(file, error = %e, "not a zip archive");
        format(not_a_zip(file))
    })?;
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| damaged(&e))?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNPACKED {
        return Err(too_large(total));
    }
    // The sizes above are what the archive says; what the XML really unpacks to is counted too.
    let mut budget = MAX_UNPACKED;
    let mut long = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|e| damaged(&e))?;
        let part = entry.name().map_err(|e| damaged(&e))?.to_string();
        if !part.to_ascii_lowercase().ends_with(".xml") {
            continue;
        }
        match pass(entry, max_cell, None, &mut budget) {
            Ok(false) => {}
            Ok(true) => long.push(i),
            Err(Stop::Tag) => {
                return Err(format(format!(
                    "its part `{part}` holds a tag longer than {}; this is not a spreadsheet \
                     Quire can read",
                    super::size(max_cell)
                )))
            }
            Err(Stop::Unpacked) => return Err(too_large(MAX_UNPACKED + 1)),
            Err(Stop::Io(e)) => return Err(damaged(&e)),
        }
    }
    if long.is_empty() {
        return Ok(bytes);
    }
    shortened(&mut archive, &long, max_cell).map_err(|e| damaged(&e))
}

/// The archive again, the parts `long` with their long texts cut.
fn shortened(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    long: &[usize],
    max_cell: usize,
) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..archive.len() {
        if !long.contains(&i) {
            out.raw_copy_file(archive.by_index_raw(i)?)?;
            continue;
        }
        let entry = archive.by_index(i)?;
        out.start_file(entry.name()?.to_string(), options)?;
        let mut budget = MAX_UNPACKED;
        pass(entry, max_cell, Some(&mut out), &mut budget).map_err(|e| match e {
            Stop::Io(e) => e.into(),
            _ => zip::result::ZipError::InvalidArchive("changed while read".into()),
        })?;
    }
    Ok(out.finish()?.into_inner())
}

/// Why reading a part stopped.
enum Stop {
    /// A tag (`<` to `>`) longer than a cell may be: no spreadsheet writes one.
    Tag,
    /// The parts unpack to more than `MAX_UNPACKED`, whatever the archive says.
    Unpacked,
    Io(std::io::Error),
}

/// Reads one XML part: true when a cell's text is longer than `max` bytes as written (a text
/// between two tags, or the texts of one cell's runs together: `<si>`, `<c>`, ODS's
/// `<table:table-cell>`). With `out`, copies the part there, each such cell's text made `max
/// + 1` x's.
fn pass(
    mut part: impl Read,
    max: usize,
    out: Option<&mut dyn Write>,
    budget: &mut u64,
) -> Result<bool, Stop> {
    let mut follow = Follow {
        max,
        out,
        in_tag: false,
        run: 0,
        head: Vec::new(),
        tag_end: 0,
        held: Vec::new(),
        cell: None,
        long: false,
    };
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match part.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Stop::Io(e)),
        };
        *budget = budget.checked_sub(n as u64).ok_or(Stop::Unpacked)?;
        follow.feed(&buf[..n])?;
    }
    // Text after the last tag (none in a well-formed part).
    let rest = std::mem::take(&mut follow.held);
    follow.write(&rest)?;
    Ok(follow.long)
}

/// The state of `pass` between two reads.
struct Follow<'w> {
    max: usize,
    out: Option<&'w mut dyn Write>,
    in_tag: bool,
    /// Bytes of the tag or text being read.
    run: usize,
    /// The start of the tag being read: its name.
    head: Vec<u8>,
    /// The last byte of the tag being read so far (`/` in `<c/>`).
    tag_end: u8,
    /// The text being read, held back while it may still be short (when writing).
    held: Vec<u8>,
    /// Inside a cell: the bytes of its text so far, and whether it was cut.
    cell: Option<(usize, bool)>,
    long: bool,
}

impl Follow<'_> {
    fn feed(&mut self, buf: &[u8]) -> Result<(), Stop> {
        let mut i = 0;
        while i < buf.len() {
            let stop = if self.in_tag { b'>' } else { b'<' };
            let (piece, ends) = match buf[i..].iter().position(|b| *b == stop) {
                Some(p) => (&buf[i..i + p], true),
                None => (&buf[i..], false),
            };
            i += piece.len() + usize::from(ends);
            self.run += piece.len();
            if self.in_tag {
                if self.run > self.max {
                    return Err(Stop::Tag);
                }
                let room = 40usize.saturating_sub(self.head.len());
                self.head.extend_from_slice(&piece[..piece.len().min(room)]);
                if let Some(b) = piece.last() {
                    self.tag_end = *b;
                }
                self.write(piece)?;
                if ends {
                    self.end_tag();
                    self.write(b">")?;
                }
            } else {
                let before = self.cell.map_or(0, |(n, _)| n);
                let cut = self.cell.is_some_and(|(_, cut)| cut);
                if self.out.is_some() && !cut && before + self.run <= self.max {
                    self.held.extend_from_slice(piece);
                }
                if ends {
                    self.end_text(before, cut)?;
                    self.write(b"<")?;
                }
            }
            if ends {
                self.in_tag = !self.in_tag;
                self.run = 0;
                self.tag_end = 0;
            }
        }
        Ok(())
    }

    /// A text ends: written as it was, or as x's if its cell is now too long.
    fn end_text(&mut self, before: usize, cut: bool) -> Result<(), Stop> {
        let total = before.saturating_add(self.run);
        let held = std::mem::take(&mut self.held);
        if total > self.max {
            self.long = true;
            if !cut {
                self.write(&vec![b'x'; self.max + 1])?;
            }
        } else {
            self.write(&held)?;
        }
        if let Some(cell) = &mut self.cell {
            *cell = (total, cut || total > self.max);
        }
        Ok(())
    }

    /// A tag ends: a cell's start or end changes which cell its texts belong to.
    fn end_tag(&mut self) {
        let head = std::mem::take(&mut self.head);
        let (closing, name) = match head.strip_prefix(b"/") {
            Some(name) => (true, name),
            None => (false, &head[..]),
        };
        let name = name
            .split(|b| b.is_ascii_whitespace() || *b == b'/')
            .next()
            .unwrap_or_default();
        let local = name.rsplit(|b| *b == b':').next().unwrap_or_default();
        if matches!(local, b"si" | b"c" | b"table-cell" | b"covered-table-cell") {
            let empty = self.tag_end == b'/';
            self.cell = (!closing && !empty).then_some((0, false));
        }
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        match self.out.as_mut() {
            Some(w) => w.write_all(bytes).map_err(Stop::Io),
            None => Ok(()),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(xml: &str, max: usize) -> (bool, String) {
        let mut out = Vec::new();
        let mut budget = u64::MAX;
        let long = pass(xml.as_bytes(), max, Some(&mut out), &mut budget)
            .unwrap_or_else(|_| panic!("stopped"));
        (long, String::from_utf8(out).unwrap())
    }

    #[test]
    fn only_texts_longer_than_the_limit_are_replaced() {
        let xml = "<a><t>1234567890</t><t>12345678901</t>\n<t r=\"1\">&amp;&amp;</t></a>";
        let cut = xml.replace("12345678901", "xxxxxxxxxxx");
        assert_eq!(run(xml, 10), (true, cut.clone()));
        assert_eq!(run(xml, 11), (false, xml.to_string()));
        // `&amp;&amp;` is 10 bytes as written, 2 as read: counted as written.
        assert_eq!(
            run("<t>&amp;&amp;</t>", 9),
            (true, "<t>xxxxxxxxxx</t>".to_string())
        );
        let mut budget = u64::MAX;
        assert!(matches!(
            pass(
                &b"<a><t very=\"long attribute\">"[..],
                10,
                None,
                &mut budget
            ),
            Err(Stop::Tag)
        ));
        let mut budget = 10;
        assert!(matches!(
            pass(xml.as_bytes(), 100, None, &mut budget),
            Err(Stop::Unpacked)
        ));
    }

    #[test]
    fn a_cell_of_many_short_runs_is_long_too() {
        let si = |runs: &[&str]| {
            let r: String = runs.iter().map(|t| format!("<r><t>{t}</t></r>")).collect();
            format!("<sst><si>{r}</si><si/><si><t>ok</t></si></sst>")
        };
        let (a, b) = ("a".repeat(15), "b".repeat(15));
        assert_eq!(run(&si(&[&a, &b]), 30), (false, si(&[&a, &b])));
        let b = "b".repeat(16);
        assert_eq!(
            run(&si(&[&a, &b, "c"]), 30),
            (true, si(&[&a, &"x".repeat(31), ""]))
        );
        let t = "t".repeat(20);
        let cells = format!(
            "<row><c r=\"A1\"/><c r=\"B1\" t=\"inlineStr\"><is><t>{t}</t></is></c><c><v>{t}</v></c></row>"
        );
        assert!(!run(&cells, 30).0);
    }

    #[test]
    fn a_long_text_across_reads_is_cut_to_the_limit() {
        let xml = format!("<t>{}</t><t>ok</t>", "y".repeat(200_000));
        let (long, out) = run(&xml, 70_000);
        assert!(long);
        assert_eq!(out, format!("<t>{}</t><t>ok</t>", "x".repeat(70_001)));
    }
}
