//! Report generation jobs (`POST /api/v1/reports/{id}/generate`): a request is checked, stored
//! as a queued job and run on the render slots shared with the scheduler, off the async
//! threads. Its progress is recorded as visualizations are built; the result is stored with
//! the job's completion. Jobs a stopped process left queued or processing are run again at
//! start.

use crate::app::queue::RenderQueue;
use crate::app::{Ctx, PipelineError, RunSpec};
use crate::report::params;
use crate::report::run::{snapshot, Output, TableRows};
use crate::store::{self, job::Job, StoreError};
use chrono::Utc;
use std::collections::BTreeMap;

/// Why a request was not queued.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("no report with id `{0}`")]
    NotFound(String),
    #[error("parameters.{name}: {message}")]
    Param { name: String, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<r2d2::Error> for SubmitError {
    fn from(e: r2d2::Error) -> Self {
        SubmitError::Store(e.into())
    }
}

/// Runs generation jobs, as many at once as there are render slots.
#[derive(Clone)]
pub struct Generator {
    ctx: Ctx,
    queue: RenderQueue,
}

impl Generator {
    pub fn new(ctx: Ctx, queue: RenderQueue) -> Generator {
        Generator { ctx, queue }
    }

    /// Checks the parameters against the report, stores a queued job for `by` (an email) who
    /// sees with `sight` and starts it: it reads what they may see.
    pub async fn submit(
        &self,
        report: String,
        parameters: BTreeMap<String, String>,
        (by, sight): (Option<String>, crate::model::access::Sight),
    ) -> Result<Job, SubmitError> {
        let ctx = self.ctx.clone();
        let job = tokio::task::spawn_blocking(move || -> Result<Job, SubmitError> {
            let conn = ctx.store.app.get()?;
            let stored = store::report::get(&conn, &report)?
                .ok_or_else(|| SubmitError::NotFound(report.clone()))?;
            let today = Utc::now().date_naive();
            params::resolve(&stored.definition.parameters, &parameters, today).map_err(|e| {
                SubmitError::Param {
                    name: e.name,
                    message: e.message,
                }
            })?;
            let id = uuid::Uuid::new_v4().to_string();
            store::job::insert(&conn, &id, &stored.id, &parameters, &today.to_string())?;
            store::job::set_asker(&conn, &id, by.as_deref(), &sight)?;
            Ok(store::job::get(&conn, &id)?.expect("just inserted"))
        })
        .await
        .expect("the submit task does not panic")?;
        self.spawn(job.id.clone());
        Ok(job)
    }

    /// Queues again the jobs a stopped process left unfinished.
    pub async fn resume(&self) -> Result<usize, StoreError> {
        let ctx = self.ctx.clone();
        let ids = tokio::task::spawn_blocking(move || {
            store::job::requeue_unfinished(&*ctx.store.app.get()?)
        })
        .await
        .expect("the resume task does not panic")?;
        let n = ids.len();
        for id in ids {
            tracing::info!(job = %id, "generation job queued again after a restart");
            self.spawn(id);
        }
        Ok(n)
    }

    fn spawn(&self, id: String) {
        let (ctx, queue) = (self.ctx.clone(), self.queue.clone());
        tokio::spawn(async move {
            // A job waits its turn however long the queue.
            let _ticket = queue.wait().await;
            let job = id.clone();
            let done = tokio::task::spawn_blocking(move || run(&ctx, &job)).await;
            match done {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(job = %id, error = %e, "generation job not recorded"),
                Err(e) => tracing::error!(job = %id, error = %e, "generation job panicked"),
            }
        });
    }
}

/// Runs one job to completion or failure. Errors are the store's, when even the failure
/// could not be recorded.
fn run(ctx: &Ctx, id: &str) -> Result<(), StoreError> {
    let (job, sight) = {
        let conn = ctx.store.app.get()?;
        let Some(job) = store::job::get(&conn, id)? else {
            return Ok(());
        };
        store::job::start(&conn, id)?;
        (job, store::job::asker(&conn, id)?.1)
    };
    // It reads what the person who asked could see when they asked.
    let ctx = &ctx.seeing(sight);
    let started = std::time::Instant::now();
    // The run takes app connections of its own: none is held while it goes.
    let progress = |built: usize, total: usize| {
        let p = 5 + (90 * built / total.max(1)) as u8;
        let set = ctx.store.app.get().map_err(StoreError::from);
        if let Err(e) = set.and_then(|conn| store::job::set_progress(&conn, id, p)) {
            tracing::warn!(job = %id, error = %e, "progress not recorded");
        }
    };
    let output = output(ctx, &job, Some(&progress));
    let mut conn = ctx.store.app.get()?;
    let kept = output.and_then(|out| Ok(snapshot::split(&out).map_err(StoreError::from)?));
    match kept {
        Ok((json, extra)) => {
            let result_id = uuid::Uuid::new_v4().to_string();
            store::job::complete(&mut conn, &job, &result_id, (&json, &extra))?;
            tracing::info!(job = %id, result = %result_id, ms = started.elapsed().as_millis() as u64, "report generated");
        }
        Err(e) => {
            tracing::warn!(job = %id, error = %e, "report generation failed");
            store::job::fail(&conn, id, &e.to_string())?;
        }
    }
    Ok(())
}

/// The job's report run with its parameters, as of its day.
pub fn output(
    ctx: &Ctx,
    job: &Job,
    progress: Option<&dyn Fn(usize, usize)>,
) -> Result<Output, PipelineError> {
    let today = job.day();
    ctx.run_with_progress(
        &RunSpec {
            report: &job.report_id,
            params: &job.parameters,
            rows: TableRows::All { cap: u32::MAX },
            only: None,
            sort: None,
            today,
            narrow: None,
            // A job's result is JSON, in UTC; its files take the downloader's zone (`export`).
            zone: chrono_tz::UTC,
            stored: None,
        },
        progress,
    )
}
