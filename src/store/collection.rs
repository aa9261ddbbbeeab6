//! `collections` and `collection_permissions`.

use super::StoreError;
use crate::model::collection::{Access, Collection, ObjectShare, Permission};
use crate::model::id::{CollectionId, GroupId};
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension};

/// Every collection with its permissions, by name.
pub fn list(conn: &Connection) -> Result<Vec<Collection>, StoreError> {
    let mut st = conn.prepare(
        "SELECT id, name, parent_id, owner, created_at FROM collections ORDER BY name, id",
    )?;
    let mut all: Vec<Collection> = st
        .query_map([], |r| {
            Ok(Collection {
                id: CollectionId::from(r.get::<_, String>(0)?),
                name: r.get(1)?,
                parent_id: r.get::<_, Option<String>>(2)?.map(CollectionId::from),
                owner: r.get(3)?,
                permissions: Vec::new(),
                created_at: r.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut st = conn.prepare(
        "SELECT collection_id, group_id, access FROM collection_permissions ORDER BY group_id",
    )?;
    let perms: Vec<(String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (c, g, a) in perms {
        if let Some(col) = all.iter_mut().find(|x| x.id.as_str() == c) {
            col.permissions.push(Permission {
                group_id: GroupId::from(g),
                // A word this binary does not know grants nothing.
                access: Access::parse(&a).unwrap_or(Access::None),
            });
        }
    }
    Ok(all)
}

/// The collection `id`.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Collection>, StoreError> {
    Ok(list(conn)?.into_iter().find(|c| c.id.as_str() == id))
}

/// Writes a collection and replaces its permissions, in one transaction.
pub fn save(conn: &Connection, c: &Collection) -> Result<(), StoreError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO collections (id, name, parent_id, owner, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id",
        params![
            c.id.as_str(),
            c.name,
            c.parent_id.as_ref().map(|p| p.as_str()),
            c.owner,
            c.created_at
        ],
    )?;
    tx.execute(
        "DELETE FROM collection_permissions WHERE collection_id = ?1",
        [c.id.as_str()],
    )?;
    for p in &c.permissions {
        tx.execute(
            "INSERT INTO collection_permissions (collection_id, group_id, access) VALUES (?1, ?2, ?3)",
            params![c.id.as_str(), p.group_id.as_str(), p.access.as_str()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Deletes a collection (and the ones under it); whether it existed.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM collections WHERE id = ?1", [id])? > 0)
}

/// User `user`'s personal collection, made the first time it is asked for.
pub fn personal(conn: &Connection, user: &str, email: &str) -> Result<Collection, StoreError> {
    let found: Option<String> = conn
        .query_row("SELECT id FROM collections WHERE owner = ?1", [user], |r| {
            r.get(0)
        })
        .optional()?;
    if found.is_none() {
        conn.execute(
            "INSERT OR IGNORE INTO collections (id, name, parent_id, owner, created_at)
             VALUES (?1, ?2, NULL, ?3, ?4)",
            params![
                CollectionId::random().as_str(),
                format!("{email}'s collection"),
                user,
                now_text()
            ],
        )?;
    }
    let id: String =
        conn.query_row("SELECT id FROM collections WHERE owner = ?1", [user], |r| {
            r.get(0)
        })?;
    Ok(get(conn, &id)?.expect("just found"))
}

fn share(r: &rusqlite::Row) -> rusqlite::Result<ObjectShare> {
    let access: String = r.get(5)?;
    Ok(ObjectShare {
        id: r.get(0)?,
        kind: r.get(1)?,
        object_id: r.get(2)?,
        user_id: r.get(3)?,
        group_id: r.get(4)?,
        access: Access::parse(&access).unwrap_or(Access::None),
        expires_at: r.get(6)?,
        created_by: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const SHARE: &str = "SELECT id, kind, object_id, user_id, group_id, access, expires_at, created_by, created_at FROM object_shares";

/// The shares of one report or dashboard, newest first.
pub fn shares_of(
    conn: &Connection,
    kind: &str,
    object: &str,
) -> Result<Vec<ObjectShare>, StoreError> {
    let mut st = conn.prepare(&format!(
        "{SHARE} WHERE kind = ?1 AND object_id = ?2 ORDER BY created_at DESC, id"
    ))?;
    let all = st
        .query_map(params![kind, object], share)?
        .collect::<Result<_, _>>()?;
    Ok(all)
}

/// The live shares with user `user` or a group of theirs (not expired at `now`).
pub fn shares_with(
    conn: &Connection,
    user: &str,
    now: &str,
) -> Result<Vec<ObjectShare>, StoreError> {
    let mut st = conn.prepare(&format!(
        "{SHARE} WHERE (user_id = ?1 OR group_id IN (SELECT group_id FROM group_members WHERE user_id = ?1))
           AND (expires_at IS NULL OR expires_at > ?2)"
    ))?;
    let all = st
        .query_map(params![user, now], share)?
        .collect::<Result<_, _>>()?;
    Ok(all)
}

/// Keeps a share.
pub fn insert_share(conn: &Connection, s: &ObjectShare) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO object_shares (id, kind, object_id, user_id, group_id, access, expires_at, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            s.id,
            s.kind,
            s.object_id,
            s.user_id,
            s.group_id,
            s.access.as_str(),
            s.expires_at,
            s.created_by,
            s.created_at
        ],
    )?;
    Ok(())
}

/// Ends share `id` of one object; whether it was there.
pub fn delete_share(
    conn: &Connection,
    kind: &str,
    object: &str,
    id: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM object_shares WHERE id = ?1 AND kind = ?2 AND object_id = ?3",
        params![id, kind, object],
    )? > 0)
}
