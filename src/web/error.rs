//! Errors as HTTP: `application/problem+json` for the API, a small HTML page for the UI.
//! Every mapping from a domain error to a status lives here.

use crate::pipeline::PipelineError;
use crate::report::run::RunError;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

/// An HTTP error with a message that says what is wrong.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: StatusCode,
    pub detail: String,
    pub field: Option<String>,
    html: bool,
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
            html: false,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, detail)
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

    /// 500, logged; the client sees a generic message plus the cause.
    pub fn internal(e: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %e, "request failed");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
    }

    /// Shown as an HTML page instead of JSON.
    pub fn html(mut self) -> Problem {
        self.html = true;
        self
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
        if self.html {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            return HttpResponse::build(self.status)
                .content_type("text/html; charset=utf-8")
                .body(format!(
                    "<!doctype html><meta charset=utf-8><title>{title}</title>\
                     <div class=\"error\" style=\"font-family:sans-serif;margin:2rem\"><h1>{} {title}</h1><p>{}</p><p><a href=\"/\">Back to the dashboards</a></p></div>",
                    self.status.as_u16(),
                    esc(&self.detail)
                ));
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
        HttpResponse::build(self.status)
            .content_type("application/problem+json")
            .json(body)
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
            // The report cannot be made in this format (a PDF past its row cap): say so.
            PipelineError::Render(_) => {
                Problem::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string())
            }
            other => Problem::internal(other),
        }
    }
}

impl From<crate::exports::ExportError> for Problem {
    fn from(e: crate::exports::ExportError) -> Problem {
        use crate::exports::ExportError;
        match e {
            ExportError::NotFound(_) => Problem::not_found(e.to_string()),
            ExportError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.to_string()),
            ExportError::Pipeline(p) => p.into(),
            ExportError::Store(s) => Problem::internal(s),
            ExportError::Io(io) => Problem::internal(io),
        }
    }
}

impl From<crate::edit::EditError> for Problem {
    fn from(e: crate::edit::EditError) -> Problem {
        use crate::edit::EditError;
        match e {
            EditError::Invalid { field, message } => Problem::invalid(field, message),
            EditError::NotFound(_) => Problem::not_found(e.to_string()),
            EditError::Conflict(_) => Problem::new(StatusCode::CONFLICT, e.to_string()),
            EditError::Store(s) => Problem::internal(s),
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
