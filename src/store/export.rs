//! The `exports` table: files a run produced, kept under `<data_dir>/exports/` until they expire.

use super::StoreError;
use crate::model::export::ExportStatus;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an export was made from: enough to make it again.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExportRequest {
    pub params: BTreeMap<String, String>,
    /// The day date expressions were relative to.
    pub today: chrono::NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row_limit: Option<u32>,
    /// Made from a dashboard (its id is the record's `report_id`, `params` its filter values).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dashboard: bool,
    /// A dashboard's PDF laid on its side.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub landscape: bool,
    /// A dashboard's report parameters given with its filter values (the page's, by name).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub report_params: BTreeMap<String, String>,
    /// One widget of the dashboard (its download menu), not the whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widget: Option<String>,
    /// The zone (IANA name) of the times inside the file: the reader's for a download, the
    /// schedule's for a scheduled run; UTC when none (exports recorded before it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl ExportRequest {
    /// The zone of the times inside the file (`time_zone`, else UTC).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone
            .as_deref()
            .and_then(crate::model::time::zone_named)
            .unwrap_or(chrono_tz::UTC)
    }
}

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
    pub status: ExportStatus,
    pub duration_ms: i64,
    pub parameters: Vec<(String, String)>,
    pub created_at: String,
    pub expires_at: String,
    /// Absent for exports recorded before requests were kept: those cannot be retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<ExportRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The email of the person who made it (a download, a generated result); none for a
    /// schedule's (see `schedule_id`) and for exports recorded before makers were kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub made_by: Option<String>,
    /// The schedule whose run made it (read from the run; not stored on the export).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_id: Option<String>,
    /// That schedule's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schedule_name: Option<String>,
}

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
pub fn expire(conn: &Connection, now: &str) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare(
        "UPDATE exports SET status = 'expired' WHERE status = 'completed' AND expires_at <= ?1
         RETURNING id, format",
    )?;
    let ids = stmt.query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(ids.collect::<Result<_, _>>()?)
}
