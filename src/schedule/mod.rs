//! The in-process scheduler: schedules live in SQLite with their next run time; one task sleeps
//! until the earliest one is due, claims each due occurrence once and runs it on a bounded pool.

pub mod cron;
pub mod execute;

use crate::pipeline::Ctx;
use crate::store::{self, run::Trigger};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// RFC 3339 UTC with seconds, as stored.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Parses a stored timestamp.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The running scheduler; dropping it does not stop it, `shutdown` does.
pub struct Scheduler {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    slots: Arc<Semaphore>,
    workers: u32,
    task: tokio::task::JoinHandle<()>,
}

/// The longest the loop sleeps; schedules changed behind its back are seen within this.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl Scheduler {
    /// Starts the loop.
    pub fn start(ctx: Ctx) -> Scheduler {
        let wake = Arc::new(Notify::new());
        let (stop, stop_rx) = watch::channel(false);
        let workers = ctx.config.limits.render_workers;
        let slots = Arc::new(Semaphore::new(workers as usize));
        let task = tokio::spawn(run_loop(ctx, wake.clone(), stop_rx, slots.clone()));
        Scheduler {
            wake,
            stop,
            slots,
            workers,
            task,
        }
    }

    /// A handle that makes the loop look at the schedules again (after a change).
    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The pool runs are executed on.
    pub fn slots(&self) -> Arc<Semaphore> {
        self.slots.clone()
    }

    /// Stops claiming new runs and waits up to `grace` for running ones to finish.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        let all = self.slots.acquire_many(self.workers);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("scheduler stopped with runs still in progress");
        }
    }
}

async fn run_loop(
    ctx: Ctx,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    slots: Arc<Semaphore>,
) {
    let c = ctx.clone();
    match tokio::task::spawn_blocking(move || store::run::fail_interrupted(&*c.store.app.get()?))
        .await
    {
        Ok(Ok(n)) if n > 0 => tracing::warn!(
            runs = n,
            "marked runs interrupted by the last stop as failed"
        ),
        Ok(Err(e)) => tracing::error!(error = %e, "checking interrupted runs"),
        _ => {}
    }
    loop {
        let c = ctx.clone();
        let slots_for_tick = slots.clone();
        let next = tokio::task::spawn_blocking(move || tick(&c, &slots_for_tick)).await;
        let sleep = match next {
            Ok(Ok(Some(t))) => (t - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP),
            Ok(Ok(None)) => MAX_SLEEP,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "scheduler tick failed");
                Duration::from_secs(5)
            }
            Err(e) => {
                tracing::error!(error = %e, "scheduler tick panicked");
                Duration::from_secs(5)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
}

/// Claims and starts every due occurrence; returns when the next one is due.
fn tick(ctx: &Ctx, slots: &Arc<Semaphore>) -> anyhow::Result<Option<DateTime<Utc>>> {
    let now = Utc::now();
    let mut conn = ctx.store.app.get()?;
    for s in store::schedule::due(&conn, &rfc3339(now))? {
        let Some(due_at) = s.next_run_at.as_deref().and_then(parse_time) else {
            continue;
        };
        let next = match (
            cron::CronSchedule::parse(&s.cron),
            cron::parse_timezone(&s.timezone),
        ) {
            (Ok(c), Ok(tz)) => c.next_after(now, tz),
            _ => None, // Stored invalid: stop scheduling it rather than fire in a loop.
        };
        // Late by more than a minute means we were down: missed occurrences coalesce into this one.
        let trigger = if now - due_at > chrono::Duration::seconds(60) {
            Trigger::Catchup
        } else {
            Trigger::Cron
        };
        let claimed = store::run::claim(
            &mut conn,
            &s.id,
            Some(&rfc3339(due_at)),
            trigger,
            next.map(rfc3339).as_deref(),
        )?;
        if let Some(run_id) = claimed {
            tracing::info!(schedule = %s.name, ?trigger, due = %rfc3339(due_at), "running schedule");
            tokio::runtime::Handle::current().spawn(execute::execute(
                ctx.clone(),
                s,
                run_id,
                due_at,
                slots.clone(),
            ));
        }
    }
    Ok(store::schedule::earliest_next_run(&conn)?
        .as_deref()
        .and_then(parse_time))
}
