//! The `deliveries` table: the outbox. A row per recipient of a schedule run or of an alert's
//! evaluation, written before anything is sent; each attempt takes a lease on the row so no two
//! workers (or processes) send it at once.

use super::StoreError;
use crate::model::schedule::DeliveryStatus;
use crate::model::schedule::{Recipient, RecipientKind};
use crate::model::time::now_text;
use rusqlite::{params, Connection, Row, Transaction};
use serde::Serialize;

/// One delivery as the API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub id: String,
    /// The schedule run it belongs to, or the alert evaluation (exactly one of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluation_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub address: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<String>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

impl Delivery {
    /// The recipient it goes to.
    pub fn recipient(&self) -> Recipient {
        Recipient {
            kind: RecipientKind::parse(&self.kind).unwrap_or(RecipientKind::Email),
            address: self.address.clone(),
        }
    }
}

const COLUMNS: &str = "id, run_id, kind, address, status, attempts, next_attempt_at, last_error,
    delivered_at, created_at, evaluation_id";

fn from_row(r: &Row) -> rusqlite::Result<Delivery> {
    let status: DeliveryStatus = r.get(4)?;
    Ok(Delivery {
        id: r.get(0)?,
        run_id: r.get(1)?,
        kind: r.get(2)?,
        address: r.get(3)?,
        attempts: r.get(5)?,
        next_attempt_at: if status == DeliveryStatus::Pending {
            r.get(6)?
        } else {
            None
        },
        status,
        last_error: r.get(7)?,
        delivered_at: r.get(8)?,
        created_at: r.get(9)?,
        evaluation_id: r.get(10)?,
    })
}

/// Queues one delivery per recipient of a run (duplicates collapse), due now.
pub fn enqueue(tx: &Transaction, run_id: &str, recipients: &[Recipient]) -> Result<(), StoreError> {
    let now = now_text();
    for r in recipients {
        tx.execute(
            "INSERT INTO deliveries (id, run_id, kind, address, status, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)
             ON CONFLICT (run_id, kind, address) DO NOTHING",
            params![
                uuid::Uuid::new_v4().to_string(),
                run_id,
                r.kind.as_str(),
                r.address.trim(),
                now
            ],
        )?;
    }
    Ok(())
}

/// Queues one delivery per recipient of an alert's evaluation (duplicates collapse), due now.
pub fn enqueue_evaluation(
    tx: &Transaction,
    evaluation_id: &str,
    recipients: &[Recipient],
) -> Result<(), StoreError> {
    let now = now_text();
    for r in recipients {
        tx.execute(
            "INSERT INTO deliveries (id, evaluation_id, kind, address, status, next_attempt_at,
                 created_at)
             VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?5)
             ON CONFLICT (evaluation_id, kind, address) DO NOTHING",
            params![
                uuid::Uuid::new_v4().to_string(),
                evaluation_id,
                r.kind.as_str(),
                r.address.trim(),
                now
            ],
        )?;
    }
    Ok(())
}

/// Every delivery of an alert's evaluation.
pub fn of_evaluation(conn: &Connection, evaluation_id: &str) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE evaluation_id = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([evaluation_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Pending deliveries due at `now`, oldest first (optionally of one run only).
pub fn due(
    conn: &Connection,
    now: &str,
    run_id: Option<&str>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?1
         AND (?2 IS NULL OR run_id = ?2) ORDER BY next_attempt_at LIMIT ?3"
    ))?;
    let rows = stmt.query_map(params![now, run_id, limit], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Takes the lease on a due delivery: counts the attempt and pushes its next attempt to
/// `lease_until`. False when another worker got it first.
pub fn lease(
    conn: &Connection,
    id: &str,
    now: &str,
    lease_until: &str,
) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3
         WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2",
        params![id, now, lease_until],
    )? == 1)
}

/// Records a successful send.
pub fn delivered(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE deliveries SET status = 'delivered', delivered_at = ?2, last_error = NULL
         WHERE id = ?1",
        params![id, now_text()],
    )?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or given up when that is None.
pub fn failed(
    conn: &Connection,
    id: &str,
    error: &str,
    retry_at: Option<&str>,
) -> Result<(), StoreError> {
    match retry_at {
        Some(at) => conn.execute(
            "UPDATE deliveries SET last_error = ?2, next_attempt_at = ?3 WHERE id = ?1",
            params![id, error, at],
        )?,
        None => conn.execute(
            "UPDATE deliveries SET status = 'failed', last_error = ?2 WHERE id = ?1",
            params![id, error],
        )?,
    };
    Ok(())
}

/// Every delivery of a run.
pub fn of_run(conn: &Connection, run_id: &str) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM deliveries WHERE run_id = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([run_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the next pending delivery is due.
pub fn earliest_pending(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(
        "SELECT min(next_attempt_at) FROM deliveries WHERE status = 'pending'",
        [],
        |r| r.get(0),
    )?)
}

/// Deliveries by status, for /metrics.
pub fn counts(conn: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
    let mut stmt =
        conn.prepare("SELECT status, count(*) FROM deliveries GROUP BY status ORDER BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
