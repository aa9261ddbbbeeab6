//! Share links, read-only and anonymous: `/s/{token}` (a page) and `/embed/{token}` (the same for
//! an iframe, no navigation), their widgets and table pages. Values are the share's, locked:
//! nothing in the URL but a table's page number is read. No SQL or query text is sent. The
//! Share dialog of dashboard and report pages, which makes and revokes them, is `dialog`.

pub mod dialog;

use crate::app::dashboard::run::{self as dashboard_run, View};
use crate::app::share::{self, words};
use crate::auth::Principal;
use crate::web::dashboards::{page_for, table_for, widget_for, DashboardPage, WidgetPartial};
use crate::web::error::Problem;
use crate::web::reports::view::TablePartial;
use crate::web::{parse_page, AppState};
use actix_web::web;
use std::collections::BTreeMap;

type Query = web::Query<BTreeMap<String, String>>;

async fn page(state: &AppState, token: String, embed: bool) -> Result<DashboardPage, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || {
        let (s, d) = share::open(&ctx, &token, embed).map_err(Problem::from)?;
        let ctx = ctx.seeing(s.sight.clone());
        let locked = share::locked(&s, &d);
        // The page reads filter values as `f.<id>`, parameters by name.
        let mut q: BTreeMap<String, String> = locked
            .filters
            .iter()
            .map(|(k, v)| (format!("f.{k}"), v.clone()))
            .chain(locked.params.clone())
            .collect();
        if embed {
            q.insert("kiosk".into(), "1".into());
        }
        // What it shows, said under its title: the locked values and the filters' defaults.
        let mut shown = dashboard_run::values(&d.definition.filters, &locked.filters);
        shown.extend(locked.params.clone());
        let (kind, target) = (s.kind.clone(), s.target_id.clone());
        let base = format!("/{}/{token}", if embed { "embed" } else { "s" });
        let mut page = page_for(&ctx, &Principal::Anonymous, d, &q, &base, true)?;
        let today = chrono::Utc::now().date_naive();
        let conn = ctx.store.app.get()?;
        page.locked = words::words(&conn, &kind, &target, &shown, today)?
            .iter()
            .map(ToString::to_string)
            .collect();
        Ok(page)
    })
    .await?
    .map_err(Problem::html)
}

/// GET /s/{token}
pub async fn view(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<DashboardPage, Problem> {
    page(&state, token.into_inner(), false).await
}

/// GET /embed/{token}: for an iframe on the sites `[server] embed_origins` names.
pub async fn embed(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<DashboardPage, Problem> {
    page(&state, token.into_inner(), true).await
}

/// GET /s/{token}/widgets/{wid} (and under /embed/): one widget with the share's values (the
/// query says only `w`, the width its chart is drawn for, and a table's `sort`, `dir`, `page`).
pub async fn widget(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<WidgetPartial, Problem> {
    let width = crate::web::dashboards::chart_width(&q)?;
    let order = crate::web::dashboards::table::order(&q)?;
    let page = parse_page(q.get("page").map(String::as_str))?;
    let (token, wid) = path.into_inner();
    let framed = req.path().starts_with("/embed/");
    let base = format!("/{}/{token}", if framed { "embed" } else { "s" });
    let ctx = state.ctx_for(&req);
    web::block(move || {
        let (s, d) = share::open(&ctx, &token, framed).map_err(Problem::from)?;
        let ctx = ctx.seeing(s.sight.clone());
        let locked = share::locked(&s, &d);
        let view = View::now(&locked.filters, &locked.params);
        crate::report::chart::at_width(width, || {
            widget_for(&ctx, &d, &wid, view, (page, order.as_ref()), &base, None)
        })
    })
    .await?
}

/// GET /s/{token}/table/{wid}?page=N (and under /embed/)
pub async fn table(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<TablePartial, Problem> {
    let (token, wid) = path.into_inner();
    let page = parse_page(q.get("page").map(String::as_str))?;
    let order = crate::web::reports::sort::take(&mut q.into_inner())?;
    let framed = req.path().starts_with("/embed/");
    let base = format!("/{}/{token}", if framed { "embed" } else { "s" });
    let ctx = state.ctx_for(&req);
    web::block(move || {
        let (s, d) = share::open(&ctx, &token, framed).map_err(Problem::from)?;
        let ctx = ctx.seeing(s.sight.clone());
        let locked = share::locked(&s, &d);
        let view = View::now(&locked.filters, &locked.params);
        table_for(&ctx, &d, &wid, view, (page, order.as_ref()), &base, "")
    })
    .await?
}
