//! The /schedules pages: the list with its row actions (run now, pause/resume, delete) and
//! the new/edit form with a live preview of its timing (a schedule's own page is in
//! `schedule_detail`). Row actions answer htmx with the new row and plain forms with a 303 back.

pub mod detail;
pub mod editor;
pub mod form;
pub mod form_error;
pub mod mail;
pub mod rows;

use crate::app::schedule as edit;
use crate::app::Ctx;
use crate::auth::Principal;
use crate::model::cron;
use crate::model::time::{parse_time, ViewZone};
use crate::schedule::execute;
use crate::store::{self, schedule::StoredSchedule, Conn};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::htmx::is_htmx;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;
use std::collections::HashMap;

/// One schedule in the list.
pub struct ScheduleRow {
    pub id: String,
    pub name: String,
    pub report: String,
    pub description: String,
    /// The next run in the viewer's zone, or `paused`.
    pub next: String,
    pub enabled: bool,
    /// The latest run: running or retrying while it is, else how it ended.
    pub status: Option<edit::LastRun>,
}

impl ScheduleRow {
    /// Whether a run is under way (the row then refreshes itself).
    pub fn busy(&self) -> bool {
        self.status
            .as_ref()
            .is_some_and(|s| matches!(s.status.as_str(), "running" | "delivering" | "retrying"))
    }

    /// How often a busy row asks again: a retry waits longer than a render.
    pub fn poll(&self) -> &'static str {
        match self.status.as_ref().map(|s| s.status.as_str()) {
            Some("retrying") => "every 10s",
            _ => "every 2s",
        }
    }
}

/// GET /schedules
#[derive(Template, WebTemplate)]
#[template(path = "schedules.html")]
pub struct SchedulesPage {
    pub layout: Layout,
    pub rows: Vec<ScheduleRow>,
    pub csrf: String,
    /// Why email will not go out (`[smtp]` not set while schedules email).
    pub mail_warning: Option<String>,
    /// What a test email did: sent (Ok) or the exact error.
    pub mail_result: Option<Result<String, String>>,
}

/// Rows of the list alone: the one row an action changed, swapped in by htmx.
#[derive(Template, WebTemplate)]
#[template(path = "schedules.html", block = "rows")]
pub struct RowsPartial {
    pub rows: Vec<ScheduleRow>,
    /// For the rows' plain-form fallbacks (htmx sends its header).
    pub csrf: String,
}

/// The list's columns (`schedules.html`): a row saying what went wrong spans them all.
const COLUMNS: u16 = 6;

pub(super) fn conn(ctx: &Ctx) -> Result<Conn, Problem> {
    ctx.store.app.get().map_err(Problem::from)
}

pub(super) fn layout(ctx: &Ctx, who: &Principal) -> Result<Layout, Problem> {
    Layout::new(ctx, who).map_err(Problem::from)
}

pub(super) fn find(conn: &Conn, id: &str) -> Result<StoredSchedule, Problem> {
    store::schedule::get(conn, id)
        .map_err(Problem::from)?
        .ok_or_else(|| not_found(id))
}

fn not_found(id: &str) -> Problem {
    Problem::not_found(format!(
        "no schedule with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

/// What schedules send by id: reports by their names, dashboards as `Dashboard: <name>`.
pub(super) fn report_names(conn: &Conn) -> Result<HashMap<String, String>, Problem> {
    let mut names: HashMap<String, String> = store::report::list(conn)
        .map_err(Problem::from)?
        .into_iter()
        .map(|r| (r.id, r.definition.name))
        .collect();
    for d in store::dashboard::list(conn).map_err(Problem::from)? {
        names.insert(d.id, format!("Dashboard: {}", d.definition.name));
    }
    Ok(names)
}

/// The ids of the reports and dashboards the reader may see.
pub(crate) fn visible(
    ctx: &Ctx,
    conn: &Conn,
) -> Result<std::collections::HashSet<String>, Problem> {
    let mut ids: std::collections::HashSet<String> = store::report::list(conn)
        .map_err(Problem::from)?
        .into_iter()
        .filter(|r| {
            ctx.grants
                .sees_report(&r.id, r.definition.collection_id.as_deref())
        })
        .map(|r| r.id)
        .collect();
    for d in store::dashboard::list(conn).map_err(Problem::from)? {
        if ctx
            .grants
            .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
        {
            ids.insert(d.id);
        }
    }
    Ok(ids)
}

/// The id of what `s` sends: its dashboard's, else its report's.
pub(super) fn sent(s: &StoredSchedule) -> &str {
    s.dashboard_id.as_deref().unwrap_or(&s.report_id)
}

fn row(
    conn: &Conn,
    s: &StoredSchedule,
    reports: &HashMap<String, String>,
    zone: &ViewZone,
) -> Result<ScheduleRow, Problem> {
    let status = edit::last_run(conn, s).map_err(Problem::from)?;
    Ok(ScheduleRow {
        id: s.id.clone(),
        name: s.name.clone(),
        report: reports
            .get(sent(s))
            .cloned()
            .unwrap_or_else(|| sent(s).to_string()),
        description: describe(s),
        next: if s.enabled {
            s.next_run_at
                .as_deref()
                .and_then(parse_time)
                .map(|t| zone.show(t))
                .unwrap_or_else(|| "never".into())
        } else {
            "paused".into()
        },
        enabled: s.enabled,
        status,
    })
}

fn describe(s: &StoredSchedule) -> String {
    cron::preview(&s.cron, &s.timezone, Utc::now(), 0)
        .map(|(d, _)| d)
        .unwrap_or_else(|_| s.cron.clone())
}

/// GET /schedules
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<SchedulesPage, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    web::block(move || page(&ctx, &who, None))
        .await?
        .map_err(Problem::html)
}

/// The list page, with what a test email did when one was sent.
pub(super) fn page(
    ctx: &Ctx,
    who: &Principal,
    mail_result: Option<Result<String, String>>,
) -> Result<SchedulesPage, Problem> {
    let layout = layout(ctx, who)?;
    let conn = conn(ctx)?;
    let reports = report_names(&conn)?;
    let seen = visible(ctx, &conn)?;
    let rows = store::schedule::list(&conn)
        .map_err(Problem::from)?
        .iter()
        // What sends a report or dashboard they may not see is not listed for them.
        .filter(|s| seen.contains(sent(s)))
        .map(|s| row(&conn, s, &reports, &who.zone()))
        .collect::<Result<_, _>>()?;
    Ok(SchedulesPage {
        csrf: layout.csrf.clone(),
        layout,
        rows,
        mail_warning: edit::mail_warning(ctx, &conn).map_err(Problem::from)?,
        mail_result,
    })
}

/// Where a row action returns to: `?next=` (a /schedules page) or the list.
#[derive(Deserialize)]
pub struct Back {
    next: Option<String>,
}

enum Action {
    Run,
    Toggle,
    Delete,
}

/// POST /schedules/{id}/run
pub async fn run(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<Back>,
) -> Result<HttpResponse, Problem> {
    act(
        &state,
        &req,
        id.into_inner(),
        q.into_inner().next,
        Action::Run,
    )
    .await
}

/// POST /schedules/{id}/toggle: pause or resume.
pub async fn toggle(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<Back>,
) -> Result<HttpResponse, Problem> {
    act(
        &state,
        &req,
        id.into_inner(),
        q.into_inner().next,
        Action::Toggle,
    )
    .await
}

/// POST /schedules/{id}/delete
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    q: web::Query<Back>,
) -> Result<HttpResponse, Problem> {
    act(
        &state,
        &req,
        id.into_inner(),
        q.into_inner().next,
        Action::Delete,
    )
    .await
}

/// Does the action; answers htmx with the new row (nothing once deleted) or a redirect to
/// `next`, and a plain form post with a 303 to `next` or the list.
async fn act(
    state: &AppState,
    req: &HttpRequest,
    id: String,
    next: Option<String>,
    action: Action,
) -> Result<HttpResponse, Problem> {
    let htmx = is_htmx(req);
    // Only our own pages: `next` must not send the browser elsewhere.
    let next = next
        .as_deref()
        .and_then(crate::web::local_path)
        .filter(|n| n.starts_with("/schedules") && !n.contains("//"));
    let result = async {
        let ctx = state.ctx_for(req);
        match action {
            Action::Run => match execute::run_now(&ctx, &id, &state.runner).await {
                Ok(Some(_)) => {}
                Ok(None) => return Err(not_found(&id)),
                Err(e) => return Err(Problem::internal(e)),
            },
            Action::Toggle => {
                let id = id.clone();
                web::block(move || edit::toggle(&ctx, &id)).await??;
                state.scheduler_wake.notify_one();
            }
            Action::Delete => {
                let id = id.clone();
                web::block(move || edit::delete(&ctx, &id)).await??;
                state.scheduler_wake.notify_one();
                return Ok(None);
            }
        }
        current_row(&state.ctx, id, gate::zone(req)).await.map(Some)
    }
    .await;
    if htmx && next.is_none() {
        return row_response(result, &gate::principal(req));
    }
    match (result, next) {
        (Err(p), _) => Err(p.html()),
        (Ok(_), Some(next)) if htmx => Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", next))
            .finish()),
        (Ok(_), next) => Ok(see_other(next.as_deref().unwrap_or("/schedules"))),
    }
}

/// GET /schedules/{id}/row: one row of the list, polled while its run is under way.
pub async fn row_get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    row_response(
        current_row(&state.ctx, id.into_inner(), gate::zone(&req))
            .await
            .map(Some),
        &gate::principal(&req),
    )
}

async fn current_row(ctx: &Ctx, id: String, zone: ViewZone) -> Result<ScheduleRow, Problem> {
    let ctx = ctx.clone();
    web::block(move || {
        let conn = conn(&ctx)?;
        let s = find(&conn, &id)?;
        row(&conn, &s, &report_names(&conn)?, &zone)
    })
    .await?
}

/// The row for htmx (nothing once deleted), or a row saying what went wrong.
fn row_response(
    result: Result<Option<ScheduleRow>, Problem>,
    who: &Principal,
) -> Result<HttpResponse, Problem> {
    let html = result
        .and_then(|row| {
            RowsPartial {
                rows: row.into_iter().collect(),
                csrf: Layout::bare_csrf(who),
            }
            .render()
            .map_err(Problem::internal)
        })
        .map_err(|p| p.as_row(COLUMNS))?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

pub(super) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
