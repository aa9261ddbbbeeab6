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
        w.write_record(row.iter().map(|c| match c {
            Cell::Real(f) => format_real(*f),
            other => other.as_text(),
        }))
        .map_err(e)?;
    }
    w.into_inner().map_err(|e| RenderError(e.to_string()))
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
