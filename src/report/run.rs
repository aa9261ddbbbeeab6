//! Running a report: parameters resolved, each query run once, each visualization built.
//! Every output (page, PDF, spreadsheet, email) starts from the `Output` made here.

use super::chart;
use super::definition::{ReportDefinition, ValueFormat, Visualization, VizType};
use super::format;
use super::params::{self, ParamError};
use crate::data::cache;
use crate::data::query::{self, Bounds, Cell, QueryError, ResultSet};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Which table rows to produce.
#[derive(Debug, Clone, Copy)]
pub enum TableRows {
    /// One page, for screens.
    Page { page: u32, page_size: u32 },
    /// Every row up to a cap, for documents.
    All { cap: u32 },
}

/// What to run and how.
pub struct Request<'a> {
    pub report_id: &'a str,
    pub definition: &'a ReportDefinition,
    pub params: &'a BTreeMap<String, String>,
    pub rows: TableRows,
    /// Only these visualizations (e.g. a dashboard's widgets); None = all.
    pub only: Option<&'a [String]>,
    /// The date that date expressions are relative to.
    pub today: NaiveDate,
    pub bounds: Bounds,
    /// Results cache to read through, if any.
    pub cache: Option<cache::Scope<'a>>,
}

/// A finished run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Output {
    pub report_id: String,
    pub name: String,
    pub description: String,
    pub parameters: Vec<(String, String)>,
    pub generated_at: DateTime<Utc>,
    pub sections: Vec<SectionOut>,
}

/// A section of the layout with its built items.
#[derive(Debug, Clone, Serialize)]
pub struct SectionOut {
    pub title: String,
    pub items: Vec<Item>,
}

/// A built visualization.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Item {
    Kpi(Kpi),
    Chart(ChartOut),
    Table(TableOut),
}

/// A KPI card.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub id: String,
    pub title: String,
    pub value: String,
    pub previous: Option<String>,
    /// `+15.4%`, `-1.3%` or `n/a`.
    pub change: Option<String>,
    /// `up`, `down` or `flat`.
    pub direction: &'static str,
}

/// A chart, as SVG.
#[derive(Debug, Clone, Serialize)]
pub struct ChartOut {
    pub id: String,
    pub title: String,
    pub svg: String,
}

/// A table: formatted cells for people and the typed result for files.
#[derive(Debug, Clone, Serialize)]
pub struct TableOut {
    pub id: String,
    pub title: String,
    pub headers: Vec<String>,
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    /// Rows shown across all pages: the query's rows, capped by the row limit.
    pub total_rows: u64,
    /// Rows the query returned before the cap.
    pub available_rows: u64,
    pub page: u32,
    pub page_count: u32,
    #[serde(skip)]
    pub result: Arc<ResultSet>,
    #[serde(skip)]
    pub formats: Vec<Option<ValueFormat>>,
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Param(#[from] ParamError),
    #[error("visualization `{viz}`: {source}")]
    Query { viz: String, source: QueryError },
    #[error("visualization `{viz}`: {message}")]
    Mapping { viz: String, message: String },
    #[error("page {page} is past the last page ({last})")]
    PageOutOfRange { page: u32, last: u32 },
}

/// Runs the report against the dataset store.
pub fn run(conn: &Connection, req: &Request) -> Result<Output, RunError> {
    let def = req.definition;
    let resolved = params::resolve(&def.parameters, req.params, req.today)?;
    let mut results: HashMap<Option<String>, Arc<ResultSet>> = HashMap::new();
    let mut sections = Vec::new();
    for section in def.sections() {
        let mut items = Vec::new();
        for id in &section.items {
            if req.only.is_some_and(|only| !only.contains(id)) {
                continue;
            }
            let viz = def.visualization(id).ok_or_else(|| RunError::Mapping {
                viz: id.clone(),
                message: "not defined".into(),
            })?;
            let sql = def
                .query_sql(viz.query.as_deref())
                .ok_or_else(|| RunError::Mapping {
                    viz: id.clone(),
                    message: "its query is not defined".into(),
                })?;
            let qerr = |source| RunError::Query {
                viz: id.clone(),
                source,
            };
            let item = if viz.kind == VizType::Table {
                Item::Table(
                    table(conn, viz, sql, &resolved.values, req, def.row_limit).map_err(
                        |e| match e {
                            TableError::Query(q) => qerr(q),
                            TableError::Run(r) => r,
                        },
                    )?,
                )
            } else {
                if !results.contains_key(&viz.query) {
                    let rs = cache::fetch(conn, req.cache, sql, &resolved.values, None, req.bounds)
                        .map_err(qerr)?;
                    results.insert(viz.query.clone(), rs);
                }
                build(viz, &results[&viz.query])?
            };
            items.push(item);
        }
        sections.push(SectionOut {
            title: section.title.clone(),
            items,
        });
    }
    Ok(Output {
        report_id: req.report_id.to_string(),
        name: def.name.clone(),
        description: def.description.clone(),
        parameters: resolved.shown,
        generated_at: Utc::now(),
        sections,
    })
}

enum TableError {
    Query(QueryError),
    Run(RunError),
}

fn table(
    conn: &Connection,
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
    Ok(TableOut {
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
    })
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

fn column<'a>(
    viz: &Visualization,
    rs: &'a ResultSet,
    field: &Option<String>,
    what: &str,
) -> Result<usize, RunError> {
    let name = field.as_deref().ok_or_else(|| RunError::Mapping {
        viz: viz.id.clone(),
        message: format!("dataMapping.{what} is required"),
    })?;
    rs.column(name).ok_or_else(|| RunError::Mapping {
        viz: viz.id.clone(),
        message: format!("dataMapping.{what}: the query returns no column `{name}`"),
    })
}

fn build(viz: &Visualization, rs: &ResultSet) -> Result<Item, RunError> {
    let fmt = viz.options.format;
    let m = &viz.data_mapping;
    let chart_err = |message| RunError::Mapping {
        viz: viz.id.clone(),
        message,
    };
    let chart = |svg: String| {
        Item::Chart(ChartOut {
            id: viz.id.clone(),
            title: viz.title.clone(),
            svg,
        })
    };
    match viz.kind {
        VizType::Kpi => {
            let vi = column(viz, rs, &m.value, "value")?;
            let current = rs.rows.first().and_then(|r| r[vi].as_f64()).unwrap_or(0.0);
            let previous = match &viz.options.compare {
                Some(c) => {
                    let pi = column(viz, rs, &Some(c.clone()), "compare")?;
                    Some(rs.rows.first().and_then(|r| r[pi].as_f64()).unwrap_or(0.0))
                }
                None => None,
            };
            Ok(Item::Kpi(Kpi {
                id: viz.id.clone(),
                title: viz.title.clone(),
                value: format::value(current, fmt),
                previous: previous.map(|p| format::value(p, fmt)),
                change: previous.map(|p| format::change(current, p)),
                direction: match previous {
                    Some(p) if current > p => "up",
                    Some(p) if current < p => "down",
                    _ => "flat",
                },
            }))
        }
        VizType::Line | VizType::Area => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let mut points = Vec::with_capacity(rs.rows.len());
            for r in &rs.rows {
                let Some(d) = NaiveDate::parse_from_str(&r[xi].as_text(), "%Y-%m-%d").ok() else {
                    return Err(chart_err(format!(
                        "dataMapping.x: `{}` is not a date",
                        r[xi].as_text()
                    )));
                };
                points.push((d, r[yi].as_f64().unwrap_or(0.0)));
            }
            Ok(chart(chart::line(&points, fmt).map_err(chart_err)?))
        }
        VizType::Bar | VizType::Pie | VizType::Donut => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let items: Vec<(String, f64)> = rs
                .rows
                .iter()
                .map(|r| (r[xi].as_text(), r[yi].as_f64().unwrap_or(0.0)))
                .collect();
            let svg = match viz.kind {
                VizType::Pie => chart::donut(&items, 0.0),
                VizType::Donut => chart::donut(&items, 0.55),
                _ => chart::bar(&items, fmt, viz.options.value_labels),
            };
            Ok(chart(svg.map_err(chart_err)?))
        }
        other => Err(chart_err(format!("type `{other:?}` is not drawn yet"))),
    }
}

impl Output {
    /// Every KPI card, in layout order.
    pub fn kpis(&self) -> impl Iterator<Item = &Kpi> {
        self.items().filter_map(|i| match i {
            Item::Kpi(k) => Some(k),
            _ => None,
        })
    }

    /// Every table, in layout order.
    pub fn tables(&self) -> impl Iterator<Item = &TableOut> {
        self.items().filter_map(|i| match i {
            Item::Table(t) => Some(t),
            _ => None,
        })
    }

    fn items(&self) -> impl Iterator<Item = &Item> {
        self.sections.iter().flat_map(|s| s.items.iter())
    }
}
