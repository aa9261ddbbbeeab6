//! Requests made by htmx (`HX-Request`), told apart in one place: they get a partial to swap
//! in, not a whole page.

use actix_web::HttpMessage;

/// Whether htmx sent the request; works on a handler's `HttpRequest` and a middleware's
/// `ServiceRequest` alike.
pub fn is_htmx(req: &impl HttpMessage) -> bool {
    req.headers().contains_key("HX-Request")
}
