//! /api/v1/exports: the files scheduled runs and generated results produced — list, record,
//! download, retry (failed or expired), delete.

use crate::app::Ctx;
use crate::model::export::ExportRecord;
use crate::model::export::ExportStatus;
use crate::store;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::header, http::StatusCode, web, HttpResponse};
use serde::Deserialize;

/// The record of an export, or 404.
pub async fn find(ctx: &Ctx, id: String) -> Result<ExportRecord, Problem> {
    let store = ctx.store.clone();
    web::block(move || store::export::get(&*store.app.get()?, &id))
        .await?
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found("no such export"))
}

/// Whether `e` is for the caller to see: anyone's from whom no row is hidden; else only the
/// files they made (a file holds the rows its maker could see).
pub fn mine(ctx: &Ctx, who: Option<&str>, e: &ExportRecord) -> bool {
    !ctx.sight.is_limited(&ctx.store.policed.now())
        || (e.made_by.is_some() && e.made_by.as_deref() == who)
}

/// [`find`], for the caller of `req` (404 when it is not theirs to see: see [`mine`]).
async fn find_for(
    state: &AppState,
    req: &actix_web::HttpRequest,
    id: String,
) -> Result<ExportRecord, Problem> {
    let ctx = state.ctx_for(req);
    let e = find(&ctx, id).await?;
    match mine(
        &ctx,
        crate::web::gate::principal(req).email().as_deref(),
        &e,
    ) {
        true => Ok(e),
        false => Err(Problem::not_found("no such export")),
    }
}

/// The file of an export as a download; 410 once it has expired.
pub async fn file_response(ctx: &Ctx, e: &ExportRecord) -> Result<HttpResponse, Problem> {
    if e.status != ExportStatus::Completed {
        // A restored backup without the file says so (`export::mark_missing`).
        let detail = match e.error.as_deref() {
            Some(m) if m == crate::export::MISSING => {
                format!("{m} (Retry on /exports makes it anew)")
            }
            _ => format!("this export {} and its file was deleted", e.status),
        };
        return Err(Problem::new(StatusCode::GONE, detail));
    }
    let path = crate::export::path(ctx, &e.id, e.format);
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|_| Problem::new(StatusCode::GONE, "the file of this export is gone"))?;
    Ok(HttpResponse::Ok()
        .content_type(e.format.mime())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", e.file_name),
        ))
        .body(bytes))
}

/// GET /api/v1/exports/{id}
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(find_for(&state, &req, id.into_inner()).await?))
}

/// GET /api/v1/exports/{id}/download
pub async fn download(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let e = find_for(&state, &req, id.into_inner()).await?;
    file_response(&state.ctx, &e).await
}

/// The list's filters.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ListQuery {
    pub status: Option<String>,
    pub report_id: Option<String>,
    pub limit: Option<String>,
}

impl ListQuery {
    /// The limit asked for, or `default`.
    pub fn limit_or(&self, default: u32) -> u32 {
        self.limit
            .as_deref()
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(default)
    }
}

/// Statuses an export can have.
pub const STATUSES: [&str; 3] = ["completed", "failed", "expired"];
/// Most exports one list answers with.
const MAX_LIST: u32 = 1000;

/// Checks the list's filters; the error names the bad one.
pub fn check(q: &ListQuery) -> Result<(), Problem> {
    if let Some(s) = &q.status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(Problem::invalid(
                "status",
                format!(
                    "`{}` is not one of {}",
                    crate::model::text::truncate(s, 40),
                    STATUSES.join(", ")
                ),
            ));
        }
    }
    if let Some(l) = &q.limit {
        if !l
            .trim()
            .parse::<u32>()
            .is_ok_and(|l| (1..=MAX_LIST).contains(&l))
        {
            return Err(Problem::invalid(
                "limit",
                format!(
                    "`{}` is not a number from 1 to {MAX_LIST}",
                    crate::model::text::truncate(l, 40)
                ),
            ));
        }
    }
    Ok(())
}

/// GET /api/v1/exports?status=&reportId=&limit= : newest first.
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    check(&q)?;
    let ctx = state.ctx_for(&req);
    let who = crate::web::gate::principal(&req).email();
    let found = web::block(move || -> Result<_, store::StoreError> {
        let mut all = store::export::list(
            &*ctx.store.app.get()?,
            q.status.as_deref(),
            q.report_id.as_deref(),
            q.limit_or(100),
        )?;
        all.retain(|e| mine(&ctx, who.as_deref(), e));
        Ok(all)
    })
    .await?
    .map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(found))
}

/// POST /api/v1/exports/{id}/retry: makes a failed or expired export again (409 otherwise).
pub async fn retry(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let record = state
        .render_blocking(&req, move || {
            crate::export::retry(&ctx, &id.into_inner().into())
        })
        .await??;
    Ok(HttpResponse::Ok().json(record))
}

/// DELETE /api/v1/exports/{id} → 204, the file gone with it.
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || crate::export::delete(&ctx, &id)).await??;
    Ok(HttpResponse::NoContent().finish())
}
