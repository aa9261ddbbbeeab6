//! Running a report: parameters resolved, each query run once, each visualization built.
//! Every output (page, PDF, spreadsheet, email) starts from the `Output` made here.

use super::chart;
use super::definition::{
    LayoutItem, ReportDefinition, ReportOptions, ValueFormat, Visualization, VizType,
};
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
    /// Told (visualizations built, visualizations in all) after each one.
    pub progress: Option<&'a dyn Fn(usize, usize)>,
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
    #[serde(skip)]
    pub options: ReportOptions,
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
    Text(TextOut),
}

/// A text block, rendered.
#[derive(Debug, Clone, Serialize)]
pub struct TextOut {
    pub text: String,
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
    /// The numbers behind the texts, for spreadsheets.
    #[serde(skip)]
    pub number: f64,
    #[serde(skip)]
    pub previous_number: Option<f64>,
    #[serde(skip)]
    pub format: Option<ValueFormat>,
}

impl Kpi {
    /// The change as a fraction (0.154 = +15.4 %); None without a previous value or when it is 0.
    pub fn change_fraction(&self) -> Option<f64> {
        self.previous_number
            .filter(|p| *p != 0.0)
            .map(|p| (self.number - p) / p)
    }
}

/// A chart, as SVG.
#[derive(Debug, Clone, Serialize)]
pub struct ChartOut {
    pub id: String,
    pub title: String,
    pub svg: String,
    /// The numbers drawn, for spreadsheets that draw the chart themselves; None for the kinds
    /// spreadsheets have no plain equivalent of.
    #[serde(skip)]
    pub data: Option<ChartData>,
}

/// A chart's numbers: one value per category and series.
#[derive(Debug, Clone)]
pub struct ChartData {
    pub kind: VizType,
    pub categories: Categories,
    /// Series name (empty for a single unnamed series) and its values, one per category.
    pub series: Vec<(String, Vec<Option<f64>>)>,
    pub format: Option<ValueFormat>,
}

/// The category axis of a chart.
#[derive(Debug, Clone)]
pub enum Categories {
    Dates(Vec<NaiveDate>),
    Labels(Vec<String>),
}

impl Categories {
    pub fn len(&self) -> usize {
        match self {
            Categories::Dates(d) => d.len(),
            Categories::Labels(l) => l.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Series over dates from (series, date, value) points, dates ascending, series in order of
/// first appearance.
fn date_series(
    points: &[(String, NaiveDate, Option<f64>)],
) -> (Vec<NaiveDate>, Vec<(String, Vec<Option<f64>>)>) {
    let dates: Vec<NaiveDate> = points
        .iter()
        .map(|p| p.1)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let at: HashMap<NaiveDate, usize> = dates.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let mut series: Vec<(String, Vec<Option<f64>>)> = Vec::new();
    for (name, d, v) in points {
        let i = match series.iter().position(|s| &s.0 == name) {
            Some(i) => i,
            None => {
                series.push((name.clone(), vec![None; dates.len()]));
                series.len() - 1
            }
        };
        if let Some(v) = v {
            let slot = &mut series[i].1[at[d]];
            *slot = Some(slot.unwrap_or(0.0) + v);
        }
    }
    (dates, series)
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
    let layout = def.sections();
    let wanted = |id: &String| req.only.is_none_or(|only| only.contains(id));
    let total = layout
        .iter()
        .flat_map(|s| &s.items)
        .filter_map(LayoutItem::viz)
        .filter(|id| wanted(id))
        .count();
    let mut built = 0;
    // Text blocks quote the whole result: they are rendered once everything else is built.
    let mut texts = Vec::new();
    for section in layout {
        let mut items = Vec::new();
        for entry in &section.items {
            let id = match entry {
                LayoutItem::Viz(id) => id,
                // A dashboard's chosen widgets leave the report's prose out.
                LayoutItem::Text { .. } if req.only.is_some() => continue,
                LayoutItem::Text { text } => {
                    texts.push((sections.len(), items.len(), text.clone()));
                    items.push(Item::Text(TextOut {
                        text: String::new(),
                    }));
                    continue;
                }
            };
            if !wanted(id) {
                continue;
            }
            if let Some(progress) = req.progress {
                progress(built, total);
            }
            built += 1;
            let viz = def.visualization(id).ok_or_else(|| RunError::Mapping {
                viz: id.clone(),
                message: "not defined".into(),
            })?;
            let source =
                def.query_source(viz.query.as_deref())
                    .ok_or_else(|| RunError::Mapping {
                        viz: id.clone(),
                        message: "its query is not defined".into(),
                    })?;
            let (sql, literals) =
                super::builder::sql_of(conn, source, &def.parameters).map_err(|message| {
                    RunError::Mapping {
                        viz: id.clone(),
                        message,
                    }
                })?;
            let sql = sql.as_ref();
            let values = with_literals(&resolved.values, literals);
            let values = values.as_ref();
            let qerr = |source| RunError::Query {
                viz: id.clone(),
                source,
            };
            let item = if viz.kind == VizType::Table {
                Item::Table(table(conn, viz, sql, values, req, def.row_limit).map_err(
                    |e| match e {
                        TableError::Query(q) => qerr(q),
                        TableError::Run(r) => r,
                    },
                )?)
            } else {
                if !results.contains_key(&viz.query) {
                    let rs = cache::fetch(conn, req.cache, sql, values, None, req.bounds)
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
    let generated_at = Utc::now();
    if !texts.is_empty() {
        let ctx = super::text::context(
            &def.name,
            &generated_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            &resolved.values,
            &sections,
        );
        for (n, (si, ii, source)) in texts.into_iter().enumerate() {
            let text = super::text::render(&source, &ctx).map_err(|message| RunError::Mapping {
                viz: format!("text block {}", n + 1),
                message,
            })?;
            sections[si].items[ii] = Item::Text(TextOut { text });
        }
    }
    Ok(Output {
        report_id: req.report_id.to_string(),
        name: def.name.clone(),
        description: def.description.clone(),
        parameters: resolved.shown,
        generated_at,
        sections,
        options: def.options.clone(),
    })
}

/// The report's parameter values with a builder's literals added (borrowed when there are none).
pub fn with_literals(
    params: &query::Params,
    literals: query::Params,
) -> std::borrow::Cow<'_, query::Params> {
    if literals.is_empty() {
        std::borrow::Cow::Borrowed(params)
    } else {
        let mut all = params.clone();
        all.extend(literals);
        std::borrow::Cow::Owned(all)
    }
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

fn column(
    viz: &Visualization,
    rs: &ResultSet,
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

/// A column the mapping may leave out; one it names must be in the result.
fn optional_column(
    viz: &Visualization,
    rs: &ResultSet,
    field: &Option<String>,
    what: &str,
) -> Result<Option<usize>, RunError> {
    match field {
        Some(_) => column(viz, rs, field, what).map(Some),
        None => Ok(None),
    }
}

static NULL: Cell = Cell::Null;

/// The cell of a row, NULL past its end.
fn cell(row: &[Cell], i: usize) -> &Cell {
    row.get(i).unwrap_or(&NULL)
}

/// A category (or series name); NULL is None and its row is skipped.
fn category(c: &Cell) -> Option<String> {
    match c {
        Cell::Null => None,
        c => Some(c.as_text()),
    }
}

/// A number; NULL or blank is None (not drawn), other text is an error naming the field.
fn number(viz: &Visualization, c: &Cell, what: &str) -> Result<Option<f64>, RunError> {
    match c {
        Cell::Null => Ok(None),
        Cell::Text(t) if t.trim().is_empty() => Ok(None),
        c => c.as_f64().map(Some).ok_or_else(|| RunError::Mapping {
            viz: viz.id.clone(),
            message: format!(
                "dataMapping.{what}: `{}` is not a number",
                chart::truncate(&c.as_text(), 40)
            ),
        }),
    }
}

/// A `YYYY-MM-DD` date (a time after it is ignored); NULL or blank is None and its row skipped.
fn date(viz: &Visualization, c: &Cell, what: &str) -> Result<Option<NaiveDate>, RunError> {
    let text = match c {
        Cell::Null => return Ok(None),
        c => c.as_text(),
    };
    if text.trim().is_empty() {
        return Ok(None);
    }
    let day = text.get(..10).filter(|_| {
        text.get(10..)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['T', ' ']))
    });
    day.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map(Some)
        .ok_or_else(|| RunError::Mapping {
            viz: viz.id.clone(),
            message: format!(
                "dataMapping.{what}: `{}` is not a date",
                chart::truncate(&text, 40)
            ),
        })
}

fn build(viz: &Visualization, rs: &ResultSet) -> Result<Item, RunError> {
    let fmt = viz.options.format;
    let m = &viz.data_mapping;
    let chart_err = |message| RunError::Mapping {
        viz: viz.id.clone(),
        message,
    };
    let drawn = |svg: Result<String, String>, data: Option<ChartData>| {
        Ok(Item::Chart(ChartOut {
            id: viz.id.clone(),
            title: viz.title.clone(),
            svg: svg.map_err(chart_err)?,
            data,
        }))
    };
    let chart = |svg: Result<String, String>| drawn(svg, None);
    let rows = &rs.rows;
    match viz.kind {
        VizType::Kpi => {
            let vi = column(viz, rs, &m.value, "value")?;
            let current = rs
                .rows
                .first()
                .and_then(|r| cell(r, vi).as_f64())
                .unwrap_or(0.0);
            let previous = match &viz.options.compare {
                Some(c) => {
                    let pi = column(viz, rs, &Some(c.clone()), "compare")?;
                    Some(
                        rs.rows
                            .first()
                            .and_then(|r| cell(r, pi).as_f64())
                            .unwrap_or(0.0),
                    )
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
                number: current,
                previous_number: previous,
                format: fmt,
            }))
        }
        VizType::Line | VizType::Area => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let si = optional_column(viz, rs, &m.series, "series")?;
            let mut points = Vec::with_capacity(rows.len());
            for r in rows {
                let Some(d) = date(viz, cell(r, xi), "x")? else {
                    continue;
                };
                let series = match si.map(|i| category(cell(r, i))) {
                    Some(None) => continue,
                    Some(Some(s)) => s,
                    None => String::new(),
                };
                points.push((series, d, number(viz, cell(r, yi), "y")?));
            }
            let (dates, series) = date_series(&points);
            let data = ChartData {
                kind: viz.kind,
                categories: Categories::Dates(dates),
                series,
                format: fmt,
            };
            drawn(
                chart::lines(&points, fmt, viz.kind == VizType::Area),
                Some(data),
            )
        }
        VizType::Bar | VizType::Hbar | VizType::Waterfall | VizType::Pie | VizType::Donut => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                if let Some(label) = category(cell(r, xi)) {
                    items.push((label, number(viz, cell(r, yi), "y")?));
                }
            }
            let labels = viz.options.value_labels;
            let data = (viz.kind != VizType::Waterfall).then(|| ChartData {
                kind: viz.kind,
                categories: Categories::Labels(items.iter().map(|i| i.0.clone()).collect()),
                series: vec![(rs.columns[yi].clone(), items.iter().map(|i| i.1).collect())],
                format: fmt,
            });
            let svg = match viz.kind {
                VizType::Pie => chart::donut(&items, 0.0),
                VizType::Donut => chart::donut(&items, 0.55),
                VizType::Hbar => chart::hbar(&items, fmt, labels),
                VizType::Waterfall => chart::waterfall(&items, fmt, labels),
                _ => chart::bar(&items, fmt, labels),
            };
            drawn(svg, data)
        }
        VizType::StackedBar => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let si = column(viz, rs, &m.series, "series")?;
            let mut cells = Vec::with_capacity(rows.len());
            for r in rows {
                if let (Some(x), Some(s)) = (category(cell(r, xi)), category(cell(r, si))) {
                    cells.push((x, s, number(viz, cell(r, yi), "y")?));
                }
            }
            chart(chart::stacked_bar(&cells, fmt))
        }
        VizType::Scatter => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let si = optional_column(viz, rs, &m.series, "series")?;
            let mut points = Vec::with_capacity(rows.len());
            for r in rows {
                let series = match si.map(|i| category(cell(r, i))) {
                    Some(None) => continue,
                    Some(Some(s)) => s,
                    None => String::new(),
                };
                let (x, y) = (
                    number(viz, cell(r, xi), "x")?,
                    number(viz, cell(r, yi), "y")?,
                );
                points.push((series, x, y));
            }
            chart(chart::scatter(
                &points,
                (&rs.columns[xi], &rs.columns[yi]),
                fmt,
            ))
        }
        VizType::Histogram => {
            let (field, what) = match (&m.value, &m.y) {
                (Some(_), _) => (&m.value, "value"),
                (None, Some(_)) => (&m.y, "y"),
                (None, None) => {
                    return Err(chart_err("dataMapping.value (or y) is required".into()))
                }
            };
            let vi = column(viz, rs, field, what)?;
            let mut values = Vec::with_capacity(rows.len());
            for r in rows {
                values.push(number(viz, cell(r, vi), what)?);
            }
            chart(chart::histogram(
                &values,
                &rs.columns[vi],
                viz.options.bins,
                fmt,
            ))
        }
        VizType::Heatmap => {
            let (xi, yi) = (column(viz, rs, &m.x, "x")?, column(viz, rs, &m.y, "y")?);
            let vi = column(viz, rs, &m.value, "value")?;
            let mut cells = Vec::with_capacity(rows.len());
            for r in rows {
                if let (Some(x), Some(y)) = (category(cell(r, xi)), category(cell(r, yi))) {
                    cells.push((x, y, number(viz, cell(r, vi), "value")?));
                }
            }
            chart(chart::heatmap(&cells, fmt))
        }
        VizType::Candlestick => {
            let xi = column(viz, rs, &m.x, "x")?;
            let oi = column(viz, rs, &m.open, "open")?;
            let hi = column(viz, rs, &m.high, "high")?;
            let li = column(viz, rs, &m.low, "low")?;
            let ci = column(viz, rs, &m.close, "close")?;
            let mut candles = Vec::with_capacity(rows.len());
            for r in rows {
                let Some(d) = date(viz, cell(r, xi), "x")? else {
                    continue;
                };
                candles.push(chart::Candle {
                    date: d,
                    open: number(viz, cell(r, oi), "open")?,
                    high: number(viz, cell(r, hi), "high")?,
                    low: number(viz, cell(r, li), "low")?,
                    close: number(viz, cell(r, ci), "close")?,
                });
            }
            chart(chart::candlestick(&candles, fmt))
        }
        VizType::Table => Err(chart_err("a table is built from its own query".into())),
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

    /// Every chart, in layout order.
    pub fn charts(&self) -> impl Iterator<Item = &ChartOut> {
        self.items().filter_map(|i| match i {
            Item::Chart(c) => Some(c),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::definition::{DataMapping, VizOptions};

    fn text(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    /// Sales by day, region and channel, with prices, and a NULL here and there.
    fn sales() -> ResultSet {
        let columns = [
            "day", "region", "channel", "revenue", "open", "high", "low", "close",
        ];
        let row = |d: &str, r: Cell, c: &str, v: Cell| {
            vec![
                text(d),
                r,
                text(c),
                v,
                Cell::Real(10.0),
                Cell::Real(12.0),
                Cell::Real(9.0),
                Cell::Int(11),
            ]
        };
        ResultSet {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: vec![
                row("2025-01-01", text("North"), "Web", Cell::Int(120)),
                row("2025-01-02", text("South"), "Shop", Cell::Real(-30.5)),
                row("2025-01-03 10:00:00", Cell::Null, "Web", Cell::Int(5)),
                row("2025-01-04", text("North"), "Shop", Cell::Null),
            ],
        }
    }

    fn viz(kind: VizType, mapping: DataMapping) -> Visualization {
        Visualization {
            id: "v".into(),
            kind,
            title: "T".into(),
            query: None,
            data_mapping: mapping,
            options: VizOptions::default(),
        }
    }

    fn name(s: &str) -> Option<String> {
        Some(s.into())
    }

    /// A mapping every chart type can draw from `sales()`.
    fn full() -> DataMapping {
        DataMapping {
            x: name("region"),
            y: name("revenue"),
            series: name("channel"),
            value: name("revenue"),
            label: None,
            open: name("open"),
            high: name("high"),
            low: name("low"),
            close: name("close"),
        }
    }

    const CHARTS: [VizType; 12] = [
        VizType::Line,
        VizType::Area,
        VizType::Bar,
        VizType::Hbar,
        VizType::StackedBar,
        VizType::Pie,
        VizType::Donut,
        VizType::Scatter,
        VizType::Heatmap,
        VizType::Candlestick,
        VizType::Histogram,
        VizType::Waterfall,
    ];

    /// The mapping for `kind`: dates on x where the type has a time axis, numbers for scatter.
    fn mapping_for(kind: VizType) -> DataMapping {
        match kind {
            VizType::Line | VizType::Area | VizType::Candlestick => DataMapping {
                x: name("day"),
                ..full()
            },
            VizType::Scatter => DataMapping {
                x: name("open"),
                ..full()
            },
            _ => full(),
        }
    }

    #[test]
    fn every_chart_type_is_drawn_from_its_mapping() {
        for kind in CHARTS {
            assert!(kind.is_drawn());
            match build(&viz(kind, mapping_for(kind)), &sales()) {
                Ok(Item::Chart(c)) => {
                    assert!(
                        c.svg.starts_with("<svg") && !c.svg.contains("No data"),
                        "{kind:?}"
                    )
                }
                other => panic!("{kind:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn new_mapping_fields_parse_and_old_configs_still_do() {
        let old: Visualization = serde_json::from_str(
            r#"{"id":"b","type":"bar","dataMapping":{"x":"region","y":"revenue"}}"#,
        )
        .unwrap();
        assert_eq!((&old.data_mapping.open, old.options.bins), (&None, None));
        let candles: Visualization = serde_json::from_str(
            r#"{"id":"c","type":"candlestick","dataMapping":
                {"x":"day","open":"open","high":"high","low":"low","close":"close"}}"#,
        )
        .unwrap();
        assert!(matches!(build(&candles, &sales()), Ok(Item::Chart(_))));
        let histogram: Visualization = serde_json::from_str(
            r#"{"id":"h","type":"histogram","dataMapping":{"value":"revenue"},"options":{"bins":3}}"#,
        )
        .unwrap();
        assert_eq!(histogram.options.bins, Some(3));
        assert!(!serde_json::to_string(&old).unwrap().contains("bins"));
    }

    #[test]
    fn build_refuses_a_mapping_to_a_column_the_query_does_not_return_naming_it() {
        type Slot = fn(&mut DataMapping) -> &mut Option<String>;
        let fields: [(&str, Slot); 8] = [
            ("x", |m| &mut m.x),
            ("y", |m| &mut m.y),
            ("series", |m| &mut m.series),
            ("value", |m| &mut m.value),
            ("open", |m| &mut m.open),
            ("high", |m| &mut m.high),
            ("low", |m| &mut m.low),
            ("close", |m| &mut m.close),
        ];
        for kind in CHARTS {
            let mut refused = 0;
            for (field, slot) in fields {
                let mut m = mapping_for(kind);
                *slot(&mut m) = name("no_such_column");
                if let Err(e) = build(&viz(kind, m), &sales()) {
                    let message = e.to_string();
                    assert!(
                        message.contains(&format!("dataMapping.{field}"))
                            && message.contains("`no_such_column`"),
                        "{kind:?}: {message}"
                    );
                    refused += 1;
                }
            }
            assert!(refused >= 1, "{kind:?} used none of its mapping");
        }
    }

    #[test]
    fn build_names_a_required_mapping_that_is_missing() {
        let cases = [
            (VizType::StackedBar, "dataMapping.series is required"),
            (VizType::Heatmap, "dataMapping.value is required"),
            (VizType::Candlestick, "dataMapping.open is required"),
            (VizType::Histogram, "dataMapping.value (or y) is required"),
        ];
        for (kind, message) in cases {
            let m = DataMapping {
                series: None,
                value: None,
                y: if kind == VizType::Histogram {
                    None
                } else {
                    name("revenue")
                },
                open: None,
                ..mapping_for(kind)
            };
            let e = build(&viz(kind, m), &sales()).unwrap_err().to_string();
            assert!(e.contains(message), "{kind:?}: {e}");
        }
    }

    #[test]
    fn text_where_a_number_or_date_belongs_is_an_error_naming_the_value() {
        let m = DataMapping {
            y: name("region"),
            ..full()
        };
        let e = build(&viz(VizType::Bar, m), &sales())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.y: `North` is not a number"), "{e}");
        let e = build(&viz(VizType::Line, full()), &sales())
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.x: `North` is not a date"), "{e}");
    }

    #[test]
    fn null_categories_and_values_are_skipped_not_drawn_as_zero() {
        let Ok(Item::Chart(c)) = build(&viz(VizType::Hbar, full()), &sales()) else {
            panic!("drawn");
        };
        // The NULL region's row is left out; North's NULL revenue adds nothing.
        assert!(c.svg.contains(">\nNorth\n<") && c.svg.contains(">\nSouth\n<"));
        assert!(!c.svg.contains(">\n(blank)\n<"));
        let rs = ResultSet {
            columns: vec!["region".into(), "revenue".into()],
            rows: vec![
                vec![text("North"), Cell::Null],
                vec![Cell::Null, Cell::Int(3)],
            ],
        };
        let Ok(Item::Chart(c)) = build(&viz(VizType::Bar, full()), &rs) else {
            panic!("drawn");
        };
        assert!(c.svg.contains("No data"));
    }
}
