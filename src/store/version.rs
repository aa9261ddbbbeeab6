//! The `versions` and `trash` tables: every saved definition of a report, a dashboard or a
//! schedule, and the reports and dashboards deleted in the last 30 days.

use super::StoreError;
use crate::model::time::now_text;
use crate::model::version::{Kept, Trashed, Version};
use rusqlite::{params, Connection, OptionalExtension};

/// Records `body` as the newest version of an object unless it is the newest already (a save
/// that changed nothing is no version, unless it says why: a note is what it records). `first` is what the object was before this save, kept
/// as version 1 when it has none yet (a schedule made before versions were kept). Returns the
/// newest version's number.
pub fn record(
    conn: &Connection,
    kind: Kept,
    id: &str,
    body: &str,
    by: Option<&str>,
    note: Option<&str>,
    first: Option<&str>,
) -> Result<i64, StoreError> {
    let newest: Option<(i64, String)> = conn
        .query_row(
            "SELECT version, body FROM versions WHERE kind = ?1 AND object_id = ?2
             ORDER BY version DESC LIMIT 1",
            params![kind.as_str(), id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let now = now_text();
    let last = match (newest, first) {
        (Some((v, b)), _) if b == body && note.is_none() => return Ok(v),
        (Some((v, _)), _) => v,
        (None, Some(before)) if before != body => {
            conn.execute(
                "INSERT INTO versions (kind, object_id, version, at, body) VALUES (?1, ?2, 1, ?3, ?4)",
                params![kind.as_str(), id, now, before],
            )?;
            1
        }
        (None, _) => 0,
    };
    conn.execute(
        "INSERT INTO versions (kind, object_id, version, at, by, note, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![kind.as_str(), id, last + 1, now, by, note, body],
    )?;
    Ok(last + 1)
}

fn version(r: &rusqlite::Row) -> rusqlite::Result<Version> {
    Ok(Version {
        version: r.get(0)?,
        at: r.get(1)?,
        by: r.get(2)?,
        note: r.get(3)?,
        name: r.get(4)?,
    })
}

/// An object's versions, newest first.
pub fn list(conn: &Connection, kind: Kept, id: &str) -> Result<Vec<Version>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT version, at, by, note, name FROM versions WHERE kind = ?1 AND object_id = ?2
         ORDER BY version DESC",
    )?;
    let rows = stmt.query_map(params![kind.as_str(), id], version)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One version and its definition's JSON.
pub fn get(
    conn: &Connection,
    kind: Kept,
    id: &str,
    number: i64,
) -> Result<Option<(Version, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT version, at, by, note, name, body FROM versions
             WHERE kind = ?1 AND object_id = ?2 AND version = ?3",
            params![kind.as_str(), id, number],
            |r| Ok((version(r)?, r.get(5)?)),
        )
        .optional()?)
}

/// Names (or unnames, with None) a version; false when there is no such version.
pub fn name(
    conn: &Connection,
    kind: Kept,
    id: &str,
    number: i64,
    name: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE versions SET name = ?4 WHERE kind = ?1 AND object_id = ?2 AND version = ?3",
        params![kind.as_str(), id, number, name],
    )? == 1)
}

/// Forgets an object's versions (a schedule deleted, an object purged from the trash).
pub fn forget(conn: &Connection, kind: Kept, id: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM versions WHERE kind = ?1 AND object_id = ?2",
        params![kind.as_str(), id],
    )?;
    Ok(())
}

/// Puts a deleted object's definition in the trash.
pub fn trash(
    conn: &Connection,
    kind: Kept,
    id: &str,
    name: &str,
    body: &str,
    by: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO trash (kind, object_id, name, body, deleted_at, deleted_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, object_id) DO UPDATE SET name = excluded.name, body = excluded.body,
             deleted_at = excluded.deleted_at, deleted_by = excluded.deleted_by",
        params![kind.as_str(), id, name, body, now_text(), by],
    )?;
    Ok(())
}

fn trashed(r: &rusqlite::Row) -> rusqlite::Result<(Trashed, String)> {
    let kind: String = r.get(0)?;
    let deleted_at: String = r.get(3)?;
    let purge_at = crate::model::time::parse_time(&deleted_at)
        .map(|t| {
            crate::model::time::rfc3339(
                t + chrono::Duration::days(crate::model::version::TRASH_DAYS),
            )
        })
        .unwrap_or_default();
    Ok((
        Trashed {
            kind: Kept::parse(&kind).unwrap_or(Kept::Report),
            id: r.get(1)?,
            name: r.get(2)?,
            deleted_at,
            deleted_by: r.get(4)?,
            purge_at,
        },
        r.get(5)?,
    ))
}

/// What is in the trash, the last deleted first.
pub fn trashed_list(conn: &Connection) -> Result<Vec<Trashed>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT kind, object_id, name, deleted_at, deleted_by, body FROM trash
         ORDER BY deleted_at DESC, name",
    )?;
    let rows = stmt.query_map([], trashed)?;
    Ok(rows.map(|r| r.map(|(t, _)| t)).collect::<Result<_, _>>()?)
}

/// One trashed object and its definition's JSON.
pub fn trashed_get(
    conn: &Connection,
    kind: Kept,
    id: &str,
) -> Result<Option<(Trashed, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT kind, object_id, name, deleted_at, deleted_by, body FROM trash
             WHERE kind = ?1 AND object_id = ?2",
            params![kind.as_str(), id],
            trashed,
        )
        .optional()?)
}

/// Takes an object out of the trash (restored, or removed for good).
pub fn untrash(conn: &Connection, kind: Kept, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM trash WHERE kind = ?1 AND object_id = ?2",
        params![kind.as_str(), id],
    )? == 1)
}

/// Removes for good what was deleted before `before` (RFC 3339), with its versions. Returns
/// how many objects went.
pub fn purge(conn: &Connection, before: &str) -> Result<usize, StoreError> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "DELETE FROM versions WHERE (kind, object_id) IN
             (SELECT kind, object_id FROM trash WHERE deleted_at < ?1)",
        [before],
    )?;
    let n = tx.execute("DELETE FROM trash WHERE deleted_at < ?1", [before])?;
    tx.commit()?;
    Ok(n)
}
