//! `quire users ...` and `quire tokens ...`: accounts from the command line, on the data folder
//! directly (with or without a server running). Passwords are read from stdin, one line.

use super::Failure;
use crate::app::Ctx;
use crate::auth::{self, users, AuthError};
use crate::config::Config;
use crate::model::user::Role;
use crate::store::{self, Store};
use clap::Subcommand;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum UsersAction {
    /// Add a user; the password is read from stdin (one line).
    #[command(after_help = super::help::USERS)]
    Add {
        /// The user's email, their sign-in name.
        email: String,
        /// admin, editor or viewer.
        #[arg(long)]
        role: String,
    },
    /// Every user with role and status.
    #[command(after_help = super::help::USERS)]
    List,
    /// Change a user's role.
    #[command(after_help = super::help::USERS)]
    SetRole {
        /// The user's email.
        email: String,
        /// admin, editor or viewer.
        role: String,
    },
    /// Disable a user: their sessions end, their tokens stop working.
    #[command(after_help = super::help::USERS)]
    Disable {
        /// The user's email.
        email: String,
    },
    /// Set a new password, read from stdin (one line); the user's sessions end.
    #[command(after_help = super::help::USERS)]
    ResetPassword {
        /// The user's email.
        email: String,
    },
}

#[derive(Subcommand)]
pub enum TokensAction {
    /// Make an API token for a user; it is printed once, alone on the last line.
    #[command(after_help = super::help::TOKENS)]
    Create {
        /// The email of the user the token acts as.
        email: String,
        /// A name to recognise it by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// At most the user's role (default: the user's).
        #[arg(long)]
        role: Option<String>,
        /// Days until it expires (default: never).
        #[arg(long = "expires-days")]
        expires_days: Option<u32>,
    },
    /// Every token (never the tokens themselves).
    #[command(after_help = super::help::TOKENS)]
    List,
    /// Revoke a token by id.
    #[command(after_help = super::help::TOKENS)]
    Revoke {
        /// The token's id (`quire tokens list` shows them).
        id: String,
    },
}

impl From<AuthError> for Failure {
    fn from(e: AuthError) -> Failure {
        match e {
            AuthError::Store(s) => Failure::other(s),
            other => Failure::usage(other.to_string()),
        }
    }
}

fn open(config: Config) -> Result<Ctx, Failure> {
    let store = Store::open(&config.storage.data_dir, &config.sources, 0).map_err(|e| {
        Failure::other(format!(
            "opening the data folder {}: {e}",
            config.storage.data_dir.display()
        ))
    })?;
    Ok(Ctx {
        config: Arc::new(config),
        store,
        sight: crate::model::access::Sight::All,
        grants: crate::model::collection::Grants::all(),
    })
}

fn role(s: &str) -> Result<Role, Failure> {
    Role::parse(s)
        .ok_or_else(|| Failure::usage(format!("role: `{s}` is not admin, editor or viewer")))
}

/// One line from stdin, without its line end.
fn password_from_stdin() -> Result<String, Failure> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Failure::other(format!("reading the password from stdin: {e}")))?;
    let p = line.trim_end_matches(['\r', '\n']).to_string();
    if p.is_empty() {
        return Err(Failure::usage(
            "password: give it on stdin, one line (e.g. `echo '…' | quire users add …`)",
        ));
    }
    Ok(p)
}

/// Runs `quire users ...`.
pub fn users_cmd(config: Config, action: UsersAction) -> Result<(), Failure> {
    let ctx = open(config)?;
    let conn = ctx.store.app.get().map_err(Failure::other)?;
    let actor = Some("cli");
    match action {
        UsersAction::Add { email, role: r } => {
            let r = role(&r)?;
            let password = password_from_stdin()?;
            let u = users::add(&conn, &email, r, Some(&password), actor, None)?;
            println!("added {} ({})", u.email, u.role);
        }
        UsersAction::List => {
            for u in store::user::list(&conn).map_err(Failure::other)? {
                let status = if u.disabled {
                    "disabled"
                } else if u.signs_in_with_provider {
                    "active (provider)"
                } else if !u.has_password {
                    "invited"
                } else {
                    "active"
                };
                println!(
                    "{}\t{}\t{status}\tlast sign-in {}",
                    u.email,
                    u.role,
                    u.last_login_at.as_deref().unwrap_or("never")
                );
            }
        }
        UsersAction::SetRole { email, role: r } => {
            let u = users::set_role(&conn, &email, role(&r)?, actor, None)?;
            println!("{} is now {}", u.email, u.role);
        }
        UsersAction::Disable { email } => {
            let u = users::set_disabled(&conn, &email, true, actor, None)?;
            println!("{} is disabled; their sessions ended", u.email);
        }
        UsersAction::ResetPassword { email } => {
            let password = password_from_stdin()?;
            let u = users::set_password(&conn, &email, &password, actor, None)?;
            println!("password of {} set; their sessions ended", u.email);
        }
    }
    Ok(())
}

/// Runs `quire tokens ...`.
pub fn tokens_cmd(config: Config, action: TokensAction) -> Result<(), Failure> {
    let ctx = open(config)?;
    let conn = ctx.store.app.get().map_err(Failure::other)?;
    match action {
        TokensAction::Create {
            email,
            name,
            role: r,
            expires_days,
        } => {
            let r = r.as_deref().map(role).transpose()?;
            let user = users::find(&conn, &email)?;
            // The token is made on a connection of its own: this one is put back first.
            drop(conn);
            let (t, token) = auth::create_token(&ctx, &user.id, &name, r, user.role, expires_days)?;
            let conn = ctx.store.app.get().map_err(Failure::other)?;
            auth::audit::record(
                &conn,
                Some("cli"),
                "token.create",
                Some(&t.name),
                None,
                Some(&user.email),
            );
            println!(
                "token `{}` for {} ({}), expires {}; it is shown this once:",
                t.name,
                t.email,
                t.role,
                t.expires_at.as_deref().unwrap_or("never")
            );
            println!("{token}");
        }
        TokensAction::List => {
            for t in store::token::list(&conn, None).map_err(Failure::other)? {
                let state = match (&t.revoked_at, &t.expires_at) {
                    (Some(_), _) => "revoked",
                    _ => "live",
                };
                println!(
                    "{}\t{}\t{}\t{}\t{state}\texpires {}\tlast used {}",
                    t.id,
                    t.email,
                    t.name,
                    t.role,
                    t.expires_at.as_deref().unwrap_or("never"),
                    t.last_used_at.as_deref().unwrap_or("never")
                );
            }
        }
        TokensAction::Revoke { id } => {
            let t = store::token::get(&conn, &id)
                .map_err(Failure::other)?
                .ok_or_else(|| {
                    Failure::usage(format!(
                        "no token with id `{}`",
                        crate::model::text::truncate(&id, 60)
                    ))
                })?;
            if store::token::revoke(&conn, &t.id).map_err(Failure::other)? {
                auth::audit::record(
                    &conn,
                    Some("cli"),
                    "token.revoke",
                    Some(&t.name),
                    None,
                    Some(&t.email),
                );
                println!("token `{}` of {} revoked", t.name, t.email);
            } else {
                println!("token `{}` of {} was revoked already", t.name, t.email);
            }
        }
    }
    Ok(())
}
