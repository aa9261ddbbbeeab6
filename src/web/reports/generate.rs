//! Generating a report from its page: the parameter form posts to /reports/{id}/generate and
//! gets back a progress bar that polls /reports/jobs/{id} until the result's downloads show.

use crate::model::job::JobStatus;
use crate::store::{self, job::Job};
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use std::collections::BTreeMap;

/// The job's state as a fragment of the report page.
#[derive(Template, WebTemplate)]
#[template(path = "job_status.html")]
pub struct JobPartial {
    pub job: Job,
}

impl JobPartial {
    pub fn running(&self) -> bool {
        matches!(self.job.status, JobStatus::Queued | JobStatus::Processing)
    }
}

/// POST /reports/{id}/generate (the page's parameter form)
pub async fn start(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<BTreeMap<String, String>>,
    req: actix_web::HttpRequest,
) -> Result<JobPartial, Problem> {
    let mut params = form.into_inner();
    params.remove("page");
    let who = crate::web::gate::principal(&req);
    let job = state
        .generator
        .submit(id.into_inner(), params, (who.email(), who.sight()))
        .await
        .map_err(|e| Problem::from(e).html())?;
    Ok(JobPartial { job })
}

/// GET /reports/jobs/{id}
pub async fn status(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<JobPartial, Problem> {
    let ctx = state.ctx_for(&req);
    let who = crate::web::gate::principal(&req).email();
    let job = web::block(move || -> Result<_, store::StoreError> {
        let conn = ctx.store.app.get()?;
        match crate::web::api::jobs::visible(&ctx, &conn, &id, who.as_deref())? {
            true => store::job::get(&conn, &id),
            false => Ok(None),
        }
    })
    .await?
    .map_err(|e| Problem::internal(e).html())?
    .ok_or_else(|| Problem::not_found("no such job").html())?;
    Ok(JobPartial { job })
}
