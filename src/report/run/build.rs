//! A visualization built from its query's result: a KPI card read here, a chart's mapped
//! columns read and drawn by its kind's file in `report::chart`.

use super::output::*;
use super::RunError;
use crate::data::query::ResultSet;
use crate::model::report::{Visualization, VizType};
use crate::report::chart::{self, cell, column};
use crate::report::format;

pub(super) fn build(viz: &Visualization, rs: &ResultSet) -> Result<Item, RunError> {
    if !viz.data_mapping.more_y.is_empty() {
        return several(viz, rs);
    }
    let drawn = match viz.kind {
        VizType::Kpi => return kpi(viz, rs).map(Item::Kpi),
        VizType::Line | VizType::Area => chart::lines_from(viz, rs),
        VizType::Bar | VizType::Hbar | VizType::Waterfall => chart::bars_from(viz, rs),
        VizType::StackedBar => chart::stacked_bar_from(viz, rs),
        VizType::Pie | VizType::Donut => chart::pie_from(viz, rs),
        VizType::Scatter => chart::scatter_from(viz, rs),
        VizType::Histogram => chart::histogram_from(viz, rs),
        VizType::Heatmap => chart::heatmap_from(viz, rs),
        VizType::Candlestick => chart::candlestick_from(viz, rs),
        VizType::Table | VizType::Pivot => Err("built from its own query".into()),
    };
    let chart = drawn.map_err(|message| mapping_error(viz, message))?;
    Ok(Item::Chart(ChartOut {
        id: viz.id.clone(),
        title: viz.title.clone(),
        svg: chart.svg,
        narrow: None,
        data: chart.data,
    }))
}

/// Most measures one chart draws (each a series, each a copy of the rows).
const MAX_MEASURES: usize = 12;

/// Column names of the long rows several measures are drawn from.
const MEASURE: &str = "quire_measure";
const VALUE: &str = "quire_value";

/// Several measures on one chart (`dataMapping.y` a list): the rows turned long, one series per
/// measure named by its label, drawn as the kind draws series: bars side by side, stacked bars,
/// lines or areas.
fn several(viz: &Visualization, rs: &ResultSet) -> Result<Item, RunError> {
    let err = |message: String| mapping_error(viz, message);
    let m = &viz.data_mapping;
    if m.series.is_some() {
        return Err(err(
            "dataMapping.series: a chart draws several measures or a series column, not both"
                .into(),
        ));
    }
    let xi = column(rs, &m.x, "x").map_err(err)?;
    let ys: Vec<&String> = m.y.iter().chain(&m.more_y).collect();
    if ys.len() > MAX_MEASURES {
        return Err(err(format!(
            "dataMapping.y: a chart draws at most {MAX_MEASURES} measures ({} given)",
            ys.len()
        )));
    }
    if let Some((i, y)) = ys.iter().enumerate().find(|(i, y)| ys[..*i].contains(y)) {
        return Err(err(format!(
            "dataMapping.y[{i}]: `{}` is drawn already",
            crate::model::text::truncate(y, 60)
        )));
    }
    let axis2 = &viz.options.axis2;
    if let Some(a) = axis2.iter().find(|a| !ys.contains(a)) {
        return Err(err(format!(
            "options.axis2: `{a}` is not a measure the chart draws (it draws {})",
            ys.iter()
                .map(|y| format!("`{y}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let lined = matches!(viz.kind, VizType::Line | VizType::Area);
    if !axis2.is_empty() && !lined && !matches!(viz.kind, VizType::Bar | VizType::StackedBar) {
        return Err(err(
            "options.axis2: a second axis is drawn on bar, stacked_bar, line and area charts"
                .into(),
        ));
    }
    if ys.iter().all(|y| axis2.contains(y)) {
        return Err(err(
            "options.axis2: keep at least one measure on the first axis".into(),
        ));
    }
    let mut at = Vec::with_capacity(ys.len());
    let mut lines: Vec<(usize, String)> = Vec::new();
    for y in &ys {
        let i = rs
            .column(y)
            .ok_or_else(|| err(format!("dataMapping.y: the query returns no column `{y}`")))?;
        let label = viz.options.column_labels.get(*y).unwrap_or(y).clone();
        match axis2.contains(y) && !lined {
            true => lines.push((i, label)),
            // A line chart draws every measure as a line; those on the second axis too.
            false => at.push((i, label)),
        }
    }
    // The second axis's lines: (category, value) per row, in the first line's format.
    let line_points: Vec<(String, Vec<(String, Option<f64>)>)> = lines
        .iter()
        .map(|(i, label)| {
            let pts = rs
                .rows
                .iter()
                .map(|r| (chart::category_label(cell(r, xi)), cell(r, *i).as_f64()))
                .collect();
            (label.clone(), pts)
        })
        .collect();
    let fmt2 = axis2
        .first()
        .and_then(|a| viz.options.column_formats.get(a).copied());
    let mut long = ResultSet {
        columns: vec![rs.columns[xi].clone(), MEASURE.into(), VALUE.into()],
        rows: Vec::with_capacity(rs.rows.len() * ys.len()),
    };
    for r in &rs.rows {
        for (i, label) in &at {
            long.rows.push(vec![
                cell(r, xi).clone(),
                crate::data::query::Cell::Text(label.clone()),
                cell(r, *i).clone(),
            ]);
        }
    }
    let mut drawn = viz.clone();
    drawn.data_mapping = crate::model::report::DataMapping {
        x: Some(rs.columns[xi].clone()),
        y: Some(VALUE.into()),
        series: Some(MEASURE.into()),
        ..Default::default()
    };
    let chart = match viz.kind {
        VizType::Line | VizType::Area => {
            let right: Vec<String> = ys
                .iter()
                .filter(|y| axis2.contains(y))
                .map(|y| viz.options.column_labels.get(*y).unwrap_or(y).clone())
                .collect();
            chart::lines_axes_from(&drawn, &long, &right, fmt2)
        }
        VizType::Bar => chart::combo_from(&drawn, &long, true, &line_points, fmt2),
        VizType::StackedBar => chart::combo_from(&drawn, &long, false, &line_points, fmt2),
        other => Err(format!(
            "dataMapping.y: several measures are drawn by bar, stacked_bar, line and area charts, not {}",
            serde_json::to_value(other)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )),
    }
    .map_err(err)?;
    Ok(Item::Chart(ChartOut {
        id: viz.id.clone(),
        title: viz.title.clone(),
        svg: chart.svg,
        narrow: None,
        data: chart.data,
    }))
}

fn mapping_error(viz: &Visualization, message: String) -> RunError {
    RunError::Mapping {
        viz: viz.id.clone(),
        message,
    }
}

/// A KPI card: the first row's `value`, and its change from the column `options.compare`
/// names.
fn kpi(viz: &Visualization, rs: &ResultSet) -> Result<Kpi, RunError> {
    let fmt = viz.options.format;
    let err = |message| mapping_error(viz, message);
    let first = |i: usize| rs.rows.first().and_then(|r| cell(r, i).as_f64());
    let vi = column(rs, &viz.data_mapping.value, "value").map_err(err)?;
    let current = first(vi).unwrap_or(0.0);
    let previous = match &viz.options.compare {
        Some(c) => {
            let pi = column(rs, &Some(c.clone()), "compare").map_err(err)?;
            Some(first(pi).unwrap_or(0.0))
        }
        None => None,
    };
    Ok(Kpi {
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
    })
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
