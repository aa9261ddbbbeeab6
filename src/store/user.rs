//! The `users` table, and `one_time_links` (invites and password resets) that belong to a user.

use super::StoreError;
use crate::model::time::now_text;
use crate::model::user::{Email, Role};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

/// A user as stored (without the password hash, which never leaves this module but for login).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    /// False while an invite has not been used (and for who signs in through a provider).
    pub has_password: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
    /// Whether they have signed in through the OpenID Connect provider.
    pub signs_in_with_provider: bool,
}

const COLUMNS: &str =
    "id, email, role, disabled, password_hash IS NOT NULL, created_at, last_login_at,
    EXISTS (SELECT 1 FROM user_identities i WHERE i.user_id = users.id)";

fn from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        role: r.get(2)?,
        disabled: r.get(3)?,
        has_password: r.get(4)?,
        created_at: r.get(5)?,
        last_login_at: r.get(6)?,
        signs_in_with_provider: r.get(7)?,
    })
}

/// Adds a user; `None` when the email is taken.
pub fn insert(
    conn: &Connection,
    email: &Email,
    role: Role,
    password_hash: Option<&str>,
) -> Result<Option<User>, StoreError> {
    let id = uuid::Uuid::new_v4().to_string();
    let added = conn.execute(
        "INSERT INTO users (id, email, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (email) DO NOTHING",
        params![id, email.as_str(), role, password_hash, now_text()],
    )?;
    if added == 0 {
        return Ok(None);
    }
    get(conn, &id)
}

/// The time zone a user chose for pages (None: the browser's).
pub fn time_zone(conn: &Connection, id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT time_zone FROM users WHERE id = ?1", [id], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

/// Sets (or, with None, clears) the time zone a user chose for pages.
pub fn set_time_zone(conn: &Connection, id: &str, zone: Option<&str>) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE users SET time_zone = ?2 WHERE id = ?1",
        params![id, zone],
    )? == 1)
}

/// The user with this id.
pub fn get(conn: &Connection, id: &str) -> Result<Option<User>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
            [id],
            from_row,
        )
        .optional()?)
}

/// The user with this email, and their password hash.
pub fn by_email(
    conn: &Connection,
    email: &Email,
) -> Result<Option<(User, Option<String>)>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1"),
            [email.as_str()],
            |r| Ok((from_row(r)?, r.get(8)?)),
        )
        .optional()?)
}

/// Every user, by email.
pub fn list(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY email"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many users exist (the setup page closes for good once one does).
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row("SELECT count(*) FROM users", [], |r| r.get::<_, i64>(0))? as u64)
}

/// How many enabled admins there are (the last one cannot be demoted or disabled).
pub fn active_admins(conn: &Connection) -> Result<u64, StoreError> {
    Ok(conn.query_row(
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0",
        [],
        |r| r.get::<_, i64>(0),
    )? as u64)
}

/// Sets the role.
pub fn set_role(conn: &Connection, id: &str, role: Role) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "UPDATE users SET role = ?2 WHERE id = ?1",
        params![id, role],
    )? > 0)
}

/// Disables or enables; disabling also ends the user's sessions.
pub fn set_disabled(conn: &Connection, id: &str, disabled: bool) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        params![id, disabled],
    )?;
    if disabled {
        conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    }
    Ok(changed > 0)
}

/// Sets the password hash; every session of the user ends (a changed password logs out everywhere).
pub fn set_password(conn: &Connection, id: &str, hash: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        params![id, hash],
    )?;
    conn.execute("DELETE FROM sessions WHERE user_id = ?1", [id])?;
    Ok(changed > 0)
}

/// Records a successful login.
pub fn touch_login(conn: &Connection, id: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE users SET last_login_at = ?2 WHERE id = ?1",
        params![id, now_text()],
    )?;
    Ok(())
}

/// Deletes a user (their sessions, tokens and links go with them).
pub fn delete(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    Ok(conn.execute("DELETE FROM users WHERE id = ?1", [id])? > 0)
}

/// Stores a one-time link (its token's hash) for `user_id`.
pub fn insert_link(
    conn: &Connection,
    token_hash: &str,
    user_id: &str,
    purpose: &str,
    expires_at: &str,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO one_time_links (token_hash, user_id, purpose, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_hash, user_id, purpose, now_text(), expires_at],
    )?;
    Ok(())
}

/// The user a live one-time link is for (expired links are not found).
pub fn link_user(
    conn: &Connection,
    token_hash: &str,
    now: &str,
) -> Result<Option<User>, StoreError> {
    let user: Option<String> = conn
        .query_row(
            "SELECT user_id FROM one_time_links WHERE token_hash = ?1 AND expires_at > ?2",
            params![token_hash, now],
            |r| r.get(0),
        )
        .optional()?;
    match user {
        Some(id) => get(conn, &id),
        None => Ok(None),
    }
}

/// Uses up a one-time link; false when it was already used.
pub fn take_link(conn: &Connection, token_hash: &str) -> Result<bool, StoreError> {
    Ok(conn.execute(
        "DELETE FROM one_time_links WHERE token_hash = ?1",
        [token_hash],
    )? > 0)
}
