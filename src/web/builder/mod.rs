//! `/builder`: the report builder page. Fields of a table are dragged (or added with their
//! "Add to…" menu) into wells; every change posts the draft for a live preview drawn by the
//! same pipeline as every output; Save stores it as a report. `?report=ID` edits one.

use crate::app::builder::{self, Draft, DraftQuery, Field, Preview};
use crate::app::{Ctx, PipelineError};
use crate::model::report::VizType;
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::htmx::is_htmx;
use crate::web::{AppState, Layout};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

mod form;
pub use form::DraftForm;

/// The builder page.
#[derive(Template)]
#[template(path = "builder.html")]
pub struct BuilderPage {
    pub layout: Layout,
    pub sources: Vec<String>,
    pub source: String,
    pub tables: Vec<String>,
    /// Saved builder questions a question can be built on: `(question:<id>, name)`.
    pub questions: Vec<(String, String)>,
    /// The chosen saved question's parameters: `(label, name, default)`.
    pub question_params: Vec<(String, String, String)>,
    pub table: String,
    pub fields: Vec<Field>,
    /// The draft to start from, as JSON for the script (`{spec, sql, mode, chart, params}`).
    pub state: String,
    /// Editing this report.
    pub report: Option<(String, String)>,
    pub script: String,
    pub joins_script: String,
    /// The chart types offered: value and label.
    pub charts: Vec<(&'static str, String)>,
    pub error: Option<String>,
}

/// The field list of one table (swapped in when the table changes).
#[derive(Template)]
#[template(path = "builder.html", block = "fields")]
pub struct FieldsPartial {
    pub fields: Vec<Field>,
}

/// The preview: the chart and the first rows, or what is wrong and where.
#[derive(Template)]
#[template(path = "builder_preview.html")]
pub struct PreviewPartial {
    pub preview: Option<Preview>,
    pub error: Option<String>,
    /// The spec position at fault (`builder.measures[1].agg`), for the page to mark.
    pub field: String,
    /// The filters left out for want of a value (their positions in the well).
    pub incomplete: Vec<usize>,
}

impl PreviewPartial {
    /// The left-out filters' positions as `0,2`, for the page to mark.
    pub fn incomplete_list(&self) -> String {
        let list: Vec<String> = self.incomplete.iter().map(usize::to_string).collect();
        list.join(",")
    }
}

impl PreviewPartial {
    /// The chart type in words (`stacked bar`).
    pub fn chart_name(&self) -> String {
        self.preview
            .as_ref()
            .and_then(|p| serde_json::to_value(p.chart).ok())
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default()
    }

    /// `12,345`
    pub fn count(&self, n: &u64) -> String {
        crate::report::format::thousands(*n as f64, 0)
    }

    /// `12,345` rows of `before` that `after` does not have.
    pub fn fewer(&self, before: &u64, after: &u64) -> String {
        self.count(&before.saturating_sub(*after))
    }

    /// Whether column `i` holds numbers (every non-empty cell), to align it right.
    pub fn numeric(&self, i: &usize) -> bool {
        let Some(p) = &self.preview else { return false };
        let is_number = |c: &str| {
            let bare = c
                .trim()
                .trim_start_matches(['-', '$'])
                .trim_end_matches('%');
            !bare.is_empty()
                && bare
                    .chars()
                    .all(|ch| ch.is_ascii_digit() || ch == ',' || ch == '.')
        };
        let mut cells = p
            .rows
            .iter()
            .filter_map(|r| r.get(*i))
            .filter(|c| !c.is_empty());
        cells.clone().next().is_some() && cells.all(|c| is_number(c))
    }
}

fn html(status: StatusCode, page: impl Template) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// Every chart type the picker offers.
pub const CHARTS: &[&str] = &[
    "table",
    "kpi",
    "line",
    "area",
    "bar",
    "hbar",
    "stacked_bar",
    "pie",
    "donut",
    "scatter",
    "heatmap",
    "histogram",
    "waterfall",
    "pivot",
];

fn tables_of(ctx: &Ctx, source: &str) -> Result<Vec<String>, Problem> {
    let pool = ctx.store.preview_source(source).ok_or_else(|| {
        Problem::invalid(
            "source",
            format!(
                "no data source named `{}`",
                crate::model::text::truncate(source, 60)
            ),
        )
    })?;
    let conn = pool.get(&ctx.sight)?;
    Ok(conn
        .db()
        .tables(ctx.bounds())
        .map_err(Problem::internal)?
        .into_iter()
        .map(|t| t.name)
        .collect())
}

#[derive(Deserialize)]
pub struct PageQuery {
    report: Option<String>,
    source: Option<String>,
    table: Option<String>,
}

/// GET /builder[?report=ID][&source=&table=]
pub async fn page(
    state: web::Data<AppState>,
    q: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let page = web::block(move || -> Result<BuilderPage, Problem> {
        let mut start = serde_json::json!({ "mode": "builder", "chart": "auto", "spec": { "dimensions": [], "measures": [], "filters": [], "sort": [] }, "sql": "", "params": [] });
        let mut source = q.source.unwrap_or_else(|| "main".into());
        let mut table = q.table.unwrap_or_default();
        let mut report = None;
        if let Some(id) = &q.report {
            let r = store::report::get(&*ctx.store.app.get()?, id)?
                .ok_or_else(|| Problem::not_found(format!("no report with id `{}`", crate::model::text::truncate(id, 60))))?;
            let d = &r.definition;
            source = d.data_source.clone();
            let chart = d.visualizations.iter().find(|v| v.kind != VizType::Table).map(|v| v.kind);
            if let Some(v) = d.visualizations.iter().find(|v| v.kind != VizType::Table) {
                start["axis2"] = serde_json::to_value(&v.options.axis2).unwrap_or_default();
                start["forecast"] = v.options.forecast.map_or(0, |f| f.periods).into();
                start["anomalies"] = v.options.anomalies.into();
                if v.kind == VizType::Pivot {
                    start["across"] = v.data_mapping.columns.first().map_or("-".into(), |c| c.clone()).into();
                }
            }
            start["chart"] = serde_json::to_value(chart.map_or("table".into(), |c| serde_json::to_value(c).unwrap_or_default())).unwrap_or_default();
            start["params"] = serde_json::to_value(&d.parameters).unwrap_or_default();
            match (&d.builder, &d.query) {
                (Some(b), _) => {
                    table = match &b.source {
                        Some(q) => format!("{}{}", builder::QUESTION, q.report),
                        None => b.dataset.clone(),
                    };
                    start["spec"] = serde_json::to_value(b).unwrap_or_default();
                }
                (None, Some(sql)) => {
                    start["mode"] = "sql".into();
                    start["sql"] = sql.clone().into();
                }
                _ => return Err(Problem::invalid("report", "this report has several queries: edit it as JSON through the API")),
            }
            report = Some((r.id.clone(), d.name.clone()));
            start["name"] = d.name.clone().into();
            start["description"] = d.description.clone().into();
            start["category"] = d.category.clone().into();
            start["tags"] = d.tags.join(", ").into();
        }
        let mut sources = vec!["main".to_string()];
        sources.extend(ctx.store.sources.keys().cloned());
        if !sources.contains(&source) {
            return Err(Problem::invalid("source", format!("no data source named `{}`", crate::model::text::truncate(&source, 60))));
        }
        let tables = tables_of(&ctx, &source)?;
        let questions = builder::questions(&ctx, &source, report.as_ref().map(|r| r.0.as_str()))?;
        let question = questions.iter().any(|(v, _)| *v == table);
        if table.is_empty() || !(tables.contains(&table) || question) {
            table = tables.iter().find(|t| *t == "sales").or(tables.first()).cloned().unwrap_or_default();
        }
        let fields = match table.as_str() {
            "" => Vec::new(),
            t => builder::fields(&ctx, &source, t)?,
        };
        // The saved question's parameters, to give values to (label, name, default).
        let question_params: Vec<(String, String, String)> = match table.strip_prefix(builder::QUESTION) {
            Some(id) => store::report::get(&*ctx.store.app.get()?, id)?
                .map(|r| r.definition.parameters)
                .unwrap_or_default()
                .into_iter()
                .map(|p| {
                    let label = if p.label.is_empty() { p.name.clone() } else { p.label };
                    (label, p.name, p.default_value.unwrap_or_default())
                })
                .collect(),
            None => Vec::new(),
        };
        match table.strip_prefix(builder::QUESTION) {
            // A question on a saved one: its source, no dataset.
            Some(id) if start["spec"]["source"].is_null() => {
                start["spec"]["source"] = serde_json::json!({ "report": id });
                if let Some(spec) = start["spec"].as_object_mut() {
                    spec.remove("dataset");
                }
            }
            Some(_) => {}
            None if start["spec"]["dataset"].is_null() => start["spec"]["dataset"] = table.clone().into(),
            None => {}
        }
        Ok(BuilderPage {
            layout: Layout::new(&ctx, &who)?,
            sources,
            source,
            tables,
            questions,
            question_params,
            table,
            fields,
            state: start.to_string(),
            report,
            script: crate::web::assets::url("builder.js"),
            joins_script: crate::web::assets::url("builder_joins.js"),
            charts: CHARTS.iter().map(|c| (*c, c.replace('_', " "))).collect(),
            error: None,
        })
    })
    .await?
    .map_err(Problem::html)?;
    html(StatusCode::OK, page)
}

#[derive(Deserialize)]
pub struct FieldsQuery {
    source: String,
    table: String,
}

/// GET /builder/fields?source=&table=: the field list of a table.
pub async fn fields(
    state: web::Data<AppState>,
    q: web::Query<FieldsQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let ctx = state.ctx_for(&req);
    let fields = web::block(move || builder::fields(&ctx, &q.source, &q.table)).await??;
    html(StatusCode::OK, FieldsPartial { fields })
}

#[derive(Deserialize)]
pub struct JoinQuery {
    source: String,
    table: String,
    with: String,
}

/// GET /builder/join?source=&table=&with=: the fields of `with` and the keys that likely join
/// it to `table`, as JSON `{fields: [{name, kind}], keys: [{left, right}]}`.
pub async fn join(
    state: web::Data<AppState>,
    q: web::Query<JoinQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let ctx = state.ctx_for(&req);
    let options =
        web::block(move || builder::join_options(&ctx, &q.source, &q.table, &q.with)).await??;
    Ok(HttpResponse::Ok().json(options))
}

/// The join to remember, as the page posts it.
#[derive(Deserialize)]
pub struct RememberForm {
    source: String,
    table: String,
    with: String,
    #[serde(rename = "type")]
    kind: crate::model::report::JoinKind,
    left: String,
    right: String,
}

/// POST /builder/relationship: remembers a join for a pair of tables (204), offered first the
/// next time one is joined to the other; 422 naming what is wrong.
pub async fn remember(
    state: web::Data<AppState>,
    form: web::Form<RememberForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let f = form.into_inner();
    let by = gate::principal(&req)
        .caller()
        .map(|c| c.email.clone())
        .unwrap_or_default();
    let ctx = state.ctx_for(&req);
    web::block(move || {
        let keys = [crate::model::report::JoinKey {
            left: f.left,
            right: f.right,
        }];
        builder::remember(&ctx, &f.source, (&f.table, &f.with), f.kind, &keys, &by)
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize)]
pub struct ValuesQuery {
    source: String,
    table: String,
    field: String,
    #[serde(default)]
    prefix: String,
}

/// GET /builder/values?source=&table=&field=&prefix=: distinct values for a filter, as JSON.
pub async fn values(
    state: web::Data<AppState>,
    q: web::Query<ValuesQuery>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let ctx = state.ctx_for(&req);
    let values =
        web::block(move || builder::values(&ctx, &q.source, &q.table, &q.field, &q.prefix))
            .await??;
    Ok(HttpResponse::Ok().json(values))
}

/// Splits `field: message` (the pipeline's errors) into the field and the message.
fn at_fault(e: &PipelineError) -> (String, String) {
    let text = e.to_string();
    let text = text
        .strip_prefix("visualization `query`: ")
        .or_else(|| text.strip_prefix("visualization `chart`: "))
        .map(String::from)
        .unwrap_or(text);
    match text.split_once(": ") {
        Some((f, m)) if !f.contains(' ') => (f.to_string(), m.to_string()),
        _ => (String::new(), text),
    }
}

/// Takes the filters without a value yet out of a builder draft; their positions.
fn without_incomplete(draft: &mut Draft) -> Vec<usize> {
    let DraftQuery::Builder(spec) = &mut draft.query else {
        return Vec::new();
    };
    let gone: Vec<usize> = (0..spec.filters.len())
        .filter(|&i| crate::report::builder::incomplete(&spec.filters[i]))
        .collect();
    let mut i = 0;
    spec.filters.retain(|_| {
        i += 1;
        !gone.contains(&(i - 1))
    });
    gone
}

/// `builder.filters[j]…` of the draft without the filters at `gone` as the page numbers them.
fn original_filter(field: &str, gone: &[usize]) -> String {
    let Some(rest) = field.strip_prefix("builder.filters[") else {
        return field.to_string();
    };
    let Some((j, tail)) = rest.split_once(']') else {
        return field.to_string();
    };
    let Ok(mut j) = j.parse::<usize>() else {
        return field.to_string();
    };
    for g in gone {
        if *g <= j {
            j += 1;
        }
    }
    format!("builder.filters[{j}]{tail}")
}

/// POST /builder/preview: the preview partial (always 200: an error is part of the answer).
pub async fn preview(
    state: web::Data<AppState>,
    form: web::Form<DraftForm>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let ctx = state.ctx_for(&req);
    let partial = web::block(move || match form.parse() {
        Err((field, message)) => PreviewPartial {
            preview: None,
            error: Some(format!("{field}: {message}")),
            field,
            incomplete: Vec::new(),
        },
        Ok(mut draft) => {
            // A filter without a value yet is left out (and marked so by the page).
            let incomplete = without_incomplete(&mut draft);
            match builder::preview(&ctx, &draft, chrono::Utc::now().date_naive()) {
                Ok(p) => PreviewPartial {
                    preview: Some(p),
                    error: None,
                    field: String::new(),
                    incomplete,
                },
                Err(PipelineError::Store(e)) => PreviewPartial {
                    preview: None,
                    error: Some(Problem::from(e).detail),
                    field: String::new(),
                    incomplete,
                },
                Err(e) => {
                    let (field, message) = at_fault(&e);
                    // Said in words beside the item; the page marks the item the field names.
                    let field = original_filter(&field, &incomplete);
                    PreviewPartial {
                        preview: None,
                        error: Some(message),
                        field,
                        incomplete,
                    }
                }
            }
        }
    })
    .await?;
    html(StatusCode::OK, partial)
}

/// The save form: the draft and the report's name and labels.
#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(flatten)]
    draft: DraftForm,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    report: String,
}

/// POST /builder/save: stores the report (checked like any other) and opens its page; or
/// answers 422 naming what is wrong (beside the Save button, for htmx).
pub async fn save(
    state: web::Data<AppState>,
    form: web::Form<SaveForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let htmx = is_htmx(&req);
    let form = form.into_inner();
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req)?;
    let saved = web::block(move || -> Result<String, Problem> {
        let draft = form
            .draft
            .parse()
            .map_err(|(f, m)| Problem::invalid(f, m))?;
        let today = chrono::Utc::now().date_naive();
        let (chart, mapping, _) = builder::plan(&ctx, &draft, today)?;
        let mut def = builder::definition(&draft, chart, mapping, form.name.trim());
        def.description = form.description.trim().to_string();
        def.category = form.category.trim().to_string();
        def.tags = form
            .tags
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        let id = Some(form.report.as_str()).filter(|r| !r.is_empty());
        // Saved again, it stays in its collection.
        if let Some(id) = id {
            let before = crate::store::report::get(&*ctx.store.app.get()?, id)?;
            def.collection_id = before.and_then(|r| r.definition.collection_id);
        }
        Ok(crate::app::report::save(&ctx, id, def, &author)?.id)
    })
    .await?;
    let to = |id: &str| format!("/reports/{id}?saved=1");
    match (saved, htmx) {
        (Ok(id), true) => Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", to(&id)))
            .finish()),
        (Ok(id), false) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to(&id)))
            .finish()),
        // Beside the Save button, the field marked; a broken server goes to the flash area.
        (Err(p), _) if p.status.is_client_error() => Err(p.in_target()),
        (Err(p), _) => Err(p.html()),
    }
}
