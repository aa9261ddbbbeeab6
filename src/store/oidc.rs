//! The `oidc_logins` table (sign-ins under way, each used once) and `user_identities` (which
//! provider account is which user).

use super::StoreError;
use crate::model::time::now_text;
use rusqlite::{params, Connection, OptionalExtension};

/// A sign-in under way: what the callback checks the provider's answer against.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub nonce: String,
    pub verifier: String,
    pub next: String,
    pub expires_at: String,
}

/// Forgets sign-ins past their end; then how many are still under way.
pub fn sweep(conn: &Connection, now: &str) -> Result<u64, StoreError> {
    conn.execute("DELETE FROM oidc_logins WHERE expires_at <= ?1", [now])?;
    let n: i64 = conn.query_row("SELECT count(*) FROM oidc_logins", [], |r| r.get(0))?;
    Ok(n.max(0) as u64)
}

/// Remembers a sign-in under way.
pub fn insert_login(
    conn: &Connection,
    state_hash: &str,
    p: &PendingLogin,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oidc_logins (state_hash, nonce, verifier, next, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![state_hash, p.nonce, p.verifier, p.next, p.expires_at],
    )?;
    Ok(())
}

/// Takes the sign-in with this state out (it is used once, whatever comes next).
pub fn take_login(conn: &Connection, state_hash: &str) -> Result<Option<PendingLogin>, StoreError> {
    Ok(conn
        .query_row(
            "DELETE FROM oidc_logins WHERE state_hash = ?1
             RETURNING nonce, verifier, next, expires_at",
            [state_hash],
            |r| {
                Ok(PendingLogin {
                    nonce: r.get(0)?,
                    verifier: r.get(1)?,
                    next: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}

/// The user a provider account is, if it signed in before.
pub fn identity(
    conn: &Connection,
    issuer: &str,
    subject: &str,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT user_id FROM user_identities WHERE issuer = ?1 AND subject = ?2",
            params![issuer, subject],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records that a provider account is user `user` (again: no change).
pub fn link(conn: &Connection, issuer: &str, subject: &str, user: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO user_identities (issuer, subject, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![issuer, subject, user, now_text()],
    )?;
    Ok(())
}
