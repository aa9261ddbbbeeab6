//! Exports kept as files: `<data_dir>/exports/<id>.<format>`, written aside and renamed so a
//! file under its final name is always whole, and recorded in the `exports` table with the
//! request that made them, so a failed or expired export can be made again. Scheduled runs
//! and generated results both make their files here.

use crate::app::{Ctx, PipelineError};
use crate::model::export::{ExportFormat, ExportStatus};
use crate::report::run::Output;
use crate::store::{self, export::ExportRecord, export::ExportRequest, StoreError};
use anyhow::Context;
use chrono::Utc;
use std::time::Instant;

/// Why an export could not be made, deleted or retried.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no export with id `{0}`")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Pipeline(#[from] PipelineError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

impl From<r2d2::Error> for ExportError {
    fn from(e: r2d2::Error) -> Self {
        ExportError::Store(e.into())
    }
}

/// Where an export's file lives.
pub fn path(ctx: &Ctx, id: &str, format: &str) -> std::path::PathBuf {
    ctx.config
        .storage
        .data_dir
        .join("exports")
        .join(format!("{id}.{format}"))
}

/// Deletes the files of exports past their retention, and generation results as old.
pub fn expire(ctx: &Ctx) -> anyhow::Result<()> {
    let conn = ctx.store.app.get()?;
    let expired = store::export::expire(&conn, &crate::model::time::now_text())?;
    for (id, format) in expired {
        let _ = std::fs::remove_file(path(ctx, &id, &format));
    }
    let days = ctx.config.delivery.export_retention_days as i64;
    let before = crate::model::time::rfc3339(chrono::Utc::now() - chrono::Duration::days(days));
    store::job::forget_finished(&conn, &before)?;
    Ok(())
}

/// Renders `report` as `format` from `request` and writes the file under `id` (a new one, or
/// the same on a retry). The caller records the returned record (in its own transaction, with
/// whatever else it records). `lean` as in `Ctx::render`.
pub fn make(
    ctx: &Ctx,
    report: &str,
    format: ExportFormat,
    request: &ExportRequest,
    id: Option<String>,
    lean: bool,
) -> Result<(ExportRecord, Vec<u8>, Output), ExportError> {
    let started = Instant::now();
    let (out, bytes) = ctx.render(
        report,
        &request.params,
        format,
        request.row_limit,
        request.today,
        request.zone(),
        lean,
    )?;
    write(ctx, out, bytes, format, request, id, started)
}

/// Renders dashboard `dashboard` as one document (`app::dashboard_run::document`), or one of
/// its widgets when `request.widget` names one, with the filter values of `request.params`
/// (date expressions evaluated as of `request.today`) and writes its file as [`make`] does.
/// The recorded request is marked as a dashboard's, so a retry makes it again as one.
pub fn make_dashboard(
    ctx: &Ctx,
    dashboard: &str,
    format: ExportFormat,
    request: &ExportRequest,
    id: Option<String>,
) -> Result<(ExportRecord, Vec<u8>, Output), ExportError> {
    use crate::app::dashboard_run;
    let started = Instant::now();
    let request = &ExportRequest {
        dashboard: true,
        ..request.clone()
    };
    let d = store::dashboard::get(&*ctx.store.app.get()?, dashboard)?
        .ok_or_else(|| PipelineError::NotFound(format!("dashboard {dashboard}")))?;
    let values =
        dashboard_run::scheduled_values(&d.definition.filters, &request.params, request.today)
            .map_err(|(k, m)| ExportError::Conflict(format!("{k}: {m}")))?;
    let (branding, exports) = (&ctx.config.branding, &ctx.config.exports);
    let page = &request.report_params;
    let (out, bytes) = match &request.widget {
        Some(w) => {
            let mut out = dashboard_run::widget_document(ctx, &d, w, &values, page, request.today)?
                .ok_or_else(|| PipelineError::NotFound(format!("widget {w} of {dashboard}")))?;
            out.time_zone = request.zone();
            let bytes = crate::render::render(&out, format, branding, exports)
                .map_err(PipelineError::from)?;
            (out, bytes)
        }
        None => {
            let mut out = dashboard_run::document(ctx, &d, &values, page, request.today)?;
            out.options.landscape = request.landscape;
            out.time_zone = request.zone();
            let bytes = crate::render::render_dashboard(&out, format, branding, exports)
                .map_err(PipelineError::from)?;
            (out, bytes)
        }
    };
    write(ctx, out, bytes, format, request, id, started)
}

/// A file a person downloads, rendered already (a dashboard, one of its widgets): written and
/// recorded as an export made by `made_by` from `request` (enough to make it again, with
/// `dashboard` set for a dashboard's), so it is on /exports like every file made.
pub fn keep(
    ctx: &Ctx,
    out: Output,
    bytes: Vec<u8>,
    format: ExportFormat,
    request: &ExportRequest,
    made_by: Option<&str>,
    started: Instant,
) -> Result<(ExportRecord, Vec<u8>), ExportError> {
    let (record, bytes, _) = write(ctx, out, bytes, format, request, None, started)?;
    Ok((insert(ctx, record, made_by)?, bytes))
}

/// A report downloaded by a person (`made_by`): rendered, written and recorded as [`make`] and
/// [`make_recorded`] do. A request that fails (a bad parameter) records nothing: the person
/// gets the error instead of a file.
pub fn make_download(
    ctx: &Ctx,
    report: &str,
    format: ExportFormat,
    request: &ExportRequest,
    made_by: Option<&str>,
) -> Result<(ExportRecord, Vec<u8>), ExportError> {
    let (record, bytes, _) = make(ctx, report, format, request, None, true)?;
    Ok((insert(ctx, record, made_by)?, bytes))
}

/// Records a written export as made by `made_by`.
fn insert(
    ctx: &Ctx,
    mut record: ExportRecord,
    made_by: Option<&str>,
) -> Result<ExportRecord, ExportError> {
    record.made_by = made_by.map(str::to_string);
    store::export::insert(&*ctx.store.app.get()?, &record)?;
    Ok(record)
}

/// A report's first table streamed as CSV to a person (`made_by`) through `chunks` (see
/// `Ctx::stream_csv`), copied into an export file as it goes and recorded under `id` once the
/// whole file was sent: a download that stops short (the client left, the query failed)
/// records nothing. Blocking.
pub fn stream_csv(
    ctx: &Ctx,
    id: &str,
    report: &str,
    request: &ExportRequest,
    made_by: Option<&str>,
    ready: tokio::sync::oneshot::Sender<Result<String, PipelineError>>,
    chunks: crate::app::stream::Chunks,
) {
    let started = Instant::now();
    let final_path = path(ctx, id, ExportFormat::Csv.extension());
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
            let mut r = record(
                ctx,
                id,
                &sent.report_id,
                &sent.name,
                ExportFormat::Csv,
                request,
            );
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

/// The record of an export from its request, completed now and expiring after the retention;
/// the caller fills in size, rows and time taken.
fn record(
    ctx: &Ctx,
    id: &str,
    report_id: &str,
    name: &str,
    format: ExportFormat,
    request: &ExportRequest,
) -> ExportRecord {
    let now = Utc::now();
    ExportRecord {
        id: id.to_string(),
        report_id: report_id.to_string(),
        report_name: name.to_string(),
        format: format.extension().to_string(),
        file_name: crate::model::export::file_name(name, request.today, format),
        size: 0,
        rows: 0,
        status: ExportStatus::Completed,
        duration_ms: 0,
        parameters: request
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        created_at: crate::model::time::rfc3339(now),
        expires_at: crate::model::time::rfc3339(
            now + chrono::Duration::days(ctx.config.delivery.export_retention_days as i64),
        ),
        request: Some(request.clone()),
        error: None,
        made_by: None,
        schedule_id: None,
        schedule_name: None,
    }
}

/// Writes a rendered export's file (aside, then renamed) and returns its record.
fn write(
    ctx: &Ctx,
    out: Output,
    bytes: Vec<u8>,
    format: ExportFormat,
    request: &ExportRequest,
    id: Option<String>,
    started: Instant,
) -> Result<(ExportRecord, Vec<u8>, Output), ExportError> {
    let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let path = crate::export::path(ctx, &id, format.extension());
    let dir = path.parent().expect("exports folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = dir.join(format!(".{id}.partial"));
    std::fs::write(&partial, &bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    let record = ExportRecord {
        size: bytes.len() as i64,
        rows: out.tables().map(|t| t.result.rows.len() as i64).sum(),
        duration_ms: started.elapsed().as_millis() as i64,
        parameters: out.parameters.clone(),
        ..record(ctx, &id, &out.report_id, &out.name, format, request)
    };
    Ok((record, bytes, out))
}

/// Makes and records an export of a report, or of a dashboard when `request.dashboard` (then
/// `report` is the dashboard's id), made by `made_by` (a person's email; none for a
/// schedule's); a failure is recorded too (status `failed`, with its error, retryable) and
/// returned.
pub fn make_recorded(
    ctx: &Ctx,
    report: &str,
    report_name: &str,
    format: ExportFormat,
    request: &ExportRequest,
    id: Option<String>,
    made_by: Option<&str>,
) -> Result<(ExportRecord, Vec<u8>), ExportError> {
    let started = Instant::now();
    let made = if request.dashboard {
        make_dashboard(ctx, report, format, request, id.clone())
    } else {
        make(ctx, report, format, request, id.clone(), true)
    };
    match made {
        Ok((record, bytes, _)) => Ok((insert(ctx, record, made_by)?, bytes)),
        Err(e) => {
            let id = id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
            let now = crate::model::time::now_text();
            let failed = ExportRecord {
                status: ExportStatus::Failed,
                duration_ms: started.elapsed().as_millis() as i64,
                expires_at: now.clone(),
                created_at: now,
                error: Some(e.to_string()),
                ..record(ctx, &id, report, report_name, format, request)
            };
            insert(ctx, failed, made_by)?;
            Err(e)
        }
    }
}

/// Makes a failed or expired export again, under the same id.
pub fn retry(ctx: &Ctx, id: &str) -> Result<ExportRecord, ExportError> {
    let e = store::export::get(&*ctx.store.app.get()?, id)?
        .ok_or_else(|| ExportError::NotFound(id.to_string()))?;
    if e.status == ExportStatus::Completed {
        return Err(ExportError::Conflict(
            "this export is completed: download it, there is nothing to retry".into(),
        ));
    }
    let request = e.request.as_ref().ok_or_else(|| {
        ExportError::Conflict(
            "this export was made before Quire kept what an export is made from: generate it anew"
                .into(),
        )
    })?;
    let mut request = request.clone();
    // Dashboards' exports recorded before the request said so are known by their id.
    if !request.dashboard {
        request.dashboard = store::dashboard::get(&*ctx.store.app.get()?, &e.report_id)?.is_some();
    }
    let format = ExportFormat::parse(&e.format).unwrap_or_default();
    make_recorded(
        ctx,
        &e.report_id,
        &e.report_name,
        format,
        &request,
        Some(e.id.clone()),
        e.made_by.as_deref(),
    )
    .map(|(record, _)| record)
}

/// Deletes an export and its file.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), ExportError> {
    let conn = ctx.store.app.get()?;
    let e = store::export::get(&conn, id)?.ok_or_else(|| ExportError::NotFound(id.to_string()))?;
    let path = crate::export::path(ctx, &e.id, &e.format);
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            return Err(anyhow::Error::new(err)
                .context(format!("deleting {}", path.display()))
                .into())
        }
    }
    store::export::delete(&conn, id)?;
    Ok(())
}

/// Files in the exports folder that no record names (a crash between writing a file and
/// recording it) or half-written ones, older than `min_age` so a file another process is
/// about to record is left alone, are deleted. Returns how many.
pub fn sweep_orphans(
    dir: &std::path::Path,
    conn: &rusqlite::Connection,
    min_age: std::time::Duration,
) -> Result<usize, ExportError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
        Err(e) => {
            return Err(anyhow::Error::new(e)
                .context(format!("reading {}", dir.display()))
                .into())
        }
    };
    let mut deleted = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= min_age);
        let name = entry.file_name().to_string_lossy().to_string();
        let orphan = if name.starts_with('.') && name.ends_with(".partial") {
            true
        } else {
            match name.split_once('.') {
                Some((id, _)) => store::export::get(conn, id)?
                    .is_none_or(|e| e.status != ExportStatus::Completed),
                None => false,
            }
        };
        if old && orphan && path.is_file() && std::fs::remove_file(&path).is_ok() {
            tracing::info!(file = %path.display(), "unrecorded export file deleted");
            deleted += 1;
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unrecorded_and_half_written_files_go_recorded_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        let kept = ExportRecord {
            id: "kept".into(),
            report_id: "r".into(),
            report_name: "R".into(),
            format: "pdf".into(),
            file_name: "r.pdf".into(),
            size: 1,
            rows: 0,
            status: ExportStatus::Completed,
            duration_ms: 0,
            parameters: vec![],
            created_at: "x".into(),
            expires_at: "y".into(),
            request: None,
            error: None,
            made_by: None,
            schedule_id: None,
            schedule_name: None,
        };
        store::export::insert(&conn, &kept).unwrap();
        for f in ["kept.pdf", "lost.pdf", ".half.partial", "notes"] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        // Too young: another process may be about to record it.
        assert_eq!(
            sweep_orphans(dir.path(), &conn, std::time::Duration::from_secs(3600)).unwrap(),
            0
        );
        assert_eq!(
            sweep_orphans(dir.path(), &conn, std::time::Duration::ZERO).unwrap(),
            2
        );
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        left.sort();
        assert_eq!(left, ["kept.pdf", "notes"]);
        assert_eq!(
            sweep_orphans(&dir.path().join("none"), &conn, std::time::Duration::ZERO).unwrap(),
            0
        );
    }
}
