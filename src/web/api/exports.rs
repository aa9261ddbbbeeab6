//! /api/v1/exports/{id}[/download]: the files runs produced.

use crate::pipeline::Ctx;
use crate::store::{self, export::ExportRecord};
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::header, http::StatusCode, web, HttpResponse};

/// The record of an export, or 404.
pub async fn find(ctx: &Ctx, id: String) -> Result<ExportRecord, Problem> {
    let store = ctx.store.clone();
    web::block(move || store::export::get(&*store.app.get()?, &id))
        .await?
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found("no such export"))
}

/// The file of an export as a download; 410 once it has expired.
pub async fn file_response(ctx: &Ctx, e: &ExportRecord) -> Result<HttpResponse, Problem> {
    if e.status != "completed" {
        return Err(Problem::new(
            StatusCode::GONE,
            format!("this export {} and its file was deleted", e.status),
        ));
    }
    let path = crate::deliver::outbox::export_path(ctx, &e.id, &e.format);
    let bytes = web::block(move || std::fs::read(path))
        .await?
        .map_err(|_| Problem::new(StatusCode::GONE, "the file of this export is gone"))?;
    let format = crate::config::ExportFormat::parse(&e.format).unwrap_or_default();
    Ok(HttpResponse::Ok()
        .content_type(format.mime())
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
) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::Ok().json(find(&state.ctx, id.into_inner()).await?))
}

/// GET /api/v1/exports/{id}/download
pub async fn download(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let e = find(&state.ctx, id.into_inner()).await?;
    file_response(&state.ctx, &e).await
}
