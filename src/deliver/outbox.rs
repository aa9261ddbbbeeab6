//! The outbox worker: sends due deliveries (a bounded number at once), records each attempt,
//! retries failures with exponential backoff until `[delivery] give_up_after_hours`, then marks
//! them failed with the error. A run is settled when none of its deliveries is pending. An
//! alert's evaluation queues its notice's deliveries here too (`alert.rs`).

use super::summary::Summary;
use super::{email, link, webhook, Attachment, SendError};
use crate::app::Ctx;
use crate::model::export::ExportStatus;
use crate::model::schedule::RecipientKind;
use crate::model::time::{parse_time, rfc3339};
use crate::store::{self, delivery::Delivery};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify, Semaphore};

/// The longest the worker sleeps; deliveries queued by another process are seen within this.
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// Sends due deliveries until stopped; `wake` makes it look again at once.
pub async fn run_loop(ctx: Ctx, wake: Arc<Notify>, mut stop: watch::Receiver<bool>) {
    // A stop between a run's last delivery and its settling leaves it `delivering`.
    let c = ctx.clone();
    let settled = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let conn = c.store.app.get()?;
        for run in store::run::delivering(&conn)? {
            store::run::settle(&conn, &run)?;
        }
        Ok(())
    })
    .await;
    if let Ok(Err(e)) = settled {
        tracing::error!(error = %e, "settling runs at start");
    }
    loop {
        if let Err(e) = drain(&ctx, None).await {
            tracing::error!(error = %e, "outbox pass failed");
        }
        let c = ctx.clone();
        let next = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            crate::export::expire(&c)?;
            let conn = c.store.app.get()?;
            Ok(store::delivery::earliest_pending(&conn)?
                .as_deref()
                .and_then(parse_time))
        })
        .await;
        let sleep = match next {
            Ok(Ok(Some(t))) => (t - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP),
            Ok(Ok(None)) => MAX_SLEEP,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "outbox check failed");
                Duration::from_secs(5)
            }
            Err(e) => {
                tracing::error!(error = %e, "outbox check panicked");
                Duration::from_secs(5)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(sleep.max(Duration::from_millis(50))) => {}
            _ = wake.notified() => {}
            _ = stop.changed() => break,
        }
    }
}

/// One pass: tries every delivery due now (of one run, or all), `[delivery] workers` at once.
pub async fn drain(ctx: &Ctx, run_id: Option<&str>) -> anyhow::Result<()> {
    let c = ctx.clone();
    let run = run_id.map(str::to_string);
    let due = tokio::task::spawn_blocking(move || {
        store::delivery::due(
            &*c.store.app.get()?,
            &crate::model::time::now_text(),
            run.as_deref(),
            500,
        )
    })
    .await??;
    let slots = Arc::new(Semaphore::new(ctx.config.delivery.workers as usize));
    let mut tasks = tokio::task::JoinSet::new();
    for d in due {
        let permit = slots.clone().acquire_owned().await?;
        let c = ctx.clone();
        tasks.spawn(async move {
            let _permit = permit;
            if let Err(e) = attempt(&c, d).await {
                tracing::error!(error = %e, "recording a delivery failed");
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// Leases, sends and records one delivery.
async fn attempt(ctx: &Ctx, d: Delivery) -> anyhow::Result<()> {
    let now = Utc::now();
    let lease = Duration::from_secs(ctx.config.smtp.timeout_secs * 2 + 60);
    let c = ctx.clone();
    let (id, lease_until) = (d.id.clone(), rfc3339(now + lease));
    let leased = tokio::task::spawn_blocking(move || {
        store::delivery::lease(&*c.store.app.get()?, &id, &rfc3339(now), &lease_until)
    })
    .await??;
    if !leased {
        return Ok(()); // Another worker has it.
    }
    let attempts = d.attempts + 1;
    let result = match &d.evaluation_id {
        Some(evaluation) => send_notice(ctx, &d, evaluation).await,
        None => match content(ctx, &d).await {
            Ok(content) => send(ctx, &d, content).await,
            Err(e) => Err(e),
        },
    };
    let c = ctx.clone();
    let d2 = d.clone();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let conn = c.store.app.get()?;
        match &result {
            Ok(()) => {
                tracing::info!(to = %d2.recipient().shown(), kind = %d2.kind, "delivered");
                store::delivery::delivered(&conn, &d2.id)?;
            }
            Err(e) => {
                let retry_at = e
                    .retryable
                    .then(|| retry_at(&c, &d2, attempts, Utc::now()))
                    .flatten();
                match retry_at {
                    Some(at) => tracing::warn!(to = %d2.recipient().shown(), error = %e, retry_at = %rfc3339(at), "delivery failed; will retry"),
                    None => tracing::error!(to = %d2.recipient().shown(), error = %e, "delivery failed; giving up"),
                }
                store::delivery::failed(&conn, &d2.id, &e.message, retry_at.map(rfc3339).as_deref())?;
            }
        }
        if let Some(run) = &d2.run_id {
            store::run::settle(&conn, run)?;
        }
        Ok(())
    })
    .await??;
    Ok(())
}

/// When to try again after `attempts` failed tries: the initial wait doubled per try, capped;
/// None once that would pass the give-up time counted from when the delivery was queued.
fn retry_at(ctx: &Ctx, d: &Delivery, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let cfg = &ctx.config.delivery;
    let doubling = 2u64.saturating_pow(attempts.saturating_sub(1).min(40));
    let wait = cfg
        .retry_initial_secs
        .saturating_mul(doubling)
        .min(cfg.retry_max_interval_secs.max(cfg.retry_initial_secs));
    let at = now + chrono::Duration::seconds(wait.min(i64::MAX as u64 / 2) as i64);
    let deadline =
        parse_time(&d.created_at)? + chrono::Duration::hours(cfg.give_up_after_hours as i64);
    (at <= deadline).then_some(at)
}

/// What one delivery sends.
struct Content {
    summary: Summary,
    chart_png: Option<Vec<u8>>,
    export: crate::model::export::ExportRecord,
    file: Option<Vec<u8>>,
}

async fn content(ctx: &Ctx, d: &Delivery) -> Result<Content, SendError> {
    let c = ctx.clone();
    let wants_file = d.kind == "email" || d.kind == "s3";
    let Some(run_id) = d.run_id.clone() else {
        return Err(SendError::permanent("an alert's delivery has no run"));
    };
    tokio::task::spawn_blocking(move || -> Result<Content, SendError> {
        let conn = c
            .store
            .app
            .get()
            .map_err(|e| SendError::retry(e.to_string()))?;
        let internal = |e: store::StoreError| SendError::retry(e.to_string());
        let (export_id, summary, png) = store::run::content(&conn, &run_id)
            .map_err(internal)?
            .ok_or_else(|| SendError::permanent("the run has no export to deliver"))?;
        let summary: Summary = serde_json::from_str(summary.as_deref().unwrap_or(""))
            .map_err(|e| SendError::permanent(format!("the run's summary is unreadable: {e}")))?;
        let export = store::export::get(&conn, &export_id)
            .map_err(internal)?
            .filter(|e| e.status == ExportStatus::Completed)
            .ok_or_else(|| SendError::permanent("the export was deleted or has expired"))?;
        let file = if wants_file {
            let path = crate::export::path(&c, &export.id, export.format);
            Some(std::fs::read(&path).map_err(|e| {
                SendError::permanent(format!("cannot read {}: {e}", path.display()))
            })?)
        } else {
            None
        };
        Ok(Content {
            summary,
            chart_png: png,
            export,
            file,
        })
    })
    .await
    .map_err(|e| SendError::retry(e.to_string()))?
}

/// Sends an alert evaluation's notice (`alert.rs`), as kept with the evaluation.
async fn send_notice(ctx: &Ctx, d: &Delivery, evaluation: &str) -> Result<(), SendError> {
    let c = ctx.clone();
    let id = evaluation.to_string();
    let stored = tokio::task::spawn_blocking(move || {
        let conn = c
            .store
            .app
            .get()
            .map_err(|e| SendError::retry(e.to_string()))?;
        store::alert::notice(&conn, &id).map_err(|e| SendError::retry(e.to_string()))
    })
    .await
    .map_err(|e| SendError::retry(e.to_string()))??
    .ok_or_else(|| SendError::permanent("the alert's evaluation has no notice"))?;
    let notice: crate::model::alert::Notice = serde_json::from_str(&stored)
        .map_err(|e| SendError::permanent(format!("the notice is unreadable: {e}")))?;
    let kind = RecipientKind::parse(&d.kind)
        .ok_or_else(|| SendError::permanent(format!("unknown recipient type `{}`", d.kind)))?;
    match kind {
        RecipientKind::Email => {
            let message = super::alert::email(
                &ctx.config.smtp,
                &ctx.config.branding.name,
                &d.address,
                &d.id,
                &notice,
            )?;
            email::send(&ctx.config.smtp, message).await
        }
        RecipientKind::S3 => Err(SendError::permanent(
            "an alert tells people: it is not written to S3",
        )),
        other => {
            let body = super::alert::payload(other, &notice, &d.id);
            let allow_private = ctx.config.delivery.allow_private_targets;
            webhook::post(other, &d.address, &body, &d.id, allow_private).await
        }
    }
}

async fn send(ctx: &Ctx, d: &Delivery, c: Content) -> Result<(), SendError> {
    let kind = RecipientKind::parse(&d.kind)
        .ok_or_else(|| SendError::permanent(format!("unknown recipient type `{}`", d.kind)))?;
    let format = c.export.format;
    match kind {
        RecipientKind::Email => {
            let file = Attachment {
                name: c.export.file_name.clone(),
                format,
                bytes: c.file.unwrap_or_default(),
            };
            let message = email::build(
                &ctx.config.smtp,
                &ctx.config.branding.name,
                &d.address,
                &d.id,
                &c.summary,
                &file,
                c.chart_png.as_deref(),
            )?;
            email::send(&ctx.config.smtp, message).await
        }
        RecipientKind::S3 => {
            let date = c.summary.date.format("%Y-%m-%d").to_string();
            let object = super::s3::Object {
                schedule: &c.summary.schedule_name,
                date: &date,
                file_name: &c.export.file_name,
                content_type: format.mime(),
            };
            let allow_private = ctx.config.delivery.allow_private_targets;
            let body = c.file.unwrap_or_default();
            let cfg = &ctx.config.delivery.s3;
            let key = super::s3::put(cfg, allow_private, &d.address, &object, body).await?;
            tracing::info!(delivery = %d.id, key = %key, "written to S3");
            Ok(())
        }
        other => {
            let ttl = chrono::Duration::hours(ctx.config.delivery.link_ttl_hours as i64);
            let until = (Utc::now() + ttl)
                .min(parse_time(&c.export.expires_at).unwrap_or(Utc::now() + ttl));
            let c2 = ctx.clone();
            let export_id = c.export.id.clone();
            let url = tokio::task::spawn_blocking(move || -> Result<String, SendError> {
                let signer = link::Signer::new(&c2.store.secrets.links);
                Ok(signer.url(
                    &c2.config.server.public_url(),
                    &export_id,
                    until.timestamp(),
                ))
            })
            .await
            .map_err(|e| SendError::retry(e.to_string()))??;
            let expires_at = rfc3339(until);
            let body = webhook::payload(
                other,
                &c.summary,
                &webhook::Link {
                    url: &url,
                    expires_at: &expires_at,
                    export_id: &c.export.id,
                    format: c.export.format.as_str(),
                    file_name: &c.export.file_name,
                    size: c.export.size,
                },
                &d.id,
            );
            let allow_private = ctx.config.delivery.allow_private_targets;
            webhook::post(other, &d.address, &body, &d.id, allow_private).await
        }
    }
}
