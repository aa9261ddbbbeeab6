//! Dashboards as stored objects: laid out (the short form's widgets placed on the grid), checked
//! against the reports they show (every report, visualization, targeted parameter and field
//! exists) before anything is written, saved, duplicated, deleted.

use super::edit::{invalid, EditError};
use super::Ctx;
use crate::model::dashboard::{DashboardDefinition, WidgetKind, COLUMNS};
use crate::model::report::{QuerySource, VizType};
use crate::store::{self, dashboard::StoredDashboard};
use rusqlite::Connection;

fn not_found(id: &str) -> EditError {
    EditError::NotFound(format!(
        "no dashboard with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

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

/// Checks a definition against the store: every widget's report and visualization exists, every
/// filter target's parameter is one of its widget's report, every field one of its builder
/// query's dataset.
pub fn check(ctx: &Ctx, conn: &Connection, def: &DashboardDefinition) -> Result<(), EditError> {
    def.validate().map_err(|e| match e.split_once(": ") {
        Some((f, m)) => invalid(f, m),
        None => invalid("dashboard", e),
    })?;
    for (i, w) in def.widgets.iter().enumerate() {
        if w.kind != WidgetKind::Visualization {
            continue;
        }
        let at = format!("widgets[{i}]");
        let rid = w.report_id.as_deref().ok_or_else(|| {
            invalid(
                format!("{at}.reportId"),
                "a visualization widget names its report",
            )
        })?;
        let report = store::report::get(conn, rid)?.ok_or_else(|| {
            invalid(
                format!("{at}.reportId"),
                format!("no report `{}`", crate::model::text::truncate(rid, 80)),
            )
        })?;
        let vid = w.visualization_id.as_deref().unwrap_or_default();
        if report.definition.visualization(vid).is_none() {
            return Err(invalid(
                format!("{at}.visualizationId"),
                format!(
                    "report `{}` has no visualization `{}`",
                    report.definition.name,
                    crate::model::text::truncate(vid, 80)
                ),
            ));
        }
        if let Some(p) = w
            .parameters
            .keys()
            .find(|p| !report.definition.parameters.iter().any(|d| &d.name == *p))
        {
            return Err(invalid(
                format!("{at}.parameters.{p}"),
                format!("report `{}` has no parameter `{p}`", report.definition.name),
            ));
        }
    }
    for (i, f) in def.filters.iter().enumerate() {
        for (j, t) in f.targets.iter().enumerate() {
            let at = format!("filters[{i}].targets[{j}]");
            let w = def
                .widget(&t.widget_id)
                .expect("validate checked the widget");
            let report = match &w.report_id {
                Some(r) => store::report::get(conn, r)?,
                None => None,
            }
            .ok_or_else(|| {
                invalid(
                    format!("{at}.widgetId"),
                    "a filter targets a visualization widget",
                )
            })?;
            if let Some(p) = &t.parameter {
                if !report.definition.parameters.iter().any(|d| &d.name == p) {
                    return Err(invalid(
                        format!("{at}.parameter"),
                        format!("report `{}` has no parameter `{p}`", report.definition.name),
                    ));
                }
            }
            if let Some(field) = &t.field {
                let viz = report
                    .definition
                    .visualization(w.visualization_id.as_deref().unwrap_or_default());
                let source = viz.and_then(|v| report.definition.query_source(v.query.as_deref()));
                let Some(QuerySource::Builder(spec)) = source else {
                    return Err(invalid(format!("{at}.field"), "a field target needs a widget whose query is a builder; target a parameter instead"));
                };
                let data = ctx
                    .store
                    .source(&report.definition.data_source)
                    .ok_or_else(|| invalid(format!("{at}.field"), "the report's source is gone"))?;
                let fields = crate::report::builder::fields(&data.get()?, &spec.dataset)
                    .map_err(|m| invalid(format!("{at}.field"), m))?;
                if !fields.iter().any(|x| &x.name == field) {
                    return Err(invalid(
                        format!("{at}.field"),
                        format!(
                            "`{}` has no field `{}`",
                            spec.dataset,
                            crate::model::text::truncate(field, 80)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Lays out, checks and stores a dashboard: a new one (`id` None) or a replacement.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    mut def: DashboardDefinition,
) -> Result<StoredDashboard, EditError> {
    def.name = def.name.trim().to_string();
    let conn = ctx.store.app.get()?;
    let id = match id {
        Some(id) => {
            store::dashboard::get(&conn, id)?.ok_or_else(|| not_found(id))?;
            id.to_string()
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    place(&conn, &mut def)?;
    check(ctx, &conn, &def)?;
    if store::dashboard::list(&conn)?
        .iter()
        .any(|d| d.id != id && d.name() == def.name)
    {
        return Err(invalid(
            "name",
            format!("a dashboard named `{}` exists", def.name),
        ));
    }
    store::dashboard::upsert(&conn, &id, &def, false)?;
    store::dashboard::get(&conn, &id)?.ok_or_else(|| not_found(&id))
}

/// A copy named "<name> (copy)" (or "(copy 2)", ...), never the default.
pub fn duplicate(ctx: &Ctx, id: &str) -> Result<StoredDashboard, EditError> {
    let conn = ctx.store.app.get()?;
    let d = store::dashboard::get(&conn, id)?.ok_or_else(|| not_found(id))?;
    let names: Vec<String> = store::dashboard::list(&conn)?
        .iter()
        .map(|d| d.name().to_string())
        .collect();
    let mut def = d.definition.clone();
    let base: String = def.name.chars().take(180).collect();
    def.name = (1..)
        .map(|n| {
            if n == 1 {
                format!("{base} (copy)")
            } else {
                format!("{base} (copy {n})")
            }
        })
        .find(|n| !names.contains(n))
        .expect("some name is free");
    def.default = false;
    drop(conn);
    save(ctx, None, def)
}

/// Adds every visualization of report `report_id` to dashboard `into` (None: a new dashboard
/// named after the report), laid out below what is there. Returns the saved dashboard.
pub fn add_report(
    ctx: &Ctx,
    into: Option<&str>,
    report_id: &str,
) -> Result<StoredDashboard, EditError> {
    let conn = ctx.store.app.get()?;
    let report = store::report::get(&conn, report_id)?.ok_or_else(|| {
        invalid(
            "reportId",
            format!(
                "no report `{}`",
                crate::model::text::truncate(report_id, 80)
            ),
        )
    })?;
    let (id, mut def) = match into {
        Some(id) => {
            let d = store::dashboard::get(&conn, id)?.ok_or_else(|| not_found(id))?;
            (Some(d.id), d.definition)
        }
        None => {
            let names: Vec<String> = store::dashboard::list(&conn)?
                .iter()
                .map(|d| d.name().to_string())
                .collect();
            let base: String = report.definition.name.chars().take(180).collect();
            let name = (1..)
                .map(|n| {
                    if n == 1 {
                        base.clone()
                    } else {
                        format!("{base} ({n})")
                    }
                })
                .find(|n| !names.contains(n))
                .expect("some name is free");
            let def: DashboardDefinition =
                serde_json::from_value(serde_json::json!({ "name": name })).expect("a dashboard");
            (None, def)
        }
    };
    for v in &report.definition.visualizations {
        let mut wid = v.id.clone();
        let mut n = 1;
        while def.widget(&wid).is_some() {
            n += 1;
            wid = format!("{}_{n}", v.id);
        }
        let mut w: crate::model::dashboard::Widget =
            serde_json::from_value(serde_json::Value::String(v.id.clone()))
                .expect("a widget from an id");
        w.id = wid;
        w.report_id = Some(report.id.clone());
        def.widgets.push(w);
    }
    drop(conn);
    save(ctx, id.as_deref(), def)
}

/// Makes a dashboard the default, the one `/` opens.
pub fn make_default(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    if !store::dashboard::set_default(&conn, id)? {
        return Err(not_found(id));
    }
    Ok(())
}

/// Deletes a dashboard.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    if !store::dashboard::delete(&conn, id)? {
        return Err(not_found(id));
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

/// The dashboards that show report `report_id`, with the visualizations they show of it.
pub fn users_of(
    conn: &Connection,
    report_id: &str,
) -> Result<Vec<(String, Vec<String>)>, EditError> {
    Ok(store::dashboard::list(conn)?
        .into_iter()
        .filter_map(|d| {
            let vizs: Vec<String> = d
                .definition
                .widgets
                .iter()
                .filter(|w| w.report_id.as_deref() == Some(report_id))
                .filter_map(|w| w.visualization_id.clone())
                .collect();
            (!vizs.is_empty()).then(|| (d.definition.name.clone(), vizs))
        })
        .collect())
}
