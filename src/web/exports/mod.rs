//! GET /exports: the history of exports (every file made: schedules' runs, downloads, generated
//! results), each with a link to the report or dashboard it came from (with its parameters or
//! filter values) and who made it (a person or a schedule), with download, retry (failed or
//! expired) and delete. The actions are plain forms answered with a 303 back.

pub mod link;

use crate::data::date_expr::evaluate_in;
use crate::model::export::ExportRecord;
use crate::model::text::urlencode;
use crate::store;
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

    /// `3,165`
    pub fn rows(&self, e: &ExportRecord) -> String {
        crate::report::format::thousands(e.rows as f64, 0)
    }

    /// What the export was made of: `Dashboard`, `Widget` (one of a dashboard's) or `Report`.
    pub fn kind(&self, e: &ExportRecord) -> &'static str {
        match &e.request {
            Some(r) if r.widget.is_some() => "Widget",
            Some(r) if r.dashboard => "Dashboard",
            _ => "Report",
        }
    }

    /// The page of the report or dashboard the export came from, showing what it was made with
    /// (a report's parameters; a dashboard's filter values and report parameters), a schedule's
    /// date expressions as the dates they were on the export's day.
    pub fn source(&self, e: &ExportRecord) -> String {
        let Some(r) = &e.request else {
            return format!("/reports/{}", urlencode(&e.report_id));
        };
        let prefix = if r.dashboard { "f." } else { "" };
        let dated = |v: &String| evaluate_in(v, r.today).unwrap_or_else(|_| v.clone());
        let mut query: std::collections::BTreeMap<String, String> = r
            .params
            .iter()
            .map(|(k, v)| (format!("{prefix}{k}"), dated(v)))
            .collect();
        query.extend(r.report_params.iter().map(|(k, v)| (k.clone(), dated(v))));
        let page = if r.dashboard { "dashboards" } else { "reports" };
        let query = crate::web::reports::view::encode(&query);
        let path = format!("/{page}/{}", urlencode(&e.report_id));
        match query.is_empty() {
            true => path,
            false => format!("{path}?{query}"),
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
    let ctx = state.ctx_for(&req);
    web::block(move || -> Result<_, store::StoreError> {
        Ok(ExportsPage {
            layout: Layout::new(&ctx, &who)?,
            exports: {
                let mut all = store::export::list(
                    &*ctx.store.app.get()?,
                    q.status.as_deref(),
                    None,
                    q.limit_or(200),
                )?;
                let email = who.email();
                all.retain(|e| crate::web::api::exports::mine(&ctx, email.as_deref(), e));
                all
            },
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
    let ctx = state.ctx_for(&req);
    let done = state
        .render_blocking(&req, move || {
            crate::export::retry(&ctx, &id.into_inner().into())
        })
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
