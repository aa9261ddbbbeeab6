//! The `alerts`, `alert_states` and `alert_evaluations` tables. An evaluation is recorded with
//! its members' new states, the alert's next occurrence and its notification's deliveries in
//! one transaction, at most once per occurrence (`UNIQUE (alert_id, due_at)`): a process killed
//! mid-evaluation evaluates the occurrence again, and one that finished never twice.

use super::{delivery, StoreError};
use crate::model::alert::{AlertDefinition, AlertState};
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// A stored alert.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredAlert {
    pub id: String,
    #[serde(flatten)]
    pub definition: AlertDefinition,
    pub next_run_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A member's state (`member` is empty when the alert watches one value).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberState {
    pub member: String,
    pub state: AlertState,
    pub value: Option<f64>,
    pub since: String,
    pub notified_at: Option<String>,
    /// Whether a message told of its current state (a firing the cooldown held back is not).
    pub told: bool,
}

/// An evaluation as its history shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Evaluation {
    pub id: String,
    pub due_at: Option<String>,
    pub trigger: String,
    pub state: AlertState,
    pub value: Option<f64>,
    pub members: serde_json::Value,
    pub error: Option<String>,
    /// The notice it sent, if it notified.
    pub message: Option<serde_json::Value>,
    pub created_at: String,
    pub deliveries: Vec<delivery::Delivery>,
}

const COLUMNS: &str = "id, definition, next_run_at, created_at, updated_at";

fn json_err(i: usize, e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn from_row(r: &Row) -> rusqlite::Result<StoredAlert> {
    Ok(StoredAlert {
        id: r.get(0)?,
        definition: serde_json::from_str(&r.get::<_, String>(1)?).map_err(|e| json_err(1, e))?,
        next_run_at: r.get(2)?,
        created_at: r.get(3)?,
        updated_at: r.get(4)?,
    })
}

/// Inserts or replaces an alert's definition with its next evaluation time.
pub fn upsert(
    conn: &Connection,
    id: &str,
    def: &AlertDefinition,
    next_run_at: Option<&str>,
    by: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO alerts (id, name, definition, enabled, next_run_at, created_by, created_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, definition = excluded.definition,
             enabled = excluded.enabled, next_run_at = excluded.next_run_at,
             created_by = coalesce(excluded.created_by, alerts.created_by),
             updated_at = excluded.updated_at",
        params![
            id,
            def.name,
            serde_json::to_string(def)?,
            def.enabled,
            next_run_at,
            by,
            now_text()
        ],
    )?;
    Ok(())
}

/// The alert with this id (or name).
pub fn get(conn: &Connection, key: &str) -> Result<Option<StoredAlert>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM alerts WHERE id = ?1 OR name = ?1 LIMIT 1"),
            [key],
            from_row,
        )
        .optional()?)
}

/// Every alert, by name.
pub fn list(conn: &Connection) -> Result<Vec<StoredAlert>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM alerts ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Deletes an alert with its states and history; false when there was none.
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM alerts WHERE id = ?1", [id])? == 1)
}

/// Enabled alerts due at `now`.
pub fn due(conn: &Connection, now: &str) -> Result<Vec<StoredAlert>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM alerts WHERE enabled = 1 AND next_run_at <= ?1 ORDER BY next_run_at"
    ))?;
    let rows = stmt.query_map([now], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// When the next enabled alert is due.
pub fn earliest_next_run(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn.query_row(
        "SELECT min(next_run_at) FROM alerts WHERE enabled = 1",
        [],
        |r| r.get(0),
    )?)
}

/// Each member's state.
pub fn states(conn: &Connection, alert_id: &str) -> Result<Vec<MemberState>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT member, state, value, since, notified_at, told FROM alert_states
         WHERE alert_id = ?1 ORDER BY member",
    )?;
    let rows = stmt.query_map([alert_id], |r| {
        let state: String = r.get(1)?;
        Ok(MemberState {
            member: r.get(0)?,
            state: AlertState::parse(&state).unwrap_or(AlertState::Error),
            value: r.get(2)?,
            since: r.get(3)?,
            notified_at: r.get(4)?,
            told: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What an evaluation found and what it sends, to be recorded at once.
pub struct Outcome<'a> {
    pub id: &'a str,
    pub alert_id: &'a str,
    pub due_at: Option<&'a str>,
    pub trigger: &'a str,
    pub state: AlertState,
    pub value: Option<f64>,
    pub members: &'a serde_json::Value,
    pub error: Option<&'a str>,
    /// The notice and who gets it, when it notifies.
    pub notice: Option<(
        &'a serde_json::Value,
        &'a [crate::model::schedule::Recipient],
    )>,
    /// The members' states after it.
    pub states: &'a [MemberState],
    /// The alert's next occurrence after a cron evaluation.
    pub next_run_at: Option<Option<&'a str>>,
}

/// Records an evaluation, its states, the alert's next occurrence and its deliveries in one
/// transaction; false (nothing written) when this occurrence was recorded already.
pub fn record(conn: &mut Connection, o: &Outcome) -> Result<bool, StoreError> {
    let tx = conn.transaction()?;
    let now = now_text();
    let inserted = tx.execute(
        "INSERT INTO alert_evaluations (id, alert_id, due_at, trigger, state, value, members,
             error, message, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (alert_id, due_at) DO NOTHING",
        params![
            o.id,
            o.alert_id,
            o.due_at,
            o.trigger,
            o.state.as_str(),
            o.value,
            serde_json::to_string(o.members)?,
            o.error,
            o.notice.map(|(n, _)| n.to_string()),
            now
        ],
    )?;
    if inserted == 0 {
        return Ok(false);
    }
    for s in o.states {
        tx.execute(
            "INSERT INTO alert_states (alert_id, member, state, value, since, notified_at, told)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (alert_id, member) DO UPDATE SET state = excluded.state,
                 value = excluded.value, since = excluded.since,
                 notified_at = excluded.notified_at, told = excluded.told",
            params![
                o.alert_id,
                s.member,
                s.state.as_str(),
                s.value,
                s.since,
                s.notified_at,
                s.told
            ],
        )?;
    }
    if let Some(next) = o.next_run_at {
        tx.execute(
            "UPDATE alerts SET next_run_at = ?2 WHERE id = ?1",
            params![o.alert_id, next],
        )?;
    }
    if let Some((_, recipients)) = o.notice {
        delivery::enqueue_evaluation(&tx, o.id, recipients)?;
    }
    tx.commit()?;
    Ok(true)
}

/// The latest evaluations of an alert, newest first, with their deliveries.
pub fn history(
    conn: &Connection,
    alert_id: &str,
    limit: u32,
) -> Result<Vec<Evaluation>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, due_at, trigger, state, value, members, error, message, created_at
         FROM alert_evaluations WHERE alert_id = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![alert_id, limit], |r| {
        let state: String = r.get(3)?;
        let members: String = r.get(5)?;
        let message: Option<String> = r.get(7)?;
        Ok(Evaluation {
            id: r.get(0)?,
            due_at: r.get(1)?,
            trigger: r.get(2)?,
            state: AlertState::parse(&state).unwrap_or(AlertState::Error),
            value: r.get(4)?,
            members: serde_json::from_str(&members).map_err(|e| json_err(5, e))?,
            error: r.get(6)?,
            message: message
                .map(|m| serde_json::from_str(&m))
                .transpose()
                .map_err(|e| json_err(7, e))?,
            created_at: r.get(8)?,
            deliveries: Vec::new(),
        })
    })?;
    let mut out: Vec<Evaluation> = rows.collect::<Result<_, _>>()?;
    for e in &mut out {
        e.deliveries = delivery::of_evaluation(conn, &e.id)?;
    }
    Ok(out)
}

/// The notice an evaluation queued (for the outbox to send).
pub fn notice(conn: &Connection, evaluation_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT message FROM alert_evaluations WHERE id = ?1",
            [evaluation_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}
