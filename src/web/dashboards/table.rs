//! A table widget's page (htmx), in the order its column headers ask for
//! (`?sort=<column>&dir=asc|desc`), for `/dashboards/{id}` and for shares.

use super::{find, known, query_without_page, split, Query};
use crate::app::dashboard::run as dashboard_run;
use crate::report::run::{Item, TableSort};
use crate::store::dashboard::StoredDashboard;
use crate::web::error::Problem;
use crate::web::reports::sort;
use crate::web::reports::view::{table_base, TablePartial};
use crate::web::{parse_page, AppState};
use actix_web::web;
use std::collections::BTreeMap;

/// GET /dashboards/{id}/table/{wid}?page=N&sort=&dir=: one page of a table widget (htmx).
pub async fn table(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: Query,
    req: actix_web::HttpRequest,
) -> Result<TablePartial, Problem> {
    let (id, wid) = path.into_inner();
    let (ctx, mut q) = (state.ctx_for(&req), q.into_inner());
    let page = parse_page(q.get("page").map(String::as_str))?;
    let order = sort::take(&mut q)?;
    web::block(move || -> Result<TablePartial, Problem> {
        let d = find(&ctx, &id)?;
        let q = known(&ctx, &d, &q, Some(&wid))?;
        let (filters, params) = split(&q);
        let query = query_without_page(&q);
        let view = dashboard_run::View::now(&filters, &params);
        let base = format!("/dashboards/{id}");
        table_for(&ctx, &d, &wid, view, (page, order.as_ref()), &base, &query)
    })
    .await?
}

/// The order a widget's table is asked for (`?sort=&dir=`), from a copy of the query.
pub(crate) fn order(q: &BTreeMap<String, String>) -> Result<Option<TableSort>, Problem> {
    sort::take(&mut q.clone())
}

/// One page of table widget `wid` of `d` in `order`, its pager under `base` with `query`.
pub fn table_for(
    ctx: &crate::app::Ctx,
    d: &StoredDashboard,
    wid: &str,
    view: dashboard_run::View,
    (page, order): (u32, Option<&TableSort>),
    base: &str,
    query: &str,
) -> Result<TablePartial, Problem> {
    match dashboard_run::run_widget_page(ctx, d, wid, view, page, order)? {
        Some(Item::Table(t)) => {
            sort::check(order, [&t])?;
            Ok(TablePartial {
                base: table_base(base, &crate::web::urlencode(wid), query),
                t,
            })
        }
        _ => Err(Problem::not_found(format!(
            "no table `{}` on this page",
            crate::model::text::truncate(wid, 60)
        ))),
    }
}
