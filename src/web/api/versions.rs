//! Versions of reports, dashboards and schedules (`/api/v1/{reports|dashboards|schedules}/{id}/
//! versions...`: one handler per action, the kind read from the path), and the trash
//! (`/api/v1/trash`).

use crate::app::version::{self, diff::Change};
use crate::model::version::{Kept, Trashed, Version};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

/// The kind of object the path names (`/api/v1/dashboards/...` → a dashboard).
fn kind_of(req: &HttpRequest) -> Kept {
    let path = req.path();
    if path.starts_with("/api/v1/dashboards/") {
        Kept::Dashboard
    } else if path.starts_with("/api/v1/schedules/") {
        Kept::Schedule
    } else {
        Kept::Report
    }
}

/// GET .../{id}/versions → the versions, newest first.
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let versions: Vec<Version> = web::block(move || version::list(&ctx, kind, &id)).await??;
    Ok(HttpResponse::Ok().json(versions))
}

/// GET .../{id}/versions/{v} → that version's definition (headers say who saved it, when).
pub async fn get(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, v) = path.into_inner();
    let n = crate::web::versions::number(&v)?;
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let (v, body) = web::block(move || version::get(&ctx, kind, &id, n)).await??;
    let mut res = HttpResponse::Ok();
    res.insert_header(("X-Quire-Version", v.version.to_string()))
        .insert_header(("X-Quire-Version-At", v.at));
    Ok(res.json(version::shown(kind, body)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NameBody {
    /// The version's name; null or blank removes it.
    name: Option<String>,
}

/// PATCH .../{id}/versions/{v} `{name}` → the version, named.
pub async fn name(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: JsonBody<NameBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, v) = path.into_inner();
    let n = crate::web::versions::number(&v)?;
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let named =
        web::block(move || version::name(&ctx, kind, &id, n, body.0.name.as_deref())).await??;
    Ok(HttpResponse::Ok().json(named))
}

/// POST .../{id}/versions/{v}/restore → 201 with the new version it makes.
pub async fn restore(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, v) = path.into_inner();
    let n = crate::web::versions::number(&v)?;
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let by = crate::web::gate::principal(&req).email();
    let made = web::block(move || version::restore(&ctx, kind, &id, n, by)).await??;
    if kind == Kept::Schedule {
        state.scheduler_wake.notify_one();
    }
    Ok(HttpResponse::Created().json(made))
}

#[derive(Deserialize)]
pub struct ChangesQuery {
    /// The version compared with (default: the one before).
    from: Option<String>,
}

/// What changed from one version to another.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Changes {
    from: i64,
    to: i64,
    changes: Vec<Change>,
}

/// GET .../{id}/versions/{v}/changes?from=u → what changed from version u (default v − 1) to v.
pub async fn changes(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    query: web::Query<ChangesQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, v) = path.into_inner();
    let to = crate::web::versions::number(&v)?;
    let from = match &query.from {
        Some(f) => crate::web::versions::number(f)?,
        None => (to - 1).max(1),
    };
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let changes = web::block(
        move || -> Result<Vec<Change>, crate::app::edit::EditError> {
            let (_, a) = version::get(&ctx, kind, &id, from)?;
            let (_, b) = version::get(&ctx, kind, &id, to)?;
            Ok(version::diff::changes(
                &version::shown(kind, a),
                &version::shown(kind, b),
            ))
        },
    )
    .await??;
    Ok(HttpResponse::Ok().json(Changes { from, to, changes }))
}

/// GET /api/v1/trash → the deleted reports and dashboards, restorable for 30 days.
pub async fn trash(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let items: Vec<Trashed> = web::block(move || version::trashed(&ctx)).await??;
    Ok(HttpResponse::Ok().json(items))
}

/// The kind a trash path names: `report` or `dashboard`, else 404.
fn trash_kind(word: &str) -> Result<Kept, Problem> {
    Kept::parse(word)
        .filter(|k| *k != Kept::Schedule)
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no `{}` in the trash: it holds reports and dashboards",
                crate::model::text::truncate(word, 40)
            ))
        })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Restored {
    id: String,
}

/// POST /api/v1/trash/{kind}/{id}/restore → 201 `{id}`: back with its id.
pub async fn untrash(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (kind, id) = path.into_inner();
    let kind = trash_kind(&kind)?;
    let ctx = state.ctx_for(&req);
    let by = crate::web::gate::principal(&req).email();
    let id = web::block(move || version::untrash(&ctx, kind, &id, by)).await??;
    Ok(HttpResponse::Created().json(Restored { id }))
}
