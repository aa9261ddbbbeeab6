//! Security headers on every response. The pages load scripts and styles from `/static` only
//! (no inline script, no CDN); inline styles stay allowed (htmx's indicator style, SVG charts).
//! Framing is denied, except for `/embed/*`, which the sites of `[server] embed_origins` may
//! frame. What a signed-in caller gets, and every API answer, is `Cache-Control: no-store`: no
//! shared or back-button cache keeps another person's data (assets keep their long cache, share
//! links are public).

use crate::auth::Principal;
use crate::web::AppState;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage};

/// The Content-Security-Policy of every response but embeds (`frame-ancestors` added).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'";

/// Middleware: sets the headers a handler did not set itself.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let embed = req.path().starts_with("/embed/");
    let ancestors = match (embed, req.app_data::<web::Data<AppState>>()) {
        (true, Some(state)) if !state.ctx.config.server.embed_origins.is_empty() => {
            state.ctx.config.server.embed_origins.join(" ")
        }
        _ => "'none'".to_string(),
    };
    let path = req.path();
    let public = ["/static/", "/s/", "/embed/"]
        .iter()
        .any(|p| path.starts_with(p));
    let api = path.starts_with("/api/");
    let mut res = next.call(req).await?;
    // The gate leaves who asked on the request.
    let signed_in = res
        .request()
        .extensions()
        .get::<Principal>()
        .is_some_and(|p| p.caller().is_some());
    let private = !public && (api || signed_in);
    let h = res.headers_mut();
    let mut set = |name: &'static str, value: String| {
        let name = HeaderName::from_static(name);
        if !h.contains_key(&name) {
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(name, v);
            }
        }
    };
    set(
        "content-security-policy",
        format!("{CSP}; frame-ancestors {ancestors}"),
    );
    set("x-content-type-options", "nosniff".into());
    if !embed {
        set("x-frame-options", "DENY".into());
    }
    set("referrer-policy", "same-origin".into());
    if private {
        set("cache-control", "no-store".into());
    }
    set("cross-origin-opener-policy", "same-origin".into());
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()".into(),
    );
    Ok(res)
}
