//! /api/v1/reports: report definitions (list, create, read, replace, delete) and the rows of
//! a report's query, a page at a time.

use crate::app::pipeline::Preview;
use crate::app::report;
use crate::model::report::{ParameterDef, ReportDefinition};
use crate::store::{self, report::StoredReport};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::{parse_page, AppState};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the list shows of a report.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReportMetadata {
    id: String,
    name: String,
    description: String,
    category: String,
    tags: Vec<String>,
    data_source: String,
    parameters: Vec<ParameterDef>,
    visualizations: usize,
    updated_at: String,
}

impl From<StoredReport> for ReportMetadata {
    fn from(r: StoredReport) -> Self {
        let d = r.definition;
        ReportMetadata {
            id: r.id,
            name: d.name,
            description: d.description,
            category: d.category,
            tags: d.tags,
            data_source: d.data_source,
            parameters: d.parameters,
            visualizations: d.visualizations.len(),
            updated_at: r.updated_at,
        }
    }
}

/// The list's filters; each matches case-insensitively and exactly.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    category: Option<String>,
    tag: Option<String>,
}

/// GET /api/v1/reports?category=&tag=
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let mut all = web::block(move || store::report::list(&*ctx.store.app.get()?))
        .await?
        .map_err(Problem::from)?;
    let grants = crate::web::gate::principal(&req).grants();
    all.retain(|r| grants.sees_report(&r.id, r.definition.collection_id.as_deref()));
    let same = |a: &str, b: &Option<String>| {
        b.as_deref()
            .is_none_or(|b| a.eq_ignore_ascii_case(b.trim()))
    };
    let found: Vec<ReportMetadata> = all
        .into_iter()
        .filter(|r| same(&r.definition.category, &q.category))
        .filter(|r| q.tag.is_none() || r.definition.tags.iter().any(|t| same(t, &q.tag)))
        .map(ReportMetadata::from)
        .collect();
    Ok(HttpResponse::Ok().json(found))
}

/// GET /api/v1/reports/{id}: the definition.
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let key = id.into_inner();
    let found = web::block(move || store::report::get(&*store.app.get()?, &key))
        .await?
        .map_err(Problem::from)?;
    match found {
        Some(r) => Ok(HttpResponse::Ok().json(r.definition)),
        None => Err(Problem::not_found("no report with that id")),
    }
}

/// POST /api/v1/reports → 201 with the metadata.
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<ReportDefinition>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || report::save(&ctx, None, body.0, &author)).await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/reports/{}", saved.id)))
        .json(ReportMetadata::from(saved)))
}

/// PUT /api/v1/reports/{id}: replaces the definition.
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<ReportDefinition>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || report::save(&ctx, Some(&id), body.0, &author)).await??;
    Ok(HttpResponse::Ok().json(saved.definition))
}

/// DELETE /api/v1/reports/{id} → 204 (to the trash for 30 days); 409 while a schedule or
/// dashboard uses it.
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    web::block(move || report::delete(&ctx, &id, &author)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Largest page a client may ask for.
const MAX_PAGE_SIZE: u32 = 1000;

/// GET /api/v1/reports/{id}/preview?page=&pageSize=&query=&<param>=...
pub async fn preview(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let mut params = q.into_inner();
    let page = parse_page(params.remove("page").as_deref())?;
    let page_size = match params.remove("pageSize") {
        None => state.ctx.config.limits.page_size,
        Some(s) => s
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
            .ok_or_else(|| {
                Problem::bad_request(format!(
                    "pageSize: `{}` is not a number from 1 to {MAX_PAGE_SIZE}",
                    crate::model::text::truncate(&s, 40)
                ))
            })?,
    };
    let query = params.remove("query");
    let ctx = state.ctx_for(&req);
    let report = id.into_inner();
    // Run and written out off the async threads: a page may hold `[limits] result_mb`.
    let body = web::block(move || -> Result<Vec<u8>, Problem> {
        let p: Preview = ctx.preview(
            &report,
            &params,
            query.as_deref(),
            page,
            page_size,
            chrono::Utc::now().date_naive(),
        )?;
        serde_json::to_vec(&serde_json::json!({
            "columns": p.result.columns,
            "rows": p.result.rows,
            "totalRows": p.total_rows,
            "page": page,
            "pageSize": page_size,
        }))
        .map_err(Problem::internal)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// GET /api/v1/reports/{id}/insights?<param>=...: the narrative and its items. Its queries
/// take a slot of the render queue and stop when the client leaves.
pub async fn insights(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let (report, params) = (id.into_inner(), q.into_inner());
    let cfg = state.ctx.config.insights.clone();
    let found = state
        .render_blocking(&req, move || {
            crate::app::insights::report_insights(
                &ctx,
                &report,
                &params,
                chrono::Utc::now().date_naive(),
            )
        })
        .await??;
    let found = crate::app::insights::retold(&cfg, found).await;
    Ok(HttpResponse::Ok().json(found))
}
