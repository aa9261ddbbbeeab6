//! An automatic dashboard of any dataset (`Explore` on its page), chosen from its columns'
//! types and statistics: the key figures (rows and each measure's total), each measure over
//! the main date, the top members of each category, and how the main measures are spread.
//! It is saved as a normal dashboard of builder reports (through a bundle, so exploring the
//! same dataset again updates it instead of making another).

use super::apply::Applied;
use crate::app::bundle::import;
use crate::app::edit::{invalid, Author, EditError};
use crate::app::Ctx;
use crate::data::import::ColType;
use crate::data::stats::ColumnStats;
use crate::model::bundle::{Bundle, FORMAT, FORMAT_VERSION};
use serde_json::{json, Value};

/// Most measures, categories and distributions shown.
const MEASURES: usize = 4;
const CATEGORIES: usize = 3;
const SPREADS: usize = 2;

/// Whether a number column is an identifier rather than a measure (`customer_id`, a row
/// number: nearly every value distinct, and whole).
fn is_key(c: &ColumnStats, rows: u64) -> bool {
    let name = c.name.to_ascii_lowercase();
    name == "id"
        || name.ends_with("_id")
        || name.ends_with("_no")
        || name.ends_with("_number")
        || (c.kind == ColType::Integer && rows > 20 && c.distinct.unwrap_or(0) * 10 >= rows * 9)
}

/// Builds and imports the explore dashboard of `dataset`.
pub fn explore(ctx: &Ctx, dataset: &str, author: &Author) -> Result<Applied, EditError> {
    use crate::app::dataset_columns::ColumnError;
    let (info, stats) = crate::app::dataset_columns::stats(ctx, dataset).map_err(|e| match e {
        ColumnError::Dataset(crate::app::dataset::DatasetError::Store(s)) => EditError::Store(s),
        other => invalid("dataset", other.to_string()),
    })?;
    let rows = info.row_count;
    let ds = info.name.clone();
    let date = stats
        .iter()
        .filter(|c| matches!(c.kind, ColType::Date | ColType::Datetime))
        .max_by_key(|c| c.distinct.unwrap_or(0));
    let measures: Vec<&ColumnStats> = stats
        .iter()
        .filter(|c| matches!(c.kind, ColType::Real | ColType::Integer) && !is_key(c, rows))
        .take(MEASURES)
        .collect();
    let categories: Vec<&ColumnStats> = stats
        .iter()
        .filter(|c| c.kind == ColType::Text)
        .filter(|c| (2..=50).contains(&c.distinct.unwrap_or(0)))
        .take(CATEGORIES)
        .collect();
    let mut reports: Vec<Value> = Vec::new();
    let mut widgets: Vec<Value> = Vec::new();
    let mut dated: Vec<String> = Vec::new();
    let widget = |id: &str, report: &str, viz: &str, w: u32, h: u32| json!({"id": id, "kind": "visualization", "reportId": report, "visualizationId": viz, "w": w, "h": h});

    // Key figures.
    let mut kpi_measures =
        vec![json!({"field": "*", "agg": "count", "as": "row_count", "label": "Rows"})];
    let mut kpis = vec![
        json!({"id": "rows", "type": "kpi", "title": "Rows", "dataMapping": {"value": "row_count"}}),
    ];
    for m in measures.iter().take(3) {
        let alias = format!("total_{}", m.name);
        kpi_measures.push(json!({"field": m.name, "agg": "sum", "as": alias}));
        kpis.push(json!({"id": format!("total_{}", m.name), "type": "kpi", "title": format!("Total {}", m.name), "dataMapping": {"value": alias}}));
    }
    for v in &kpis {
        let id = v["id"].as_str().unwrap_or_default();
        widgets.push(widget(&format!("k_{id}"), "figures", id, 3, 2));
        dated.push(format!("k_{id}"));
    }
    reports.push(
        json!({"id": "figures", "name": format!("{ds}: key figures"), "dataSource": "main",
        "builder": {"dataset": ds, "measures": kpi_measures}, "visualizations": kpis}),
    );

    // Each measure over the main date, by month (by day for a short span).
    if let Some(d) = date {
        let short = d.distinct.unwrap_or(0) <= 62;
        let bucket = if short { "day" } else { "month" };
        let series: Vec<Value> = if measures.is_empty() {
            vec![json!({"field": "*", "agg": "count", "as": "row_count", "label": "Rows"})]
        } else {
            measures
                .iter()
                .take(2)
                .map(|m| json!({"field": m.name, "agg": "sum", "as": format!("sum_{}", m.name)}))
                .collect()
        };
        let vizs: Vec<Value> = series
            .iter()
            .map(|s| {
                let col = s["as"].as_str().unwrap_or_default();
                json!({"id": format!("trend_{col}"), "type": "line",
                    "title": format!("{} by {bucket}", s["label"].as_str().map(str::to_string).unwrap_or_else(|| col.replacen("sum_", "", 1))),
                    "dataMapping": {"x": d.name, "y": col}})
            })
            .collect();
        for v in &vizs {
            let id = v["id"].as_str().unwrap_or_default();
            widgets.push(widget(&format!("t_{id}"), "trends", id, 6, 4));
            dated.push(format!("t_{id}"));
        }
        reports.push(json!({"id": "trends", "name": format!("{ds}: over time"), "dataSource": "main",
            "builder": {"dataset": ds, "dimensions": [{"field": d.name, "bucket": bucket}], "measures": series,
                        "sort": [{"field": d.name, "dir": "asc"}]},
            "visualizations": vizs}));
    }

    // The top members of each category.
    for (i, c) in categories.iter().enumerate() {
        let (measure, title) = match measures.first() {
            Some(m) => (
                json!({"field": m.name, "agg": "sum", "as": "total"}),
                format!("Top {} by {}", c.name, m.name),
            ),
            None => (
                json!({"field": "*", "agg": "count", "as": "total", "label": "Rows"}),
                format!("Rows by {}", c.name),
            ),
        };
        let rid = format!("top_{i}");
        reports.push(json!({"id": rid, "name": format!("{ds}: top {}", c.name), "dataSource": "main",
            "builder": {"dataset": ds, "dimensions": [c.name], "measures": [measure],
                        "sort": [{"field": "total", "dir": "desc"}], "limit": 10},
            "visualizations": [{"id": "top", "type": "hbar", "title": title, "dataMapping": {"x": c.name, "y": "total"}}]}));
        widgets.push(widget(&format!("c_{i}"), &rid, "top", 6, 4));
        dated.push(format!("c_{i}"));
    }

    // How the main measures are spread.
    for (i, m) in measures.iter().take(SPREADS).enumerate() {
        let rid = format!("spread_{i}");
        let col = format!("\"{}\"", m.name.replace('"', "\"\""));
        let table = format!("\"{}\"", ds.replace('"', "\"\""));
        reports.push(json!({"id": rid, "name": format!("{ds}: spread of {}", m.name), "dataSource": "main",
            "query": format!("SELECT {col} FROM {table} WHERE {col} IS NOT NULL"),
            "visualizations": [{"id": "spread", "type": "histogram", "title": format!("Spread of {}", m.name), "dataMapping": {"x": m.name}}]}));
        widgets.push(widget(&format!("s_{i}"), &rid, "spread", 6, 4));
    }

    // Laid out left to right, a new row when one is full.
    let (mut x, mut y, mut row_h) = (0u64, 0u64, 0u64);
    for w in &mut widgets {
        let (ww, hh) = (w["w"].as_u64().unwrap_or(6), w["h"].as_u64().unwrap_or(4));
        if x + ww > 12 || (x > 0 && hh != row_h) {
            (x, y) = (0, y + row_h);
        }
        w["x"] = json!(x);
        w["y"] = json!(y);
        (x, row_h) = (x + ww, hh);
    }
    let mut filters = Vec::new();
    if let Some(d) = date {
        let targets: Vec<Value> = dated
            .iter()
            .map(|w| json!({"widgetId": w, "field": d.name}))
            .collect();
        filters.push(
            json!({"id": "period", "label": "Period", "type": "date_range", "targets": targets}),
        );
    }
    let dashboard = json!({"id": format!("explore:{ds}"), "name": format!("Explore {ds}"),
        "description": format!("Made from the columns of {ds}: its key figures{}{}{}.",
            if date.is_some() { ", each measure over time" } else { "" },
            if categories.is_empty() { "" } else { ", the top members of each category" },
            if measures.is_empty() { "" } else { " and how the measures are spread" }),
        "filters": filters, "widgets": widgets});
    for r in &mut reports {
        let rid = r["id"].as_str().unwrap_or_default().to_string();
        r["id"] = json!(format!("explore:{ds}:{rid}"));
    }
    let mut dashboard = dashboard;
    for w in dashboard["widgets"].as_array_mut().into_iter().flatten() {
        let rid = w["reportId"].as_str().unwrap_or_default().to_string();
        w["reportId"] = json!(format!("explore:{ds}:{rid}"));
    }
    let bundle: Bundle = serde_json::from_value(json!({
        "format": FORMAT, "formatVersion": FORMAT_VERSION,
        "dashboard": dashboard, "reports": reports,
    }))
    .map_err(|e| invalid("dataset", format!("cannot explore it: {e}")))?;
    let outcome = import::import(ctx, bundle, author, false)?;
    Ok(Applied {
        outcome,
        left_out: Vec::new(),
    })
}
