//! GET /api/v1/cron/preview: a description and the next fire times of a cron expression.

use crate::model::cron;
use crate::model::time::rfc3339;
use crate::web::error::Problem;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct PreviewQuery {
    expr: Option<String>,
    timezone: Option<String>,
    from: Option<String>,
    count: Option<String>,
}

/// GET /api/v1/cron/preview?expr=&timezone=&from=&count=
pub async fn preview(q: web::Query<PreviewQuery>) -> Result<HttpResponse, Problem> {
    let expr = q
        .expr
        .as_deref()
        .ok_or_else(|| Problem::invalid("expr", "expr is required"))?;
    let timezone = q.timezone.as_deref().unwrap_or("UTC");
    let from = match q.from.as_deref() {
        None => chrono::Utc::now(),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map_err(|_| Problem::invalid("from", format!("`{s}` is not an RFC 3339 time")))?
            .with_timezone(&chrono::Utc),
    };
    let count = match q.count.as_deref() {
        None => 5,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| {
                Problem::invalid("count", format!("`{s}` is not a number from 1 to 100"))
            })?,
    };
    let (description, next) = cron::preview(expr, timezone, from, count)
        .map_err(|(field, m)| Problem::invalid(field, m))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "description": description,
        "next": next.into_iter().map(rfc3339).collect::<Vec<_>>(),
    })))
}
