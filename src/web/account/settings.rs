//! `/account/settings`: a user's own settings. For now the time zone pages show times in: one
//! chosen from the IANA list, or the browser's (the default: the page script's `tz` cookie),
//! else the server's.

use super::caller;
use crate::auth::{audit, Principal};
use crate::model::text::truncate;
use crate::model::time::{zone_named, ZoneFrom};
use crate::store;
use crate::web::error::Problem;
use crate::web::gate;
use crate::web::{AppState, Layout};
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

/// The settings page.
#[derive(Template)]
#[template(path = "account_settings.html")]
pub struct SettingsPage {
    pub layout: Layout,
    /// The zone chosen in the form (empty: the browser's).
    pub time_zone: String,
    pub zones: Vec<&'static str>,
    /// What is wrong with the posted zone, shown next to it.
    pub error: Option<String>,
    pub saved: bool,
    /// Where the zone times are shown in now comes from, and now in it.
    pub source: &'static str,
    /// The browser's zone, when it said it (and the user has not chosen one).
    pub browser: Option<&'static str>,
    pub now: String,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    time_zone: String,
}

fn page(
    who: &Principal,
    layout: Layout,
    time_zone: String,
    error: Option<String>,
    saved: bool,
) -> SettingsPage {
    let zone = who.zone();
    SettingsPage {
        source: match zone.from {
            ZoneFrom::Setting => "your setting",
            ZoneFrom::Browser => "your browser's zone",
            ZoneFrom::Server => "the server's zone (your browser has not said its own)",
        },
        now: zone.show(Utc::now()),
        browser: (zone.from == ZoneFrom::Browser).then(|| zone.name()),
        layout,
        time_zone,
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        error,
        saved,
    }
}

fn html(status: StatusCode, page: SettingsPage) -> Result<HttpResponse, Problem> {
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(|e| Problem::internal(e).html())?))
}

/// GET /account/settings
pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<SavedQuery>,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let ctx = state.ctx_for(&req);
    let saved = q.saved.is_some();
    let page = web::block(move || -> Result<_, Problem> {
        let c = caller(&who)?;
        let layout = Layout::new(&ctx, &who)?;
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        let chosen = store::user::time_zone(&conn, &c.user_id)?.unwrap_or_default();
        Ok(page(&who, layout, chosen, None, saved))
    })
    .await?
    .map_err(Problem::html)?;
    html(StatusCode::OK, page)
}

/// POST /account/settings: 303 back with `?saved`, or the form again (422) naming the field.
pub async fn save(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<SettingsForm>,
) -> Result<HttpResponse, Problem> {
    let who = gate::principal(&req);
    let ctx = state.ctx_for(&req);
    let wanted = form.into_inner().time_zone.trim().to_string();
    let ip = gate::client_ip(&req);
    let refused = web::block(move || -> Result<_, Problem> {
        let c = caller(&who)?;
        let zone = match wanted.as_str() {
            "" => None,
            name => match zone_named(name) {
                Some(tz) => Some(tz.name()),
                None => {
                    let error = format!(
                        "time zone: `{}` is not a time zone; choose one from the list \
                         (an IANA name such as Europe/Berlin), or your browser's",
                        truncate(name, 80)
                    );
                    let layout = Layout::new(&ctx, &who)?;
                    return Ok(Some(page(&who, layout, wanted, Some(error), false)));
                }
            },
        };
        let conn = ctx.store.app.get().map_err(Problem::from)?;
        store::user::set_time_zone(&conn, &c.user_id, zone)?;
        let detail = zone.unwrap_or("the browser's");
        audit::record(
            &conn,
            Some(&c.email),
            "settings.time_zone",
            None,
            ip.as_deref(),
            Some(detail),
        );
        Ok(None)
    })
    .await?
    .map_err(Problem::html)?;
    match refused {
        Some(page) => html(StatusCode::UNPROCESSABLE_ENTITY, page),
        None => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/account/settings?saved=1"))
            .finish()),
    }
}
