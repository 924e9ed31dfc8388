//! Where the server's settings come from (command line, environment, config file — the CLI
//! merges them) and the errors of starting it.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use stormpath_store::{SEALING_KEY_LEN, mail::Mailer};

/// Why the server could not start or a command failed, in words for the operator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SettingsError {
    /// The store could not be opened.
    #[error("{0}")]
    Store(#[source] stormpath_store::Error),
    /// The sealing key is missing or unusable.
    #[error("{0}")]
    Key(String),
    /// A setting is invalid.
    #[error("{0}")]
    Invalid(String),
    /// Initialisation or a management command failed.
    #[error("{0}")]
    Init(String),
    /// A URL setting cannot be used (`--database`, `--base-url`).
    #[error("malformed {what} `{url}`: {reason}")]
    BadUrl {
        /// Which setting (`--database`, `--base-url`).
        what: &'static str,
        /// The value, any password hidden.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Another process holds a write lock on the SQLite database.
    #[error(
        "the database {database} is locked by another process (gave up after {} s): wait for \
         it to finish or stop it, then try again",
        waited.as_secs_f32()
    )]
    Locked {
        /// The database, any password hidden.
        database: String,
        /// How long we waited for the lock.
        waited: Duration,
    },
    /// The database server cannot be reached, or refused us.
    #[error("cannot connect to the database {database}: {reason}")]
    Unreachable {
        /// The database URL, its password hidden.
        database: String,
        /// Why.
        reason: String,
    },
    /// The database has no tenant administrator yet.
    #[error(
        "the database {database} is not initialised: run `stormpath-server init` (with the same \
         --database) first"
    )]
    NotInitialized {
        /// The database, any password hidden.
        database: String,
    },
    /// `init` on a database that has been initialised.
    #[error(
        "the database {database} is initialised already: create another admin key with \
         `stormpath-server api-keys create`"
    )]
    AlreadyInitialized {
        /// The database, any password hidden.
        database: String,
    },
    /// Another process listens on the address `serve` was given.
    #[error("cannot listen on {listen}: the port is in use (is another server running there?)")]
    PortInUse {
        /// The address.
        listen: String,
    },
    /// Mail could not be set up.
    #[error("mail: {0}")]
    Mail(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
}

/// The server's settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// The public URL clients use, without `/v1` (e.g. `http://127.0.0.1:8080`).
    pub base_url: String,
    /// The file holding the 32-byte key that seals API-key secrets at rest (base64). Default:
    /// beside a SQLite database (`stormpath.db.key`), else `./stormpath-server.key`.
    pub key_file: Option<PathBuf>,
    /// The sealing key itself, base64 (overrides the file; `STORMPATH_SERVER_KEY`).
    pub key: Option<String>,
    /// An SMTP URL for the reset and verification mails.
    pub smtp_url: Option<String>,
    /// A directory to drop mails into as files instead.
    pub mail_dir: Option<PathBuf>,
    /// The sender address.
    pub mail_from: String,
    /// Cheap password hashing, for test suites only.
    pub weak_hashing: bool,
    /// Refuse common, breached and personal passwords on every password set (default true;
    /// `--no-password-blocklist`, or `password_blocklist = false` in the config file).
    pub password_blocklist: bool,
    /// SQLite: how long to wait for another process's write lock (default: 5 s).
    pub busy_timeout: Option<Duration>,
    /// How long to wait for the database at start (default: 30 s, retrying).
    pub connect_timeout: Option<Duration>,
    /// A Redis server shared with the apps (`redis://…`): the login throttle's counters and
    /// revoked token ids live there and changes are announced over its pub/sub.
    pub redis_url: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://stormpath.db".into(),
            base_url: "http://127.0.0.1:8080".into(),
            key_file: None,
            key: None,
            smtp_url: None,
            mail_dir: None,
            mail_from: "no-reply@localhost".into(),
            weak_hashing: false,
            password_blocklist: true,
            busy_timeout: None,
            connect_timeout: None,
            redis_url: None,
        }
    }
}

impl Settings {
    /// `{base_url}/v1`, the prefix of every href.
    #[must_use]
    pub fn href_base(&self) -> String {
        let base = self.base_url.trim_end_matches('/');
        if base.ends_with("/v1") {
            base.to_owned()
        } else {
            format!("{base}/v1")
        }
    }

    /// The database URL with any password hidden.
    #[must_use]
    pub fn redacted_database_url(&self) -> String {
        redact(&self.database_url)
    }

    /// Where the sealing key lives.
    #[must_use]
    pub fn key_path(&self) -> PathBuf {
        if let Some(path) = &self.key_file {
            return path.clone();
        }
        match stormpath_store::sqlite_file(&self.database_url) {
            Some(file) => {
                let mut name = file.into_os_string();
                name.push(".key");
                PathBuf::from(name)
            }
            None => PathBuf::from("stormpath-server.key"),
        }
    }

    /// The sealing key.
    ///
    /// # Errors
    /// No key configured and no key file, or a key that is not 32 bytes of base64.
    pub fn sealing_key(&self) -> Result<Vec<u8>, SettingsError> {
        let text = match &self.key {
            Some(key) => key.clone(),
            None => {
                let path = self.key_path();
                std::fs::read_to_string(&path).map_err(|e| {
                    SettingsError::Key(format!(
                        "cannot read the server key {}: {e}. `stormpath-server init` writes it \
                         beside a SQLite database (for PostgreSQL: in the working directory); \
                         --key-file or STORMPATH_SERVER_KEY name another.",
                        path.display()
                    ))
                })?
            }
        };
        let key = STANDARD
            .decode(text.trim())
            .ok()
            .filter(|k| k.len() == SEALING_KEY_LEN)
            .ok_or_else(|| {
                SettingsError::Key(format!(
                    "the server key must be {SEALING_KEY_LEN} bytes in base64"
                ))
            })?;
        Ok(key)
    }

    /// Whether no sealing key is configured and its file does not exist yet (`init` makes
    /// one then).
    #[must_use]
    pub fn sealing_key_missing(&self) -> bool {
        self.key.is_none() && !self.key_path().exists()
    }

    /// Writes a new sealing key to [`key_path`](Self::key_path) (mode 0600, never replacing a
    /// file).
    ///
    /// # Errors
    /// The file exists or cannot be written.
    pub fn write_sealing_key(&self, key: &[u8]) -> Result<(), SettingsError> {
        write_private(&self.key_path(), &format!("{}\n", STANDARD.encode(key)))
    }

    /// A fresh random sealing key.
    #[must_use]
    pub fn new_sealing_key() -> Vec<u8> {
        let mut key = vec![0u8; SEALING_KEY_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        key
    }

    /// Checks the database URL (scheme, syntax, a SQLite file's directory) and the base URL
    /// without connecting.
    ///
    /// # Errors
    /// [`SettingsError::BadUrl`], or a SQLite directory that is missing or read-only.
    pub fn check(&self) -> Result<(), SettingsError> {
        check_base_url(&self.base_url)?;
        stormpath_store::check_url(&self.database_url).map_err(|e| self.opening_error(e))?;
        Ok(())
    }

    /// The operator's words for a failed query: a locked database, or the error's own text.
    #[must_use]
    pub fn query_error(&self, err: stormpath_client::Error) -> SettingsError {
        if stormpath_store::is_locked(&err) {
            SettingsError::Locked {
                database: self.redacted_database_url(),
                waited: self.busy_timeout.unwrap_or(Duration::from_secs(5)),
            }
        } else {
            SettingsError::Init(err.to_string())
        }
    }

    /// The operator's words for a failure to open the store: a locked SQLite file, an
    /// unreachable server, a malformed URL.
    #[must_use]
    pub fn opening_error(&self, err: stormpath_store::Error) -> SettingsError {
        use stormpath_store::Error as E;
        let database = self.redacted_database_url();
        if err.is_locked() {
            return SettingsError::Locked {
                database,
                waited: self.busy_timeout.unwrap_or(Duration::from_secs(5)),
            };
        }
        match err {
            E::BadUrl { url, reason } => SettingsError::BadUrl {
                what: "--database",
                url,
                reason,
            },
            E::UnsupportedUrl(url) => SettingsError::BadUrl {
                what: "--database",
                url,
                reason: "use sqlite://PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                    .into(),
            },
            E::Connect { source, .. } => SettingsError::Unreachable {
                database,
                reason: source.to_string(),
            },
            other => SettingsError::Store(other),
        }
    }

    /// The mail transport.
    ///
    /// # Errors
    /// A bad SMTP URL or mail directory.
    pub fn mailer(&self) -> Result<Mailer, SettingsError> {
        Mailer::new(
            self.smtp_url.as_deref(),
            self.mail_dir.as_deref(),
            &self.mail_from,
        )
        .map_err(|e| SettingsError::Mail(e.to_string()))
    }
}

/// Checks the public base URL: `http` or `https`, a host, no query or fragment.
///
/// # Errors
/// [`SettingsError::BadUrl`] saying what is wrong.
pub(crate) fn check_base_url(url: &str) -> Result<(), SettingsError> {
    let bad = |reason: &str| SettingsError::BadUrl {
        what: "--base-url",
        url: redact(url),
        reason: reason.to_owned(),
    };
    let uri: actix_web::http::Uri = url
        .parse()
        .map_err(|e: actix_web::http::uri::InvalidUri| bad(&e.to_string()))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("it must start with http:// or https://")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("it has no host"));
    }
    if uri.query().is_some() || url.contains('#') {
        return Err(bad("it must not have a query or a fragment"));
    }
    Ok(())
}

/// Writes a file readable by its owner only (0600 on Unix), refusing to replace one.
///
/// # Errors
/// The file exists or cannot be written.
pub(crate) fn write_private(path: &Path, contents: &str) -> Result<(), SettingsError> {
    use std::io::Write;
    open_private(path)?
        .write_all(contents.as_bytes())
        .map_err(|source| SettingsError::Io {
            path: path.to_owned(),
            source,
        })
}

/// Creates a new file only its owner can read (mode 0600 on Unix); an existing file is an
/// error, never overwritten.
pub(crate) fn open_private(path: &Path) -> Result<std::fs::File, SettingsError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|source| SettingsError::Io {
        path: path.to_owned(),
        source,
    })
}

/// Hides the password of a URL (`postgres://user:***@host/db`).
#[must_use]
pub(crate) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((auth, host)) if auth.contains(':') => {
            let user = auth.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}
