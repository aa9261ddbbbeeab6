//! Tables of a run: a page for screens or every row up to a cap for documents, with totals.

use super::output::*;
use super::{Request, RunError, TableRows};
use crate::data::cache;
use crate::data::query::Bounds;
use crate::data::query::{self, Cell, QueryError};
use crate::data::source::Db;
use crate::model::report::{ValueFormat, Visualization};
use crate::report::format;

pub(super) enum TableError {
    Query(QueryError),
    Run(RunError),
}

pub(super) fn table(
    conn: Db<'_>,
    viz: &Visualization,
    sql: &str,
    params: &query::Params,
    req: &Request,
    row_limit: u32,
) -> Result<TableOut, TableError> {
    let available =
        cache::count(conn, req.cache, sql, params, req.bounds).map_err(TableError::Query)?;
    let (offset, limit, page, page_size, cap) = match req.rows {
        TableRows::Page { page, page_size } => (
            (page.max(1) as u64 - 1) * page_size as u64,
            page_size,
            page.max(1),
            page_size,
            row_limit,
        ),
        TableRows::All { cap } => {
            let cap = cap.min(row_limit);
            (0, cap, 1, cap.max(1), cap)
        }
    };
    let total = available.min(cap as u64);
    let page_count = total.div_ceil(page_size as u64).max(1) as u32;
    if page > page_count {
        return Err(TableError::Run(RunError::PageOutOfRange {
            page,
            last: page_count,
        }));
    }
    let limit = limit.min((total - offset.min(total)) as u32);
    let bounds = Bounds {
        max_rows: req.bounds.max_rows.max(limit),
        ..req.bounds
    };
    let rs = cache::fetch(conn, req.cache, sql, params, Some((offset, limit)), bounds)
        .map_err(TableError::Query)?;
    Ok(shaped(viz, rs, total, available, page, page_count))
}

/// Rows of a result as a table page for people: formats and labels from `viz`.
pub(super) fn shaped(
    viz: &Visualization,
    rs: std::sync::Arc<query::ResultSet>,
    total: u64,
    available: u64,
    page: u32,
    page_count: u32,
) -> TableOut {
    let formats: Vec<Option<ValueFormat>> = rs
        .columns
        .iter()
        .map(|c| viz.options.column_formats.get(c).copied())
        .collect();
    let numeric: Vec<bool> = (0..rs.columns.len())
        .map(|i| {
            rs.rows
                .iter()
                .any(|r| matches!(r[i], Cell::Int(_) | Cell::Real(_)))
        })
        .collect();
    let rows = rs
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&formats)
                .map(|(c, f)| cell_text(c, *f))
                .collect()
        })
        .collect();
    TableOut {
        id: viz.id.clone(),
        title: viz.title.clone(),
        headers: rs
            .columns
            .iter()
            .map(|c| {
                viz.options
                    .column_labels
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| c.clone())
            })
            .collect(),
        numeric,
        rows,
        total_rows: total,
        available_rows: available,
        page,
        page_count,
        result: rs,
        formats,
    }
}

/// A cell as shown to people.
pub fn cell_text(c: &Cell, f: Option<ValueFormat>) -> String {
    match (c, f) {
        (Cell::Null, _) => String::new(),
        (Cell::Int(i), None) => i.to_string(),
        (Cell::Real(v), None) => format::value(*v, None),
        (c, Some(f)) => c
            .as_f64()
            .map(|v| format::value(v, Some(f)))
            .unwrap_or_else(|| c.as_text()),
        (Cell::Text(s), None) => s.clone(),
    }
}
