//! The `schedules` table.

use super::StoreError;
use crate::model::export::ExportFormat;
use crate::model::schedule::Recipient;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::collections::BTreeMap;

/// A stored schedule.
#[derive(Debug, Clone)]
pub struct StoredSchedule {
    pub id: String,
    pub name: String,
    /// The report it sends; empty when it sends a dashboard.
    pub report_id: String,
    /// The dashboard it sends instead of a report.
    pub dashboard_id: Option<String>,
    pub cron: String,
    pub timezone: String,
    pub parameters: BTreeMap<String, String>,
    pub recipients: Vec<Recipient>,
    pub export_format: ExportFormat,
    pub row_limit: Option<u32>,
    pub enabled: bool,
    pub next_run_at: Option<String>,
    pub last_run_at: Option<String>,
    pub last_run_status: Option<String>,
}

const COLUMNS: &str = "id, name, coalesce(report_id, ''), cron, timezone, parameters, recipients,
    export_format, row_limit, enabled, next_run_at, last_run_at, last_run_status, dashboard_id";

fn from_row(r: &Row) -> rusqlite::Result<StoredSchedule> {
    let json_err = |i, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let format: String = r.get(7)?;
    Ok(StoredSchedule {
        id: r.get(0)?,
        name: r.get(1)?,
        report_id: r.get(2)?,
        cron: r.get(3)?,
        timezone: r.get(4)?,
        parameters: serde_json::from_str(&r.get::<_, String>(5)?).map_err(|e| json_err(5, e))?,
        recipients: serde_json::from_str(&r.get::<_, String>(6)?).map_err(|e| json_err(6, e))?,
        export_format: ExportFormat::parse(&format).unwrap_or_default(),
        row_limit: r.get(8)?,
        enabled: r.get(9)?,
        next_run_at: r.get(10)?,
        last_run_at: r.get(11)?,
        last_run_status: r.get(12)?,
        dashboard_id: r.get(13)?,
    })
}

/// Inserts or updates the schedule's definition; keeps its next run unless the timing changed
/// or it was paused or resumed (a resumed schedule does not catch up on its pause).
pub fn upsert(conn: &Connection, s: &StoredSchedule, provisioned: bool) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO schedules (id, name, report_id, cron, timezone, parameters, recipients,
             export_format, row_limit, enabled, next_run_at, provisioned, created_at, updated_at,
             dashboard_id)
         VALUES (?1, ?2, NULLIF(?3, ''), ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, report_id = excluded.report_id,
             dashboard_id = excluded.dashboard_id,
             parameters = excluded.parameters, recipients = excluded.recipients,
             export_format = excluded.export_format, row_limit = excluded.row_limit,
             enabled = excluded.enabled, provisioned = excluded.provisioned,
             next_run_at = CASE WHEN cron = excluded.cron AND timezone = excluded.timezone
                                     AND enabled = excluded.enabled AND next_run_at IS NOT NULL
                                THEN next_run_at ELSE excluded.next_run_at END,
             cron = excluded.cron, timezone = excluded.timezone, updated_at = excluded.updated_at",
        params![
            s.id,
            s.name,
            s.report_id,
            s.cron,
            s.timezone,
            serde_json::to_string(&s.parameters)?,
            serde_json::to_string(&s.recipients)?,
            s.export_format.extension(),
            s.row_limit,
            s.enabled,
            s.next_run_at,
            provisioned,
            now_text(),
            s.dashboard_id
        ],
    )?;
    Ok(())
}

/// The schedule with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<StoredSchedule>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM schedules WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Every schedule, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredSchedule>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM schedules ORDER BY name, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Enabled schedules whose next run is at or before `now` (RFC 3339 UTC compares as text).
pub fn due(conn: &Connection, now: &str) -> Result<Vec<StoredSchedule>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM schedules WHERE enabled = 1 AND next_run_at IS NOT NULL
         AND next_run_at <= ?1 ORDER BY next_run_at"
    ))?;
    let rows = stmt.query_map([now], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The earliest next run of any enabled schedule.
pub fn earliest_next_run(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(
        "SELECT min(next_run_at) FROM schedules WHERE enabled = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Deletes a schedule (its runs and deliveries go with it); false when there was none.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM schedules WHERE id = ?1", [id])? == 1)
}

/// Pauses or resumes; a resumed schedule's next run is `next_run_at` (from now, no catch-up).
pub fn set_enabled(
    conn: &Connection,
    id: &str,
    enabled: bool,
    next_run_at: Option<&str>,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        // A pause or resume is an edit: reports.toml no longer overwrites it at start.
        "UPDATE schedules SET enabled = ?2, next_run_at = CASE WHEN ?2 THEN ?3 ELSE next_run_at END,
             provisioned = 0, updated_at = ?4 WHERE id = ?1",
        params![id, enabled, next_run_at, now_text()],
    )? == 1)
}

/// The time zone of the schedule a person saved last (provisioned ones are not theirs).
pub fn last_zone(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT timezone FROM schedules WHERE provisioned = 0
             ORDER BY updated_at DESC, created_at DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// The id of another schedule than `except` with this name (case aside), if there is one.
pub fn named(
    conn: &Connection,
    name: &str,
    except: Option<&str>,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id FROM schedules WHERE lower(trim(name)) = lower(trim(?1))
               AND id != coalesce(?2, '') LIMIT 1",
            params![name, except],
            |r| r.get(0),
        )
        .optional()?)
}
