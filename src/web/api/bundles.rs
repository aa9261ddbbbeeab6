//! Bundles: `GET /api/v1/dashboards/{id}/bundle` (a dashboard with its reports, `?schedules=true`
//! with its schedules, as one portable JSON file) and `POST /api/v1/bundles` (`?dryRun=true`:
//! what it would create or update and the data it needs, nothing written).

use crate::app::bundle;
use crate::model::bundle::Bundle;
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportQuery {
    #[serde(default)]
    schedules: Option<String>,
}

/// A yes/no query value: `true|false|1|0|yes|no`, else 422 naming it.
fn flag(name: &str, value: Option<&str>) -> Result<bool, Problem> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(_) => Err(Problem::invalid(name, "true or false")),
    }
}

/// GET /api/v1/dashboards/{id}/bundle?schedules=true
pub async fn export(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<ExportQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let with = flag("schedules", q.schedules.as_deref())?;
    let ctx = state.ctx_for(&req);
    let b = web::block(move || bundle::export(&ctx, &id, with)).await??;
    let file = crate::model::export::slug(&b.dashboard.name);
    Ok(HttpResponse::Ok()
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}.quire.json\""),
        ))
        .json(b))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportQuery {
    #[serde(default)]
    dry_run: Option<String>,
}

/// POST /api/v1/bundles?dryRun=true → 201 `{dashboardId, objects, needs, problems}` (200 for a
/// dry run).
pub async fn import(
    state: web::Data<AppState>,
    q: web::Query<ImportQuery>,
    body: JsonBody<Bundle>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let dry = flag("dryRun", q.dry_run.as_deref())?;
    let author = crate::web::gate::author(&req)?;
    let ctx = state.ctx_for(&req);
    let out = web::block(move || bundle::import::import(&ctx, body.0, &author, dry)).await??;
    if dry {
        return Ok(HttpResponse::Ok().json(out));
    }
    state.scheduler_wake.notify_one();
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/dashboards/{}", out.dashboard_id),
        ))
        .json(out))
}
