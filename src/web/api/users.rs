//! `/api/v1/users`: administrators manage accounts (the route table admits admins only).

use crate::auth::{users, AuthError};
use crate::model::user::Role;
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::json;

/// GET /api/v1/users
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let all = web::block(move || store::user::list(&*ctx.store.app.get()?)).await??;
    Ok(HttpResponse::Ok().json(all))
}

/// The body of POST /api/v1/users.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    email: String,
    role: Role,
    /// Without one, the answer carries an invite link for the user to choose theirs.
    password: Option<String>,
}

/// POST /api/v1/users → 201 the user (and `inviteUrl` when no password was given).
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<NewUser>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let NewUser {
        email,
        role,
        password,
    } = body.0;
    let (ctx, who, ip) = (
        state.ctx.clone(),
        gate::principal(&req),
        gate::client_ip(&req),
    );
    let (user, invite) = web::block(move || -> Result<_, AuthError> {
        let conn = ctx.store.app.get()?;
        let user = users::add(
            &conn,
            &email,
            role,
            password.as_deref(),
            who.actor().as_deref(),
            ip.as_deref(),
        )?;
        let invite = match password {
            None => Some(users::one_time_link(&ctx, &conn, &user, "invite")?),
            Some(_) => None,
        };
        Ok((user, invite))
    })
    .await??;
    let mut v = serde_json::to_value(&user).map_err(Problem::internal)?;
    if let Some(url) = invite {
        v["inviteUrl"] = json!(url);
    }
    Ok(HttpResponse::Created().json(v))
}

/// GET /api/v1/users/{id}
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let user = web::block(move || users::find(&*ctx.store.app.get()?, &id)).await??;
    Ok(HttpResponse::Ok().json(user))
}

/// The body of PATCH /api/v1/users/{id}.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    role: Option<Role>,
    disabled: Option<bool>,
}

/// PATCH /api/v1/users/{id} `{role?, disabled?}`
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<Patch>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let Patch { role, disabled } = body.0;
    let (ctx, who, ip) = (
        state.ctx.clone(),
        gate::principal(&req),
        gate::client_ip(&req),
    );
    let user = web::block(move || -> Result<_, AuthError> {
        let conn = ctx.store.app.get()?;
        let actor = who.actor();
        let mut user = users::find(&conn, &id)?;
        if let Some(r) = role {
            user = users::set_role(&conn, &user.id, r, actor.as_deref(), ip.as_deref())?;
        }
        if let Some(d) = disabled {
            user = users::set_disabled(&conn, &user.id, d, actor.as_deref(), ip.as_deref())?;
        }
        Ok(user)
    })
    .await??;
    Ok(HttpResponse::Ok().json(user))
}

/// DELETE /api/v1/users/{id} → 204
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, who, ip) = (
        state.ctx.clone(),
        gate::principal(&req),
        gate::client_ip(&req),
    );
    web::block(move || -> Result<_, AuthError> {
        let conn = ctx.store.app.get()?;
        users::delete(&conn, &id, who.actor().as_deref(), ip.as_deref())
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}
