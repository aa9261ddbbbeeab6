//! Managing users: add, change role, disable, set a password, invite with a one-time link.
//! The same checks for the command line, the API and the admin pages; every change is audited.

use super::{audit, invalid, password, AuthError, NewSession};
use crate::app::Ctx;
use crate::model::time::{now_text, rfc3339};
use crate::model::user::{check_password, Email, Role};
use crate::store::{self, secret::random_hex, user::User};
use chrono::{Duration, Utc};
use rusqlite::Connection;

/// Adds a user with a password (or none: then they need an invite link). `actor` is who did it.
pub fn add(
    conn: &Connection,
    email: &str,
    role: Role,
    password: Option<&str>,
    actor: Option<&str>,
    ip: Option<&str>,
) -> Result<User, AuthError> {
    let email = Email::parse(email).map_err(|m| invalid("email", m))?;
    if let Some(p) = password {
        check_password(p).map_err(|m| invalid("password", m))?;
    }
    let hash = password.map(password::hash);
    let user = store::user::insert(conn, &email, role, hash.as_deref())?
        .ok_or_else(|| AuthError::Conflict(format!("a user with email {email} exists")))?;
    audit::record(
        conn,
        actor,
        "user.create",
        Some(email.as_str()),
        ip,
        Some(role.as_str()),
    );
    Ok(user)
}

/// The user with this id or email.
pub fn find(conn: &Connection, key: &str) -> Result<User, AuthError> {
    let by_id = store::user::get(conn, key)?;
    let found = match by_id {
        Some(u) => Some(u),
        None => match Email::parse(key) {
            Ok(e) => store::user::by_email(conn, &e)?.map(|(u, _)| u),
            Err(_) => None,
        },
    };
    found.ok_or_else(|| {
        AuthError::NotFound(format!(
            "no user `{}`",
            crate::model::text::truncate(key, 80)
        ))
    })
}

/// Refuses a change that would leave no enabled admin.
fn keep_an_admin(conn: &Connection, user: &User) -> Result<(), AuthError> {
    if user.role == Role::Admin && !user.disabled && store::user::active_admins(conn)? <= 1 {
        return Err(AuthError::Conflict(
            "this is the last administrator: make another one first".into(),
        ));
    }
    Ok(())
}

/// Changes a user's role.
pub fn set_role(
    conn: &Connection,
    key: &str,
    role: Role,
    actor: Option<&str>,
    ip: Option<&str>,
) -> Result<User, AuthError> {
    let user = find(conn, key)?;
    if role != Role::Admin {
        keep_an_admin(conn, &user)?;
    }
    store::user::set_role(conn, &user.id, role)?;
    audit::record(
        conn,
        actor,
        "user.role",
        Some(&user.email),
        ip,
        Some(role.as_str()),
    );
    find(conn, &user.id)
}

/// Disables (or enables again) a user; their sessions end at once and their tokens stop working.
pub fn set_disabled(
    conn: &Connection,
    key: &str,
    disabled: bool,
    actor: Option<&str>,
    ip: Option<&str>,
) -> Result<User, AuthError> {
    let user = find(conn, key)?;
    if disabled {
        keep_an_admin(conn, &user)?;
    }
    store::user::set_disabled(conn, &user.id, disabled)?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(conn, actor, action, Some(&user.email), ip, None);
    find(conn, &user.id)
}

/// Deletes a user with their sessions and tokens.
pub fn delete(
    conn: &Connection,
    key: &str,
    actor: Option<&str>,
    ip: Option<&str>,
) -> Result<(), AuthError> {
    let user = find(conn, key)?;
    keep_an_admin(conn, &user)?;
    store::user::delete(conn, &user.id)?;
    audit::record(conn, actor, "user.delete", Some(&user.email), ip, None);
    Ok(())
}

/// Sets a new password; every session of the user ends.
pub fn set_password(
    conn: &Connection,
    key: &str,
    new_password: &str,
    actor: Option<&str>,
    ip: Option<&str>,
) -> Result<User, AuthError> {
    check_password(new_password).map_err(|m| invalid("password", m))?;
    let user = find(conn, key)?;
    store::user::set_password(conn, &user.id, &password::hash(new_password))?;
    audit::record(conn, actor, "user.password", Some(&user.email), ip, None);
    Ok(user)
}

/// A one-time link for `user` to set their password (`invite` for a new user, `reset`).
pub fn one_time_link(
    ctx: &Ctx,
    conn: &Connection,
    user: &User,
    purpose: &str,
) -> Result<String, AuthError> {
    let token = random_hex(24);
    let until = Utc::now() + Duration::hours(ctx.config.auth.link_ttl_hours as i64);
    store::user::insert_link(
        conn,
        &ctx.store.secrets.hash(&token),
        &user.id,
        purpose,
        &rfc3339(until),
    )?;
    Ok(format!(
        "{}/welcome?token={token}",
        ctx.config.server.public_url()
    ))
}

/// The user a one-time link is for, if it is live.
pub fn link_user(ctx: &Ctx, conn: &Connection, token: &str) -> Result<Option<User>, AuthError> {
    if token.len() != 48 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    Ok(store::user::link_user(
        conn,
        &ctx.store.secrets.hash(token),
        &now_text(),
    )?)
}

/// Sets the password through a one-time link (used up by it) and signs the user in.
pub fn use_link(
    ctx: &Ctx,
    token: &str,
    new_password: &str,
    ip: Option<&str>,
) -> Result<NewSession, AuthError> {
    check_password(new_password).map_err(|m| invalid("password", m))?;
    let conn = ctx.store.app.get()?;
    let user = link_user(ctx, &conn, token)?
        .filter(|u| !u.disabled)
        .ok_or_else(|| {
            AuthError::Forbidden("this link is not valid any more: ask for a new one".into())
        })?;
    if !store::user::take_link(&conn, &ctx.store.secrets.hash(token))? {
        return Err(AuthError::Forbidden("this link was used already".into()));
    }
    store::user::set_password(&conn, &user.id, &password::hash(new_password))?;
    audit::record(
        &conn,
        Some(&user.email),
        "user.password",
        Some(&user.email),
        ip,
        Some("one-time link"),
    );
    super::start_session(ctx, &conn, user, ip)
}
