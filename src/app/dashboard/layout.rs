//! A dashboard's grid: the short form's widgets placed row by row, stored dashboards in the
//! short form laid out at start.

use crate::app::edit::{invalid, EditError};
use crate::model::dashboard::{DashboardDefinition, WidgetKind, COLUMNS};
use crate::model::report::VizType;
use crate::store;
use rusqlite::Connection;

/// A widget's default size by what it shows: KPIs small, tables the full width.
fn size(kind: VizType) -> (u32, u32) {
    match kind {
        VizType::Kpi => (3, 2),
        VizType::Table => (12, 8),
        _ => (6, 5),
    }
}

/// Places the widgets a definition leaves unplaced (the short form: `reportId` and visualization
/// ids, or none for all of the report's) row by row after the placed ones, and resolves report
/// names to ids. Errors name the field.
pub fn place(conn: &Connection, def: &mut DashboardDefinition) -> Result<(), EditError> {
    if let Some(key) = def.report_id.take() {
        let report = store::report::find(conn, &key)?.ok_or_else(|| {
            invalid(
                "reportId",
                format!("no report `{}`", crate::model::text::truncate(&key, 80)),
            )
        })?;
        if def.widgets.is_empty() {
            def.widgets = report
                .definition
                .visualizations
                .iter()
                .map(|v| {
                    serde_json::from_value(serde_json::Value::String(v.id.clone()))
                        .expect("a widget from an id")
                })
                .collect();
        }
        for w in def
            .widgets
            .iter_mut()
            .filter(|w| w.report_id.is_none() && w.kind == WidgetKind::Visualization)
        {
            w.report_id = Some(report.id.clone());
        }
    }
    let mut bottom = def
        .widgets
        .iter()
        .filter(|w| !w.unplaced())
        .map(|w| w.y.saturating_add(w.h))
        .max()
        .unwrap_or(0);
    let (mut x, mut row_h) = (0, 0);
    for i in 0..def.widgets.len() {
        if !def.widgets[i].unplaced() {
            continue;
        }
        let w = &def.widgets[i];
        let (cw, ch) = match (w.kind, &w.report_id, &w.visualization_id) {
            (WidgetKind::Visualization, Some(r), Some(v)) => {
                let report = store::report::get(conn, r)?;
                let kind = report
                    .as_ref()
                    .and_then(|r| r.definition.visualization(v))
                    .map(|v| v.kind);
                size(kind.unwrap_or(VizType::Bar))
            }
            (WidgetKind::FilterBar, ..) => (12, 1),
            _ => (12, 2),
        };
        if x + cw > COLUMNS {
            bottom += row_h;
            x = 0;
            row_h = 0;
        }
        let w = &mut def.widgets[i];
        (w.x, w.y, w.w, w.h) = (x, bottom, cw, ch);
        x += cw;
        row_h = row_h.max(ch);
    }
    Ok(())
}

/// Lays out stored dashboards still in the short form (rows written before dashboards had a
/// grid, migration 0005). Run at start; a dashboard whose report is gone is left as it is.
pub fn place_stored(conn: &Connection) -> Result<usize, EditError> {
    let mut placed = 0;
    for d in store::dashboard::list(conn)? {
        if d.definition.report_id.is_none() && !d.definition.widgets.iter().any(|w| w.unplaced()) {
            continue;
        }
        let mut def = d.definition.clone();
        match place(conn, &mut def) {
            Ok(()) => {
                store::dashboard::set_definition(conn, &d.id, &def)?;
                placed += 1;
            }
            Err(e) => tracing::warn!(dashboard = %d.name(), error = %e, "dashboard not laid out"),
        }
    }
    Ok(placed)
}
