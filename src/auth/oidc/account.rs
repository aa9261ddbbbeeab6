//! The account a provider's ID token signs in: the one it signed in before (by issuer and
//! subject), else the user with its (not unverified) email address, else a new user with the
//! configured role. Its groups and attributes follow the claims at every sign-in.

use super::{Claims, OidcError};
use crate::app::Ctx;
use crate::auth::{audit, start_session, users, NewSession};
use crate::config::OidcConfig;
use crate::model::text::truncate;
use crate::model::user::Email;
use crate::store;
use rusqlite::Connection;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Most groups a sign-in takes from its claim; a longer list is cut.
const MAX_CLAIMED_GROUPS: usize = 100;
/// Most groups a server has (as `app::access` allows).
const MAX_GROUPS: usize = 1000;

/// Signs in the account `claims` stand for.
pub fn sign_in(
    ctx: &Ctx,
    config: &OidcConfig,
    issuer: &str,
    claims: &Claims,
    ip: Option<&str>,
) -> Result<NewSession, OidcError> {
    let conn = ctx.store.app.get().map_err(store::StoreError::from)?;
    let user = match store::oidc::identity(&conn, issuer, &claims.sub)? {
        Some(id) => store::user::get(&conn, &id)?,
        None => None,
    };
    let user = match user {
        Some(u) => u,
        None => first_sign_in(&conn, config, issuer, claims, ip)?,
    };
    if !config.allows(&user.email) {
        audit::record(
            &conn,
            Some(&user.email),
            "login.failed",
            None,
            ip,
            Some("oidc: domain"),
        );
        return Err(OidcError::Account(format!(
            "{} may not sign in here: this server takes addresses of {} only",
            user.email,
            config.allowed_domains.join(", ")
        )));
    }
    if user.disabled {
        audit::record(
            &conn,
            Some(&user.email),
            "login.failed",
            None,
            ip,
            Some("oidc: disabled"),
        );
        return Err(OidcError::Account(
            "this account is disabled: ask an administrator".into(),
        ));
    }
    if let Some(claim) = &config.groups_claim {
        sync_groups(&conn, &user.id, claimed_groups(claims.other.get(claim)))?;
    }
    if !config.attribute_claims.is_empty() {
        sync_attributes(&conn, &user.id, config, claims)?;
    }
    let session = start_session(ctx, &conn, user, ip).map_err(|e| match e {
        crate::auth::AuthError::Store(s) => OidcError::Store(s),
        other => OidcError::Internal(other.to_string()),
    })?;
    audit::record(
        &conn,
        Some(&session.user.email),
        "login.ok",
        None,
        ip,
        Some("oidc"),
    );
    Ok(session)
}

/// The user a provider account is at its first sign-in here: the one with its email address
/// (unless the provider says it is unverified), or a new one.
fn first_sign_in(
    conn: &Connection,
    config: &OidcConfig,
    issuer: &str,
    claims: &Claims,
    ip: Option<&str>,
) -> Result<store::user::User, OidcError> {
    let raw = claims.email.as_deref().unwrap_or("").trim();
    if raw.is_empty() {
        return Err(OidcError::Account(
            "the provider gave no email address: add the `email` scope to auth.oidc.scopes".into(),
        ));
    }
    let email = Email::parse(raw).map_err(|m| {
        OidcError::Account(format!(
            "the provider's email address `{}` cannot be used: {m}",
            truncate(raw, 80)
        ))
    })?;
    if claims.email_unverified() {
        return Err(OidcError::Account(format!(
            "the provider says {email} is not verified: verify it there, then sign in again"
        )));
    }
    if !config.allows(email.as_str()) {
        return Err(OidcError::Account(format!(
            "{email} may not sign in here: this server takes addresses of {} only",
            config.allowed_domains.join(", ")
        )));
    }
    let user = match store::user::by_email(conn, &email)? {
        Some((u, _)) => u,
        None if !config.create_users => {
            return Err(OidcError::Account(format!(
                "{email} has no account here: ask an administrator to add you"
            )))
        }
        None => users::add(
            conn,
            email.as_str(),
            config.default_role,
            None,
            Some("oidc"),
            ip,
        )
        .map_err(|e| match e {
            crate::auth::AuthError::Store(s) => OidcError::Store(s),
            other => OidcError::Account(other.to_string()),
        })?,
    };
    store::oidc::link(conn, issuer, &claims.sub, &user.id)?;
    audit::record(
        conn,
        Some("oidc"),
        "user.link",
        Some(&user.email),
        ip,
        Some(issuer),
    );
    Ok(user)
}

/// The group names a claim lists (an array of strings, or one string), trimmed, 1 to 100
/// characters without control characters, at most 100.
fn claimed_groups(claim: Option<&Value>) -> Vec<String> {
    let names: Vec<&str> = match claim {
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        Some(Value::String(s)) => vec![s.as_str()],
        _ => Vec::new(),
    };
    let mut seen = BTreeSet::new();
    names
        .into_iter()
        .map(str::trim)
        .filter(|n| !n.is_empty() && n.chars().count() <= 100 && !n.chars().any(char::is_control))
        .filter(|n| seen.insert(n.to_lowercase()))
        .take(MAX_CLAIMED_GROUPS)
        .map(String::from)
        .collect()
}

/// Makes the user's groups those the claim names (a group named there and not here is made).
fn sync_groups(conn: &Connection, user: &str, names: Vec<String>) -> Result<(), OidcError> {
    let existing = store::access::groups(conn)?;
    let mut wanted = BTreeSet::new();
    for name in &names {
        let found = existing
            .iter()
            .find(|g| g.name.to_lowercase() == name.to_lowercase())
            .map(|g| g.id.as_str().to_string());
        let id = match found {
            Some(id) => id,
            None if existing.len() + wanted.len() < MAX_GROUPS => {
                match store::access::insert_group(conn, name)? {
                    Some(g) => g.id.as_str().to_string(),
                    None => continue,
                }
            }
            None => {
                tracing::warn!(group = %truncate(name, 60), "a group named by the provider was not made: the server has {MAX_GROUPS} groups");
                continue;
            }
        };
        wanted.insert(id);
    }
    let current: BTreeSet<String> = store::access::groups_of(conn, user)?
        .into_iter()
        .map(|g| g.id.as_str().to_string())
        .collect();
    for gone in current.difference(&wanted) {
        store::access::remove_member(conn, gone, user)?;
    }
    for new in wanted.difference(&current) {
        store::access::add_member(conn, new, user)?;
    }
    Ok(())
}

/// Sets each configured attribute from its claim (a string, number or boolean; gone when the
/// claim is missing); the user's other attributes stay.
fn sync_attributes(
    conn: &Connection,
    user: &str,
    config: &OidcConfig,
    claims: &Claims,
) -> Result<(), OidcError> {
    let mut attributes: BTreeMap<String, String> = store::access::attributes(conn, user)?;
    for key in &config.attribute_claims {
        let value = match claims.other.get(key) {
            Some(Value::String(s)) => Some(s.trim().to_string()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
            _ => None,
        };
        match value {
            Some(v) => {
                attributes.insert(key.clone(), v);
            }
            None => {
                attributes.remove(key);
            }
        }
    }
    if let Err(e) = crate::app::access::check_attributes(&attributes) {
        tracing::warn!(error = %e, "the provider's claims do not fit the user's attributes: kept as they were");
        return Ok(());
    }
    store::access::set_attributes(conn, user, &attributes)?;
    Ok(())
}
