//! A bundle uploaded on the gallery page: `POST /templates/import` reads the file (at most
//! [`MAX_BYTES`]), says what importing it would create or update and what data it needs (a dry
//! run, nothing written) and keeps it (`app::bundle::keep_upload`, a day at most) for the confirmation,
//! `POST /templates/import/{token}`, which imports it and opens its dashboard.

use crate::app::bundle::import::{self, Outcome};
use crate::model::bundle::Bundle;
use crate::web::error::Problem;
use crate::web::{AppState, Layout};
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template as _;
use askama_web::WebTemplate;
use futures_util::StreamExt;

/// Largest bundle file taken.
pub const MAX_BYTES: usize = 8 << 20;

/// The dry run of an uploaded bundle.
#[derive(askama::Template, WebTemplate)]
#[template(path = "bundle_import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub name: String,
    pub token: String,
    pub outcome: Outcome,
}

fn read_bundle(bytes: &[u8]) -> Result<Bundle, Problem> {
    let b: Bundle = crate::web::json::parse(bytes).map_err(|p| {
        Problem::invalid("file", format!("not a Quire bundle: {}", p.detail)).html()
    })?;
    Ok(b)
}

/// POST /templates/import?_csrf= (multipart `file`)
pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: Multipart,
) -> Result<HttpResponse, Problem> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut got = false;
    while let Some(field) = payload.next().await {
        let mut field =
            field.map_err(|e| Problem::bad_request(format!("malformed upload: {e}")).html())?;
        if field.name() != Some("file") {
            while field.next().await.is_some() {}
            continue;
        }
        got = true;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| {
                Problem::bad_request(format!("file: the upload broke off ({e})")).html()
            })?;
            if bytes.len() + chunk.len() > MAX_BYTES {
                return Err(Problem::new(
                    actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                    format!("file: a bundle is at most {} MB", MAX_BYTES >> 20),
                )
                .html());
            }
            bytes.extend_from_slice(&chunk);
        }
    }
    if !got || bytes.is_empty() {
        return Err(Problem::invalid("file", "choose a bundle file (.json)").html());
    }
    let bundle = read_bundle(&bytes)?;
    let who = crate::web::gate::principal(&req);
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let page = web::block(move || -> Result<ImportPage, Problem> {
        let name = bundle.dashboard.name.clone();
        let outcome = import::import(&ctx, bundle, &author, true)?;
        let token = crate::app::bundle::keep_upload(&ctx, &bytes).map_err(Problem::internal)?;
        Ok(ImportPage {
            layout: Layout::new(&ctx, &who)?,
            name,
            token,
            outcome,
        })
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// POST /templates/import/{token}: imports the uploaded bundle; to its dashboard.
pub async fn confirm(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let author = crate::web::gate::author(&req).map_err(Problem::html)?;
    let ctx = state.ctx_for(&req);
    let out = web::block(move || -> Result<Outcome, Problem> {
        let bytes = crate::app::bundle::take_upload(&ctx, &token).ok_or_else(|| {
            Problem::not_found("this upload has been imported or has gone: upload the file again")
        })?;
        Ok(import::import(&ctx, read_bundle(&bytes)?, &author, false)?)
    })
    .await?
    .map_err(Problem::html)?;
    state.scheduler_wake.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("/dashboards/{}", out.dashboard_id),
        ))
        .finish())
}
