//! The frame every page shares, finished on the way out: an error (a `Problem`) asked for by a
//! browser becomes a page with the navigation, and the menu marks the page you are on
//! (`aria-current="page"`). Page handlers build their `Layout` without knowing their path.

use crate::web::error::Problem;
use crate::web::htmx::is_htmx;
use crate::web::{gate, AppState, Layout};
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;

/// An error as a page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    code: u16,
    title: &'static str,
    detail: String,
}

/// Most bytes of a page (pages are paged; this is far above any of them).
const MAX_PAGE: usize = 64 << 20;

/// Middleware: error pages with the navigation, and the current page marked in the menu.
pub async fn page_frame(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let htmx = is_htmx(&req);
    let api = req.path().starts_with("/api/");
    let browser = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|a| a.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    let res = next.call(req).await?;
    if htmx {
        return Ok(res.map_into_boxed_body());
    }
    let problem = res.response().extensions().get::<Problem>().cloned();
    if let Some(p) = problem.filter(|p| p.is_html() || (!api && browser)) {
        let (req, old) = res.into_parts();
        let page = error_page(&req, &p).await;
        let mut new = HttpResponse::build(p.status)
            .content_type("text/html; charset=utf-8")
            .body(mark_current(&page, req.path()));
        if let Some(v) = old.headers().get(header::RETRY_AFTER) {
            new.headers_mut().insert(header::RETRY_AFTER, v.clone());
        }
        return Ok(ServiceResponse::new(req, new));
    }
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    // Any page (a form shown again with its problems, a 201 upload page), not files or fragments.
    if !(html && !api) {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let bytes = match actix_web::body::to_bytes_limited(body, MAX_PAGE).await {
        Ok(Ok(b)) => b,
        // Logged with a reference the page shows, never an empty answer.
        Ok(Err(e)) => {
            let p = Problem::internal(format!("the page's body failed: {}", e.into()));
            return Ok(ServiceResponse::new(req, p.html().error_response()));
        }
        Err(_) => {
            let p = Problem::internal(format!(
                "the page is larger than {} MB (`web::frame::MAX_PAGE`)",
                MAX_PAGE >> 20
            ));
            return Ok(ServiceResponse::new(req, p.html().error_response()));
        }
    };
    let page = String::from_utf8_lossy(&bytes);
    let marked = mark_current(&page, req.path());
    let res = head.set_body(BoxBody::new(marked));
    Ok(ServiceResponse::new(req, res))
}

async fn error_page(req: &HttpRequest, p: &Problem) -> String {
    let who = gate::principal(req);
    let title = p.status.canonical_reason().unwrap_or("Error");
    let layout = match req.app_data::<web::Data<AppState>>() {
        Some(state) => {
            let ctx = state.ctx_for(req);
            let w = who.clone();
            match web::block(move || Layout::new(&ctx, &w)).await {
                Ok(Ok(l)) => l,
                _ => Layout::bare(&state.ctx, &who),
            }
        }
        None => return format!("{} {title}: {}", p.status.as_u16(), p.detail),
    };
    ErrorPage {
        layout,
        code: p.status.as_u16(),
        title,
        detail: p.detail.clone(),
    }
    .render()
    .unwrap_or_else(|e| format!("{} {title}: {} ({e})", p.status.as_u16(), p.detail))
}

/// Marks the menu link of the section `path` is in (the longest link that is `path` or a
/// folder of it) with `aria-current="page"`.
fn mark_current(page: &str, path: &str) -> String {
    let Some(start) = page.find("<nav>") else {
        return page.to_string();
    };
    let end = page[start..]
        .find("</nav>")
        .map_or(page.len(), |e| start + e);
    let mut best: Option<(usize, usize)> = None;
    let mut at = start;
    while let Some(i) = page[at..end].find("<a href=\"") {
        let href_start = at + i + "<a href=\"".len();
        let Some(len) = page[href_start..end].find('"') else {
            break;
        };
        let href = &page[href_start..href_start + len];
        let inside = path == href || path.starts_with(&format!("{href}/"));
        if inside && best.is_none_or(|(_, l)| len > l) {
            best = Some((at + i + "<a".len(), len));
        }
        at = href_start + len;
    }
    match best {
        Some((insert, _)) => format!(
            "{} aria-current=\"page\"{}",
            &page[..insert],
            &page[insert..]
        ),
        None => page.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::mark_current;

    #[test]
    fn the_longest_menu_link_the_path_is_in_is_marked() {
        let page = r#"<a href="/">Q</a><nav><a href="/dashboards/1">Sales</a><a href="/dashboards">Dashboards</a><a href="/reports">Reports</a></nav><a href="/reports">x</a>"#;
        let marked = mark_current(page, "/dashboards/1/edit");
        assert!(marked.contains(r#"<a aria-current="page" href="/dashboards/1">"#));
        assert_eq!(marked.matches("aria-current").count(), 1);
        let marked = mark_current(page, "/reports/abc");
        assert!(marked.contains(r#"<nav><a href="/dashboards/1">Sales</a><a href="/dashboards">Dashboards</a><a aria-current="page" href="/reports">"#));
        assert_eq!(mark_current(page, "/reportsx"), page);
        assert_eq!(mark_current(page, "/"), page);
    }
}
