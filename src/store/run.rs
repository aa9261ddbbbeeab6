//! The `schedule_runs` table: one row per execution of a schedule.

use super::{now_text, StoreError};
use rusqlite::{params, Connection, OptionalExtension};
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
    fn as_str(self) -> &'static str {
        match self {
            Trigger::Cron => "cron",
            Trigger::Catchup => "catchup",
            Trigger::Manual => "manual",
        }
    }
}

/// One execution, as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Execution {
    pub id: String,
    pub scheduled_for: Option<String>,
    pub trigger: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub error: Option<String>,
    pub delivered: u32,
}

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

/// Records how a run ended.
pub fn finish(
    conn: &Connection,
    run_id: &str,
    error: Option<&str>,
    delivered: u32,
) -> Result<(), StoreError> {
    let status = if error.is_some() {
        "failed"
    } else {
        "succeeded"
    };
    conn.execute(
        "UPDATE schedule_runs SET finished_at = ?2, status = ?3, error = ?4, delivered = ?5 WHERE id = ?1",
        params![run_id, now_text(), status, error, delivered],
    )?;
    Ok(())
}

/// Marks runs left `running` by a process that stopped as failed, so none looks alive forever.
pub fn fail_interrupted(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE schedule_runs SET status = 'failed', finished_at = ?1,
             error = 'interrupted: the server stopped during this run'
         WHERE status = 'running'",
        [now_text()],
    )?)
}

/// The run with this id.
pub fn get(conn: &Connection, run_id: &str) -> Result<Option<Execution>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, scheduled_for, trigger, started_at, finished_at, status, error, delivered
             FROM schedule_runs WHERE id = ?1",
            [run_id],
            row_to_execution,
        )
        .optional()?)
}

/// The latest runs of a schedule, newest first.
pub fn list(
    conn: &Connection,
    schedule_id: &str,
    limit: u32,
) -> Result<Vec<Execution>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, scheduled_for, trigger, started_at, finished_at, status, error, delivered
         FROM schedule_runs WHERE schedule_id = ?1 ORDER BY started_at DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![schedule_id, limit], row_to_execution)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn row_to_execution(r: &rusqlite::Row) -> rusqlite::Result<Execution> {
    Ok(Execution {
        id: r.get(0)?,
        scheduled_for: r.get(1)?,
        trigger: r.get(2)?,
        started_at: r.get(3)?,
        finished_at: r.get(4)?,
        status: r.get(5)?,
        error: r.get(6)?,
        delivered: r.get(7)?,
    })
}
