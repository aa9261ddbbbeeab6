//! The /alerts pages: the list with each alert's state and its actions (test now, pause or
//! resume), a form for a new one (from a report's page with `?report=`), and an alert's page
//! with each member's state and the history of its evaluations and messages.

use crate::app::alert;
use crate::model::alert::{AlertDefinition, AlertState, Condition, ConditionKind};
use crate::model::schedule::{Recipient, RecipientKind};
use crate::model::time::{parse_time, ViewZone};
use crate::store::{self, alert::StoredAlert};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// One alert in the list.
pub struct AlertRow {
    pub id: String,
    pub name: String,
    pub report: String,
    pub condition: String,
    /// ok | firing | no_data | error, or "new" before its first evaluation.
    pub state: String,
    pub next: String,
    pub enabled: bool,
}

/// GET /alerts
#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    pub layout: Layout,
    pub rows: Vec<AlertRow>,
    /// Reports to pick from in the form: (id, name).
    pub reports: Vec<(String, String)>,
    /// The report the form starts on (`?report=`).
    pub chosen: String,
    /// The dashboard widget it watches instead (`?dashboard=&widget=`): its ids and the
    /// widget's name for people.
    pub widget: Option<(String, String, String)>,
    pub error: Option<String>,
}

/// GET /alerts/{id}
#[derive(Template, WebTemplate)]
#[template(path = "alert_detail.html")]
pub struct AlertDetail {
    pub layout: Layout,
    pub alert: AlertRow,
    pub states: Vec<(String, String, String, String)>,
    pub history: Vec<(String, String, String, String, String)>,
    /// The edit form's values: the alert's, or those just sent back with `error`.
    pub form: NewAlert,
    /// Recipients the form does not show (Slack, Teams, webhooks): kept by an edit.
    pub hooks: usize,
    pub error: Option<String>,
}

/// A condition in words: "below 10", "changes by 20 % or more".
pub fn condition_words(c: &Condition) -> String {
    let v = c
        .value
        .map(|v| crate::report::format::value(v, None))
        .unwrap_or_default();
    match c.kind {
        ConditionKind::Above => format!("above {v}"),
        ConditionKind::Below => format!("below {v}"),
        ConditionKind::ChangePct => format!("changes by {v} % or more"),
        ConditionKind::NoData => format!("no new data for {} h", c.hours.unwrap_or(0)),
        ConditionKind::OutsideBand => "outside its expected range".into(),
    }
}

fn row(
    a: &StoredAlert,
    reports: &[(String, String)],
    state: Option<AlertState>,
    zone: &ViewZone,
) -> AlertRow {
    let d = &a.definition;
    AlertRow {
        id: a.id.clone(),
        name: d.name.clone(),
        report: reports
            .iter()
            .find(|(id, _)| *id == d.report_id)
            .map_or(d.report_id.clone(), |(_, n)| n.clone()),
        condition: format!(
            "{}{} {}",
            d.column,
            d.per_member
                .as_ref()
                .map(|m| format!(" (each {m})"))
                .unwrap_or_default(),
            condition_words(&d.condition)
        ),
        state: state.map_or("new".into(), |s| s.as_str().to_string()),
        next: match (d.enabled, a.next_run_at.as_deref().and_then(parse_time)) {
            (false, _) => "paused".into(),
            (true, Some(t)) => zone.show(t),
            (true, None) => "never".into(),
        },
        enabled: d.enabled,
    }
}

fn worst(states: &[store::alert::MemberState]) -> Option<AlertState> {
    [
        AlertState::Firing,
        AlertState::NoData,
        AlertState::Error,
        AlertState::Ok,
    ]
    .into_iter()
    .find(|s| states.iter().any(|m| m.state == *s))
}

fn reports(conn: &store::Conn) -> Result<Vec<(String, String)>, Problem> {
    Ok(store::report::list(conn)
        .map_err(Problem::from)?
        .into_iter()
        .map(|r| (r.id, r.definition.name))
        .collect())
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    report: Option<String>,
    #[serde(default)]
    dashboard: Option<String>,
    #[serde(default)]
    widget: Option<String>,
}

/// The widget `(dashboard, widget)` names, as the form shows it: 404 when there is none.
fn widget_named(
    conn: &store::Conn,
    dashboard: &str,
    widget: &str,
) -> Result<(String, String, String), Problem> {
    let d = store::dashboard::get(conn, dashboard)
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::not_found("no such dashboard"))?;
    let w = d
        .definition
        .widget(widget)
        .ok_or_else(|| Problem::not_found("no such widget"))?;
    let title = w
        .title
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| w.id.clone());
    Ok((
        d.id.clone(),
        w.id.clone(),
        format!("{} — {title}", d.definition.name),
    ))
}

fn list_page(
    ctx: &crate::app::Ctx,
    who: &crate::auth::Principal,
    (chosen, widget): (String, Option<(String, String)>),
    error: Option<String>,
) -> Result<AlertsPage, Problem> {
    let layout = Layout::new(ctx, who).map_err(Problem::from)?;
    let conn = ctx.store.app.get().map_err(Problem::from)?;
    let reports = reports(&conn)?;
    let widget = match widget {
        Some((d, w)) => Some(widget_named(&conn, &d, &w)?),
        None => None,
    };
    let mut rows = Vec::new();
    let limited = ctx.sight.is_limited(&ctx.store.policed.now());
    let me = who.email();
    for a in store::alert::list(&conn).map_err(Problem::from)? {
        // An alert tells what its saver may see: a limited reader lists only their own.
        if limited && store::access::alert_saver(&conn, &a.id).map_err(Problem::from)? != me {
            continue;
        }
        let states = store::alert::states(&conn, &a.id).map_err(Problem::from)?;
        rows.push(row(&a, &reports, worst(&states), &layout.zone));
    }
    Ok(AlertsPage {
        layout,
        rows,
        reports,
        chosen,
        widget,
        error,
    })
}

/// GET /alerts
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ListQuery>,
) -> Result<AlertsPage, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let q = q.into_inner();
    let chosen = q.report.unwrap_or_default();
    let widget = q.dashboard.zip(q.widget);
    web::block(move || list_page(&ctx, &who, (chosen, widget), None))
        .await?
        .map_err(Problem::html)
}

/// The new alert form (and the edit form on an alert's page).
#[derive(Deserialize, Default, Clone)]
pub struct NewAlert {
    name: String,
    #[serde(default)]
    report: String,
    /// A dashboard widget to watch instead of the report (both given, or neither).
    #[serde(default)]
    dashboard: String,
    #[serde(default)]
    widget: String,
    #[serde(default)]
    query: String,
    column: String,
    #[serde(default)]
    per_member: String,
    condition: String,
    #[serde(default)]
    value: String,
    schedule: String,
    timezone: String,
    #[serde(default)]
    cooldown: String,
    #[serde(default)]
    emails: String,
}

impl NewAlert {
    /// The form as an alert fills it.
    fn of(d: &AlertDefinition) -> NewAlert {
        let kind = serde_json::to_value(d.condition.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let value = match d.condition.kind {
            ConditionKind::NoData => d.condition.hours.map(|h| h.to_string()),
            _ => d.condition.value.map(|v| v.to_string()),
        };
        NewAlert {
            name: d.name.clone(),
            report: d.report_id.clone(),
            dashboard: d.dashboard_id.clone().unwrap_or_default(),
            widget: d.widget_id.clone().unwrap_or_default(),
            query: d.query.clone().unwrap_or_default(),
            column: d.column.clone(),
            per_member: d.per_member.clone().unwrap_or_default(),
            condition: kind,
            value: value.unwrap_or_default(),
            schedule: d.schedule.clone(),
            timezone: d.timezone.clone(),
            cooldown: d
                .cooldown_minutes
                .map(|c| c.to_string())
                .unwrap_or_default(),
            emails: d
                .recipients
                .iter()
                .filter(|r| r.kind == RecipientKind::Email)
                .map(|r| r.address.clone())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// Whether the edit form's condition select shows `kind`.
    pub fn is(&self, kind: &str) -> bool {
        self.condition == kind
    }

    fn definition(&self) -> Result<AlertDefinition, (String, String)> {
        let bad = |k: &str, m: &str| (k.to_string(), m.to_string());
        let kind: ConditionKind = serde_json::from_value(self.condition.clone().into())
            .map_err(|_| bad("condition", "choose a condition"))?;
        let number = self.value.trim();
        let value = match number {
            "" => None,
            n => Some(
                n.parse::<f64>()
                    .map_err(|_| bad("condition.value", "a number"))?,
            ),
        };
        let cooldown = match self.cooldown.trim() {
            "" => None,
            n => Some(
                n.parse::<u32>()
                    .map_err(|_| bad("cooldownMinutes", "whole minutes"))?,
            ),
        };
        Ok(AlertDefinition {
            name: self.name.trim().to_string(),
            report_id: self.report.clone(),
            dashboard_id: Some(self.dashboard.trim().to_string()).filter(|d| !d.is_empty()),
            widget_id: Some(self.widget.trim().to_string()).filter(|w| !w.is_empty()),
            query: Some(self.query.trim().to_string()).filter(|q| !q.is_empty()),
            column: self.column.trim().to_string(),
            schedule: self.schedule.trim().to_string(),
            timezone: self.timezone.trim().to_string(),
            condition: Condition {
                kind,
                value: value.filter(|_| kind != ConditionKind::NoData),
                hours: match kind {
                    ConditionKind::NoData => value.map(|v| v.max(0.0).min(u32::MAX as f64) as u32),
                    _ => None,
                },
            },
            per_member: Some(self.per_member.trim().to_string()).filter(|m| !m.is_empty()),
            cooldown_minutes: cooldown,
            renotify_hours: None,
            notify_resolved: true,
            recipients: self
                .emails
                .split([',', ';', ' ', '\n'])
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(|e| Recipient {
                    kind: RecipientKind::Email,
                    address: e.to_string(),
                })
                .collect(),
            enabled: true,
        })
    }
}

/// POST /alerts: creates an alert; 303 to its page, or the list with what is wrong.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<NewAlert>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let form = form.into_inner();
    let wake = state.scheduler_wake.clone();
    // Saved: its id; refused: the list again with what is wrong.
    let done = web::block(move || -> Result<Result<String, String>, Problem> {
        let saved = form
            .definition()
            .map_err(|(k, m)| crate::app::edit::invalid(k, m))
            .and_then(|d| alert::save(&ctx, None, &d, who.email().as_deref()));
        match saved {
            Ok(a) => {
                wake.notify_one();
                Ok(Ok(a.id))
            }
            Err(e) => {
                let widget = (!form.dashboard.is_empty() && !form.widget.is_empty())
                    .then(|| (form.dashboard.clone(), form.widget.clone()));
                let page = list_page(
                    &ctx,
                    &who,
                    (form.report.clone(), widget),
                    Some(e.to_string()),
                )?;
                Ok(Err(page.render().map_err(Problem::internal)?))
            }
        }
    })
    .await?
    .map_err(Problem::html)?;
    Ok(match done {
        Ok(id) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/alerts/{id}")))
            .finish(),
        Err(body) => HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(body),
    })
}

fn find(conn: &store::Conn, id: &str) -> Result<StoredAlert, Problem> {
    store::alert::get(conn, id)
        .map_err(Problem::from)?
        .ok_or_else(|| {
            Problem::not_found(format!(
                "no alert with id `{}`",
                crate::model::text::truncate(id, 60)
            ))
        })
}

/// GET /alerts/{id}
pub async fn detail(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<AlertDetail, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    web::block(move || detail_page(&ctx, &who, &id, None))
        .await?
        .map_err(Problem::html)
}

/// An alert's page; `sent` is an edit refused (the form as sent, and why).
fn detail_page(
    ctx: &crate::app::Ctx,
    who: &crate::auth::Principal,
    id: &str,
    sent: Option<(NewAlert, String)>,
) -> Result<AlertDetail, Problem> {
    let layout = Layout::new(ctx, who).map_err(Problem::from)?;
    let conn = ctx.store.app.get().map_err(Problem::from)?;
    let a = find(&conn, id)?;
    let states = store::alert::states(&conn, &a.id).map_err(Problem::from)?;
    let alert = row(&a, &reports(&conn)?, worst(&states), &layout.zone);
    let when = |t: &str| parse_time(t).map_or(t.to_string(), |t| layout.zone.show(t));
    let num = |v: Option<f64>| {
        v.map(|v| crate::report::format::value(v, None))
            .unwrap_or_default()
    };
    let states = states
        .iter()
        .map(|s| {
            (
                s.member.clone(),
                s.state.as_str().to_string(),
                num(s.value),
                when(&s.since),
            )
        })
        .collect();
    let history = store::alert::history(&conn, &a.id, 100)
        .map_err(Problem::from)?
        .iter()
        .map(|e| {
            let said = e
                .message
                .as_ref()
                .and_then(|m| m["lines"].as_array().cloned())
                .map(|l| {
                    l.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .or_else(|| e.error.clone())
                .unwrap_or_default();
            let sent = e
                .deliveries
                .iter()
                .map(|d| format!("{} ({})", d.address, d.status.as_str()))
                .collect::<Vec<_>>()
                .join(", ");
            (
                when(&e.created_at),
                e.trigger.clone(),
                e.state.as_str().to_string(),
                said,
                sent,
            )
        })
        .collect();
    let hooks = a
        .definition
        .recipients
        .iter()
        .filter(|r| r.kind != RecipientKind::Email)
        .count();
    let (form, error) = match sent {
        Some((f, e)) => (f, Some(e)),
        None => (NewAlert::of(&a.definition), None),
    };
    Ok(AlertDetail {
        layout,
        alert,
        states,
        history,
        form,
        hooks,
        error,
    })
}

/// POST /alerts/{id}/edit: saves what the form shows; what it does not (hook recipients, the
/// reminder interval, whether it says resolved, paused or not) is kept. Refused: the page
/// again with the form as sent and why.
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    form: web::Form<NewAlert>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let wake = state.scheduler_wake.clone();
    let form = form.into_inner();
    let done = web::block(move || -> Result<Result<String, String>, Problem> {
        let a = find(&ctx.store.app.get().map_err(Problem::from)?, &id)?;
        let mut sent = form.clone();
        // What it watches is not the form's to change.
        sent.report = a.definition.report_id.clone();
        sent.dashboard = a.definition.dashboard_id.clone().unwrap_or_default();
        sent.widget = a.definition.widget_id.clone().unwrap_or_default();
        let saved = sent
            .definition()
            .map_err(|(k, m)| crate::app::edit::invalid(k, m))
            .and_then(|mut d| {
                d.renotify_hours = a.definition.renotify_hours;
                d.notify_resolved = a.definition.notify_resolved;
                d.enabled = a.definition.enabled;
                d.recipients.extend(
                    a.definition
                        .recipients
                        .iter()
                        .filter(|r| r.kind != RecipientKind::Email)
                        .cloned(),
                );
                alert::save(&ctx, Some(&a.id), &d, who.email().as_deref())
            });
        match saved {
            Ok(a) => {
                wake.notify_one();
                Ok(Ok(a.id))
            }
            Err(e) => {
                let page = detail_page(&ctx, &who, &a.id, Some((sent, e.to_string())))?;
                Ok(Err(page.render().map_err(Problem::internal)?))
            }
        }
    })
    .await?
    .map_err(Problem::html)?;
    Ok(match done {
        Ok(id) => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, format!("/alerts/{id}")))
            .finish(),
        Err(body) => HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(body),
    })
}

/// POST /alerts/{id}/evaluate: tests it now (messages as a scheduled evaluation would send).
pub async fn evaluate(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let outbox = state.runner.outbox.clone();
    let id = web::block(move || -> Result<String, Problem> {
        let a = find(&ctx.store.app.get().map_err(Problem::from)?, &id)?;
        if alert::start(&a.id) {
            let result = alert::evaluate(&ctx, &a, None);
            alert::finish(&a.id);
            if result?.notified {
                outbox.notify_one();
            }
        }
        Ok(a.id)
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/alerts/{id}")))
        .finish())
}

/// POST /alerts/{id}/toggle: pauses or resumes it.
pub async fn toggle(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let wake = state.scheduler_wake.clone();
    web::block(move || -> Result<(), Problem> {
        let a = find(&ctx.store.app.get().map_err(Problem::from)?, &id)?;
        let mut d = a.definition.clone();
        d.enabled = !d.enabled;
        alert::save(&ctx, Some(&a.id), &d, who.email().as_deref())?;
        wake.notify_one();
        Ok(())
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/alerts"))
        .finish())
}
