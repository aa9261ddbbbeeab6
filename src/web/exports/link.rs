//! GET /exports/{id}/download?expires=&sig=: the signed, expiring links that Slack, Teams and
//! webhook messages carry. The signature is the permission: a tampered link is 403, an expired
//! one 410.

use crate::deliver::link::{LinkError, Signer};
use crate::web::api::exports;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::StatusCode, web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct LinkQuery {
    expires: Option<String>,
    sig: Option<String>,
}

/// GET /exports/{id}/download
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
    q: web::Query<LinkQuery>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let expires = q
        .expires
        .as_deref()
        .and_then(|e| e.parse::<i64>().ok())
        .ok_or_else(|| Problem::bad_request("expires: missing or not a number"))?;
    let sig = q
        .sig
        .clone()
        .ok_or_else(|| Problem::bad_request("sig: missing"))?;
    let signer = Signer::new(&state.ctx.store.secrets.links);
    signer
        .verify(&id, expires, &sig, chrono::Utc::now().timestamp())
        .map_err(|e| {
            let status = match e {
                LinkError::Expired => StatusCode::GONE,
                LinkError::BadSignature => StatusCode::FORBIDDEN,
            };
            Problem::new(status, e.to_string()).html()
        })?;
    let record = exports::find(&state.ctx, id).await.map_err(Problem::html)?;
    exports::file_response(&state.ctx, &record)
        .await
        .map_err(Problem::html)
}
