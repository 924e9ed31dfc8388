//! Where the server's settings come from (command line, environment, config file — the CLI
//! merges them) and the errors of starting it.

use std::path::{Path, PathBuf};

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
        let url = &self.database_url;
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or(path);
            if !path.is_empty() && path != ":memory:" {
                return PathBuf::from(format!("{path}.key"));
            }
        }
        PathBuf::from("stormpath-server.key")
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
                        "cannot read the server key {}: {e}. Run `stormpath-server init` first, \
                         or set STORMPATH_SERVER_KEY.",
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

    /// Creates the key file (mode 0600) when there is neither a key nor a file yet.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn create_sealing_key(&self) -> Result<(), SettingsError> {
        if self.key.is_some() {
            return Ok(());
        }
        let path = self.key_path();
        if path.exists() {
            return Ok(());
        }
        let mut key = [0u8; SEALING_KEY_LEN];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        write_private(&path, &format!("{}\n", STANDARD.encode(key)))
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

/// Writes a file readable by its owner only (0600 on Unix), refusing to replace one.
///
/// # Errors
/// The file exists or cannot be written.
pub fn write_private(path: &Path, contents: &str) -> Result<(), SettingsError> {
    use std::io::Write;
    let io = |source| SettingsError::Io {
        path: path.to_owned(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(io)?;
    file.write_all(contents.as_bytes()).map_err(io)
}

/// Hides the password of a URL (`postgres://user:***@host/db`).
#[must_use]
pub fn redact(url: &str) -> String {
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
