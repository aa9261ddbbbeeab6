//! `/api/v1/auth`: log in (a session cookie for browsers and scripts), log out, who am I.

use crate::auth::{self, Via};
use crate::web::account::{end_session, session_cookie};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// The body of POST /api/v1/auth/login.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    email: String,
    password: String,
}

/// POST /api/v1/auth/login → 200 `{user, csrfToken}` and the session cookie; 401; 429.
pub async fn login(
    state: web::Data<AppState>,
    body: JsonBody<Credentials>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let Credentials { email, password } = body.0;
    let (st, ip) = (state.clone(), gate::client_ip(&req));
    let session =
        web::block(move || auth::login(&st.ctx, &st.limiter, &email, &password, ip.as_deref()))
            .await??;
    let u = &session.user;
    Ok(HttpResponse::Ok()
        .cookie(session_cookie(
            &state,
            &session.id,
            Some(state.ctx.config.auth.session_max_hours),
        ))
        .json(json!({
            "user": { "id": u.id, "email": u.email, "role": u.role },
            "csrfToken": session.csrf,
        })))
}

/// POST /api/v1/auth/logout → 204; the session is dead server-side.
pub async fn logout(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    end_session(&state, &req).await?;
    Ok(HttpResponse::NoContent()
        .cookie(session_cookie(&state, "", None))
        .finish())
}

/// GET /api/v1/auth/me → the caller and, for a session, its CSRF token.
pub async fn me(req: HttpRequest) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let c = who
        .caller()
        .ok_or_else(|| Problem::unauthorized("sign in first"))?;
    let (csrf, via) = match &c.via {
        Via::Session { csrf } => (Some(csrf.clone()), "session"),
        Via::Token { .. } => (None, "token"),
    };
    Ok(HttpResponse::Ok().json(json!({
        "user": { "id": c.user_id, "email": c.email, "role": c.role },
        "csrfToken": csrf,
        "via": via,
    })))
}
