//! The server's one error type and the Stormpath error document it becomes (spec §4):
//! `{status, code, message, developerMessage, moreInfo, requestId}` (+ `error` on the OAuth
//! token endpoint).

use std::borrow::Cow;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde_json::json;

use crate::request_id;

/// What a request can fail with: an HTTP status, a Stormpath code and the two messages.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {code}: {developer_message}")]
pub(crate) struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// Stormpath error code.
    pub code: u32,
    /// For end users (shown verbatim by integrations).
    pub message: Cow<'static, str>,
    /// For developers.
    pub developer_message: Cow<'static, str>,
    /// The OAuth 2.0 `error` member (token endpoint only).
    pub oauth_error: Option<&'static str>,
    /// Seconds to wait, for a throttled request (429 with `Retry-After`).
    pub retry_after: Option<u64>,
}

/// A specialised `Result` for handlers.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error whose two messages are the same.
    pub(crate) fn new(status: u16, code: u32, message: impl Into<Cow<'static, str>>) -> Self {
        let message = message.into();
        Self {
            status,
            code,
            developer_message: message.clone(),
            message,
            oauth_error: None,
            retry_after: None,
        }
    }

    /// Sets the developer message.
    #[must_use]
    pub(crate) fn developer(mut self, text: impl Into<Cow<'static, str>>) -> Self {
        self.developer_message = text.into();
        self
    }

    /// Sets the OAuth `error` member.
    #[must_use]
    pub(crate) fn oauth(mut self, error: &'static str) -> Self {
        self.oauth_error = Some(error);
        self
    }

    /// 404, code 404.
    #[must_use]
    pub(crate) fn not_found() -> Self {
        Self::new(404, 404, "The requested resource does not exist.")
    }

    /// 401, code 401.
    #[must_use]
    pub(crate) fn unauthenticated() -> Self {
        Self::new(401, 401, "Authentication required.")
            .developer("Authentication with a valid API Key is required.")
    }

    /// 400 with `code`.
    pub(crate) fn bad_request(code: u32, message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(400, code, message)
    }

    /// 500: the text goes to the log, never to the client.
    pub(crate) fn internal(err: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %err, "request failed");
        Self::new(
            500,
            500,
            "An unexpected error occurred. Please try again later.",
        )
    }
}

impl From<stormpath_client::Error> for ApiError {
    fn from(err: stormpath_client::Error) -> Self {
        use stormpath_client::Error as E;
        match &err {
            E::Backend(source) if stormpath_store::is_unreachable(source.as_ref()) => {
                Self::from(E::Unavailable)
            }
            E::Backend(_) => Self::internal(&err),
            E::InvalidCredentials => Self::new(400, 7100, "Invalid username or password.")
                .developer("Login attempt failed because the specified password is incorrect."),
            E::AccountDisabled => Self::new(400, 7101, err.to_string()),
            E::AccountUnverified => Self::new(400, 7102, err.to_string()),
            E::Conflict { .. } => Self::new(409, 2001, err.to_string()),
            E::NotFound => Self::not_found(),
            E::InvalidToken => Self::new(400, 10017, "Token is invalid.")
                .developer("Token is invalid because verifying the signature of a JWT failed."),
            E::MailUnavailable => Self::new(503, 503, err.to_string()),
            E::Unavailable => Self::new(503, 503, err.to_string())
                .developer("A service this server depends on cannot be reached right now."),
            E::Throttled { retry_after } => Self {
                retry_after: Some(*retry_after),
                ..Self::new(429, 429, err.to_string()).developer(
                    "Too many failed login attempts for this account: the login is refused \
                     without checking the password until Retry-After has passed.",
                )
            },
            _ => Self::new(err.status(), err.code(), err.to_string()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut body = json!({
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "developerMessage": self.developer_message,
            "moreInfo": format!("http://docs.stormpath.com/errors/{}", self.code),
            "requestId": request_id::current(),
        });
        if let Some(error) = self.oauth_error {
            body["error"] = json!(error);
        }
        let mut response = HttpResponse::build(self.status_code());
        if self.status == 503 {
            // A dependency down, or logins shed under overload: come back shortly.
            response.insert_header(("Retry-After", "2"));
        }
        if let Some(wait) = self.retry_after {
            response.insert_header(("Retry-After", wait.to_string()));
        }
        if self.oauth_error.is_some() {
            response.insert_header(("Cache-Control", "no-store"));
            response.insert_header(("Pragma", "no-cache"));
        }
        response.json(body)
    }
}
