//! The new/edit schedule form with a live preview of its timing: every problem of a posted
//! form shown at once, each next to its field.

use super::form::{ScheduleForm, Timing, WEEKDAYS};
use super::form_error::FormError;
use super::rows::{MAX_ROWS, RECIPIENT_KINDS};
use super::{conn, find, layout, see_other};
use crate::app::schedule as edit;
use crate::app::Ctx;
use crate::auth::Principal;
use crate::model::report::ParamType;
use crate::model::time::ZoneFrom;
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use chrono::Utc;
use serde::Deserialize;

/// A parameter (or filter) to pick in a parameter row: its name, how it reads in the picker,
/// and the values its value field offers (an enum's options, true/false, date expressions).
pub type ParamChoice = (String, String, Vec<String>);

/// A report (or dashboard) to pick, with its parameters (or filters) for the parameter rows'
/// pickers.
pub struct ReportChoice {
    pub id: String,
    pub name: String,
    pub params: Vec<ParamChoice>,
}

impl ReportChoice {
    /// The parameters as JSON `[[name, label, [value, ...]], ...]`, for the script that
    /// refills the pickers and the values offered when another report or parameter is chosen.
    pub fn params_json(&self) -> String {
        serde_json::to_string(&self.params).unwrap_or_else(|_| "[]".into())
    }
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
    /// Every problem of a posted form, in the order of the fields.
    pub errors: Vec<FormError>,
    pub reports: Vec<ReportChoice>,
    pub zones: Vec<&'static str>,
    pub weekdays: [(&'static str, &'static str); 7],
    pub recipient_kinds: [(&'static str, &'static str); 5],
    pub preview: Preview,
    /// The form's script: adds and removes rows in place, refills the parameter pickers.
    pub script: String,
}

impl FormPage {
    /// Whether a problem is about the form field `name` (as a whole, not one of its rows).
    pub fn bad(&self, name: &str) -> bool {
        self.errors
            .iter()
            .any(|e| e.field == name && e.row.is_none())
    }

    /// What is wrong with the form field `name`, shown next to it.
    pub fn error_for(&self, name: &str) -> String {
        self.messages(name, None)
    }

    /// Whether a problem is about row `row` of `name` (recipients or parameters).
    pub fn row_bad(&self, name: &str, row: &usize) -> bool {
        self.errors
            .iter()
            .any(|e| e.field == name && e.row == Some(*row))
    }

    /// What is wrong with row `row` of `name`, shown next to the row.
    pub fn row_error_for(&self, name: &str, row: &usize) -> String {
        self.messages(name, Some(*row))
    }

    fn messages(&self, name: &str, row: Option<usize>) -> String {
        self.errors
            .iter()
            .filter(|e| e.field == name && e.row == row)
            .map(|e| e.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The chosen report's parameters, for the parameter rows' pickers.
    pub fn param_choices(&self) -> &[ParamChoice] {
        self.reports
            .iter()
            .find(|r| r.id == self.form.report_id)
            .map(|r| r.params.as_slice())
            .unwrap_or_default()
    }

    /// The values a row's value field offers for the parameter it names.
    pub fn param_values(&self, name: &str) -> &[String] {
        self.param_choices()
            .iter()
            .find(|c| c.0 == name)
            .map(|c| c.2.as_slice())
            .unwrap_or_default()
    }

    /// Where the row buttons post (see [`rows`]).
    pub fn rows_action(&self) -> String {
        match &self.id {
            Some(id) => format!("/schedules/form?id={}", crate::web::urlencode(id)),
            None => "/schedules/form".into(),
        }
    }

    /// Whether a row names a parameter the chosen report does not have (kept, to be refused).
    pub fn unknown_param(&self, name: &str) -> bool {
        !name.is_empty() && !self.param_choices().iter().any(|c| c.0 == name)
    }
}

/// GET /schedules/preview
#[derive(Template, WebTemplate)]
#[template(path = "schedule_preview.html")]
pub struct PreviewPartial {
    pub preview: Preview,
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

/// Date expressions a date parameter's field offers (any other is typed).
const DATE_EXPRESSIONS: [&str; 5] = [
    "{{ today }}",
    "{{ today - 7d }}",
    "{{ start_of_week }}",
    "{{ start_of_month }}",
    "{{ start_of_month - 1m }}",
];

fn param_choice(p: &crate::model::report::ParameterDef) -> ParamChoice {
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
    let values = match p.kind {
        ParamType::Enum => p.options.clone(),
        ParamType::Boolean => vec!["true".into(), "false".into()],
        ParamType::Date => DATE_EXPRESSIONS.iter().map(|e| e.to_string()).collect(),
        ParamType::String | ParamType::Number => Vec::new(),
    };
    (p.name.clone(), hint, values)
}

fn form_page(
    ctx: &Ctx,
    who: &Principal,
    id: Option<String>,
    mut form: ScheduleForm,
    errors: Vec<FormError>,
) -> Result<FormPage, Problem> {
    // Errors name rows as posted: a refused form keeps them all, with a blank one at the end
    // (but no more than a form may have: the rest of a flood is not sent back).
    form.recipients.truncate(MAX_ROWS);
    form.parameters.truncate(MAX_ROWS);
    form.pad();
    let dashboards = store::dashboard::list(&*conn(ctx)?)
        .map_err(Problem::from)?
        .into_iter()
        .filter(|d| {
            ctx.grants
                .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
        })
        .map(|d| ReportChoice {
            id: format!("{}{}", super::form::DASHBOARD, d.id),
            name: format!("Dashboard: {}", d.definition.name),
            params: d
                .definition
                .filters
                .iter()
                .map(|f| {
                    let label = format!("{} (filter, {:?})", f.label, f.kind).to_lowercase();
                    (f.id.clone(), label, Vec::new())
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let reports = store::report::list(&*conn(ctx)?)
        .map_err(Problem::from)?
        .into_iter()
        .filter(|r| {
            ctx.grants
                .sees_report(&r.id, r.definition.collection_id.as_deref())
        })
        .map(|r| ReportChoice {
            params: r.definition.parameters.iter().map(param_choice).collect(),
            id: r.id,
            name: r.definition.name,
        })
        .chain(dashboards)
        .collect();
    Ok(FormPage {
        layout: layout(ctx, who)?,
        id,
        preview: Preview::of(&form.timing),
        form,
        errors,
        reports,
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        weekdays: WEEKDAYS,
        recipient_kinds: RECIPIENT_KINDS,
        script: crate::web::assets::url("schedule_form.js"),
    })
}

/// GET /schedules/new
pub async fn new_form(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<NewQuery>,
) -> Result<FormPage, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let wanted = q.into_inner().report;
    web::block(move || {
        let mut reports = store::report::list(&*conn(&ctx)?).map_err(Problem::from)?;
        reports.retain(|r| {
            ctx.grants
                .sees_report(&r.id, r.definition.collection_id.as_deref())
        });
        // `?report=ID` (from a report's page) picks it; otherwise the first.
        let first = reports
            .iter()
            .find(|r| Some(&r.id) == wanted.as_ref())
            .or(reports.first())
            .map(|r| r.id.clone())
            .unwrap_or_default();
        // The viewer's zone (chosen, or the browser's), else the one last used, else the
        // server's.
        let zone = match who.zone() {
            z if z.from != ZoneFrom::Server => z.name().to_string(),
            _ => edit::default_zone(&ctx).map_err(Problem::from)?,
        };
        form_page(
            &ctx,
            &who,
            None,
            ScheduleForm::new(&first, &zone),
            Vec::new(),
        )
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
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    web::block(move || {
        let s = find(&conn(&ctx)?, &id)?;
        let form = ScheduleForm::from_config(&edit::to_config(&s));
        form_page(&ctx, &who, Some(s.id), form, Vec::new())
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
    let ctx = state.ctx_for(req);
    let author = gate::author(req).map_err(Problem::html)?;
    let who = gate::principal(req);
    let outcome = web::block(move || {
        if let Some(id) = &id {
            find(&conn(&ctx)?, id)?;
        }
        // Every problem at once: the form's own, and a name another schedule has.
        let taken = match form.name.trim() {
            "" => None,
            name => edit::name_taken(&*conn(&ctx)?, name, id.as_deref()).map_err(Problem::from)?,
        };
        let errors = match (form.parse(), taken) {
            (Ok(cfg), None) => match edit::save(&ctx, id.as_deref(), &cfg, &author) {
                Ok(saved) => return Ok(Ok(saved.id)),
                Err(e) => vec![FormError::from_edit(e, &form).map_err(Problem::from)?],
            },
            (parsed, taken) => {
                let mut errors = parsed.err().unwrap_or_default();
                if let Some(message) = taken {
                    errors.retain(|e| e.field != "name");
                    errors.insert(
                        0,
                        FormError {
                            field: "name",
                            row: None,
                            message: format!("name: {message}"),
                        },
                    );
                }
                errors
            }
        };
        form_page(&ctx, &who, id, form, errors).map(Err)
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

/// `?id=` of the row buttons' route: the schedule being edited, if any.
#[derive(Deserialize)]
pub struct RowsQuery {
    id: Option<String>,
}

/// POST /schedules/form?id=: the row buttons (add or remove a row) of a browser without the
/// form's script: the form again with the change, saving nothing.
pub async fn rows(
    state: web::Data<AppState>,
    q: web::Query<RowsQuery>,
    form: web::Form<ScheduleForm>,
    req: HttpRequest,
) -> Result<FormPage, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let id = q.into_inner().id.filter(|i| !i.is_empty());
    let mut form = form.into_inner();
    web::block(move || {
        if let Some(id) = &id {
            find(&conn(&ctx)?, id)?;
        }
        form.apply_row_action();
        form_page(&ctx, &who, id, form, Vec::new())
    })
    .await?
    .map_err(Problem::html)
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
