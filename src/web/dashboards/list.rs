//! `/dashboards`: the list (search), and creating, duplicating, deleting dashboards and making
//! one the default.

use crate::store::{self, dashboard::StoredDashboard};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// `/dashboards`
#[derive(Template, WebTemplate)]
#[template(path = "dashboards.html")]
pub struct ListPage {
    pub layout: Layout,
    pub dashboards: Vec<StoredDashboard>,
    pub q: String,
}

#[derive(Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// GET /dashboards?q=
pub async fn list(
    state: web::Data<AppState>,
    s: web::Query<Search>,
    req: HttpRequest,
) -> Result<ListPage, Problem> {
    let (ctx, who) = (state.ctx_for(&req), gate::principal(&req));
    let q: String = s.into_inner().q.trim().chars().take(100).collect();
    web::block(move || -> Result<ListPage, Problem> {
        let needle = q.to_lowercase();
        let dashboards = store::dashboard::list(&*ctx.store.app.get()?)?
            .into_iter()
            .filter(|d| {
                ctx.grants
                    .sees_dashboard(&d.id, d.definition.collection_id.as_deref())
            })
            .filter(|d| needle.is_empty() || d.name().to_lowercase().contains(&needle))
            .collect();
        Ok(ListPage {
            layout: Layout::new(&ctx, &who)?,
            dashboards,
            q,
        })
    })
    .await?
    .map_err(Problem::html)
}

#[derive(Deserialize)]
pub struct NewDashboard {
    name: String,
}

/// POST /dashboards: an empty dashboard, opened in the editor.
pub async fn create(
    state: web::Data<AppState>,
    form: web::Form<NewDashboard>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let name = form.into_inner().name;
    let d = web::block(move || {
        let def = serde_json::from_value(serde_json::json!({ "name": name }))
            .expect("a name is a dashboard");
        crate::app::dashboard::save(&ctx, None, def, &author)
    })
    .await?
    .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!("/dashboards/{}/edit", d.id)))
}

/// POST /dashboards/{id}/duplicate
pub async fn duplicate(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let d = web::block(move || crate::app::dashboard::duplicate(&ctx, &id, &author))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!("/dashboards/{}", d.id)))
}

/// POST /dashboards/{id}/delete
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    web::block(move || crate::app::dashboard::delete(&ctx, &id, &author))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    if crate::web::htmx::is_htmx(&req) {
        return Ok(HttpResponse::Ok()
            .insert_header(("HX-Redirect", "/dashboards"))
            .finish());
    }
    Ok(see_other("/dashboards"))
}

/// POST /dashboards/{id}/default: the one `/` opens.
pub async fn make_default(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || crate::app::dashboard::make_default(&ctx, &id))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    Ok(see_other("/dashboards"))
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

#[derive(Deserialize)]
pub struct AddReport {
    /// A dashboard's id, or empty for a new one.
    #[serde(default)]
    dashboard: String,
}

/// POST /reports/{id}/add-to-dashboard: every visualization of the report onto a dashboard (or
/// a new one), then the editor to arrange them.
pub async fn add_report(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<AddReport>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let into = Some(form.into_inner().dashboard).filter(|d| !d.is_empty());
    let d =
        web::block(move || crate::app::dashboard::add_report(&ctx, into.as_deref(), &id, &author))
            .await?
            .map_err(|e| Problem::from(e).html())?;
    Ok(see_other(&format!("/dashboards/{}/edit", d.id)))
}
