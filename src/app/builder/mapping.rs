//! Which columns of a builder question a chart reads: the chart a result suggests, its
//! mapping onto the result's columns, and a pivot table's dimension across.

use super::mapping;
use crate::app::PipelineError;
use crate::model::report::{DataMapping, VizType};

/// The chart a result suggests: no dimension → a KPI; a date first → a line; a share of the
/// total → a donut; one category → bars; many columns → a table.
pub fn suggest(dimensions: usize, measures: usize, date_first: bool, share: bool) -> VizType {
    match (dimensions, measures) {
        (_, 0) => VizType::Table,
        (0, _) => VizType::Kpi,
        (d, m) if d > 2 || m > 3 => VizType::Table,
        _ if date_first => VizType::Line,
        (1, 1) if share => VizType::Donut,
        _ => VizType::Bar,
    }
}

/// The mapping of a chart onto result columns: the first `dims` columns are dimensions, the
/// rest values.
pub fn chart_mapping(kind: VizType, columns: &[String], dims: usize) -> DataMapping {
    let d = |i: usize| columns.get(i).filter(|_| i < dims).cloned();
    let m = |i: usize| columns.get(dims + i).cloned();
    let mut map = DataMapping::default();
    match kind {
        VizType::Kpi => map.value = m(0),
        VizType::Pie | VizType::Donut => {
            map.label = d(0);
            map.value = m(0);
        }
        VizType::Scatter => {
            map.x = m(0);
            map.y = m(1).or_else(|| m(0));
        }
        VizType::Histogram => map.x = m(0),
        VizType::Heatmap => {
            map.x = d(0);
            map.y = d(1);
            map.value = m(0);
        }
        VizType::Table | VizType::Candlestick => {}
        // The last of two or more dimensions across, the others down; every measure in
        // the cells.
        VizType::Pivot => {
            let dims: Vec<String> = (0..dims).filter_map(d).collect();
            match dims.split_last() {
                Some((last, rest)) if !rest.is_empty() => {
                    map.rows = rest.to_vec();
                    map.columns = vec![last.clone()];
                }
                _ => map.rows = dims,
            }
            map.values = (0..columns
                .len()
                .saturating_sub(map.rows.len() + map.columns.len()))
                .filter_map(m)
                .collect();
        }
        _ => {
            map.x = d(0);
            map.series = d(1);
            // A second dimension splits the first measure into series; with one dimension,
            // every measure is drawn (bars side by side, stacked, or lines).
            map.y = m(0);
            let series_kinds = matches!(
                kind,
                VizType::Bar | VizType::StackedBar | VizType::Line | VizType::Area
            );
            if map.series.is_none() && series_kinds {
                map.more_y = (1..columns.len().saturating_sub(dims))
                    .filter_map(m)
                    .collect();
            }
        }
    }
    map
}

/// Puts the pivot's dimension `across` (None: the last, as `chart_mapping` does; `""`: none)
/// across its columns and the other dimensions down its rows.
pub(super) fn across(
    map: &mut DataMapping,
    dims: &[String],
    across: Option<&str>,
) -> Result<(), PipelineError> {
    let Some(chosen) = across else {
        return Ok(());
    };
    if !chosen.is_empty() && !dims.iter().any(|d| d == chosen) {
        return Err(mapping(
            "across",
            format!(
                "`{}` is not a dimension of this question ({})",
                crate::model::text::truncate(chosen, 60),
                dims.join(", ")
            ),
        ));
    }
    let rows: Vec<String> = dims.iter().filter(|d| *d != chosen).cloned().collect();
    if rows.is_empty() {
        return Err(mapping(
            "across",
            "a pivot table needs a dimension down its rows: add another, or put none across".into(),
        ));
    }
    map.rows = rows;
    map.columns = dims.iter().filter(|d| *d == chosen).cloned().collect();
    Ok(())
}
