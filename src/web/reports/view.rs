//! A report's result as a page: `/reports/{id}` (its parameter form, every visualization and its
//! downloads), and its htmx table pages. Dashboards have their own grid (`web::dashboards`).

use crate::app::{Ctx, RunSpec};
use crate::model::report::ParamType;
use crate::report::run::{Item, SectionOut, TableOut, TableRows};
use crate::store::{self, report::StoredReport};
use crate::web::error::Problem;
use crate::web::{parse_page, AppState, Layout};
use actix_web::web;
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
}

/// What a page shows: a whole report.
#[derive(Debug, Clone)]
pub enum View {
    Report(String),
}

impl View {
    /// The page's own path, under which its table partials live.
    fn path(&self) -> String {
        match self {
            View::Report(id) => format!("/reports/{id}"),
        }
    }

    /// The page's title, its report, and the visualizations it shows (None = all).
    fn resolve(&self, ctx: &Ctx) -> Result<(String, StoredReport, Option<Vec<String>>), Problem> {
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        match self {
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

/// GET /reports/{id}: the report's parameters, its whole result and its downloads.
pub async fn report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<DashboardPage, Problem> {
    let who = crate::web::gate::principal(&req);
    render(
        &state.ctx,
        &who,
        View::Report(id.into_inner()),
        q.into_inner(),
    )
    .await
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
        let out = ctx.run(&RunSpec {
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
        })?;
        super::sort::check(sort.as_ref(), out.tables())?;
        let fields = report
            .definition
            .parameters
            .iter()
            .map(|p| ParamField {
                name: p.name.clone(),
                label: if p.label.is_empty() {
                    p.name.clone()
                } else {
                    p.label.clone()
                },
                input: match p.kind {
                    ParamType::Number => "number",
                    ParamType::Date => "text",
                    _ => "text",
                },
                value: params
                    .get(&p.name)
                    .cloned()
                    .or_else(|| p.default_value.clone())
                    .unwrap_or_default(),
                options: p.options.clone(),
            })
            .collect();
        Ok(DashboardPage {
            saved,
            layout: Layout::new(&ctx, &who).map_err(Problem::from)?,
            name,
            description: out.description.clone(),
            report_id: report.id,
            path: view.path(),
            fields,
            query: encode(&params),
            sections: out.sections,
            generated: who.zone().show(out.generated_at),
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
