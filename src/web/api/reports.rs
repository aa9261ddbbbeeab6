//! /api/v1/reports/{id}/preview: the rows of a report's query, a page at a time.

use crate::pipeline::Preview;
use crate::web::error::Problem;
use crate::web::{parse_page, AppState};
use actix_web::{web, HttpResponse};
use std::collections::BTreeMap;

/// Largest page a client may ask for.
const MAX_PAGE_SIZE: u32 = 1000;

/// GET /api/v1/reports/{id}/preview?page=&pageSize=&query=&<param>=...
pub async fn preview(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
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
                    crate::report::chart::truncate(&s, 40)
                ))
            })?,
    };
    let query = params.remove("query");
    let ctx = state.ctx.clone();
    let report = id.into_inner();
    let p: Preview = web::block(move || {
        ctx.preview(
            &report,
            &params,
            query.as_deref(),
            page,
            page_size,
            chrono::Utc::now().date_naive(),
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "columns": p.result.columns,
        "rows": p.result.rows,
        "totalRows": p.total_rows,
        "page": page,
        "pageSize": page_size,
    })))
}
