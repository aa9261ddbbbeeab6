//! The in-process scheduler: schedules live in SQLite with their next run time; one task sleeps
//! until the earliest one is due, claims each due occurrence once and runs it on a bounded pool.
//! Beside it, the outbox worker (`deliver::outbox`) sends what the runs queued.

pub mod execute;

use crate::app::queue::RenderQueue;
use crate::app::Ctx;
use crate::model::cron;
use crate::model::time::{parse_time, rfc3339};
use crate::store::{self, run::Trigger};
use chrono::{DateTime, Utc};
use execute::Runner;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};

/// The running scheduler; dropping it does not stop it, `shutdown` does.
pub struct Scheduler {
    wake: Arc<Notify>,
    stop: watch::Sender<bool>,
    runner: Runner,
    task: tokio::task::JoinHandle<()>,
    outbox: tokio::task::JoinHandle<()>,
}

/// The longest the loop sleeps; schedules changed behind its back are seen within this.
const MAX_SLEEP: Duration = Duration::from_secs(60);

impl Scheduler {
    /// Starts the scheduler and the outbox worker.
    pub fn start(ctx: Ctx) -> Scheduler {
        let wake = Arc::new(Notify::new());
        let (stop, stop_rx) = watch::channel(false);
        let workers = ctx.config.limits.render_workers;
        let runner = Runner {
            queue: RenderQueue::new(workers as usize, ctx.config.limits.render_queue as usize),
            outbox: Arc::new(Notify::new()),
        };
        let outbox = tokio::spawn(crate::deliver::outbox::run_loop(
            ctx.clone(),
            runner.outbox.clone(),
            stop_rx.clone(),
        ));
        let task = tokio::spawn(run_loop(ctx, wake.clone(), stop_rx, runner.clone()));
        Scheduler {
            wake,
            stop,
            runner,
            task,
            outbox,
        }
    }

    /// A handle that makes the loop look at the schedules again (after a change).
    pub fn wake_handle(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// The render slots and the outbox, for runs started outside the loop.
    pub fn runner(&self) -> Runner {
        self.runner.clone()
    }

    /// Stops claiming new runs and waits up to `grace` for running ones to finish. Deliveries
    /// not sent yet stay in the outbox for the next start.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        if !self.runner.queue.drain(grace).await {
            tracing::warn!("scheduler stopped with runs still in progress");
        }
        let _ = tokio::time::timeout(grace, self.outbox).await;
    }
}

async fn run_loop(ctx: Ctx, wake: Arc<Notify>, mut stop: watch::Receiver<bool>, runner: Runner) {
    let started = Utc::now();
    resume_interrupted(&ctx, &runner).await;
    loop {
        let c = ctx.clone();
        let r = runner.clone();
        let next = tokio::task::spawn_blocking(move || tick(&c, &r, started)).await;
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

/// Runs that a stopped process left rendering are rendered again, under the same run (and so
/// the same occurrence): nothing was queued for them yet, so nothing is sent twice.
async fn resume_interrupted(ctx: &Ctx, runner: &Runner) {
    let c = ctx.clone();
    let found = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let conn = c.store.app.get()?;
        let mut out = Vec::new();
        for run in store::run::interrupted(&conn)? {
            if let Some(s) = store::schedule::get(&conn, &run.schedule_id)? {
                out.push((s, run));
            }
        }
        Ok(out)
    })
    .await;
    let runs = match found {
        Ok(Ok(runs)) => runs,
        Ok(Err(e)) => return tracing::error!(error = %e, "looking for interrupted runs"),
        Err(e) => return tracing::error!(error = %e, "looking for interrupted runs"),
    };
    for (s, run) in runs {
        let fire_at = run
            .scheduled_for
            .as_deref()
            .or(Some(run.started_at.as_str()))
            .and_then(parse_time)
            .unwrap_or_else(Utc::now);
        tracing::warn!(schedule = %s.name, run = %run.id, "resuming a run interrupted by the last stop");
        tokio::spawn(execute::execute(
            ctx.clone(),
            s,
            run.id,
            fire_at,
            runner.clone(),
        ));
    }
}

/// Claims and starts every due occurrence; returns when the next one is due. An occurrence due
/// before this process started was missed while it was down: it runs once, as a catch-up, and
/// the other missed ones coalesce into it (the next run is computed from now).
fn tick(
    ctx: &Ctx,
    runner: &Runner,
    started: DateTime<Utc>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
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
        let trigger = if due_at < started || now - due_at > chrono::Duration::seconds(60) {
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
            crate::auth::audit::record(
                &conn,
                Some("scheduler"),
                "schedule.run",
                Some(&s.name),
                None,
                Some(&format!("{trigger:?}").to_lowercase()),
            );
            tracing::info!(schedule = %s.name, ?trigger, due = %rfc3339(due_at), "running schedule");
            tokio::runtime::Handle::current().spawn(execute::execute(
                ctx.clone(),
                s,
                run_id,
                due_at,
                runner.clone(),
            ));
        }
    }
    let soonest = store::schedule::earliest_next_run(&conn)?
        .as_deref()
        .and_then(parse_time);
    let alerts = alerts(ctx, runner, &conn, now)?;
    Ok(match (soonest, alerts) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    })
}

/// Starts an evaluation of every alert due (each on a blocking thread; one at a time per
/// alert); returns when the next is due. An evaluation records the alert's next occurrence
/// with its result, so one killed halfway is evaluated again, and one recorded never twice.
fn alerts(
    ctx: &Ctx,
    runner: &Runner,
    conn: &rusqlite::Connection,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<DateTime<Utc>>> {
    for a in store::alert::due(conn, &rfc3339(now))? {
        let Some(due_at) = a.next_run_at.as_deref().and_then(parse_time) else {
            continue;
        };
        if !crate::app::alert::start(&a.id) {
            continue;
        }
        let (c, outbox) = (ctx.clone(), runner.outbox.clone());
        tokio::runtime::Handle::current().spawn_blocking(move || {
            let result = crate::app::alert::evaluate(&c, &a, Some(due_at));
            crate::app::alert::finish(&a.id);
            match result {
                Ok(e) if e.notified => outbox.notify_one(),
                Ok(_) => {}
                Err(e) => tracing::error!(alert = %a.definition.name, error = %e, "alert evaluation failed"),
            }
        });
    }
    // One being evaluated is due still: look again shortly rather than at once.
    Ok(store::alert::earliest_next_run(conn)?
        .as_deref()
        .and_then(parse_time)
        .map(|t| t.max(now + chrono::Duration::seconds(2))))
}
