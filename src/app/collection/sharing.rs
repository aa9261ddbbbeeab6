//! One report or dashboard shared with a user or a group (view or edit, until an expiry),
//! whatever its collection says; the people it reaches are told by email.

use crate::app::edit::{invalid, EditError};
use crate::app::Ctx;
use crate::model::collection::{Access, ObjectShare};
use crate::model::text::truncate;
use crate::model::time::{now_text, rfc3339};
use crate::store;

/// What a share is made of.
pub struct NewShare {
    pub user_id: Option<String>,
    pub group_id: Option<String>,
    pub access: Access,
    pub expires_in_days: Option<u32>,
}

/// A share made, and the message for the people it reaches.
pub struct Made {
    pub share: ObjectShare,
    /// Their email addresses.
    pub tell: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// The stored id and name of report or dashboard `key` (a report also by name), if the caller
/// may change it (who may change an object manages who it is shared with).
fn object(
    ctx: &Ctx,
    conn: &rusqlite::Connection,
    kind: &str,
    key: &str,
) -> Result<(String, String), EditError> {
    let found = match kind {
        "report" => store::report::find(conn, key)?
            .map(|r| (r.id, r.definition.name, r.definition.collection_id)),
        "dashboard" => store::dashboard::find(conn, key)?
            .map(|d| (d.id, d.definition.name, d.definition.collection_id)),
        _ => return Err(invalid("kind", "report or dashboard")),
    };
    let (id, name, collection) = found
        .ok_or_else(|| EditError::NotFound(format!("no {kind} with id `{}`", truncate(key, 80))))?;
    super::check_edit((kind, &id), collection.as_deref(), &ctx.grants)?;
    Ok((id, name))
}

/// The shares of report or dashboard `key`.
pub fn list(ctx: &Ctx, kind: &str, key: &str) -> Result<Vec<ObjectShare>, EditError> {
    let conn = ctx.store.app.get()?;
    let (id, _) = object(ctx, &conn, kind, key)?;
    Ok(store::collection::shares_of(&conn, kind, &id)?)
}

/// Shares report or dashboard `key` with one user or one group, by `by` (an email).
pub fn share(
    ctx: &Ctx,
    kind: &str,
    key: &str,
    new: NewShare,
    by: Option<&str>,
) -> Result<Made, EditError> {
    let conn = ctx.store.app.get()?;
    let (id, name) = object(ctx, &conn, kind, key)?;
    if new.access == Access::None {
        return Err(invalid("access", "share with view or edit access"));
    }
    if new.expires_in_days == Some(0) || new.expires_in_days.is_some_and(|d| d > 3650) {
        return Err(invalid("expiresInDays", "must be between 1 and 3650"));
    }
    let tell = match (&new.user_id, &new.group_id) {
        (Some(u), None) => {
            let user = store::user::get(&conn, u)?.ok_or_else(|| {
                invalid("userId", format!("no user with id `{}`", truncate(u, 80)))
            })?;
            vec![user.email]
        }
        (None, Some(g)) => {
            store::access::find_group(&conn, g)?.ok_or_else(|| {
                invalid("groupId", format!("no group with id `{}`", truncate(g, 80)))
            })?;
            store::access::members(&conn, g)?
                .into_iter()
                .map(|(_, e)| e)
                .collect()
        }
        _ => return Err(invalid("userId", "name one userId or one groupId")),
    };
    if store::collection::shares_of(&conn, kind, &id)?.len() >= 500 {
        return Err(invalid("userId", "one object is shared at most 500 times"));
    }
    let expires = new
        .expires_in_days
        .map(|d| rfc3339(chrono::Utc::now() + chrono::Duration::days(d as i64)));
    let s = ObjectShare {
        id: uuid::Uuid::new_v4().to_string(),
        kind: kind.to_string(),
        object_id: id.clone(),
        user_id: new.user_id,
        group_id: new.group_id,
        access: new.access,
        expires_at: expires.clone(),
        created_by: by.map(str::to_string),
        created_at: now_text(),
    };
    store::collection::insert_share(&conn, &s)?;
    let link = format!(
        "{}/{kind}s/{id}",
        ctx.config.server.public_url().trim_end_matches('/')
    );
    let until = expires.map_or(String::new(), |e| format!(" until {}", &e[..10]));
    let brand = &ctx.config.branding.name;
    Ok(Made {
        subject: format!(
            "{brand}: {} shared “{name}” with you",
            by.unwrap_or("someone")
        ),
        body: format!(
            "{} shared the {kind} “{name}” with you: you may {} it{until}.\n\nOpen it: {link}\n",
            by.unwrap_or("Someone"),
            match s.access {
                Access::Edit => "view and change",
                _ => "view",
            }
        ),
        share: s,
        tell,
    })
}

/// Ends share `share` of report or dashboard `key`.
pub fn revoke(ctx: &Ctx, kind: &str, key: &str, share: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    let (id, _) = object(ctx, &conn, kind, key)?;
    match store::collection::delete_share(&conn, kind, &id, share)? {
        true => Ok(()),
        false => Err(EditError::NotFound(format!(
            "no share with id `{}`",
            truncate(share, 80)
        ))),
    }
}
