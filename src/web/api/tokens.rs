//! `/api/v1/tokens`: API tokens. Each user manages their own; administrators see and revoke all.

use crate::auth::{self, AuthError};
use crate::model::user::Role;
use crate::store;
use crate::web::account::tokens::revoke_token;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// GET /api/v1/tokens: the caller's (an administrator's: everyone's). Never the tokens.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let c = who
        .caller()
        .cloned()
        .ok_or_else(|| Problem::unauthorized("sign in first"))?;
    let ctx = state.ctx_for(&req);
    let all = web::block(move || {
        let admin = c.role == Role::Admin;
        store::token::list(
            &*ctx.store.app.get()?,
            (!admin).then_some(c.user_id.as_str()),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(all))
}

/// The body of POST /api/v1/tokens.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewToken {
    name: String,
    role: Option<Role>,
    expires_in_days: Option<u32>,
}

/// POST /api/v1/tokens → 201 `{id, token, ...}`: the token is shown this once.
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<NewToken>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let c = who
        .caller()
        .cloned()
        .ok_or_else(|| Problem::unauthorized("sign in first"))?;
    let NewToken {
        name,
        role,
        expires_in_days,
    } = body.0;
    let (ctx, ip, actor) = (state.ctx_for(&req), gate::client_ip(&req), who.actor());
    let (record, token) = web::block(move || -> Result<_, AuthError> {
        let made = auth::create_token(&ctx, &c.user_id, &name, role, c.role, expires_in_days)?;
        let conn = ctx.store.app.get()?;
        auth::audit::record(
            &conn,
            actor.as_deref(),
            "token.create",
            Some(&made.0.name),
            ip.as_deref(),
            Some(made.0.role.as_str()),
        );
        Ok(made)
    })
    .await??;
    let mut v = serde_json::to_value(&record).map_err(Problem::internal)?;
    v["token"] = json!(token);
    Ok(HttpResponse::Created().json(v))
}

/// DELETE /api/v1/tokens/{id} → 204: revoked.
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    revoke_token(&state, &gate::principal(&req), &id, gate::client_ip(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
