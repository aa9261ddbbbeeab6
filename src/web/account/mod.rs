//! Signing in and out: `/login`, `/logout`, the one-time `/setup` of the first administrator,
//! and `/welcome` (an invite or password-reset link). Each sets or clears the session cookie.

pub mod oidc;
pub mod settings;
pub mod tokens;

use crate::auth::{self, AuthError, NewSession, Principal};
use crate::web::error::Problem;
use crate::web::gate::{self, SESSION_COOKIE};
use crate::web::{AppState, Layout};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// The signed-in caller of an account page.
pub(super) fn caller(who: &Principal) -> Result<auth::Caller, Problem> {
    who.caller()
        .cloned()
        .ok_or_else(|| Problem::unauthorized("sign in first").html())
}

/// `/login`
#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub layout: Layout,
    pub next: String,
    pub email: String,
    pub error: Option<String>,
    /// "Sign in with <provider>" when `[auth.oidc]` is set.
    pub provider: Option<String>,
    /// Whether the email and password form is shown.
    pub password_login: bool,
}

/// `/setup` and `/welcome`: choose a password (and, for setup, the administrator's email).
#[derive(Template)]
#[template(path = "set_password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    /// `setup` or `welcome`.
    pub action: &'static str,
    pub token: String,
    /// Asked for on setup; shown (fixed) on welcome.
    pub email: String,
    pub ask_email: bool,
    pub error: Option<String>,
}

/// A page that only says something (a closed setup, a used link).
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub layout: Layout,
    pub title: String,
    pub message: String,
}

fn html(status: StatusCode, page: impl Template) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// Only a path on this site: never a way to send the user elsewhere after login.
fn local(next: Option<&str>) -> String {
    next.and_then(crate::web::local_path)
        .unwrap_or_else(|| "/".into())
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure when Quire is reached over https.
pub fn session_cookie(
    state: &AppState,
    value: &str,
    max_age_hours: Option<u64>,
) -> Cookie<'static> {
    let https = state.ctx.config.server.public_url().starts_with("https://");
    let mut c = Cookie::build(SESSION_COOKIE, value.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .finish();
    match max_age_hours {
        Some(h) => c.set_max_age(actix_web::cookie::time::Duration::hours(h as i64)),
        None => c.make_removal(),
    }
    c
}

/// 303 to `to` with a new session cookie.
fn signed_in(state: &AppState, session: &NewSession, to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .cookie(session_cookie(
            state,
            &session.id,
            Some(state.ctx.config.auth.session_max_hours),
        ))
        .insert_header((header::LOCATION, to.to_string()))
        .finish()
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub async fn login_page(
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let next = local(q.next.as_deref());
    if who.caller().is_some() {
        return Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, next))
            .finish());
    }
    html(StatusCode::OK, LoginPage::new(&state, &who, next, None))
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
    next: Option<String>,
}

/// POST /login: 303 to `next` with a session, or the form again saying why not (401, 429).
pub async fn login_form(
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let ip = gate::client_ip(&req);
    let next = local(form.next.as_deref());
    if !state.ctx.config.auth.password_login() {
        return html(
            StatusCode::FORBIDDEN,
            LoginPage::new(
                &state,
                &Principal::Anonymous,
                next,
                Some(auth::PASSWORD_OFF.into()),
            ),
        );
    }
    let st = state.clone();
    let (email, password) = (form.email.clone(), form.password);
    let result =
        web::block(move || auth::login(&st.ctx, &st.limiter, &email, &password, ip.as_deref()))
            .await?;
    match result {
        Ok(session) => Ok(signed_in(&state, &session, &next)),
        Err(e @ (AuthError::BadCredentials | AuthError::RateLimited(_))) => {
            let status = match e {
                AuthError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
                _ => StatusCode::UNAUTHORIZED,
            };
            let mut res = html(
                status,
                LoginPage {
                    email: crate::model::text::truncate(form.email.trim(), 254),
                    ..LoginPage::new(&state, &Principal::Anonymous, next, Some(e.to_string()))
                },
            )?;
            if let AuthError::RateLimited(wait) = e {
                res.headers_mut().insert(
                    header::RETRY_AFTER,
                    header::HeaderValue::from(wait.as_secs().max(1)),
                );
            }
            Ok(res)
        }
        Err(e) => Err(Problem::from(e).html()),
    }
}

/// POST /logout: the session ends server-side; the cookie is cleared.
pub async fn logout_form(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    end_session(&state, &req).await?;
    Ok(HttpResponse::SeeOther()
        .cookie(session_cookie(&state, "", None))
        .insert_header((header::LOCATION, "/login"))
        .finish())
}

/// Ends the request's session, if it has one.
pub async fn end_session(state: &AppState, req: &HttpRequest) -> Result<(), Problem> {
    if let Some(c) = req.cookie(SESSION_COOKIE) {
        let (ctx, value, ip) = (
            state.ctx_for(req),
            c.value().to_string(),
            gate::client_ip(req),
        );
        web::block(move || auth::logout(&ctx, &value, ip.as_deref())).await??;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn closed(state: &AppState, title: &str, message: &str) -> Result<HttpResponse, Problem> {
    html(
        StatusCode::FORBIDDEN,
        NoticePage {
            layout: Layout::bare(&state.ctx, &Principal::Anonymous),
            title: title.into(),
            message: message.into(),
        },
    )
}

/// GET /setup?token=: the first administrator's form, while no user exists (however one was
/// added) and only with the token the server logged at start.
pub async fn setup_page(
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, Problem> {
    let token = q.token.clone().unwrap_or_default();
    let st = state.clone();
    let live = web::block(move || st.setup.live_token(&st.ctx))
        .await?
        .map_err(|e| Problem::from(e).html())?;
    match live {
        Some(t) if auth::constant_time_eq(t.as_bytes(), token.as_bytes()) => html(
            StatusCode::OK,
            PasswordPage {
                layout: Layout::bare(&state.ctx, &Principal::Anonymous),
                action: "setup",
                token,
                email: String::new(),
                ask_email: true,
                error: None,
            },
        ),
        Some(_) => closed(
            &state,
            "Setup link not valid",
            "Use the link the server printed when it started (`/setup?token=…`).",
        ),
        None => closed(
            &state,
            "Setup is done",
            "An administrator exists. Sign in, or ask an administrator for an account.",
        ),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    token: String,
    email: Option<String>,
    password: String,
}

/// POST /setup: makes the first administrator, signs them in, and closes setup for good.
pub async fn setup_form(
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let ip = gate::client_ip(&req);
    let st = state.clone();
    let (token, email, password) = (
        form.token.clone(),
        form.email.clone().unwrap_or_default(),
        form.password,
    );
    let result = web::block(move || {
        st.setup
            .complete(&st.ctx, &token, &email, &password, ip.as_deref())
    })
    .await?;
    match result {
        Ok(session) => {
            tracing::info!(email = %session.user.email, "setup done: the first administrator exists");
            Ok(signed_in(&state, &session, "/"))
        }
        Err(AuthError::Invalid { field, message }) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            PasswordPage {
                layout: Layout::bare(&state.ctx, &Principal::Anonymous),
                action: "setup",
                token: form.token,
                email: crate::model::text::truncate(
                    form.email.as_deref().unwrap_or("").trim(),
                    254,
                ),
                ask_email: true,
                error: Some(format!("{field}: {message}")),
            },
        ),
        Err(AuthError::Forbidden(m)) => closed(&state, "Setup is closed", &m),
        Err(e) => Err(Problem::from(e).html()),
    }
}

/// GET /welcome?token=: set a password through an invite or reset link.
pub async fn welcome_page(
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, Problem> {
    let token = q.token.clone().unwrap_or_default();
    let (ctx, t) = (state.ctx.clone(), token.clone());
    let user = web::block(move || -> Result<_, AuthError> {
        let conn = ctx.store.app.get()?;
        auth::users::link_user(&ctx, &conn, &t)
    })
    .await??;
    match user.filter(|u| !u.disabled) {
        Some(u) => html(
            StatusCode::OK,
            PasswordPage {
                layout: Layout::bare(&state.ctx, &Principal::Anonymous),
                action: "welcome",
                token,
                email: u.email,
                ask_email: false,
                error: None,
            },
        ),
        None => closed(
            &state,
            "This link does not work any more",
            "It was used already or has expired: ask an administrator for a new one.",
        ),
    }
}

/// POST /welcome: sets the password, uses up the link, signs in.
pub async fn welcome_form(
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    let form = form.into_inner();
    let ip = gate::client_ip(&req);
    let st = state.clone();
    let (token, password) = (form.token.clone(), form.password);
    let result =
        web::block(move || auth::users::use_link(&st.ctx, &token, &password, ip.as_deref()))
            .await?;
    match result {
        Ok(session) => Ok(signed_in(&state, &session, "/")),
        Err(AuthError::Invalid { field, message }) => html(
            StatusCode::UNPROCESSABLE_ENTITY,
            PasswordPage {
                layout: Layout::bare(&state.ctx, &Principal::Anonymous),
                action: "welcome",
                token: form.token,
                email: String::new(),
                ask_email: false,
                error: Some(format!("{field}: {message}")),
            },
        ),
        Err(AuthError::Forbidden(m)) => closed(&state, "This link does not work any more", &m),
        Err(e) => Err(Problem::from(e).html()),
    }
}
