//! Errors as HTTP: `application/problem+json` for the API, a small HTML page for the UI, and
//! for htmx requests a partial shown in the page's `#flash` area (`HX-Retarget`). Every mapping
//! from a domain or service error to a status lives here. A 500 never shows its cause: the
//! client gets a short reference and the log has the detail under it.

use crate::app::dataset::DatasetError;
use crate::app::edit::EditError;
use crate::app::PipelineError;
use crate::auth::AuthError;
use crate::data::import::ImportError;
use crate::export::ExportError;
use crate::job::SubmitError;
use crate::model::text::escape_html;
use crate::render::RenderError;
use crate::report::run::RunError;
use crate::store::StoreError;
use crate::web::htmx::is_htmx;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// An HTTP error with a message that says what is wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: String,
    pub field: Option<String>,
    /// Seconds to wait, sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
    html: bool,
    spot: Spot,
}

/// Where an htmx request is shown the problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spot {
    /// The page's `#flash` area, whatever the request aimed at.
    Flash,
    /// The request's own target (a form's result area), the field named for the page's script.
    Target,
    /// In place of the table row asked for, this many cells wide: the list keeps its shape.
    Row(u16),
}

#[derive(Serialize)]
struct Body<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    title: &'a str,
    status: u16,
    detail: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError<'a>>,
}

#[derive(Serialize)]
struct FieldError<'a> {
    field: &'a str,
    message: &'a str,
}

impl Problem {
    /// A problem with this status and detail.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            status,
            detail: detail.into(),
            field: None,
            retry_after: None,
            html: false,
            spot: Spot::Flash,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail)
    }

    /// 401: who is asking is not known (or their credentials are not valid).
    pub fn unauthorized(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, detail)
    }

    /// 403: known, but not allowed.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404.
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }

    /// 422 naming the field (in `errors` and at the start of the detail).
    pub fn invalid(field: impl Into<String>, detail: impl Into<String>) -> Problem {
        let (field, detail) = (field.into(), detail.into());
        let detail = if detail.starts_with(&field) {
            detail
        } else {
            format!("{field}: {detail}")
        };
        Problem {
            field: Some(field),
            ..Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
        }
    }

    /// 500: the cause is logged under a short reference, which is all the client sees (SQL,
    /// paths and pool internals stay in the log).
    pub fn internal(e: impl std::fmt::Display) -> Problem {
        let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
        tracing::error!(%reference, error = %e, "request failed");
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "something went wrong on our side; the server log has the details under reference {reference}"
            ),
        )
    }

    /// 503 with `Retry-After: 5`: every database connection is taken (a burst of slow
    /// queries); the request did nothing and may simply be sent again.
    pub fn busy() -> Problem {
        Problem {
            retry_after: Some(5),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the server is busy; try again in a few seconds",
            )
        }
    }

    /// 499 (nginx's "client closed request"): the client went away; nobody reads this.
    pub fn client_gone() -> Problem {
        Problem::new(
            StatusCode::from_u16(499).expect("499 is a valid status code"),
            "the client closed the connection before the answer was ready",
        )
    }

    /// Shown as an HTML page instead of JSON.
    pub fn html(mut self) -> Problem {
        self.html = true;
        self
    }

    /// Shown to htmx in the request's own target (beside the button that sent it), its field in
    /// `data-error-field`; other requests get the HTML page.
    pub fn in_target(mut self) -> Problem {
        self.spot = Spot::Target;
        self.html()
    }

    /// The answer of a route that returns one table row, `cols` cells wide: the problem as that
    /// row, to htmx and to a plain request alike.
    pub fn as_row(mut self, cols: u16) -> Problem {
        self.spot = Spot::Row(cols);
        self
    }

    /// Whether it is shown as an HTML page.
    pub fn is_html(&self) -> bool {
        self.html
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl ResponseError for Problem {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let title = self.status.canonical_reason().unwrap_or("Error");
        if let Spot::Row(_) = self.spot {
            // Already the answer in its final shape: not left for the middlewares to reshape.
            return self.partial();
        }
        if self.html {
            return self.mark(HttpResponse::build(self.status)
                .content_type("text/html; charset=utf-8")
                .body(format!(
                    "<!doctype html><meta charset=utf-8><title>{title}</title>\
                     <div class=\"error\" style=\"font-family:sans-serif;margin:2rem\"><h1>{} {title}</h1><p>{}</p><p><a href=\"/\">Back to the dashboards</a></p></div>",
                    self.status.as_u16(),
                    escape_html(&self.detail)
                )));
        }
        let body = Body {
            kind: "about:blank",
            title,
            status: self.status.as_u16(),
            detail: &self.detail,
            errors: self
                .field
                .iter()
                .map(|f| FieldError {
                    field: f,
                    message: &self.detail,
                })
                .collect(),
        };
        self.mark(
            HttpResponse::build(self.status)
                .content_type("application/problem+json")
                .json(body),
        )
    }
}

impl Problem {
    /// Leaves the problem on its response, for `htmx_errors` to find.
    fn mark(&self, res: HttpResponse) -> HttpResponse {
        let mut res = self.retry_after_on(res);
        res.extensions_mut().insert(self.clone());
        res
    }

    fn retry_after_on(&self, mut res: HttpResponse) -> HttpResponse {
        if let Some(secs) = self.retry_after {
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
                res.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
        }
        res
    }

    /// The problem as an htmx partial; every one is made here. By default a message in the
    /// page's `#flash` area, whatever the request's own target was (a table, a row, a form).
    fn partial(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.content_type("text/html; charset=utf-8");
        let detail = escape_html(&self.detail);
        let body = match self.spot {
            Spot::Flash => {
                res.insert_header(("HX-Retarget", "#flash"))
                    .insert_header(("HX-Reswap", "innerHTML"));
                let title = self.status.canonical_reason().unwrap_or("Error");
                format!(
                    "<p class=\"flash-error\" role=\"alert\"><strong>{} {title}.</strong> {detail}</p>",
                    self.status.as_u16()
                )
            }
            Spot::Target => format!(
                "<p class=\"error-box\" role=\"alert\" data-error-field=\"{}\">{detail}</p>",
                escape_html(self.field.as_deref().unwrap_or(""))
            ),
            Spot::Row(cols) => format!(
                "<tr class=\"row-error\"><td colspan=\"{cols}\" role=\"alert\">{detail}</td></tr>"
            ),
        };
        self.retry_after_on(res.body(body))
    }
}

/// Middleware: an htmx request that ends in a `Problem` gets the problem as a partial aimed at
/// `#flash`, instead of an error page swapped into the middle of the page it came from.
pub async fn htmx_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let htmx = is_htmx(&req);
    let res = next.call(req).await?;
    let problem = htmx
        .then(|| res.response().extensions().get::<Problem>().cloned())
        .flatten();
    Ok(match problem {
        Some(p) => {
            let (req, _) = res.into_parts();
            ServiceResponse::new(req, p.partial())
        }
        None => res.map_into_boxed_body(),
    })
}

impl From<crate::app::queue::QueueFull> for Problem {
    /// 503 with Retry-After: renders are queued up to `[limits] render_queue`.
    fn from(e: crate::app::queue::QueueFull) -> Problem {
        Problem {
            retry_after: Some(e.retry_after),
            ..Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the server is busy rendering: {e}; try again in {} s",
                    e.retry_after
                ),
            )
        }
    }
}

impl From<PipelineError> for Problem {
    fn from(e: PipelineError) -> Problem {
        match e {
            PipelineError::NotFound(_) => Problem::not_found(e.to_string()),
            PipelineError::NoSource(_) => Problem::invalid("dataSource", e.to_string()),
            PipelineError::NoQuery(_) => Problem::invalid("query", e.to_string()),
            PipelineError::Run(RunError::Param(p)) => Problem::invalid(p.name.clone(), p.message),
            PipelineError::Run(RunError::PageOutOfRange { .. }) => {
                Problem::bad_request(e.to_string())
            }
            // A query that is refused, too slow, or not valid SQL is an invalid value, not a crash.
            // The definition does not fit the data (a mapped column that is not a number, a
            // text block naming a KPI there is not): the report needs fixing, not the server.
            PipelineError::Run(RunError::Query { .. })
            | PipelineError::Run(RunError::Mapping { .. }) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            PipelineError::Render(RenderError::Cancelled) => Problem::client_gone(),
            // The report cannot be made in this format (a PDF past its row cap): say so.
            PipelineError::Render(_) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            PipelineError::Store(s) => s.into(),
        }
    }
}

impl From<ExportError> for Problem {
    fn from(e: ExportError) -> Problem {
        match e {
            ExportError::NotFound(_) => Problem::not_found(e.to_string()),
            ExportError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.to_string()),
            ExportError::Invalid { field, message } => Problem::invalid(field, message),
            ExportError::Pipeline(p) => p.into(),
            ExportError::Store(s) => s.into(),
            ExportError::Io(io) => Problem::internal(io),
        }
    }
}

/// A refused change, to show again on its form's page: its status and its words (a failure of
/// ours is the error page instead).
pub fn refusal(e: EditError) -> Result<(StatusCode, String), Problem> {
    let words = e.to_string();
    let p = Problem::from(e);
    match p.status.is_server_error() {
        true => Err(p.html()),
        false => Ok((p.status, words)),
    }
}

impl From<EditError> for Problem {
    fn from(e: EditError) -> Problem {
        match e {
            EditError::Invalid { field, message } => Problem::invalid(field, message),
            EditError::NotFound(_) => Problem::not_found(e.to_string()),
            EditError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.to_string()),
            EditError::Forbidden(_) => Problem::new(StatusCode::FORBIDDEN, e.to_string()),
            EditError::Store(s) => s.into(),
        }
    }
}

impl From<SubmitError> for Problem {
    fn from(e: SubmitError) -> Problem {
        match e {
            SubmitError::NotFound(_) => Problem::not_found(e.to_string()),
            SubmitError::Param { name, message } => {
                Problem::invalid(format!("parameters.{name}"), message)
            }
            SubmitError::Store(s) => s.into(),
        }
    }
}

impl From<DatasetError> for Problem {
    fn from(e: DatasetError) -> Problem {
        match e {
            DatasetError::NotFound(_) => Problem::not_found(e.to_string()),
            DatasetError::Hidden(_) => Problem::new(StatusCode::FORBIDDEN, e.to_string()),
            DatasetError::Import(ImportError::BadName(_)) => {
                Problem::invalid("name", e.to_string())
            }
            DatasetError::Store(s) => s.into(),
            DatasetError::Import(ImportError::Io { .. } | ImportError::Sqlite(_)) => {
                Problem::internal(e)
            }
            DatasetError::Import(_) => Problem::invalid("file", e.to_string()),
        }
    }
}

impl From<AuthError> for Problem {
    fn from(e: AuthError) -> Problem {
        match e {
            AuthError::BadCredentials => Problem::unauthorized(e.to_string()),
            AuthError::RateLimited(wait) => Problem {
                retry_after: Some(wait.as_secs().max(1)),
                ..Problem::new(StatusCode::TOO_MANY_REQUESTS, e.to_string())
            },
            AuthError::Invalid { field, message } => Problem::invalid(field, message),
            AuthError::NotFound(_) => Problem::not_found(e.to_string()),
            AuthError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.to_string()),
            AuthError::Forbidden(_) => Problem::forbidden(e.to_string()),
            AuthError::Store(s) => s.into(),
        }
    }
}

impl From<r2d2::Error> for Problem {
    fn from(e: r2d2::Error) -> Problem {
        StoreError::Pool(e).into()
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            // No connection came free in time: busy, not broken (logged, as the cause of a 503).
            StoreError::Pool(p) => {
                tracing::warn!(error = %p, "no database connection free in time");
                Problem::busy()
            }
            e => Problem::internal(e),
        }
    }
}

impl From<crate::app::share::ShareError> for Problem {
    fn from(e: crate::app::share::ShareError) -> Problem {
        use crate::app::share::ShareError;
        match e {
            ShareError::NotFound | ShareError::NotEmbed => Problem::not_found(e.to_string()),
            ShareError::Expired => Problem::new(StatusCode::GONE, e.to_string()),
            ShareError::Edit(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for Problem {
    fn from(e: actix_web::error::BlockingError) -> Problem {
        Problem::internal(e)
    }
}

/// 404 for any route not listed.
pub async fn not_found(req: actix_web::HttpRequest) -> HttpResponse {
    let p = Problem::not_found(format!("no page at {}", req.path()));
    if req.path().starts_with("/api/") {
        p.error_response()
    } else {
        p.html().error_response()
    }
}

/// Malformed JSON bodies: 400 naming the problem, 413 when too large.
pub fn json_error(
    err: actix_web::error::JsonPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let p = match &err {
        JsonPayloadError::Overflow { limit }
        | JsonPayloadError::OverflowKnownLength { limit, .. } => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes"),
        ),
        JsonPayloadError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as application/json",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("invalid body: {e}"),
        ),
        other => Problem::bad_request(format!("malformed JSON body: {other}")),
    };
    p.into()
}

/// Malformed query strings: 400 naming the problem.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    Problem::bad_request(format!("malformed query string: {err}")).into()
}

/// An unreadable or oversized form: 4xx as a page naming the problem.
pub fn form_error(
    err: actix_web::error::UrlencodedError,
    _req: &actix_web::HttpRequest,
) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    let p = match &err {
        UrlencodedError::Overflow { limit, .. } => Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the form is larger than {} KB", limit / 1024),
        ),
        UrlencodedError::ContentType => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the form as application/x-www-form-urlencoded",
        ),
        other => Problem::bad_request(format!("the form could not be read: {other}")),
    };
    p.html().into()
}

#[cfg(test)]
mod busy_tests {
    use super::*;
    use crate::store::StoreError;

    /// A real pool timeout: one connection, held, and a second asked for.
    fn pool_timeout() -> StoreError {
        let pool = r2d2::Pool::builder()
            .max_size(1)
            .connection_timeout(std::time::Duration::from_millis(50))
            .build(r2d2_sqlite::SqliteConnectionManager::memory())
            .unwrap();
        let _held = pool.get().unwrap();
        pool.get().unwrap_err().into()
    }

    #[test]
    fn a_pool_timeout_is_503_with_retry_after_not_500() {
        for p in [
            Problem::from(pool_timeout()),
            Problem::from(PipelineError::Store(pool_timeout())),
            Problem::from(EditError::Store(pool_timeout())),
            Problem::from(ExportError::Store(pool_timeout())),
        ] {
            assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(p.detail, "the server is busy; try again in a few seconds");
            let res = p.error_response();
            assert_eq!(res.status(), 503);
            assert_eq!(res.headers().get("retry-after").unwrap(), "5");
            let res = p.clone().html().error_response();
            assert_eq!(res.headers().get("retry-after").unwrap(), "5");
        }
        let other = Problem::from(StoreError::Source {
            name: "x".into(),
            message: "gone".into(),
        });
        assert_eq!(other.status, StatusCode::INTERNAL_SERVER_ERROR);
    }
}

#[cfg(test)]
mod partial_tests {
    use super::*;

    fn body(res: HttpResponse) -> String {
        let bytes = res.into_body().try_into_bytes().ok().unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[test]
    fn htmx_sees_a_problem_in_the_flash_area_its_target_or_its_row() {
        let p = || Problem::invalid("name", "is <too> long");
        let flash = p().partial();
        assert_eq!(flash.headers().get("HX-Retarget").unwrap(), "#flash");
        assert_eq!(
            body(flash),
            "<p class=\"flash-error\" role=\"alert\"><strong>422 Unprocessable Entity.</strong> \
             name: is &lt;too&gt; long</p>"
        );
        let target = p().in_target();
        assert!(target.is_html(), "a plain post gets the page");
        let target = target.partial();
        assert!(target.headers().get("HX-Retarget").is_none());
        assert_eq!(
            body(target),
            "<p class=\"error-box\" role=\"alert\" data-error-field=\"name\">name: is &lt;too&gt; long</p>"
        );
        // A row route answers a row to anyone, left as it is by the middlewares.
        let row = Problem::not_found("no schedule `x`")
            .as_row(6)
            .error_response();
        assert_eq!(row.status(), 404);
        assert!(row.extensions().get::<Problem>().is_none());
        assert_eq!(
            body(row),
            "<tr class=\"row-error\"><td colspan=\"6\" role=\"alert\">no schedule `x`</td></tr>"
        );
    }
}
