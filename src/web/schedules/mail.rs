//! POST /schedules/test-email: one test message through `[smtp]` to an address, from the
//! /schedules page, saying what the mail server answered or the exact error (as
//! `quire smtp test` does). htmx gets the result alone, a plain form the page with it.

use super::page;
use crate::deliver::email;
use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{gate, AppState};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct TestEmailForm {
    #[serde(default)]
    to: String,
}

/// The result alone, for htmx (`#test-email-result`).
#[derive(Template)]
#[template(path = "schedules.html", block = "mail_result")]
struct ResultPartial {
    mail_result: Option<Result<String, String>>,
}

/// POST /schedules/test-email
pub async fn send(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<TestEmailForm>,
) -> Result<HttpResponse, Problem> {
    let ctx = state.ctx_for(&req);
    let to = form.into_inner().to.trim().to_string();
    let brand = &ctx.config.branding.name;
    // A bad address is refused before anything is sent (422); a refusal or no answer is what
    // the server said (the address was fine).
    let (status, said) = match email::test_message(&ctx.config.smtp, brand, &to) {
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, Err(e.message)),
        Ok(_) => match email::send_test(&ctx.config.smtp, brand, &to).await {
            Ok(said) => (StatusCode::OK, Ok(said)),
            Err(e) => (StatusCode::OK, Err(format!("not sent: {}", e.message))),
        },
    };
    let html = if is_htmx(&req) {
        ResultPartial {
            mail_result: Some(said),
        }
        .render()
        .map_err(Problem::internal)?
    } else {
        let who = gate::principal(&req);
        web::block(move || page(&ctx, &who, Some(said)))
            .await??
            .render()
            .map_err(Problem::internal)?
    };
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(html))
}
