//! Creating, changing, pausing and deleting schedules: one place for the API and the
//! /schedules page. Everything is checked before anything is written.

use crate::app::edit::{invalid, Author, EditError};
use crate::app::Ctx;
use crate::model::cron::{parse_timezone, CronSchedule};
use crate::model::export::ExportFormat;
use crate::model::schedule::{self, keep_hidden, Recipient, ScheduleDefinition};
use crate::model::text::truncate;
use crate::model::time::rfc3339;
use crate::model::version::Kept;
use crate::report::params;
use crate::store::{self, schedule::StoredSchedule};
use chrono::Utc;

fn not_found(id: &str) -> EditError {
    EditError::NotFound(format!("no schedule with id `{id}`"))
}

/// A hook recipient whose host name resolves to an address deliveries refuse (loopback,
/// private, link-local, metadata) is refused now, naming what it resolves to: every send
/// would refuse it. A name that does not resolve (yet) passes; every send resolves it again.
fn refuse_private_names(recipients: &[Recipient]) -> Result<(), EditError> {
    use std::net::ToSocketAddrs;
    for (i, r) in recipients.iter().enumerate() {
        if !r.kind.is_hook() {
            continue;
        }
        let Ok(url) = reqwest::Url::parse(r.address.trim()) else {
            continue;
        };
        let Some(host) = url.host_str().filter(|h| schedule::host_ip(h).is_none()) else {
            continue;
        };
        let port = url.port_or_known_default().unwrap_or(443);
        let Ok(addrs) = (host, port).to_socket_addrs() else {
            continue;
        };
        let shown = schedule::redact_url(&r.address);
        let ips = addrs.map(|a| a.ip());
        if let Some(refusal) = schedule::refuse_resolved(host, ips, &shown, false) {
            return Err(invalid(
                format!("recipients[{i}].address"),
                format!("{refusal}; checked at save and at every send"),
            ));
        }
    }
    Ok(())
}

/// Creates (`id` None) or replaces a schedule after checking it against its report. Its next
/// run is computed from now. A hook URL sent back as shown (or blank) keeps the stored one
/// (`keep_hidden`): pages and the API never show it whole.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    cfg: &ScheduleDefinition,
    author: &Author,
) -> Result<StoredSchedule, EditError> {
    let conn = ctx.store.app.get()?;
    let stored_before = match id {
        Some(id) => Some(store::schedule::get(&conn, id)?.ok_or_else(|| not_found(id))?),
        None => None,
    };
    let before = stored_before
        .as_ref()
        .map(|s| s.recipients.clone())
        .unwrap_or_default();
    let cfg = &ScheduleDefinition {
        recipients: keep_hidden(&cfg.recipients, &before).map_err(|(k, m)| invalid(k, m))?,
        ..cfg.clone()
    };
    cfg.validate(ctx.config.delivery.allow_private_targets)
        .map_err(|(k, m)| invalid(k, m))?;
    if !ctx.config.delivery.allow_private_targets {
        refuse_private_names(&cfg.recipients)?;
    }
    let cron =
        CronSchedule::parse(&cfg.schedule).map_err(|e| invalid("schedule", e.to_string()))?;
    let tz = parse_timezone(&cfg.timezone).map_err(|m| invalid("timezone", m))?;
    if let Some(message) = name_taken(&conn, &cfg.name, id)? {
        return Err(invalid("name", message));
    }
    // The parameters must fit the report (or the dashboard's filters), date expressions
    // included (checked as of today).
    let today = Utc::now().with_timezone(&tz).date_naive();
    let (report_id, dashboard_id) = match &cfg.dashboard_id {
        Some(did) => {
            let d = store::dashboard::find(&conn, did)?
                .filter(|d| {
                    ctx.grants
                        .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
                })
                .ok_or_else(|| {
                    invalid(
                        "dashboardId",
                        format!("no dashboard with id or name `{}`", truncate(did, 80)),
                    )
                })?;
            crate::app::dashboard::run::scheduled_values(
                &d.definition.filters,
                &cfg.parameters,
                today,
            )
            .map_err(|(k, m)| invalid(k, m))?;
            if !matches!(
                cfg.export_format,
                ExportFormat::Pdf | ExportFormat::Xlsx | ExportFormat::Pptx
            ) {
                return Err(invalid(
                    "exportFormat",
                    "a dashboard is sent as pdf, pptx or xlsx".to_string(),
                ));
            }
            (String::new(), Some(d.id))
        }
        None => {
            let report = store::report::find(&conn, &cfg.report_id)?
                .filter(|r| {
                    ctx.grants
                        .sees_report(&r.id, r.definition.collection_id.as_deref())
                })
                .ok_or_else(|| {
                    invalid(
                        "reportId",
                        format!("no report with id or name `{}`", cfg.report_id),
                    )
                })?;
            params::resolve(&report.definition.parameters, &cfg.parameters, today)
                .map_err(|e| invalid(format!("parameters.{}", e.name), e.message))?;
            (report.id, None)
        }
    };
    let id = match id {
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let stored = StoredSchedule {
        id: id.clone(),
        name: cfg.name.trim().to_string(),
        report_id,
        dashboard_id,
        cron: cron.as_str().to_string(),
        timezone: tz.name().to_string(),
        parameters: cfg.parameters.clone(),
        recipients: cfg
            .recipients
            .iter()
            .map(|r| crate::model::schedule::Recipient {
                kind: r.kind,
                address: r.address.trim().to_string(),
            })
            .collect(),
        export_format: cfg.export_format,
        row_limit: cfg.row_limit,
        enabled: cfg.enabled,
        next_run_at: cron.next_after(Utc::now(), tz).map(rfc3339),
        last_run_at: None,
        last_run_status: None,
    };
    let tx = conn
        .unchecked_transaction()
        .map_err(store::StoreError::from)?;
    store::schedule::upsert(&tx, &stored, false)?;
    // It runs as whoever saved it last: recipients get the rows that person may see.
    let owner = author.by.as_deref().filter(|b| b.contains('@'));
    store::access::set_owner(&tx, &id, owner)?;
    let body = version_body(&stored)?;
    let first = stored_before.as_ref().map(version_body).transpose()?;
    author.keep(&tx, Kept::Schedule, &id, &body, first.as_deref())?;
    tx.commit().map_err(store::StoreError::from)?;
    store::schedule::get(&conn, &id)?.ok_or_else(|| not_found(&id))
}

/// A schedule's definition as its versions keep it.
fn version_body(s: &StoredSchedule) -> Result<String, store::StoreError> {
    Ok(serde_json::to_string(&to_config(s))?)
}

/// Deletes a schedule with its history and versions.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    let conn = ctx.store.app.get()?;
    match store::schedule::delete(&conn, id)? {
        true => Ok(store::version::forget(&conn, Kept::Schedule, id)?),
        false => Err(not_found(id)),
    }
}

/// Pauses a running schedule or resumes a paused one (from now: a pause is not caught up).
pub fn toggle(ctx: &Ctx, id: &str) -> Result<StoredSchedule, EditError> {
    let conn = ctx.store.app.get()?;
    let s = store::schedule::get(&conn, id)?.ok_or_else(|| not_found(id))?;
    let next = match (CronSchedule::parse(&s.cron), parse_timezone(&s.timezone)) {
        (Ok(c), Ok(tz)) => c.next_after(Utc::now(), tz).map(rfc3339),
        _ => None,
    };
    store::schedule::set_enabled(&conn, id, !s.enabled, next.as_deref())?;
    store::schedule::get(&conn, id)?.ok_or_else(|| not_found(id))
}

/// A schedule as config (for the edit form and the API's PUT round trip).
pub fn to_config(s: &StoredSchedule) -> ScheduleDefinition {
    ScheduleDefinition {
        id: Some(s.id.clone()),
        name: s.name.clone(),
        report_id: s.report_id.clone(),
        dashboard_id: s.dashboard_id.clone(),
        schedule: s.cron.clone(),
        timezone: s.timezone.clone(),
        parameters: s.parameters.clone(),
        enabled: s.enabled,
        recipients: s.recipients.clone(),
        export_format: s.export_format,
        row_limit: s.row_limit,
    }
}

/// Why `name` cannot be this schedule's (`id`; None for a new one): another has it.
pub fn name_taken(
    conn: &rusqlite::Connection,
    name: &str,
    id: Option<&str>,
) -> Result<Option<String>, EditError> {
    Ok(store::schedule::named(conn, name, id)?.map(|_| {
        format!(
            "a schedule named `{}` exists already; choose another name",
            name.trim()
        )
    }))
}

/// The zone a new schedule starts in: the one last saved by a person, else the server's own,
/// else UTC.
pub fn default_zone(ctx: &Ctx) -> Result<String, EditError> {
    if let Some(z) = store::schedule::last_zone(&*ctx.store.app.get()?)? {
        return Ok(z);
    }
    Ok(server_zone().name().to_string())
}

/// The server's time zone (read once): `$TZ`, else what `/etc/localtime` links to, else
/// `/etc/timezone`, else UTC.
pub fn server_zone() -> chrono_tz::Tz {
    static ZONE: std::sync::LazyLock<chrono_tz::Tz> =
        std::sync::LazyLock::new(|| read_server_zone().unwrap_or(chrono_tz::UTC));
    *ZONE
}

fn read_server_zone() -> Option<chrono_tz::Tz> {
    let from_env = std::env::var("TZ")
        .ok()
        .map(|t| t.trim_start_matches(':').to_string());
    let from_link = || {
        std::fs::read_link("/etc/localtime").ok().and_then(|p| {
            let p = p.to_string_lossy().to_string();
            p.split_once("zoneinfo/").map(|(_, z)| z.to_string())
        })
    };
    let from_file = || std::fs::read_to_string("/etc/timezone").ok();
    [from_env, from_link(), from_file()]
        .into_iter()
        .flatten()
        .find_map(|z| parse_timezone(z.trim()).ok())
}

/// How a schedule's latest run stands, the same on /schedules and in the API: `running`,
/// `delivering`, `retrying` (a delivery failed and waits for another try), `succeeded` or
/// `failed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastRun {
    pub status: String,
    /// Tries so far of the delivery being retried (0 unless retrying).
    pub attempts: u32,
    /// The latest error: the retried delivery's (with its recipient), or the failed run's.
    pub error: Option<String>,
    /// When it ran (RFC 3339): its end, or its start while under way.
    pub at: Option<String>,
}

impl LastRun {
    /// `retrying (3)`, or the status alone.
    pub fn label(&self) -> String {
        match self.status.as_str() {
            "retrying" => format!("retrying ({})", self.attempts),
            s => s.to_string(),
        }
    }
}

/// The state of `s`'s latest run (None when it never ran).
pub fn last_run(
    conn: &rusqlite::Connection,
    s: &StoredSchedule,
) -> Result<Option<LastRun>, crate::store::StoreError> {
    let Some(run) = store::run::list(conn, &s.id, 1)?.into_iter().next() else {
        return Ok(s.last_run_status.clone().map(|status| LastRun {
            status,
            attempts: 0,
            error: None,
            at: s.last_run_at.clone(),
        }));
    };
    Ok(Some(run_state(&run)))
}

/// How one run stands, as `last_run` says it (the run history shows every run this way).
pub fn run_state(run: &crate::store::run::Execution) -> LastRun {
    use crate::model::schedule::{DeliveryStatus, RunStatus};
    let at = Some(
        run.finished_at
            .clone()
            .unwrap_or_else(|| run.started_at.clone()),
    );
    let retried = run
        .deliveries
        .iter()
        .filter(|d| d.status == DeliveryStatus::Pending && d.last_error.is_some())
        .max_by_key(|d| d.attempts);
    match retried {
        Some(d) if run.status == RunStatus::Delivering => LastRun {
            status: "retrying".into(),
            attempts: d.attempts,
            error: d
                .last_error
                .as_ref()
                .map(|e| format!("{}: {e}", d.recipient().shown())),
            at,
        },
        _ => LastRun {
            status: run.status.as_str().to_string(),
            attempts: 0,
            error: run
                .error
                .clone()
                .filter(|_| run.status == RunStatus::Failed),
            at,
        },
    }
}

/// While `[smtp]` is still the default (localhost:25), every schedule that emails will fail:
/// the warning said at start and shown on /schedules, or None when mail is set up or nothing
/// emails.
pub fn mail_warning(ctx: &Ctx, conn: &store::Conn) -> Result<Option<String>, store::StoreError> {
    let smtp = &ctx.config.smtp;
    if smtp.host != "localhost" || smtp.port != 25 {
        return Ok(None);
    }
    let emailing = store::schedule::list(conn)?
        .iter()
        .filter(|s| {
            s.recipients
                .iter()
                .any(|r| r.kind == crate::model::schedule::RecipientKind::Email)
        })
        .count();
    let who = match emailing {
        0 => return Ok(None),
        1 => "1 schedule sends".to_string(),
        n => format!("{n} schedules send"),
    };
    Ok(Some(format!(
        "{who} email, but [smtp] is not set (localhost:25): set it in reports.toml or \
         QUIRE_SMTP__HOST, and check it with a test email"
    )))
}
