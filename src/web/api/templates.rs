//! The template gallery's API: `GET /api/v1/templates`, `POST /api/v1/templates/{id}/apply`
//! (`{dataset, mapping, scheduleTo?, dryRun?}`), `GET /api/v1/templates/{id}/fit?dataset=` (the
//! suggested mapping), `POST /api/v1/templates/{id}/sample` (tried on its sample data), and
//! `POST /api/v1/datasets/{name}/autodash` (an explore dashboard of any dataset).

use crate::app::gallery::{self, apply, Template};
use crate::model::bundle::{SuggestedSchedule, TemplateField};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A template as listed.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TemplateView {
    id: String,
    name: String,
    description: String,
    fields: Vec<TemplateField>,
    #[serde(skip_serializing_if = "Option::is_none")]
    schedule: Option<SuggestedSchedule>,
    /// Whether it can be tried on sample data (`POST .../sample`).
    has_sample: bool,
    /// Its dashboard's widgets.
    widgets: usize,
}

impl From<&Template> for TemplateView {
    fn from(t: &Template) -> Self {
        let i = t.info();
        TemplateView {
            id: i.id.clone(),
            name: i.name.clone(),
            description: i.description.clone(),
            fields: i.fields.clone(),
            schedule: i.schedule.clone(),
            has_sample: t.sample.is_some(),
            widgets: t.bundle.dashboard.widgets.len(),
        }
    }
}

fn found(state: &AppState, id: &str) -> Result<Template, Problem> {
    gallery::find(&state.ctx.config.storage.data_dir, id).ok_or_else(|| {
        Problem::not_found(format!(
            "no template `{}`",
            crate::model::text::truncate(id, 60)
        ))
    })
}

/// GET /api/v1/templates
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let dir = state.ctx.config.storage.data_dir.clone();
    let all = web::block(move || gallery::all(&dir)).await?;
    let views: Vec<TemplateView> = all.iter().map(TemplateView::from).collect();
    Ok(HttpResponse::Ok().json(views))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApplyBody {
    /// The dataset to apply it to.
    dataset: String,
    /// Each template field's column; a field left out (or empty) is not mapped.
    #[serde(default)]
    mapping: BTreeMap<String, String>,
    /// An email to send the template's suggested schedule to (none: no schedule).
    #[serde(default)]
    schedule_to: Option<String>,
    #[serde(default)]
    dry_run: bool,
}

/// POST /api/v1/templates/{id}/apply → 201 `{dashboardId, objects, needs, problems, leftOut}`
pub async fn apply(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<ApplyBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let t = found(&state, &id)?;
    let author = crate::web::gate::author(&req)?;
    let ctx = state.ctx_for(&req);
    let b = body.0;
    let dry = b.dry_run;
    let done = web::block(move || {
        apply::apply(
            &ctx,
            &t,
            &apply::Request {
                dataset: &b.dataset,
                mapping: &b.mapping,
                schedule_to: b.schedule_to.as_deref(),
                dry_run: b.dry_run,
            },
            &author,
        )
    })
    .await??;
    if dry {
        return Ok(HttpResponse::Ok().json(done));
    }
    state.scheduler_wake.notify_one();
    Ok(created(done))
}

fn created(done: apply::Applied) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/dashboards/{}", done.outcome.dashboard_id),
        ))
        .json(done)
}

#[derive(Deserialize)]
pub struct FitQuery {
    dataset: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FitView {
    dataset: String,
    rows: u64,
    columns: Vec<ColumnView>,
    mapping: BTreeMap<String, Option<String>>,
}

#[derive(Serialize)]
struct ColumnView {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// GET /api/v1/templates/{id}/fit?dataset= → `{dataset, rows, columns, mapping}`
pub async fn fit(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<FitQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let t = found(&state, &id)?;
    let ctx = state.ctx_for(&req);
    let f = web::block(move || gallery::fit(&ctx, &t, &q.dataset)).await??;
    Ok(HttpResponse::Ok().json(FitView {
        dataset: f.dataset,
        rows: f.rows,
        columns: f
            .columns
            .into_iter()
            .map(|(name, kind)| ColumnView { name, kind })
            .collect(),
        mapping: f.mapping,
    }))
}

/// POST /api/v1/templates/{id}/sample → 201: its sample data imported as `sample_<id>` and the
/// template applied to it.
pub async fn sample(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let t = found(&state, &id)?;
    let author = crate::web::gate::author(&req)?;
    let ctx = state.ctx_for(&req);
    let done = web::block(move || gallery::try_sample(&ctx, &t, &author)).await??;
    Ok(created(done))
}

/// POST /api/v1/datasets/{name}/autodash → 201 `{dashboardId, ...}`
pub async fn autodash(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let author = crate::web::gate::author(&req)?;
    let ctx = state.ctx_for(&req);
    let done = web::block(move || gallery::explore::explore(&ctx, &name, &author)).await??;
    Ok(created(done))
}
