//! GET /schedules/{id}: a schedule in words, its next runs and its execution history with the
//! export each run produced and, per recipient, whether it was delivered.

use super::{conn, find, layout, report_names};
use crate::model::cron;
use crate::model::schedule::{DeliveryStatus, RunStatus};
use crate::model::time::{parse_time, ViewZone};
use crate::store::{self, run::Execution, schedule::StoredSchedule, Conn};
use crate::web::error::Problem;
use crate::web::{gate, AppState, Layout};
use actix_web::{web, HttpRequest};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;

/// A schedule's definition, in words.
pub struct Summary {
    pub id: String,
    pub name: String,
    pub report: String,
    pub description: String,
    pub cron: String,
    pub format: String,
    pub parameters: Vec<(String, String)>,
    pub recipients: Vec<String>,
    pub row_limit: Option<u32>,
    pub enabled: bool,
    pub next: Vec<String>,
}

/// One delivery of a run.
pub struct DeliveryRow {
    pub recipient: String,
    pub status: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub next_retry: Option<String>,
    pub delivered_at: Option<String>,
}

/// One execution, its times in the schedule's zone.
pub struct RunRow {
    pub started: String,
    pub finished: String,
    pub duration: String,
    pub trigger: &'static str,
    /// Due while the server was down (missed occurrences coalesce into one).
    pub catchup: bool,
    /// `retrying` while a delivery waits for another try (as /schedules says), else the run's.
    pub status: String,
    /// `retrying (3)`, or the status.
    pub status_label: String,
    pub error: Option<String>,
    pub export_id: Option<String>,
    pub deliveries: Vec<DeliveryRow>,
}

/// The execution history, newest first; polled while a run is under way.
pub struct History {
    pub id: String,
    pub active: bool,
    pub runs: Vec<RunRow>,
}

/// GET /schedules/{id}
#[derive(Template, WebTemplate)]
#[template(path = "schedule_detail.html")]
pub struct DetailPage {
    pub layout: Layout,
    pub s: Summary,
    pub history: History,
}

/// GET /schedules/{id}/history: the history alone, for polling.
#[derive(Template, WebTemplate)]
#[template(path = "schedule_detail.html", block = "history")]
pub struct HistoryPartial {
    pub history: History,
}

/// GET /schedules/{id}
pub async fn detail(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<DetailPage, Problem> {
    let ctx = state.ctx_for(&req);
    let who = crate::web::gate::principal(&req);
    web::block(move || {
        let layout = layout(&ctx, &who)?;
        let conn = conn(&ctx)?;
        let s = find(&conn, &id)?;
        let report = report_names(&conn)?
            .remove(super::sent(&s))
            .unwrap_or_else(|| super::sent(&s).to_string());
        let view = who.zone();
        let (description, next) = cron::preview(&s.cron, &s.timezone, Utc::now(), 5)
            .unwrap_or_else(|_| (s.cron.clone(), Vec::new()));
        let history = history_of(&conn, &s, &view)?;
        Ok(DetailPage {
            layout,
            s: Summary {
                id: s.id,
                name: s.name,
                report,
                description,
                cron: s.cron,
                format: s.export_format.extension().to_ascii_uppercase(),
                parameters: s.parameters.into_iter().collect(),
                recipients: s
                    .recipients
                    .iter()
                    .map(|r| format!("{} ({})", r.shown(), r.kind.as_str()))
                    .collect(),
                row_limit: s.row_limit,
                enabled: s.enabled,
                next: next.into_iter().map(|t| view.show(t)).collect(),
            },
            history,
        })
    })
    .await?
    .map_err(Problem::html)
}

/// GET /schedules/{id}/history
pub async fn history(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HistoryPartial, Problem> {
    let ctx = state.ctx_for(&req);
    let view = gate::zone(&req);
    web::block(move || {
        let conn = conn(&ctx)?;
        let s = find(&conn, &id)?;
        Ok(HistoryPartial {
            history: history_of(&conn, &s, &view)?,
        })
    })
    .await?
    .map_err(Problem::html)
}

fn history_of(conn: &Conn, s: &StoredSchedule, view: &ViewZone) -> Result<History, Problem> {
    let runs = store::run::list(conn, &s.id, 50).map_err(Problem::from)?;
    Ok(History {
        id: s.id.clone(),
        active: runs.iter().any(under_way),
        runs: runs.into_iter().map(|r| run_row(r, view)).collect(),
    })
}

/// A run is worth polling for while it renders or a delivery is being sent or retried within
/// minutes (a send holds its lease a little over twice the SMTP timeout); a delivery waiting
/// hours for its next retry does not keep the page polling.
fn under_way(r: &Execution) -> bool {
    let soon = Utc::now() + chrono::Duration::minutes(5);
    match r.status {
        RunStatus::Running => true,
        RunStatus::Delivering => r.deliveries.iter().any(|d| {
            d.status == DeliveryStatus::Pending
                && d.next_attempt_at
                    .as_deref()
                    .and_then(parse_time)
                    .is_none_or(|t| t <= soon)
        }),
        _ => false,
    }
}

fn run_row(r: Execution, view: &ViewZone) -> RunRow {
    let fmt = |ts: &str| view.show_text(ts);
    let state = crate::app::schedule::run_state(&r);
    let duration = match (
        parse_time(&r.started_at),
        r.finished_at.as_deref().and_then(parse_time),
    ) {
        (Some(a), Some(b)) => human_duration((b - a).num_milliseconds()),
        _ => String::new(),
    };
    RunRow {
        started: fmt(&r.started_at),
        finished: r.finished_at.as_deref().map(fmt).unwrap_or_default(),
        duration,
        trigger: match r.trigger.as_str() {
            "catchup" => "catch-up",
            "manual" => "run now",
            _ => "scheduled",
        },
        catchup: r.trigger == "catchup",
        status: state.status.clone(),
        status_label: state.label(),
        error: r.error,
        export_id: r.export_id,
        deliveries: r
            .deliveries
            .into_iter()
            .map(|d| DeliveryRow {
                recipient: format!("{} ({})", d.recipient().shown(), d.kind),
                // A failed try waiting for the next: in red, as on /schedules.
                status: match (d.status, &d.last_error) {
                    (DeliveryStatus::Pending, Some(_)) => "retrying".to_string(),
                    (status, _) => status.to_string(),
                },
                attempts: d.attempts,
                last_error: d.last_error,
                next_retry: d.next_attempt_at.as_deref().map(fmt),
                delivered_at: d.delivered_at.as_deref().map(fmt),
            })
            .collect(),
    }
}

fn human_duration(ms: i64) -> String {
    let ms = ms.max(0);
    match ms / 1000 {
        s if s < 60 => format!("{:.1} s", ms as f64 / 1000.0),
        s if s < 3600 => format!("{} min {} s", s / 60, s % 60),
        s => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}
