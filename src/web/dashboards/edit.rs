//! `/dashboards/{id}/edit`: widgets moved and resized on the grid by mouse (or arrow keys),
//! added from any report's visualizations or as text cards, removed, undone, saved.

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
    /// Every report's visualizations `[{id, name, visualizations: [{id, title, type}]}]`.
    pub reports: String,
    pub script: String,
}

/// GET /dashboards/{id}/edit
pub async fn page(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<EditPage, Problem> {
    let (ctx, who) = (state.ctx.clone(), gate::principal(&req));
    web::block(move || -> Result<EditPage, Problem> {
        let conn = ctx.store.app.get()?;
        let d = store::dashboard::get(&conn, &id)?
            .ok_or_else(|| Problem::not_found(format!("no dashboard with id `{}`", crate::model::text::truncate(&id, 80))))?;
        let reports: Vec<_> = store::report::list(&conn)?
            .into_iter()
            .map(|r| {
                json!({ "id": r.id, "name": r.definition.name,
                        "visualizations": r.definition.visualizations.iter()
                            .map(|v| json!({ "id": v.id, "title": if v.title.is_empty() { &v.id } else { &v.title }, "type": v.kind }))
                            .collect::<Vec<_>>() })
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
/// the dashboard; a refusal is a page naming the field.
pub async fn save(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<SaveForm>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let def: DashboardDefinition = serde_json::from_str(&form.definition)
        .map_err(|e| Problem::invalid("definition", e.to_string()).html())?;
    let saved = web::block(move || crate::app::dashboard::save(&ctx, Some(&id), def))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, format!("/dashboards/{}", saved.id)))
        .finish())
}
