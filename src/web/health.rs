//! GET /healthz: 200 `ok` when the database answers (on a connection of its own, never
//! waiting for the pool; it passes the admission queue too, `web::admission`). `?detail` adds a line per data source:
//! whether it answers (within 2 s) and how fast; a source that is down is shown, not fatal.

use super::AppState;
use actix_web::{web, HttpResponse};
use std::collections::BTreeMap;
use std::time::Duration;

/// How long a source may take to answer a health check.
pub const PING_WAIT: Duration = Duration::from_secs(2);

/// GET /healthz
pub async fn get(
    state: web::Data<AppState>,
    q: web::Query<BTreeMap<String, String>>,
) -> HttpResponse {
    let store = state.ctx.store.clone();
    let detail = q.contains_key("detail");
    let ok = web::block(move || -> anyhow::Result<String> {
        store.app.ping().map_err(anyhow::Error::msg)?;
        let mut out = String::from("ok");
        if detail {
            out.push_str("\napp database: ok");
            for (name, status) in sources(&store) {
                out.push_str(&format!("\nsource {name}: {status}"));
            }
        }
        Ok(out)
    })
    .await;
    match ok {
        Ok(Ok(body)) => HttpResponse::Ok().content_type("text/plain").body(body),
        _ => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable"),
    }
}

/// Each data source (`main` first) and whether it answers: `ok (3 ms)` or `unavailable: …`.
pub fn sources(store: &crate::store::Store) -> Vec<(String, String)> {
    std::iter::once(("main".to_string(), &store.main))
        .chain(store.sources.iter().map(|(n, s)| (n.clone(), &s.pool)))
        .map(|(name, pool)| {
            let status = match pool.ping(PING_WAIT) {
                Ok(t) => format!("ok ({} ms)", t.as_millis()),
                Err(e) => format!("unavailable: {e}"),
            };
            (name, status)
        })
        .collect()
}
