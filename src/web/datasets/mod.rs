//! The /datasets page: the datasets there are, and an upload zone (drag and drop, progress bar)
//! that shows the first rows with their inferred types once imported.

pub mod upload;

use crate::app::dataset;
use crate::data::query::ResultSet;
use crate::model::dataset::DatasetInfo;
use crate::report::run::cell_text;
use crate::store;
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use askama_web::WebTemplate;

/// GET /datasets
#[derive(Template, WebTemplate)]
#[template(path = "datasets.html")]
pub struct DatasetsPage {
    pub layout: Layout,
    pub datasets: Vec<DatasetInfo>,
    pub limit_mb: u64,
    pub script: String,
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

/// GET /datasets
pub async fn page(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<DatasetsPage, Problem> {
    let ctx = state.ctx.clone();
    let who = crate::web::gate::principal(&req);
    web::block(move || -> Result<_, crate::store::StoreError> {
        Ok(DatasetsPage {
            layout: Layout::new(&ctx, &who)?,
            datasets: store::dataset::list(&*ctx.store.app.get()?)?,
            limit_mb: ctx.config.limits.upload_max_mb,
            script: crate::web::assets::url("datasets.js"),
        })
    })
    .await?
    .map_err(|e| Problem::internal(e).html())
}

/// POST /datasets/upload: the same import as the API, answered with an HTML fragment.
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> HttpResponse {
    let ctx = state.ctx.clone();
    let result = async {
        let up = upload::receive(&ctx, &req, payload).await?;
        let info = upload::import(&ctx, up).await?;
        let s = ctx.store.clone();
        let name = info.name.clone();
        let rows = web::block(move || dataset::preview(&s, &name, 10))
            .await?
            .map_err(Problem::from)?;
        Ok::<_, Problem>((info, rows))
    }
    .await;
    let (status, body) = match result {
        Ok((info, rows)) => (
            actix_web::http::StatusCode::CREATED,
            fragment(Some(info), None, rows),
        ),
        Err(p) => (
            p.status_code(),
            fragment(None, Some(p.detail.clone()), ResultSet::default()),
        ),
    };
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn fragment(info: Option<DatasetInfo>, error: Option<String>, rows: ResultSet) -> String {
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
            .map(|r| r.iter().map(|c| cell_text(c, None)).collect())
            .collect(),
    }
    .render()
    .unwrap_or_else(|e| format!("<p class=\"error\">{e}</p>"))
}
