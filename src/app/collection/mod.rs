//! Collections checked and written, and what a reader may do in each (`grants`). Who may see or
//! change a report or dashboard by its collection is decided for every route that names one by
//! the gate (`web::gate`), and lists leave out what the reader may not see.

use super::edit::{invalid, EditError};
use super::Ctx;
use crate::model::collection::{self, Access, Collection, Grants, Permission, MAX_DEPTH};
use crate::model::id::{CollectionId, GroupId};
use crate::model::text::{no_control, truncate};
use crate::model::time::now_text;
use crate::model::user::Role;
use crate::store;
use std::collections::BTreeSet;

mod moving;
pub mod sharing;
pub use moving::{move_to, Object};

/// Most collections a server may have.
const MAX_COLLECTIONS: usize = 5000;

/// What user `user` with `role` may do in each collection now (admins: everything).
pub fn grants(
    conn: &rusqlite::Connection,
    user: &str,
    role: Role,
) -> Result<Grants, store::StoreError> {
    if role == Role::Admin {
        return Ok(Grants::all());
    }
    let all = store::collection::list(conn)?;
    let mut grants = match all.is_empty() {
        true => Grants::default(),
        false => {
            let groups: BTreeSet<GroupId> = store::access::groups_of(conn, user)?
                .into_iter()
                .map(|g| g.id)
                .collect();
            collection::grants(&all, user, &groups)
        }
    };
    for s in store::collection::shares_with(conn, user, &now_text())? {
        let key = format!("{}:{}", s.kind, s.object_id);
        let best = match grants.by_object.get(&key) {
            Some(Access::Edit) => Access::Edit,
            _ => s.access,
        };
        grants.by_object.insert(key, best);
    }
    Ok(grants)
}

/// The collections `grants` let them see (their personal one made if they have none yet).
pub fn list(
    ctx: &Ctx,
    (user, email): (&str, &str),
    grants: &Grants,
) -> Result<Vec<Collection>, EditError> {
    let conn = ctx.store.app.get()?;
    store::collection::personal(&conn, user, email)?;
    let mine = |c: &Collection| c.owner.as_deref() == Some(user);
    Ok(store::collection::list(&conn)?
        .into_iter()
        .filter(|c| mine(c) || (c.owner.is_none() && grants.sees(Some(c.id.as_str()))))
        .collect())
}

/// The collection `id`, if they may see it (404 otherwise, as if it did not exist).
pub fn get(ctx: &Ctx, id: &str, grants: &Grants) -> Result<Collection, EditError> {
    let found = store::collection::get(&*ctx.store.app.get()?, id)?;
    match found {
        Some(c) if grants.sees(Some(id)) => Ok(c),
        _ => Err(not_found(id)),
    }
}

fn not_found(id: &str) -> EditError {
    EditError::NotFound(format!("no collection with id `{}`", truncate(id, 80)))
}

/// What a collection is made or changed with.
pub struct Change {
    pub name: String,
    pub parent_id: Option<String>,
    pub permissions: Vec<Permission>,
}

/// Makes (`id` None) or changes a collection. Its parent must be one they may edit (the root:
/// editors may); only admins set permissions; no collection may be its own ancestor, nor
/// nested deeper than ten levels.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    change: Change,
    (role, grants): (Role, &Grants),
) -> Result<Collection, EditError> {
    let name = change.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "must be 1 to 100 characters"));
    }
    no_control("name", name, false).map_err(|m| invalid("name", &m["name: ".len()..]))?;
    let conn = ctx.store.app.get()?;
    let all = store::collection::list(&conn)?;
    let before = match id {
        Some(id) => Some(
            all.iter()
                .find(|c| c.id.as_str() == id && grants.sees(Some(id)))
                .cloned()
                .ok_or_else(|| not_found(id))?,
        ),
        None if all.len() >= MAX_COLLECTIONS => {
            return Err(invalid(
                "name",
                format!("a server has at most {MAX_COLLECTIONS} collections"),
            ))
        }
        None => None,
    };
    if let Some(b) = &before {
        if !grants.edits(Some(b.id.as_str())) {
            return Err(EditError::Forbidden(format!(
                "you may view `{}` but not change it",
                truncate(&b.name, 60)
            )));
        }
    }
    let permissions_changed = before.as_ref().map_or(!change.permissions.is_empty(), |b| {
        b.permissions != change.permissions
    });
    if permissions_changed && role != Role::Admin {
        return Err(invalid(
            "permissions",
            "only admins set who may see a collection",
        ));
    }
    let mut seen = BTreeSet::new();
    for (i, p) in change.permissions.iter().enumerate() {
        if !seen.insert(p.group_id.clone()) {
            return Err(invalid(format!("permissions[{i}].groupId"), "named twice"));
        }
        if store::access::find_group(&conn, &p.group_id)?.is_none() {
            return Err(invalid(
                format!("permissions[{i}].groupId"),
                format!("no group with id `{}`", truncate(&p.group_id, 80)),
            ));
        }
    }
    let parent = match change.parent_id.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            let found = all
                .iter()
                .find(|c| c.id.as_str() == p && grants.sees(Some(p)))
                .ok_or_else(|| {
                    invalid(
                        "parentId",
                        format!("no collection with id `{}`", truncate(p, 80)),
                    )
                })?;
            if !grants.edits(Some(p)) {
                return Err(invalid("parentId", "you may not add to that collection"));
            }
            if found.owner.is_some() && before.as_ref().is_some_and(|b| b.owner.is_some()) {
                return Err(invalid(
                    "parentId",
                    "a personal collection stays at the root",
                ));
            }
            Some(found.id.clone())
        }
    };
    if before.as_ref().is_some_and(|b| b.owner.is_some()) && parent.is_some() {
        return Err(invalid(
            "parentId",
            "a personal collection stays at the root",
        ));
    }
    let new_id = before
        .as_ref()
        .map(|b| b.id.clone())
        .unwrap_or_else(CollectionId::random);
    // Up from the new parent: never through itself, at most ten levels.
    let mut depth = 1;
    let mut at = parent.clone();
    while let Some(p) = at {
        if p == new_id {
            return Err(invalid("parentId", "a collection cannot be inside itself"));
        }
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(invalid(
                "parentId",
                format!("collections nest at most {MAX_DEPTH} deep"),
            ));
        }
        at = all
            .iter()
            .find(|c| c.id == p)
            .and_then(|c| c.parent_id.clone());
    }
    let c = Collection {
        id: new_id,
        name: name.to_string(),
        parent_id: parent,
        owner: before.as_ref().and_then(|b| b.owner.clone()),
        permissions: change.permissions,
        created_at: before.map_or_else(now_text, |b| b.created_at),
    };
    store::collection::save(&conn, &c)?;
    Ok(c)
}

/// Deletes an empty collection (no report, dashboard or collection in it).
pub fn delete(ctx: &Ctx, id: &str, grants: &Grants) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    let c = store::collection::get(&conn, id)?
        .filter(|_| grants.sees(Some(id)))
        .ok_or_else(|| not_found(id))?;
    if !grants.edits(Some(id)) || c.owner.is_some() {
        return Err(EditError::Forbidden(format!(
            "you may not delete `{}`",
            truncate(&c.name, 60)
        )));
    }
    let inside = |cid: Option<&str>| cid == Some(id);
    let reports = store::report::list(&conn)?
        .iter()
        .filter(|r| inside(r.definition.collection_id.as_deref()))
        .count();
    let dashboards = store::dashboard::list(&conn)?
        .iter()
        .filter(|d| inside(d.definition.collection_id.as_deref()))
        .count();
    let children = store::collection::list(&conn)?
        .iter()
        .filter(|x| x.parent_id.as_deref() == Some(id))
        .count();
    if reports + dashboards + children > 0 {
        return Err(EditError::Conflict(format!(
            "`{}` holds {reports} report(s), {dashboards} dashboard(s) and {children} collection(s): move or delete them first",
            truncate(&c.name, 60)
        )));
    }
    store::collection::delete(&conn, id)?;
    Ok(())
}

/// Checks that an object may be kept in `collection` by someone with `grants`: it exists and
/// they may edit in it (none: the root).
pub fn check_target(
    conn: &rusqlite::Connection,
    collection: Option<&str>,
    grants: &Grants,
) -> Result<(), EditError> {
    let Some(c) = collection else { return Ok(()) };
    let found = store::collection::get(conn, c)?;
    match found {
        Some(_) if grants.edits(Some(c)) => Ok(()),
        Some(_) if grants.sees(Some(c)) => Err(invalid(
            "collectionId",
            "you may view that collection but not add to it",
        )),
        _ => Err(invalid(
            "collectionId",
            format!("no collection with id `{}`", truncate(c, 80)),
        )),
    }
}

/// Checks that someone with `grants` may change object `id` kept in `collection`: not found
/// when they may not see it, refused when they may only view it.
pub fn check_edit(
    (kind, id): (&str, &str),
    collection: Option<&str>,
    grants: &Grants,
) -> Result<(), EditError> {
    match grants.access_to(kind, id, collection) {
        Access::Edit => Ok(()),
        Access::View => Err(EditError::Forbidden(
            "its collection lets you view it only".into(),
        )),
        Access::None => Err(EditError::NotFound(format!(
            "no object with id `{}`",
            truncate(id, 80)
        ))),
    }
}
