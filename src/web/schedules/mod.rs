//! The /schedules pages: the list with its row actions (run now, pause/resume, delete) and
//! the new/edit form with a live preview of its timing (a schedule's own page is in
//! `schedule_detail`). Row actions answer htmx with the new row and plain forms with a 303 back.

pub mod detail;
pub mod form;

use self::form::{local_time, FormError, ScheduleForm, Timing, WEEKDAYS};
use crate::app::schedule as edit;
use crate::app::Ctx;
use crate::auth::Principal;
use crate::model::cron;
use crate::model::report::ParamType;
use crate::model::time::parse_time;
use crate::schedule::execute;
use crate::store::{self, schedule::StoredSchedule, Conn};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::HashMap;

/// One schedule in the list.
pub struct ScheduleRow {
    pub id: String,
    pub name: String,
    pub report: String,
    pub description: String,
    /// The next run in the schedule's zone, or `paused`.
    pub next: String,
    pub enabled: bool,
    /// The latest run's status: running while one is, else how the last one ended.
    pub status: Option<String>,
}

impl ScheduleRow {
    /// Whether a run is under way (the row then refreshes itself).
    pub fn busy(&self) -> bool {
        matches!(self.status.as_deref(), Some("running" | "delivering"))
    }
}

/// GET /schedules
#[derive(Template, WebTemplate)]
#[template(path = "schedules.html")]
pub struct SchedulesPage {
    pub layout: Layout,
    pub rows: Vec<ScheduleRow>,
    pub csrf: String,
}

/// Rows of the list alone: the one row an action changed, swapped in by htmx.
#[derive(Template, WebTemplate)]
#[template(path = "schedules.html", block = "rows")]
pub struct RowsPartial {
    pub rows: Vec<ScheduleRow>,
    /// For the rows' plain-form fallbacks (htmx sends its header).
    pub csrf: String,
}

/// A report to pick, with its parameters as a hint.
pub struct ReportChoice {
    pub id: String,
    pub name: String,
    pub params: String,
}

/// The plain-English timing and the next runs, or what is wrong with the timing fields.
pub struct Preview {
    pub description: String,
    pub times: Vec<String>,
    pub error: Option<String>,
}

/// `?report=` of the new-schedule form.
#[derive(Deserialize)]
pub struct NewQuery {
    report: Option<String>,
}

/// GET /schedules/new and /schedules/{id}/edit
#[derive(Template, WebTemplate)]
#[template(path = "schedule_form.html")]
pub struct FormPage {
    pub layout: Layout,
    /// None for a new schedule.
    pub id: Option<String>,
    pub form: ScheduleForm,
    pub error: Option<FormError>,
    pub reports: Vec<ReportChoice>,
    pub zones: Vec<&'static str>,
    pub weekdays: [(&'static str, &'static str); 7],
    pub preview: Preview,
}

impl FormPage {
    /// Whether the form field `name` is the one the error is about.
    pub fn bad(&self, name: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.field == name)
    }
}

/// GET /schedules/preview
#[derive(Template, WebTemplate)]
#[template(path = "schedule_preview.html")]
pub struct PreviewPartial {
    pub preview: Preview,
}

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

pub(super) fn zone(s: &StoredSchedule) -> Tz {
    cron::parse_timezone(&s.timezone).unwrap_or(chrono_tz::UTC)
}

pub(super) fn local(ts: Option<&str>, tz: Tz) -> Option<String> {
    ts.and_then(parse_time).map(|t| local_time(t, tz))
}

pub(super) fn report_names(conn: &Conn) -> Result<HashMap<String, String>, Problem> {
    Ok(store::report::list(conn)
        .map_err(Problem::from)?
        .into_iter()
        .map(|r| (r.id, r.definition.name))
        .collect())
}

fn row(
    conn: &Conn,
    s: &StoredSchedule,
    reports: &HashMap<String, String>,
) -> Result<ScheduleRow, Problem> {
    let latest = store::run::list(conn, &s.id, 1).map_err(Problem::from)?;
    Ok(ScheduleRow {
        id: s.id.clone(),
        name: s.name.clone(),
        report: reports
            .get(&s.report_id)
            .cloned()
            .unwrap_or_else(|| s.report_id.clone()),
        description: describe(s),
        next: if s.enabled {
            local(s.next_run_at.as_deref(), zone(s)).unwrap_or_else(|| "never".into())
        } else {
            "paused".into()
        },
        enabled: s.enabled,
        status: latest
            .first()
            .map(|r| r.status.to_string())
            .or(s.last_run_status.clone()),
    })
}

fn describe(s: &StoredSchedule) -> String {
    cron::preview(&s.cron, &s.timezone, Utc::now(), 0)
        .map(|(d, _)| d)
        .unwrap_or_else(|_| s.cron.clone())
}

/// GET /schedules
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<SchedulesPage, Problem> {
    let ctx = state.ctx.clone();
    let who = gate::principal(&req);
    web::block(move || {
        let conn = conn(&ctx)?;
        let reports = report_names(&conn)?;
        let rows = store::schedule::list(&conn)
            .map_err(Problem::from)?
            .iter()
            .map(|s| row(&conn, s, &reports))
            .collect::<Result<_, _>>()?;
        let layout = layout(&ctx, &who)?;
        Ok(SchedulesPage {
            csrf: layout.csrf.clone(),
            layout,
            rows,
        })
    })
    .await?
    .map_err(Problem::html)
}

impl Preview {
    /// The preview of these timing fields, from now.
    pub fn of(t: &Timing) -> Preview {
        match t.preview(Utc::now(), 5) {
            Ok((description, times)) => Preview {
                description,
                times,
                error: None,
            },
            Err(e) => Preview::error(e.message),
        }
    }

    fn error(message: String) -> Preview {
        Preview {
            description: String::new(),
            times: Vec::new(),
            error: Some(message),
        }
    }
}

fn param_hint(p: &crate::model::report::ParameterDef) -> String {
    let kind = match p.kind {
        ParamType::String => "text",
        ParamType::Number => "number",
        ParamType::Date => "date",
        ParamType::Boolean => "true/false",
        ParamType::Enum => "one of a list",
    };
    let mut hint = format!("{} ({kind}", p.name);
    if p.required {
        hint.push_str(", required");
    }
    if let Some(d) = &p.default_value {
        hint.push_str(&format!(", default {d}"));
    }
    hint.push(')');
    hint
}

fn form_page(
    ctx: &Ctx,
    who: &Principal,
    id: Option<String>,
    form: ScheduleForm,
    error: Option<FormError>,
) -> Result<FormPage, Problem> {
    let reports = store::report::list(&*conn(ctx)?)
        .map_err(Problem::from)?
        .into_iter()
        .map(|r| ReportChoice {
            params: r
                .definition
                .parameters
                .iter()
                .map(param_hint)
                .collect::<Vec<_>>()
                .join(", "),
            id: r.id,
            name: r.definition.name,
        })
        .collect();
    Ok(FormPage {
        layout: layout(ctx, who)?,
        id,
        preview: Preview::of(&form.timing),
        form,
        error,
        reports,
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        weekdays: WEEKDAYS,
    })
}

/// GET /schedules/new
pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<NewQuery>,
) -> Result<FormPage, Problem> {
    let ctx = state.ctx.clone();
    let who = gate::principal(&req);
    let wanted = q.into_inner().report;
    web::block(move || {
        let reports = store::report::list(&*conn(&ctx)?).map_err(Problem::from)?;
        // `?report=ID` (from a report's page) picks it; otherwise the first.
        let first = reports
            .iter()
            .find(|r| Some(&r.id) == wanted.as_ref())
            .or(reports.first())
            .map(|r| r.id.clone())
            .unwrap_or_default();
        form_page(&ctx, &who, None, ScheduleForm::new(&first), None)
    })
    .await?
    .map_err(Problem::html)
}

/// GET /schedules/{id}/edit
pub async fn edit_form(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<FormPage, Problem> {
    let ctx = state.ctx.clone();
    let who = gate::principal(&req);
    web::block(move || {
        let s = find(&conn(&ctx)?, &id)?;
        let form = ScheduleForm::from_config(&edit::to_config(&s));
        form_page(&ctx, &who, Some(s.id), form, None)
    })
    .await?
    .map_err(Problem::html)
}

/// POST /schedules: 303 to the new schedule, or the form again (422) saying what is wrong.
pub async fn create(
    state: web::Data<AppState>,
    form: web::Form<ScheduleForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    save(&state, &req, None, form.into_inner()).await
}

/// POST /schedules/{id}: as create, for an existing schedule.
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<ScheduleForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    save(&state, &req, Some(id.into_inner()), form.into_inner()).await
}

async fn save(
    state: &AppState,
    req: &HttpRequest,
    id: Option<String>,
    form: ScheduleForm,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let who = gate::principal(req);
    let outcome = web::block(move || {
        if let Some(id) = &id {
            find(&conn(&ctx)?, id)?;
        }
        let error = match form.parse() {
            Ok(cfg) => match edit::save(&ctx, id.as_deref(), &cfg) {
                Ok(saved) => return Ok(Ok(saved.id)),
                Err(e) => FormError::from_edit(e, &form.timing).map_err(Problem::from)?,
            },
            Err(e) => e,
        };
        form_page(&ctx, &who, id, form, Some(error)).map(Err)
    })
    .await?
    .map_err(Problem::html)?;
    match outcome {
        Ok(id) => {
            state.scheduler_wake.notify_one();
            Ok(see_other(&format!("/schedules/{id}")))
        }
        Err(page) => Ok(HttpResponse::UnprocessableEntity()
            .content_type("text/html; charset=utf-8")
            .body(page.render().map_err(|e| Problem::internal(e).html())?)),
    }
}

/// GET /schedules/preview?frequency=&time=&weekday=&day_of_month=&cron=&timezone=
///
/// Always 200: a bad expression or zone is part of the answer, not a failure of the request.
pub async fn preview(req: HttpRequest) -> PreviewPartial {
    let preview = match web::Query::<Timing>::from_query(req.query_string()) {
        Ok(t) => Preview::of(&t),
        Err(e) => Preview::error(format!("the timing fields could not be read: {e}")),
    };
    PreviewPartial { preview }
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
) -> HttpResponse {
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
) -> HttpResponse {
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
) -> HttpResponse {
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
) -> HttpResponse {
    let htmx = req.headers().contains_key("HX-Request");
    // Only our own pages: `next` must not send the browser elsewhere.
    let next =
        next.filter(|n| n.starts_with("/schedules") && !n.contains("//") && !n.contains('\\'));
    let result = async {
        let ctx = state.ctx.clone();
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
        current_row(&state.ctx, id).await.map(Some)
    }
    .await;
    if htmx && next.is_none() {
        return row_response(result, &gate::principal(req));
    }
    match (result, next) {
        (Err(p), _) => p.html().error_response(),
        (Ok(_), Some(next)) if htmx => HttpResponse::Ok()
            .insert_header(("HX-Redirect", next))
            .finish(),
        (Ok(_), next) => see_other(next.as_deref().unwrap_or("/schedules")),
    }
}

/// GET /schedules/{id}/row: one row of the list, polled while its run is under way.
pub async fn row_get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> HttpResponse {
    row_response(
        current_row(&state.ctx, id.into_inner()).await.map(Some),
        &gate::principal(&req),
    )
}

async fn current_row(ctx: &Ctx, id: String) -> Result<ScheduleRow, Problem> {
    let ctx = ctx.clone();
    web::block(move || {
        let conn = conn(&ctx)?;
        let s = find(&conn, &id)?;
        row(&conn, &s, &report_names(&conn)?)
    })
    .await?
}

/// The row for htmx (nothing once deleted), or a row saying what went wrong.
fn row_response(result: Result<Option<ScheduleRow>, Problem>, who: &Principal) -> HttpResponse {
    let rendered = result.and_then(|row| {
        RowsPartial {
            rows: row.into_iter().collect(),
            csrf: Layout::bare_csrf(who),
        }
        .render()
        .map_err(Problem::internal)
    });
    let (status, html) = match rendered {
        Ok(html) => (StatusCode::OK, html),
        Err(p) => (
            p.status_code(),
            format!(
                "<tr class=\"row-error\"><td colspan=\"6\" role=\"alert\">{}</td></tr>",
                escape(&p.detail)
            ),
        ),
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
