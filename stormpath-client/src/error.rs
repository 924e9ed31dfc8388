//! The crate's error type.

/// A specialised `Result` for backend operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything a [`Backend`](crate::Backend) operation can fail with.
///
/// The first group of variants are answers a user can act on; each maps to the HTTP status the
/// Stormpath API used for it ([`Error::status`]). The last variant means the back end itself
/// broke: its text is for logs only and must never be shown to a client.
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
    /// The input was rejected; the message says why and is fit for the user.
    #[error("{0}")]
    Validation(String),
    /// A token was malformed, forged, expired, revoked or of the wrong kind.
    #[error("Token is invalid.")]
    InvalidToken,
    /// The back end failed (database, I/O). The text is for logs, never for clients.
    #[error("backend failure: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
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
            Self::Backend(_) => 500,
        }
    }

    /// Wraps any back-end failure.
    pub fn backend(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(err))
    }

    /// Whether this is a back-end failure (a 500) rather than an answer about the input.
    #[must_use]
    pub fn is_backend(&self) -> bool {
        matches!(self, Self::Backend(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_follow_the_stormpath_api() {
        assert_eq!(Error::InvalidCredentials.status(), 400);
        assert_eq!(Error::NotFound.status(), 404);
        let conflict = Error::Conflict {
            field: "email",
            message: "taken".into(),
        };
        assert_eq!(conflict.status(), 409);
        assert_eq!(Error::backend(std::io::Error::other("disk")).status(), 500);
    }
}
