//! Failures of the remote back end: the Stormpath error document (rest-api §4) mapped onto the
//! crate's [`Error`] by its code, and what goes wrong below the API (no connection, no answer
//! in time, an answer that is not the Stormpath API's), which becomes [`Error::Backend`] with a
//! [`Failure`] as its source ([`Error::remote_failure`] hands it back, typed).

use std::time::Duration;

use serde::Deserialize;

use crate::{Error, Invalid, InvalidKind};

/// The body of every Stormpath error answer (rest-api §4). Members a server leaves out are
/// empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct ApiError {
    /// The HTTP status, repeated.
    pub(crate) status: u16,
    /// The Stormpath error code.
    pub(crate) code: u32,
    /// A message fit for end users.
    pub(crate) message: String,
    /// A message for developers.
    pub(crate) developer_message: String,
    /// The server's id of the request (`requestId`), for its logs.
    pub(crate) request_id: String,
}

/// Why a call to the server failed below the API: the source of [`Error::Backend`], handed back
/// typed by [`Error::remote_failure`]. `call` names the method and path (one-time tokens and
/// JWTs in a path are shown as `***`), never a query or a body.
///
/// ```
/// # async fn demo(backend: stormpath_client::remote::RemoteBackend) {
/// use stormpath_client::{prelude::*, remote::Failure};
///
/// if let Err(err) = backend.authenticate("ada@example.com", "Analyt1cal-En9ine").await {
///     match err.remote_failure() {
///         Some(Failure::Refused { code, request_id, .. }) => {
///             eprintln!("the server refused the call: code {code}, request {request_id:?}")
///         }
///         Some(failure) if failure.is_unreachable() => eprintln!("server down: {failure}"),
///         _ => eprintln!("{err}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Failure {
    /// Nothing was answered within the configured timeout.
    #[error("{call}: the Stormpath server did not answer within {after:?}")]
    Timeout {
        /// Method and redacted path.
        call: String,
        /// The timeout in force.
        after: Duration,
    },
    /// No connection could be made (the server is down, or the address is wrong).
    #[error("{call}: could not connect to the Stormpath server: {source}")]
    Connect {
        /// Method and redacted path.
        call: String,
        /// The HTTP client's error, without its URL.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The connection broke, or the answer was not HTTP.
    #[error("{call}: the exchange with the Stormpath server failed: {source}")]
    Transport {
        /// Method and redacted path.
        call: String,
        /// The HTTP client's error, without its URL.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An answer that is not the Stormpath API's (not JSON, the wrong shape, too large).
    #[error("{call}: the server's answer ({status}) is not a Stormpath API answer: {what}")]
    Malformed {
        /// Method and redacted path.
        call: String,
        /// The HTTP status of the answer.
        status: u16,
        /// What is wrong with it.
        what: String,
    },
    /// A Stormpath error that means the server or this client is misconfigured (the API key
    /// refused, an application without a directory, …), not something the user can fix.
    #[error("{call}: the Stormpath server answered {status} (code {code}): {message}")]
    Refused {
        /// Method and redacted path.
        call: String,
        /// The HTTP status.
        status: u16,
        /// The Stormpath error code.
        code: u32,
        /// The server's developer message (or its message).
        message: String,
        /// The server's id of the request (its `requestId`), when it sent one.
        request_id: Option<String>,
    },
    /// The server broke the protocol this back end relies on.
    #[error("{0}")]
    Protocol(String),
}

impl From<Failure> for Error {
    fn from(failure: Failure) -> Self {
        Error::backend(failure)
    }
}

impl Failure {
    /// Whether the server could not be reached (no connection, no answer in time, a broken
    /// exchange): [`Error::is_unavailable`], a 503 to retry.
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. } | Self::Connect { .. } | Self::Transport { .. }
        )
    }

    /// The Stormpath error code the server answered with, for a refused call.
    #[must_use]
    pub fn code(&self) -> Option<u32> {
        match self {
            Self::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The HTTP status the server answered with, when it answered.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Refused { status, .. } | Self::Malformed { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A protocol failure as the crate's error.
pub(crate) fn protocol(message: impl Into<String>) -> Error {
    Failure::Protocol(message.into()).into()
}

/// The crate's error for a Stormpath error answer (`status` ≥ 400) whose body parsed as an
/// [`ApiError`]: by code first, then by status.
pub(crate) fn from_api(status: u16, doc: &ApiError, call: &str) -> Error {
    let message = if doc.message.is_empty() {
        doc.developer_message.clone()
    } else {
        doc.message.clone()
    };
    let invalid = |kind: InvalidKind| -> Error {
        match guess_field(doc.code, &message) {
            Some(field) => Invalid::new(field, kind, message.clone()).into(),
            None => Invalid::general(kind, message.clone()).into(),
        }
    };
    match doc.code {
        7100 | 7104 => Error::InvalidCredentials,
        // A disabled account, or one whose group, directory or organization is disabled, or
        // a locked one: the password was right, the account may not log in.
        7101 | 7103 | 7105..=7107 => Error::AccountDisabled,
        7102 => Error::AccountUnverified,
        2001 => Error::Conflict {
            field: conflict_field(&message),
            message,
        },
        2000 => invalid(InvalidKind::Required),
        2003..=2006 => invalid(InvalidKind::Format),
        2007 => invalid(InvalidKind::PasswordTooShort),
        2008 => invalid(InvalidKind::PasswordTooLong),
        2015 => invalid(InvalidKind::UnknownProperty),
        3004 => invalid(InvalidKind::TooLarge),
        3000..=3003 => invalid(InvalidKind::Format),
        2002 | 2009..=2013 => invalid(InvalidKind::Other),
        // The character-class rules of the password policy had no code of their own.
        400 if status == 400 && is_password_policy(&message) => {
            invalid(InvalidKind::PasswordPolicy)
        }
        // A common, breached or personal password (our server's blocklist): about the
        // password, whatever word of the account its message names.
        400 if status == 400 && is_guessable(&message) => {
            Invalid::new("password", InvalidKind::PasswordGuessable, message).into()
        }
        10010..=10017 | 11005 | 12002 => Error::InvalidToken,
        // An account API key that does not authenticate (client_credentials).
        10019 => Error::InvalidCredentials,
        // Our own server's answers: a mail it could not send (Error::MailUnavailable, in its
        // words), or a dependency it cannot reach.
        503 if status == 503 && message == Error::MailUnavailable.to_string() => {
            Error::MailUnavailable
        }
        _ if status == 503 => Error::Unavailable,
        // "The … property value … does not match a known resource."
        2016 => Error::NotFound,
        _ if status == 404 => Error::NotFound,
        // A plain bad request about the input.
        400 | 2100..=2108 if status == 400 => invalid(InvalidKind::Other),
        _ => Failure::Refused {
            call: call.to_owned(),
            status,
            code: doc.code,
            message: if doc.developer_message.is_empty() {
                message
            } else {
                doc.developer_message.clone()
            },
            request_id: Some(doc.request_id.clone()).filter(|id| !id.is_empty()),
        }
        .into(),
    }
}

/// Whether a 400 without a code of its own is the password policy's (`Password requires at
/// least 1 uppercase character.`).
fn is_guessable(message: &str) -> bool {
    let text = message.to_ascii_lowercase();
    text.starts_with("password is too common")
        || text.starts_with("password is too easy")
        || text.starts_with("password is too similar")
}

fn is_password_policy(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .starts_with("password requires")
}

/// The field a validation message is about. The error document names no field, so its
/// message is all there is; the codes that concern one field say it.
fn guess_field(code: u32, message: &str) -> Option<&'static str> {
    match code {
        2007 | 2008 => return Some("password"),
        3000..=3004 => return Some("customData"),
        _ => {}
    }
    let text = message.to_ascii_lowercase();
    [
        ("email", "email"),
        ("username", "username"),
        ("password", "password"),
        ("given name", "givenName"),
        ("givenname", "givenName"),
        ("first name", "givenName"),
        ("middle name", "middleName"),
        ("middlename", "middleName"),
        ("surname", "surname"),
        ("last name", "surname"),
        ("customdata", "customData"),
        ("custom data", "customData"),
        ("token", "token"),
    ]
    .into_iter()
    .find(|(needle, _)| text.contains(needle))
    .map(|(_, field)| field)
}

/// The field a duplicate (2001) is about: the username, a group's name, or the email.
fn conflict_field(message: &str) -> &'static str {
    let text = message.to_ascii_lowercase();
    if text.contains("username") {
        "username"
    } else if text.contains("group") {
        "name"
    } else {
        "email"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(status: u16, code: u32, message: &str) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            developer_message: format!("dev: {message}"),
            request_id: "req-1".into(),
        }
    }

    fn map(status: u16, code: u32, message: &str) -> Error {
        from_api(status, &doc(status, code, message), "POST /v1/x")
    }

    #[test]
    fn login_failures_map_by_code() {
        for code in [7100, 7104] {
            assert!(matches!(
                map(400, code, "Invalid username or password."),
                Error::InvalidCredentials
            ));
        }
        assert!(matches!(map(400, 7101, "disabled"), Error::AccountDisabled));
        assert!(matches!(map(400, 7106, "dir off"), Error::AccountDisabled));
        assert!(matches!(
            map(400, 7102, "unverified"),
            Error::AccountUnverified
        ));
    }

    #[test]
    fn duplicates_keep_their_field_and_message() {
        let err = map(
            409,
            2001,
            "Account with that email already exists.  Please choose another email.",
        );
        assert_eq!(
            (err.status(), err.code(), err.field()),
            (409, 2001, Some("email"))
        );
        assert!(err.to_string().contains("already exists"));
        let err = map(
            409,
            2001,
            "Account with that username already exists.  Please choose another username.",
        );
        assert_eq!(err.field(), Some("username"));
        let err = map(
            409,
            2001,
            "There is already another Group with the same name.",
        );
        assert_eq!(err.field(), Some("name"));
    }

    #[test]
    fn validation_errors_keep_kind_field_and_code() {
        let cases = [
            (
                2000,
                "Account email address cannot be null, empty, or blank.",
                InvalidKind::Required,
                Some("email"),
            ),
            (
                2006,
                "Account email address is in an invalid format.",
                InvalidKind::Format,
                Some("email"),
            ),
            (
                2007,
                "Account password minimum length not satisfied.",
                InvalidKind::PasswordTooShort,
                Some("password"),
            ),
            (
                2008,
                "Account password maximum length not satisfied.",
                InvalidKind::PasswordTooLong,
                Some("password"),
            ),
            (
                400,
                "Password requires at least 1 uppercase character.",
                InvalidKind::PasswordPolicy,
                Some("password"),
            ),
            (
                400,
                "Password is too similar to your email address.",
                InvalidKind::PasswordGuessable,
                Some("password"),
            ),
            (
                400,
                "Password is too common: it is on lists of common and breached passwords.",
                InvalidKind::PasswordGuessable,
                Some("password"),
            ),
            (
                3004,
                "Custom data is too large.",
                InvalidKind::TooLarge,
                Some("customData"),
            ),
            (
                2015,
                "Property 'foo' is not a known property.",
                InvalidKind::UnknownProperty,
                None,
            ),
            (2002, "Invalid value.", InvalidKind::Other, None),
        ];
        for (code, message, kind, field) in cases {
            let err = map(400, code, message);
            let Error::Validation(invalid) = &err else {
                panic!("{code}: {err:?}");
            };
            assert_eq!(invalid.kind, kind, "{code}");
            assert_eq!(invalid.field.as_deref(), field, "{code}");
            assert_eq!(invalid.message, message);
            assert_eq!(err.status(), 400);
            assert_eq!(err.code(), code, "the code survives the round trip");
        }
    }

    #[test]
    fn not_found_and_token_errors() {
        assert!(matches!(
            map(404, 404, "The requested resource does not exist."),
            Error::NotFound
        ));
        assert!(matches!(map(404, 0, ""), Error::NotFound));
        for code in 10010..=10017 {
            assert!(matches!(
                map(400, code, "Token is invalid"),
                Error::InvalidToken
            ));
        }
        let mail = Error::MailUnavailable.to_string();
        assert!(matches!(map(503, 503, &mail), Error::MailUnavailable));
        assert!(matches!(
            map(503, 503, "The service is temporarily unavailable."),
            Error::Unavailable
        ));
    }

    #[test]
    fn server_side_problems_are_backend_failures_with_the_code() {
        for (status, code) in [(401, 401), (403, 403), (500, 500), (400, 5100), (400, 6101)] {
            let err = map(status, code, "no");
            assert!(err.is_backend(), "{status}/{code}: {err:?}");
            let text = err.to_string();
            assert!(text.contains(&format!("code {code}")), "{text}");
            assert!(text.contains("POST /v1/x"), "{text}");
        }
    }
}
