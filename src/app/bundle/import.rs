//! A bundle made into objects on this server. Everything is checked before anything is written
//! (the bundle's shape, the data it needs, each report's queries, the dashboard's grid); then the
//! reports, the dashboard and the schedules are saved through their services, so each is a
//! version like any save. Should a save still fail, what this import wrote is taken back.

use super::needs::{self, Checked};
use crate::app::edit::{invalid, Author, EditError};
use crate::app::Ctx;
use crate::model::bundle::Bundle;
use crate::model::version::Kept;
use crate::store;
use serde::Serialize;
use std::collections::HashMap;

crate::model::status! {
    /// What an import does to an object.
    Action {
        Create = "create",
        Update = "update",
    }
}

/// One object of the bundle and what the import does with it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Planned {
    pub kind: Kept,
    /// Its id in the bundle.
    pub origin: String,
    /// Its id here.
    pub id: String,
    pub name: String,
    pub action: Action,
}

/// What an import did, or would do (a dry run).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Outcome {
    pub dry_run: bool,
    pub dashboard_id: String,
    pub objects: Vec<Planned>,
    pub needs: Vec<Checked>,
    /// Why it cannot be imported here (a dry run says it; an import is refused with the first).
    pub problems: Vec<String>,
}

/// Imports `bundle` (or, `dry_run`, says what it would do). `author` is kept with every version.
pub fn import(
    ctx: &Ctx,
    mut bundle: Bundle,
    author: &Author,
    dry_run: bool,
) -> Result<Outcome, EditError> {
    bundle.check().map_err(|(f, m)| invalid(f, m))?;
    let checked = needs::check(ctx, &needs::of(&bundle.reports));
    let mut problems: Vec<String> = checked.iter().filter_map(Checked::problem).collect();
    let objects = plan(ctx, &mut bundle)?;
    if problems.is_empty() {
        for (i, r) in bundle.reports.iter().enumerate() {
            if let Err(e) = crate::app::report::check(ctx, r) {
                match e {
                    EditError::Invalid { field, message } if dry_run => {
                        problems.push(format!("reports[{i}].{field}: {message}"))
                    }
                    EditError::Invalid { field, message } => {
                        return Err(invalid(format!("reports[{i}].{field}"), message))
                    }
                    other => return Err(other),
                }
            }
        }
    }
    let dashboard_id = objects
        .iter()
        .find(|p| p.kind == Kept::Dashboard)
        .map(|p| p.id.clone())
        .unwrap_or_default();
    let mut outcome = Outcome {
        dry_run,
        dashboard_id,
        objects,
        needs: checked,
        problems,
    };
    if dry_run {
        return Ok(outcome);
    }
    if let Some(p) = outcome.problems.first() {
        return Err(invalid("needs", p.clone()));
    }
    let mut undo = Undo::default();
    match write(ctx, bundle, &mut outcome.objects, author, &mut undo) {
        Ok(()) => Ok(outcome),
        Err(e) => {
            undo.run(ctx);
            Err(e)
        }
    }
}

fn origin_of(id: &Option<String>) -> String {
    id.clone().unwrap_or_default()
}

/// Decides each object's id here (the one an earlier import of it made, the same id on the
/// server it came from, or a new one) and a free name, and rewrites the bundle's references.
fn plan(ctx: &Ctx, bundle: &mut Bundle) -> Result<Vec<Planned>, EditError> {
    let conn = ctx.store.app.get()?;
    let mut objects: Vec<Planned> = Vec::new();
    let mut ids: HashMap<(Kept, String), String> = HashMap::new();
    let mut report_names: Vec<String> = Vec::new();
    for r in &mut bundle.reports {
        let origin = origin_of(&r.id);
        let local = match store::bundle::local(&conn, Kept::Report, &origin)? {
            Some(l) if store::report::get(&conn, &l)?.is_some() => Some(l),
            _ if store::report::get(&conn, &origin)?.is_some() => Some(origin.clone()),
            _ => None,
        };
        let id = local
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let mut name = r.name.trim().to_string();
        let taken = |n: &str, names: &[String]| -> Result<bool, EditError> {
            Ok(names.iter().any(|x| x == n)
                || store::report::find(&conn, n)?.is_some_and(|o| o.id != id))
        };
        let base = name.clone();
        let mut k = 1;
        while taken(&name, &report_names)? {
            k += 1;
            name = format!("{base} ({k})");
        }
        report_names.push(name.clone());
        r.name = name.clone();
        r.id = Some(id.clone());
        ids.insert((Kept::Report, origin.clone()), id.clone());
        objects.push(Planned {
            kind: Kept::Report,
            origin,
            id,
            name,
            action: if local.is_some() {
                Action::Update
            } else {
                Action::Create
            },
        });
    }
    let d = &mut bundle.dashboard;
    let origin = origin_of(&d.id);
    let local = match store::bundle::local(&conn, Kept::Dashboard, &origin)? {
        Some(l) if store::dashboard::get(&conn, &l)?.is_some() => Some(l),
        _ if !origin.is_empty() && store::dashboard::get(&conn, &origin)?.is_some() => {
            Some(origin.clone())
        }
        _ => None,
    };
    let did = local
        .clone()
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let others: Vec<String> = store::dashboard::list(&conn)?
        .into_iter()
        .filter(|x| x.id != did)
        .map(|x| x.definition.name)
        .collect();
    let base = d.name.trim().to_string();
    let mut name = base.clone();
    let mut k = 1;
    while others.contains(&name) {
        k += 1;
        name = format!("{base} ({k})");
    }
    d.name = name.clone();
    d.id = None;
    d.default = false;
    for w in &mut d.widgets {
        if let Some(r) = &w.report_id {
            w.report_id = ids
                .get(&(Kept::Report, r.clone()))
                .cloned()
                .or(w.report_id.take());
        }
    }
    ids.insert((Kept::Dashboard, origin.clone()), did.clone());
    objects.push(Planned {
        kind: Kept::Dashboard,
        origin,
        id: did.clone(),
        name,
        action: if local.is_some() {
            Action::Update
        } else {
            Action::Create
        },
    });
    for (i, s) in bundle.schedules.iter_mut().enumerate() {
        let origin = s.id.clone().unwrap_or_else(|| format!("schedule-{i}"));
        let local = match store::bundle::local(&conn, Kept::Schedule, &origin)? {
            Some(l) if store::schedule::get(&conn, &l)?.is_some() => Some(l),
            _ if store::schedule::get(&conn, &origin)?.is_some() => Some(origin.clone()),
            _ => None,
        };
        let sid = local
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        if s.dashboard_id.is_some() {
            s.dashboard_id = Some(did.clone());
        } else if let Some(r) = ids.get(&(Kept::Report, s.report_id.clone())) {
            s.report_id = r.clone();
        }
        let base = s.name.trim().to_string();
        let mut k = 1;
        while store::schedule::named(&conn, &s.name, Some(&sid))?.is_some() {
            k += 1;
            s.name = format!("{base} ({k})");
        }
        s.id = Some(sid.clone());
        s.validate(ctx.config.delivery.allow_private_targets)
            .map_err(|(f, m)| invalid(format!("schedules[{i}].{f}"), m))?;
        objects.push(Planned {
            kind: Kept::Schedule,
            origin,
            id: sid,
            name: s.name.clone(),
            action: if local.is_some() {
                Action::Update
            } else {
                Action::Create
            },
        });
    }
    Ok(objects)
}

/// What an import wrote, to take back if a later save fails: objects made, and the
/// definitions of objects changed as they were.
#[derive(Default)]
struct Undo {
    made: Vec<(Kept, String)>,
    changed_reports: Vec<crate::store::report::StoredReport>,
    changed_dashboard: Option<crate::store::dashboard::StoredDashboard>,
}

impl Undo {
    fn run(self, ctx: &Ctx) {
        let Ok(conn) = ctx.store.app.get() else {
            return;
        };
        for (kind, id) in self.made.iter().rev() {
            let gone = match kind {
                Kept::Schedule => store::schedule::delete(&conn, id),
                Kept::Dashboard => store::dashboard::delete(&conn, id),
                Kept::Report => store::report::delete(&conn, id),
            };
            let _ = gone.and_then(|_| store::version::forget(&conn, *kind, id));
        }
        // Put back as they were, each a version saying why (the import's own may be the newest).
        let note = Some("An import that failed, taken back");
        for r in &self.changed_reports {
            let _ = store::report::upsert(&conn, &r.id, &r.definition, false).and_then(|body| {
                store::version::record(&conn, Kept::Report, &r.id, &body, None, note, None)
            });
        }
        if let Some(d) = &self.changed_dashboard {
            let _ = store::dashboard::upsert(&conn, &d.id, &d.definition, false).and_then(|body| {
                store::version::record(&conn, Kept::Dashboard, &d.id, &body, None, note, None)
            });
        }
    }
}

fn write(
    ctx: &Ctx,
    bundle: Bundle,
    objects: &mut [Planned],
    author: &Author,
    undo: &mut Undo,
) -> Result<(), EditError> {
    let actions: Vec<(Kept, String, Action)> = objects
        .iter()
        .map(|p| (p.kind, p.id.clone(), p.action))
        .collect();
    let action = |kind: Kept, id: &str| {
        actions
            .iter()
            .find(|(k, i, _)| *k == kind && i == id)
            .map(|(_, _, a)| *a)
            .expect("planned")
    };
    // A dashboard this import updates may show visualizations its reports' new versions no
    // longer have: it first shows only what both have (not a version of its own), so the
    // reports can change; then it is saved as the bundle has it.
    if let Some((_, did, Action::Update)) = actions.iter().find(|(k, _, _)| *k == Kept::Dashboard) {
        let conn = ctx.store.app.get()?;
        if let Some(current) = store::dashboard::get(&conn, did)? {
            let mut lean = current.definition.clone();
            let both = |r: &str, v: &str| {
                let now = store::report::get(&conn, r).ok().flatten();
                let next = bundle.reports.iter().find(|x| x.id.as_deref() == Some(r));
                now.is_some_and(|n| n.definition.visualization(v).is_some())
                    && next.is_some_and(|n| n.visualization(v).is_some())
            };
            lean.widgets
                .retain(|w| match (&w.report_id, &w.visualization_id) {
                    (Some(r), Some(v)) => both(r, v),
                    _ => true,
                });
            if lean.widgets.len() < current.definition.widgets.len() {
                let kept: Vec<String> = lean.widgets.iter().map(|w| w.id.clone()).collect();
                for f in &mut lean.filters {
                    f.targets.retain(|t| kept.contains(&t.widget_id));
                }
                lean.filters.retain(|f| !f.targets.is_empty());
                undo.changed_dashboard = Some(current);
                store::dashboard::upsert(&conn, did, &lean, false)?;
            }
        }
    }
    for mut def in bundle.reports {
        let id = def.id.clone().unwrap_or_default();
        // Collections are this server's: an update stays where it is, a new one goes to the root.
        def.collection_id = None;
        match action(Kept::Report, &id) {
            Action::Update => {
                if let Some(before) = store::report::get(&*ctx.store.app.get()?, &id)? {
                    def.collection_id = before.definition.collection_id.clone();
                    undo.changed_reports.push(before);
                }
                crate::app::report::save(ctx, Some(&id), def, author)?;
            }
            Action::Create => {
                crate::app::report::save(ctx, None, def, author)?;
                undo.made.push((Kept::Report, id.clone()));
            }
        }
    }
    let (_, did, daction) = actions
        .iter()
        .find(|(k, _, _)| *k == Kept::Dashboard)
        .expect("a dashboard is planned");
    match daction {
        Action::Update => {
            if undo.changed_dashboard.is_none() {
                undo.changed_dashboard = store::dashboard::get(&*ctx.store.app.get()?, did)?;
            }
            let mut def = bundle.dashboard;
            def.default = undo
                .changed_dashboard
                .as_ref()
                .is_some_and(|x| x.is_default);
            def.collection_id = undo
                .changed_dashboard
                .as_ref()
                .and_then(|x| x.definition.collection_id.clone());
            crate::app::dashboard::save(ctx, Some(did), def, author)?;
        }
        Action::Create => {
            let mut def = bundle.dashboard;
            def.collection_id = None;
            crate::app::dashboard::save_as(ctx, did, def, author)?;
            undo.made.push((Kept::Dashboard, did.clone()));
        }
    }
    // A new schedule gets its id from its service: the plan's id becomes that one.
    let mut made_ids: HashMap<String, String> = HashMap::new();
    for s in bundle.schedules {
        let id = s.id.clone().unwrap_or_default();
        match action(Kept::Schedule, &id) {
            Action::Update => {
                crate::app::schedule::save(ctx, Some(&id), &s, author)?;
            }
            Action::Create => {
                let made = crate::app::schedule::save(ctx, None, &s, author)?;
                undo.made.push((Kept::Schedule, made.id.clone()));
                made_ids.insert(id, made.id);
            }
        }
    }
    let conn = ctx.store.app.get()?;
    for p in objects.iter_mut() {
        if let Some(made) = made_ids.get(&p.id) {
            p.id = made.clone();
        }
        store::bundle::link(&conn, p.kind, &p.origin, &p.id)?;
    }
    Ok(())
}
