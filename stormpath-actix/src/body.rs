//! Request bodies (spec §2.3): JSON objects or urlencoded forms, chosen by Content-Type only,
//! read with a size limit.

use std::pin::Pin;

use actix_web::{HttpMessage, HttpRequest, error::PayloadError, http::header, web};
use futures_core::Stream;
use serde_json::{Map, Value};

use crate::Error;

/// How a body arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyKind {
    /// `application/json`.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
    /// No body, or a content type we do not parse.
    None,
}

/// A parsed body: its kind and its top-level members (form values are strings; for a repeated
/// form key the first value wins).
#[derive(Debug)]
pub(crate) struct Body {
    pub(crate) kind: BodyKind,
    pub(crate) fields: Map<String, Value>,
}

impl Body {
    /// A string member, trimmed of nothing; `None` when absent, null or not a string.
    pub(crate) fn str(&self, name: &str) -> Option<&str> {
        self.fields.get(name).and_then(Value::as_str)
    }
}

/// The body's kind according to its Content-Type (media type only, case-insensitive).
pub(crate) fn kind_of(req: &HttpRequest) -> BodyKind {
    match req.content_type().trim().to_ascii_lowercase().as_str() {
        "application/json" => BodyKind::Json,
        "application/x-www-form-urlencoded" => BodyKind::Form,
        _ => BodyKind::None,
    }
}

/// Reads and parses the body of a POST.
///
/// # Errors
/// [`Error::PayloadTooLarge`] past `limit` bytes; [`Error::BadRequest`] for malformed JSON or
/// JSON that is not an object.
pub(crate) async fn read(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<Body, Error> {
    let bytes = read_raw(req, payload, limit).await?;
    parse(kind_of(req), &bytes)
}

/// Reads the raw bytes of a body, at most `limit` of them.
///
/// # Errors
/// [`Error::PayloadTooLarge`] past `limit` bytes (checked against `Content-Length` first).
pub(crate) async fn read_raw(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, Error> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(Error::PayloadTooLarge);
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = next_chunk(&mut payload).await {
        let chunk =
            chunk.map_err(|_| Error::BadRequest("The request body could not be read.".into()))?;
        if bytes.len() + chunk.len() > limit {
            return Err(Error::PayloadTooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

fn parse(kind: BodyKind, bytes: &[u8]) -> Result<Body, Error> {
    let fields = match kind {
        BodyKind::Json if bytes.iter().all(u8::is_ascii_whitespace) => Map::new(),
        BodyKind::Json => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(map)) => map,
            Ok(_) => {
                return Err(Error::BadRequest(
                    "The request body must be a JSON object.".into(),
                ));
            }
            Err(_) => {
                return Err(Error::BadRequest(
                    "The request body is not valid JSON.".into(),
                ));
            }
        },
        BodyKind::Form => {
            let mut map = Map::new();
            for (key, value) in form_urlencoded::parse(bytes) {
                map.entry(key.into_owned())
                    .or_insert_with(|| Value::String(value.into_owned()));
            }
            map
        }
        BodyKind::None => Map::new(),
    };
    Ok(Body { kind, fields })
}

/// The next chunk of the payload (`StreamExt::next` without the futures crates).
async fn next_chunk(payload: &mut web::Payload) -> Option<Result<web::Bytes, PayloadError>> {
    std::future::poll_fn(|cx| Pin::new(&mut *payload).poll_next(cx)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_first_value_wins_and_bad_utf8_is_replaced() {
        let body = parse(BodyKind::Form, b"a=1&a=2&b=%FF").unwrap();
        assert_eq!(body.str("a"), Some("1"));
        assert_eq!(body.str("b"), Some("\u{FFFD}"));
    }

    #[test]
    fn json_must_be_an_object() {
        assert!(matches!(
            parse(BodyKind::Json, b"[1]"),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            parse(BodyKind::Json, b"{"),
            Err(Error::BadRequest(_))
        ));
        assert!(parse(BodyKind::Json, b"  ").unwrap().fields.is_empty());
        assert_eq!(
            parse(BodyKind::Json, br#"{"x":"y"}"#).unwrap().str("x"),
            Some("y")
        );
    }

    #[test]
    fn other_types_are_never_parsed() {
        assert!(
            parse(BodyKind::None, br#"{"login":"x"}"#)
                .unwrap()
                .fields
                .is_empty()
        );
    }
}
