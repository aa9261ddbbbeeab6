//! CSV of a report's first table (RFC 4180, UTF-8): raw values, not display strings.

use super::RenderError;
use crate::data::query::Cell;
use crate::report::run::Output;

/// The first table of the report as CSV.
pub fn render(out: &Output) -> Result<Vec<u8>, RenderError> {
    let table = out
        .tables()
        .next()
        .ok_or_else(|| RenderError("this report has no table to export as CSV".into()))?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let e = |e: csv::Error| RenderError(e.to_string());
    w.write_record(&table.result.columns).map_err(e)?;
    for row in &table.result.rows {
        w.write_record(row.iter().map(field)).map_err(e)?;
    }
    w.into_inner().map_err(|e| RenderError(e.to_string()))
}

/// A cell as CSV text.
pub fn field(c: &Cell) -> String {
    match c {
        Cell::Real(f) => format_real(*f),
        other => other.as_text(),
    }
}

/// A row read from SQLite, written straight to `w` (the streamed download).
pub fn write_sqlite_row<W: std::io::Write>(
    w: &mut csv::Writer<W>,
    row: &rusqlite::Row<'_>,
    width: usize,
) -> csv::Result<()> {
    use rusqlite::types::ValueRef;
    for i in 0..width {
        match row.get_ref(i) {
            Ok(ValueRef::Null) | Err(_) => w.write_field("")?,
            Ok(ValueRef::Integer(v)) => w.write_field(v.to_string())?,
            Ok(ValueRef::Real(v)) => w.write_field(format_real(v))?,
            Ok(ValueRef::Text(t)) => w.write_field(String::from_utf8_lossy(t).as_bytes())?,
            Ok(ValueRef::Blob(b)) => w.write_field(format!("<{} bytes>", b.len()))?,
        }
    }
    w.write_record(None::<&[u8]>)
}

/// Reals as written in the source (money keeps two decimals when it has cents).
fn format_real(f: f64) -> String {
    let s = format!("{f:.2}");
    if s.parse::<f64>() == Ok(f) {
        s
    } else {
        f.to_string()
    }
}
