//! The `sessions` table: server-side login sessions, found by the keyed hash of their id.

use super::StoreError;
use crate::model::time::now_text;
use crate::model::user::Role;
use rusqlite::{params, Connection, OptionalExtension};

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub email: String,
    pub role: Role,
    pub csrf_token: String,
    pub last_seen_at: String,
    pub expires_at: String,
}

/// Stores a new session.
pub fn insert(
    conn: &Connection,
    id_hash: &str,
    user_id: &str,
    csrf_token: &str,
    expires_at: &str,
    ip: Option<&str>,
) -> Result<(), StoreError> {
    let now = now_text();
    conn.execute(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
        params![id_hash, user_id, csrf_token, now, expires_at, ip],
    )?;
    Ok(())
}

/// The session with this id hash, with its user, if the user is enabled.
pub fn get(conn: &Connection, id_hash: &str) -> Result<Option<Session>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT s.user_id, u.email, u.role, s.csrf_token, s.last_seen_at, s.expires_at
             FROM sessions s JOIN users u ON u.id = s.user_id
             WHERE s.id_hash = ?1 AND u.disabled = 0",
            [id_hash],
            |r| {
                Ok(Session {
                    user_id: r.get(0)?,
                    email: r.get(1)?,
                    role: r.get(2)?,
                    csrf_token: r.get(3)?,
                    last_seen_at: r.get(4)?,
                    expires_at: r.get(5)?,
                })
            },
        )
        .optional()?)
}

/// Marks the session as used now.
pub fn touch(conn: &Connection, id_hash: &str, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
        params![id_hash, now],
    )?;
    Ok(())
}

/// Ends a session.
pub fn delete(conn: &Connection, id_hash: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM sessions WHERE id_hash = ?1", [id_hash])? > 0)
}

/// Deletes sessions past their absolute end or idle since before `idle_before`.
pub fn expire(conn: &Connection, now: &str, idle_before: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2",
        params![now, idle_before],
    )?)
}
