//! Exports kept as files: `<data_dir>/exports/<id>.<format>`, written aside and renamed so a
//! file under its final name is always whole, and described by an `ExportRecord` for the
//! `exports` table. Scheduled runs and generated results both keep their files this way.

use crate::config::ExportFormat;
use crate::pipeline::Ctx;
use crate::report::run::Output;
use crate::store::export::ExportRecord;
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use std::time::Instant;

/// Writes `bytes` as a new export of `out`; the caller inserts the returned record (in its
/// own transaction, with whatever else it records).
pub fn keep(
    ctx: &Ctx,
    out: &Output,
    bytes: &[u8],
    format: ExportFormat,
    day: NaiveDate,
    started: Instant,
) -> anyhow::Result<ExportRecord> {
    let id = uuid::Uuid::new_v4().to_string();
    let path = crate::deliver::outbox::export_path(ctx, &id, format.extension());
    let dir = path.parent().expect("exports folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = dir.join(format!(".{id}.partial"));
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    let now = Utc::now();
    Ok(ExportRecord {
        id,
        report_id: out.report_id.clone(),
        report_name: out.name.clone(),
        format: format.extension().to_string(),
        file_name: crate::deliver::file_name(&out.name, day, format),
        size: bytes.len() as i64,
        rows: out.tables().map(|t| t.result.rows.len() as i64).sum(),
        status: "completed".into(),
        duration_ms: started.elapsed().as_millis() as i64,
        parameters: out.parameters.clone(),
        created_at: crate::schedule::rfc3339(now),
        expires_at: crate::schedule::rfc3339(
            now + chrono::Duration::days(ctx.config.delivery.export_retention_days as i64),
        ),
    })
}
