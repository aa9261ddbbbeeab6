//! `/dashboards/{id}/edit`: widgets moved and resized on the grid by mouse (or arrow keys),
//! each showing its real content, added from any report's visualizations or as text cards,
//! removed, undone; the name and description; the filters and what each drives; saved.

use crate::model::dashboard::DashboardDefinition;
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;
use serde_json::json;

/// The editor.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard_edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub id: String,
    pub name: String,
    /// The definition, as JSON for the script.
    pub state: String,
    /// Every report's visualizations and what a filter may drive on them: `[{id, name,
    /// parameters: [{name, label, type}], visualizations: [{id, title, type, fields?: [{name,
    /// kind}]}]}]` (`fields`: the dataset's, for a builder query).
    pub reports: String,
    /// The date range presets `[[key, label]]`.
    pub presets: String,
    pub script: String,
}

/// GET /dashboards/{id}/edit
pub async fn page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<EditPage, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    web::block(move || -> Result<EditPage, Problem> {
        let conn = ctx.store.app.get()?;
        let d = store::dashboard::get(&conn, &id)?
            .ok_or_else(|| Problem::not_found(format!("no dashboard with id `{}`", crate::model::text::truncate(&id, 80))))?;
        let reports: Vec<_> = store::report::list(&conn)?
            .into_iter()
            .filter(|r| ctx.grants.sees_report(&r.id, r.definition.collection_id.as_deref()))
            .map(|r| {
                let def = &r.definition;
                // A dataset's fields are read once per query (a report's visualizations share it).
                let mut read = std::collections::HashMap::new();
                let vizs: Vec<_> = def.visualizations.iter().map(|v| {
                    let mut j = json!({ "id": v.id, "title": if v.title.is_empty() { &v.id } else { &v.title }, "type": v.kind });
                    let fields = read.entry(v.query.clone()).or_insert_with(|| {
                        crate::app::dashboard::builder_fields(&ctx, def, &v.id).ok().map(|(_, f)| f)
                    });
                    if let Some(fields) = fields {
                        j["fields"] = json!(fields);
                    }
                    j
                }).collect();
                let params: Vec<_> = def.parameters.iter()
                    .map(|p| json!({ "name": p.name, "label": p.label, "type": p.kind }))
                    .collect();
                json!({ "id": r.id, "name": def.name, "parameters": params, "visualizations": vizs })
            })
            .collect();
        // Layout::new takes a connection of its own.
        drop(conn);
        Ok(EditPage {
            layout: Layout::new(&ctx, &who)?,
            id: d.id.clone(),
            name: d.definition.name.clone(),
            state: serde_json::to_string(&d.definition).map_err(Problem::internal)?,
            reports: serde_json::to_string(&reports).map_err(Problem::internal)?,
            presets: serde_json::to_string(crate::app::dashboard::run::PRESETS)
                .map_err(Problem::internal)?,
            script: crate::web::assets::url("dashboard_edit.js"),
        })
    })
    .await?
    .map_err(Problem::html)
}

#[derive(Deserialize)]
pub struct SaveForm {
    definition: String,
}

/// POST /dashboards/{id}/edit: saves the edited definition (checked like the API's) and opens
/// the dashboard; a refusal is a page naming the field, or to the editor's script (`Accept:
/// application/json`) the problem as JSON, shown beside the field with the edit kept.
pub async fn save(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<SaveForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.starts_with("application/json"));
    let shown = |p: Problem| if json { p } else { p.html() };
    let ctx = state.ctx_for(&req);
    // A type error names its field (`filters[0].type`).
    let def: DashboardDefinition =
        crate::web::json::parse(form.definition.as_bytes()).map_err(shown)?;
    let author = crate::web::gate::author(&req).map_err(shown)?;
    let saved = web::block(move || crate::app::dashboard::save(&ctx, Some(&id), def, &author))
        .await?
        .map_err(|e| shown(Problem::from(e)))?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/dashboards/{}", saved.id)))
        .finish())
}

/// GET /dashboards/{id}/edit/widget?widget=<JSON>&w=: a widget as the editor has it, not saved
/// yet (added, or changed), drawn like the dashboard's own (`super::widget_for`) for the
/// editor's card, under the stored filters' defaults. A widget that cannot be read is a 422
/// naming its field.
pub async fn widget(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: super::Query,
    req: actix_web::HttpRequest,
) -> Result<super::WidgetPartial, Problem> {
    let (ctx, q) = (state.ctx_for(&req), q.into_inner());
    let width = super::chart_width(&q)?;
    let raw = q
        .get("widget")
        .ok_or_else(|| Problem::invalid("widget", "the widget to draw, as JSON"))?;
    let w: crate::model::dashboard::Widget =
        crate::web::json::parse(raw.as_bytes()).map_err(|p| {
            // `parse` names the whole document `body`: here it is `widget`.
            let field = match p.field.as_deref() {
                None | Some("body") => "widget".to_string(),
                Some(f) => format!("widget.{f}"),
            };
            let message = match &p.field {
                Some(f) => p
                    .detail
                    .strip_prefix(&format!("{f}: "))
                    .unwrap_or(&p.detail),
                None => &p.detail,
            };
            Problem::invalid(field, message)
        })?;
    web::block(move || -> Result<super::WidgetPartial, Problem> {
        let mut d = super::find(&ctx, &id)?;
        let wid = w.id.clone();
        d.definition.widgets.retain(|x| x.id != wid);
        d.definition.widgets.push(crate::model::dashboard::Widget {
            x: 0,
            y: 0,
            w: 1,
            h: 1,
            ..w
        });
        d.definition
            .validate()
            .map_err(|e| match e.split_once(": ") {
                Some((f, m)) => Problem::invalid(f, m),
                None => Problem::invalid("widget", e),
            })?;
        let none = std::collections::BTreeMap::new();
        let view = crate::app::dashboard::run::View::now(&none, &none);
        let base = format!("/dashboards/{id}");
        crate::report::chart::at_width(width, || {
            super::widget_for(&ctx, &d, &wid, view, (1, None), &base, Some(&none))
        })
    })
    .await?
}
