//! GET /reports/{id}/download?format=pdf|xlsx|csv|json&<param>=...: the whole report as a file.

use crate::model::export::ExportFormat;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::header, web, HttpResponse};
use std::collections::BTreeMap;

/// GET /reports/{id}/download
pub async fn get(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
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
                crate::model::text::truncate(&raw, 40)
            ),
        )
    })?;
    // Renders are heavy: they wait for a slot in the render queue, or get 503 when it is full.
    if format == ExportFormat::Csv {
        let ticket = state.render_slot(&req).await?;
        return csv(&state, id.into_inner(), params, ticket).await;
    }
    let ctx = state.ctx.clone();
    let report = id.into_inner();
    let (out, bytes) = state
        .render_blocking(&req, move || {
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
    let filename =
        crate::model::export::file_name(&out.name, out.generated_at.date_naive(), format);
    Ok(HttpResponse::Ok()
        .content_type(format.mime())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(bytes))
}

/// The CSV streamed from the query as it is read: the status and headers once the query is
/// prepared, then the rows in chunks (the render slot is held until the last one; a client
/// that goes away closes the channel, which ends the stream).
async fn csv(
    state: &AppState,
    report: String,
    params: BTreeMap<String, String>,
    ticket: crate::app::queue::Ticket,
) -> Result<HttpResponse, Problem> {
    let (ready, prepared) = tokio::sync::oneshot::channel();
    let (chunks, rx) = tokio::sync::mpsc::channel(8);
    let ctx = state.ctx.clone();
    let today = chrono::Utc::now().date_naive();
    tokio::task::spawn_blocking(move || {
        let _ticket = ticket;
        ctx.stream_csv(&report, &params, today, ready, chunks);
    });
    let name = prepared.await.map_err(Problem::internal)??;
    let filename = crate::model::export::file_name(&name, today, ExportFormat::Csv);
    let body = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|chunk| (Ok::<_, actix_web::Error>(web::Bytes::from(chunk)), rx))
    });
    Ok(HttpResponse::Ok()
        .content_type(ExportFormat::Csv.mime())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}
