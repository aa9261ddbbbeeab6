//! `/auth/oidc/login` (to the provider) and `/auth/oidc/callback` (back from it): the two
//! public routes of sign-in with OpenID Connect. A failure is the login page saying why.

use super::{html, local, signed_in, LoginPage, NextQuery};
use crate::auth::oidc::{self, OidcError};
use crate::auth::Principal;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The cookie holding the state of the sign-in under way (this browser's, checked on return).
const STATE_COOKIE: &str = "quire_oidc";

fn state_cookie(state: &AppState, value: &str, keep: bool) -> Cookie<'static> {
    let https = state.ctx.config.server.public_url().starts_with("https://");
    let mut c = Cookie::build(STATE_COOKIE, value.to_string())
        .path("/auth/oidc")
        .http_only(true)
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .secure(https)
        .finish();
    if keep {
        c.set_max_age(actix_web::cookie::time::Duration::minutes(10));
    } else {
        c.make_removal();
    }
    c
}

/// The login page saying why a sign-in through the provider failed.
fn failed(state: &AppState, e: OidcError) -> Result<HttpResponse, Problem> {
    let status = match &e {
        OidcError::NotConfigured => Some(StatusCode::NOT_FOUND),
        OidcError::Unreachable(_) | OidcError::Provider(_) => Some(StatusCode::BAD_GATEWAY),
        OidcError::Denied(_) | OidcError::Token(_) => Some(StatusCode::UNAUTHORIZED),
        OidcError::UnknownState => Some(StatusCode::BAD_REQUEST),
        OidcError::Account(_) => Some(StatusCode::FORBIDDEN),
        OidcError::Busy => Some(StatusCode::TOO_MANY_REQUESTS),
        OidcError::Store(_) | OidcError::Internal(_) => None,
    };
    // A busy database is a 503 as anywhere else; the rest is internal (never shown).
    let Some(status) = status else {
        return Err(match e {
            OidcError::Store(s) => Problem::from(s),
            other => Problem::internal(other),
        }
        .html());
    };
    tracing::warn!(error = %e, "sign-in with OpenID Connect failed");
    let mut res = html(
        status,
        LoginPage::new(
            state,
            &Principal::Anonymous,
            "/".into(),
            Some(e.to_string()),
        ),
    )?;
    res.add_cookie(&state_cookie(state, "", false))
        .map_err(|e| Problem::internal(e).html())?;
    Ok(res)
}

/// GET /auth/oidc/login?next=: to the provider, with this browser's state in a cookie.
pub async fn login(
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, Problem> {
    let Some(provider) = state.oidc.clone() else {
        return failed(&state, OidcError::NotConfigured);
    };
    let next = local(q.next.as_deref());
    match oidc::begin(&state.ctx, &provider, next).await {
        Ok(trip) => Ok(HttpResponse::SeeOther()
            .cookie(state_cookie(&state, &trip.state, true))
            .insert_header((header::LOCATION, trip.url))
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .finish()),
        Err(e) => failed(&state, e),
    }
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// GET /auth/oidc/callback?code=&state=: signs in and goes where the sign-in began, or the
/// login page saying why not.
pub async fn callback(
    state: web::Data<AppState>,
    q: web::Query<CallbackQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let Some(provider) = state.oidc.clone() else {
        return failed(&state, OidcError::NotConfigured);
    };
    let q = q.into_inner();
    if let Some(error) = q.error {
        let why = match error.as_str() {
            "access_denied" => "sign-in was cancelled or not allowed".to_string(),
            _ => q.error_description.unwrap_or(error),
        };
        return failed(
            &state,
            OidcError::Denied(crate::model::text::truncate(&why, 200)),
        );
    }
    let answer = oidc::Answer {
        state: q.state.unwrap_or_default(),
        code: q.code.unwrap_or_default(),
        cookie: req.cookie(STATE_COOKIE).map(|c| c.value().to_string()),
    };
    if answer.state.is_empty() || answer.state.len() > 128 {
        return failed(&state, OidcError::UnknownState);
    }
    let ip = gate::client_ip(&req);
    match oidc::finish(&state.ctx, &provider, answer, ip).await {
        Ok((session, next)) => {
            tracing::info!(email = %session.user.email, "signed in with OpenID Connect");
            let mut res = signed_in(&state, &session, &next);
            res.add_cookie(&state_cookie(&state, "", false))
                .map_err(|e| Problem::internal(e).html())?;
            Ok(res)
        }
        Err(e) => failed(&state, e),
    }
}

impl LoginPage {
    /// The login page: the provider's button when `[auth.oidc]` is set, the password form
    /// unless it is turned off.
    pub fn new(
        state: &AppState,
        who: &Principal,
        next: String,
        error: Option<String>,
    ) -> LoginPage {
        let auth = &state.ctx.config.auth;
        LoginPage {
            layout: Layout::bare(&state.ctx, who),
            next,
            email: String::new(),
            error,
            provider: auth.oidc.as_ref().map(|o| o.display_name()),
            password_login: auth.password_login(),
        }
    }
}
