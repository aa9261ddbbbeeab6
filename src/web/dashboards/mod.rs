//! Dashboards: `/` (the default one, or a welcome page), `/dashboards` (list, create, duplicate,
//! delete), `/dashboards/{id}` (the grid; each widget loads on its own with htmx, filters in
//! the URL as `?f.<id>=`), and the widget and table partials it loads.

pub mod drill;
pub mod edit;
pub mod list;
pub mod query;
pub mod table;

pub use list::{create, delete, duplicate, list};
pub use table::{table, table_for};

use crate::app::dashboard::document;
use crate::app::dashboard::run::{self as dashboard_run, PRESETS};
use crate::app::PipelineError;
use crate::model::dashboard::{DashboardFilter, FilterKind, Widget, WidgetKind};
use crate::report::run::Item;
use crate::store::{self, dashboard::StoredDashboard};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::reports::view::{table_base, ParamField};
use crate::web::{parse_page, AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
pub(crate) use query::{known, query_without_page, split};
use std::collections::BTreeMap;

pub(crate) type Query = web::Query<BTreeMap<String, String>>;

/// `/` when there is no dashboard yet.
#[derive(Template, WebTemplate)]
#[template(path = "empty.html")]
pub struct EmptyPage {
    pub layout: Layout,
    /// The first-run checklist (issue 23, item 8).
    pub progress: crate::app::first_run::Progress,
}

/// A filter as the bar shows it.
pub struct FilterField {
    pub id: String,
    pub label: String,
    pub kind: FilterKind,
    pub value: String,
    /// Choices of a select (the targets' parameter options), presets of a date range.
    pub options: Vec<(String, String)>,
    /// A date range in words with its dates.
    pub period: Option<String>,
    /// A custom date range's two days (`YYYY-MM-DD`), for the picker's date inputs.
    pub custom: Option<(String, String)>,
    /// A calendar period that starts after the data ends: what to say and the link to try.
    pub hint: Option<(String, String)>,
}

/// A widget as the grid places it.
pub struct Cell {
    pub widget: Widget,
    /// The widget partial's URL with the page's query.
    pub url: String,
}

/// `/dashboards/{id}`
#[derive(Template, WebTemplate)]
#[template(path = "dashboard_grid.html")]
pub struct DashboardPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    pub description: String,
    pub filters: Vec<FilterField>,
    pub fields: Vec<ParamField>,
    pub cells: Vec<Cell>,
    pub refresh: Option<u32>,
    pub kiosk: bool,
    pub query: String,
    /// Through a share link: read-only, its values locked.
    pub shared: bool,
    /// A share's locked values in words (`Region: North`), said under its title.
    pub locked: Vec<String>,
    /// The page's script (drilling into charts).
    pub script: String,
    /// An old version shown without being restored (`web::versions::dashboard`).
    pub version: Option<i64>,
}

/// One widget, loaded by htmx.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard_widget.html")]
pub struct WidgetPartial {
    pub widget: Widget,
    pub item: Option<Item>,
    pub error: Option<String>,
    /// Table pages: the partial's URL without the page.
    pub base: String,
    pub report_link: Option<String>,
    /// The new alert form for this widget, for editors (`/alerts?dashboard=&widget=`).
    pub alert_link: Option<String>,
}

impl WidgetPartial {
    /// Whether it is a table (offered as CSV).
    pub fn is_table(&self) -> bool {
        matches!(self.item, Some(Item::Table(_)))
    }

    /// Whether it is a chart (offered as SVG).
    pub fn is_chart(&self) -> bool {
        matches!(self.item, Some(Item::Chart(_)))
    }

    /// The download of its data in `format`, under the same filters.
    pub fn download_url(&self, format: &str) -> String {
        // `base` is `<page>/table/<wid>?<query>&` (or `?`): the widget's download beside it.
        let (path, query) = self.base.split_once('?').unwrap_or((&self.base, ""));
        format!(
            "{}/download?format={format}&{query}",
            path.replacen("/table/", "/widgets/", 1)
        )
        .trim_end_matches('&')
        .to_string()
    }

    /// Its table's pager URL (`item.html` asks by table id; a widget holds one table).
    pub fn table_base(&self, _viz: &str) -> String {
        self.base.clone()
    }

    /// A KPI card has no room for more than its figures.
    pub fn is_kpi(&self) -> bool {
        matches!(self.item, Some(Item::Kpi(_)))
    }
}

/// Both kinds of page `/` can show.
pub enum Home {
    Dashboard(Box<DashboardPage>),
    Empty(EmptyPage),
}

impl actix_web::Responder for Home {
    type Body = actix_web::body::BoxBody;
    fn respond_to(self, req: &actix_web::HttpRequest) -> actix_web::HttpResponse {
        match self {
            Home::Dashboard(p) => p.respond_to(req),
            Home::Empty(p) => p.respond_to(req),
        }
    }
}

/// The width in CSS px a widget's chart is drawn for (`?w=`, which `dashboard.js` adds from the
/// widget's box; see `chart::at_width`). None without it; a 422 naming `w` when not a number.
pub(crate) fn chart_width(q: &BTreeMap<String, String>) -> Result<Option<u32>, Problem> {
    match q.get("w").map(|w| w.trim()).filter(|w| !w.is_empty()) {
        None => Ok(None),
        Some(w) => w
            .parse::<f64>()
            .ok()
            .filter(|w| w.is_finite() && *w > 0.0)
            .map(|w| Some(w.round().min(1e6) as u32))
            .ok_or_else(|| {
                Problem::invalid(
                    "w",
                    format!(
                        "`{}` is not a width in pixels",
                        crate::model::text::truncate(w, 40)
                    ),
                )
            }),
    }
}

pub(crate) fn find(ctx: &crate::app::Ctx, id: &str) -> Result<StoredDashboard, Problem> {
    store::dashboard::get(&*ctx.store.app.get()?, id)?.ok_or_else(|| {
        Problem::not_found(format!(
            "no dashboard with id `{}`",
            crate::model::text::truncate(id, 80)
        ))
    })
}

fn page(
    ctx: &crate::app::Ctx,
    who: &crate::auth::Principal,
    d: StoredDashboard,
    q: &BTreeMap<String, String>,
) -> Result<DashboardPage, Problem> {
    let base = format!("/dashboards/{}", d.id);
    let q = known(ctx, &d, q, None)?;
    page_for(ctx, who, d, &q, &base, false)
}

/// The grid page of `d` with its widgets under `base` (`/dashboards/{id}`, or a share's
/// `/s/{token}`, where `shared` shows it read-only and `q` holds the locked filter values).
pub(crate) fn page_for(
    ctx: &crate::app::Ctx,
    who: &crate::auth::Principal,
    d: StoredDashboard,
    q: &BTreeMap<String, String>,
    base: &str,
    shared: bool,
) -> Result<DashboardPage, Problem> {
    // `page` belongs to the tables' pagers; a bad one is refused here as on every page.
    parse_page(q.get("page").map(String::as_str))?;
    let today = chrono::Utc::now().date_naive();
    let (filters, params) = split(q);
    let values = dashboard_run::values(&d.definition.filters, &filters);
    let query = query_without_page(q);
    // The report parameters of every widget's report, once each, for the parameter form.
    let mut fields: Vec<ParamField> = Vec::new();
    let mut seen_reports = std::collections::HashSet::new();
    for w in &d.definition.widgets {
        let Some(rid) = &w.report_id else { continue };
        if !seen_reports.insert(rid.clone()) {
            continue;
        }
        let Some(r) = store::report::get(&*ctx.store.app.get()?, rid)? else {
            continue;
        };
        for p in &r.definition.parameters {
            let targeted = d.definition.filters.iter().any(|f| {
                f.targets
                    .iter()
                    .any(|t| t.parameter.as_deref() == Some(&p.name))
            });
            if targeted
                || fields.iter().any(|f| f.name == p.name)
                || d.definition.widgets.iter().all(|x| {
                    x.report_id.as_deref() != Some(rid) || x.parameters.contains_key(&p.name)
                })
            {
                continue;
            }
            // A value the parameter refuses is named by its field (the widgets say it too).
            let mut field = ParamField::new(p, params.get(&p.name));
            if let Some(v) = params.get(&p.name) {
                let given = BTreeMap::from([(p.name.clone(), v.clone())]);
                let refused =
                    crate::report::params::resolve(std::slice::from_ref(p), &given, today);
                field.error = refused.err().map(|e| e.message);
            }
            fields.push(field);
        }
    }
    let filters_shown = d
        .definition
        .filters
        .iter()
        .map(|f: &DashboardFilter| {
            let value = values.get(&f.id).cloned().unwrap_or_default();
            let range = f.kind == FilterKind::DateRange && !value.is_empty();
            let end = range
                .then(|| crate::app::dashboard::data_end::of_filter(ctx, &d, f, today))
                .flatten();
            FilterField {
                custom: (range && dashboard_run::preset_label(&value).is_none())
                    .then(|| dashboard_run::date_range(&value, today))
                    .flatten()
                    .map(|(a, b)| (a.to_string(), b.to_string())),
                hint: range
                    .then(|| dashboard_run::ends_before(&value, today, end))
                    .flatten()
                    .map(|(text, try_)| {
                        let mut q = q.clone();
                        q.remove("page");
                        q.insert(format!("f.{}", f.id), try_.to_string());
                        (text, format!("?{}", crate::web::reports::view::encode(&q)))
                    }),
                id: f.id.clone(),
                label: if f.label.is_empty() {
                    f.id.clone()
                } else {
                    f.label.clone()
                },
                kind: f.kind,
                period: range
                    .then(|| dashboard_run::period_words_at(&value, today, end))
                    .flatten(),
                options: match f.kind {
                    FilterKind::DateRange => PRESETS
                        .iter()
                        .map(|(k, l)| (k.to_string(), l.to_string()))
                        .collect(),
                    FilterKind::Select | FilterKind::MultiSelect => choices(ctx, &d, f)
                        .into_iter()
                        .map(|v| (v.clone(), v))
                        .collect(),
                    _ => Vec::new(),
                },
                value,
            }
        })
        .collect();
    let mut widgets = d.definition.widgets.clone();
    // Reading order: by row, then column (the order the phone layout stacks them in).
    widgets.sort_by_key(|w| (w.y, w.x));
    let cells = widgets
        .into_iter()
        .map(|w| Cell {
            url: match shared {
                // A share's widgets take nothing from the URL: its values are locked.
                true => format!("{base}/widgets/{}", crate::web::urlencode(&w.id)),
                false => format!("{base}/widgets/{}?{query}", crate::web::urlencode(&w.id)),
            },
            widget: w,
        })
        .collect();
    Ok(DashboardPage {
        layout: Layout::new(ctx, who)?,
        id: d.id.clone(),
        name: d.definition.name.clone(),
        description: crate::app::dashboard::text::description(
            ctx,
            &d,
            dashboard_run::View {
                filters: &filters,
                params: &params,
                today,
            },
        ),
        filters: filters_shown,
        fields,
        cells,
        refresh: q
            .get("refresh")
            .and_then(|r| r.parse().ok())
            .filter(|r| *r >= 10)
            .or(d.definition.refresh_seconds),
        kiosk: q.get("kiosk").is_some_and(|k| k == "1"),
        shared,
        locked: Vec::new(),
        query,
        script: crate::web::assets::url("dashboard.js"),
        version: None,
    })
}

/// GET /
pub async fn home(state: web::Data<AppState>, q: Query, req: HttpRequest) -> Result<Home, Problem> {
    let (ctx, who, q) = (state.ctx_for(&req), gate::principal(&req), q.into_inner());
    web::block(move || match crate::app::dashboard::home(&ctx)? {
        Some(d) => Ok(Home::Dashboard(Box::new(page(&ctx, &who, d, &q)?))),
        None => Ok(Home::Empty(EmptyPage {
            layout: Layout::new(&ctx, &who)?,
            progress: crate::app::first_run::progress(&ctx)?,
        })),
    })
    .await?
    .map_err(Problem::html)
}

/// GET /dashboards/{id}
pub async fn view(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: HttpRequest,
) -> Result<DashboardPage, Problem> {
    let (ctx, who, q) = (state.ctx_for(&req), gate::principal(&req), q.into_inner());
    web::block(move || {
        let d = find(&ctx, &id)?;
        page(&ctx, &who, d, &q)
    })
    .await?
    .map_err(Problem::html)
}

/// GET /dashboards/{id}/widgets/{wid}: one widget with the page's filters (htmx); a table in
/// the order and at the page given (`?sort=&dir=&page=`, which `dashboard.js` adds when it
/// refreshes a table someone sorted or paged).
pub async fn widget(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: Query,
) -> Result<WidgetPartial, Problem> {
    let editor = gate::principal(&req)
        .role()
        .is_some_and(|r| r.allows(crate::model::user::Role::Editor));
    let (id, wid) = path.into_inner();
    let (ctx, q) = (state.ctx_for(&req), q.into_inner());
    let page = parse_page(q.get("page").map(String::as_str))?;
    let width = chart_width(&q)?;
    let order = table::order(&q)?;
    web::block(move || -> Result<WidgetPartial, Problem> {
        let d = find(&ctx, &id)?;
        let q = known(&ctx, &d, &q, Some(&wid))?;
        let (filters, params) = split(&q);
        let view = dashboard_run::View::now(&filters, &params);
        let base = format!("/dashboards/{id}");
        let mut partial = crate::report::chart::at_width(width, || {
            widget_for(
                &ctx,
                &d,
                &wid,
                view,
                (page, order.as_ref()),
                &base,
                Some(&q),
            )
        })?;
        if editor && partial.report_link.is_some() {
            partial.alert_link = Some(format!(
                "/alerts?dashboard={}&widget={}",
                crate::web::urlencode(&d.id),
                crate::web::urlencode(&wid)
            ));
        }
        Ok(partial)
    })
    .await?
}

/// One widget of `d` under `base` and `view`, a table's page and order. `q` is the page's
/// query, carried by its links; none for a share (its values are locked: no link to the report
/// or to the rows behind a mark then).
pub(crate) fn widget_for(
    ctx: &crate::app::Ctx,
    d: &StoredDashboard,
    wid: &str,
    view: dashboard_run::View,
    (page, order): (u32, Option<&crate::report::run::TableSort>),
    base: &str,
    q: Option<&BTreeMap<String, String>>,
) -> Result<WidgetPartial, Problem> {
    let shared = q.is_none();
    let w = d.definition.widget(wid).cloned().ok_or_else(|| {
        Problem::not_found(format!(
            "no widget `{}`",
            crate::model::text::truncate(wid, 60)
        ))
    })?;
    let query = q.map(query_without_page).unwrap_or_default();
    let (mut item, error) = match dashboard_run::run_widget_page(ctx, d, wid, view, page, order) {
        Ok(item) => (item, None),
        Err(
            e @ (PipelineError::Run(_)
            | PipelineError::NoQuery(_)
            | PipelineError::NotFound(_)
            | PipelineError::NoSource(_)),
        ) => (None, Some(e.to_string())),
        Err(e) => return Err(e.into()),
    };
    // A chart's marks open the rows behind them (never through a share: see drill.rs).
    if let (Some(Item::Chart(c)), false) = (&mut item, shared) {
        c.svg = crate::report::chart::link_marks(&c.svg, |key| {
            Some(drill::rows_url(&d.id, wid, key, &query))
        });
    }
    Ok(WidgetPartial {
        base: table_base(base, &crate::web::urlencode(wid), &query),
        report_link: (w.kind == WidgetKind::Visualization && !shared)
            .then(|| w.report_id.clone().map(|r| format!("/reports/{r}")))
            .flatten(),
        widget: w,
        item,
        error,
        alert_link: None,
    })
}

/// GET /dashboards/{id}/widgets/{wid}/download?format=csv|xlsx|svg|png: one widget's data
/// (every row) or its chart, under the page's filters. A CSV or XLSX file is recorded as an
/// export made by the person asking, as every file downloaded; a chart image is a picture of
/// the page, not an export.
pub async fn download(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    q: Query,
) -> Result<HttpResponse, Problem> {
    use crate::model::export::{ExportFormat, ExportRequest, Target};
    let (id, wid) = path.into_inner();
    let mut q = q.into_inner();
    let raw = q.remove("format").unwrap_or_else(|| "csv".into());
    let (filters, params) = split(&q);
    let today = chrono::Utc::now().date_naive();
    let format = match ExportFormat::parse(&raw) {
        Some(f @ (ExportFormat::Csv | ExportFormat::Xlsx)) => f,
        _ if raw == "svg" || raw == "png" => {
            return image(&state, &req, (id, wid), (filters, params), raw == "png").await
        }
        _ => {
            return Err(Problem::invalid(
                "format",
                format!(
                    "`{}` is not csv, xlsx, svg or png",
                    crate::model::text::truncate(&raw, 40)
                ),
            )
            .html())
        }
    };
    let request = ExportRequest {
        params: filters,
        today,
        report_params: params,
        time_zone: Some(gate::zone(&req).name().to_string()),
        ..Default::default()
    };
    let target = Target::Widget(id.into(), wid.into());
    crate::web::reports::download::download(&state, &req, target, format, request)
        .await
        .map_err(Problem::html)
}

/// A widget's chart as a picture (SVG, or PNG as emails carry it): a picture of the page under
/// its filters, not an export.
async fn image(
    state: &AppState,
    req: &HttpRequest,
    (id, wid): (String, String),
    (filters, params): (BTreeMap<String, String>, BTreeMap<String, String>),
    png: bool,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(req);
    let (file, bytes, mime) = state
        .render_blocking(req, move || -> Result<_, Problem> {
            let d = find(&ctx, &id)?;
            let today = chrono::Utc::now().date_naive();
            let view = dashboard_run::View {
                filters: &filters,
                params: &params,
                today,
            };
            let out = document::widget_document(&ctx, &d, &wid, view)?
                .ok_or_else(|| Problem::not_found("this widget has no data to download"))?;
            let chart = out
                .charts()
                .next()
                .ok_or_else(|| Problem::not_found("this widget is not a chart"))?;
            let csv = crate::model::export::ExportFormat::Csv;
            let file = crate::model::export::file_name(&out.name, today, csv);
            match png {
                true => crate::render::png::from_svg(&chart.svg)
                    .map(|b| (file.replace(".csv", ".png"), b, "image/png"))
                    .map_err(Problem::internal),
                false => Ok((
                    file.replace(".csv", ".svg"),
                    chart.svg.clone().into_bytes(),
                    "image/svg+xml",
                )),
            }
        })
        .await
        .and_then(|r| r)
        .map_err(Problem::html)?;
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file}\""),
        ))
        .body(bytes))
}

/// What a select filter offers: its first target's report parameter options, or the most
/// common values of its field (a builder widget's dataset). Empty when neither is known.
fn choices(ctx: &crate::app::Ctx, d: &StoredDashboard, f: &DashboardFilter) -> Vec<String> {
    let Some(t) = f.targets.first() else {
        return Vec::new();
    };
    let Some(w) = d.definition.widget(&t.widget_id) else {
        return Vec::new();
    };
    let Some(report) = w.report_id.as_deref().and_then(|r| {
        store::report::get(&*ctx.store.app.get().ok()?, r)
            .ok()
            .flatten()
    }) else {
        return Vec::new();
    };
    if let Some(p) = &t.parameter {
        return report
            .definition
            .parameters
            .iter()
            .find(|x| &x.name == p)
            .map(|x| x.options.clone())
            .unwrap_or_default();
    }
    let (Some(field), Some(vid)) = (&t.field, &w.visualization_id) else {
        return Vec::new();
    };
    let def = &report.definition;
    match def.query_source(def.visualization(vid).and_then(|v| v.query.as_deref())) {
        Some(crate::model::report::QuerySource::Builder(spec)) if spec.source.is_some() => {
            crate::app::builder::question_values(ctx, &def.data_source, spec, field, "")
                .unwrap_or_default()
        }
        Some(crate::model::report::QuerySource::Builder(spec)) => {
            crate::app::builder::values(ctx, &def.data_source, &spec.dataset, field, "")
                .unwrap_or_default()
        }
        _ => Vec::new(),
    }
}
