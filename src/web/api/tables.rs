//! GET /api/v1/tables and POST /api/v1/validate-query.

use crate::model::report::MAX_QUERY_CHARS;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// GET /api/v1/tables: every queryable table and its fields, per data source.
pub async fn list(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let (store, sight) = (ctx.store.clone(), ctx.sight.clone());
    let bounds = ctx.bounds();
    let sources = web::block(move || -> anyhow::Result<Vec<serde_json::Value>> {
        let mut names = vec!["main".to_string()];
        names.extend(store.sources.keys().cloned());
        names
            .into_iter()
            .map(|name| {
                let conn = store.source(&name).expect("listed").get(&sight)?;
                let tables = conn.db().tables(bounds)?;
                Ok(serde_json::json!({"name": name, "tables": tables}))
            })
            .collect()
    })
    .await?
    .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "sources": sources })))
}

/// The body of POST /api/v1/validate-query.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidateBody {
    #[serde(default = "main")]
    data_source: String,
    query: String,
}

fn main() -> String {
    "main".into()
}

/// POST /api/v1/validate-query: prepares the statement (never runs it) and returns its columns.
pub async fn validate(
    state: web::Data<AppState>,
    body: crate::web::json::JsonBody<ValidateBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let body = body.0;
    if body.query.len() > MAX_QUERY_CHARS {
        return Err(Problem::invalid(
            "query",
            format!("longer than {MAX_QUERY_CHARS} characters"),
        ));
    }
    let ctx = state.ctx_for(&req);
    let pool = ctx
        .store
        .source(&body.data_source)
        .cloned()
        .ok_or_else(|| {
            Problem::invalid(
                "dataSource",
                format!("no data source named `{}`", body.data_source),
            )
        })?;
    let bounds = ctx.bounds();
    let result = web::block(move || -> Result<_, Problem> {
        let conn = pool.get(&ctx.sight).map_err(Problem::from)?;
        Ok(conn.db().validate(&body.query, bounds))
    })
    .await??;
    match result {
        Ok(columns) => {
            Ok(HttpResponse::Ok().json(serde_json::json!({"valid": true, "columns": columns})))
        }
        Err(e) => Ok(HttpResponse::UnprocessableEntity()
            .content_type("application/problem+json")
            .json(serde_json::json!({
                "type": "about:blank", "title": "Unprocessable Entity", "status": 422,
                "detail": format!("query: {e}"), "valid": false, "error": e.to_string(),
                "errors": [{"field": "query", "message": e.to_string()}],
            }))),
    }
}
