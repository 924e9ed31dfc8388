//! The store's error type: what can go wrong while opening the store.
//!
//! Failures while serving a request are reported as [`stormpath_client::Error`], the
//! [`Backend`](stormpath_client::Backend) trait's error.

use std::path::PathBuf;

/// A specialised `Result` for opening and configuring the store.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why the store could not be opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The database URL is neither `sqlite:` nor `postgres:`.
    #[error("unsupported database URL `{0}`: use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    /// The SQLite file's directory does not exist.
    #[error("the directory of the database file {0} does not exist")]
    MissingDirectory(PathBuf),
    /// The SQLite file (or its directory) cannot be written.
    #[error("the database file {0} is not writable")]
    ReadOnly(PathBuf),
    /// Connecting to the database failed.
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    /// Applying the embedded migrations failed.
    #[error("could not migrate the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed while bootstrapping.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// The token signing key is too short to be safe.
    #[error("the token signing key must be at least {min} bytes long (got {got})")]
    WeakSigningKey {
        /// Minimum length in bytes.
        min: usize,
        /// Length given.
        got: usize,
    },
    /// Password-hashing parameters below OWASP's minimum, without the explicit test switch.
    #[error("argon2 parameters below the OWASP minimum (m=19456 KiB, t=2, p=1)")]
    WeakHashing,
    /// The default mail transport could not be set up.
    #[error("could not set up mail: {0}")]
    Mail(#[from] crate::mail::MailError),
    /// The password policy is inconsistent (e.g. minimum above maximum).
    #[error("invalid password policy: {0}")]
    InvalidPolicy(String),
}

/// A failure while serving a request: a query that failed, or an answer for the caller (not
/// found, invalid input, conflict…).
///
/// The store's query helpers return it so that `?` takes both a [`sqlx::Error`] and a
/// [`stormpath_client::Error`]; the one `From` below turns it into the
/// [`Backend`](stormpath_client::Backend) trait's error at the crate boundary.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// A query failed: a back-end error (500) for the caller.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// An answer that is already the caller's error.
    #[error(transparent)]
    Answer(#[from] stormpath_client::Error),
}

/// What the store's query helpers return.
pub(crate) type Fallible<T> = std::result::Result<T, Failure>;

impl From<Failure> for stormpath_client::Error {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Database(err) => Self::backend(err),
            Failure::Answer(err) => err,
        }
    }
}

impl From<stormpath_client::Invalid> for Failure {
    fn from(invalid: stormpath_client::Invalid) -> Self {
        Self::Answer(invalid.into())
    }
}
