//! A report's CSV streamed to the person downloading it while it is read, kept as an export.

use super::make::{insert, record};
use super::ExportError;
use crate::app::{Ctx, PipelineError};
use crate::model::export::{ExportFormat, ExportRequest, Target};
use crate::model::id::{ExportId, ReportId};
use anyhow::Context;
use std::time::Instant;

/// A report's first table streamed as CSV to a person (`made_by`) through `chunks` (see
/// `Ctx::stream_csv`), copied into an export file as it goes and recorded under `id` once the
/// whole file was sent: a download that stops short (the client left, the query failed)
/// records nothing. Blocking.
pub fn stream_csv(
    ctx: &Ctx,
    id: &ExportId,
    report: &ReportId,
    request: &ExportRequest,
    made_by: Option<&str>,
    ready: tokio::sync::oneshot::Sender<Result<String, PipelineError>>,
    chunks: crate::app::stream::Chunks,
) {
    let started = Instant::now();
    let final_path = super::path(ctx, id, ExportFormat::Csv);
    let dir = final_path.parent().expect("exports folder").to_path_buf();
    let partial = dir.join(format!(".{id}.partial"));
    // Without a file to copy into, the download still goes out; it is only not recorded.
    let copy = std::fs::create_dir_all(&dir)
        .and_then(|_| std::fs::File::create(&partial))
        .map_err(|e| tracing::warn!(file = %partial.display(), error = %e, "CSV download not kept"))
        .ok();
    let sent = ctx.stream_csv(report, &request.params, request.today, ready, chunks, copy);
    let recorded = match sent {
        Some(sent) if sent.copied => (|| -> Result<(), ExportError> {
            std::fs::rename(&partial, &final_path)
                .with_context(|| format!("writing {}", final_path.display()))?;
            let request = request.clone().of(&Target::Report(report.clone()));
            let csv = ExportFormat::Csv;
            let mut r = record(ctx, id, &sent.report_id, &sent.name, csv, &request);
            r.size = sent.bytes as i64;
            r.rows = sent.rows as i64;
            r.parameters = sent.parameters;
            r.duration_ms = started.elapsed().as_millis() as i64;
            insert(ctx, r, made_by)?;
            Ok(())
        })(),
        _ => Ok(()),
    };
    if let Err(e) = recorded {
        tracing::warn!(export = %id, error = %e, "CSV download not recorded");
    }
    let _ = std::fs::remove_file(&partial);
}
