//! A dashboard's grid: the short form's widgets placed row by row, widgets that share cells
//! pulled apart by the editor's gravity (`compact`, the same rule as static/dashboard_edit.js),
//! stored dashboards in the short form or overlapping laid out at start.

use crate::app::edit::{invalid, EditError};
use crate::model::dashboard::{DashboardDefinition, Widget, WidgetKind, COLUMNS};
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

/// Vertical compaction, as in grid editors (gridstack, react-grid-layout): the placed widgets,
/// taken by row then column, each pushed down below any widget already settled that it would
/// share cells with, then floated up as far as the settled ones in its columns let it. After
/// it no two widgets share a cell and no widget has a free row above it; columns and sizes are
/// kept. Returns whether anything moved.
pub fn compact(widgets: &mut [Widget]) -> bool {
    let mut order: Vec<usize> = (0..widgets.len())
        .filter(|&i| !widgets[i].unplaced())
        .collect();
    order.sort_by_key(|&i| (widgets[i].y, widgets[i].x, i));
    let mut settled: Vec<usize> = Vec::with_capacity(order.len());
    let mut moved = false;
    for i in order {
        let mut w = widgets[i].clone();
        // Below whatever it would cover...
        while let Some(bottom) = settled
            .iter()
            .filter(|&&s| widgets[s].overlaps(&w))
            .map(|&s| widgets[s].y + widgets[s].h)
            .max()
        {
            w.y = bottom;
        }
        // ...then up to the nearest settled widget above it in its columns.
        w.y = settled
            .iter()
            .map(|&s| &widgets[s])
            .filter(|s| s.beside(&w) && s.y + s.h <= w.y)
            .map(|s| s.y + s.h)
            .max()
            .unwrap_or(0);
        moved |= w.y != widgets[i].y;
        widgets[i].y = w.y;
        settled.push(i);
    }
    moved
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
    // A stored or provisioned dashboard from before the grid refused overlaps is repaired
    // (`app::dashboard::save` refuses them before they get here).
    if def.overlapping().is_some() {
        compact(&mut def.widgets);
    }
    Ok(())
}

/// Lays out stored dashboards still in the short form (rows written before dashboards had a
/// grid, migration 0005) and repairs those whose widgets share cells (saved before that was
/// refused). Run at start; a dashboard whose report is gone is left as it is.
pub fn place_stored(conn: &Connection) -> Result<usize, EditError> {
    let mut placed = 0;
    for d in store::dashboard::list(conn)? {
        if d.definition.report_id.is_none()
            && !d.definition.widgets.iter().any(|w| w.unplaced())
            && d.definition.overlapping().is_none()
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(cells: &[(u32, u32, u32, u32)]) -> Vec<Widget> {
        cells
            .iter()
            .enumerate()
            .map(|(i, &(x, y, w, h))| {
                serde_json::from_value(serde_json::json!({
                    "id": format!("w{i}"), "x": x, "y": y, "w": w, "h": h, "kind": "text"
                }))
                .unwrap()
            })
            .collect()
    }

    fn at(ws: &[Widget]) -> Vec<(u32, u32)> {
        ws.iter().map(|w| (w.x, w.y)).collect()
    }

    fn no_overlap(ws: &[Widget]) {
        for (i, a) in ws.iter().enumerate() {
            for b in &ws[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} and {b:?} share cells");
            }
        }
    }

    #[test]
    fn a_widget_on_another_is_pushed_below_it_and_gaps_close() {
        // A note laid on a chart's title, a table over two charts, a card floating in a gap.
        let mut ws = grid(&[
            (0, 0, 6, 5),
            (6, 0, 6, 5),
            (0, 1, 12, 2),
            (0, 4, 12, 8),
            (3, 30, 3, 2),
        ]);
        assert!(compact(&mut ws));
        no_overlap(&ws);
        assert_eq!(at(&ws), vec![(0, 0), (6, 0), (0, 5), (0, 7), (3, 15)]);
        // Already compact: nothing moves.
        assert!(!compact(&mut ws));
    }

    #[test]
    fn the_same_row_keeps_its_order_by_column_and_unplaced_widgets_are_left() {
        let mut ws = grid(&[(4, 2, 4, 2), (0, 2, 6, 2), (0, 0, 0, 0)]);
        compact(&mut ws);
        no_overlap(&ws);
        // The one more to the left settles first; the other goes below it.
        assert_eq!(at(&ws), vec![(4, 2), (0, 0), (0, 0)]);
        assert!(ws[2].unplaced());
    }

    #[test]
    fn any_overlapping_layout_comes_out_overlap_free() {
        // A small deterministic generator: many random piles.
        let mut seed = 7u64;
        let mut next = |n: u32| {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((seed >> 33) % u64::from(n)) as u32
        };
        for _ in 0..200 {
            let cells: Vec<_> = (0..12)
                .map(|_| {
                    let w = 1 + next(12);
                    (next(COLUMNS - w + 1), next(10), w, 1 + next(6))
                })
                .collect();
            let mut ws = grid(&cells);
            compact(&mut ws);
            no_overlap(&ws);
            for (w, c) in ws.iter().zip(&cells) {
                assert_eq!((w.x, w.w, w.h), (c.0, c.2, c.3), "columns and sizes kept");
            }
        }
    }
}
