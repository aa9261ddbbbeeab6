//! /api/v1/datasets: list, import (multipart upload), describe, delete, a column given another
//! type.

use crate::app::dataset;
use crate::store;
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest, HttpResponse};

/// GET /api/v1/datasets
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let list = web::block(move || dataset::list_seen(&ctx))
        .await?
        .map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(list))
}

/// GET /api/v1/datasets/{name}: columns, types, row count and the first rows.
pub async fn get(
    state: web::Data<AppState>,
    name: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let s = ctx.store.clone();
    let name = name.into_inner();
    let (info, rows) = web::block(move || -> Result<_, dataset::DatasetError> {
        let mut info = store::dataset::get(&*s.app.get()?, &name)?
            .ok_or(dataset::DatasetError::NotFound(name.clone()))?;
        if let Some(n) = dataset::seen_rows(&ctx, &name)? {
            info.row_count = n;
        }
        let rows = dataset::preview(&ctx, &name, 10)?;
        Ok((info, rows))
    })
    .await?
    .map_err(Problem::from)?;
    let mut v = serde_json::to_value(info).map_err(Problem::internal)?;
    v["preview"] = serde_json::json!({"columns": rows.columns, "rows": rows.rows});
    Ok(HttpResponse::Ok().json(v))
}

/// POST /api/v1/datasets (multipart `file`, `name`, `mode`, `sheet`) → 201.
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: Multipart,
) -> Result<HttpResponse, Problem> {
    let up = crate::web::datasets::upload::receive(&state.ctx, &req, payload).await?;
    let info = crate::web::datasets::upload::import(&state.ctx, up).await?;
    Ok(HttpResponse::Created().json(info))
}

/// DELETE /api/v1/datasets/{name} → 204.
pub async fn delete(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let s = state.ctx.store.clone();
    let name = name.into_inner();
    web::block(move || dataset::delete(&s, &name))
        .await?
        .map_err(crate::web::datasets::problem)?;
    Ok(HttpResponse::NoContent().finish())
}

/// The body of `PATCH /api/v1/datasets/{name}/columns/{column}`.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ColumnChange {
    /// text, integer, real, date, datetime or boolean.
    #[serde(rename = "type")]
    pub kind: String,
    /// Make values that do not convert blank instead of refusing the change.
    #[serde(default)]
    pub blank_unconvertible: bool,
}

/// PATCH /api/v1/datasets/{name}/columns/{column} → 200 `{column, from, to, converted, blanked,
/// columns}`; 422 naming `type` (with how many values do not convert and a few of them) or
/// `column`.
pub async fn retype_column(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: JsonBody<ColumnChange>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let (name, column) = path.into_inner();
    let change = body.0;
    let (r, info) = web::block(
        move || -> Result<_, crate::app::dataset_columns::ColumnError> {
            let r = crate::app::dataset_columns::retype(
                &ctx,
                &name,
                &column,
                &change.kind,
                change.blank_unconvertible,
            )?;
            let info = crate::store::dataset::get(&*ctx.store.app.get()?, &name)?;
            Ok((r, info))
        },
    )
    .await?
    .map_err(crate::web::datasets::columns::problem)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "column": r.column,
        "from": r.from.name(),
        "to": r.to.name(),
        "converted": r.done.converted,
        "blanked": r.done.blanked,
        "columns": info.map(|i| i.columns).unwrap_or_default(),
    })))
}
