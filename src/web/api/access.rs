//! `/api/v1/groups` and `/api/v1/row-policies`: who is in which group, and which rows of a
//! dataset each group sees (admins only, by the route table). A change to a group's members
//! counts from each member's next request.

use crate::app::access;
use crate::model::report::Filter;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// GET /api/v1/groups → every group with its members.
pub async fn groups(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    Ok(HttpResponse::Ok().json(web::block(move || access::groups(&ctx)).await??))
}

/// The body of POST /api/v1/groups.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroup {
    name: String,
}

/// POST /api/v1/groups `{name}` → 201 the group.
pub async fn create_group(
    state: web::Data<AppState>,
    body: JsonBody<NewGroup>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let g = web::block(move || access::create_group(&ctx, &body.0.name)).await??;
    Ok(HttpResponse::Created().json(g))
}

/// GET /api/v1/groups/{id} → the group with its members.
pub async fn group(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    Ok(HttpResponse::Ok().json(web::block(move || access::group(&ctx, &id)).await??))
}

/// DELETE /api/v1/groups/{id} → 204, with its memberships and row policies.
pub async fn delete_group(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || access::delete_group(&ctx, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/v1/groups/{id}/members/{userId} → 204.
pub async fn add_member(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (ctx, (group, user)) = (state.ctx.clone(), path.into_inner());
    web::block(move || access::add_member(&ctx, &group, &user)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// DELETE /api/v1/groups/{id}/members/{userId} → 204.
pub async fn remove_member(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, Problem> {
    let (ctx, (group, user)) = (state.ctx.clone(), path.into_inner());
    web::block(move || access::remove_member(&ctx, &group, &user)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// GET /api/v1/row-policies → every row policy.
pub async fn policies(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    Ok(HttpResponse::Ok().json(web::block(move || access::policies(&ctx)).await??))
}

/// The body of POST /api/v1/row-policies.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewPolicy {
    dataset: String,
    group_id: String,
    filter: Filter,
}

/// POST /api/v1/row-policies `{dataset, groupId, filter}` → 201 the policy.
pub async fn create_policy(
    state: web::Data<AppState>,
    body: JsonBody<NewPolicy>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, by) = (state.ctx.clone(), gate::principal(&req).email());
    let NewPolicy {
        dataset,
        group_id,
        filter,
    } = body.0;
    let p =
        web::block(move || access::create_policy(&ctx, &dataset, &group_id, filter, by.as_deref()))
            .await??;
    Ok(HttpResponse::Created().json(p))
}

/// GET /api/v1/row-policies/{id}
pub async fn policy(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    Ok(HttpResponse::Ok().json(web::block(move || access::policy(&ctx, &id)).await??))
}

/// DELETE /api/v1/row-policies/{id} → 204.
pub async fn delete_policy(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || access::delete_policy(&ctx, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}
