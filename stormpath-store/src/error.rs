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
    /// The database URL cannot be read.
    #[error("malformed database URL `{url}`: {reason}")]
    BadUrl {
        /// The URL, its password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The SQLite file's directory does not exist.
    #[error("the directory of the database file {0} does not exist")]
    MissingDirectory(PathBuf),
    /// The SQLite file (or its directory) cannot be written.
    #[error("the database file {0} is not writable")]
    ReadOnly(PathBuf),
    /// Connecting to the database failed.
    #[error("could not connect to the database {url}: {source}")]
    Connect {
        /// The database URL, its password hidden.
        url: String,
        /// Why.
        #[source]
        source: sqlx::Error,
    },
    /// Connecting to Redis (the state several instances share) failed.
    #[error("could not connect to Redis at {url}: {reason}")]
    Redis {
        /// The Redis URL, its password hidden.
        url: String,
        /// Why.
        reason: String,
    },
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
    /// A bulk import or export cannot go on (an unreadable file, a CSV header without an
    /// `email` column, an unknown directory); single bad records are reported in the
    /// import's summary instead.
    #[error("{0}")]
    Import(String),
    /// The password policy is inconsistent (e.g. minimum above maximum).
    #[error("invalid password policy: {0}")]
    InvalidPolicy(String),
}

impl Error {
    /// Whether the database refused because another process holds a lock on it (SQLite's
    /// `SQLITE_BUSY` or `SQLITE_LOCKED` after the busy timeout).
    #[must_use]
    pub fn is_locked(&self) -> bool {
        is_locked(self)
    }
}

/// Whether `err` or any error it was caused by is SQLite's "database is locked" (`SQLITE_BUSY`
/// or `SQLITE_LOCKED`, extended codes included): another process holds a write lock and the
/// busy timeout ran out. Works on the store's errors and on the
/// [`Backend`](stormpath_client::Error::Backend) errors of its queries.
#[must_use]
pub fn is_locked(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(sqlx::Error::Database(db)) = e.downcast_ref::<sqlx::Error>()
            && let Some(code) = db.code()
            && let Ok(code) = code.parse::<i32>()
            && matches!(code & 0xff, 5 | 6)
        {
            return true;
        }
        next = e.source();
    }
    false
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
            Failure::Database(err) if unreachable(&err) => {
                tracing::warn!(error = %err, "the database cannot be reached");
                Self::Unavailable
            }
            Failure::Database(err) => Self::backend(err),
            Failure::Answer(err) => err,
        }
    }
}

/// Whether `err` or any error it was caused by is a query that failed because the database
/// cannot be reached right now (connection refused or lost, no connection free in time, the
/// server shutting down), as opposed to a query the database refused: such a failure deserves
/// a 503 to retry later, never a 500. Works on the
/// [`Backend`](stormpath_client::Error::Backend) errors of the store's queries.
#[must_use]
pub fn is_unreachable(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(sqlx) = e.downcast_ref::<sqlx::Error>()
            && unreachable(sqlx)
        {
            return true;
        }
        next = e.source();
    }
    false
}

fn unreachable(err: &sqlx::Error) -> bool {
    matches!(
        err,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    ) || matches!(err, sqlx::Error::Database(db) if db.code().is_some_and(|c| {
        // PostgreSQL: connection exceptions (08xxx), shutting down (57P01-57P03).
        c.starts_with("08") || c.starts_with("57P0")
    }))
}

impl From<stormpath_client::Invalid> for Failure {
    fn from(invalid: stormpath_client::Invalid) -> Self {
        Self::Answer(invalid.into())
    }
}
