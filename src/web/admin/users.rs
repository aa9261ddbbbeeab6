//! `/admin/users`: every user with role, status and last login; invite by email (a one-time
//! link, shown once), change a role, disable or enable, and make a password-reset link.

use crate::auth::{self, users, AuthError};
use crate::model::user::Role;
use crate::store::{self, user::User};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The users page.
#[derive(Template)]
#[template(path = "admin_users.html")]
pub struct UsersPage {
    pub layout: Layout,
    pub users: Vec<User>,
    /// A link just made (invite or reset), for whom: shown once.
    pub link: Option<(String, String)>,
    pub error: Option<String>,
    pub roles: &'static [Role],
}

async fn render(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    link: Option<(String, String)>,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let (ctx, who) = (state.ctx_for(req), gate::principal(req));
    let page = web::block(move || -> Result<_, Problem> {
        let layout = Layout::new(&ctx, &who)?;
        Ok(UsersPage {
            layout,
            users: store::user::list(&*ctx.store.app.get()?)?,
            link,
            error,
            roles: Role::ALL,
        })
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// GET /admin/users
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    render(&state, &req, StatusCode::OK, None, None).await
}

#[derive(Deserialize)]
pub struct Invite {
    email: String,
    role: String,
}

/// What became of a change, for the page.
async fn outcome(
    state: &AppState,
    req: &HttpRequest,
    done: Result<Option<(String, String)>, AuthError>,
) -> Result<HttpResponse, Problem> {
    match done {
        Ok(link) => render(state, req, StatusCode::OK, link, None).await,
        Err(e @ (AuthError::Invalid { .. } | AuthError::Conflict(_) | AuthError::NotFound(_))) => {
            let status = match e {
                AuthError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                AuthError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::CONFLICT,
            };
            render(state, req, status, None, Some(e.to_string())).await
        }
        Err(e) => Err(Problem::from(e).html()),
    }
}

/// POST /admin/users: invites a user (no password yet) and shows their one-time link.
pub async fn invite(
    state: web::Data<AppState>,
    form: web::Form<Invite>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let (ctx, who, ip) = (
        state.ctx_for(&req),
        gate::principal(&req),
        gate::client_ip(&req),
    );
    let done = web::block(move || -> Result<_, AuthError> {
        let role = Role::parse(&form.role)
            .ok_or_else(|| auth::invalid("role", "choose viewer, editor or admin"))?;
        let conn = ctx.store.app.get()?;
        let user = users::add(
            &conn,
            &form.email,
            role,
            None,
            who.actor().as_deref(),
            ip.as_deref(),
        )?;
        let link = users::one_time_link(&ctx, &conn, &user, "invite")?;
        Ok(Some((user.email, link)))
    })
    .await?;
    outcome(&state, &req, done).await
}

#[derive(Deserialize)]
pub struct Change {
    /// `role`, `disable`, `enable` or `reset`.
    action: String,
    role: Option<String>,
}

/// POST /admin/users/{id}: one change to one user.
pub async fn update(
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<Change>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let (ctx, who, ip, id) = (
        state.ctx_for(&req),
        gate::principal(&req),
        gate::client_ip(&req),
        id.into_inner(),
    );
    let done = web::block(move || -> Result<_, AuthError> {
        let conn = ctx.store.app.get()?;
        let actor = who.actor();
        let (actor, ip) = (actor.as_deref(), ip.as_deref());
        match form.action.as_str() {
            "role" => {
                let role = form
                    .role
                    .as_deref()
                    .and_then(Role::parse)
                    .ok_or_else(|| auth::invalid("role", "choose viewer, editor or admin"))?;
                users::set_role(&conn, &id, role, actor, ip)?;
                Ok(None)
            }
            "disable" | "enable" => {
                users::set_disabled(&conn, &id, form.action == "disable", actor, ip)?;
                Ok(None)
            }
            "reset" => {
                let user = users::find(&conn, &id)?;
                let link = users::one_time_link(&ctx, &conn, &user, "reset")?;
                auth::audit::record(&conn, actor, "user.reset_link", Some(&user.email), ip, None);
                Ok(Some((user.email, link)))
            }
            _ => Err(auth::invalid(
                "action",
                "one of role, disable, enable, reset",
            )),
        }
    })
    .await?;
    outcome(&state, &req, done).await
}
