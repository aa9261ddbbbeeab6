//! Making a file: one way for every file Quire makes. An [`Order`] says what from (a
//! [`Target`]: a report or a dashboard run now, one widget, a stored result as it was), in which
//! format, with which request, and how the file is kept; [`make`] runs or reads the document,
//! renders it (the only caller of `render::render`) and writes and records it as asked.

use super::ExportError;
use crate::app::dashboard::document;
use crate::app::dashboard::run::{scheduled_values, View};
use crate::app::{Ctx, PipelineError, RunSpec};
use crate::data::query::QueryError;
use crate::model::export::{ExportFormat, ExportRecord, ExportRequest, ExportStatus, Target};
use crate::model::id::ExportId;
use crate::render::{self, RenderError, Shape};
use crate::report::run::{snapshot, Output, RunError, TableRows};
use crate::store;
use anyhow::Context;
use chrono::Utc;
use std::time::Instant;

/// How a made file is kept.
#[derive(Debug, Clone)]
pub enum Keep {
    /// Neither written nor recorded: the bytes only (`quire render` writes them where told).
    Bytes,
    /// Written; its record is returned for the caller to store with what else it records (a
    /// schedule's run and its deliveries, in one transaction).
    Written,
    /// Written and recorded as made by this person (none: made for nobody in particular). A
    /// failure records nothing: the person gets the error instead of a file.
    Download(Option<String>),
    /// Written and recorded; a failure is recorded too, retryable (a result's export, a retry).
    /// `name` names the report in a failure's record when it cannot be looked up.
    Recorded {
        made_by: Option<String>,
        name: Option<String>,
    },
}

/// A file to make.
#[derive(Debug, Clone)]
pub struct Order {
    pub target: Target,
    pub format: ExportFormat,
    /// What it is made with: parameters or filter values, the day, the zone, ... (recorded, so
    /// it can be made again).
    pub request: ExportRequest,
    pub keep: Keep,
    /// The export's id when it is made again (a retry); a new one otherwise.
    pub id: Option<ExportId>,
    /// Run every visualization even for a CSV (which shows the first table only): a message
    /// will quote the KPIs.
    pub whole: bool,
}

impl Order {
    /// An order for a new file kept as `keep`, with every other choice the usual one.
    pub fn new(target: Target, format: ExportFormat, request: ExportRequest, keep: Keep) -> Order {
        Order {
            target,
            format,
            request,
            keep,
            id: None,
            whole: false,
        }
    }
}

/// A made file: its record (stored or not, as the order's `keep` said), its bytes and the
/// document it was rendered from (a schedule's message quotes it).
pub struct Made {
    pub record: ExportRecord,
    pub bytes: Vec<u8>,
    pub output: Output,
}

/// Makes the file `order` asks for. Blocking.
pub fn make(ctx: &Ctx, order: Order) -> Result<Made, ExportError> {
    let started = Instant::now();
    let request = order.request.clone().of(&order.target);
    let made = document(ctx, &order, &request).and_then(|(out, shape)| {
        let bytes = render::render(
            &out,
            order.format,
            shape,
            &ctx.config.branding,
            &ctx.config.exports,
        )
        .map_err(PipelineError::from)?;
        Ok((out, bytes))
    });
    let id = order.id.clone().unwrap_or_else(ExportId::random);
    match (made, &order.keep) {
        (Ok((output, bytes)), keep) => {
            let record = ExportRecord {
                size: bytes.len() as i64,
                rows: output.tables().map(|t| t.result.rows.len() as i64).sum(),
                duration_ms: started.elapsed().as_millis() as i64,
                parameters: output.parameters.clone(),
                ..record(
                    ctx,
                    &id,
                    &output.report_id,
                    &output.name,
                    order.format,
                    &request,
                )
            };
            let record = match keep {
                Keep::Bytes => record,
                Keep::Written => write(ctx, &record, &bytes).map(|()| record)?,
                Keep::Download(made_by) | Keep::Recorded { made_by, .. } => {
                    write(ctx, &record, &bytes)?;
                    insert(ctx, record, made_by.as_deref())?
                }
            };
            Ok(Made {
                record,
                bytes,
                output,
            })
        }
        (Err(e), Keep::Recorded { made_by, name }) if !e.is_cancelled() => {
            let (subject, shown) = subject(ctx, &order.target);
            let name = name.clone().or(shown).unwrap_or_else(|| subject.clone());
            let now = crate::model::time::now_text();
            let failed = ExportRecord {
                status: ExportStatus::Failed,
                duration_ms: started.elapsed().as_millis() as i64,
                expires_at: now.clone(),
                created_at: now,
                error: Some(e.to_string()),
                ..record(ctx, &id, &subject, &name, order.format, &request)
            };
            insert(ctx, failed, made_by.as_deref())?;
            Err(e)
        }
        (Err(e), _) => Err(e),
    }
}

/// The document an order's file is rendered from, and its shape.
fn document(
    ctx: &Ctx,
    order: &Order,
    request: &ExportRequest,
) -> Result<(Output, Shape), ExportError> {
    let today = request.today;
    let (mut out, shape) = match &order.target {
        Target::Report(report) => {
            // A CSV shows the first table: run nothing else, unless a message quotes the KPIs.
            let tables: Option<Vec<String>> = match order.format {
                ExportFormat::Csv if !order.whole => ctx
                    .report(report)?
                    .definition
                    .first_table()
                    .map(|t| vec![t.id.clone()]),
                _ => None,
            };
            let out = ctx.run(&RunSpec {
                report,
                params: &request.params,
                rows: TableRows::All {
                    cap: request.row_limit.unwrap_or(u32::MAX),
                },
                only: tables.as_deref(),
                sort: None,
                today,
                narrow: None,
                zone: request.zone(),
                stored: None,
            })?;
            (out, Shape::Report)
        }
        Target::Dashboard(id) | Target::Widget(id, _) => {
            let d = store::dashboard::get(&*ctx.store.app.get()?, id)?
                .ok_or_else(|| PipelineError::NotFound(format!("dashboard {id}")))?;
            let values = scheduled_values(&d.definition.filters, &request.params, today)
                .map_err(|(field, message)| ExportError::Invalid { field, message })?;
            let view = View {
                filters: &values,
                params: &request.report_params,
                today,
            };
            match &order.target {
                Target::Widget(_, w) => {
                    let out = document::widget_document(ctx, &d, w, view)?
                        .ok_or_else(|| PipelineError::NotFound(format!("widget {w} of {id}")))?;
                    (out, Shape::Report)
                }
                _ => {
                    let mut out = document::document(ctx, &d, view)?;
                    out.options.landscape = request.landscape;
                    (out, Shape::Dashboard)
                }
            }
        }
        Target::Result(id) => {
            let stored = store::job::result(&*ctx.store.app.get()?, id)?
                .ok_or_else(|| ExportError::NotFound(format!("result {id}")))?;
            let extra = stored.extra.ok_or_else(|| {
                ExportError::Conflict(
                    "this result was generated before Quire kept the numbers behind it: \
                     generate the report again to export it"
                        .into(),
                )
            })?;
            let out = snapshot::join(&stored.output_json, &extra)
                .map_err(|e| ExportError::Io(anyhow::Error::new(e)))?;
            (out, Shape::Report)
        }
    };
    out.time_zone = request.zone();
    Ok((out, shape))
}

/// The record's `report_id` and, where it can be found, the name of what `target` is made of.
fn subject(ctx: &Ctx, target: &Target) -> (String, Option<String>) {
    let report_name = |id: &str| ctx.report(id).ok().map(|s| s.definition.name);
    let app = || ctx.store.app.get().ok();
    match target {
        Target::Report(r) => (r.to_string(), report_name(r)),
        Target::Dashboard(d) | Target::Widget(d, _) => {
            let found = app().and_then(|conn| store::dashboard::get(&conn, d).ok().flatten());
            (d.to_string(), found.map(|d| d.definition.name))
        }
        Target::Result(r) => {
            let found = app().and_then(|conn| store::job::result(&conn, r).ok().flatten());
            match found {
                Some(stored) => {
                    let name = report_name(&stored.job.report_id);
                    (stored.job.report_id, name)
                }
                None => (r.to_string(), None),
            }
        }
    }
}

impl ExportError {
    /// The person who asked went away: nothing failed.
    pub fn is_cancelled(&self) -> bool {
        matches!(
            self,
            ExportError::Pipeline(PipelineError::Render(RenderError::Cancelled))
                | ExportError::Pipeline(PipelineError::Run(RunError::Query {
                    source: QueryError::Cancelled,
                    ..
                }))
        )
    }
}

/// Records a written export as made by `made_by`. A person's completed file is kept
/// `[exports] download_retention_days` and counts against their `download_quota_mb`.
pub(super) fn insert(
    ctx: &Ctx,
    mut record: ExportRecord,
    made_by: Option<&str>,
) -> Result<ExportRecord, ExportError> {
    record.made_by = made_by.map(str::to_string);
    let person = made_by.filter(|_| record.status == ExportStatus::Completed);
    if person.is_some() {
        let days = ctx.config.exports.download_retention_days as i64;
        record.expires_at = crate::model::time::rfc3339(Utc::now() + chrono::Duration::days(days));
    }
    store::export::insert(&*ctx.store.app.get()?, &record)?;
    if let Some(email) = person {
        if let Err(e) = super::keep_within_quota(ctx, email) {
            tracing::warn!(error = %e, "a person's older files not deleted past their quota");
        }
    }
    Ok(record)
}

/// The record of an export from its request, completed now and expiring after the retention;
/// the caller fills in size, rows and time taken.
pub(super) fn record(
    ctx: &Ctx,
    id: &ExportId,
    report_id: &str,
    name: &str,
    format: ExportFormat,
    request: &ExportRequest,
) -> ExportRecord {
    let now = Utc::now();
    ExportRecord {
        id: id.clone(),
        report_id: report_id.to_string(),
        report_name: name.to_string(),
        format,
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

/// Writes an export's file aside, then renames it, so a file under its final name is whole.
fn write(ctx: &Ctx, record: &ExportRecord, bytes: &[u8]) -> Result<(), ExportError> {
    let path = super::path(ctx, &record.id, record.format);
    let dir = path.parent().expect("exports folder");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let partial = dir.join(format!(".{}.partial", record.id));
    std::fs::write(&partial, bytes).with_context(|| format!("writing {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
