//! The crate's error type and how each error looks on the wire.

use actix_web::{
    HttpResponse, ResponseError,
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
};
use serde::Serialize;

/// Seconds a client is asked to wait (`Retry-After`) when the back end is unavailable or
/// sheds load (a 503).
pub(crate) const RETRY_AFTER: &str = "2";

/// Everything that can go wrong: at startup (configuration, store) or while serving.
///
/// As a response, a 4xx becomes JSON `{"status": <code>, "message": "<text>"}`; anything else
/// an empty 500 whose cause is logged, never shown.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration value is missing or invalid; `key` names it.
    #[error("invalid configuration: {key} {message}")]
    Config {
        /// The key (or environment variable) at fault.
        key: String,
        /// What is wrong with it.
        message: String,
    },
    /// The account store could not be opened.
    #[cfg(feature = "embedded")]
    #[error("could not open the account store: {0}")]
    Store(#[from] stormpath_store::Error),
    /// The backend answered with an error (its status is kept: 400, 404, 409 …).
    #[error(transparent)]
    Backend(#[from] stormpath_client::Error),
    /// The request is malformed; the message says how.
    #[error("{0}")]
    BadRequest(String),
    /// The request body is larger than `web.maxBodySize`.
    #[error("Request body is too large.")]
    PayloadTooLarge,
    /// The CSRF token is missing or wrong.
    #[error("Invalid or missing CSRF token. Reload the page and try again.")]
    Csrf,
    /// The account may not see this resource.
    #[error("{0}")]
    Forbidden(String),
    /// A template failed to render (a bug or a broken override).
    #[error("template error: {0}")]
    Template(String),
    /// The account's stored custom data does not fit the type it was read into: typically a
    /// record written before the type changed (a field renamed, retyped or newly required).
    ///
    /// Shown as `409 Conflict`: the request was fine, the stored resource is in a state that
    /// conflicts with it. Nothing is written. Fix the record (for example with
    /// [`CurrentUser::replace_custom_data`](crate::CurrentUser::replace_custom_data), which does
    /// not read the old value), or make the type accept old records (`Option<_>`,
    /// `#[serde(default)]`, `#[serde(alias = ...)]`).
    #[error("The stored custom data does not match what this application expects{}: {message}", field_suffix(.field.as_deref()))]
    CustomDataMismatch {
        /// The field at fault (its custom-data name), when it could be told.
        field: Option<String>,
        /// What is wrong with it.
        message: String,
    },
    /// A [`CustomData`](crate::CustomData) type did not serialize to a JSON object (a bug in
    /// the type, for example a hand-written `Serialize`); nothing was written.
    #[error("custom data of type {type_name} could not be serialized: {message}")]
    CustomDataSerialize {
        /// The Rust type.
        type_name: &'static str,
        /// What serde said.
        message: String,
    },
    /// `stormpath::init` (or `configure`) was not called on this app.
    #[error("stormpath is not configured on this App: call App::configure(stormpath::init)")]
    NotConfigured,
}

/// ` (in <field>)` for a message, or nothing.
fn field_suffix(field: Option<&str>) -> String {
    field.map(|f| format!(" (in {f})")).unwrap_or_default()
}

/// A specialised `Result`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Serialize)]
struct Body<'a> {
    status: u16,
    message: &'a str,
}

impl Error {
    /// The JSON error body of a 4xx: exactly `{status, message}`.
    pub(crate) fn json(status: StatusCode, message: &str) -> HttpResponse {
        HttpResponse::build(status).json(Body {
            status: status.as_u16(),
            message,
        })
    }

    /// The `Retry-After` of a throttled request (its wait) or an unavailable back end.
    pub(crate) fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            Self::Backend(stormpath_client::Error::Throttled { retry_after }) => {
                Some(HeaderValue::from(*retry_after))
            }
            Self::Backend(err) if err.is_unavailable() => {
                Some(HeaderValue::from_static(RETRY_AFTER))
            }
            _ => None,
        }
    }

    /// Whether this is a failure of ours (logged, shown as a bare 500).
    pub(crate) fn is_internal(&self) -> bool {
        self.status_code() == StatusCode::INTERNAL_SERVER_ERROR
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Backend(err) => {
                StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::CustomDataMismatch { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Csrf | Self::Forbidden(_) => StatusCode::FORBIDDEN,
            #[cfg(feature = "embedded")]
            Self::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Config { .. }
            | Self::Template(_)
            | Self::CustomDataSerialize { .. }
            | Self::NotConfigured => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // A mail server that is down, or a dependency that cannot be reached, is said plainly
        // (503, with Retry-After for the latter); other failures of ours are logged and
        // answered with a bare status.
        let backend = match self {
            Self::Backend(err) => Some(err),
            _ => None,
        };
        if let Some(err) = backend.filter(|e| e.is_unavailable()) {
            if !matches!(err, stormpath_client::Error::Unavailable) {
                tracing::warn!(error = %err, "a dependency cannot be reached");
            }
            let mut response =
                Self::json(status, &stormpath_client::Error::Unavailable.to_string());
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
            return response;
        }
        if let Some(wait) = self.retry_after() {
            let mut response = Self::json(status, &self.to_string());
            response.headers_mut().insert(header::RETRY_AFTER, wait);
            return response;
        }
        // A mail server that is down, or an operation this back end lacks, is said plainly.
        let said = matches!(
            backend,
            Some(
                stormpath_client::Error::MailUnavailable | stormpath_client::Error::Unsupported(_)
            )
        );
        if status.is_server_error() && !said {
            tracing::error!(error = %self, "request failed");
            return HttpResponse::new(status);
        }
        Self::json(status, &self.to_string())
    }
}
