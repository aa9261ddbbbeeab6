//! Dashboards: `/` (the first dashboard, or a page saying there is none) and `/dashboards/{id}`,
//! drawn by the report view (`web::reports::view`) with the dashboard's widgets.

use crate::store;
use crate::web::error::Problem;
use crate::web::reports::view::{render, table_page, DashboardPage, Query, TablePartial, View};
use crate::web::{AppState, Layout};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

/// `/` when there is no dashboard yet.
#[derive(Template, WebTemplate)]
#[template(path = "empty.html")]
pub struct EmptyPage {
    pub layout: Layout,
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

/// GET /
pub async fn home(
    state: web::Data<AppState>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<Home, Problem> {
    let ctx = state.ctx.clone();
    let who = crate::web::gate::principal(&req);
    let first = web::block(move || -> Result<_, store::StoreError> {
        Ok(store::dashboard::list(&*ctx.store.app.get()?)?
            .into_iter()
            .next())
    })
    .await?
    .map_err(|e| Problem::internal(e).html())?;
    match first {
        Some(d) => Ok(Home::Dashboard(Box::new(
            render(&state.ctx, &who, View::Dashboard(d.id), q.into_inner()).await?,
        ))),
        None => {
            let ctx = state.ctx.clone();
            let layout = web::block(move || Layout::new(&ctx, &who))
                .await?
                .map_err(|e| Problem::internal(e).html())?;
            Ok(Home::Empty(EmptyPage { layout }))
        }
    }
}

/// GET /dashboards/{id}
pub async fn view(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<DashboardPage, Problem> {
    let who = crate::web::gate::principal(&req);
    render(
        &state.ctx,
        &who,
        View::Dashboard(id.into_inner()),
        q.into_inner(),
    )
    .await
}

/// GET /dashboards/{id}/table/{viz}?page=N: one page of a table, for htmx.
pub async fn dashboard_table(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
) -> Result<TablePartial, Problem> {
    let (id, viz) = path.into_inner();
    table_page(&state.ctx, View::Dashboard(id), viz, q.into_inner()).await
}
