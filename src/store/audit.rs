//! The `audit_log` table: who did what to what, when, from where.

use super::StoreError;
use rusqlite::{params, Connection};
use serde::Serialize;

/// One event.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEvent {
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub detail: Option<String>,
}

/// Appends an event.
pub fn insert(conn: &Connection, e: &AuditEvent) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, target, ip, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![e.at, e.actor, e.action, e.target, e.ip, e.detail],
    )?;
    Ok(())
}

/// What to list.
#[derive(Debug, Default)]
pub struct Filter<'a> {
    pub actor: Option<&'a str>,
    /// An action, or a prefix ending in `.` (`login.` for every login event).
    pub action: Option<&'a str>,
    pub since: Option<&'a str>,
    pub limit: u32,
}

/// Events newest first.
pub fn list(conn: &Connection, f: &Filter) -> Result<Vec<AuditEvent>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT at, actor, action, target, ip, detail FROM audit_log
         WHERE (?1 IS NULL OR actor = ?1)
           AND (?2 IS NULL OR action = ?2 OR (substr(?2, -1) = '.' AND substr(action, 1, length(?2)) = ?2))
           AND (?3 IS NULL OR at >= ?3)
         ORDER BY id DESC LIMIT ?4",
    )?;
    let rows = stmt.query_map(params![f.actor, f.action, f.since, f.limit], |r| {
        Ok(AuditEvent {
            at: r.get(0)?,
            actor: r.get(1)?,
            action: r.get(2)?,
            target: r.get(3)?,
            ip: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes events older than `before`.
pub fn expire(conn: &Connection, before: &str) -> Result<usize, StoreError> {
    Ok(conn.execute("DELETE FROM audit_log WHERE at < ?1", [before])?)
}
