//! The `exports` table: files a run produced, kept under `<data_dir>/exports/` until they expire.

use super::StoreError;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// A recorded export.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportRecord {
    pub id: String,
    pub report_id: String,
    pub report_name: String,
    pub format: String,
    pub file_name: String,
    pub size: i64,
    pub rows: i64,
    pub status: String,
    pub duration_ms: i64,
    pub parameters: Vec<(String, String)>,
    pub created_at: String,
    pub expires_at: String,
}

const COLUMNS: &str = "id, report_id, report_name, format, file_name, size, rows, status,
    duration_ms, parameters, created_at, expires_at";

fn from_row(r: &Row) -> rusqlite::Result<ExportRecord> {
    Ok(ExportRecord {
        id: r.get(0)?,
        report_id: r.get(1)?,
        report_name: r.get(2)?,
        format: r.get(3)?,
        file_name: r.get(4)?,
        size: r.get(5)?,
        rows: r.get(6)?,
        status: r.get(7)?,
        duration_ms: r.get(8)?,
        parameters: serde_json::from_str(&r.get::<_, String>(9)?).unwrap_or_default(),
        created_at: r.get(10)?,
        expires_at: r.get(11)?,
    })
}

/// Records a finished export (its file already written).
pub fn insert(conn: &Connection, e: &ExportRecord) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO exports ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
        params![
            e.id,
            e.report_id,
            e.report_name,
            e.format,
            e.file_name,
            e.size,
            e.rows,
            e.status,
            e.duration_ms,
            serde_json::to_string(&e.parameters)?,
            e.created_at,
            e.expires_at
        ],
    )?;
    Ok(())
}

/// The export with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ExportRecord>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM exports WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Marks completed exports whose time is up as expired; returns their ids and formats (to
/// delete the files).
pub fn expire(conn: &Connection, now: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "UPDATE exports SET status = 'expired' WHERE status = 'completed' AND expires_at <= ?1
         RETURNING id, format",
    )?;
    let ids = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(ids.collect::<Result<_, _>>()?)
}
