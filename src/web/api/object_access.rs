//! `/api/v1/{reports|dashboards}/{id}/access`: one report or dashboard shared with a user or a
//! group (view or edit, an optional expiry), whatever its collection says; whoever it reaches
//! is told by email. Only someone who may change the object manages them (the gate).

use crate::app::collection::sharing::{self, NewShare};
use crate::model::collection::Access;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::json::JsonBody;
use crate::web::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// The kind of object the path names.
fn kind_of(req: &HttpRequest) -> &'static str {
    match req.path().starts_with("/api/v1/dashboards/") {
        true => "dashboard",
        false => "report",
    }
}

/// GET .../{id}/access → its shares.
pub async fn list(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, kind) = (state.ctx_for(&req), kind_of(&req));
    let all = web::block(move || sharing::list(&ctx, kind, &id)).await??;
    Ok(HttpResponse::Ok().json(all))
}

/// The body of POST .../{id}/access.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ShareBody {
    user_id: Option<String>,
    group_id: Option<String>,
    access: Access,
    expires_in_days: Option<u32>,
}

/// POST .../{id}/access → 201 the share; its people are emailed.
pub async fn create(
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: JsonBody<ShareBody>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, kind, by) = (
        state.ctx_for(&req),
        kind_of(&req),
        gate::principal(&req).email(),
    );
    let b = body.0;
    let new = NewShare {
        user_id: b.user_id,
        group_id: b.group_id,
        access: b.access,
        expires_in_days: b.expires_in_days,
    };
    let made = web::block(move || sharing::share(&ctx, kind, &id, new, by.as_deref())).await??;
    let share = made.share.clone();
    tell(&state, made);
    Ok(HttpResponse::Created().json(share))
}

/// Emails the people a share reaches, after the answer: a mail server that is slow or down does
/// not hold the share back (a failure is logged, not retried).
pub fn tell(state: &AppState, made: sharing::Made) {
    let smtp = state.ctx.config.smtp.clone();
    let (tell, subject, body) = (made.tell, made.subject, made.body);
    tokio::spawn(async move {
        for to in tell {
            let sent = match crate::deliver::email::plain(&smtp, &to, &subject, &body) {
                Ok(m) => crate::deliver::email::send(&smtp, m).await,
                Err(e) => Err(e),
            };
            if let Err(e) = sent {
                tracing::warn!(%to, error = %e, "a share's email was not sent");
            }
        }
    });
}

/// DELETE .../{id}/access/{shareId} → 204.
pub async fn revoke(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, kind, (id, share)) = (state.ctx_for(&req), kind_of(&req), path.into_inner());
    web::block(move || sharing::revoke(&ctx, kind, &id, &share)).await??;
    Ok(HttpResponse::NoContent().finish())
}
