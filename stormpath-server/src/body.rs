//! Request bodies: a JSON object (spec §1), read within a size limit. Unknown and read-only
//! members are the handlers' to ignore.

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web::Bytes};
use serde_json::{Map, Value};
use std::{future::Future, pin::Pin};

use crate::error::{ApiError, ApiResult};

/// The largest body accepted (custom data may hold 10 MB).
pub(crate) const MAX_BODY: usize = 10 * 1024 * 1024 + 64 * 1024;

/// A JSON object body; an empty body reads as `{}`.
#[derive(Debug, Clone, Default)]
pub(crate) struct JsonObject(pub Map<String, Value>);

impl FromRequest for JsonObject {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = ApiResult<Self>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                mime == "application/json" || mime.ends_with("+json")
            });
        let bytes = Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|_| ApiError::new(413, 413, "The request body is too large."))?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self::default());
            }
            if is_json != Some(true) {
                return Err(ApiError::new(
                    415,
                    1101,
                    "Unsupported Content-Type: send application/json.",
                ));
            }
            match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(map)) => Ok(Self(map)),
                Ok(_) => Err(ApiError::bad_request(
                    400,
                    "The request body must be a JSON object.",
                )),
                Err(e) => Err(
                    ApiError::bad_request(400, "The request body is not valid JSON.")
                        .developer(format!("The request body is not valid JSON: {e}")),
                ),
            }
        })
    }
}

impl JsonObject {
    /// A string member; `Ok(None)` when absent, `Ok(Some(None))` when `null`.
    ///
    /// # Errors
    /// 400/2004 when the member is not a string.
    pub(crate) fn text(&self, name: &str) -> ApiResult<Option<Option<String>>> {
        match self.0.get(name) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
            Some(_) => Err(ApiError::bad_request(
                2004,
                format!("{name} must be a string."),
            )),
        }
    }

    /// A string member that must not be `null` when present.
    ///
    /// # Errors
    /// 400/2004 when it is not a string.
    pub(crate) fn string(&self, name: &str) -> ApiResult<Option<String>> {
        Ok(self.text(name)?.flatten())
    }

    /// A boolean member.
    ///
    /// # Errors
    /// 400/2004 when it is not a boolean.
    pub(crate) fn boolean(&self, name: &str) -> ApiResult<Option<bool>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::bad_request(
                2004,
                format!("{name} must be true or false."),
            )),
        }
    }

    /// An integer member.
    ///
    /// # Errors
    /// 400/2004 when it is not an integer.
    pub(crate) fn integer(&self, name: &str) -> ApiResult<Option<i64>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) if n.is_i64() => Ok(n.as_i64()),
            Some(_) => Err(ApiError::bad_request(
                2004,
                format!("{name} must be an integer."),
            )),
        }
    }

    /// The `href` of a link member (`{"href": "…"}`).
    ///
    /// # Errors
    /// 400/2002 when the member is not a link object.
    pub(crate) fn link(&self, name: &str) -> ApiResult<Option<String>> {
        match self.0.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => match o.get("href") {
                Some(Value::String(h)) => Ok(Some(h.clone())),
                _ => Err(ApiError::bad_request(
                    2002,
                    format!("{name} must be a link object with an href."),
                )),
            },
            Some(_) => Err(ApiError::bad_request(
                2002,
                format!("{name} must be a link object with an href."),
            )),
        }
    }
}
