//! /api/v1/schedules: CRUD, run now, pause/resume, execution history.

use crate::app::schedule;
use crate::model::schedule::ScheduleDefinition;
use crate::schedule::execute;
use crate::store;
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// A schedule as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleView {
    id: String,
    name: String,
    /// Empty when the schedule sends a dashboard.
    report_id: String,
    /// The dashboard it sends instead of a report.
    #[serde(skip_serializing_if = "Option::is_none")]
    dashboard_id: Option<String>,
    schedule: String,
    timezone: String,
    parameters: std::collections::BTreeMap<String, String>,
    enabled: bool,
    /// A Slack, Teams or webhook URL as `https://host/…`: sent back so (or blank), it keeps
    /// the stored URL.
    recipients: Vec<crate::model::schedule::Recipient>,
    export_format: crate::model::export::ExportFormat,
    row_limit: Option<u32>,
    next_run_at: Option<String>,
    last_run_at: Option<String>,
    /// `running`, `delivering`, `retrying` (a delivery failed and is tried again), `succeeded`
    /// or `failed`: what /schedules shows.
    last_run_status: Option<String>,
    /// The error behind `retrying` or `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_run_error: Option<String>,
}

impl ScheduleView {
    /// The schedule with its latest run as the page shows it.
    fn read(
        conn: &rusqlite::Connection,
        s: store::schedule::StoredSchedule,
    ) -> Result<ScheduleView, store::StoreError> {
        let last = schedule::last_run(conn, &s)?;
        Ok(ScheduleView {
            last_run_at: last.as_ref().and_then(|l| l.at.clone()),
            last_run_error: last.as_ref().and_then(|l| l.error.clone()),
            last_run_status: last.map(|l| l.status),
            ..ScheduleView::from(s)
        })
    }
}

impl From<store::schedule::StoredSchedule> for ScheduleView {
    fn from(s: store::schedule::StoredSchedule) -> Self {
        ScheduleView {
            id: s.id,
            name: s.name,
            report_id: s.report_id,
            dashboard_id: s.dashboard_id,
            schedule: s.cron,
            timezone: s.timezone,
            parameters: s.parameters,
            enabled: s.enabled,
            // A hook's URL is its secret: shown as its host, kept when sent back so.
            recipients: s
                .recipients
                .into_iter()
                .map(|r| crate::model::schedule::Recipient {
                    address: r.shown(),
                    kind: r.kind,
                })
                .collect(),
            export_format: s.export_format,
            row_limit: s.row_limit,
            next_run_at: s.next_run_at,
            last_run_at: s.last_run_at,
            last_run_status: s.last_run_status,
            last_run_error: None,
        }
    }
}

/// GET /api/v1/schedules
pub async fn list(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let list = web::block(move || -> Result<Vec<ScheduleView>, Problem> {
        let conn = ctx.store.app.get().map_err(store::StoreError::from)?;
        let seen = crate::web::schedules::visible(&ctx, &conn)?;
        store::schedule::list(&conn)?
            .into_iter()
            .filter(|s| seen.contains(crate::web::schedules::sent(s)))
            .map(|s| ScheduleView::read(&conn, s).map_err(Problem::from))
            .collect()
    })
    .await??;
    Ok(HttpResponse::Ok().json(list))
}

/// GET /api/v1/schedules/{id}
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let id = id.into_inner();
    let found = web::block(move || -> Result<_, store::StoreError> {
        let conn = store.app.get()?;
        store::schedule::get(&conn, &id)?
            .map(|s| ScheduleView::read(&conn, s))
            .transpose()
    })
    .await?
    .map_err(Problem::from)?;
    match found {
        Some(s) => Ok(HttpResponse::Ok().json(s)),
        None => Err(Problem::not_found("no such schedule")),
    }
}

/// POST /api/v1/schedules → 201
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<ScheduleDefinition>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let saved = save(&state, &req, None, body.0, crate::web::gate::author(&req)?).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/schedules/{}", saved.id)))
        .json(saved))
}

/// PUT /api/v1/schedules/{id}
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<ScheduleDefinition>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let author = crate::web::gate::author(&req)?;
    let saved = save(&state, &req, Some(id.into_inner()), body.0, author).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// Saves through the one edit path and wakes the scheduler, so the change counts at once.
pub async fn save(
    state: &AppState,
    req: &HttpRequest,
    id: Option<String>,
    cfg: ScheduleDefinition,
    author: crate::app::edit::Author,
) -> Result<ScheduleView, Problem> {
    let ctx = state.ctx_for(req);
    let saved = web::block(move || schedule::save(&ctx, id.as_deref(), &cfg, &author)).await??;
    state.scheduler_wake.notify_one();
    Ok(saved.into())
}

/// DELETE /api/v1/schedules/{id} → 204
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || schedule::delete(&ctx, &id)).await??;
    state.scheduler_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

/// PATCH /api/v1/schedules/{id}/toggle: pause or resume.
pub async fn toggle(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let s = web::block(move || schedule::toggle(&ctx, &id)).await??;
    state.scheduler_wake.notify_one();
    Ok(HttpResponse::Ok().json(ScheduleView::from(s)))
}

/// POST /api/v1/schedules/{id}/run → 202 with the execution id.
pub async fn run(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match execute::run_now(&state.ctx, &id, &state.runner).await {
        Ok(Some((run_id, _))) => Ok(HttpResponse::Accepted().json(serde_json::json!({
            "executionId": run_id,
            "status": "running",
        }))),
        Ok(None) => Err(Problem::not_found(format!("no schedule with id `{id}`"))),
        Err(e) => Err(Problem::internal(e)),
    }
}

/// GET /api/v1/schedules/{id}/executions: newest first, each with its deliveries.
pub async fn executions(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let id = id.into_inner();
    let found = web::block(move || -> Result<_, store::StoreError> {
        let conn = store.app.get()?;
        Ok(match store::schedule::get(&conn, &id)? {
            Some(_) => Some(store::run::list(&conn, &id, 100)?),
            None => None,
        })
    })
    .await?
    .map_err(Problem::from)?;
    match found {
        Some(mut runs) => {
            // A webhook URL's path and query are its secret: the history shows the host only.
            for d in runs.iter_mut().flat_map(|r| r.deliveries.iter_mut()) {
                d.address = d.recipient().shown();
            }
            Ok(HttpResponse::Ok().json(runs))
        }
        None => Err(Problem::not_found("no such schedule")),
    }
}
