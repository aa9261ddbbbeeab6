//! Report generation: POST /api/v1/reports/{id}/generate → 202 with a job;
//! GET /api/v1/reports/jobs/{id}; GET /api/v1/reports/results/{id};
//! GET /api/v1/reports/results/{id}/export?format=pdf|xlsx|excel|csv|json.

use crate::export::{Keep, Order};
use crate::model::export::{ExportFormat, ExportRequest, Target};
use crate::store;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{http::header, web, HttpResponse};
use serde_json::Value;
use std::collections::BTreeMap;

/// The parameters of a request: `{"parameters": {...}}` or the object itself. Values may be
/// strings, numbers or booleans.
pub fn parameters(body: Value) -> Result<BTreeMap<String, String>, Problem> {
    let Value::Object(mut map) = body else {
        return Err(Problem::invalid("parameters", "must be a JSON object"));
    };
    let (prefix, map) = match map.remove("parameters") {
        Some(Value::Object(inner)) if map.is_empty() => ("parameters.", inner),
        Some(_) if map.is_empty() => {
            return Err(Problem::invalid("parameters", "must be a JSON object"))
        }
        Some(other) => {
            map.insert("parameters".into(), other);
            ("", map)
        }
        None => ("", map),
    };
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) => Ok((k, n.to_string())),
            Value::Bool(b) => Ok((k, b.to_string())),
            _ => Err(Problem::invalid(
                format!("{prefix}{k}"),
                "must be a string, a number or a boolean",
            )),
        })
        .collect()
}

/// POST /api/v1/reports/{id}/generate → 202 with the queued job. An empty body means the
/// parameters' defaults.
pub async fn generate(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Bytes,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let params = if body.iter().all(u8::is_ascii_whitespace) {
        BTreeMap::new()
    } else {
        let v: Value = serde_json::from_slice(&body)
            .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))?;
        parameters(v)?
    };
    let who = crate::web::gate::principal(&req);
    let job = state
        .generator
        .submit(id.into_inner(), params, (who.email(), who.sight()))
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/reports/jobs/{}", job.id)))
        .json(job))
}

/// GET /api/v1/reports/jobs/{id}
pub async fn job(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let who = crate::web::gate::principal(&req).email();
    let found = web::block(move || -> Result<_, store::StoreError> {
        let conn = ctx.store.app.get()?;
        match visible(&ctx, &conn, &id, who.as_deref())? {
            true => store::job::get(&conn, &id),
            false => Ok(None),
        }
    })
    .await?
    .map_err(Problem::from)?;
    match found {
        Some(job) => Ok(HttpResponse::Ok().json(job)),
        None => Err(Problem::not_found("no such job")),
    }
}

/// Whether the caller may see job `id`: anyone from whom no row is hidden; else only the
/// person who asked for it (what it holds was read with their sight).
pub fn visible(
    ctx: &crate::app::Ctx,
    conn: &rusqlite::Connection,
    id: &str,
    who: Option<&str>,
) -> Result<bool, store::StoreError> {
    if !ctx.sight.is_limited(&ctx.store.policed.now()) {
        return Ok(true);
    }
    let (by, _) = store::job::asker(conn, id)?;
    Ok(by.is_some() && by.as_deref() == who)
}

async fn find_result(
    state: &AppState,
    req: &actix_web::HttpRequest,
    id: String,
) -> Result<store::job::StoredResult, Problem> {
    let ctx = state.ctx_for(req);
    let who = crate::web::gate::principal(req).email();
    web::block(move || -> Result<_, store::StoreError> {
        let conn = ctx.store.app.get()?;
        let found = store::job::result(&conn, &id)?;
        match found {
            Some(r) if visible(&ctx, &conn, &r.job.id, who.as_deref())? => Ok(Some(r)),
            _ => Ok(None),
        }
    })
    .await?
    .map_err(Problem::from)?
    .ok_or_else(|| Problem::not_found("no such result"))
}

/// GET /api/v1/reports/results/{id}: the data and visualizations, with the job's ids. Read
/// off the async threads: a result may be large.
pub async fn result(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let r = find_result(&state, &req, id.into_inner()).await?;
    let body = web::block(move || -> Result<Vec<u8>, serde_json::Error> {
        let mut v: Value = serde_json::from_str(&r.output_json)?;
        if let Value::Object(map) = &mut v {
            map.insert("id".into(), r.id.into());
            map.insert("jobId".into(), r.job.id.into());
        }
        serde_json::to_vec(&v)
    })
    .await?
    .map_err(Problem::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(body))
}

/// GET /api/v1/reports/results/{id}/export?format=: the file, recorded as an export
/// (its id in `X-Export-Id`, its record at /api/v1/exports/{id}).
pub async fn export(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    id: web::Path<String>,
    q: web::Query<BTreeMap<String, String>>,
) -> Result<HttpResponse, Problem> {
    let raw = q.get("format").map(String::as_str).unwrap_or("pdf");
    let format = ExportFormat::parse(raw).ok_or_else(|| {
        Problem::invalid(
            "format",
            format!(
                "`{}` is not one of pdf, xlsx, excel, csv, json",
                crate::model::text::truncate(raw, 40)
            ),
        )
    })?;
    if let Some(k) = q.keys().find(|k| k.as_str() != "format") {
        return Err(Problem::invalid(
            crate::model::text::truncate(k, 40),
            "unknown query parameter: a result keeps the parameters it was generated with",
        ));
    }
    // The result as it was stored, not its report run again: its file holds what it showed.
    let r = find_result(&state, &req, id.into_inner()).await?;
    let request = ExportRequest {
        params: r.job.parameters.clone(),
        today: r.job.day(),
        time_zone: Some(crate::web::gate::zone(&req).name().to_string()),
        ..Default::default()
    };
    let ctx = state.ctx_for(&req);
    let made_by = crate::web::gate::principal(&req).email();
    let keep = Keep::Recorded {
        made_by,
        name: None,
    };
    let order = Order::new(Target::Result(r.id.into()), format, request, keep);
    let made = state
        .render_blocking(&req, move || crate::export::make(&ctx, order))
        .await??;
    Ok(crate::web::reports::download::file(
        &made.record,
        made.bytes,
    ))
}
