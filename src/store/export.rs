//! The `exports` table: files a run produced, kept under `<data_dir>/exports/` until they expire.

use super::StoreError;
use crate::model::export::{ExportFormat, ExportRecord};
use crate::model::id::ExportId;
use rusqlite::{params, Connection, OptionalExtension, Row};

const COLUMNS: &str = "id, report_id, report_name, format, file_name, size, rows, status,
    duration_ms, parameters, created_at, expires_at, request, error, made_by";

/// The columns read: the stored ones and the schedule whose run made the export.
const SELECT: &str = "SELECT e.id, e.report_id, e.report_name, e.format, e.file_name, e.size,
    e.rows, e.status, e.duration_ms, e.parameters, e.created_at, e.expires_at, e.request,
    e.error, e.made_by, s.id, s.name
    FROM exports e
    LEFT JOIN schedules s ON s.id = (SELECT r.schedule_id FROM schedule_runs r
                                     WHERE r.export_id = e.id LIMIT 1)";

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
        request: r
            .get::<_, Option<String>>(12)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        error: r.get(13)?,
        made_by: r.get(14)?,
        schedule_id: r.get(15)?,
        schedule_name: r.get(16)?,
    })
}

/// Records an export (a completed one's file already written), or updates the record with
/// the same id (a retry).
pub fn insert(conn: &Connection, e: &ExportRecord) -> Result<(), StoreError> {
    conn.execute(
        // Updated in place on a retry: a REPLACE would delete the row and unlink the run
        // that made it (ON DELETE SET NULL).
        &format!(
            "INSERT INTO exports ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)
             ON CONFLICT (id) DO UPDATE SET report_name = excluded.report_name,
                 file_name = excluded.file_name, size = excluded.size, rows = excluded.rows,
                 status = excluded.status, duration_ms = excluded.duration_ms,
                 parameters = excluded.parameters, created_at = excluded.created_at,
                 expires_at = excluded.expires_at, request = excluded.request,
                 error = excluded.error"
        ),
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
            e.expires_at,
            e.request.as_ref().map(serde_json::to_string).transpose()?,
            e.error,
            e.made_by
        ],
    )?;
    Ok(())
}

/// The export with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ExportRecord>, StoreError> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE e.id = ?1"), [id], from_row)
        .optional()?)
}

/// Exports newest first, optionally of one status and one report.
pub fn list(
    conn: &Connection,
    status: Option<&str>,
    report_id: Option<&str>,
    limit: u32,
) -> Result<Vec<ExportRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "{SELECT}
         WHERE (?1 IS NULL OR e.status = ?1) AND (?2 IS NULL OR e.report_id = ?2)
         ORDER BY e.created_at DESC, e.rowid DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![status, report_id, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes an export's record; false if there was none.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM exports WHERE id = ?1", [id])? == 1)
}

/// Marks completed exports whose time is up as expired; returns their ids and formats (to
/// delete the files).
pub fn expire(conn: &Connection, now: &str) -> Result<Vec<(ExportId, ExportFormat)>, StoreError> {
    let mut stmt = conn.prepare(
        "UPDATE exports SET status = 'expired' WHERE status = 'completed' AND expires_at <= ?1
         RETURNING id, format",
    )?;
    let ids = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// The completed exports `made_by` made, newest first: id, format, size.
pub fn made_by(
    conn: &Connection,
    made_by: &str,
) -> Result<Vec<(ExportId, ExportFormat, i64)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, format, size FROM exports WHERE made_by = ?1 AND status = 'completed'
         ORDER BY created_at DESC, rowid DESC",
    )?;
    let rows = stmt.query_map([made_by], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
