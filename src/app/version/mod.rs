//! Versions and the trash. Every save of a report, a dashboard or a schedule through its
//! service (`app::report::save`, ...) keeps the definition it wrote as a version
//! (`store::version::record`, in the save's transaction); an
//! old version can be read, compared with another in words (`diff`), named, and restored as a
//! new version through the same checked save. A deleted report or dashboard waits in the trash
//! for 30 days ([`TRASH_DAYS`]) and comes back with its id, so links and versions still fit.

pub mod diff;

use super::edit::{invalid, Author, EditError};
use super::Ctx;
use crate::model::dashboard::DashboardDefinition;
use crate::model::report::ReportDefinition;
use crate::model::schedule::ScheduleDefinition;
use crate::model::version::{Kept, Trashed, Version, TRASH_DAYS};
use crate::store::{self, StoreError};
use rusqlite::Connection;

fn not_found(kind: Kept, id: &str) -> EditError {
    EditError::NotFound(format!(
        "no {kind} with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

/// Whether the object is there (or in the trash: its history stays readable).
fn known(conn: &Connection, kind: Kept, id: &str) -> Result<bool, StoreError> {
    let live = match kind {
        Kept::Report => store::report::get(conn, id)?.is_some(),
        Kept::Dashboard => store::dashboard::get(conn, id)?.is_some(),
        Kept::Schedule => store::schedule::get(conn, id)?.is_some(),
    };
    Ok(live || store::version::trashed_get(conn, kind, id)?.is_some())
}

/// An object's versions, newest first.
pub fn list(ctx: &Ctx, kind: Kept, id: &str) -> Result<Vec<Version>, EditError> {
    let conn = ctx.store.app.get()?;
    if !known(&conn, kind, id)? {
        return Err(not_found(kind, id));
    }
    Ok(store::version::list(&conn, kind, id)?)
}

/// One version with its definition.
pub fn get(
    ctx: &Ctx,
    kind: Kept,
    id: &str,
    number: i64,
) -> Result<(Version, serde_json::Value), EditError> {
    let conn = ctx.store.app.get()?;
    let (v, body) = store::version::get(&conn, kind, id, number)?.ok_or_else(|| {
        EditError::NotFound(format!(
            "{kind} `{}` has no version {number}",
            crate::model::text::truncate(id, 80)
        ))
    })?;
    let value = serde_json::from_str(&body).map_err(StoreError::from)?;
    Ok((v, value))
}

/// A definition as people and the API may see it: a schedule's hook addresses (secrets) shown
/// as their host, as the schedules API shows them; other kinds as they are.
pub fn shown(kind: Kept, value: serde_json::Value) -> serde_json::Value {
    if kind != Kept::Schedule {
        return value;
    }
    match serde_json::from_value::<ScheduleDefinition>(value.clone()) {
        Ok(mut s) => {
            for r in &mut s.recipients {
                r.address = r.shown();
            }
            serde_json::to_value(s).unwrap_or(value)
        }
        Err(_) => value,
    }
}

/// A version's definition as the type it is, for running or showing it.
pub fn report_at(
    ctx: &Ctx,
    id: &str,
    number: i64,
) -> Result<(Version, ReportDefinition), EditError> {
    let (v, value) = get(ctx, Kept::Report, id, number)?;
    let mut def = serde_json::from_value(value).map_err(|e| {
        invalid(
            "version",
            format!("version {number} no longer reads as a report: {e}"),
        )
    })?;
    // The saved questions it is built on, as they are now.
    store::report::resolve(&*ctx.store.app.get()?, id, &mut def);
    Ok((v, def))
}

/// Names a version (None or blank: unnamed).
pub fn name(
    ctx: &Ctx,
    kind: Kept,
    id: &str,
    number: i64,
    name: Option<&str>,
) -> Result<Version, EditError> {
    let name = crate::model::version::note_of(name).map_err(|m| invalid("name", m))?;
    let conn = ctx.store.app.get()?;
    if !store::version::name(&conn, kind, id, number, name.as_deref())? {
        return Err(EditError::NotFound(format!(
            "{kind} `{}` has no version {number}",
            crate::model::text::truncate(id, 80)
        )));
    }
    drop(conn);
    Ok(get(ctx, kind, id, number)?.0)
}

/// Saves version `number` again as the object's newest version, through the same checks as any
/// save (a report whose dataset has gone is refused, naming it). Returns the new version.
pub fn restore(
    ctx: &Ctx,
    kind: Kept,
    id: &str,
    number: i64,
    by: Option<String>,
) -> Result<Version, EditError> {
    let (_, value) = get(ctx, kind, id, number)?;
    let author = Author {
        by,
        note: Some(format!("Restored from version {number}")),
    };
    let unreadable =
        |e: serde_json::Error| invalid("version", format!("version {number} no longer reads: {e}"));
    match kind {
        Kept::Report => {
            let def: ReportDefinition = serde_json::from_value(value).map_err(unreadable)?;
            super::report::save(ctx, Some(id), def, &author)?;
        }
        Kept::Dashboard => {
            let mut def: DashboardDefinition = serde_json::from_value(value).map_err(unreadable)?;
            // Which dashboard `/` opens is not part of its history.
            let conn = ctx.store.app.get()?;
            def.default = store::dashboard::get(&conn, id)?
                .ok_or_else(|| not_found(kind, id))?
                .is_default;
            drop(conn);
            super::dashboard::save(ctx, Some(id), def, &author)?;
        }
        Kept::Schedule => {
            let def: ScheduleDefinition = serde_json::from_value(value).map_err(unreadable)?;
            super::schedule::save(ctx, Some(id), &def, &author)?;
        }
    }
    let conn = ctx.store.app.get()?;
    store::version::list(&conn, kind, id)?
        .into_iter()
        .next()
        .ok_or_else(|| not_found(kind, id))
}

/// What is in the trash.
pub fn trashed(ctx: &Ctx) -> Result<Vec<Trashed>, EditError> {
    let conn = ctx.store.app.get()?;
    let all = store::version::trashed_list(&conn)?;
    if ctx.grants.all {
        return Ok(all);
    }
    // What was kept in a collection they may not see is not listed for them either.
    let mut shown = Vec::with_capacity(all.len());
    for t in all {
        let Some((_, body)) = store::version::trashed_get(&conn, t.kind, &t.id)? else {
            continue;
        };
        let collection = serde_json::from_str::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["collectionId"].as_str().map(str::to_string));
        let kind = match t.kind {
            Kept::Dashboard => "dashboard",
            _ => "report",
        };
        if ctx.grants.access_to(kind, &t.id, collection.as_deref())
            != crate::model::collection::Access::None
        {
            shown.push(t);
        }
    }
    Ok(shown)
}

/// Brings a report or dashboard back from the trash with its id, through the same checks as a
/// new one (a dashboard whose report is still deleted is refused, naming it). A name taken
/// meanwhile becomes "<name> (restored)".
pub fn untrash(ctx: &Ctx, kind: Kept, id: &str, by: Option<String>) -> Result<String, EditError> {
    // Its collection, if it was deleted meanwhile, gives way to the top level.
    let still_there = |conn: &rusqlite::Connection, c: Option<String>| -> Result<_, EditError> {
        Ok(match c {
            Some(c) if store::collection::get(conn, &c)?.is_none() => None,
            c => c,
        })
    };
    let conn = ctx.store.app.get()?;
    let (t, body) = store::version::trashed_get(&conn, kind, id)?.ok_or_else(|| {
        EditError::NotFound(format!(
            "no {kind} `{}` in the trash",
            crate::model::text::truncate(id, 80)
        ))
    })?;
    let author = Author {
        by,
        note: Some("Restored from the trash".into()),
    };
    let unreadable = |e: serde_json::Error| invalid("body", format!("no longer reads: {e}"));
    match kind {
        Kept::Report => {
            let mut def: ReportDefinition = serde_json::from_str(&body).map_err(unreadable)?;
            if store::report::find(&conn, &def.name)?.is_some() {
                def.name = format!("{} (restored)", def.name);
            }
            def.id = Some(t.id.clone());
            def.collection_id = still_there(&conn, def.collection_id)?;
            drop(conn);
            super::report::save(ctx, None, def, &author)?;
        }
        Kept::Dashboard => {
            let mut def: DashboardDefinition = serde_json::from_str(&body).map_err(unreadable)?;
            if store::dashboard::find(&conn, &def.name)?.is_some() {
                def.name = format!("{} (restored)", def.name);
            }
            def.default = false;
            def.collection_id = still_there(&conn, def.collection_id)?;
            drop(conn);
            super::dashboard::save_as(ctx, &t.id, def, &author)?;
        }
        Kept::Schedule => return Err(invalid("kind", "schedules are not kept in the trash")),
    }
    store::version::untrash(&*ctx.store.app.get()?, kind, id)?;
    Ok(t.id)
}

/// Removes for good what has been in the trash for [`TRASH_DAYS`].
pub fn purge(ctx: &Ctx) -> Result<(), StoreError> {
    let before = chrono::Utc::now() - chrono::Duration::days(TRASH_DAYS);
    let n = store::version::purge(&*ctx.store.app.get()?, &crate::model::time::rfc3339(before))?;
    if n > 0 {
        tracing::info!(
            objects = n,
            "emptied from the trash after {TRASH_DAYS} days"
        );
    }
    Ok(())
}
