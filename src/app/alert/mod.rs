//! Alerts: checked saves, and evaluations. An evaluation runs the report's query, judges each
//! member (`judge.rs`), and records what it found with the members' new states, the alert's
//! next occurrence and its notice's deliveries in one transaction (`store::alert::record`),
//! which the outbox then sends with the schedules' exactly-once guarantee.

mod judge;

use super::edit::{invalid, EditError};
use super::pipeline::PipelineError;
use super::Ctx;
use crate::model::alert::{AlertDefinition, AlertState, Notice, MAX_MEMBERS};
use crate::model::cron::{parse_timezone, CronSchedule};
use crate::model::time::{parse_time, rfc3339};
use crate::store::alert::{MemberState, Outcome, StoredAlert};
use chrono::{DateTime, Utc};
use judge::{Rows, Tell};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

/// The next occurrence of `def`'s cron after `now`, None when it is paused.
fn next_run(def: &AlertDefinition, now: DateTime<Utc>) -> Option<String> {
    if !def.enabled {
        return None;
    }
    let cron = CronSchedule::parse(&def.schedule).ok()?;
    let tz = parse_timezone(&def.timezone).ok()?;
    cron.next_after(now, tz).map(rfc3339)
}

/// Creates (`id` None) or replaces an alert after checking it and its report.
pub fn save(
    ctx: &Ctx,
    id: Option<&str>,
    def: &AlertDefinition,
    by: Option<&str>,
) -> Result<StoredAlert, EditError> {
    def.validate(ctx.config.delivery.allow_private_targets)
        .map_err(|(k, m)| invalid(k, m))?;
    let mut def = def.clone();
    if let (Some(d), Some(w)) = (&def.dashboard_id, &def.widget_id) {
        let no_dashboard = || {
            invalid(
                "dashboardId",
                format!("no dashboard `{}`", crate::model::text::truncate(d, 60)),
            )
        };
        let dashboard =
            crate::store::dashboard::get(&*ctx.store.app.get()?, d)?.ok_or_else(no_dashboard)?;
        let report = dashboard
            .definition
            .widget(w)
            .filter(|w| w.visualization_id.is_some())
            .and_then(|w| w.report_id.clone())
            .ok_or_else(|| {
                invalid(
                    "widgetId",
                    format!(
                        "no chart or table widget `{}` on the dashboard",
                        crate::model::text::truncate(w, 60)
                    ),
                )
            })?;
        def.dashboard_id = Some(dashboard.id);
        def.report_id = report;
        def.query = None;
    }
    let def = &def;
    let report = ctx.report(&def.report_id).map_err(|_| {
        invalid(
            "reportId",
            format!(
                "no report `{}`",
                crate::model::text::truncate(&def.report_id, 60)
            ),
        )
    })?;
    if def.dashboard_id.is_none()
        && report
            .definition
            .query_source(def.query.as_deref())
            .is_none()
    {
        let names: Vec<&str> = report
            .definition
            .queries
            .keys()
            .map(String::as_str)
            .collect();
        return Err(invalid(
            "query",
            match &def.query {
                Some(q) => format!(
                    "the report has no query named `{}` (it has {})",
                    crate::model::text::truncate(q, 60),
                    names.join(", ")
                ),
                None => format!(
                    "the report has several queries: name one ({})",
                    names.join(", ")
                ),
            },
        ));
    }
    let conn = ctx.store.app.get()?;
    if let Some(other) = crate::store::alert::get(&conn, &def.name)? {
        if Some(other.id.as_str()) != id {
            return Err(EditError::Conflict(format!(
                "name: an alert named `{}` exists already",
                def.name
            )));
        }
    }
    let id = match id {
        Some(id) => {
            crate::store::alert::get(&conn, id)?
                .ok_or_else(|| EditError::NotFound(format!("no alert with id `{id}`")))?
                .id
        }
        None => uuid::Uuid::new_v4().to_string(),
    };
    let mut def = def.clone();
    def.report_id = report.id.clone();
    let next = next_run(&def, Utc::now());
    crate::store::alert::upsert(&conn, &id, &def, next.as_deref(), by)?;
    crate::store::alert::get(&conn, &id)?.ok_or_else(|| EditError::NotFound(id))
}

/// Deletes an alert with its history.
pub fn delete(ctx: &Ctx, id: &str) -> Result<(), EditError> {
    match crate::store::alert::delete(&*ctx.store.app.get()?, id)? {
        true => Ok(()),
        false => Err(EditError::NotFound(format!("no alert with id `{id}`"))),
    }
}

/// What an evaluation found, as the API shows it.
#[derive(Debug, serde::Serialize)]
pub struct Evaluated {
    pub state: AlertState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<MemberOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Whether it queued a message.
    pub notified: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct MemberOut {
    pub member: String,
    pub state: AlertState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    pub why: String,
}

/// Alerts being evaluated now: the scheduler does not start a second evaluation of one.
static RUNNING: Mutex<Option<HashSet<String>>> = Mutex::new(None);

/// Marks `id` as being evaluated; false when it already is.
pub fn start(id: &str) -> bool {
    let mut set = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    set.get_or_insert_with(HashSet::new).insert(id.to_string())
}

/// Marks `id` as no longer evaluated.
pub fn finish(id: &str) {
    let mut set = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(s) = set.as_mut() {
        s.remove(id);
    }
}

/// Each member's rows of the report's query (one member, `""`, without `perMember`).
fn rows_of(
    ctx: &Ctx,
    a: &AlertDefinition,
    dashboard: Option<&crate::store::dashboard::StoredDashboard>,
    today: chrono::NaiveDate,
) -> Result<BTreeMap<String, Rows>, String> {
    let rs = match (dashboard, &a.widget_id) {
        (Some(d), Some(w)) => {
            crate::app::dashboard::watch::widget_rows(ctx, d, w, today)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| {
                    format!("widgetId: the dashboard has no chart or table widget `{w}`")
                })?
                .1
        }
        _ => {
            let report = ctx.report(&a.report_id).map_err(|e| e.to_string())?;
            let (conn, sql, values) = ctx
                .prepare(
                    &report.definition,
                    a.query.as_deref(),
                    "alert",
                    &BTreeMap::new(),
                    today,
                )
                .map_err(|e| e.to_string())?;
            conn.db()
                .fetch(&sql, &values, None, ctx.bounds())
                .map_err(|e| e.to_string())?
        }
    };
    let col = rs.column(&a.column).ok_or_else(|| {
        format!(
            "column: the query has no column `{}` (it has {})",
            a.column,
            rs.columns.join(", ")
        )
    })?;
    let member = match &a.per_member {
        Some(m) => Some(rs.column(m).ok_or_else(|| {
            format!(
                "perMember: the query has no column `{m}` (it has {})",
                rs.columns.join(", ")
            )
        })?),
        None => None,
    };
    let mut out: BTreeMap<String, Rows> = BTreeMap::new();
    for r in &rs.rows {
        let key = member.map_or(String::new(), |m| match &r[m] {
            crate::data::query::Cell::Null => crate::report::chart::BLANK.to_string(),
            c => c.as_text(),
        });
        if !out.contains_key(&key) && out.len() >= MAX_MEMBERS {
            return Err(format!("perMember: more than {MAX_MEMBERS} members"));
        }
        let rows = out.entry(key).or_default();
        rows.values.push(r[col].as_f64());
        rows.texts.push(r[col].as_text());
    }
    if member.is_none() {
        out.entry(String::new()).or_default();
    }
    Ok(out)
}

/// The message's small chart: each member's value (the first 12), or the watched value over
/// the alert's last ten evaluations and now. None when there is nothing to draw.
fn small_chart(
    ctx: &Ctx,
    alert_id: &str,
    a: &crate::model::alert::AlertDefinition,
    members: &[MemberOut],
    tz: chrono_tz::Tz,
) -> Option<String> {
    let items: Vec<(String, Option<f64>)> = match &a.per_member {
        Some(_) => members
            .iter()
            .filter(|m| m.value.is_some())
            .take(12)
            .map(|m| (m.member.clone(), m.value))
            .collect(),
        None => {
            let conn = ctx.store.app.get().ok()?;
            let past = crate::store::alert::history(&conn, alert_id, 10).ok()?;
            let mut items: Vec<(String, Option<f64>)> = past
                .iter()
                .rev()
                .filter(|e| e.value.is_some())
                .map(|e| {
                    let at = parse_time(&e.created_at)
                        .map(|t| t.with_timezone(&tz).format("%b %d %H:%M").to_string())
                        .unwrap_or_default();
                    (at, e.value)
                })
                .collect();
            items.push(("now".into(), members.first().and_then(|m| m.value)));
            items
        }
    };
    if items.iter().all(|(_, v)| v.is_none()) {
        return None;
    }
    crate::report::chart::at_width(Some(520), || match a.per_member {
        Some(_) => crate::report::chart::hbar(&items, None, true),
        None => crate::report::chart::bar(&items, None, true),
    })
    .ok()
}

/// Evaluates an alert now (its occurrence `due`, or by hand), records it and queues its
/// notice; a second evaluation of a recorded occurrence writes nothing.
pub fn evaluate(
    ctx: &Ctx,
    alert: &StoredAlert,
    due: Option<DateTime<Utc>>,
) -> Result<Evaluated, PipelineError> {
    let a = &alert.definition;
    // It reads what whoever saved it last may see, whoever asks for the evaluation.
    let sight = crate::store::access::alert_sight(&*ctx.store.app.get()?, &alert.id)?;
    let ctx = &ctx.seeing(sight);
    let now = Utc::now();
    let tz = parse_timezone(&a.timezone).unwrap_or(chrono_tz::UTC);
    let today = now.with_timezone(&tz).date_naive();
    let before: BTreeMap<String, MemberState> =
        crate::store::alert::states(&*ctx.store.app.get()?, &alert.id)?
            .into_iter()
            .map(|s| (s.member.clone(), s))
            .collect();
    let dashboard = match &a.dashboard_id {
        Some(id) => crate::store::dashboard::get(&*ctx.store.app.get()?, id)?,
        None => None,
    };
    let base = ctx.config.server.public_url();
    let link = |member: &str| match (&dashboard, &a.widget_id) {
        (Some(d), Some(w)) => {
            crate::app::dashboard::watch::link(&base, d, w, a.per_member.as_deref(), member)
        }
        _ => format!("{base}/reports/{}", a.report_id),
    };
    let (members, error): (Vec<MemberOut>, Option<String>) =
        match rows_of(ctx, a, dashboard.as_ref(), today) {
            Ok(rows) => (
                rows.iter()
                    .map(|(m, r)| {
                        let v = judge::judge(a, r, now);
                        MemberOut {
                            member: m.clone(),
                            state: v.state,
                            value: v.value,
                            why: v.why,
                        }
                    })
                    .collect(),
                None,
            ),
            Err(e) => (Vec::new(), Some(e)),
        };
    let mut states = Vec::new();
    let mut lines = Vec::new();
    let mut firing = false;
    for m in &members {
        let old = before.get(&m.member);
        let notified = old
            .and_then(|o| o.notified_at.as_deref())
            .and_then(parse_time);
        let was_told = old.is_some_and(|o| o.told);
        let told = judge::tell(a, old.map(|o| o.state), was_told, notified, m.state, now);
        let who = if m.member.is_empty() {
            String::new()
        } else {
            format!("{}: ", m.member)
        };
        // On a dashboard, each member's line links to the dashboard filtered to it.
        let at = match (&dashboard, m.member.is_empty()) {
            (Some(_), false) => format!(" ({})", link(&m.member)),
            _ => String::new(),
        };
        match told {
            Some(Tell::Fired) => {
                lines.push(format!("{who}{} — {}{at}", state_word(m.state), m.why))
            }
            Some(Tell::Reminder) => lines.push(format!(
                "{who}still {} — {}{at}",
                state_word(m.state),
                m.why
            )),
            Some(Tell::Resolved) => lines.push(format!("{who}resolved — {}{at}", m.why)),
            None => {}
        }
        firing |= matches!(told, Some(Tell::Fired | Tell::Reminder));
        let since = match old {
            Some(o) if o.state == m.state => o.since.clone(),
            _ => rfc3339(now),
        };
        states.push(MemberState {
            member: m.member.clone(),
            state: m.state,
            value: m.value,
            since,
            notified_at: match told {
                Some(_) => Some(rfc3339(now)),
                None => old.and_then(|o| o.notified_at.clone()),
            },
            // Told now, or told before of this same state.
            told: told.is_some() || (was_told && old.is_some_and(|o| o.state == m.state)),
        });
    }
    let overall = match &error {
        Some(_) => AlertState::Error,
        None => [AlertState::Firing, AlertState::NoData, AlertState::Error]
            .into_iter()
            .find(|s| members.iter().any(|m| m.state == *s))
            .unwrap_or(AlertState::Ok),
    };
    let value = match (&a.per_member, members.first()) {
        (None, Some(m)) => m.value,
        _ => None,
    };
    let evaluation = uuid::Uuid::new_v4().to_string();
    let notice = (!lines.is_empty() && !a.recipients.is_empty()).then(|| Notice {
        alert_id: alert.id.clone(),
        alert: a.name.clone(),
        subject: format!(
            "{}: {}",
            if firing {
                "Alert firing"
            } else {
                "Alert resolved"
            },
            a.name
        ),
        lines,
        state: if firing { "firing" } else { "resolved" }.into(),
        link: link(""),
        chart: small_chart(ctx, &alert.id, a, &members, tz),
    });
    let notice_json = notice
        .as_ref()
        .map(|n| serde_json::to_value(n).unwrap_or_default());
    let members_json = serde_json::to_value(&members).unwrap_or_default();
    let next = due.map(|_| next_run(a, now));
    let due_text = due.map(rfc3339);
    let mut conn = ctx.store.app.get()?;
    let recorded = crate::store::alert::record(
        &mut conn,
        &Outcome {
            id: &evaluation,
            alert_id: &alert.id,
            due_at: due_text.as_deref(),
            trigger: if due.is_some() { "cron" } else { "manual" },
            state: overall,
            value,
            members: &members_json,
            error: error.as_deref(),
            notice: notice_json.as_ref().map(|n| (n, a.recipients.as_slice())),
            states: &states,
            next_run_at: next.as_ref().map(|n| n.as_deref()),
        },
    )?;
    Ok(Evaluated {
        state: overall,
        value,
        members: if a.per_member.is_some() {
            members
        } else {
            Vec::new()
        },
        error,
        notified: recorded && notice.is_some(),
    })
}

fn state_word(s: AlertState) -> &'static str {
    match s {
        AlertState::Firing => "firing",
        AlertState::NoData => "no data",
        AlertState::Error => "error",
        AlertState::Ok => "ok",
    }
}
