//! The one gate every request passes: it finds who is asking (a bearer token or a session
//! cookie), the policy of the route asked for (`web::ROUTES`, deny by default), checks CSRF on
//! unsafe requests made with a cookie, and lets the request through, or answers 401 (a
//! redirect to `/login` for pages), 403 or 429. Handlers read the `Principal` it leaves.

use super::error::Problem;
use super::htmx::is_htmx;
use super::{AppState, Route, ROUTES};
use crate::auth::{self, Caller, Principal, Via};
use crate::model::collection::Access;
use crate::model::time::{zone_named, ViewZone, ZoneFrom};
use crate::model::user::Role;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpRequest, HttpResponse};
use futures_util::StreamExt;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, signed in or not (login, setup, health, assets, signed links).
    Public,
    /// Signed in with at least this role.
    Role(Role),
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "quire_session";
/// The cookie of an admin viewing pages as another user (their id); see `auth::view_as`.
pub const VIEW_AS_COOKIE: &str = "quire_view_as";
/// The one change an admin viewing as someone else may make: stopping.
pub const VIEW_AS_STOP: &str = "/view-as/stop";
/// The form field that carries the CSRF token in plain HTML forms (taken out before handlers).
pub const CSRF_FIELD: &str = "_csrf";
/// Largest form body the gate reads to find the CSRF field.
const MAX_FORM: usize = 256 << 10;

/// The route table entry for a request, if any (HEAD is GET).
pub fn route_for(method: &Method, path: &str) -> Option<&'static Route> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    // The patterns are parsed once, in the table's order.
    static PATTERNS: std::sync::OnceLock<Vec<actix_web::dev::ResourceDef>> =
        std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(|| {
        ROUTES
            .iter()
            .map(|r| actix_web::dev::ResourceDef::new(r.path))
            .collect()
    });
    ROUTES
        .iter()
        .zip(patterns)
        .find(|(r, p)| r.method == method && p.is_match(path))
        .map(|(r, _)| r)
}

/// Middleware: see the module doc.
pub async fn gate(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .expect("AppState is registered");
    let policy = route_for(req.method(), req.path()).map(|r| r.policy);
    // `/metrics` answers scrapers by its own token when one is set, and no one else.
    if req.path() == "/metrics" {
        if let Some(expected) = &state.ctx.config.server.metrics_token {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .unwrap_or("");
            if !auth::constant_time_eq(given.trim().as_bytes(), expected.expose().as_bytes()) {
                let p = Problem::unauthorized(
                    "/metrics: send `Authorization: Bearer <[server] metrics_token>`",
                );
                return Ok(req.error_response(p).map_into_boxed_body());
            }
            req.extensions_mut().insert(Principal::Anonymous);
            return Ok(next.call(req).await?.map_into_boxed_body());
        }
    }
    let principal = match identify(&state, req.request()).await {
        Ok(p) => with_zone(p, req.request()),
        Err(p) => return Ok(req.error_response(p).map_into_boxed_body()),
    };
    // Known before any refusal, so an error page can show who is signed in (web/frame.rs).
    req.extensions_mut().insert(principal.clone());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let by_token = matches!(
        principal.caller(),
        Some(Caller {
            via: Via::Token { .. },
            ..
        })
    );
    // A request from another site is refused whoever it is for (a login included): browsers
    // say where a request comes from, and only our own pages may post to us.
    if unsafe_method && !by_token {
        if let Err(p) = same_origin(&state, req.request()) {
            return Ok(req.error_response(p).map_into_boxed_body());
        }
    }
    // A public route (login, setup, an invite link) acts on no one's session: the origin check
    // above covers it, and a form there carries no token even when a session cookie is sent.
    if let Some(Caller {
        via: Via::Session { csrf },
        ..
    }) = principal.caller()
    {
        if unsafe_method && policy != Some(Policy::Public) {
            if let Err(p) = check_csrf(&mut req, csrf).await {
                return Ok(req.error_response(p).map_into_boxed_body());
            }
        }
    }
    let needed = match policy {
        Some(Policy::Public) => None,
        Some(Policy::Role(r)) => Some(r),
        // Not a route: signed-in callers get the 404; others learn nothing about what exists.
        None => principal.role().is_none().then_some(Role::Viewer),
    };
    if let Some(needed) = needed {
        match principal.role() {
            None => return Ok(unauthenticated(req).map_into_boxed_body()),
            Some(role) if !role.allows(needed) => {
                let p = Problem::new(
                    StatusCode::FORBIDDEN,
                    format!("this needs the {needed} role; you are signed in as {role}"),
                );
                return Ok(req.error_response(p).map_into_boxed_body());
            }
            Some(_) => {}
        }
    }
    if principal.caller().is_some_and(|c| c.viewing_as.is_some())
        && unsafe_method
        && ![VIEW_AS_STOP, "/logout", "/api/v1/auth/logout"].contains(&req.path())
    {
        let p = Problem::new(
            StatusCode::FORBIDDEN,
            "you are viewing pages as someone else, which changes nothing: stop viewing as them first",
        );
        return Ok(req.error_response(p).map_into_boxed_body());
    }
    if let (Some(route), Some(caller)) = (route_for(req.method(), req.path()), principal.caller()) {
        if let Some(p) = kept_out(&state, route, req.path(), caller).await {
            return Ok(req.error_response(p).map_into_boxed_body());
        }
    }
    let audited = unsafe_method && policy.is_some() && !explicitly_audited(req.path());
    let actor = principal.actor();
    let res = next.call(req).await?;
    if audited && (res.status().is_success() || res.status().is_redirection()) {
        audit_change(&state, &res, actor);
    }
    Ok(res.map_into_boxed_body())
}

/// The report or dashboard a route names by its `{id}`, and its kind's word.
fn named_object(route: &str, path: &str) -> Option<(&'static str, String)> {
    const OWNERS: [(&str, &str); 4] = [
        ("/api/v1/reports/{id}", "report"),
        ("/reports/{id}", "report"),
        ("/api/v1/dashboards/{id}", "dashboard"),
        ("/dashboards/{id}", "dashboard"),
    ];
    let (prefix, kind) = OWNERS
        .iter()
        .find(|(p, _)| route == *p || route.starts_with(&format!("{p}/")))?;
    let at = prefix.split('/').count() - 1;
    let segment = path.split('/').nth(at)?;
    let id = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    Some((kind, id.into_owned()))
}

/// The alert a route names by its `{id}`.
fn named_alert(route: &str, path: &str) -> Option<String> {
    ["/api/v1/alerts/{id}", "/alerts/{id}"]
        .iter()
        .find(|p| route == **p || route.starts_with(&format!("{p}/")))?;
    let at = if route.starts_with("/api/") { 4 } else { 2 };
    let segment = path.split('/').nth(at)?;
    Some(
        percent_encoding::percent_decode_str(segment)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

/// An alert tells the values its saver may see: a caller from whom rows are hidden finds only
/// the alerts they saved (others are 404).
async fn alert_kept_out(state: &AppState, caller: &Caller, id: String) -> Option<Problem> {
    if !caller.sight.is_limited(&state.ctx.store.policed.now()) {
        return None;
    }
    let ctx = state.ctx.clone();
    let key = id.clone();
    let saver =
        web::block(move || crate::store::access::alert_saver(&*ctx.store.app.get()?, &key)).await;
    match saver {
        Ok(Ok(by)) if by.as_deref() == Some(caller.email.as_str()) => None,
        Ok(Ok(_)) => Some(Problem::not_found(format!(
            "no alert with id `{}`",
            crate::model::text::truncate(&id, 80)
        ))),
        _ => None,
    }
}

/// Keeps a caller out of a report or dashboard whose collection they may not see (404, as if
/// it did not exist) or, for a route that changes it (an editor's), may not edit (403).
async fn kept_out(state: &AppState, route: &Route, path: &str, caller: &Caller) -> Option<Problem> {
    if caller.grants.all {
        return None;
    }
    if let Some(id) = named_alert(route.path, path) {
        return alert_kept_out(state, caller, id).await;
    }
    let (kind, id) = named_object(route.path, path)?;
    let ctx = state.ctx.clone();
    let key = id.clone();
    let found = web::block(
        move || -> Result<Option<(String, String, Option<String>)>, crate::store::StoreError> {
            let conn = ctx.store.app.get()?;
            Ok(match kind {
                "report" => crate::store::report::find(&conn, &key)?
                    .map(|r| (r.id, r.definition.name, r.definition.collection_id)),
                _ => crate::store::dashboard::find(&conn, &key)?
                    .map(|d| (d.id, d.definition.name, d.definition.collection_id)),
            })
        },
    )
    .await;
    let (stored_id, name, collection) = match found {
        Ok(Ok(Some(found))) => found,
        // Not there: the handler says so. A store that fails: it will fail there too.
        _ => return None,
    };
    let access = caller
        .grants
        .access_to(kind, &stored_id, collection.as_deref());
    if access == Access::None {
        let what = match kind {
            "report" => format!(
                "no report with id or name `{}`",
                crate::model::text::truncate(&id, 80)
            ),
            _ => format!(
                "no dashboard with id `{}`",
                crate::model::text::truncate(&id, 80)
            ),
        };
        return Some(Problem::not_found(what));
    }
    let changes = matches!(route.policy, Policy::Role(r) if r.allows(Role::Editor));
    if changes && access != Access::Edit {
        return Some(Problem::new(
            StatusCode::FORBIDDEN,
            format!(
                "you may view the {kind} `{}` but not change it",
                crate::model::text::truncate(&name, 60)
            ),
        ));
    }
    None
}

/// Routes whose handlers write their own, more telling audit events (logins, accounts, tokens),
/// or that change nothing though they are posted (the schedule form shown again with a row
/// added or removed, a builder preview, a query checked): the log records changes, not reads.
fn explicitly_audited(path: &str) -> bool {
    [
        "/schedules/form",
        "/builder/preview",
        "/api/v1/builder/preview",
        "/api/v1/validate-query",
        "/login",
        "/logout",
        "/setup",
        "/welcome",
        "/account/",
        "/admin/",
        "/api/v1/auth/",
        "/api/v1/users",
        "/api/v1/tokens",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// Every change made through a route is audited: who, the route (`PUT /api/v1/reports/{id}`),
/// its target (the last path parameter), when and from where.
fn audit_change<B>(state: &AppState, res: &ServiceResponse<B>, actor: Option<String>) {
    let req = res.request();
    let Some(route) = route_for(req.method(), req.path()) else {
        return;
    };
    let action = format!("{} {}", route.method, route.path);
    let target = req.match_info().iter().last().map(|(_, v)| v.to_string());
    let ip = client_ip(req);
    let ctx = state.ctx.clone();
    // Off the response's path: the change is done; its record follows.
    tokio::task::spawn_blocking(move || match ctx.store.app.get() {
        Ok(conn) => auth::audit::record(
            &conn,
            actor.as_deref(),
            &action,
            target.as_deref(),
            ip.as_deref(),
            None,
        ),
        Err(e) => tracing::error!(error = %e, %action, "audit event not recorded"),
    });
}

/// The principal of a request: a bearer token if there is an `Authorization` header (a bad one
/// is a 401, not an anonymous request), else the session cookie (a stale one is anonymous).
async fn identify(state: &AppState, req: &HttpRequest) -> Result<Principal, Problem> {
    let ctx = state.ctx_for(req);
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
            .ok_or_else(|| Problem::unauthorized("Authorization: use `Bearer <API token>`"))?;
        let caller = web::block(move || auth::token_caller(&ctx, &token))
            .await?
            .map_err(Problem::from)?;
        return caller.map(Principal::User).ok_or_else(|| {
            Problem::unauthorized("this API token is not valid, expired or revoked")
        });
    }
    let Some(cookie) = req.cookie(SESSION_COOKIE) else {
        return Ok(Principal::Anonymous);
    };
    let value = cookie.value().to_string();
    let target = req.cookie(VIEW_AS_COOKIE).map(|c| c.value().to_string());
    let caller = web::block(move || -> Result<_, crate::store::StoreError> {
        let caller = auth::session_caller(&ctx, &value)?;
        // An admin viewing pages as someone else: that person's eyes, their own session.
        Ok(match (caller, target) {
            (Some(admin), Some(t)) => Some(auth::view_as(&ctx, &admin, &t)?.unwrap_or(admin)),
            (caller, _) => caller,
        })
    })
    .await?
    .map_err(Problem::from)?;
    Ok(caller.map_or(Principal::Anonymous, Principal::User))
}

/// Refuses a request another site's page made: a foreign `Origin`, or `Sec-Fetch-Site:
/// cross-site` (browsers send one or both with every unsafe request).
fn same_origin(state: &AppState, req: &HttpRequest) -> Result<(), Problem> {
    let foreign = || {
        Problem::new(
            StatusCode::FORBIDDEN,
            "this request comes from another site; it is refused",
        )
    };
    if req
        .headers()
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(foreign());
    }
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    else {
        return Ok(());
    };
    // The whole origin counts, scheme and port too: `https://host` is another site than
    // `http://host`, and so is another port on the same host.
    let sent = origin_of(origin).ok_or_else(foreign)?;
    let info = req.connection_info();
    let this = origin_of(&format!("{}://{}", info.scheme(), info.host()));
    if Some(&sent) == origin_of(&state.ctx.config.server.public_url()).as_ref()
        || Some(&sent) == this.as_ref()
    {
        Ok(())
    } else {
        Err(foreign())
    }
}

/// `scheme://host[:port]` of a URL (an http(s) one only, the port left out when it is the
/// scheme's own), lowercased.
fn origin_of(url: &str) -> Option<String> {
    let u = reqwest::Url::parse(url).ok()?;
    let origin = u.origin();
    (matches!(u.scheme(), "http" | "https") && origin.is_tuple())
        .then(|| origin.ascii_serialization().to_ascii_lowercase())
}

/// Checks the CSRF token of an unsafe request made with a session cookie: the `X-CSRF-Token`
/// header (htmx and scripts), the `_csrf` field of a form body, which is taken out so
/// handlers never see it, or for a multipart upload `?_csrf=` in the address.
async fn check_csrf(req: &mut ServiceRequest, expected: &str) -> Result<(), Problem> {
    let refused = || {
        Problem::new(
            StatusCode::FORBIDDEN,
            "missing or wrong CSRF token: reload the page and try again",
        )
    };
    if let Some(h) = req.headers().get("x-csrf-token") {
        return match h.to_str() {
            Ok(t) if auth::constant_time_eq(t.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(refused()),
        };
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or_default();
    // An upload form posted without JavaScript (multipart, whose body is the handler's to
    // stream) carries its token in the address; the referrer policy keeps it on this site.
    if content_type.starts_with("multipart/form-data") {
        let token = form_urlencoded(req.query_string().as_bytes())
            .into_iter()
            .find(|(k, _)| k == CSRF_FIELD)
            .map(|(_, v)| v);
        return match token {
            Some(t) if auth::constant_time_eq(t.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(refused()),
        };
    }
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    if !is_form {
        return Err(refused());
    }
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| Problem::bad_request("the form could not be read"))?;
        if body.len() + chunk.len() > MAX_FORM {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the form is larger than {} KB", MAX_FORM / 1024),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let mut token = None;
    let mut rest = Vec::new();
    for (k, v) in form_urlencoded(&body) {
        if k == CSRF_FIELD {
            token = Some(v);
        } else {
            rest.push((k, v));
        }
    }
    let ok = token.is_some_and(|t| auth::constant_time_eq(t.as_bytes(), expected.as_bytes()));
    if !ok {
        return Err(refused());
    }
    let cleaned = serde_urlencoded::to_string(&rest).map_err(Problem::internal)?;
    req.set_payload(Payload::from(web::Bytes::from(cleaned)));
    Ok(())
}

fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}

/// 401: problem+json for the API and scripts; pages are sent to the login form, which brings
/// the user back after signing in.
fn unauthenticated(req: ServiceRequest) -> ServiceResponse {
    let api = req.path().starts_with("/api/");
    let htmx = is_htmx(&req);
    if api || req.method() != Method::GET {
        let p = Problem::unauthorized(
            "sign in first: a session cookie or `Authorization: Bearer <API token>`",
        );
        return req.error_response(p);
    }
    let next = match req.query_string() {
        "" => req.path().to_string(),
        q => format!("{}?{q}", req.path()),
    };
    let to = format!("/login?next={}", super::urlencode(&next));
    let res = if htmx {
        HttpResponse::Unauthorized()
            .insert_header(("HX-Redirect", to))
            .finish()
    } else {
        HttpResponse::SeeOther()
            .insert_header((header::LOCATION, to))
            .finish()
    };
    req.into_response(res)
}

/// The cookie the page script sets to the browser's zone (`Intl…resolvedOptions().timeZone`).
pub const TZ_COOKIE: &str = "tz";

/// The zone a request's pages show times in: the user's setting, else the browser's (its `tz`
/// cookie, if it names a real zone; anything else is ignored), else the server's.
pub fn view_zone(setting: Option<ViewZone>, req: &HttpRequest) -> ViewZone {
    if let Some(z) = setting.filter(|z| z.from == ZoneFrom::Setting) {
        return z;
    }
    let browser = req
        .cookie(TZ_COOKIE)
        .and_then(|c| zone_named(&c.value().replace("%2F", "/").replace("%2f", "/")));
    match browser {
        Some(tz) => ViewZone {
            tz,
            from: ZoneFrom::Browser,
        },
        None => ViewZone {
            tz: crate::app::schedule::server_zone(),
            from: ZoneFrom::Server,
        },
    }
}

/// The principal with the zone its pages show times in settled (see [`view_zone`]).
fn with_zone(p: Principal, req: &HttpRequest) -> Principal {
    match p {
        Principal::User(mut c) => {
            c.zone = view_zone(Some(c.zone), req);
            Principal::User(c)
        }
        anonymous => anonymous,
    }
}

/// The zone of the request's viewer (an anonymous one's: the browser's, else the server's).
pub fn zone(req: &HttpRequest) -> ViewZone {
    match principal(req) {
        Principal::User(c) => c.zone,
        Principal::Anonymous => view_zone(None, req),
    }
}

/// The principal the gate left on a request (anonymous if none: outside the gate, in tests).
pub fn principal(req: &HttpRequest) -> Principal {
    req.extensions()
        .get::<Principal>()
        .cloned()
        .unwrap_or(Principal::Anonymous)
}

/// The client's address for logs, limits and the audit log (the socket's peer; behind a proxy,
/// the proxy's).
pub fn client_ip(req: &HttpRequest) -> Option<String> {
    req.peer_addr().map(|a| a.ip().to_string())
}

/// Who makes a change through this request, with the note its query string gives
/// (`?note=...`, kept with the version it makes); a note too long is a 422 naming `note`.
pub fn author(req: &HttpRequest) -> Result<crate::app::edit::Author, Problem> {
    let note = actix_web::web::Query::<std::collections::HashMap<String, String>>::from_query(
        req.query_string(),
    )
    .ok()
    .and_then(|q| q.get("note").cloned());
    Ok(crate::app::edit::Author::by(principal(req).email()).noting(note.as_deref())?)
}
