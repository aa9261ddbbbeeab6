//! The `jobs` and `results` tables: report generation requests, their progress, and what
//! each completed one produced.

use super::StoreError;
use crate::model::job::JobStatus;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use std::collections::BTreeMap;

/// A generation job as the API shows it (ReportGenerationJob).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub report_id: String,
    pub parameters: BTreeMap<String, String>,
    /// `queued`, `processing`, `completed` or `failed`.
    pub status: JobStatus,
    /// 0 to 100.
    pub progress: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_id: Option<String>,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// The day date expressions are relative to.
    #[serde(skip)]
    pub today: String,
}

impl Job {
    /// The day date expressions are relative to (today if the stored one is unreadable).
    pub fn day(&self) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(&self.today, "%Y-%m-%d")
            .unwrap_or_else(|_| chrono::Utc::now().date_naive())
    }
}

const COLUMNS: &str = "id, report_id, parameters, status, progress, error, result_id, created_at,
    started_at, finished_at, today";

fn from_row(r: &Row) -> rusqlite::Result<Job> {
    Ok(Job {
        id: r.get(0)?,
        report_id: r.get(1)?,
        parameters: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
        status: r.get(3)?,
        progress: r.get(4)?,
        error: r.get(5)?,
        result_id: r.get(6)?,
        created_at: r.get(7)?,
        started_at: r.get(8)?,
        finished_at: r.get(9)?,
        today: r.get(10)?,
    })
}

/// Queues a new job.
pub fn insert(
    conn: &Connection,
    id: &str,
    report_id: &str,
    parameters: &BTreeMap<String, String>,
    today: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO jobs (id, report_id, parameters, today, status, created_at)
         VALUES (?1, ?2, ?3, ?4, 'queued', ?5)",
        params![
            id,
            report_id,
            serde_json::to_string(parameters)?,
            today,
            now_text()
        ],
    )?;
    Ok(())
}

/// The job with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Job>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Marks a job as started.
pub fn start(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE jobs SET status = 'processing', progress = 5, started_at = ?2 WHERE id = ?1",
        params![id, now_text()],
    )?;
    Ok(())
}

/// Records how far a job has got.
pub fn set_progress(conn: &Connection, id: &str, progress: u8) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE jobs SET progress = max(progress, ?2) WHERE id = ?1 AND status = 'processing'",
        params![id, progress.min(99)],
    )?;
    Ok(())
}

/// Stores a job's result (its public JSON and what that leaves out, `report::run::snapshot`)
/// and completes the job, together.
pub fn complete(
    conn: &mut Connection,
    job: &Job,
    result_id: &str,
    (output_json, extra): (&str, &str),
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let now = now_text();
    tx.execute(
        "INSERT INTO results (id, job_id, report_id, output, extra, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![result_id, job.id, job.report_id, output_json, extra, now],
    )?;
    tx.execute(
        "UPDATE jobs SET status = 'completed', progress = 100, result_id = ?2, finished_at = ?3,
             error = NULL
         WHERE id = ?1",
        params![job.id, result_id, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// Marks a job as failed with its error.
pub fn fail(conn: &Connection, id: &str, error: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE jobs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
        params![id, error, now_text()],
    )?;
    Ok(())
}

/// Jobs a stopped process left queued or processing, queued again from the start, oldest
/// first.
pub fn requeue_unfinished(conn: &Connection) -> Result<Vec<String>, StoreError> {
    conn.execute(
        "UPDATE jobs SET status = 'queued', progress = 0, started_at = NULL
         WHERE status IN ('queued', 'processing')",
        [],
    )?;
    let mut stmt =
        conn.prepare("SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at")?;
    let ids = stmt.query_map([], |r| r.get(0))?;
    Ok(ids.collect::<Result<_, _>>()?)
}

/// Deletes jobs that finished before `before`, with their results; returns how many.
pub fn forget_finished(conn: &Connection, before: &str) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "DELETE FROM jobs WHERE status IN ('completed', 'failed') AND finished_at < ?1",
        [before],
    )?)
}

/// A stored result: the job it came from and the output as JSON.
pub struct StoredResult {
    pub id: String,
    pub job: Job,
    pub output_json: String,
    /// What the JSON leaves out (`report::run::snapshot`); none for results stored before it
    /// was kept.
    pub extra: Option<String>,
}

/// The result with this id, with its job.
pub fn result(conn: &Connection, id: &str) -> Result<Option<StoredResult>, StoreError> {
    let row: Option<(String, String, Option<String>)> = conn
        .query_row(
            "SELECT job_id, output, extra FROM results WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((job_id, output_json, extra)) = row else {
        return Ok(None);
    };
    Ok(get(conn, &job_id)?.map(|job| StoredResult {
        id: id.to_string(),
        job,
        output_json,
        extra,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finished_jobs_older_than_the_cut_are_forgotten_with_their_results() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON").unwrap();
        super::super::migrate::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO reports (id, name, definition, created_at, updated_at)
             VALUES ('r', 'R', '{}', 'x', 'x')",
            [],
        )
        .unwrap();
        let none = BTreeMap::new();
        for id in ["old", "new", "running"] {
            insert(&conn, id, "r", &none, "2026-01-01").unwrap();
        }
        let old = get(&conn, "old").unwrap().unwrap();
        complete(&mut conn, &old, "res-old", ("{}", "{}")).unwrap();
        let new = get(&conn, "new").unwrap().unwrap();
        complete(&mut conn, &new, "res-new", ("{}", "{}")).unwrap();
        conn.execute(
            "UPDATE jobs SET finished_at = '2026-01-02T00:00:00Z' WHERE id = 'old'",
            [],
        )
        .unwrap();
        start(&conn, "running").unwrap();

        assert_eq!(forget_finished(&conn, "2026-06-01T00:00:00Z").unwrap(), 1);
        assert!(get(&conn, "old").unwrap().is_none());
        assert!(
            result(&conn, "res-old").unwrap().is_none(),
            "its result goes too"
        );
        assert!(result(&conn, "res-new").unwrap().is_some());
        assert_eq!(
            get(&conn, "running").unwrap().unwrap().status,
            JobStatus::Processing
        );
    }
}

/// Records who asked for job `id` and what they saw then: the job reads with that sight.
pub fn set_asker(
    conn: &Connection,
    id: &str,
    by: Option<&str>,
    sight: &crate::model::access::Sight,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE jobs SET requested_by = ?2, sight = ?3 WHERE id = ?1",
        params![id, by, serde_json::to_string(sight)?],
    )?;
    Ok(())
}

/// Who asked for job `id` (an email) and the sight it reads with (every row for a job made
/// before sights were kept).
pub fn asker(
    conn: &Connection,
    id: &str,
) -> Result<(Option<String>, crate::model::access::Sight), StoreError> {
    let row: Option<(Option<String>, Option<String>)> = conn
        .query_row(
            "SELECT requested_by, sight FROM jobs WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (by, sight) = row.unwrap_or_default();
    let sight = match sight {
        Some(text) => serde_json::from_str(&text)?,
        None => crate::model::access::Sight::All,
    };
    Ok((by, sight))
}
