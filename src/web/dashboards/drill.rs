//! `/dashboards/{id}/widgets/{wid}/rows?value=`: the rows behind a bar, slice or point of a
//! widget under the page's filters. htmx asks for the panel under the chart (its pager for the
//! table alone); without JavaScript it is a page. Shares do not link their marks here and have
//! no such route: their viewers see the charts, not rows.

use super::{find, known, query_without_page, split};
use crate::app::dashboard::drill as dashboard_drill;
use crate::report::run::TableOut;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::reports::view::TablePartial;
use crate::web::{parse_page, urlencode, AppState, Layout};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::BTreeMap;

/// What the panel shows above its table.
pub struct RowsHead {
    pub title: String,
    pub column: String,
    pub value: String,
    /// The dashboard filtered by this value (the cross-filter), when a filter can do it.
    pub cross_filter: Option<String>,
}

/// The panel, swapped in under the chart.
#[derive(Template)]
#[template(path = "dashboard_rows.html")]
pub struct RowsPartial {
    pub r: RowsHead,
    pub t: TableOut,
    pub base: String,
}

/// The same as a page, for a click without JavaScript.
#[derive(Template)]
#[template(path = "dashboard_rows_page.html")]
pub struct RowsPage {
    pub layout: Layout,
    pub back: String,
    pub r: RowsHead,
    pub t: TableOut,
    pub base: String,
}

/// The link a mark of widget `wid` on dashboard `id` opens for category `key`, under `query`
/// (the page's, without `page`).
pub fn rows_url(id: &str, wid: &str, key: &str, query: &str) -> String {
    let mut url = format!(
        "/dashboards/{}/widgets/{}/rows?value={}",
        urlencode(id),
        urlencode(wid),
        urlencode(key)
    );
    if !query.is_empty() {
        url.push('&');
        url.push_str(query);
    }
    url
}

/// GET /dashboards/{id}/widgets/{wid}/rows?value=…
pub async fn rows(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: super::Query,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (id, wid) = path.into_inner();
    let (ctx, who, mut q) = (state.ctx_for(&req), gate::principal(&req), q.into_inner());
    let htmx = crate::web::htmx::is_htmx(&req);
    // The pager asks for the table alone.
    let table_only = req
        .headers()
        .get("HX-Target")
        .and_then(|t| t.to_str().ok())
        .is_some_and(|t| t.starts_with("table-"));
    let page = parse_page(q.get("page").map(String::as_str))?;
    let value = q
        .remove("value")
        .ok_or_else(|| Problem::invalid("value", "give the category: `?value=`").html())?;
    let html = web::block(move || -> Result<String, Problem> {
        let d = find(&ctx, &id)?;
        let q = known(&ctx, &d, &q, Some(&wid))?;
        let (filters, params) = split(&q);
        let view = crate::app::dashboard::run::View::now(&filters, &params);
        let got = dashboard_drill::drill(&ctx, &d, &wid, view, &value, page)?;
        let query = query_without_page(&q);
        let base = format!("{}&", rows_url(&id, &wid, &value, &query));
        let render = Problem::internal;
        if table_only {
            return TablePartial {
                t: got.drill.table,
                base,
            }
            .render()
            .map_err(render);
        }
        let dashboard = format!("/dashboards/{}", urlencode(&id));
        let r = RowsHead {
            title: got.title,
            column: got.drill.column,
            value: got.drill.value.clone(),
            cross_filter: got.cross_filter.map(|f| {
                let mut q: BTreeMap<String, String> = q.clone();
                q.remove("page");
                q.insert(format!("f.{f}"), got.drill.value.clone());
                format!("{dashboard}?{}", crate::web::reports::view::encode(&q))
            }),
        };
        let t = got.drill.table;
        match htmx {
            true => RowsPartial { r, t, base }.render().map_err(render),
            false => RowsPage {
                layout: Layout::new(&ctx, &who)?,
                back: match query.is_empty() {
                    true => dashboard,
                    false => format!("{dashboard}?{query}"),
                },
                r,
                t,
                base,
            }
            .render()
            .map_err(render),
        }
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
