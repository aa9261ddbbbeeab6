//! GET /healthz: 200 `ok` when the database answers.

use super::AppState;
use actix_web::{web, HttpResponse};

/// GET /healthz
pub async fn get(state: web::Data<AppState>) -> HttpResponse {
    let store = state.ctx.store.clone();
    let ok = web::block(move || -> anyhow::Result<()> {
        store.app.get()?.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    })
    .await;
    match ok {
        Ok(Ok(())) => HttpResponse::Ok().content_type("text/plain").body("ok"),
        _ => HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unavailable"),
    }
}
