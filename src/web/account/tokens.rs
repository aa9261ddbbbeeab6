//! `/account/tokens`: a user's API tokens: make one (shown once), see when each was last used,
//! revoke. Administrators see and revoke everyone's.

use super::caller;
use crate::auth::{self, Principal};
use crate::model::user::Role;
use crate::store::{self, token::ApiToken};
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The tokens page.
#[derive(Template)]
#[template(path = "tokens.html")]
pub struct TokensPage {
    pub layout: Layout,
    pub tokens: Vec<ApiToken>,
    /// A token just made: shown this once.
    pub new_token: Option<String>,
    pub error: Option<String>,
    /// The roles a new token may have (up to the user's).
    pub roles: Vec<&'static str>,
    pub show_owner: bool,
}

async fn render(
    state: &AppState,
    who: Principal,
    new_token: Option<String>,
    error: Option<String>,
) -> Result<HttpResponse, Problem> {
    let c = caller(&who)?;
    let ctx = state.ctx.clone();
    let status = if error.is_some() {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        actix_web::http::StatusCode::OK
    };
    let page = web::block(move || -> Result<_, Problem> {
        let layout = Layout::new(&ctx, &who)?;
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        let admin = c.role == Role::Admin;
        let tokens = store::token::list(&conn, (!admin).then_some(c.user_id.as_str()))?;
        Ok(TokensPage {
            layout,
            tokens,
            new_token,
            error,
            roles: Role::ALL
                .iter()
                .filter(|r| c.role.allows(**r))
                .map(|r| r.as_str())
                .collect(),
            show_owner: admin,
        })
    })
    .await?
    .map_err(Problem::html)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// GET /account/tokens
pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, Problem> {
    render(&state, gate::principal(&req), None, None).await
}

#[derive(Deserialize)]
pub struct NewToken {
    name: String,
    role: Option<String>,
    expires_in_days: Option<String>,
}

/// POST /account/tokens: makes a token and shows it once.
pub async fn create(
    state: web::Data<AppState>,
    form: web::Form<NewToken>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let c = caller(&who)?;
    let form = form.into_inner();
    let role = match form.role.as_deref().filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => match Role::parse(r) {
            Some(r) => Some(r),
            None => {
                return render(
                    &state,
                    who,
                    None,
                    Some("role: choose viewer, editor or admin".into()),
                )
                .await
            }
        },
    };
    let days = match form
        .expires_in_days
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        None => None,
        Some(d) => match d.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return render(
                    &state,
                    who,
                    None,
                    Some("expires in days: a whole number of days, or empty for never".into()),
                )
                .await
            }
        },
    };
    let (ctx, ip) = (state.ctx_for(&req), gate::client_ip(&req));
    let actor = who.actor();
    let made = web::block(move || -> Result<_, auth::AuthError> {
        let (t, token) = auth::create_token(&ctx, &c.user_id, &form.name, role, c.role, days)?;
        let conn = ctx.store.app.get()?;
        auth::audit::record(
            &conn,
            actor.as_deref(),
            "token.create",
            Some(&t.name),
            ip.as_deref(),
            Some(t.role.as_str()),
        );
        Ok(token)
    })
    .await?;
    match made {
        Ok(token) => render(&state, who, Some(token), None).await,
        Err(auth::AuthError::Invalid { field, message }) => {
            render(&state, who, None, Some(format!("{field}: {message}"))).await
        }
        Err(e) => Err(Problem::from(e).html()),
    }
}

/// POST /account/tokens/{id}/revoke
pub async fn revoke(
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    revoke_token(&state, &who, &id, gate::client_ip(&req))
        .await
        .map_err(Problem::html)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/account/tokens"))
        .finish())
}

/// Revokes a token its owner (or an administrator) names.
pub async fn revoke_token(
    state: &AppState,
    who: &Principal,
    id: &str,
    ip: Option<String>,
) -> Result<(), Problem> {
    let c = caller(who)?;
    let (ctx, id, actor) = (state.ctx.clone(), id.to_string(), who.actor());
    web::block(move || -> Result<(), Problem> {
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        let t = store::token::get(&conn, &id)?
            .filter(|t| c.role == Role::Admin || t.user_id == c.user_id)
            .ok_or_else(|| {
                Problem::not_found(format!(
                    "no token with id `{}`",
                    crate::model::text::truncate(&id, 60)
                ))
            })?;
        store::token::revoke(&conn, &t.id)?;
        auth::audit::record(
            &conn,
            actor.as_deref(),
            "token.revoke",
            Some(&t.name),
            ip.as_deref(),
            Some(&t.email),
        );
        Ok(())
    })
    .await?
}
