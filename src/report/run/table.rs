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

/// The table of a query whose every row a chart of the same run already read: paged (and
/// sorted) from those rows, without asking the database again (a builder preview's chart and
/// table were three runs of one aggregate: the chart, the count, the page).
pub(super) fn table_from(
    viz: &Visualization,
    all: &std::sync::Arc<query::ResultSet>,
    req: &Request,
    row_limit: u32,
) -> Result<TableOut, RunError> {
    let (offset, limit, page, page_size, cap) = window(req, row_limit);
    let available = all.rows.len() as u64;
    let total = available.min(cap as u64);
    let page_count = total.div_ceil(page_size as u64).max(1) as u32;
    if page > page_count {
        return Err(RunError::PageOutOfRange {
            page,
            last: page_count,
        });
    }
    let limit = limit.min((total - offset.min(total)) as u32);
    let shown = &all.rows[..total as usize];
    let (rows, sort) = match req.sort.and_then(|s| Some((s, all.column(&s.column)?))) {
        Some((s, i)) => {
            let capped = query::ResultSet {
                columns: all.columns.clone(),
                rows: shown.to_vec(),
            };
            (
                sorted_page(&capped, i, s.desc, offset, limit),
                Some(s.clone()),
            )
        }
        None => (
            query::ResultSet {
                columns: all.columns.clone(),
                rows: page_of(shown, offset, limit).to_vec(),
            },
            None,
        ),
    };
    let mut t = shaped(
        viz,
        std::sync::Arc::new(rows),
        total,
        available,
        page,
        page_count,
    );
    t.sortable = true;
    t.sort = sort;
    Ok(t)
}

/// (offset, limit, page, page size, cap) of the rows a table shows.
fn window(req: &Request, row_limit: u32) -> (u64, u32, u32, u32, u32) {
    match req.rows {
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
    }
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
    let (offset, limit, page, page_size, cap) = window(req, row_limit);
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
    let (rs, sort) = match req.sort {
        None => (
            cache::fetch(conn, req.cache, sql, params, Some((offset, limit)), bounds)
                .map_err(TableError::Query)?,
            None,
        ),
        // Sorted in Rust over every row the table shows (never the person's text in SQL),
        // then paged.
        Some(sort) => {
            let bounds = Bounds {
                max_rows: req.bounds.max_rows.max(total as u32),
                ..req.bounds
            };
            let all = cache::fetch(
                conn,
                req.cache,
                sql,
                params,
                Some((0, total as u32)),
                bounds,
            )
            .map_err(TableError::Query)?;
            match all.column(&sort.column) {
                Some(i) => (
                    std::sync::Arc::new(sorted_page(&all, i, sort.desc, offset, limit)),
                    Some(sort.clone()),
                ),
                None => {
                    let rs = query::ResultSet {
                        columns: all.columns.clone(),
                        rows: page_of(&all.rows, offset, limit).to_vec(),
                    };
                    (std::sync::Arc::new(rs), None)
                }
            }
        }
    };
    let mut t = shaped(viz, rs, total, available, page, page_count);
    t.sortable = true;
    t.sort = sort;
    Ok(t)
}

fn page_of<T>(rows: &[T], offset: u64, limit: u32) -> &[T] {
    let start = (offset as usize).min(rows.len());
    let end = start.saturating_add(limit as usize).min(rows.len());
    &rows[start..end]
}

/// Rows `offset..offset + limit` of `all` ordered by column `i`: numbers by value, then text,
/// empty cells last either way; ties keep the query's order.
fn sorted_page(
    all: &query::ResultSet,
    i: usize,
    desc: bool,
    offset: u64,
    limit: u32,
) -> query::ResultSet {
    use std::cmp::Ordering;
    let mut rows: Vec<&Vec<Cell>> = all.rows.iter().collect();
    rows.sort_by(|a, b| {
        let (a, b) = (&a[i], &b[i]);
        match (a, b) {
            (Cell::Null, Cell::Null) => Ordering::Equal,
            (Cell::Null, _) => Ordering::Greater,
            (_, Cell::Null) => Ordering::Less,
            _ if desc => cmp_values(b, a),
            _ => cmp_values(a, b),
        }
    });
    query::ResultSet {
        columns: all.columns.clone(),
        rows: page_of(&rows, offset, limit)
            .iter()
            .map(|r| (*r).clone())
            .collect(),
    }
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
                .map(|(c, f)| shown_text(c, *f))
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
        sortable: false,
        sort: None,
    }
}

/// Two cells neither of them empty: numbers by value before text, text by its characters.
pub(super) fn cmp_values(a: &Cell, b: &Cell) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    match (a, b) {
        (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
        (Cell::Int(_) | Cell::Real(_), Cell::Int(_) | Cell::Real(_)) => a
            .as_f64()
            .unwrap_or_default()
            .total_cmp(&b.as_f64().unwrap_or_default()),
        (Cell::Int(_) | Cell::Real(_), _) => Ordering::Less,
        (_, Cell::Int(_) | Cell::Real(_)) => Ordering::Greater,
        _ => a.as_text().cmp(&b.as_text()),
    }
}

/// Most characters of a text cell a table shows on a page or in a PDF: two 60 MB cells made a
/// page of 120 MB, for text nobody reads there. CSV and JSON files, made from the result,
/// keep the whole text.
const SHOWN_CHARS: usize = 10_000;

/// `cell_text`, a text longer than `SHOWN_CHARS` cut there with a note of its length.
fn shown_text(c: &Cell, f: Option<ValueFormat>) -> String {
    match c {
        Cell::Text(s) if s.len() > SHOWN_CHARS => match s.char_indices().nth(SHOWN_CHARS) {
            Some((cut, _)) => format!(
                "{}… (cut: {} characters in all)",
                &s[..cut],
                format::thousands(s.chars().count() as f64, 0)
            ),
            None => s.clone(),
        },
        _ => cell_text(c, f),
    }
}

/// A cell as shown to people.
pub fn cell_text(c: &Cell, f: Option<ValueFormat>) -> String {
    match (c, f) {
        (Cell::Null, _) => String::new(),
        (Cell::Int(i), None) => i.to_string(),
        (Cell::Real(v), None) => format::value(*v, None),
        (Cell::Text(s), f) => format::text(s, f),
        (c, Some(f)) => c
            .as_f64()
            .map(|v| format::value(v, Some(f)))
            .unwrap_or_else(|| c.as_text()),
    }
}
