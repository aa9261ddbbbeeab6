//! One execution of a schedule: render the report as of the fire time, deliver it, record it.

use crate::config::RecipientKind;
use crate::deliver::email;
use crate::pipeline::Ctx;
use crate::schedule::cron::parse_timezone;
use crate::store::{self, run::Trigger, schedule::StoredSchedule};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Starts a run of `schedule_id` now; returns the execution id.
pub async fn run_now(
    ctx: &Ctx,
    schedule_id: &str,
    slots: Arc<Semaphore>,
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
        let handle = tokio::spawn(execute(ctx.clone(), s, run_id.clone(), Utc::now(), slots));
        (run_id, handle)
    }))
}

/// Renders and delivers; the outcome is written to the run row and the schedule.
pub async fn execute(
    ctx: Ctx,
    s: StoredSchedule,
    run_id: String,
    fire_at: DateTime<Utc>,
    slots: Arc<Semaphore>,
) {
    let _permit = slots.acquire_owned().await;
    let outcome = deliver(&ctx, &s, fire_at).await;
    let (error, delivered) = match &outcome {
        Ok(n) => (None, *n),
        Err((e, n)) => (Some(e.clone()), *n),
    };
    match &error {
        None => tracing::info!(schedule = %s.name, delivered, "schedule run succeeded"),
        Some(e) => tracing::error!(schedule = %s.name, error = %e, "schedule run failed"),
    }
    let c = ctx.clone();
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let conn = c.store.app.get()?;
        store::run::finish(&conn, &run_id, error.as_deref(), delivered)?;
        let status = if error.is_some() {
            "failed"
        } else {
            "succeeded"
        };
        store::schedule::set_last_run(&conn, &s.id, &store::now_text(), status)?;
        Ok(())
    })
    .await;
    if let Ok(Err(e)) | Err(e) = result.map_err(anyhow::Error::from) {
        tracing::error!(error = %e, "recording the run failed");
    }
}

/// Returns the number of recipients reached, or the error and how many were reached before it.
async fn deliver(
    ctx: &Ctx,
    s: &StoredSchedule,
    fire_at: DateTime<Utc>,
) -> Result<u32, (String, u32)> {
    let tz = parse_timezone(&s.timezone).map_err(|e| (e, 0))?;
    let today = fire_at.with_timezone(&tz).date_naive();
    let c = ctx.clone();
    let (report, params, format, cap) = (
        s.report_id.clone(),
        s.parameters.clone(),
        s.export_format,
        s.row_limit,
    );
    let (out, bytes) =
        tokio::task::spawn_blocking(move || c.render(&report, &params, format, cap, today))
            .await
            .map_err(|e| (e.to_string(), 0))?
            .map_err(|e| (e.to_string(), 0))?;
    let file = email::AttachmentFile {
        format,
        bytes: &bytes,
    };
    let mut messages = Vec::new();
    for r in &s.recipients {
        match r.kind {
            RecipientKind::Email => messages.push(
                email::build(
                    &ctx.config.smtp,
                    &ctx.config.branding.name,
                    &r.address,
                    &out,
                    today,
                    &file,
                )
                .map_err(|e| (e.to_string(), 0))?,
            ),
            other => {
                return Err((
                    format!("delivery to {other:?} recipients is not available yet"),
                    0,
                ))
            }
        }
    }
    if messages.is_empty() {
        return Ok(0);
    }
    email::send(&ctx.config.smtp, messages)
        .await
        .map_err(|e| (e.to_string(), 0))
}
