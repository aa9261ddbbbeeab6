//! The `dashboards` table: each dashboard's definition as JSON, and which one `/` opens.

use super::StoreError;
use crate::model::dashboard::DashboardDefinition;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A stored dashboard.
#[derive(Debug, Clone)]
pub struct StoredDashboard {
    pub id: String,
    pub definition: DashboardDefinition,
    pub is_default: bool,
    pub updated_at: String,
}

impl StoredDashboard {
    /// Its name.
    pub fn name(&self) -> &str {
        &self.definition.name
    }
}

/// Inserts or replaces the dashboard with this id; `provisioned` marks one written from config.
/// Returns the definition's JSON as stored.
pub fn upsert(
    conn: &Connection,
    id: &str,
    def: &DashboardDefinition,
    provisioned: bool,
) -> Result<String, StoreError> {
    let mut def = def.clone();
    def.id = None;
    let json = serde_json::to_string(&def)?;
    conn.execute(
        "INSERT INTO dashboards (id, name, definition, is_default, provisioned, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition,
             is_default = excluded.is_default, provisioned = excluded.provisioned,
             updated_at = excluded.updated_at",
        params![id, def.name, json, def.default, provisioned, now_text()],
    )?;
    if def.default {
        conn.execute("UPDATE dashboards SET is_default = 0 WHERE id <> ?1", [id])?;
    }
    Ok(json)
}

const COLUMNS: &str = "id, definition, is_default, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<(String, String, bool, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn build(
    (id, json, is_default, updated_at): (String, String, bool, String),
) -> Result<StoredDashboard, StoreError> {
    let mut definition: DashboardDefinition = serde_json::from_str(&json)?;
    definition.id = Some(id.clone());
    definition.default = is_default;
    Ok(StoredDashboard {
        id,
        definition,
        is_default,
        updated_at,
    })
}

/// The dashboard with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredDashboard>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM dashboards WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()?
    .map(build)
    .transpose()
}

/// The dashboard with this id, or else this name.
pub fn find(conn: &Connection, id_or_name: &str) -> Result<Option<StoredDashboard>, StoreError> {
    if let Some(d) = get(conn, id_or_name)? {
        return Ok(Some(d));
    }
    Ok(list(conn)?
        .into_iter()
        .find(|d| d.definition.name == id_or_name))
}

/// Every dashboard, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredDashboard>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM dashboards ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| build(r?)).collect()
}

/// The dashboard `/` opens: the default one, else the first by name.
pub fn home(conn: &Connection) -> Result<Option<StoredDashboard>, StoreError> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM dashboards ORDER BY is_default DESC, name LIMIT 1"),
        [],
        from_row,
    )
    .optional()?
    .map(build)
    .transpose()
}

/// Makes the dashboard with this id the default (and no other); false if there is none.
pub fn set_default(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE dashboards SET is_default = (id = ?1)
         WHERE EXISTS (SELECT 1 FROM dashboards WHERE id = ?1)",
        [id],
    )? > 0)
}

/// Replaces only the definition (its layout), leaving the provisioned flag and the default.
pub fn set_definition(
    conn: &Connection,
    id: &str,
    def: &DashboardDefinition,
) -> Result<(), StoreError> {
    let mut def = def.clone();
    def.id = None;
    conn.execute(
        "UPDATE dashboards SET definition = ?2 WHERE id = ?1",
        params![id, serde_json::to_string(&def)?],
    )?;
    Ok(())
}

/// Deletes a dashboard; false if there was none.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM dashboards WHERE id = ?1", [id])? > 0)
}
