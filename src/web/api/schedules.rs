//! /api/v1/schedules: list, run now, execution history.

use crate::schedule::execute;
use crate::store;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ScheduleView {
    id: String,
    name: String,
    report_id: String,
    schedule: String,
    timezone: String,
    parameters: std::collections::BTreeMap<String, String>,
    enabled: bool,
    recipients: Vec<crate::config::Recipient>,
    export_format: crate::config::ExportFormat,
    next_run_at: Option<String>,
    last_run_at: Option<String>,
    last_run_status: Option<String>,
}

impl From<store::schedule::StoredSchedule> for ScheduleView {
    fn from(s: store::schedule::StoredSchedule) -> Self {
        ScheduleView {
            id: s.id,
            name: s.name,
            report_id: s.report_id,
            schedule: s.cron,
            timezone: s.timezone,
            parameters: s.parameters,
            enabled: s.enabled,
            recipients: s.recipients,
            export_format: s.export_format,
            next_run_at: s.next_run_at,
            last_run_at: s.last_run_at,
            last_run_status: s.last_run_status,
        }
    }
}

/// GET /api/v1/schedules
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let list = web::block(move || store::schedule::list(&*store.app.get()?))
        .await?
        .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(list.into_iter().map(ScheduleView::from).collect::<Vec<_>>()))
}

/// POST /api/v1/schedules/{id}/run → 202 with the execution id.
pub async fn run(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    match execute::run_now(&state.ctx, &id, state.slots.clone()).await {
        Ok(Some((run_id, _))) => Ok(HttpResponse::Accepted().json(serde_json::json!({
            "executionId": run_id,
            "status": "running",
        }))),
        Ok(None) => Err(Problem::not_found(format!("no schedule with id `{id}`"))),
        Err(e) => Err(Problem::internal(e)),
    }
}

/// GET /api/v1/schedules/{id}/executions
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
    .map_err(Problem::internal)?;
    match found {
        Some(runs) => Ok(HttpResponse::Ok().json(runs)),
        None => Err(Problem::not_found("no such schedule")),
    }
}
