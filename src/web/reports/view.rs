//! A report's result as a page: `/reports/{id}` (its parameter form, every visualization and its
//! downloads), and its htmx table pages. Dashboards have their own grid (`web::dashboards`).

use crate::app::{Ctx, PipelineError, RunSpec};
use crate::model::report::{ParamType, ParameterDef};
use crate::report::run::{Item, RunError, SectionOut, TableOut, TableRows};
use crate::store::{self, report::StoredReport};
use crate::web::error::Problem;
use crate::web::{parse_page, AppState, Layout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use std::collections::BTreeMap;

/// One input of the parameter form.
pub struct ParamField {
    pub name: String,
    pub label: String,
    pub input: &'static str,
    pub value: String,
    pub options: Vec<String>,
    /// A number's bounds from the definition, for the input's `min`/`max`.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Why the value given is refused, shown by the field.
    pub error: Option<String>,
}

impl ParamField {
    /// The input of parameter `p`, showing `given` (else its default).
    pub fn new(p: &ParameterDef, given: Option<&String>) -> ParamField {
        ParamField {
            name: p.name.clone(),
            label: if p.label.is_empty() {
                p.name.clone()
            } else {
                p.label.clone()
            },
            input: match p.kind {
                ParamType::Number => "number",
                _ => "text",
            },
            value: given
                .cloned()
                .or_else(|| p.default_value.clone())
                .unwrap_or_default(),
            options: p.options.clone(),
            min: p.min,
            max: p.max,
            error: None,
        }
    }
}

/// What a page shows: a whole report.
#[derive(Debug, Clone)]
pub enum View {
    Report(String),
    /// An old version of a report, shown without restoring it.
    Version(String, i64),
}

/// The version a page shows, when it is not the current one.
pub struct OldVersion {
    pub number: i64,
    /// When it was saved, in the viewer's zone.
    pub at: String,
    pub by: Option<String>,
}

impl View {
    /// The page's own path, under which its table partials live.
    fn path(&self) -> String {
        match self {
            View::Report(id) => format!("/reports/{id}"),
            View::Version(id, n) => format!("/reports/{id}/versions/{n}"),
        }
    }

    /// The page's title, its report, and the visualizations it shows (None = all).
    fn resolve(&self, ctx: &Ctx) -> Result<(String, StoredReport, Option<Vec<String>>), Problem> {
        if let View::Version(id, n) = self {
            let (v, definition) = crate::app::version::report_at(ctx, id, *n)?;
            let name = format!("{} (version {n})", definition.name);
            let report = StoredReport {
                id: id.clone(),
                definition,
                updated_at: v.at,
            };
            return Ok((name, report, None));
        }
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        match self {
            View::Version(..) => unreachable!("answered above"),
            View::Report(id) => {
                let r = store::report::get(&conn, id)
                    .map_err(Problem::from)?
                    .ok_or_else(|| {
                        Problem::not_found(format!(
                            "no report with id `{}`",
                            crate::model::text::truncate(id, 80)
                        ))
                    })?;
                Ok((r.definition.name.clone(), r, None))
            }
        }
    }
}

/// A dashboard or report page.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub name: String,
    pub description: String,
    pub report_id: String,
    /// `/dashboards/{id}` or `/reports/{id}`.
    pub path: String,
    pub fields: Vec<ParamField>,
    /// The current parameters as a query string (`days=90`), for links.
    pub query: String,
    pub sections: Vec<SectionOut>,
    pub generated: String,
    /// Just saved by the builder: say so.
    pub saved: bool,
    /// An old version shown without restoring it: no downloads, a banner and a Restore button.
    pub version: Option<OldVersion>,
}

/// The table and its pager, swapped in by htmx.
#[derive(Template, WebTemplate)]
#[template(path = "table_partial.html")]
pub struct TablePartial {
    pub t: TableOut,
    /// URL of this partial without the page (ends in `?...&` or `?`).
    pub base: String,
}

pub(crate) type Query = web::Query<BTreeMap<String, String>>;

/// GET /reports/{id}: the report's parameters, its whole result and its downloads. A value
/// the report refuses is 422 with the form again, the reason by its field.
pub async fn report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let who = crate::web::gate::principal(&req);
    let page = render(
        &state.ctx,
        &who,
        View::Report(id.into_inner()),
        q.into_inner(),
    )
    .await?;
    let status = if page.fields.iter().any(|f| f.error.is_some()) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = page.render().map_err(|e| Problem::internal(e).html())?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// GET /reports/{id}/versions/{v}: an old version run on today's data, without restoring it.
pub async fn version(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, v) = path.into_inner();
    let n = crate::web::versions::number(&v).map_err(Problem::html)?;
    let who = crate::web::gate::principal(&req);
    let page = render(&state.ctx, &who, View::Version(id, n), q.into_inner()).await?;
    let html = page.render().map_err(|e| Problem::internal(e).html())?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// GET /reports/{id}/versions/{v}/table/{viz}?page=N: a table page of an old version.
pub async fn version_table(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    q: Query,
) -> Result<TablePartial, Problem> {
    let (id, v, viz) = path.into_inner();
    let n = crate::web::versions::number(&v)?;
    table_page(&state.ctx, View::Version(id, n), viz, q.into_inner()).await
}

pub(crate) async fn render(
    ctx: &Ctx,
    who: &crate::auth::Principal,
    view: View,
    mut params: BTreeMap<String, String>,
) -> Result<DashboardPage, Problem> {
    let page = parse_page(params.remove("page").as_deref()).map_err(Problem::html)?;
    let saved = params.remove("saved").is_some();
    let sort = super::sort::take(&mut params).map_err(Problem::html)?;
    let ctx = ctx.clone();
    let who = who.clone();
    web::block(move || {
        let (name, report, only) = view.resolve(&ctx)?;
        let run = ctx.run(&RunSpec {
            report: &report.id,
            params: &params,
            rows: TableRows::Page {
                page,
                page_size: ctx.config.limits.page_size,
            },
            only: only.as_deref(),
            sort: sort.as_ref(),
            today: chrono::Utc::now().date_naive(),
            // Phones show each chart drawn for their width (see item.html).
            narrow: Some(crate::report::chart::PHONE_WIDTH),
            zone: who.zone().tz,
            stored: Some(&report),
        });
        // A refused parameter: the form again with the reason by its field, nothing run.
        let (out, refused) = match run {
            Ok(out) => (Some(out), None),
            Err(PipelineError::Run(RunError::Param(e))) => (None, Some(e)),
            Err(e) => return Err(e.into()),
        };
        if let Some(out) = &out {
            super::sort::check(sort.as_ref(), out.tables())?;
        }
        let mut fields: Vec<ParamField> = report
            .definition
            .parameters
            .iter()
            .map(|p| ParamField {
                error: refused
                    .as_ref()
                    .filter(|e| e.name == p.name)
                    .map(|e| e.message.clone()),
                ..ParamField::new(p, params.get(&p.name))
            })
            .collect();
        if let Some(e) = &refused {
            // A parameter the report does not have: named on the first field's line.
            if !fields.iter().any(|f| f.error.is_some()) {
                match fields.first_mut() {
                    Some(f) => f.error = Some(format!("{}: {}", e.name, e.message)),
                    None => return Err(Problem::invalid(e.name.clone(), e.message.clone())),
                }
            }
        }
        let layout = Layout::new(&ctx, &who).map_err(Problem::from)?;
        let version = match &view {
            View::Version(_, n) => Some(OldVersion {
                number: *n,
                at: who.zone().show_text(&report.updated_at),
                by: crate::app::version::get(
                    &ctx,
                    crate::model::version::Kept::Report,
                    &report.id,
                    *n,
                )
                .ok()
                .and_then(|(v, _)| v.by),
            }),
            View::Report(_) => None,
        };
        let (description, sections, generated) = match out {
            Some(out) => (
                out.description,
                out.sections,
                who.zone().show(out.generated_at),
            ),
            None => (String::new(), Vec::new(), String::new()),
        };
        Ok(DashboardPage {
            saved,
            layout,
            name,
            description,
            report_id: report.id,
            path: view.path(),
            fields,
            query: encode(&params),
            sections,
            generated,
            version,
        })
    })
    .await?
    .map_err(|p: Problem| p.html())
}

/// GET /reports/{id}/table/{viz}?page=N&sort=&dir=
pub async fn report_table(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
) -> Result<TablePartial, Problem> {
    let (id, viz) = path.into_inner();
    table_page(&state.ctx, View::Report(id), viz, q.into_inner()).await
}

pub(crate) async fn table_page(
    ctx: &Ctx,
    view: View,
    viz: String,
    mut params: BTreeMap<String, String>,
) -> Result<TablePartial, Problem> {
    let page = parse_page(params.remove("page").as_deref())?;
    let sort = super::sort::take(&mut params)?;
    let ctx = ctx.clone();
    web::block(move || {
        let (_, report, only) = view.resolve(&ctx)?;
        if only.is_some_and(|w| !w.contains(&viz)) {
            return Err(Problem::not_found(format!("no table `{viz}` on this page")));
        }
        let only = [viz.clone()];
        let out = ctx.run(&RunSpec {
            report: &report.id,
            params: &params,
            rows: TableRows::Page {
                page,
                page_size: ctx.config.limits.page_size,
            },
            only: Some(&only),
            sort: sort.as_ref(),
            today: chrono::Utc::now().date_naive(),
            narrow: None,
            zone: chrono_tz::UTC,
            stored: Some(&report),
        })?;
        super::sort::check(sort.as_ref(), out.tables())?;
        let t = out
            .tables()
            .next()
            .cloned()
            .ok_or_else(|| Problem::not_found(format!("no table `{viz}` on this page")))?;
        Ok(TablePartial {
            base: table_base(&view.path(), &t.id, &encode(&params)),
            t,
        })
    })
    .await?
}

/// The URL of a table partial of the page at `path`, ready for `page=N` to be appended.
pub fn table_base(path: &str, viz: &str, query: &str) -> String {
    if query.is_empty() {
        format!("{path}/table/{viz}?")
    } else {
        format!("{path}/table/{viz}?{query}&")
    }
}

pub(crate) fn encode(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", crate::web::urlencode(k), crate::web::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl DashboardPage {
    /// The partial's URL for a table on this page.
    pub fn table_base(&self, viz: &str) -> String {
        table_base(&self.path, viz, &self.query)
    }
}
