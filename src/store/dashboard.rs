//! The `dashboards` table.

use super::StoreError;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A stored dashboard.
#[derive(Debug, Clone)]
pub struct StoredDashboard {
    pub id: String,
    pub name: String,
    pub report_id: String,
    pub widgets: Vec<String>,
}

/// Inserts or replaces the dashboard with this id.
pub fn upsert(conn: &Connection, d: &StoredDashboard, provisioned: bool) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO dashboards (id, name, report_id, widgets, provisioned, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, report_id = excluded.report_id,
             widgets = excluded.widgets, provisioned = excluded.provisioned, updated_at = excluded.updated_at",
        params![d.id, d.name, d.report_id, serde_json::to_string(&d.widgets)?, provisioned, now_text()],
    )?;
    Ok(())
}

fn from_row(r: &Row) -> rusqlite::Result<(String, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn build(
    (id, name, report_id, widgets): (String, String, String, String),
) -> Result<StoredDashboard, StoreError> {
    Ok(StoredDashboard {
        id,
        name,
        report_id,
        widgets: serde_json::from_str(&widgets)?,
    })
}

/// The dashboard with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredDashboard>, StoreError> {
    conn.query_row(
        "SELECT id, name, report_id, widgets FROM dashboards WHERE id = ?1",
        [id],
        from_row,
    )
    .optional()?
    .map(build)
    .transpose()
}

/// Every dashboard, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredDashboard>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT id, name, report_id, widgets FROM dashboards ORDER BY name")?;
    let rows = stmt.query_map([], from_row)?;
    rows.map(|r| build(r?)).collect()
}
