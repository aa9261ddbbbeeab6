//! The "In the store" list of /datasets, and what each row offers: a preview of the first rows
//! (in place with htmx, a page of its own without) and a delete.

use crate::app::dataset;
use crate::app::Ctx;
use crate::model::dataset::{ColumnInfo, DatasetInfo};
use crate::model::time::ViewZone;
use crate::store::{self, StoreError};
use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{gate, AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// Rows a preview shows.
const PREVIEW_ROWS: u32 = 20;

/// `20000` → `20,000`
pub fn count(n: u64) -> String {
    crate::report::format::thousands(n as f64, 0)
}

/// One dataset, as the list shows it.
pub struct DatasetRow {
    pub name: String,
    pub rows: String,
    pub columns: Vec<ColumnInfo>,
    pub source: String,
    pub imported: String,
}

impl DatasetRow {
    /// A dataset's row, its import time in the viewer's zone.
    pub fn new(d: DatasetInfo, zone: &ViewZone) -> Self {
        DatasetRow {
            rows: count(d.row_count),
            imported: zone.show_text(&d.imported_at),
            name: d.name,
            columns: d.columns,
            source: d.source,
        }
    }
}

/// The list (`#dataset-list`): part of the page, and sent out of band after an upload.
pub struct DatasetList {
    pub datasets: Vec<DatasetRow>,
    /// Whether the rows offer a delete.
    pub editor: bool,
    pub csrf: String,
    /// Sent with an upload's result: htmx swaps it in place of the page's list.
    pub oob: bool,
}

impl DatasetList {
    /// The datasets in the store, for whoever `layout` is for.
    pub fn read(ctx: &Ctx, layout: &Layout, oob: bool) -> Result<DatasetList, StoreError> {
        let seen = dataset::list_seen(ctx).map_err(|e| match e {
            dataset::DatasetError::Store(s) => s,
            other => StoreError::Source {
                name: "datasets".into(),
                message: other.to_string(),
            },
        })?;
        Ok(DatasetList {
            datasets: seen
                .into_iter()
                .map(|d| DatasetRow::new(d, &layout.zone))
                .collect(),
            editor: layout.can("editor"),
            csrf: layout.csrf.clone(),
            oob,
        })
    }

    /// The list alone, as HTML.
    pub fn render(self) -> Result<String, askama::Error> {
        ListPartial { list: self }.render()
    }
}

/// The list alone.
#[derive(Template)]
#[template(path = "datasets.html", block = "list")]
struct ListPartial {
    list: DatasetList,
}

/// GET /datasets/{name}: the dataset's columns and first rows; htmx gets them alone.
#[derive(Template)]
#[template(path = "dataset.html")]
pub struct DatasetPage {
    pub layout: Layout,
    pub preview: Preview,
}

/// The first rows of a dataset alone.
#[derive(Template)]
#[template(path = "dataset.html", block = "preview")]
struct PreviewPartial {
    preview: Preview,
}

/// The first rows of a dataset.
pub struct Preview {
    pub dataset: DatasetRow,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub shown: String,
}

fn read_preview(ctx: &Ctx, name: &str, zone: &ViewZone) -> Result<Preview, Problem> {
    let info = store::dataset::get(&*ctx.store.app.get().map_err(Problem::from)?, name)
        .map_err(Problem::from)?
        .ok_or_else(|| Problem::from(dataset::DatasetError::NotFound(name.to_string())))?;
    let rows = dataset::preview(ctx, name, PREVIEW_ROWS).map_err(Problem::from)?;
    let rows: Vec<Vec<String>> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(super::preview_text).collect())
        .collect();
    Ok(Preview {
        headers: info
            .columns
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind))
            .collect(),
        shown: count(rows.len() as u64),
        rows,
        dataset: DatasetRow::new(info, zone),
    })
}

/// GET /datasets/{name}
pub async fn preview(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let htmx = is_htmx(&req);
    let name = name.into_inner();
    let html = web::block(move || -> Result<String, Problem> {
        let preview = read_preview(&ctx, &name, &who.zone())?;
        if htmx {
            return PreviewPartial { preview }
                .render()
                .map_err(Problem::internal);
        }
        DatasetPage {
            layout: Layout::new(&ctx, &who)?,
            preview,
        }
        .render()
        .map_err(Problem::internal)
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}

/// POST /datasets/{name}/delete: htmx gets the list without it, a plain form a 303 back.
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = gate::principal(&req);
    let htmx = is_htmx(&req);
    let name = name.into_inner();
    let list = web::block(move || -> Result<Option<String>, Problem> {
        dataset::delete(&ctx.store, &name).map_err(super::problem)?;
        if !htmx {
            return Ok(None);
        }
        let layout = Layout::new(&ctx, &who)?;
        let list = DatasetList::read(&ctx, &layout, false)?;
        list.render().map(Some).map_err(Problem::internal)
    })
    .await?
    .map_err(Problem::html)?;
    if let Some(list) = list {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(list));
    }
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/datasets"))
        .finish())
}
