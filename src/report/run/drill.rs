//! Drilling into a chart: the rows behind one of its categories (a bar, a slice, a day).
//! A builder query gives the dataset's rows under its filters plus the category; an SQL query
//! gives its own result rows whose category column holds the value. The `(blank)` category
//! (see `chart::BLANK`) is the rows whose column is NULL or empty text.

use super::output::TableOut;
use super::table::{shaped, table, TableError};
use super::{with_literals, Request, RunError, TableRows};
use crate::data::cache;
use crate::data::query::{Cell, ResultSet};
use crate::data::source::Db;
use crate::model::report::{
    Bucket, DataMapping, Filter, FilterOp, QuerySource, Visualization, VizOptions, VizType,
};
use crate::report::chart::{is_blank, names_blank};
use chrono::{Days, Months, NaiveDate};
use serde_json::json;
use std::sync::Arc;

/// The rows behind `value` of the category column `column`.
pub struct Drill {
    pub column: String,
    pub value: String,
    pub table: TableOut,
}

/// The column a chart's categories come from (its marks' keys); None for kinds whose marks
/// stand for no one category (scatter, histogram, heatmap, candlestick, KPI, table).
pub fn drill_column(viz: &Visualization) -> Option<&str> {
    let m = &viz.data_mapping;
    match viz.kind {
        VizType::Pie | VizType::Donut => m.label.as_deref().or(m.x.as_deref()),
        VizType::Bar
        | VizType::Hbar
        | VizType::StackedBar
        | VizType::Waterfall
        | VizType::Line
        | VizType::Area => m.x.as_deref(),
        _ => None,
    }
}

fn mapping(viz: &str, message: impl Into<String>) -> RunError {
    RunError::Mapping {
        viz: viz.to_string(),
        message: message.into(),
    }
}

/// The rows behind category `value` of visualization `viz_id`, one page of them as
/// `req.rows` says.
pub fn drill(conn: Db<'_>, req: &Request, viz_id: &str, value: &str) -> Result<Drill, RunError> {
    let def = req.definition;
    let resolved = super::params::resolve(&def.parameters, req.params, req.today)?;
    let viz = def
        .visualization(viz_id)
        .ok_or_else(|| mapping(viz_id, "not defined"))?;
    let column = drill_column(viz)
        .ok_or_else(|| mapping(viz_id, "its marks stand for no one category"))?
        .to_string();
    let dated = matches!(viz.kind, VizType::Line | VizType::Area);
    let blank = names_blank(value);
    let rows_viz = Visualization {
        id: viz.id.clone(),
        kind: VizType::Table,
        title: viz.title.clone(),
        query: viz.query.clone(),
        data_mapping: DataMapping::default(),
        options: VizOptions {
            column_formats: viz.options.column_formats.clone(),
            column_labels: viz.options.column_labels.clone(),
            ..VizOptions::default()
        },
    };
    let source = def
        .query_source(viz.query.as_deref())
        .ok_or_else(|| mapping(viz_id, "its query is not defined"))?;
    // The rows' columns with their dataset's labels and formats.
    let meta = crate::report::format::dataset_columns(source);
    let rows_viz = crate::report::format::dressed_as_dataset(&rows_viz, &meta);
    let table = match source {
        QuerySource::Builder(spec) => {
            let mut spec = spec.clone();
            let bucket = spec
                .dimensions
                .iter()
                .find(|d| d.field == column)
                .and_then(|d| d.bucket);
            let filter = |op, v: &str| Filter {
                field: column.clone(),
                op,
                value: json!(v),
            };
            match (dated || bucket.is_some(), day(value)) {
                (true, Some(from)) => {
                    let to = next(from, bucket.unwrap_or(Bucket::Day));
                    spec.filters.push(filter(FilterOp::Ge, &from.to_string()));
                    spec.filters.push(filter(FilterOp::Lt, &to.to_string()));
                }
                // `(blank)`: the rows whose category is NULL or empty text.
                _ if blank => spec.filters.push(Filter {
                    field: column.clone(),
                    op: FilterOp::IsNull,
                    value: serde_json::Value::Null,
                }),
                _ => spec.filters.push(filter(FilterOp::Eq, value)),
            }
            let c = crate::report::builder::rows_sql(conn, &spec, &def.parameters, req.today)
                .map_err(|m| mapping(viz_id, m))?;
            let values = with_literals(&resolved.values, c.values);
            table(conn, &rows_viz, &c.sql, &values, req, def.row_limit).map_err(|e| match e {
                TableError::Query(source) => RunError::Query {
                    viz: viz_id.to_string(),
                    source,
                },
                TableError::Run(r) => r,
            })?
        }
        QuerySource::Sql(sql) => {
            let qerr = |source| RunError::Query {
                viz: viz_id.to_string(),
                source,
            };
            let rs = cache::fetch(conn, req.cache, sql, &resolved.values, None, req.bounds)
                .map_err(qerr)?;
            let ci = rs
                .columns
                .iter()
                .position(|c| *c == column)
                .ok_or_else(|| mapping(viz_id, format!("the result has no column `{column}`")))?;
            let matches = |c: &Cell| match (c, dated) {
                (c, false) if blank => is_blank(c),
                (Cell::Null, _) => false,
                (c, true) => day(&c.as_text()).is_some_and(|d| Some(d) == day(value)),
                (c, false) => c.as_text() == value,
            };
            let rows: Vec<Vec<Cell>> = rs
                .rows
                .iter()
                .filter(|r| r.get(ci).is_some_and(matches))
                .cloned()
                .collect();
            page_of(&rows_viz, &rs.columns, rows, req, def.row_limit)?
        }
    };
    Ok(Drill {
        column,
        value: value.to_string(),
        table,
    })
}

/// The day a category names (`2025-01-03`, or the day of `2025-01-03 10:00:00`).
fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The first day of the bucket after the one starting on `from`.
fn next(from: NaiveDate, bucket: Bucket) -> NaiveDate {
    let months = |n| from.checked_add_months(Months::new(n)).unwrap_or(from);
    match bucket {
        Bucket::Day => from + Days::new(1),
        Bucket::Week => from + Days::new(7),
        Bucket::Month => months(1),
        Bucket::Quarter => months(3),
        Bucket::Year => months(12),
    }
}

/// One page of rows already in memory, as `table` pages a query.
fn page_of(
    viz: &Visualization,
    columns: &[String],
    rows: Vec<Vec<Cell>>,
    req: &Request,
    row_limit: u32,
) -> Result<TableOut, RunError> {
    let available = rows.len() as u64;
    let (page, page_size, cap) = match req.rows {
        TableRows::Page { page, page_size } => (page.max(1), page_size.max(1), row_limit),
        TableRows::All { cap } => (1, cap.min(row_limit).max(1), cap.min(row_limit)),
    };
    let total = available.min(cap as u64);
    let page_count = total.div_ceil(page_size as u64).max(1) as u32;
    if page > page_count {
        return Err(RunError::PageOutOfRange {
            page,
            last: page_count,
        });
    }
    let from = ((page - 1) as u64 * page_size as u64).min(total) as usize;
    let to = (from + page_size as usize).min(total as usize);
    let rs = Arc::new(ResultSet {
        columns: columns.to_vec(),
        rows: rows[from..to].to_vec(),
    });
    Ok(shaped(viz, rs, total, available, page, page_count))
}
