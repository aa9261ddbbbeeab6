//! /api/v1/alerts: CRUD, evaluate now, history. A hook's URL is shown as its host, like a
//! schedule's, and kept when sent back so.

use crate::app::alert;
use crate::model::alert::AlertDefinition;
use crate::model::schedule::{keep_hidden, Recipient};
use crate::store;
use crate::store::alert::{MemberState, StoredAlert};
use crate::web::error::Problem;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

/// An alert as the API shows it: its definition, next evaluation and each member's state.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AlertView {
    id: String,
    #[serde(flatten)]
    definition: AlertDefinition,
    next_run_at: Option<String>,
    /// ok | firing | no_data | error (the worst of its members), or none before its first
    /// evaluation.
    state: Option<crate::model::alert::AlertState>,
    states: Vec<MemberState>,
}

fn view(conn: &rusqlite::Connection, a: StoredAlert) -> Result<AlertView, store::StoreError> {
    use crate::model::alert::AlertState as S;
    let states = store::alert::states(conn, &a.id)?;
    let state = [S::Firing, S::NoData, S::Error, S::Ok]
        .into_iter()
        .find(|s| states.iter().any(|m| m.state == *s));
    let mut definition = a.definition;
    definition.recipients = definition
        .recipients
        .into_iter()
        .map(|r| Recipient {
            address: r.shown(),
            kind: r.kind,
        })
        .collect();
    Ok(AlertView {
        id: a.id,
        definition,
        next_run_at: a.next_run_at,
        state,
        states,
    })
}

fn found(a: Option<StoredAlert>, id: &str) -> Result<StoredAlert, Problem> {
    a.ok_or_else(|| {
        Problem::not_found(format!(
            "no alert with id `{}`",
            crate::model::text::truncate(id, 60)
        ))
    })
}

/// GET /api/v1/alerts
pub async fn list(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let me = crate::web::gate::principal(&req).email();
    let list = web::block(move || -> Result<Vec<AlertView>, store::StoreError> {
        let conn = ctx.store.app.get()?;
        let limited = ctx.sight.is_limited(&ctx.store.policed.now());
        let mut shown = Vec::new();
        for a in store::alert::list(&conn)? {
            // An alert tells what its saver may see: a limited reader lists only their own.
            if !limited || store::access::alert_saver(&conn, &a.id)? == me {
                shown.push(view(&conn, a)?);
            }
        }
        Ok(shown)
    })
    .await?
    .map_err(Problem::from)?;
    Ok(HttpResponse::Ok().json(list))
}

/// GET /api/v1/alerts/{id}
pub async fn get(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let id = id.into_inner();
    let v = web::block(move || -> Result<AlertView, Problem> {
        let conn = store.app.get().map_err(store::StoreError::from)?;
        let a = found(store::alert::get(&conn, &id)?, &id)?;
        Ok(view(&conn, a)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(v))
}

/// POST /api/v1/alerts → 201
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: JsonBody<AlertDefinition>,
) -> Result<HttpResponse, Problem> {
    let v = save(&state, &req, None, body.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/alerts/{}", v.id)))
        .json(v))
}

/// PUT /api/v1/alerts/{id}
pub async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<AlertDefinition>,
) -> Result<HttpResponse, Problem> {
    let v = save(&state, &req, Some(id.into_inner()), body.0).await?;
    Ok(HttpResponse::Ok().json(v))
}

async fn save(
    state: &AppState,
    req: &HttpRequest,
    id: Option<String>,
    mut def: AlertDefinition,
) -> Result<AlertView, Problem> {
    let ctx = state.ctx_for(req);
    let by = crate::web::gate::principal(req).email();
    let v = web::block(move || -> Result<AlertView, Problem> {
        if let Some(id) = &id {
            let stored = found(store::alert::get(&*ctx.store.app.get()?, id)?, id)?;
            def.recipients = keep_hidden(&def.recipients, &stored.definition.recipients)
                .map_err(|(k, m)| Problem::invalid(&k, m))?;
        }
        let saved = alert::save(&ctx, id.as_deref(), &def, by.as_deref())?;
        Ok(view(&*ctx.store.app.get()?, saved)?)
    })
    .await??;
    state.scheduler_wake.notify_one();
    Ok(v)
}

/// DELETE /api/v1/alerts/{id} → 204
pub async fn delete(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    web::block(move || alert::delete(&ctx, &id)).await??;
    state.scheduler_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

/// POST /api/v1/alerts/{id}/evaluate: evaluates now and notifies as a scheduled evaluation
/// would.
pub async fn evaluate(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx.clone();
    let id = id.into_inner();
    let out = web::block(move || -> Result<alert::Evaluated, Problem> {
        let a = found(store::alert::get(&*ctx.store.app.get()?, &id)?, &id)?;
        if !alert::start(&a.id) {
            return Err(Problem::new(
                actix_web::http::StatusCode::CONFLICT,
                "this alert is being evaluated now; try again in a moment",
            ));
        }
        let result = alert::evaluate(&ctx, &a, None);
        alert::finish(&a.id);
        Ok(result?)
    })
    .await??;
    if out.notified {
        state.runner.outbox.notify_one();
    }
    Ok(HttpResponse::Ok().json(out))
}

/// GET /api/v1/alerts/{id}/history: the latest 100 evaluations with their deliveries.
pub async fn history(
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let store = state.ctx.store.clone();
    let id = id.into_inner();
    let list = web::block(move || -> Result<_, Problem> {
        let conn = store.app.get().map_err(store::StoreError::from)?;
        let a = found(store::alert::get(&conn, &id)?, &id)?;
        Ok(store::alert::history(&conn, &a.id, 100)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(list))
}
