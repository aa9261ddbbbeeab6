//! GET /reports/{id}/download?format=pdf|xlsx|csv|json&<param>=...: the whole report as a file,
//! recorded as an export made by the person asking (on /exports, its id in `X-Export-Id`).

use crate::data::watch::{self, Watch};
use crate::export::{Keep, Order};
use crate::model::export::{ExportFormat, ExportRecord, ExportRequest, Target};
use crate::model::id::{ExportId, ReportId};
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::header, web, HttpResponse};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
                "format: `{}` is not one of pdf, pptx, xlsx, csv, json",
                crate::model::text::truncate(&raw, 40)
            ),
        )
    })?;
    let request = ExportRequest {
        params,
        today: chrono::Utc::now().date_naive(),
        time_zone: Some(crate::web::gate::zone(&req).name().to_string()),
        ..Default::default()
    };
    // Renders are heavy: they wait for a slot in the render queue, or get 503 when it is full.
    if format == ExportFormat::Csv {
        let ticket = state.render_slot(&req).await?;
        let made_by = crate::web::gate::principal(&req).email();
        return csv(
            &state,
            &req,
            id.into_inner().into(),
            request,
            made_by,
            ticket,
        )
        .await;
    }
    let target = Target::Report(id.into_inner().into());
    download(&state, &req, target, format, request).await
}

/// Makes the file of `target` for the person asking and answers with it (a refused request
/// records nothing). Every download but a streamed CSV goes here.
pub async fn download(
    state: &AppState,
    req: &actix_web::HttpRequest,
    target: Target,
    format: ExportFormat,
    request: ExportRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(req);
    let made_by = crate::web::gate::principal(req).email();
    let order = Order::new(target, format, request, Keep::Download(made_by));
    let made = state
        .render_blocking(req, move || crate::export::make(&ctx, order))
        .await??;
    Ok(file(&made.record, made.bytes))
}

/// An export's file as the answer to the request that made it: its id in `X-Export-Id`.
pub fn file(record: &ExportRecord, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(record.format.mime())
        .insert_header(("X-Export-Id", record.id.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", record.file_name),
        ))
        .body(bytes)
}

/// The CSV streamed from the query as it is read: the status and headers once the query is
/// prepared, then the rows in chunks (the render slot is held until the last one; a client
/// that goes away closes the channel, which ends the stream). The file is kept and recorded
/// as an export once all of it was sent.
async fn csv(
    state: &AppState,
    req: &actix_web::HttpRequest,
    report: ReportId,
    request: ExportRequest,
    made_by: Option<String>,
    ticket: crate::app::queue::Ticket,
) -> Result<HttpResponse, Problem> {
    let (ready, prepared) = tokio::sync::oneshot::channel();
    let (chunks, rx) = tokio::sync::mpsc::channel(8);
    let ctx = state.ctx_for(req);
    let today = request.today;
    // The id is known before the first byte; the record under it comes with the last.
    let id = ExportId::random();
    let export = id.clone();
    // A client that leaves (the body is dropped, and its receiver with it) stops the query at
    // once, and so does a query that gives no row for `[limits] query_timeout_ms`: the slot
    // is free again (`data::watch`).
    let gone = Arc::new(AtomicBool::new(false));
    let (done, finished) = tokio::sync::oneshot::channel::<()>();
    // actix keeps a response body whose client closed its socket until it writes to it:
    // the socket is watched too (`web::client`).
    actix_web::rt::spawn({
        let (chunks, gone, req) = (chunks.clone(), gone.clone(), req.clone());
        async move {
            tokio::select! {
                () = chunks.closed() => gone.store(true, Ordering::SeqCst),
                () = crate::web::client::gone(&req) => gone.store(true, Ordering::SeqCst),
                _ = finished => {}
            }
        }
    });
    let watch = Arc::new(Watch::streaming(gone, state.ctx.bounds().timeout));
    tokio::task::spawn_blocking(move || {
        let made_by = made_by.as_deref();
        watch::scoped(watch, || {
            crate::export::stream_csv(&ctx, &export, &report, &request, made_by, ready, chunks)
        });
        // The slot first: the body ends once the watcher lets its sender go.
        drop(ticket);
        drop(done);
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
        .insert_header(("X-Export-Id", id.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .streaming(body))
}
