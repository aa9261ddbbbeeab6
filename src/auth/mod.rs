//! Accounts: who is asking (`Principal`), logins and server-side sessions, API tokens, the
//! one-time setup link, invites and password resets, and the audit log. No HTTP here: the gate
//! (`web/gate.rs`) reads cookies and headers and asks this module.

pub mod audit;
pub mod limiter;
pub mod oidc;
pub mod password;
pub mod users;

use crate::app::Ctx;
use crate::model::time::{now_text, parse_time, rfc3339, zone_named, ViewZone, ZoneFrom};
use crate::model::user::{Email, Role};
use crate::store::{self, secret::random_hex, StoreError};
use chrono::{Duration, Utc};
use serde::Serialize;

/// Who is making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No credentials.
    Anonymous,
    /// A signed-in user, by session or by API token.
    User(Caller),
}

/// A signed-in caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Caller {
    pub user_id: String,
    pub email: String,
    /// What this caller may do (a token's role, at most its owner's).
    pub role: Role,
    #[serde(skip)]
    pub via: Via,
    /// The zone pages show times in: the user's setting here; the web gate fills in the
    /// browser's or the server's when there is none.
    #[serde(skip)]
    pub zone: ViewZone,
    /// The rows of policed datasets this caller sees, read at this request (a change of
    /// their groups counts from their next request).
    #[serde(skip)]
    pub sight: crate::model::access::Sight,
    /// What they may do in each collection, read at this request.
    #[serde(skip)]
    pub grants: crate::model::collection::Grants,
    /// The admin looking at pages as this user ("View as"), whose session this is.
    #[serde(skip)]
    pub viewing_as: Option<String>,
}

/// How the caller proved who they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie; unsafe requests must carry this CSRF token.
    Session { csrf: String },
    /// `Authorization: Bearer`; no CSRF token needed (a browser never adds it by itself).
    Token { id: String, name: String },
}

impl Principal {
    /// The caller, if signed in.
    pub fn caller(&self) -> Option<&Caller> {
        match self {
            Principal::User(c) => Some(c),
            Principal::Anonymous => None,
        }
    }

    /// The caller's email, if signed in (who made an export).
    pub fn email(&self) -> Option<String> {
        self.caller().map(|c| c.email.clone())
    }

    /// The role, if signed in.
    pub fn role(&self) -> Option<Role> {
        self.caller().map(|c| c.role)
    }

    /// The rows of policed datasets this caller sees (an anonymous one: none).
    pub fn sight(&self) -> crate::model::access::Sight {
        self.caller().map(|c| c.sight.clone()).unwrap_or_default()
    }

    /// What this caller may do in each collection (an anonymous one: only the root's).
    pub fn grants(&self) -> crate::model::collection::Grants {
        self.caller().map(|c| c.grants.clone()).unwrap_or_default()
    }

    /// The zone pages show this caller times in (UTC for an anonymous one).
    pub fn zone(&self) -> ViewZone {
        self.caller().map(|c| c.zone).unwrap_or_default()
    }

    /// The name the audit log records: the email, with the token's name for token calls.
    pub fn actor(&self) -> Option<String> {
        self.caller().map(|c| match &c.via {
            Via::Session { .. } => c.email.clone(),
            Via::Token { name, .. } => format!("{} (token {name})", c.email),
        })
    }
}

/// Why a login or an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("wrong email or password")]
    BadCredentials,
    #[error("too many failed logins; try again in {} seconds", .0.as_secs())]
    RateLimited(std::time::Duration),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<r2d2::Error> for AuthError {
    fn from(e: r2d2::Error) -> Self {
        AuthError::Store(e.into())
    }
}

/// An `Invalid` refusal.
pub fn invalid(field: &str, message: impl Into<String>) -> AuthError {
    AuthError::Invalid {
        field: field.into(),
        message: message.into(),
    }
}

/// A session just made: the cookie value (shown to the browser only) and its CSRF token.
pub struct NewSession {
    pub id: String,
    pub csrf: String,
    pub user: store::user::User,
}

/// Why a password sign-in is refused when `[auth.oidc] password_login = false`.
pub const PASSWORD_OFF: &str =
    "signing in with a password is turned off on this server: use the sign-in provider's button";

/// Checks an email and password and starts a session. Failures are counted per account from an
/// address and per address (`limiter`; never per account alone, so failing on purpose locks no
/// one out), answered a little later each time, and logged in the audit log.
pub fn login(
    ctx: &Ctx,
    limiter: &limiter::Limiter,
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> Result<NewSession, AuthError> {
    if !ctx.config.auth.password_login() {
        return Err(AuthError::Forbidden(PASSWORD_OFF.into()));
    }
    let ip_key = ip.unwrap_or("-");
    let email = Email::parse(email).map_err(|_| AuthError::BadCredentials)?;
    if let Some(wait) = limiter.retry_after(email.as_str(), ip_key) {
        tracing::warn!(email = %email, ip = ip_key, "login refused: too many failures");
        return Err(AuthError::RateLimited(wait));
    }
    let conn = ctx.store.app.get()?;
    let found = store::user::by_email(&conn, &email)?;
    let ok = password::verify(password, found.as_ref().and_then(|(_, h)| h.as_deref()));
    let user = match found {
        Some((user, _)) if ok && !user.disabled => user,
        _ => {
            let hold = limiter.failed(email.as_str(), ip_key);
            audit::record(&conn, Some(email.as_str()), "login.failed", None, ip, None);
            tracing::warn!(email = %email, ip = ip_key, "login failed");
            std::thread::sleep(hold);
            return Err(AuthError::BadCredentials);
        }
    };
    limiter.succeeded(email.as_str(), ip_key);
    let session = start_session(ctx, &conn, user, ip)?;
    audit::record(&conn, Some(&session.user.email), "login.ok", None, ip, None);
    Ok(session)
}

/// A new session for `user` (a sign-in: their last sign-in is now): a fresh random id every
/// time (no fixation), stored as its hash.
fn start_session(
    ctx: &Ctx,
    conn: &rusqlite::Connection,
    user: store::user::User,
    ip: Option<&str>,
) -> Result<NewSession, AuthError> {
    store::user::touch_login(conn, &user.id)?;
    let id = random_hex(32);
    let csrf = random_hex(32);
    let expires = Utc::now() + Duration::hours(ctx.config.auth.session_max_hours as i64);
    store::session::insert(
        conn,
        &ctx.store.secrets.hash(&id),
        &user.id,
        &csrf,
        &rfc3339(expires),
        ip,
    )?;
    Ok(NewSession { id, csrf, user })
}

/// The caller a session cookie stands for, if the session is alive (neither idle too long nor
/// past its end). Marks it used.
pub fn session_caller(ctx: &Ctx, cookie: &str) -> Result<Option<Caller>, StoreError> {
    if cookie.len() != 64 || !cookie.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let hash = ctx.store.secrets.hash(cookie);
    let conn = ctx.store.app.get()?;
    let Some(s) = store::session::get(&conn, &hash)? else {
        return Ok(None);
    };
    let now = Utc::now();
    let idle = Duration::minutes(ctx.config.auth.session_idle_minutes as i64);
    let alive = parse_time(&s.expires_at).is_some_and(|end| end > now)
        && parse_time(&s.last_seen_at).is_some_and(|seen| now - seen < idle);
    if !alive {
        store::session::delete(&conn, &hash)?;
        return Ok(None);
    }
    // Touch at most once a minute: most requests only read.
    if parse_time(&s.last_seen_at).is_some_and(|seen| now - seen > Duration::seconds(60)) {
        store::session::touch(&conn, &hash, &rfc3339(now))?;
    }
    Ok(Some(Caller {
        zone: chosen_zone(&conn, &s.user_id)?,
        sight: store::access::sight_of(&conn, &s.user_id, s.role)?,
        grants: crate::app::collection::grants(&conn, &s.user_id, s.role)?,
        viewing_as: None,
        user_id: s.user_id,
        email: s.email,
        role: s.role,
        via: Via::Session { csrf: s.csrf_token },
    }))
}

/// The caller an admin's session stands for while they view pages as user `target` ("View
/// as"): that user's role, sight and grants, the admin's session and zone. None when `admin` is
/// no admin's session or the user is gone or disabled.
pub fn view_as(ctx: &Ctx, admin: &Caller, target: &str) -> Result<Option<Caller>, StoreError> {
    if admin.role != Role::Admin || !matches!(admin.via, Via::Session { .. }) {
        return Ok(None);
    }
    let conn = ctx.store.app.get()?;
    let Some(user) = store::user::get(&conn, target)?.filter(|u| !u.disabled) else {
        return Ok(None);
    };
    Ok(Some(Caller {
        sight: store::access::sight_of(&conn, &user.id, user.role)?,
        grants: crate::app::collection::grants(&conn, &user.id, user.role)?,
        user_id: user.id,
        email: user.email,
        role: user.role,
        via: admin.via.clone(),
        zone: admin.zone,
        viewing_as: Some(admin.email.clone()),
    }))
}

/// The zone a user chose for pages, if any (a name no longer known counts as none).
fn chosen_zone(conn: &rusqlite::Connection, user_id: &str) -> Result<ViewZone, StoreError> {
    Ok(store::user::time_zone(conn, user_id)?
        .and_then(|z| zone_named(&z))
        .map(|tz| ViewZone {
            tz,
            from: ZoneFrom::Setting,
        })
        .unwrap_or_default())
}

/// Ends the session of this cookie, server-side.
pub fn logout(ctx: &Ctx, cookie: &str, ip: Option<&str>) -> Result<(), StoreError> {
    let conn = ctx.store.app.get()?;
    let hash = ctx.store.secrets.hash(cookie);
    if let Some(s) = store::session::get(&conn, &hash)? {
        audit::record(&conn, Some(&s.email), "logout", None, ip, None);
    }
    store::session::delete(&conn, &hash)?;
    Ok(())
}

/// The prefix of every API token, so one is recognisable in a leak scan.
pub const TOKEN_PREFIX: &str = "quire_";

/// The caller a bearer token stands for, if the token is live.
pub fn token_caller(ctx: &Ctx, token: &str) -> Result<Option<Caller>, StoreError> {
    let Some(secret) = token.strip_prefix(TOKEN_PREFIX) else {
        return Ok(None);
    };
    if secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let conn = ctx.store.app.get()?;
    let now = now_text();
    let Some(t) = store::token::find_live(&conn, &ctx.store.secrets.hash(token), &now)? else {
        return Ok(None);
    };
    store::token::touch(&conn, &t.id, &now)?;
    Ok(Some(Caller {
        zone: chosen_zone(&conn, &t.user_id)?,
        sight: store::access::sight_of(&conn, &t.user_id, t.role)?,
        grants: crate::app::collection::grants(&conn, &t.user_id, t.role)?,
        viewing_as: None,
        user_id: t.user_id,
        email: t.email,
        role: t.role,
        via: Via::Token {
            id: t.id,
            name: t.name,
        },
    }))
}

/// Makes an API token for `user_id`: its role at most the user's and at most `cap` (the role of
/// the caller asking: a viewer token cannot mint an admin one), its expiry in days (none:
/// never). Returns the record and the token, which is shown this once and stored only hashed.
pub fn create_token(
    ctx: &Ctx,
    user_id: &str,
    name: &str,
    role: Option<Role>,
    cap: Role,
    expires_in_days: Option<u32>,
) -> Result<(store::token::ApiToken, String), AuthError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid("name", "must be 1 to 100 characters"));
    }
    if let Err(m) = crate::model::text::no_control("name", name, false) {
        return Err(invalid("name", &m["name: ".len()..]));
    }
    if expires_in_days == Some(0) || expires_in_days.is_some_and(|d| d > 3650) {
        return Err(invalid("expiresInDays", "must be between 1 and 3650"));
    }
    let conn = ctx.store.app.get()?;
    let user = store::user::get(&conn, user_id)?
        .ok_or_else(|| AuthError::NotFound(format!("no user with id `{user_id}`")))?;
    let most = if user.role.allows(cap) {
        cap
    } else {
        user.role
    };
    let role = role.unwrap_or(most);
    if !most.allows(role) {
        return Err(invalid("role", format!("at most {most} here, not {role}")));
    }
    let token = format!("{TOKEN_PREFIX}{}", random_hex(32));
    let expires = expires_in_days.map(|d| rfc3339(Utc::now() + Duration::days(d as i64)));
    let record = store::token::insert(
        &conn,
        &user.id,
        name,
        role,
        &ctx.store.secrets.hash(&token),
        expires.as_deref(),
    )?;
    Ok((record, token))
}

/// The one-time setup link's token: made at start while there is no user, gone once one exists.
#[derive(Default)]
pub struct Setup {
    token: std::sync::Mutex<Option<String>>,
}

impl Setup {
    /// A new token when the store has no user yet (None otherwise).
    pub fn open_if_needed(ctx: &Ctx) -> Result<Setup, StoreError> {
        let users = store::user::count(&*ctx.store.app.get()?)?;
        Ok(Setup {
            token: std::sync::Mutex::new((users == 0).then(|| random_hex(24))),
        })
    }

    /// The token, while setup is open.
    pub fn token(&self) -> Option<String> {
        self.token.lock().expect("setup lock").clone()
    }

    /// The token while setup is open and still no user exists: a user added meanwhile (by
    /// `quire users add` while serving) closes it for good.
    pub fn live_token(&self, ctx: &Ctx) -> Result<Option<String>, StoreError> {
        let mut guard = self.token.lock().expect("setup lock");
        if guard.is_some() && store::user::count(&*ctx.store.app.get()?)? > 0 {
            *guard = None;
        }
        Ok(guard.clone())
    }

    /// Makes the first admin if `token` is the setup token and still no user exists; closes
    /// setup for good either way once a user exists.
    pub fn complete(
        &self,
        ctx: &Ctx,
        token: &str,
        email: &str,
        password: &str,
        ip: Option<&str>,
    ) -> Result<NewSession, AuthError> {
        let mut guard = self.token.lock().expect("setup lock");
        let expected = guard.as_deref().ok_or_else(|| {
            AuthError::Forbidden("setup is closed: an administrator exists".into())
        })?;
        if !constant_time_eq(expected.as_bytes(), token.as_bytes()) {
            return Err(AuthError::Forbidden("this setup link is not valid".into()));
        }
        let conn = ctx.store.app.get()?;
        if store::user::count(&conn)? > 0 {
            *guard = None;
            return Err(AuthError::Forbidden(
                "setup is closed: an administrator exists".into(),
            ));
        }
        let user = users::add(&conn, email, Role::Admin, Some(password), Some("setup"), ip)?;
        *guard = None;
        start_session(ctx, &conn, user, ip)
    }
}

/// Compares without stopping at the first difference.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Deletes sessions past their end and audit events past their retention.
pub fn expire(ctx: &Ctx) -> Result<(), StoreError> {
    let conn = ctx.store.app.get()?;
    let now = Utc::now();
    let idle = Duration::minutes(ctx.config.auth.session_idle_minutes as i64);
    store::session::expire(&conn, &rfc3339(now), &rfc3339(now - idle))?;
    let keep = Duration::days(ctx.config.audit.retention_days as i64);
    store::audit::expire(&conn, &rfc3339(now - keep))?;
    Ok(())
}
