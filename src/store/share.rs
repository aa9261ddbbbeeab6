//! The `shares` table: read-only links to a dashboard or report, found by their token's hash.

use super::StoreError;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use std::collections::BTreeMap;

/// A share as listed (never its token: that is shown once, when made).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Share {
    pub id: String,
    /// `dashboard` or `report`.
    pub kind: String,
    pub target_id: String,
    pub parameters: BTreeMap<String, String>,
    pub embed: bool,
    pub created_by: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    /// What its maker could see when they made it: whoever opens it sees that (every row for
    /// a share made before row policies).
    #[serde(skip)]
    pub sight: crate::model::access::Sight,
}

const COLUMNS: &str = "id, kind, target_id, parameters, embed, created_by, created_at, expires_at, revoked_at, last_used_at, sight";

fn from_row(r: &Row) -> rusqlite::Result<Share> {
    let params: String = r.get(3)?;
    Ok(Share {
        id: r.get(0)?,
        kind: r.get(1)?,
        target_id: r.get(2)?,
        parameters: serde_json::from_str(&params).unwrap_or_default(),
        embed: r.get(4)?,
        created_by: r.get(5)?,
        created_at: r.get(6)?,
        expires_at: r.get(7)?,
        revoked_at: r.get(8)?,
        last_used_at: r.get(9)?,
        // A sight that cannot be read shows no policed row.
        sight: match r.get::<_, Option<String>>(10)? {
            None => crate::model::access::Sight::All,
            Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        },
    })
}

/// A share to store.
pub struct NewShare<'a> {
    pub token_hash: &'a str,
    /// `dashboard` or `report`.
    pub kind: &'a str,
    pub target_id: &'a str,
    pub parameters: &'a BTreeMap<String, String>,
    pub embed: bool,
    pub created_by: Option<&'a str>,
    pub expires_at: Option<&'a str>,
    pub sight: &'a crate::model::access::Sight,
}

/// Stores a share.
pub fn insert(conn: &Connection, s: &NewShare) -> Result<Share, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO shares (id, token_hash, kind, target_id, parameters, embed, created_by, created_at, expires_at, sight)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            id,
            s.token_hash,
            s.kind,
            s.target_id,
            serde_json::to_string(s.parameters)?,
            s.embed,
            s.created_by,
            now_text(),
            s.expires_at,
            serde_json::to_string(s.sight)?
        ],
    )?;
    Ok(get(conn, &id)?.expect("just inserted"))
}

/// One share.
pub fn get(conn: &Connection, id: &str) -> Result<Option<Share>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM shares WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The share of a token's hash, whatever its state (the caller says why one does not work).
pub fn by_hash(conn: &Connection, token_hash: &str) -> Result<Option<Share>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM shares WHERE token_hash = ?1"),
            [token_hash],
            from_row,
        )
        .optional()?)
}

/// Every share, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Share>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM shares ORDER BY created_at DESC, id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The live (not revoked) shares of one dashboard or report, newest first.
pub fn list_for(conn: &Connection, kind: &str, target_id: &str) -> Result<Vec<Share>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM shares WHERE kind = ?1 AND target_id = ?2 AND revoked_at IS NULL
         ORDER BY created_at DESC, id"
    ))?;
    let rows = stmt.query_map([kind, target_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Revokes a share; false if there is none or it was revoked already.
pub fn revoke(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE shares SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now_text()],
    )? > 0)
}

/// Records a use (at most once a minute).
pub fn touch(conn: &Connection, id: &str) -> Result<(), StoreError> {
    let now = now_text();
    conn.execute(
        "UPDATE shares SET last_used_at = ?2 WHERE id = ?1
           AND (last_used_at IS NULL OR last_used_at < datetime(?2, '-60 seconds'))",
        params![id, now],
    )?;
    Ok(())
}
