//! JSON request bodies whose errors name the field (`rowLimit: invalid value: integer -5 ...`),
//! which serde_json alone reports only as a line and column.

use super::error::Problem;
use actix_web::http::StatusCode;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// A JSON body: 415 if it is not JSON, 413 if too large, 400 if malformed, 422 naming the
/// field if a value has the wrong type or is unknown.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let ctype = req.content_type().to_ascii_lowercase();
        let is_json = ctype == "application/json" || ctype.ends_with("+json");
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(Problem::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "send the body as application/json",
                )
                .into());
            }
            let bytes = bytes.await.map_err(|e| {
                let status = e.as_response_error().status_code();
                let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
                    "the body is too large".to_string()
                } else {
                    format!("cannot read the body: {e}")
                };
                Problem::new(status, detail)
            })?;
            parse(&bytes).map(JsonBody).map_err(Into::into)
        })
    }
}

/// Parses a JSON document, naming the field a type error is in.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_data() {
            let field = if path == "." {
                "body".to_string()
            } else {
                path
            };
            Problem::invalid(field, inner.to_string())
        } else {
            Problem::bad_request(format!("malformed JSON body: {inner}"))
        }
    })?;
    de.end()
        .map_err(|e| Problem::bad_request(format!("malformed JSON body: {e}")))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[derive(Debug, serde::Deserialize)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Body {
        #[allow(dead_code)]
        row_limit: u32,
        #[allow(dead_code)]
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Item {
        #[allow(dead_code)]
        n: u8,
    }

    #[test]
    fn type_errors_name_the_field_and_syntax_errors_are_400() {
        let e = parse::<Body>(br#"{"rowLimit": -5}"#).unwrap_err();
        assert_eq!(e.status.as_u16(), 422);
        assert!(e.detail.starts_with("rowLimit: "), "{}", e.detail);
        let e = parse::<Body>(br#"{"rowLimit": 1, "items": [{"n": 1}, {"n": 300}]}"#).unwrap_err();
        assert!(e.detail.starts_with("items[1].n: "), "{}", e.detail);
        let e = parse::<Body>(br#"{"rowLimit": 1"#).unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
        let e = parse::<Body>(br#"{"rowLimit": 1} trailing"#).unwrap_err();
        assert_eq!(e.status.as_u16(), 400);
        assert!(parse::<Body>(br#"{"rowLimit": 1}"#).is_ok());
    }
}
