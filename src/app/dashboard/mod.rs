//! The dashboard service, in one place: a dashboard as a stored object (laid out, checked
//! against the reports it shows before anything is written, saved, duplicated, deleted, here),
//! its grid (`layout`), a widget run under the dashboard's filters (`run`), the rows behind a
//! mark (`drill`), its description quoting its reports (`text`), the whole or one widget as
//! a document to render (`document`), and its widgets' results cached after an import (`warm`).

pub mod data_end;
pub mod document;
pub mod drill;
pub mod insights;
pub mod layout;
pub mod run;
pub mod text;
pub mod warm;
pub mod watch;

pub use layout::{place, place_stored};

use super::edit::{invalid, Author, EditError};
use super::Ctx;
use crate::model::dashboard::{DashboardDefinition, WidgetKind};
use crate::model::report::{QuerySource, ReportDefinition};
use crate::model::version::Kept;
use crate::report::builder::Field;
use crate::store::{self, dashboard::StoredDashboard};
use rusqlite::Connection;

fn not_found(id: &str) -> EditError {
    EditError::NotFound(format!(
        "no dashboard with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

/// Checks a definition against the store: every widget's report and visualization exists, every
/// filter target's parameter is one of its widget's report, every field one of its builder
/// query's dataset.
pub fn check(ctx: &Ctx, conn: &Connection, def: &DashboardDefinition) -> Result<(), EditError> {
    validated(def)?;
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
                let viz = w.visualization_id.as_deref().unwrap_or_default();
                let (dataset, fields) = builder_fields(ctx, &report.definition, viz)
                    .map_err(|m| invalid(format!("{at}.field"), m))?;
                if !fields.iter().any(|x| &x.name == field) {
                    return Err(invalid(
                        format!("{at}.field"),
                        format!(
                            "`{dataset}` has no field `{}`",
                            crate::model::text::truncate(field, 80)
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The dataset and its fields that visualization `viz` of `report` reads through a builder
/// query: what a dashboard filter may target as a field. The error says why there are none.
pub fn builder_fields(
    ctx: &Ctx,
    report: &ReportDefinition,
    viz: &str,
) -> Result<(String, Vec<Field>), String> {
    let source = report
        .visualization(viz)
        .and_then(|v| report.query_source(v.query.as_deref()));
    let Some(QuerySource::Builder(spec)) = source else {
        return Err(
            "a field target needs a widget whose query is a builder; target a parameter instead"
                .into(),
        );
    };
    let data = ctx
        .store
        .source(&report.data_source)
        .ok_or("the report's source is gone")?;
    let conn = data.get(&ctx.sight).map_err(|e| e.to_string())?;
    let d = crate::report::builder::Dialect::of(conn.db().engine());
    let today = chrono::Utc::now().date_naive();
    let fields = crate::report::builder::spec_fields(conn.db(), spec, d, today)?;
    // A question on a saved one is named by that one.
    let name = match spec.source.as_ref().map(|s| s.nested()) {
        Some(Ok(n)) => n.name.clone(),
        _ => spec.dataset.clone(),
    };
    Ok((name, fields))
}

/// What needs no store (`DashboardDefinition::validate`), the error naming its field.
fn validated(def: &DashboardDefinition) -> Result<(), EditError> {
    def.validate().map_err(|e| match e.split_once(": ") {
        Some((f, m)) => invalid(f, m),
        None => invalid("dashboard", e),
    })
}

/// Refuses widgets that share cells, naming both (`widgets[3]` and `widgets[5]`).
pub fn refuse_overlap(def: &DashboardDefinition) -> Result<(), EditError> {
    let Some((a, b)) = def.overlapping() else {
        return Ok(());
    };
    let id = |i: usize| crate::model::text::truncate(&def.widgets[i].id, 60).to_string();
    Err(invalid(
        format!("widgets[{b}]"),
        format!(
            "`widgets[{a}]` and `widgets[{b}]` overlap: \"{}\" and \"{}\" share cells; move one below the other",
            id(a),
            id(b)
        ),
    ))
}

/// Lays out, checks and stores a dashboard: a new one (`id` None) or a replacement.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    def: DashboardDefinition,
    author: &Author,
) -> Result<StoredDashboard, EditError> {
    let target = |ctx: &Ctx| {
        let conn = ctx.store.app.get()?;
        crate::app::collection::check_target(&conn, def.collection_id.as_deref(), &ctx.grants)
    };
    let id = match id {
        Some(id) => {
            let before =
                store::dashboard::get(&*ctx.store.app.get()?, id)?.ok_or_else(|| not_found(id))?;
            let was = &before.definition.collection_id;
            crate::app::collection::check_edit(("dashboard", id), was.as_deref(), &ctx.grants)?;
            // Moved (not saved where it is): they must be able to add to where it goes.
            if *was != def.collection_id {
                target(ctx)?;
            }
            id.to_string()
        }
        None => {
            target(ctx)?;
            uuid::Uuid::new_v4().to_string()
        }
    };
    write(ctx, &id, def, author)
}

/// Stores a new dashboard under `id` (one back from the trash, or from a bundle), checked as
/// any save; an id in use is a conflict.
pub fn save_as(
    ctx: &Ctx,
    id: &str,
    def: DashboardDefinition,
    author: &Author,
) -> Result<StoredDashboard, EditError> {
    if store::dashboard::get(&*ctx.store.app.get()?, id)?.is_some() {
        return Err(EditError::Conflict(format!(
            "a dashboard with id `{id}` exists"
        )));
    }
    write(ctx, id, def, author)
}

fn write(
    ctx: &Ctx,
    id: &str,
    mut def: DashboardDefinition,
    author: &Author,
) -> Result<StoredDashboard, EditError> {
    def.name = def.name.trim().to_string();
    let conn = ctx.store.app.get()?;
    let id = id.to_string();
    // Before `place`, which would repair it (and after the grid's numbers are known good).
    validated(&def)?;
    refuse_overlap(&def)?;
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
    let tx = conn
        .unchecked_transaction()
        .map_err(store::StoreError::from)?;
    let body = store::dashboard::upsert(&tx, &id, &def, false)?;
    author.keep(&tx, Kept::Dashboard, &id, &body, None)?;
    tx.commit().map_err(store::StoreError::from)?;
    store::dashboard::get(&conn, &id)?.ok_or_else(|| not_found(&id))
}

/// A copy named "<name> (copy)" (or "(copy 2)", ...), never the default.
pub fn duplicate(ctx: &Ctx, id: &str, author: &Author) -> Result<StoredDashboard, EditError> {
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
    save(ctx, None, def, author)
}

/// Adds every visualization of report `report_id` to dashboard `into` (None: a new dashboard
/// named after the report), laid out below what is there. Returns the saved dashboard.
pub fn add_report(
    ctx: &Ctx,
    into: Option<&str>,
    report_id: &str,
    author: &Author,
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
    save(ctx, id.as_deref(), def, author)
}

/// Makes a dashboard the default, the one `/` opens.
pub fn make_default(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    if !store::dashboard::set_default(&conn, id)? {
        return Err(not_found(id));
    }
    Ok(())
}

/// Moves a dashboard to the trash.
pub fn delete(ctx: &Ctx, id: &str, author: &Author) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    let d = store::dashboard::get(&conn, id)?.ok_or_else(|| not_found(id))?;
    let mut def = d.definition;
    def.id = None;
    let body = serde_json::to_string(&def).map_err(store::StoreError::from)?;
    let tx = conn
        .unchecked_transaction()
        .map_err(store::StoreError::from)?;
    store::version::trash(
        &tx,
        Kept::Dashboard,
        id,
        &def.name,
        &body,
        author.by.as_deref(),
    )?;
    store::dashboard::delete(&tx, id)?;
    tx.commit().map_err(store::StoreError::from)?;
    Ok(())
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

/// The home page's dashboard: the default one, or, when its collection is not the reader's,
/// the first they may see (none: the empty home page).
pub fn home(ctx: &Ctx) -> Result<Option<StoredDashboard>, store::StoreError> {
    let sees = |d: &StoredDashboard| {
        ctx.grants
            .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
    };
    if let Some(d) = store::dashboard::home(&*ctx.store.app.get()?)?.filter(sees) {
        return Ok(Some(d));
    }
    Ok(store::dashboard::list(&*ctx.store.app.get()?)?
        .into_iter()
        .find(sees))
}
