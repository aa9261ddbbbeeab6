//! One execution of a schedule: render the report as of the fire time, keep the file as an
//! export, and queue one delivery per recipient in the outbox — the last two in one transaction.

use crate::app::queue::RenderQueue;
use crate::app::Ctx;
use crate::deliver::{self, summary::Summary};
use crate::export::{self, Keep, Made, Order};
use crate::model::cron::parse_timezone;
use crate::model::export::{ExportRequest, Target};
use crate::render::png;
use crate::store::{self, run::Trigger, schedule::StoredSchedule};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::Notify;

/// What runs need: the render queue and the outbox to wake.
#[derive(Clone)]
pub struct Runner {
    pub queue: RenderQueue,
    pub outbox: Arc<Notify>,
}

/// Starts a run of `schedule_id` now; returns the execution id and its task.
pub async fn run_now(
    ctx: &Ctx,
    schedule_id: &str,
    runner: &Runner,
) -> anyhow::Result<Option<(String, tokio::task::JoinHandle<()>)>> {
    let c = ctx.clone();
    let id = schedule_id.to_string();
    let claimed = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let mut conn = c.store.app.get()?;
        let Some(s) = store::schedule::get(&conn, &id)? else {
            return Ok(None);
        };
        let run_id = store::run::claim(&mut conn, &s.id, None, Trigger::Manual, None)?
            .expect("manual runs have no idempotency key");
        Ok(Some((s, run_id)))
    })
    .await??;
    Ok(claimed.map(|(s, run_id)| {
        let handle = tokio::spawn(execute(
            ctx.clone(),
            s,
            run_id.clone(),
            Utc::now(),
            runner.clone(),
        ));
        (run_id, handle)
    }))
}

/// Renders and queues the deliveries; a failure is written to the run and the schedule.
pub async fn execute(
    ctx: Ctx,
    s: StoredSchedule,
    run_id: String,
    fire_at: DateTime<Utc>,
    runner: Runner,
) {
    // A run waits its turn however long the queue: delayed, never dropped.
    let _ticket = runner.queue.wait().await;
    let c = ctx.clone();
    let (name, id) = (s.name.clone(), run_id.clone());
    let produced = tokio::task::spawn_blocking(move || produce(&c, &s, &id, fire_at))
        .await
        .map_err(anyhow::Error::from)
        .and_then(|r| r);
    match produced {
        Ok(queued) => {
            tracing::info!(schedule = %name, deliveries = queued, "report made; deliveries queued")
        }
        Err(e) => {
            let message = format!("{e:#}");
            tracing::error!(schedule = %name, error = %message, "schedule run failed");
            let c = ctx.clone();
            let recorded = tokio::task::spawn_blocking(move || {
                store::run::fail(&*c.store.app.get()?, &run_id, &message)
            })
            .await;
            if let Ok(Err(e)) = recorded {
                tracing::error!(error = %e, "recording the failed run failed");
            }
        }
    }
    runner.outbox.notify_one();
}

/// Renders the report, writes its file, records the export and queues the deliveries.
/// Returns how many deliveries were queued.
fn produce(
    ctx: &Ctx,
    s: &StoredSchedule,
    run_id: &str,
    fire_at: DateTime<Utc>,
) -> anyhow::Result<usize> {
    // The run reads what its owner may see.
    let sight = store::access::schedule_sight(&*ctx.store.app.get()?, &s.id)?;
    let ctx = &ctx.seeing(sight);
    let tz = parse_timezone(&s.timezone).map_err(anyhow::Error::msg)?;
    let today = fire_at.with_timezone(&tz).date_naive();
    let request = ExportRequest {
        params: s.parameters.clone(),
        today,
        row_limit: s.row_limit,
        time_zone: Some(tz.name().to_string()),
        ..Default::default()
    };
    let target = match &s.dashboard_id {
        Some(d) => Target::Dashboard(d.as_str().into()),
        None => Target::Report(s.report_id.as_str().into()),
    };
    let order = Order {
        // The message quotes the KPIs, whatever the file.
        whole: true,
        ..Order::new(target, s.export_format, request, Keep::Written)
    };
    let Made {
        record,
        output: out,
        ..
    } = export::make(ctx, order)?;
    let summary = Summary::new(&out, &s.name, today).due(fire_at, tz);
    let chart = deliver::summary::main_chart(&out).and_then(|c| {
        png::from_svg(&c.svg)
            .map_err(|e| tracing::warn!(error = %e, "email chart left out"))
            .ok()
    });
    let id = record.id.clone();
    let mut conn = ctx.store.app.get()?;
    let tx = conn.transaction()?;
    store::export::insert(&tx, &record)?;
    store::run::attach_export(
        &tx,
        run_id,
        &id,
        &serde_json::to_string(&summary)?,
        chart.as_deref(),
    )?;
    store::delivery::enqueue(&tx, run_id, &s.recipients)?;
    tx.commit()?;
    // With no recipients there is nothing to wait for.
    store::run::settle(&conn, run_id)?;
    Ok(s.recipients.len())
}
