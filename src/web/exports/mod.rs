//! GET /exports: the history of exports (scheduled runs and generated results) with download,
//! retry (failed or expired) and delete. The actions are plain forms answered with a 303 back.

pub mod link;

use crate::store::{self, export::ExportRecord};
use crate::web::api::exports::{check, ListQuery};
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_web::{http::header, web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;

/// GET /exports
#[derive(Template, WebTemplate)]
#[template(path = "exports.html")]
pub struct ExportsPage {
    pub layout: Layout,
    pub exports: Vec<ExportRecord>,
    pub status: String,
}

impl ExportsPage {
    /// `12.3 kB`
    pub fn size(&self, e: &ExportRecord) -> String {
        match e.size {
            n if n < 1024 => format!("{n} B"),
            n if n < 1 << 20 => format!("{:.1} kB", n as f64 / 1024.0),
            n => format!("{:.1} MB", n as f64 / (1 << 20) as f64),
        }
    }
}

/// GET /exports?status=
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    req: actix_web::HttpRequest,
) -> Result<ExportsPage, Problem> {
    let who = crate::web::gate::principal(&req);
    let q = q.into_inner();
    check(&q).map_err(Problem::html)?;
    let status = q.status.clone().unwrap_or_default();
    let ctx = state.ctx.clone();
    web::block(move || -> Result<_, store::StoreError> {
        Ok(ExportsPage {
            layout: Layout::new(&ctx, &who)?,
            exports: store::export::list(
                &*ctx.store.app.get()?,
                q.status.as_deref(),
                None,
                q.limit_or(200),
            )?,
            status,
        })
    })
    .await?
    .map_err(|e| Problem::internal(e).html())
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/exports"))
        .finish()
}

/// POST /exports/{id}/retry
pub async fn retry(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let done = state
        .render_blocking(&req, move || crate::export::retry(&ctx, &id))
        .await
        .map_err(Problem::html)?;
    match done {
        // A failed retry is recorded on the export: the list shows its error.
        Ok(_) | Err(crate::export::ExportError::Pipeline(_)) => Ok(back()),
        Err(e) => Err(Problem::from(e).html()),
    }
}

/// POST /exports/{id}/delete
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || crate::export::delete(&ctx, &id))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(back())
}
