//! The /datasets page: the datasets there are (each with a preview of its first rows and a
//! delete), and an upload zone (drag and drop, progress bar) that shows the first rows with
//! their inferred types once imported. htmx gets fragments (the result, and the list swapped
//! out of band); a browser without JavaScript posts the form and gets the whole page back.

pub mod columns;
pub mod list;
pub mod names;
pub mod upload;

use self::list::DatasetList;
use crate::app::dataset;
use crate::data::query::ResultSet;
use crate::model::dataset::DatasetInfo;
use crate::report::run::cell_text;
use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{AppState, Layout};
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use askama_web::WebTemplate;

/// GET /datasets
#[derive(Template, WebTemplate)]
#[template(path = "datasets.html")]
pub struct DatasetsPage {
    pub layout: Layout,
    pub list: DatasetList,
    pub limit_mb: u64,
    pub script: String,
    /// The rendered result of an upload posted without JavaScript.
    pub result: String,
}

/// The result of an upload, swapped into the page.
#[derive(Template)]
#[template(path = "dataset_result.html")]
pub struct UploadResult {
    pub info: Option<DatasetInfo>,
    pub error: Option<String>,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl UploadResult {
    /// `20,000`
    pub fn row_count(&self) -> String {
        self.info
            .as_ref()
            .map(|i| list::count(i.row_count))
            .unwrap_or_default()
    }
}

/// Most characters of a cell a preview shows (a cell may hold up to 1 MB).
const PREVIEW_CHARS: usize = 1_000;

/// A cell of a preview, a long text cut with an ellipsis.
fn preview_text(c: &crate::data::query::Cell) -> String {
    crate::model::text::truncate(&cell_text(c, None), PREVIEW_CHARS)
}

/// A dataset error as the problem to answer: another import writing the dataset store is a
/// 503 to send again later (nothing was changed), not a failure.
pub fn problem(e: dataset::DatasetError) -> Problem {
    if e.is_busy() {
        tracing::warn!(error = %e, "dataset store busy");
        let mut p = Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string());
        p.retry_after = Some(10);
        return p;
    }
    Problem::from(e)
}

/// GET /datasets
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<DatasetsPage, Problem> {
    full_page(&state, &req, String::new()).await
}

async fn full_page(
    state: &AppState,
    req: &HttpRequest,
    result: String,
) -> Result<DatasetsPage, Problem> {
    let ctx = state.ctx_for(req);
    let who = crate::web::gate::principal(req);
    web::block(move || -> Result<_, crate::store::StoreError> {
        let layout = Layout::new(&ctx, &who)?;
        Ok(DatasetsPage {
            list: DatasetList::read(&ctx, &layout, false)?,
            layout,
            limit_mb: ctx.config.limits.upload_max_mb,
            script: crate::web::assets::url("datasets.js"),
            result,
        })
    })
    .await?
    .map_err(|e| Problem::internal(e).html())
}

/// POST /datasets/upload: the same import as the API. htmx gets the result and the list (out
/// of band); a plain form post gets the whole page with the result in place.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> HttpResponse {
    let ctx = state.ctx_for(&req);
    let result = async {
        let up = upload::receive(&ctx, &req, payload).await?;
        let info = upload::import(&ctx, up).await?;
        let s = ctx.clone();
        let name = info.name.clone();
        let rows = web::block(move || dataset::preview(&s, &name, 10))
            .await?
            .map_err(Problem::from)?;
        Ok::<_, Problem>((info, rows))
    }
    .await;
    let shown = match result {
        Ok((info, rows)) => fragment(Some(info), None, rows).map(|b| (StatusCode::CREATED, b)),
        // "Import failed. bad.csv: row 2 ...", not "... file: bad.csv: ...".
        Err(p) => fragment(
            None,
            Some(
                p.detail
                    .strip_prefix("file: ")
                    .unwrap_or(&p.detail)
                    .to_string(),
            ),
            ResultSet::default(),
        )
        .map(|b| (p.status_code(), b)),
    };
    let (status, body) = match shown {
        Ok(shown) => shown,
        Err(p) => return p.error_response(),
    };
    let html = if is_htmx(&req) {
        let who = crate::web::gate::principal(&req);
        let ctx = state.ctx_for(&req);
        let list = web::block(move || -> Result<_, crate::store::StoreError> {
            let layout = Layout::new(&ctx, &who)?;
            DatasetList::read(&ctx, &layout, true)?
                .render()
                .map_err(|e| crate::store::StoreError::Source {
                    name: "datasets".into(),
                    message: e.to_string(),
                })
        })
        .await;
        match list {
            Ok(Ok(list)) => format!("{body}{list}"),
            _ => body,
        }
    } else {
        match full_page(&state, &req, body)
            .await
            .and_then(|p| p.render().map_err(|e| Problem::internal(e).html()))
        {
            Ok(page) => page,
            Err(p) => return p.error_response(),
        }
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html)
}

fn fragment(
    info: Option<DatasetInfo>,
    error: Option<String>,
    rows: ResultSet,
) -> Result<String, Problem> {
    let headers = match &info {
        Some(i) => i
            .columns
            .iter()
            .map(|c| format!("{} ({})", c.name, c.kind))
            .collect(),
        None => Vec::new(),
    };
    UploadResult {
        info,
        error,
        headers,
        rows: rows
            .rows
            .iter()
            .map(|r| r.iter().map(preview_text).collect())
            .collect(),
    }
    .render()
    .map_err(|e| Problem::internal(e).html())
}

/// An HTML answer with its status.
fn html(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// A section of the dataset page (its columns' statistics, their names and formats): alone for
/// htmx, else in a page of its own. `view` reads it, `render` writes it for the layout given.
async fn section<V: 'static>(
    state: web::Data<AppState>,
    req: HttpRequest,
    name: String,
    view: fn(&crate::app::Ctx, &Layout, &str) -> Result<V, Problem>,
    render: fn(Layout, V, bool) -> Result<String, Problem>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = crate::web::gate::principal(&req);
    let htmx = is_htmx(&req);
    let body = web::block(move || -> Result<String, Problem> {
        let layout = if htmx {
            Layout::bare(&ctx, &who)
        } else {
            Layout::new(&ctx, &who)?
        };
        let view = view(&ctx, &layout, &name)?;
        render(layout, view, htmx)
    })
    .await?
    .map_err(Problem::html)?;
    Ok(html(StatusCode::OK, body))
}
