//! The `schedule_runs` table: one row per execution of a schedule.

use super::{delivery, StoreError};
use crate::model::schedule::DeliveryStatus;
use crate::model::schedule::RunStatus;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use serde::Serialize;

/// What started a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its cron occurrence came due.
    Cron,
    /// Due while the server was down; missed occurrences coalesce into one.
    Catchup,
    /// Run now, by a user or a script.
    Manual,
}

impl Trigger {
    /// Parses a stored trigger.
    pub fn parse(s: &str) -> Trigger {
        match s {
            "catchup" => Trigger::Catchup,
            "manual" => Trigger::Manual,
            _ => Trigger::Cron,
        }
    }

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Cron => "cron",
            Trigger::Catchup => "catchup",
            Trigger::Manual => "manual",
        }
    }
}

/// One execution, as the API shows it. Status: `running` (rendering), `delivering` (the file
/// is made and its deliveries are in the outbox), then `succeeded` or `failed`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub id: String,
    pub schedule_id: String,
    pub scheduled_for: Option<String>,
    pub trigger: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: RunStatus,
    pub error: Option<String>,
    /// Recipients reached.
    pub delivered: u32,
    pub export_id: Option<String>,
    /// Per recipient: status, attempts, last error.
    pub deliveries: Vec<delivery::Delivery>,
}

const COLUMNS: &str = "id, schedule_id, scheduled_for, trigger, started_at, finished_at, status,
    error, delivered, export_id";

/// Starts a run. For a cron occurrence, claims it and moves the schedule's next run in the same
/// transaction; returns None when the occurrence was already claimed.
pub fn claim(
    conn: &mut Connection,
    schedule_id: &str,
    scheduled_for: Option<&str>,
    trigger: Trigger,
    next_run_at: Option<&str>,
) -> Result<Option<String>, StoreError> {
    let tx = conn.transaction()?;
    let id = uuid::Uuid::new_v4().to_string();
    let inserted = tx.execute(
        "INSERT INTO schedule_runs (id, schedule_id, scheduled_for, trigger, started_at, status)
         VALUES (?1, ?2, ?3, ?4, ?5, 'running')
         ON CONFLICT (schedule_id, scheduled_for) DO NOTHING",
        params![id, schedule_id, scheduled_for, trigger.as_str(), now_text()],
    )?;
    if trigger != Trigger::Manual {
        tx.execute(
            "UPDATE schedules SET next_run_at = ?2 WHERE id = ?1",
            params![schedule_id, next_run_at],
        )?;
    }
    tx.commit()?;
    Ok((inserted == 1).then_some(id))
}

/// Records that the run's file is made and its deliveries are queued: one transaction, so a
/// crash leaves either a run to render again or an outbox to drain, never half of each.
pub fn attach_export(
    tx: &Transaction,
    run_id: &str,
    export_id: &str,
    summary: &str,
    chart_png: Option<&[u8]>,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE schedule_runs SET status = 'delivering', export_id = ?2, summary = ?3,
             chart_png = ?4 WHERE id = ?1",
        params![run_id, export_id, summary, chart_png],
    )?;
    Ok(())
}

/// What a run's messages say: the summary JSON and the chart PNG.
pub fn content(
    conn: &Connection,
    run_id: &str,
) -> Result<Option<(String, Option<String>, Option<Vec<u8>>)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT export_id, summary, chart_png FROM schedule_runs WHERE id = ?1",
            [run_id],
            |r| Ok((r.get::<_, Option<String>>(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?
        .and_then(|(export, summary, png)| export.map(|e| (e, summary, png))))
}

/// Records a run that failed before anything was queued (the render failed).
pub fn fail(conn: &Connection, run_id: &str, error: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE schedule_runs SET finished_at = ?2, status = 'failed', error = ?3 WHERE id = ?1",
        params![run_id, now_text(), error],
    )?;
    set_schedule_last_run(conn, run_id, "failed")
}

/// Copies a run's outcome to its schedule (`lastRunAt`, `lastRunStatus`).
fn set_schedule_last_run(conn: &Connection, run_id: &str, status: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE schedules SET last_run_at = ?2, last_run_status = ?3
         WHERE id = (SELECT schedule_id FROM schedule_runs WHERE id = ?1)",
        params![run_id, now_text(), status],
    )?;
    Ok(())
}

/// Closes a `delivering` run once none of its deliveries is pending: succeeded when every one
/// was delivered, failed with the errors otherwise. Returns the final status when it closed.
pub fn settle(conn: &Connection, run_id: &str) -> Result<Option<String>, StoreError> {
    let all = delivery::of_run(conn, run_id)?;
    if all.iter().any(|d| d.status == DeliveryStatus::Pending) {
        return Ok(None);
    }
    let delivered = all
        .iter()
        .filter(|d| d.status == DeliveryStatus::Delivered)
        .count() as u32;
    let failures: Vec<String> = all
        .iter()
        .filter(|d| d.status == DeliveryStatus::Failed)
        .map(|d| {
            format!(
                "{}: {}",
                // A webhook URL's path is its secret: the run's error shows the host.
                d.recipient().shown(),
                d.last_error.as_deref().unwrap_or("failed")
            )
        })
        .collect();
    let (status, error) = if failures.is_empty() {
        ("succeeded", None)
    } else {
        (
            "failed",
            Some(format!(
                "{delivered} of {} delivered; {}",
                all.len(),
                failures.join("; ")
            )),
        )
    };
    let changed = conn.execute(
        "UPDATE schedule_runs SET finished_at = ?2, status = ?3, error = ?4, delivered = ?5
         WHERE id = ?1 AND status = 'delivering'",
        params![run_id, now_text(), status, error, delivered],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    set_schedule_last_run(conn, run_id, status)?;
    Ok(Some(status.to_string()))
}

/// Runs a stopped process left rendering: they are rendered again (same run, same occurrence).
pub fn interrupted(conn: &Connection) -> Result<Vec<Execution>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM schedule_runs WHERE status = 'running' ORDER BY started_at"
    ))?;
    let rows = stmt.query_map([], row_to_execution)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Runs still waiting on deliveries (for the outbox to settle after a restart).
pub fn delivering(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT id FROM schedule_runs WHERE status = 'delivering'")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The run with this id, with its deliveries.
pub fn get(conn: &Connection, run_id: &str) -> Result<Option<Execution>, StoreError> {
    let run = conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM schedule_runs WHERE id = ?1"),
            [run_id],
            row_to_execution,
        )
        .optional()?;
    run.map(|r| with_deliveries(conn, r)).transpose()
}

/// The latest runs of a schedule, newest first, with their deliveries.
pub fn list(
    conn: &Connection,
    schedule_id: &str,
    limit: u32,
) -> Result<Vec<Execution>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM schedule_runs WHERE schedule_id = ?1
         ORDER BY started_at DESC, rowid DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![schedule_id, limit], row_to_execution)?;
    rows.collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|r| with_deliveries(conn, r))
        .collect()
}

fn with_deliveries(conn: &Connection, mut run: Execution) -> Result<Execution, StoreError> {
    run.deliveries = delivery::of_run(conn, &run.id)?;
    Ok(run)
}

fn row_to_execution(r: &rusqlite::Row) -> rusqlite::Result<Execution> {
    Ok(Execution {
        id: r.get(0)?,
        schedule_id: r.get(1)?,
        scheduled_for: r.get(2)?,
        trigger: r.get(3)?,
        started_at: r.get(4)?,
        finished_at: r.get(5)?,
        status: r.get(6)?,
        error: r.get(7)?,
        delivered: r.get(8)?,
        export_id: r.get(9)?,
        deliveries: Vec::new(),
    })
}
