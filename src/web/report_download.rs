//! GET /reports/{id}/download?format=pdf|xlsx|csv|json&<param>=...: the whole report as a file.

use super::error::Problem;
use super::AppState;
use crate::config::ExportFormat;
use actix_web::{http::header, web, HttpResponse};
use std::collections::BTreeMap;

/// GET /reports/{id}/download
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, Problem> {
    let mut params = q.into_inner();
    let raw = params.remove("format").unwrap_or_else(|| "pdf".into());
    let format = ExportFormat::parse(&raw).ok_or_else(|| {
        Problem::invalid(
            "format",
            format!(
                "format: `{}` is not one of pdf, xlsx, csv, json",
                crate::report::chart::truncate(&raw, 40)
            ),
        )
    })?;
    // Renders are heavy: they wait for a slot instead of piling up.
    let _permit = state
        .runner
        .slots
        .clone()
        .acquire_owned()
        .await
        .map_err(Problem::internal)?;
    let ctx = state.ctx.clone();
    let report = id.into_inner();
    let (out, bytes) = web::block(move || {
        ctx.render(
            &report,
            &params,
            format,
            None,
            chrono::Utc::now().date_naive(),
            true,
        )
    })
    .await??;
    let filename = crate::deliver::file_name(&out.name, out.generated_at.date_naive(), format);
    Ok(HttpResponse::Ok()
        .content_type(format.mime())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes))
}
