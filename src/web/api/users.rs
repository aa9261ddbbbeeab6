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
        state.ctx_for(&req),
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
    Ok(HttpResponse::Ok().json(with_access(&state.ctx, user).await?))
}

/// The body of PATCH /api/v1/users/{id}.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Patch {
    role: Option<Role>,
    disabled: Option<bool>,
    /// Replaces the user's attributes (row policies quote them as `{{user.<key>}}`).
    attributes: Option<std::collections::BTreeMap<String, String>>,
}

/// PATCH /api/v1/users/{id} `{role?, disabled?}`
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<Patch>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let Patch {
        role,
        disabled,
        attributes,
    } = body.0;
    if let Some(a) = &attributes {
        crate::app::access::check_attributes(a)?;
    }
    let (ctx, who, ip) = (
        state.ctx_for(&req),
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
        if let Some(a) = &attributes {
            store::access::set_attributes(&conn, &user.id, a)?;
            let detail = a.keys().cloned().collect::<Vec<_>>().join(", ");
            crate::auth::audit::record(
                &conn,
                actor.as_deref(),
                "user.attributes",
                Some(&user.email),
                ip.as_deref(),
                Some(&detail),
            );
        }
        Ok(user)
    })
    .await??;
    let ctx = state.ctx.clone();
    Ok(HttpResponse::Ok().json(with_access(&ctx, user).await?))
}

/// DELETE /api/v1/users/{id} → 204
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, who, ip) = (
        state.ctx_for(&req),
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

/// A user as the API shows one: with their attributes and the names of their groups.
async fn with_access(
    ctx: &crate::app::Ctx,
    user: store::user::User,
) -> Result<serde_json::Value, Problem> {
    let (c, id) = (ctx.clone(), user.id.clone());
    let (attributes, groups) = web::block(move || -> Result<_, crate::app::edit::EditError> {
        Ok((
            crate::app::access::attributes(&c, &id)?,
            crate::app::access::groups_of(&c, &id)?,
        ))
    })
    .await??;
    let mut v = serde_json::to_value(&user).map_err(Problem::internal)?;
    v["attributes"] = json!(attributes);
    v["groups"] = json!(groups
        .iter()
        .map(|g| json!({"id": g.id, "name": g.name}))
        .collect::<Vec<_>>());
    Ok(v)
}
