//! The `reports` table.

use super::StoreError;
use crate::model::report::ReportDefinition;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension};

/// A stored report: its id and definition.
#[derive(Debug, Clone)]
pub struct StoredReport {
    pub id: String,
    pub definition: ReportDefinition,
    pub updated_at: String,
}

/// Inserts or replaces the report with this id. Returns the definition's JSON as stored.
pub fn upsert(
    conn: &Connection,
    id: &str,
    def: &ReportDefinition,
    provisioned: bool,
) -> Result<String, StoreError> {
    let json = serde_json::to_string(def)?;
    let now = now_text();
    conn.execute(
        "INSERT INTO reports (id, name, definition, provisioned, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?5)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition,
             provisioned = excluded.provisioned,
             updated_at = CASE WHEN definition = excluded.definition THEN updated_at ELSE excluded.updated_at END",
        params![id, def.name, json, provisioned, now],
    )?;
    Ok(json)
}

/// The report whose id or name is `key`.
pub fn find(conn: &Connection, key: &str) -> Result<Option<StoredReport>, StoreError> {
    let row = conn
        .query_row(
            "SELECT id, definition, updated_at FROM reports WHERE id = ?1 OR name = ?1
             ORDER BY id = ?1 DESC LIMIT 1",
            [key],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
        )
        .optional()?;
    match row {
        Some((id, json, updated_at)) => Ok(Some(StoredReport {
            id,
            definition: serde_json::from_str(&json)?,
            updated_at,
        })),
        None => Ok(None),
    }
}

/// The report with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredReport>, StoreError> {
    Ok(find(conn, id)?.filter(|r| r.id == id))
}

/// Deletes a report (its schedules and dashboards go with it: the caller checks first).
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM reports WHERE id = ?1", [id])? == 1)
}

/// Every report, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredReport>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, definition, updated_at FROM reports ORDER BY name")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, json, updated_at) = row?;
        out.push(StoredReport {
            id,
            definition: serde_json::from_str(&json)?,
            updated_at,
        });
    }
    Ok(out)
}
