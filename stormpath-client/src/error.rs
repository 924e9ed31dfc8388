//! The crate's error type.

use std::borrow::Cow;

/// A specialised `Result` for backend operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a [`Backend`](crate::Backend) operation can fail with.
///
/// The first group of variants are answers a user can act on; each maps to the HTTP status
/// ([`Error::status`]) and the error code ([`Error::code`]) the Stormpath API used for it. The
/// last variant means the back end itself broke: its text is for logs only and must never be
/// shown to a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The login or password is wrong, or no such account exists (the two are not told apart).
    #[error("Invalid username or password.")]
    InvalidCredentials,
    /// The credentials are right but the account is disabled.
    #[error("Login attempt failed because the Account is disabled.")]
    AccountDisabled,
    /// The credentials are right but the account's email address is not verified yet.
    #[error("Login attempt failed because the Account is not verified.")]
    AccountUnverified,
    /// A unique value (email, username, group name) is taken already.
    #[error("{message}")]
    Conflict {
        /// The field that collided, in the spec's camelCase spelling (`email`, `username`).
        field: &'static str,
        /// A message fit for the user.
        message: String,
    },
    /// The resource (account, group, token) does not exist, has expired or was used up.
    #[error("The requested resource does not exist.")]
    NotFound,
    /// The input was rejected: which field, why (as a Stormpath code) and a message fit for
    /// the user.
    #[error(transparent)]
    Validation(#[from] Invalid),
    /// A token was malformed, forged, expired, revoked or of the wrong kind.
    #[error("Token is invalid.")]
    InvalidToken,
    /// An email the operation depends on could not be sent; nothing was changed.
    #[error("We could not send the email right now. Please try again later.")]
    MailUnavailable,
    /// A service the back end depends on (its database, the shared cache, the remote server)
    /// cannot be reached right now, or it might have missed a revocation while it could not:
    /// the request was refused rather than answered from state that may be stale. Nothing was
    /// changed; try again later (HTTP 503).
    #[error("The service is temporarily unavailable. Please try again later.")]
    Unavailable,
    /// Too many attempts from this client or for this login, account or address: try again
    /// after `retry_after` seconds (HTTP 429 with `Retry-After`). The same answer whether or
    /// not the account exists; a throttled login is refused without its password being checked.
    #[error("Too many attempts. Please try again in {retry_after} seconds.")]
    Throttled {
        /// Seconds to wait before the next attempt may be accepted (at least 1).
        retry_after: u64,
    },
    /// This back end does not offer the operation (HTTP 501); the text names it.
    #[error("This account store does not support {0}.")]
    Unsupported(&'static str),
    /// The back end failed (database, I/O). The text is for logs, never for clients.
    #[error("backend failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Why a value was refused: a structured validation error.
///
/// Callers decide on [`field`](Invalid::field) and [`kind`](Invalid::kind), never on the text
/// of [`message`](Invalid::message), which is for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Invalid {
    /// The field at fault in the spec's camelCase spelling (`email`, `password`,
    /// `customData`), when there is one.
    pub field: Option<Cow<'static, str>>,
    /// What kind of problem it is.
    pub kind: InvalidKind,
    /// A message fit for the user.
    pub message: String,
}

/// The kinds of validation failure, each with the Stormpath error code it had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InvalidKind {
    /// A required value is missing or blank (code 2000).
    Required,
    /// A value has the wrong format, e.g. an email address without `@` (code 2006).
    Format,
    /// A password shorter than the directory's policy allows (code 2007).
    PasswordTooShort,
    /// A password longer than the directory's policy allows (code 2008).
    PasswordTooLong,
    /// A password missing a character class the policy requires (Stormpath answered 400).
    PasswordPolicy,
    /// A common, breached or predictable password, or one built from the account's own email,
    /// names or the site's name (the blocklist; Stormpath had no such rule, answered like the
    /// other policy rules: 400).
    PasswordGuessable,
    /// A value is larger than the store accepts (code 3004 for custom data).
    TooLarge,
    /// A property the resource does not have (code 2015).
    UnknownProperty,
    /// A malformed collection query: an unknown search attribute, a bad `orderBy` or range
    /// (code 2105).
    Query,
    /// Any other invalid value (code 2002).
    Other,
}

impl Invalid {
    /// A validation error of `kind` on `field`.
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        kind: InvalidKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            kind,
            message: message.into(),
        }
    }

    /// A validation error that concerns no single field.
    pub fn general(kind: InvalidKind, message: impl Into<String>) -> Self {
        Self {
            field: None,
            kind,
            message: message.into(),
        }
    }

    /// The Stormpath error code.
    #[must_use]
    pub fn code(&self) -> u32 {
        match self.kind {
            InvalidKind::Required => 2000,
            InvalidKind::Format => 2006,
            InvalidKind::PasswordTooShort => 2007,
            InvalidKind::PasswordTooLong => 2008,
            InvalidKind::PasswordPolicy | InvalidKind::PasswordGuessable => 400,
            InvalidKind::TooLarge => 3004,
            InvalidKind::UnknownProperty => 2015,
            InvalidKind::Query => 2105,
            InvalidKind::Other => 2002,
        }
    }
}

impl Error {
    /// The HTTP status code the Stormpath API used for this error.
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            Self::InvalidCredentials
            | Self::AccountDisabled
            | Self::AccountUnverified
            | Self::Validation(_)
            | Self::InvalidToken => 400,
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::Throttled { .. } => 429,
            Self::Unsupported(_) => 501,
            Self::MailUnavailable | Self::Unavailable => 503,
            Self::Backend(_) if self.is_unavailable() => 503,
            Self::Backend(_) => 500,
        }
    }

    /// Whether a dependency could not be reached: [`Error::Unavailable`], or a back-end failure
    /// caused by a remote server that did not answer (no connection, no answer in time, a
    /// broken exchange). Such a request deserves a 503 and a retry, never a 500.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unavailable => true,
            #[cfg(feature = "remote")]
            Self::Backend(_) => self
                .remote_failure()
                .is_some_and(crate::remote::Failure::is_unreachable),
            _ => false,
        }
    }

    /// Why a call to a Stormpath server failed, typed, when this error is such a failure: the
    /// server could not be reached or did not answer in time, answered something that is not
    /// the API, or refused the call with an error document this crate has no variant for (an
    /// API key it does not accept, a misconfigured application) — with the server's Stormpath
    /// code, status and request id. Answers the user can act on (a wrong password, a taken
    /// email, a weak password) are this enum's own variants instead.
    #[cfg(feature = "remote")]
    #[must_use]
    pub fn remote_failure(&self) -> Option<&crate::remote::Failure> {
        match self {
            Self::Backend(source) => source.downcast_ref(),
            _ => None,
        }
    }

    /// The Stormpath error code (the `code` member of its error document): for a call a
    /// Stormpath server refused without a variant of its own, the server's code.
    #[must_use]
    pub fn code(&self) -> u32 {
        #[cfg(feature = "remote")]
        if let Some(code) = self.remote_failure().and_then(crate::remote::Failure::code) {
            return code;
        }
        match self {
            Self::InvalidCredentials => 7100,
            Self::AccountDisabled => 7101,
            Self::AccountUnverified => 7102,
            Self::Conflict { .. } => 2001,
            Self::NotFound => 404,
            Self::Validation(invalid) => invalid.code(),
            Self::InvalidToken => 10017,
            Self::Throttled { .. } => 429,
            Self::Unsupported(_) => 501,
            Self::MailUnavailable | Self::Unavailable => 503,
            Self::Backend(_) if self.is_unavailable() => 503,
            Self::Backend(_) => 500,
        }
    }

    /// Wraps any back-end failure.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// Whether this is a failure of the back end (a 500, or a 503 for a dependency that cannot
    /// be reached) rather than an answer about the input.
    #[must_use]
    pub fn is_backend(&self) -> bool {
        matches!(self, Self::Backend(_) | Self::Unavailable)
    }

    /// The field at fault, for a validation error or a conflict.
    #[must_use]
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Validation(invalid) => invalid.field.as_deref(),
            Self::Conflict { field, .. } => Some(field),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_follow_the_stormpath_api() {
        assert_eq!(Error::InvalidCredentials.status(), 400);
        assert_eq!(Error::InvalidCredentials.code(), 7100);
        assert_eq!(Error::NotFound.status(), 404);
        let conflict = Error::Conflict {
            field: "email",
            message: "taken".into(),
        };
        assert_eq!((conflict.status(), conflict.code()), (409, 2001));
        assert_eq!(conflict.field(), Some("email"));
        assert_eq!(Error::backend(std::io::Error::other("disk")).status(), 500);
        assert_eq!(Error::MailUnavailable.status(), 503);
    }

    #[test]
    fn validation_errors_carry_their_field_and_code() {
        let err = Error::from(Invalid::new(
            "email",
            InvalidKind::Format,
            "Email is not a valid email address.",
        ));
        assert_eq!(err.status(), 400);
        assert_eq!(err.code(), 2006);
        assert_eq!(err.field(), Some("email"));
        assert_eq!(err.to_string(), "Email is not a valid email address.");
        let short = Invalid::new(
            "password",
            InvalidKind::PasswordTooShort,
            "Password requires at least 8 characters.",
        );
        assert_eq!(short.code(), 2007);
        let general = Invalid::general(InvalidKind::TooLarge, "Custom data is too large.");
        assert_eq!((general.field.is_none(), general.code()), (true, 3004));
    }
}
