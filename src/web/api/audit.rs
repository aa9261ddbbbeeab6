//! `GET /api/v1/audit?actor=&action=&since=&limit=`: the audit log, newest first (admins only).

use crate::model::time::parse_time;
use crate::store;
use crate::web::error::Problem;
use crate::web::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    actor: Option<String>,
    action: Option<String>,
    since: Option<String>,
    limit: Option<u32>,
}

/// GET /api/v1/audit
pub async fn list(
    state: web::Data<AppState>,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, Problem> {
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(Problem::invalid("limit", "must be between 1 and 1000"));
    }
    if let Some(s) = &q.since {
        if parse_time(s).is_none() {
            return Err(Problem::invalid(
                "since",
                "an RFC 3339 time, e.g. 2026-11-30T00:00:00Z",
            ));
        }
    }
    for (field, v) in [("actor", &q.actor), ("action", &q.action)] {
        if v.as_ref().is_some_and(|v| v.chars().count() > 254) {
            return Err(Problem::invalid(field, "longer than 254 characters"));
        }
    }
    let ctx = state.ctx.clone();
    let since = q
        .since
        .as_deref()
        .and_then(parse_time)
        .map(crate::model::time::rfc3339);
    let events = web::block(move || {
        store::audit::list(
            &*ctx.store.app.get()?,
            &store::audit::Filter {
                actor: q.actor.as_deref(),
                action: q.action.as_deref(),
                since: since.as_deref(),
                limit,
            },
        )
    })
    .await??;
    Ok(HttpResponse::Ok().json(events))
}
