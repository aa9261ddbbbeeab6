//! /api/v1/dashboards: dashboard definitions (list, create, read with each widget's data,
//! replace, delete, duplicate). Saving goes through `app::dashboard` (laid out, checked against
//! the reports the widgets show); reading one runs its widgets through `app::dashboard::run`.

use crate::app::dashboard::{self, run as dashboard_run};
use crate::app::PipelineError;
use crate::model::dashboard::{DashboardDefinition, FilterKind, WidgetKind};
use crate::store::{self, dashboard::StoredDashboard};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What the list shows of a dashboard.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardSummary {
    id: String,
    name: String,
    description: String,
    /// The dashboard `/` opens.
    default: bool,
    /// How many widgets it has.
    widgets: usize,
    updated_at: String,
}

impl From<StoredDashboard> for DashboardSummary {
    fn from(d: StoredDashboard) -> Self {
        DashboardSummary {
            widgets: d.definition.widgets.len(),
            id: d.id,
            name: d.definition.name,
            description: d.definition.description,
            default: d.is_default,
            updated_at: d.updated_at,
        }
    }
}

/// The list's filter: `q`, a part of the name (any case).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    q: Option<String>,
}

fn not_found(id: &str) -> Problem {
    Problem::not_found(format!(
        "no dashboard with id `{}`",
        crate::model::text::truncate(id, 80)
    ))
}

/// A body as a definition. What GET of one adds (each widget's `data` and `error`) is dropped
/// first, so a dashboard read can be changed and sent back as it is; type errors name the field.
fn definition(mut body: Value) -> Result<DashboardDefinition, Problem> {
    if let Some(widgets) = body.get_mut("widgets").and_then(Value::as_array_mut) {
        for w in widgets.iter_mut().filter_map(Value::as_object_mut) {
            w.remove("data");
            w.remove("error");
        }
    }
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        Problem::invalid(field, e.into_inner().to_string())
    })
}

/// GET /api/v1/dashboards?q=
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<ListQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let mut all = web::block(move || store::dashboard::list(&*ctx.store.app.get()?))
        .await?
        .map_err(Problem::from)?;
    let grants = crate::web::gate::principal(&req).grants();
    all.retain(|d| grants.sees_dashboard(&d.id, d.definition.collection_id.as_deref()));
    let part = q
        .into_inner()
        .q
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty());
    let found: Vec<DashboardSummary> = all
        .into_iter()
        .filter(|d| {
            part.as_deref()
                .is_none_or(|p| d.name().to_lowercase().contains(p))
        })
        .map(DashboardSummary::from)
        .collect();
    Ok(HttpResponse::Ok().json(found))
}

/// The definition with its id and, on each visualization widget, `data` (the widget's KPI,
/// chart or table with the filter values `filters` and report parameters `params`) or, when
/// it cannot be made, `data: null` and `error`.
fn with_data(
    ctx: &crate::app::Ctx,
    d: &StoredDashboard,
    filters: &BTreeMap<String, String>,
    params: &BTreeMap<String, String>,
    today: chrono::NaiveDate,
) -> Result<Value, Problem> {
    let view = dashboard_run::View {
        filters,
        params,
        today,
    };
    let mut out = serde_json::to_value(&d.definition).map_err(Problem::internal)?;
    let Some(widgets) = out.get_mut("widgets").and_then(Value::as_array_mut) else {
        return Ok(out);
    };
    for (w, json) in d.definition.widgets.iter().zip(widgets.iter_mut()) {
        if w.kind != WidgetKind::Visualization {
            continue;
        }
        let (data, error) = match dashboard_run::run_widget_page(ctx, d, &w.id, view, 1, None) {
            Ok(item) => (
                camel(serde_json::to_value(item).map_err(Problem::internal)?),
                None,
            ),
            Err(
                e @ (PipelineError::Run(_)
                | PipelineError::NoQuery(_)
                | PipelineError::NotFound(_)
                | PipelineError::NoSource(_)),
            ) => (Value::Null, Some(e.to_string())),
            Err(e) => return Err(e.into()),
        };
        if let Some(obj) = json.as_object_mut() {
            obj.insert("data".into(), data);
            if let Some(e) = error {
                obj.insert("error".into(), Value::String(e));
            }
        }
    }
    Ok(out)
}

/// An item's keys in camelCase, as the rest of the API (the run's output names them in
/// snake_case: `total_rows`, `page_count`).
fn camel(item: Value) -> Value {
    match item {
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| {
                    let mut out = String::with_capacity(k.len());
                    let mut up = false;
                    for c in k.chars() {
                        match c {
                            '_' => up = true,
                            c if up => {
                                out.extend(c.to_uppercase());
                                up = false;
                            }
                            c => out.push(c),
                        }
                    }
                    (out, v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Splits the query into filter values (`f.<filterId>`, checked against the dashboard's
/// filters) and report parameters (any other key: a parameter of a widget's report).
fn split_query(
    ctx: &crate::app::Ctx,
    d: &StoredDashboard,
    q: BTreeMap<String, String>,
    today: chrono::NaiveDate,
) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>), Problem> {
    let (mut filters, mut params) = (BTreeMap::new(), BTreeMap::new());
    let mut known: Option<BTreeSet<String>> = None;
    for (k, v) in q {
        let shown = crate::model::text::truncate(&k, 60);
        if let Some(id) = k.strip_prefix("f.") {
            let f = d
                .definition
                .filters
                .iter()
                .find(|f| f.id == id)
                .ok_or_else(|| {
                    Problem::bad_request(format!("{shown}: the dashboard has no such filter"))
                })?;
            let value = v.trim();
            if f.kind == FilterKind::DateRange
                && !value.is_empty()
                && dashboard_run::date_range(value, today).is_none()
            {
                return Err(Problem::invalid(
                    k.clone(),
                    format!(
                        "`{}` is not a date range: one of {} or YYYY-MM-DD..YYYY-MM-DD",
                        crate::model::text::truncate(value, 60),
                        dashboard_run::PRESETS
                            .iter()
                            .map(|(p, _)| *p)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
            filters.insert(id.to_string(), v);
            continue;
        }
        if known.is_none() {
            // The parameters of the reports the widgets show, read once.
            let conn = ctx.store.app.get()?;
            let mut names = BTreeSet::new();
            let reports: BTreeSet<&String> = d
                .definition
                .widgets
                .iter()
                .filter_map(|w| w.report_id.as_ref())
                .collect();
            for rid in reports {
                if let Some(r) = store::report::get(&conn, rid)? {
                    names.extend(r.definition.parameters.into_iter().map(|p| p.name));
                }
            }
            known = Some(names);
        }
        if !known.as_ref().is_some_and(|n| n.contains(&k)) {
            return Err(Problem::bad_request(format!(
                "{shown}: neither a filter (`f.<filterId>`) nor a parameter of a report on the dashboard"
            )));
        }
        params.insert(k, v);
    }
    Ok((filters, params))
}

/// GET /api/v1/dashboards/{id}?f.<filterId>=&<parameter>=: the definition with each
/// visualization widget's data.
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let (id, q) = (id.into_inner(), q.into_inner());
    let body = web::block(move || -> Result<Value, Problem> {
        let d =
            store::dashboard::get(&*ctx.store.app.get()?, &id)?.ok_or_else(|| not_found(&id))?;
        let today = chrono::Utc::now().date_naive();
        let (filters, params) = split_query(&ctx, &d, q, today)?;
        with_data(&ctx, &d, &filters, &params, today)
    })
    .await??;
    Ok(HttpResponse::Ok().json(body))
}

/// GET /api/v1/dashboards/{id}/insights?f.<filterId>=&<parameter>=: what changed, said of its
/// first chart over dates that has something to say, under these filters.
pub async fn insights(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let cfg = ctx.config.insights.clone();
    let (id, q) = (id.into_inner(), q.into_inner());
    // Its queries take a slot of the render queue and stop when the client leaves.
    let found = state
        .render_blocking(&req, move || -> Result<_, Problem> {
            let d = store::dashboard::get(&*ctx.store.app.get()?, &id)?
                .ok_or_else(|| not_found(&id))?;
            let today = chrono::Utc::now().date_naive();
            let (filters, params) = split_query(&ctx, &d, q, today)?;
            let view = dashboard_run::View {
                filters: &filters,
                params: &params,
                today,
            };
            Ok(crate::app::dashboard::insights::dashboard_insights(
                &ctx, &d, view,
            )?)
        })
        .await??;
    let found = crate::app::insights::retold(&cfg, found).await;
    Ok(HttpResponse::Ok().json(found))
}

/// POST /api/v1/dashboards → 201 with the stored definition.
pub async fn create(
    state: web::Data<AppState>,
    body: JsonBody<Value>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let def = definition(body.0)?;
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || dashboard::save(&ctx, None, def, &author)).await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/dashboards/{}", saved.id)))
        .json(saved.definition))
}

/// PUT /api/v1/dashboards/{id}: replaces the definition.
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<Value>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let def = definition(body.0)?;
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || dashboard::save(&ctx, Some(&id), def, &author)).await??;
    Ok(HttpResponse::Ok().json(saved.definition))
}

/// DELETE /api/v1/dashboards/{id} → 204: it goes to the trash for 30 days.
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    web::block(move || dashboard::delete(&ctx, &id, &author)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/v1/dashboards/{id}/duplicate → 201 with the copy ("<name> (copy)").
pub async fn duplicate(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || dashboard::duplicate(&ctx, &id, &author)).await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/dashboards/{}", saved.id)))
        .json(saved.definition))
}

/// GET /api/v1/dashboards/{id}/export?format=pdf|xlsx&orientation=portrait|landscape&f.<id>=...:
/// the whole dashboard as one file, every widget in grid order, the filters and period on the
/// cover; a PDF on A4 upright or on its side. Recorded as an export made by the caller (on
/// /exports, its id in `X-Export-Id`).
pub async fn export(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, Problem> {
    use crate::model::export::ExportFormat;
    let mut q = q.into_inner();
    let raw = q.remove("format").unwrap_or_else(|| "pdf".into());
    let format = match ExportFormat::parse(&raw) {
        Some(f @ (ExportFormat::Pdf | ExportFormat::Xlsx | ExportFormat::Pptx)) => f,
        _ => {
            return Err(Problem::invalid(
                "format",
                format!(
                    "`{}` is not pdf, pptx or xlsx",
                    crate::model::text::truncate(&raw, 40)
                ),
            ))
        }
    };
    let landscape = match q.remove("orientation").as_deref() {
        None | Some("portrait") => false,
        Some("landscape") => true,
        Some(other) => {
            return Err(Problem::invalid(
                "orientation",
                format!(
                    "`{}` is not portrait or landscape",
                    crate::model::text::truncate(other, 40)
                ),
            ))
        }
    };
    let (filters, params) = crate::web::dashboards::split(&q);
    let request = crate::model::export::ExportRequest {
        params: filters,
        today: chrono::Utc::now().date_naive(),
        landscape,
        report_params: params,
        time_zone: Some(crate::web::gate::zone(&req).name().to_string()),
        ..Default::default()
    };
    let target = crate::model::export::Target::Dashboard(id.into_inner().into());
    crate::web::reports::download::download(&state, &req, target, format, request).await
}
