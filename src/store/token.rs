//! The `api_tokens` table: bearer tokens, found by the keyed hash of the token.

use super::StoreError;
use crate::model::time::now_text;
use crate::model::user::Role;
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// A token as listed (never the token itself: it is shown once, when made).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "t.id, t.user_id, u.email, t.name, t.role, t.created_at, t.expires_at,
    t.last_used_at, t.revoked_at";

fn from_row(r: &Row) -> rusqlite::Result<ApiToken> {
    Ok(ApiToken {
        id: r.get(0)?,
        user_id: r.get(1)?,
        email: r.get(2)?,
        name: r.get(3)?,
        role: r.get(4)?,
        created_at: r.get(5)?,
        expires_at: r.get(6)?,
        last_used_at: r.get(7)?,
        revoked_at: r.get(8)?,
    })
}

/// Stores a new token's hash.
pub fn insert(
    conn: &Connection,
    user_id: &str,
    name: &str,
    role: Role,
    token_hash: &str,
    expires_at: Option<&str>,
) -> Result<ApiToken, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    conn.execute(
        "INSERT INTO api_tokens (id, user_id, name, role, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![id, user_id, name, role, token_hash, now_text(), expires_at],
    )?;
    Ok(get(conn, &id)?.expect("just inserted"))
}

/// One token.
pub fn get(conn: &Connection, id: &str) -> Result<Option<ApiToken>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// Tokens, newest first: one user's, or everyone's.
pub fn list(conn: &Connection, user_id: Option<&str>) -> Result<Vec<ApiToken>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
         WHERE ?1 IS NULL OR t.user_id = ?1 ORDER BY t.created_at DESC, t.id"
    ))?;
    let rows = stmt.query_map([user_id], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The live token with this hash: not revoked, not expired, its user enabled. The role is the
/// lower of the token's and its user's now (a demoted user's tokens are demoted with them).
pub fn find_live(
    conn: &Connection,
    token_hash: &str,
    now: &str,
) -> Result<Option<ApiToken>, StoreError> {
    let found = conn
        .query_row(
            &format!(
                "SELECT {COLUMNS}, u.role FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = ?1 AND t.revoked_at IS NULL AND u.disabled = 0
                   AND (t.expires_at IS NULL OR t.expires_at > ?2)"
            ),
            params![token_hash, now],
            |r| Ok((from_row(r)?, r.get::<_, Role>(9)?)),
        )
        .optional()?;
    Ok(found.map(|(mut t, user_role)| {
        if user_role.rank() < t.role.rank() {
            t.role = user_role;
        }
        t
    }))
}

/// Records a use (at most once a minute per token is enough for "last used").
pub fn touch(conn: &Connection, id: &str, now: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1
           AND (last_used_at IS NULL OR last_used_at < datetime(?2, '-60 seconds'))",
        params![id, now],
    )?;
    Ok(())
}

/// Revokes a token; false if there is none or it was revoked already.
pub fn revoke(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
        params![id, now_text()],
    )? > 0)
}
