//! A dashboard's old version as its page, run on today's data without being restored: the
//! grid, filters and widgets of that version under `/dashboards/{id}/versions/{v}`, with a
//! banner saying so and a Restore button instead of the downloads.

use crate::app::dashboard::run as dashboard_run;
use crate::model::dashboard::DashboardDefinition;
use crate::model::version::Kept;
use crate::store::dashboard::StoredDashboard;
use crate::web::dashboards::{
    chart_width, known, page_for, split, table_for, widget_for, DashboardPage, WidgetPartial,
};
use crate::web::error::Problem;
use crate::web::reports::sort;
use crate::web::reports::view::TablePartial;
use crate::web::{parse_page, AppState};
use actix_web::{web, HttpRequest};
use std::collections::BTreeMap;

type Query = web::Query<BTreeMap<String, String>>;

/// Version `v` of dashboard `id` as a stored dashboard (its id, that definition).
fn old(ctx: &crate::app::Ctx, id: &str, v: &str) -> Result<(StoredDashboard, i64), Problem> {
    let n = super::number(v)?;
    let (version, value) = crate::app::version::get(ctx, Kept::Dashboard, id, n)?;
    let mut definition: DashboardDefinition = serde_json::from_value(value).map_err(|e| {
        Problem::invalid(
            "version",
            format!("version {n} no longer reads as a dashboard: {e}"),
        )
    })?;
    definition.id = Some(id.to_string());
    Ok((
        StoredDashboard {
            id: id.to_string(),
            definition,
            is_default: false,
            updated_at: version.at,
        },
        n,
    ))
}

/// GET /dashboards/{id}/versions/{v}
pub async fn page(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
    req: HttpRequest,
) -> Result<DashboardPage, Problem> {
    let (id, v) = path.into_inner();
    let (ctx, who, q) = (
        state.ctx_for(&req),
        crate::web::gate::principal(&req),
        q.into_inner(),
    );
    web::block(move || {
        let (d, n) = old(&ctx, &id, &v)?;
        let q = known(&ctx, &d, &q, None)?;
        let mut page = page_for(
            &ctx,
            &who,
            d,
            &q,
            &format!("/dashboards/{id}/versions/{n}"),
            false,
        )?;
        page.version = Some(n);
        Ok(page)
    })
    .await?
    .map_err(Problem::html)
}

/// GET /dashboards/{id}/versions/{v}/widgets/{wid}
pub async fn widget(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<WidgetPartial, Problem> {
    let (id, v, wid) = path.into_inner();
    let (ctx, q) = (state.ctx_for(&req), q.into_inner());
    let page = parse_page(q.get("page").map(String::as_str))?;
    let width = chart_width(&q)?;
    let order = sort::take(&mut q.clone())?;
    web::block(move || -> Result<WidgetPartial, Problem> {
        let (d, n) = old(&ctx, &id, &v)?;
        let q = known(&ctx, &d, &q, Some(&wid))?;
        let (filters, params) = split(&q);
        let view = dashboard_run::View::now(&filters, &params);
        let base = format!("/dashboards/{id}/versions/{n}");
        crate::report::chart::at_width(width, || {
            widget_for(
                &ctx,
                &d,
                &wid,
                view,
                (page, order.as_ref()),
                &base,
                Some(&q),
            )
        })
    })
    .await?
}

/// GET /dashboards/{id}/versions/{v}/table/{wid}?page=N
pub async fn table(
    state: web::Data<AppState>,
    path: web::Path<(String, String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<TablePartial, Problem> {
    let (id, v, wid) = path.into_inner();
    let (ctx, mut q) = (state.ctx_for(&req), q.into_inner());
    let page = parse_page(q.get("page").map(String::as_str))?;
    let order = sort::take(&mut q)?;
    web::block(move || -> Result<TablePartial, Problem> {
        let (d, n) = old(&ctx, &id, &v)?;
        let q = known(&ctx, &d, &q, Some(&wid))?;
        let (filters, params) = split(&q);
        let query = crate::web::dashboards::query_without_page(&q);
        let view = dashboard_run::View::now(&filters, &params);
        let base = format!("/dashboards/{id}/versions/{n}");
        table_for(&ctx, &d, &wid, view, (page, order.as_ref()), &base, &query)
    })
    .await?
}
