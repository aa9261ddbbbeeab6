//! "View as": an admin looks at every page as another user would (their role, the rows their
//! row policies allow, the collections they may see), read-only, until they stop. A cookie
//! names the user; the gate honours it only for an admin's own session (`auth::view_as`).

use crate::web::error::Problem;
use crate::web::gate::{self, VIEW_AS_COOKIE};
use crate::web::AppState;
use actix_web::cookie::{time::Duration, Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct StartForm {
    user: String,
}

fn cookie(value: String, max_age: Duration) -> Cookie<'static> {
    Cookie::build(VIEW_AS_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(max_age)
        .finish()
}

/// POST /admin/view-as `user`: pages are shown as that user would see them (an hour at most).
pub async fn start(
    state: web::Data<AppState>,
    form: web::Form<StartForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let (ctx, user) = (state.ctx.clone(), form.into_inner().user);
    let (actor, ip) = (gate::principal(&req).actor(), gate::client_ip(&req));
    let id = user.clone();
    let found = web::block(move || -> Result<_, crate::store::StoreError> {
        let conn = ctx.store.app.get()?;
        let u = crate::store::user::get(&conn, &id)?.filter(|u| !u.disabled);
        if let Some(u) = &u {
            crate::auth::audit::record(
                &conn,
                actor.as_deref(),
                "view_as.start",
                Some(&u.email),
                ip.as_deref(),
                None,
            );
        }
        Ok(u)
    })
    .await?
    .map_err(Problem::from)?;
    if found.is_none() {
        return Err(Problem::invalid("user", "no active user with that id").html());
    }
    Ok(HttpResponse::SeeOther()
        .cookie(cookie(user, Duration::hours(1)))
        .insert_header(("Location", "/"))
        .finish())
}

/// POST /view-as/stop: back to the admin's own eyes, on the home page (anyone may post it: it
/// only clears the cookie).
pub async fn stop() -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(cookie(String::new(), Duration::ZERO))
        .insert_header(("Location", "/"))
        .finish()
}
