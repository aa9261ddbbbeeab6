//! Exports kept as files: `<data_dir>/exports/<id>.<format>`, written aside and renamed so a
//! file under its final name is always whole, and recorded in the `exports` table with the
//! request that made them, so a failed or expired export can be made again. Every file Quire
//! makes is made here (`make`; a streamed CSV download, `stream`); this file keeps them:
//! retry, delete, expire, sweep, and mark those a restored backup did not hold.

mod make;
mod stream;

pub use make::{make, Keep, Made, Order};
pub use stream::stream_csv;

use crate::app::{Ctx, PipelineError};
use crate::model::export::{ExportFormat, ExportRecord, ExportStatus};
use crate::model::id::ExportId;
use crate::store::{self, StoreError};

/// Why an export could not be made, deleted or retried.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no export with id `{0}`")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A value the export is asked for with is refused (`field` names it).
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
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
pub fn path(ctx: &Ctx, id: &str, format: ExportFormat) -> std::path::PathBuf {
    ctx.config
        .storage
        .data_dir
        .join("exports")
        .join(file_name(id, format))
}

/// An export's file name in the exports folder: `<id>.<extension>`.
pub fn file_name(id: &str, format: ExportFormat) -> String {
    format!("{id}.{}", format.extension())
}

/// What the list and a download say of an export whose file a restored backup did not hold.
pub const MISSING: &str = "file missing: not in the backup, generate again";

/// Completed exports whose file is not in `dir` (a backup restored without it) are marked
/// expired with `MISSING` as their error: the list says so and offers Retry, and a download
/// answers 410 with that sentence instead of a file that is not there. Returns how many.
pub fn mark_missing(
    conn: &rusqlite::Connection,
    dir: &std::path::Path,
) -> Result<usize, ExportError> {
    let mut marked = 0;
    for mut e in store::export::list(conn, Some(ExportStatus::Completed.as_str()), None, u32::MAX)?
    {
        if dir.join(file_name(&e.id, e.format)).is_file() {
            continue;
        }
        e.status = ExportStatus::Expired;
        e.error = Some(MISSING.to_string());
        store::export::insert(conn, &e)?;
        marked += 1;
    }
    Ok(marked)
}

/// Deletes the files of exports past their retention, and generation results as old.
pub fn expire(ctx: &Ctx) -> anyhow::Result<()> {
    let conn = ctx.store.app.get()?;
    let expired = store::export::expire(&conn, &crate::model::time::now_text())?;
    for (id, format) in expired {
        let _ = std::fs::remove_file(path(ctx, &id, format));
    }
    let days = ctx.config.delivery.export_retention_days as i64;
    let before = crate::model::time::rfc3339(chrono::Utc::now() - chrono::Duration::days(days));
    store::job::forget_finished(&conn, &before)?;
    Ok(())
}

/// Makes a failed or expired export again, under the same id, from what it was made of.
pub fn retry(ctx: &Ctx, id: &ExportId) -> Result<ExportRecord, ExportError> {
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
    if !request.dashboard && request.result.is_none() {
        request.dashboard = store::dashboard::get(&*ctx.store.app.get()?, &e.report_id)?.is_some();
    }
    let order = Order {
        id: Some(e.id.clone()),
        ..Order::new(
            request.target(&e.report_id),
            e.format,
            request,
            Keep::Recorded {
                made_by: e.made_by.clone(),
                name: Some(e.report_name.clone()),
            },
        )
    };
    make(ctx, order).map(|made| made.record)
}

/// Deletes `email`'s oldest files past `[exports] download_quota_mb` (the newest stays, even
/// alone past it). Returns how many went.
pub fn keep_within_quota(ctx: &Ctx, email: &str) -> Result<usize, ExportError> {
    let quota = ctx.config.exports.download_quota_mb.saturating_mul(1 << 20) as i64;
    let files = store::export::made_by(&*ctx.store.app.get()?, email)?;
    let mut total = 0i64;
    let mut deleted = 0;
    for (i, (id, _, size)) in files.iter().enumerate() {
        total += size;
        if i > 0 && total > quota {
            delete(ctx, id)?;
            deleted += 1;
        }
    }
    if deleted > 0 {
        tracing::info!(%email, deleted, "a person's oldest files deleted past their quota");
    }
    Ok(deleted)
}

/// Deletes an export and its file.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), ExportError> {
    let conn = ctx.store.app.get()?;
    let e = store::export::get(&conn, id)?.ok_or_else(|| ExportError::NotFound(id.to_string()))?;
    let path = crate::export::path(ctx, &e.id, e.format);
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
    fn completed_exports_without_their_file_are_marked_missing() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        for id in ["kept", "lost"] {
            let e = ExportRecord {
                id: id.into(),
                report_id: "r".into(),
                report_name: "R".into(),
                format: ExportFormat::Csv,
                file_name: "r.csv".into(),
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
            store::export::insert(&conn, &e).unwrap();
        }
        std::fs::write(dir.path().join("kept.csv"), b"x").unwrap();
        assert_eq!(mark_missing(&conn, dir.path()).unwrap(), 1);
        let lost = store::export::get(&conn, "lost").unwrap().unwrap();
        assert_eq!(lost.status, ExportStatus::Expired);
        assert_eq!(lost.error.as_deref(), Some(MISSING));
        let kept = store::export::get(&conn, "kept").unwrap().unwrap();
        assert_eq!((kept.status, kept.error), (ExportStatus::Completed, None));
        assert_eq!(mark_missing(&conn, dir.path()).unwrap(), 0);
    }

    #[test]
    fn unrecorded_and_half_written_files_go_recorded_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        let kept = ExportRecord {
            id: "kept".into(),
            report_id: "r".into(),
            report_name: "R".into(),
            format: ExportFormat::Pdf,
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
