//! CSV of a report's first table (RFC 4180, UTF-8): raw values, not display strings; a pivot
//! table's is its query's rows (each line a cell: its row and column members, its values). With
//! `escape` (`[exports] csv_formula_escape`, on by default) a text cell a spreadsheet would
//! run as a formula gets a leading `'` (OWASP's advice against CSV injection); the rendered
//! file and the streamed download escape alike, byte for byte.

use super::RenderError;
use crate::data::query::Cell;
use crate::report::run::Output;

/// The first table of the report as CSV; `escape`: see the module.
pub fn render(out: &Output, escape: bool) -> Result<Vec<u8>, RenderError> {
    use crate::report::run::Item;
    let rows = out
        .sections
        .iter()
        .flat_map(|s| &s.items)
        .find_map(|i| match i {
            Item::Table(t) => Some(&t.result),
            Item::Pivot(p) => Some(&p.extra.result),
            _ => None,
        })
        .ok_or_else(|| RenderError::Failed("this report has no table to export as CSV".into()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| RenderError::Failed(e.to_string());
    write_header(&mut w, &rows.columns, escape).map_err(e)?;
    for row in &rows.rows {
        w.write_record(row.iter().map(|c| field(c, escape)))
            .map_err(e)?;
    }
    w.into_inner()
        .map_err(|e| RenderError::Failed(e.to_string()))
}

/// A cell as CSV text.
pub fn field(c: &Cell, escape: bool) -> String {
    match c {
        Cell::Real(f) => format_real(*f),
        Cell::Text(s) => text(s, escape).into_owned(),
        other => other.as_text(),
    }
}

/// The header row: column names are text like any other (`SELECT 1 AS "=cmd"`).
pub fn write_header<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    columns: &[String],
    escape: bool,
) -> csv::Result<()> {
    for c in columns {
        w.write_field(text(c, escape).as_bytes())?;
    }
    w.write_record(None::<&[u8]>)
}

/// Text as written: with a leading `'` when `escape` and a spreadsheet would take it for a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return).
pub fn text(s: &str, escape: bool) -> std::borrow::Cow<'_, str> {
    if escape && s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A row read from SQLite, written straight to `w` (the streamed download).
pub fn write_sqlite_row<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    row: &rusqlite::Row<'_>,
    width: usize,
    escape: bool,
) -> csv::Result<()> {
    use rusqlite::types::ValueRef;
    for i in 0..width {
        match row.get_ref(i) {
            Ok(ValueRef::Null) | Err(_) => w.write_field("")?,
            Ok(ValueRef::Integer(v)) => w.write_field(v.to_string())?,
            Ok(ValueRef::Real(v)) => w.write_field(format_real(v))?,
            Ok(ValueRef::Text(t)) => {
                w.write_field(text(&String::from_utf8_lossy(t), escape).as_bytes())?
            }
            Ok(ValueRef::Blob(b)) => w.write_field(format!("<{} bytes>", b.len()))?,
        }
    }
    w.write_record(None::<&[u8]>)
}

/// One row of cells (a PostgreSQL source's streamed rows), as [`write_sqlite_row`] writes one.
pub fn write_cells<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    cells: &[crate::data::query::Cell],
    width: usize,
    escape: bool,
) -> csv::Result<()> {
    use crate::data::query::Cell;
    for i in 0..width {
        match cells.get(i) {
            None | Some(Cell::Null) => w.write_field("")?,
            Some(Cell::Int(v)) => w.write_field(v.to_string())?,
            Some(Cell::Real(v)) => w.write_field(format_real(*v))?,
            Some(Cell::Text(t)) => w.write_field(text(t, escape).as_bytes())?,
        }
    }
    w.write_record(None::<&[u8]>)
}

/// Reals as written in the source (money keeps two decimals when it has cents); a sum's float
/// noise (`62733.090000000004`) is cut at 15 significant digits, as spreadsheets show it.
fn format_real(f: f64) -> String {
    let s = format!("{f:.2}");
    if s.parse::<f64>() == Ok(f) {
        return s;
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    if rounded != f && rounded.is_finite() {
        format_real(rounded)
    } else {
        f.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn reals_lose_their_float_noise_and_keep_their_cents() {
        assert_eq!(format_real(62733.090000000004), "62733.09");
        assert_eq!(format_real(0.1 + 0.2), "0.30");
        assert_eq!(format_real(12.5), "12.50");
        assert_eq!(format_real(1.0 / 3.0), "0.333333333333333");
        assert_eq!(format_real(1e-9), "0.000000001");
        assert_eq!(format_real(123456789.123), "123456789.123");
        assert_eq!(format_real(f64::NAN), "NaN");
    }

    const ROW: &str = "SELECT '=HYPERLINK(\"http://x\")' AS a, '+1+1' AS b, '-2+3' AS c, \
        '@SUM(A1)' AS d, char(9) || '=1' AS e, char(13) || '=1' AS f, -5 AS g, -2.5 AS h, \
        'plain' AS i, 'a=b' AS j, '' AS k, NULL AS l";

    /// The query's row through the streamed writer.
    fn streamed(escape: bool) -> String {
        let c = Connection::open_in_memory().unwrap();
        let mut stmt = c.prepare(ROW).unwrap();
        let width = stmt.column_count();
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut rows = stmt.raw_query();
        write_sqlite_row(&mut w, rows.next().unwrap().unwrap(), width, escape).unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    /// The same row as cells, through the renderer's writer.
    fn rendered(escape: bool) -> String {
        let cells = [
            Cell::Text("=HYPERLINK(\"http://x\")".into()),
            Cell::Text("+1+1".into()),
            Cell::Text("-2+3".into()),
            Cell::Text("@SUM(A1)".into()),
            Cell::Text("\t=1".into()),
            Cell::Text("\r=1".into()),
            Cell::Int(-5),
            Cell::Real(-2.5),
            Cell::Text("plain".into()),
            Cell::Text("a=b".into()),
            Cell::Text(String::new()),
            Cell::Null,
        ];
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(cells.iter().map(|c| field(c, escape)))
            .unwrap();
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    #[test]
    fn formula_like_text_gets_a_quote_and_numbers_do_not() {
        let want = "\"'=HYPERLINK(\"\"http://x\"\")\",'+1+1,'-2+3,'@SUM(A1),'\t=1,\"'\r=1\",-5,-2.50,plain,a=b,,\n";
        assert_eq!(rendered(true), want);
        assert_eq!(streamed(true), want, "the stream escapes like the file");
    }

    #[test]
    fn without_the_option_text_is_written_as_it_is() {
        let want = "\"=HYPERLINK(\"\"http://x\"\")\",+1+1,-2+3,@SUM(A1),\t=1,\"\r=1\",-5,-2.50,plain,a=b,,\n";
        assert_eq!(rendered(false), want);
        assert_eq!(streamed(false), want);
    }

    #[test]
    fn column_names_are_escaped_too() {
        let mut w = csv::Writer::from_writer(Vec::new());
        write_header(&mut w, &["=cmd".into(), "Revenue".into()], true).unwrap();
        assert_eq!(w.into_inner().unwrap(), b"'=cmd,Revenue\n");
    }
}
