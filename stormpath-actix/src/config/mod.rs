//! Configuration: the spec's `stormpath.*` tree (§3), typed, loaded from files, environment
//! variables and the builder — read once at startup, never looked up by string at request time.
//!
//! Sources, later ones winning:
//! 1. the defaults below (the spec's);
//! 2. `./apiKey.properties` (read only for a key no other file sets, as the SDKs do),
//!    `~/.stormpath/apiKey.properties`, `~/.stormpath/stormpath.{yml,yaml,toml,json}`,
//!    `./stormpath.{yml,yaml,toml,json}` (or only the file named by `STORMPATH_CONFIG_FILE`);
//!    a file may wrap everything in a top-level `stormpath:` key;
//! 3. environment variables: every key as `STORMPATH_` + its path upper-cased and joined by
//!    `_` (camelCase segments lose their case, e.g. `STORMPATH_WEB_REGISTER_AUTOLOGIN`), plus
//!    the aliases of [`ENV_ALIASES`];
//! 4. what the builder sets.

pub(crate) mod load;
pub mod security;
pub(crate) mod settings;
mod sources;
pub mod web;

use std::fmt;

use serde::{Deserialize, Serialize};
pub use stormpath_client::PasswordStrength;

pub(crate) use load::load;
pub use security::SecurityConfig;
pub(crate) use settings::{FieldSpec, Settings};
pub use web::WebConfig;

/// Environment variables read besides the generic `STORMPATH_<PATH>` ones, and the key each
/// sets.
pub const ENV_ALIASES: &[(&str, &str)] = &[
    ("SECRET_KEY", "secretKey"),
    ("STORMPATH_SECRET_KEY", "secretKey"),
    // A name, or an href when it starts with `http://` or `https://`.
    ("STORMPATH_APPLICATION", "application.name"),
    ("STORMPATH_APPLICATION_NAME", "application.name"),
    ("STORMPATH_APPLICATION_HREF", "application.href"),
    ("STORMPATH_API_KEY_ID", "apiKey.id"),
    ("STORMPATH_API_KEY_SECRET", "apiKey.secret"),
    ("STORMPATH_API_KEY_FILE", "apiKey.file"),
    ("STORMPATH_CLIENT_APIKEY_ID", "client.apiKey.id"),
    ("STORMPATH_CLIENT_APIKEY_SECRET", "client.apiKey.secret"),
    ("STORMPATH_CLIENT_APIKEY_FILE", "client.apiKey.file"),
    ("STORMPATH_DATABASE_URL", "database.url"),
    ("DATABASE_URL_STORMPATH", "database.url"),
    ("STORMPATH_REDIS_URL", "database.redisUrl"),
    ("STORMPATH_BASE_URL", "web.baseUrl"),
    ("STORMPATH_SMTP_URL", "mail.smtpUrl"),
    ("STORMPATH_MAIL_DIR", "mail.dir"),
    ("STORMPATH_MAIL_FROM", "mail.from"),
];

/// A secret string: its `Debug` prints `***`.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The whole configuration tree.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// Flask-Stormpath's `SECRET_KEY`: signs tokens (when no API key is set) and CSRF tokens.
    /// Required; at least 32 characters.
    pub secret_key: Option<Secret>,
    /// The application.
    pub application: ApplicationConfig,
    /// SDK client settings: the API key, and `baseUrl`, which selects a remote Stormpath
    /// server (with the API key) instead of the embedded store.
    pub client: ClientConfig,
    /// Legacy top-level API key (`STORMPATH_API_KEY_*`); wins over `client.apiKey`.
    pub api_key: ApiKeyConfig,
    /// The embedded account store.
    pub database: DatabaseConfig,
    /// Token lifetimes.
    pub tokens: TokensConfig,
    /// Password policy and hashing.
    pub password: PasswordConfig,
    /// Outgoing mail (password reset, email verification).
    pub mail: MailConfig,
    /// The web integration.
    pub web: WebConfig,
    /// Throttling, trusted proxies and the rules around API keys (not in the spec's tree).
    pub security: SecurityConfig,
}

/// `stormpath.application`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ApplicationConfig {
    /// Application name (default "My Application").
    pub name: Option<String>,
    /// Application href (must contain `/applications/`).
    pub href: Option<String>,
}

/// `stormpath.client` (unknown SDK keys such as `cacheManager` are accepted and ignored).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ClientConfig {
    /// The API key.
    pub api_key: ApiKeyConfig,
    /// Base URL of a remote Stormpath REST API (`http://127.0.0.1:8080/v1`,
    /// `STORMPATH_CLIENT_BASEURL`): set with an API key, it selects the remote back end.
    pub base_url: Option<String>,
    /// How the remote back end authenticates its requests: `SAUTHC1` (the default: signed,
    /// the secret never sent) or `BASIC` (`STORMPATH_CLIENT_AUTHENTICATIONSCHEME`).
    pub authentication_scheme: Option<String>,
}

/// An API key pair, or a file holding one in `apiKey.properties` format.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiKeyConfig {
    /// Key id.
    pub id: Option<String>,
    /// Key secret.
    pub secret: Option<Secret>,
    /// Path of an `apiKey.properties` file.
    pub file: Option<String>,
}

/// `stormpath.database`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (default `sqlite://stormpath.db`, created on first start) or
    /// `postgres://…`.
    pub url: String,
    /// A Redis server shared by every instance of the application (`redis://…`,
    /// `STORMPATH_REDIS_URL`): revocations and login throttle counters live there and cache
    /// invalidations travel over its pub/sub. Without it, instances on one PostgreSQL
    /// database use `LISTEN`/`NOTIFY`. Default: none.
    pub redis_url: Option<Secret>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: "sqlite://stormpath.db".into(),
            redis_url: None,
        }
    }
}

/// `stormpath.tokens`: lifetimes in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct TokensConfig {
    /// Access-token lifetime (default 3600).
    pub access_token_ttl: u64,
    /// Refresh-token lifetime (default 5184000, 60 days).
    pub refresh_token_ttl: u64,
    /// Password-reset link lifetime (default 86400, 24 hours: Stormpath's default).
    pub password_reset_ttl: u64,
    /// Email-verification link lifetime (default 86400, 24 hours).
    pub verification_ttl: u64,
    /// Former signing keys (a former `SECRET_KEY` or API key secret), for key rotation: tokens
    /// they signed keep verifying until the key is removed from this list; new tokens are
    /// signed with the current key only. Default: none.
    pub retired_signing_keys: Vec<Secret>,
}

impl Default for TokensConfig {
    fn default() -> Self {
        Self {
            access_token_ttl: 3600,
            refresh_token_ttl: 60 * 24 * 3600,
            password_reset_ttl: 24 * 3600,
            verification_ttl: 24 * 3600,
            retired_signing_keys: Vec::new(),
        }
    }
}

/// `stormpath.mail`: how mail leaves. SMTP when `smtpUrl` is set, else one `.eml` file per
/// message in `dir`, else only a log line (development).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[non_exhaustive]
pub struct MailConfig {
    /// `smtp://host:port`, `smtps://user:pass@host`, `smtp://host?tls=required`
    /// (`STORMPATH_SMTP_URL`).
    pub smtp_url: Option<Secret>,
    /// A directory for `.eml` files (`STORMPATH_MAIL_DIR`).
    pub dir: Option<String>,
    /// The sender (`STORMPATH_MAIL_FROM`).
    pub from: String,
    /// At most this many password-reset mails, and as many verification mails, per address
    /// per `capWindow` (default 5); over it `/forgot` and the verification resend answer as
    /// usual and queue nothing.
    pub cap_per_address: u32,
    /// The caps' sliding window in seconds (default 3600).
    pub cap_window: u64,
    /// The longest wait between two delivery attempts while the mail server is down, in
    /// seconds (default 60; attempts start 1 s apart and double).
    pub retry_max: u64,
}

impl Default for MailConfig {
    fn default() -> Self {
        // The embedded store's `MailPolicy` defaults (the config does not need the store).
        Self {
            smtp_url: None,
            dir: None,
            from: "Accounts <no-reply@localhost>".into(),
            cap_per_address: 5,
            cap_window: 3600,
            retry_max: 60,
        }
    }
}

/// `stormpath.password`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PasswordConfig {
    /// `stormpath` (default): `strength` as configured (Stormpath's composition rules by
    /// default). `nist`: NIST SP 800-63B for single-factor passwords — at least 15 characters,
    /// at most 128, no composition rules, the blocklist on — in place of `strength`.
    pub preset: PasswordPreset,
    /// The directory's strength policy (Stormpath's default).
    pub strength: PasswordStrength,
    /// Refuse common and breached passwords, predictable patterns, and passwords built from
    /// the account's email, names, username or the application's name, on every password set
    /// (default true; the `nist` preset keeps it on).
    pub blocklist: bool,
    /// Argon2id parameters.
    pub hashing: HashingConfig,
}

impl Default for PasswordConfig {
    fn default() -> Self {
        Self {
            preset: PasswordPreset::Stormpath,
            strength: PasswordStrength::default(),
            blocklist: true,
            hashing: HashingConfig::default(),
        }
    }
}

impl PasswordConfig {
    /// The strength rules and the blocklist switch the preset leaves in force.
    #[must_use]
    pub fn effective(&self) -> (PasswordStrength, bool) {
        match self.preset {
            PasswordPreset::Stormpath => (self.strength, self.blocklist),
            PasswordPreset::Nist => (PasswordStrength::nist(), true),
        }
    }
}

/// `stormpath.password.preset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum PasswordPreset {
    /// Stormpath's directory policy (`strength`), with the blocklist as configured.
    Stormpath,
    /// NIST SP 800-63B, single-factor: length 15 to 128, no composition rules, blocklist on.
    Nist,
}

/// `stormpath.password.hashing`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct HashingConfig {
    /// Memory in KiB (default 19456).
    pub memory_kib: u32,
    /// Passes (default 2).
    pub iterations: u32,
    /// Lanes (default 1).
    pub parallelism: u32,
    /// Hashes allowed to run at once (default: the number of cores).
    pub max_concurrent: Option<usize>,
    /// Logins (and other password hashes) allowed to wait for one of those; beyond them a
    /// request is refused at once with 503 and `Retry-After` (default: 64 per concurrent hash,
    /// `stormpath_store::QUEUED_HASHES_PER_PERMIT`).
    pub max_queued: Option<usize>,
    /// Accept parameters below OWASP's minimum. For test suites only.
    pub insecure_allow_weak: bool,
}

impl Default for HashingConfig {
    fn default() -> Self {
        // OWASP's argon2id minimum (`stormpath_store::HashParams::OWASP`).
        Self {
            memory_kib: 19_456,
            iterations: 2,
            parallelism: 1,
            max_concurrent: None,
            max_queued: None,
            insecure_allow_weak: false,
        }
    }
}
