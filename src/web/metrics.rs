//! GET /metrics: Prometheus text.

use super::error::Problem;
use super::AppState;
use crate::app::queue::DURATION_BUCKETS;
use actix_web::{web, HttpResponse};
use std::fmt::Write;

/// GET /metrics
pub async fn get(state: web::Data<AppState>) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let sources_store = state.ctx.store.clone();
    let sources = web::block(move || {
        super::health::sources(&sources_store)
            .into_iter()
            .map(|(name, status)| {
                let pool = sources_store.source(&name).map(|p| p.connections());
                (name, status, pool)
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let (datasets, runs, deliveries) = web::block(move || -> rusqlite::Result<_> {
        let conn = store
            .app
            .get()
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        let datasets: i64 = conn.query_row("SELECT count(*) FROM datasets", [], |r| r.get(0))?;
        let mut stmt = conn.prepare(
            "SELECT status, count(*) FROM schedule_runs GROUP BY status ORDER BY status",
        )?;
        let runs: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let deliveries = crate::store::delivery::counts(&conn)
            .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
        Ok((datasets, runs, deliveries))
    })
    .await?
    .map_err(Problem::internal)?;
    let c = state.ctx.store.cache.stats();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, lines: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in lines {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    let one = |v: String| vec![(String::new(), v)];
    metric(
        "quire_query_cache_hits_total",
        "counter",
        "Query results served from the cache.",
        one(c.hits.to_string()),
    );
    metric(
        "quire_query_cache_misses_total",
        "counter",
        "Queries run because the cache had no result.",
        one(c.misses.to_string()),
    );
    metric(
        "quire_query_cache_bytes",
        "gauge",
        "Approximate memory held by cached results.",
        one(c.bytes.to_string()),
    );
    metric(
        "quire_query_cache_entries",
        "gauge",
        "Cached results.",
        one(c.entries.to_string()),
    );
    let times = crate::data::timing::snapshot();
    let mut lines = Vec::new();
    for t in &times {
        let e = t.engine;
        for (le, n) in crate::data::timing::BUCKETS.iter().zip(&t.buckets) {
            lines.push((
                format!("_bucket{{engine=\"{e}\",le=\"{le}\"}}"),
                n.to_string(),
            ));
        }
        lines.push((
            format!("_bucket{{engine=\"{e}\",le=\"+Inf\"}}"),
            t.count.to_string(),
        ));
        lines.push((
            format!("_sum{{engine=\"{e}\"}}"),
            format!("{:.6}", t.seconds),
        ));
        lines.push((format!("_count{{engine=\"{e}\"}}"), t.count.to_string()));
    }
    if let Some(engine) = &state.ctx.store.engine {
        metric(
            "quire_columnar_queries_total",
            "counter",
            "Queries the columnar engine ran (builder questions on datasets with a columnar copy).",
            one(engine.queries().to_string()),
        );
        metric(
            "quire_columnar_datasets",
            "gauge",
            "Datasets answered by the columnar engine (the others, by SQLite).",
            one(engine.datasets().len().to_string()),
        );
    }
    metric(
        "quire_query_seconds",
        "histogram",
        "Time queries took, by engine (sqlite, postgres, columnar), cache misses only.",
        lines,
    );
    metric(
        "quire_datasets",
        "gauge",
        "Datasets in the store.",
        one(datasets.to_string()),
    );
    metric(
        "quire_schedule_runs_total",
        "counter",
        "Schedule runs by outcome.",
        runs.into_iter()
            .map(|(s, n)| (format!("{{status=\"{s}\"}}"), n.to_string()))
            .collect(),
    );
    metric(
        "quire_deliveries",
        "gauge",
        "Deliveries in the outbox by status (pending, delivered, failed = given up).",
        ["pending", "delivered", "failed"]
            .iter()
            .map(|s| {
                let n = deliveries
                    .iter()
                    .find(|(k, _)| k == s)
                    .map_or(0, |(_, n)| *n);
                (format!("{{status=\"{s}\"}}"), n.to_string())
            })
            .collect(),
    );
    let (waiting, shed) = state.door.stats();
    metric(
        "quire_requests_waiting",
        "gauge",
        "Requests waiting for a turn ([limits] requests, request_queue).",
        one(waiting.to_string()),
    );
    metric(
        "quire_requests_shed_total",
        "counter",
        "Requests answered 503 at the door: the queue was full or no turn came in time.",
        one(shed.to_string()),
    );
    let q = state.runner.queue.stats();
    metric(
        "quire_render_workers",
        "gauge",
        "Renders that may run at once ([limits] render_workers).",
        one(q.workers.to_string()),
    );
    metric(
        "quire_render_queue_depth",
        "gauge",
        "Renders waiting for a worker (downloads, jobs, schedule runs).",
        one(q.waiting.to_string()),
    );
    metric(
        "quire_renders_running",
        "gauge",
        "Renders running now.",
        one(q.running.to_string()),
    );
    metric(
        "quire_render_refused_total",
        "counter",
        "Downloads refused with 503 because the render queue was full.",
        one(q.refused.to_string()),
    );
    metric(
        "quire_render_abandoned_total",
        "counter",
        "Downloads whose client went away while they waited for a worker.",
        one(q.abandoned.to_string()),
    );
    metric(
        "quire_render_cancelled_total",
        "counter",
        "Renders stopped early because their client went away.",
        one(q.cancelled.to_string()),
    );
    let mut histogram: Vec<(String, String)> = DURATION_BUCKETS
        .iter()
        .zip(&q.buckets)
        .map(|(le, n)| (format!("_bucket{{le=\"{le}\"}}"), n.to_string()))
        .collect();
    histogram.push(("_bucket{le=\"+Inf\"}".into(), q.count.to_string()));
    histogram.push(("_sum".into(), format!("{:.3}", q.seconds)));
    histogram.push(("_count".into(), q.count.to_string()));
    metric(
        "quire_render_seconds",
        "histogram",
        "Time renders held a worker (queries and file).",
        histogram,
    );
    let label = |name: &str| format!("{{source=\"{}\"}}", name.replace(['"', '\\', '\n'], "_"));
    metric(
        "quire_source_up",
        "gauge",
        "Whether each data source answered a ping within 2 s (1) or not (0).",
        sources
            .iter()
            .map(|(n, status, _)| (label(n), (status.starts_with("ok") as u8).to_string()))
            .collect(),
    );
    metric(
        "quire_source_connections",
        "gauge",
        "Connections open to each data source (idle ones included).",
        sources
            .iter()
            .filter_map(|(n, _, pool)| pool.map(|(open, _)| (label(n), open.to_string())))
            .collect(),
    );
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out))
}
