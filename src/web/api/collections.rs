//! `/api/v1/collections`: folders of reports and dashboards and who may see them. Anyone lists
//! the collections they may see (with their own personal one); editors make and change the
//! ones they may edit; only admins set permissions.

use crate::app::collection::{self, Change};
use crate::model::collection::{Collection, Permission};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Value};

/// A collection as the API shows one: with what the caller may do in it.
fn shown(c: &Collection, req: &HttpRequest) -> Result<Value, Problem> {
    let who = gate::principal(req);
    let mut v = serde_json::to_value(c).map_err(Problem::internal)?;
    // Their personal one may have been made by this very request.
    let theirs = who
        .caller()
        .is_some_and(|w| c.owner.as_deref() == Some(w.user_id.as_str()));
    v["access"] = match theirs {
        true => json!(crate::model::collection::Access::Edit),
        false => json!(who.grants().access(Some(c.id.as_str()))),
    };
    Ok(v)
}

/// GET /api/v1/collections → the collections the caller may see.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let caller = who
        .caller()
        .map(|c| (c.user_id.clone(), c.email.clone()))
        .ok_or_else(|| Problem::unauthorized("sign in"))?;
    let grants = who.grants();
    let all = web::block(move || collection::list(&ctx, (&caller.0, &caller.1), &grants)).await??;
    let shown: Vec<Value> = all
        .iter()
        .map(|c| shown(c, &req))
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(shown))
}

/// GET /api/v1/collections/{id}
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, grants) = (state.ctx_for(&req), gate::principal(&req).grants());
    let c = web::block(move || collection::get(&ctx, &id, &grants)).await??;
    Ok(HttpResponse::Ok().json(shown(&c, &req)?))
}

/// The body of POST and PUT /api/v1/collections.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CollectionBody {
    name: String,
    #[serde(default)]
    parent_id: Option<String>,
    /// What each group may do in it (admins only); none: its parent's.
    #[serde(default)]
    permissions: Vec<Permission>,
}

async fn save(
    state: &AppState,
    req: &HttpRequest,
    id: Option<String>,
    body: CollectionBody,
) -> Result<Collection, Problem> {
    let who = gate::principal(req);
    let (ctx, grants) = (state.ctx_for(req), who.grants());
    let role = who.role().ok_or_else(|| Problem::unauthorized("sign in"))?;
    let change = Change {
        name: body.name,
        parent_id: body.parent_id,
        permissions: body.permissions,
    };
    Ok(
        web::block(move || collection::save(&ctx, id.as_deref(), change, (role, &grants)))
            .await??,
    )
}

/// POST /api/v1/collections → 201 the collection.
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<CollectionBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let c = save(&state, &req, None, body.0).await?;
    Ok(HttpResponse::Created().json(shown(&c, &req)?))
}

/// PUT /api/v1/collections/{id} → the collection.
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<CollectionBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let c = save(&state, &req, Some(id.into_inner()), body.0).await?;
    Ok(HttpResponse::Ok().json(shown(&c, &req)?))
}

/// DELETE /api/v1/collections/{id} → 204 (an empty one only).
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, grants) = (state.ctx_for(&req), gate::principal(&req).grants());
    web::block(move || collection::delete(&ctx, &id, &grants)).await??;
    Ok(HttpResponse::NoContent().finish())
}
