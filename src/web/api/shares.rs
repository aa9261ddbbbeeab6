//! `/api/v1/shares`: make, list and revoke share links (editors).

use crate::app::share::{self, Target};
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The body of POST /api/v1/shares.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NewShare {
    dashboard_id: Option<String>,
    report_id: Option<String>,
    #[serde(default)]
    parameters: BTreeMap<String, String>,
    expires_in_days: Option<u32>,
    #[serde(default)]
    embed: bool,
}

/// GET /api/v1/shares: every share of what the caller may see, who made it and when it was
/// last used.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let all = web::block(move || share::list(&ctx)).await??;
    Ok(HttpResponse::Ok().json(all))
}

/// POST /api/v1/shares → 201 `{id, url, ...}`: the URL (with its token) is shown this once.
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<NewShare>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let b = body.0;
    let target = match (b.dashboard_id, b.report_id) {
        (Some(d), None) => Target::Dashboard(d),
        (None, Some(r)) => Target::Report(r),
        _ => {
            return Err(Problem::invalid(
                "dashboardId",
                "name a dashboardId or a reportId, one of them",
            ))
        }
    };
    let (ctx, actor) = (state.ctx_for(&req), gate::principal(&req).actor());
    let (s, url) = web::block(move || {
        share::create(
            &ctx,
            target,
            b.parameters,
            b.expires_in_days,
            b.embed,
            actor.as_deref(),
        )
    })
    .await??;
    let mut v = serde_json::to_value(&s).map_err(Problem::internal)?;
    v["url"] = url.into();
    Ok(HttpResponse::Created().json(v))
}

/// DELETE /api/v1/shares/{id} → 204: the link stops working at once.
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let done = web::block(move || store::share::revoke(&*ctx.store.app.get()?, &id)).await??;
    match done {
        true => Ok(HttpResponse::NoContent().finish()),
        false => Err(Problem::not_found("no live share with this id")),
    }
}
