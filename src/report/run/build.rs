//! A visualization built from its query's result: the mapped columns read, checked and drawn.

use super::output::*;
use super::RunError;
use crate::data::query::{Cell, ResultSet};
use crate::model::report::{Visualization, VizType};
use crate::report::chart;
use crate::report::format;
use chrono::NaiveDate;

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

/// The column drawn as `key`, given under the key or one of its aliases (a pie's `label` as
/// `x`, see `Visualization::mapped`): its index and the key it was given under, for errors.
fn mapped(viz: &Visualization, rs: &ResultSet, key: &str) -> Result<(usize, String), RunError> {
    let err = |message| RunError::Mapping {
        viz: viz.id.clone(),
        message,
    };
    let (path, name) = viz.mapped(key).ok_or_else(|| {
        let aliases = viz.kind.mapping_aliases(key);
        let also = match aliases {
            [] if viz.kind == VizType::Candlestick && key != "x" => format!(" (or options.{key})"),
            [] => String::new(),
            a => format!(" (or {})", a.join(" or ")),
        };
        err(format!("dataMapping.{key} is required{also}"))
    })?;
    let i = rs
        .column(name)
        .ok_or_else(|| err(format!("{path}: the query returns no column `{name}`")))?;
    let key = path.rsplit('.').next().unwrap_or(key).to_string();
    Ok((i, key))
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
                crate::model::text::truncate(&c.as_text(), 40)
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
                crate::model::text::truncate(&text, 40)
            ),
        })
}

pub(super) fn build(viz: &Visualization, rs: &ResultSet) -> Result<Item, RunError> {
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
            narrow: None,
            data,
        }))
    };
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
            // A pie's slices are `label` and `value` (or `x` and `y`, as bars have them).
            let ((xi, _), (yi, y_key)) = match viz.kind {
                VizType::Pie | VizType::Donut => {
                    (mapped(viz, rs, "label")?, mapped(viz, rs, "value")?)
                }
                _ => (mapped(viz, rs, "x")?, mapped(viz, rs, "y")?),
            };
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                if let Some(label) = category(cell(r, xi)) {
                    items.push((label, number(viz, cell(r, yi), &y_key)?));
                }
            }
            let labels = viz.options.value_labels;
            let data = Some(match viz.kind {
                VizType::Waterfall => waterfall_numbers(&items, &rs.columns[yi], fmt),
                _ => ChartData {
                    kind: viz.kind,
                    categories: Categories::Labels(items.iter().map(|i| i.0.clone()).collect()),
                    series: vec![(rs.columns[yi].clone(), items.iter().map(|i| i.1).collect())],
                    format: fmt,
                },
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
            drawn(
                chart::stacked_bar(&cells, fmt),
                grid_numbers(viz.kind, &cells, fmt),
            )
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
            let (xs, series) = point_series(&points);
            let data = (series.len() <= MAX_SERIES).then_some(ChartData {
                kind: viz.kind,
                categories: Categories::Numbers(xs),
                series,
                format: fmt,
            });
            drawn(
                chart::scatter(&points, (&rs.columns[xi], &rs.columns[yi]), fmt),
                data,
            )
        }
        VizType::Histogram => {
            let (vi, what) = mapped(viz, rs, "x")?;
            let mut values = Vec::with_capacity(rows.len());
            for r in rows {
                values.push(number(viz, cell(r, vi), &what)?);
            }
            // Its numbers: the rows in each bin.
            let counts = chart::histogram_counts(&values, viz.options.bins, fmt);
            let data = (!counts.is_empty()).then(|| ChartData {
                kind: viz.kind,
                categories: Categories::Labels(counts.iter().map(|c| c.0.clone()).collect()),
                series: vec![(
                    "Rows".to_string(),
                    counts.iter().map(|c| Some(c.1 as f64)).collect(),
                )],
                format: None,
            });
            drawn(
                chart::histogram(&values, &rs.columns[vi], viz.options.bins, fmt),
                data,
            )
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
            // Its numbers: a grid of x by y, which the workbook colours by value.
            drawn(
                chart::heatmap(&cells, fmt),
                grid_numbers(viz.kind, &cells, fmt),
            )
        }
        VizType::Candlestick => {
            // Prices in `dataMapping` or, as the contract words it, in `options`.
            let xi = column(viz, rs, &m.x, "x")?;
            let (oi, _) = mapped(viz, rs, "open")?;
            let (hi, _) = mapped(viz, rs, "high")?;
            let (li, _) = mapped(viz, rs, "low")?;
            let (ci, _) = mapped(viz, rs, "close")?;
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
            // For spreadsheets: a day a row, its prices in the order a stock chart reads them.
            candles.sort_by_key(|c| c.date);
            let prices = |i: usize, get: fn(&chart::Candle) -> Option<f64>| {
                let values = candles.iter().map(|c| get(c).filter(|v| v.is_finite()));
                (rs.columns[i].clone(), values.collect())
            };
            let data = ChartData {
                kind: viz.kind,
                categories: Categories::Dates(candles.iter().map(|c| c.date).collect()),
                series: vec![
                    prices(oi, |c| c.open),
                    prices(hi, |c| c.high),
                    prices(li, |c| c.low),
                    prices(ci, |c| c.close),
                ],
                format: fmt,
            };
            drawn(chart::candlestick(&candles, fmt), Some(data))
        }
        VizType::Table => Err(chart_err("a table is built from its own query".into())),
    }
}

/// The numbers of (category, series, value) cells as a grid: a column a series, a row a
/// category; None past the series a spreadsheet chart takes.
fn grid_numbers(
    kind: VizType,
    cells: &[(String, String, Option<f64>)],
    fmt: Option<crate::model::report::ValueFormat>,
) -> Option<ChartData> {
    let (labels, series) = label_series(cells);
    (series.len() <= MAX_SERIES).then_some(ChartData {
        kind,
        categories: Categories::Labels(labels),
        series,
        format: fmt,
    })
}

/// A waterfall's numbers: each step's change and the running total after it, then the total.
fn waterfall_numbers(
    items: &[(String, Option<f64>)],
    name: &str,
    fmt: Option<crate::model::report::ValueFormat>,
) -> ChartData {
    let mut total = 0.0;
    let mut running = Vec::with_capacity(items.len() + 1);
    for (_, v) in items {
        total += v.unwrap_or(0.0);
        running.push(Some(total));
    }
    running.push(Some(total));
    let mut labels: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    labels.push("Total".into());
    let changes = items.iter().map(|i| i.1).chain([None]).collect();
    ChartData {
        kind: VizType::Waterfall,
        categories: Categories::Labels(labels),
        series: vec![
            (name.to_string(), changes),
            ("Running total".into(), running),
        ],
        format: fmt,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::query::Cell;
    use serde_json::json;

    fn rs() -> ResultSet {
        ResultSet {
            columns: ["day", "region", "revenue", "o", "h", "l", "c"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                vec![
                    Cell::Text("2025-01-01".into()),
                    Cell::Text("North".into()),
                    Cell::Int(3),
                    Cell::Int(1),
                    Cell::Int(4),
                    Cell::Int(1),
                    Cell::Int(2),
                ],
                vec![
                    Cell::Text("2025-01-02".into()),
                    Cell::Text("South".into()),
                    Cell::Int(5),
                    Cell::Int(2),
                    Cell::Int(6),
                    Cell::Int(2),
                    Cell::Int(5),
                ],
            ],
        }
    }

    fn built(v: serde_json::Value) -> Result<Item, RunError> {
        build(&serde_json::from_value(v).unwrap(), &rs())
    }

    fn chart(item: Result<Item, RunError>) -> ChartOut {
        match item {
            Ok(Item::Chart(c)) => c,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn pies_draw_label_and_value_or_x_and_y_alike() {
        for kind in ["pie", "donut"] {
            let words = chart(built(
                json!({ "id": "p", "type": kind, "dataMapping": { "label": "region", "value": "revenue" } }),
            ));
            let aliases = chart(built(
                json!({ "id": "p", "type": kind, "dataMapping": { "x": "region", "y": "revenue" } }),
            ));
            assert_eq!(words.svg, aliases.svg);
            assert!(words.svg.contains("North") && words.svg.contains("South"));
        }
        let e = built(json!({ "id": "p", "type": "pie", "dataMapping": { "value": "revenue" } }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.label is required (or x)"), "{e}");
        let e = built(json!({ "id": "p", "type": "pie", "dataMapping": { "label": "region", "value": "profit" } })).unwrap_err().to_string();
        assert!(
            e.contains("dataMapping.value: the query returns no column `profit`"),
            "{e}"
        );
    }

    #[test]
    fn a_histogram_draws_x_and_a_candlestick_its_prices_from_options() {
        let x = chart(built(
            json!({ "id": "h", "type": "histogram", "dataMapping": { "x": "revenue" } }),
        ));
        let value = chart(built(
            json!({ "id": "h", "type": "histogram", "dataMapping": { "value": "revenue" } }),
        ));
        assert_eq!(x.svg, value.svg);
        let e = built(json!({ "id": "h", "type": "histogram" }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("dataMapping.x is required"), "{e}");
        let options = chart(built(
            json!({ "id": "c", "type": "candlestick", "dataMapping": { "x": "day" },
            "options": { "open": "o", "high": "h", "low": "l", "close": "c" } }),
        ));
        let mapping = chart(built(json!({ "id": "c", "type": "candlestick",
            "dataMapping": { "x": "day", "open": "o", "high": "h", "low": "l", "close": "c" } })));
        assert_eq!(options.svg, mapping.svg);
        let e = built(json!({ "id": "c", "type": "candlestick", "dataMapping": { "x": "day" }, "options": { "open": "o", "high": "h", "low": "l" } }))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("dataMapping.close is required (or options.close)"),
            "{e}"
        );
    }
}
