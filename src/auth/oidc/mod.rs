//! Sign-in with OpenID Connect (`[auth.oidc]`): the authorization code flow with PKCE.
//!
//! `begin` sends the browser to the provider with a fresh `state`, `nonce` and PKCE challenge;
//! the state is kept (as its keyed hash, for ten minutes, used once) with the nonce and the
//! verifier, and set in a cookie so the answer must come back to the browser that asked.
//! `finish` takes that state out (a replayed one is unknown), trades the code for tokens, checks
//! the ID token (`provider`) and signs the account in (`account`), making it at the first
//! sign-in and updating its groups and attributes from the claims every time.

mod account;
mod provider;

pub use provider::{Claims, Provider};

use super::NewSession;
use crate::app::Ctx;
use crate::model::time::rfc3339;
use crate::store::{self, secret::random_hex, StoreError};
use base64::Engine as _;
use chrono::{Duration, Utc};
use sha2::Digest;

/// How long a trip to the provider may take.
const TRIP_MINUTES: i64 = 10;
/// Most sign-ins under way at once (each costs a row until it ends or expires).
const MAX_PENDING: u64 = 10_000;

/// Why a sign-in through the provider failed; every message is for the person signing in.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("sign-in with OpenID Connect is not set up on this server")]
    NotConfigured,
    #[error("the sign-in provider ({0}) could not be reached; try again in a moment")]
    Unreachable(String),
    #[error("the sign-in provider answered something Quire cannot use: {0}")]
    Provider(String),
    #[error("the sign-in provider refused: {0}")]
    Denied(String),
    #[error("this sign-in has expired, was used already or was started in another browser: sign in again")]
    UnknownState,
    #[error("the provider's ID token was refused: {0}")]
    Token(String),
    #[error("{0}")]
    Account(String),
    #[error("too many sign-ins are under way; try again in a minute")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a sign-in task failed: {0}")]
    Internal(String),
}

/// A trip to the provider, ready to go: where to send the browser, and the state its cookie
/// holds.
pub struct Trip {
    pub url: String,
    pub state: String,
}

/// The address the provider sends the browser back to.
pub fn redirect_uri(ctx: &Ctx) -> String {
    format!("{}/auth/oidc/callback", ctx.config.server.public_url())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, OidcError> + Send + 'static,
) -> Result<T, OidcError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| OidcError::Internal(e.to_string()))?
}

/// Starts a sign-in that ends at `next` (a local path, checked by the caller).
pub async fn begin(ctx: &Ctx, provider: &Provider, next: String) -> Result<Trip, OidcError> {
    let d = provider.discovery().await?;
    let state = random_hex(32);
    let nonce = random_hex(32);
    // 64 hex characters: within PKCE's 43 to 128 unreserved ones.
    let verifier = random_hex(32);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let url = provider.authorize_url(&d, &redirect_uri(ctx), &state, &nonce, &challenge);
    let (ctx, hash) = (ctx.clone(), ctx.store.secrets.hash(&state));
    blocking(move || {
        let conn = ctx.store.app.get().map_err(StoreError::from)?;
        let now = Utc::now();
        if store::oidc::sweep(&conn, &rfc3339(now))? >= MAX_PENDING {
            return Err(OidcError::Busy);
        }
        let pending = store::oidc::PendingLogin {
            nonce,
            verifier,
            next,
            expires_at: rfc3339(now + Duration::minutes(TRIP_MINUTES)),
        };
        store::oidc::insert_login(&conn, &hash, &pending)?;
        Ok(())
    })
    .await?;
    Ok(Trip { url, state })
}

/// What the provider sent the browser back with.
pub struct Answer {
    pub state: String,
    pub code: String,
    /// The state the browser's cookie holds.
    pub cookie: Option<String>,
}

/// Ends a sign-in: the session, and where to go.
pub async fn finish(
    ctx: &Ctx,
    provider: &Provider,
    answer: Answer,
    ip: Option<String>,
) -> Result<(NewSession, String), OidcError> {
    let same_browser = answer
        .cookie
        .as_deref()
        .is_some_and(|c| super::constant_time_eq(c.as_bytes(), answer.state.as_bytes()));
    let (c, hash) = (ctx.clone(), ctx.store.secrets.hash(&answer.state));
    // Taken out first, whatever follows: a state works once.
    let pending = blocking(move || {
        let conn = c.store.app.get().map_err(StoreError::from)?;
        Ok(store::oidc::take_login(&conn, &hash)?)
    })
    .await?;
    let pending = match pending {
        Some(p) if same_browser && p.expires_at > rfc3339(Utc::now()) => p,
        _ => return Err(OidcError::UnknownState),
    };
    if answer.code.is_empty() || answer.code.len() > 2048 {
        return Err(OidcError::Provider("it sent no usable code".into()));
    }
    let d = provider.discovery().await?;
    let id_token = provider
        .exchange(&d, &answer.code, &pending.verifier, &redirect_uri(ctx))
        .await?;
    let claims = provider.verify(&d, &id_token, &pending.nonce).await?;
    let (c, config, issuer) = (
        ctx.clone(),
        provider.config.clone(),
        provider.issuer().to_string(),
    );
    let session =
        blocking(move || account::sign_in(&c, &config, &issuer, &claims, ip.as_deref())).await?;
    Ok((session, pending.next))
}
