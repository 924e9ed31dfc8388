//! The [`Store`] handle and its builder.

use std::{sync::Arc, time::Duration};

use sqlx::{AnyPool, Row};
use stormpath_client::{
    EmailTemplates, PasswordStrength,
    throttle::{Counters, LocalCounters, Throttle},
};

use crate::{
    Error, HashParams, Result,
    cache::AccountCache,
    db::{self, Dialect},
    mail::{Mailer, PlainEmailTemplates},
    password::Hasher,
    shared::{Caches, Shared},
    token::{KeySet, MIN_SIGNING_KEY_LEN, Revocations, Tokens},
    util,
};

/// How many accounts the in-memory cache holds at most.
const ACCOUNT_CACHE_CAPACITY: u64 = 100_000;

/// The default bound on password hashes waiting for a permit, per permit
/// (see [`StoreBuilder::max_queued_hashes`]).
pub const QUEUED_HASHES_PER_PERMIT: usize = 64;

/// The embedded account store. Cheap to clone: clones share one pool, cache and revocation
/// list. Implements [`stormpath_client::Backend`].
#[derive(Clone)]
pub struct Store {
    /// What every application of the database shares.
    pub(crate) inner: Arc<Inner>,
    /// The application this handle acts for.
    pub(crate) scope: Arc<Scope>,
}

/// The application a [`Store`] handle acts for: where its accounts are created, which
/// directories its logins search, its password policy, how its tokens are signed and how its
/// emails read.
#[derive(Clone)]
pub(crate) struct Scope {
    pub(crate) application_id: String,
    /// The application and its default account store, as `/me` expands them.
    pub(crate) application: stormpath_client::Resource,
    pub(crate) directory: stormpath_client::Resource,
    /// The default account store's id: where new accounts and groups go.
    pub(crate) directory_id: String,
    pub(crate) strength: PasswordStrength,
    pub(crate) tokens: Arc<Tokens>,
    /// Whether issued tokens are kept with their JWT (the REST server's token resources).
    pub(crate) record_tokens: bool,
    /// Renders the emails this handle sends (the server's differ per directory).
    pub(crate) email_templates: Arc<dyn EmailTemplates>,
    /// When set, logins and email lookups search this one mapped directory only (a login
    /// attempt naming its `accountStore`).
    pub(crate) login_directory: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) pool: AnyPool,
    pub(crate) dialect: Dialect,
    pub(crate) href_base: String,
    pub(crate) hasher: Hasher,
    pub(crate) cache: Arc<AccountCache>,
    /// Revoked token ids, checked by every handle's tokens.
    pub(crate) revoked: Arc<Revocations>,
    /// Keeps the caches in step with the other instances (Redis, PostgreSQL, or nothing).
    pub(crate) shared: Shared,
    /// The throttle's buckets: in Redis when configured (every instance counts together),
    /// else in memory.
    pub(crate) counters: Arc<dyn Counters>,
    pub(crate) reset_ttl_ms: i64,
    /// Sends the reset, verification and notice emails (the outbox's sender uses it).
    pub(crate) mailer: Mailer,
    /// The outbox's caps, retries and notices.
    pub(crate) mail_policy: crate::MailPolicy,
    /// Delivers the outbox (one task per store, stopped with it).
    pub(crate) mail_sender: crate::outbox::sender::MailSender,
    pub(crate) verify_ttl_ms: i64,
    /// Seals new API-key secrets so that they can be given back (the REST server).
    pub(crate) sealer: Option<crate::seal::Sealer>,
    /// The largest custom-data document accepted, in bytes of JSON.
    pub(crate) max_custom_data_len: usize,
    /// Whether a password reset or change deletes the account's API keys.
    pub(crate) revoke_keys_on_password_change: bool,
    /// Whether every password set is checked against the blocklist
    /// ([`check_guessable`](crate::check_guessable)).
    pub(crate) password_blocklist: bool,
    /// Rotation, idle timeout and absolute lifetime of sessions.
    pub(crate) session_policy: crate::families::SessionPolicy,
}

impl Store {
    /// The throttle's buckets this store keeps (in Redis when the store has one, so every
    /// instance counts together; else in this process), for the limits an integration applies
    /// ([`Throttle::new`]).
    #[must_use]
    pub fn counters(&self) -> Arc<dyn Counters> {
        Arc::clone(&self.inner.counters)
    }

    /// A throttle with the default limits over [`Store::counters`].
    #[must_use]
    pub fn throttle(&self) -> Throttle {
        Throttle::new(
            self.counters(),
            stormpath_client::throttle::Limits::default(),
        )
    }

    /// Starts configuring a store.
    pub fn builder() -> StoreBuilder {
        StoreBuilder::default()
    }

    /// The SQL engine in use.
    #[must_use]
    pub fn dialect(&self) -> Dialect {
        self.inner.dialect
    }

    /// The connection pool, for tests and administration tools.
    #[must_use]
    pub fn pool(&self) -> &AnyPool {
        &self.inner.pool
    }

    /// A handle acting for another application of the same database, as the REST server
    /// does per request: accounts and groups go to that application's default account store,
    /// logins search its mapped directories in `listIndex` order, its directory's password
    /// policy applies, and tokens are signed with `signing_secret` under `kid` (the caller's
    /// API key), live as long as its OAuth policy says and are recorded with their JWT.
    /// Everything else (pool, hasher, caches, mailer) is shared with `self`.
    ///
    /// # Errors
    /// [`stormpath_client::Error::NotFound`] for an unknown application; a signing secret that
    /// is too short; a database failure.
    pub async fn for_application(
        &self,
        application_id: &str,
        kid: &str,
        signing_secret: &[u8],
    ) -> stormpath_client::Result<Store> {
        use stormpath_client::Error as E;
        let app = self
            .application_by_id(application_id)
            .await?
            .ok_or(E::NotFound)?;
        let default = match &app.default_account_store_mapping {
            Some(mapping) => self.mapping_by_id(mapping).await?,
            None => None,
        };
        let directory = match default {
            Some(m) => self.directory_by_id(&m.directory_id).await?,
            None => None,
        };
        let base = &self.inner.href_base;
        let keys =
            KeySet::new(signing_secret, Some(kid.to_owned()), &[]).map_err(|_| E::InvalidToken)?;
        let application = stormpath_client::Resource {
            href: format!("{base}/applications/{}", app.meta.id),
            name: app.name.clone(),
            status: app.status.clone(),
        };
        let tokens = Arc::new(Tokens::new(
            keys,
            application.href.clone(),
            (app.oauth.access_token_ttl, app.oauth.refresh_token_ttl),
            Arc::clone(&self.inner.revoked),
        ));
        let (directory_id, directory, strength) = match directory {
            Some(d) => (
                d.meta.id.clone(),
                stormpath_client::Resource {
                    href: format!("{base}/directories/{}", d.meta.id),
                    name: d.name.clone(),
                    status: d.status.clone(),
                },
                d.strength,
            ),
            None => (
                String::new(),
                stormpath_client::Resource {
                    href: String::new(),
                    name: String::new(),
                    status: "DISABLED".into(),
                },
                PasswordStrength::default(),
            ),
        };
        Ok(Store {
            inner: Arc::clone(&self.inner),
            scope: Arc::new(Scope {
                application_id: app.meta.id,
                application,
                directory,
                directory_id,
                strength,
                tokens,
                record_tokens: true,
                email_templates: Arc::clone(&self.scope.email_templates),
                login_directory: None,
            }),
        })
    }

    /// The same handle with its emails (reset and verification links, notices) rendered by
    /// `templates`: the REST server renders them with the link base URLs of the account's
    /// directory.
    #[must_use]
    pub fn with_email_templates(&self, templates: Arc<dyn EmailTemplates>) -> Store {
        let mut scope = (*self.scope).clone();
        scope.email_templates = templates;
        Store {
            inner: Arc::clone(&self.inner),
            scope: Arc::new(scope),
        }
    }

    /// The same handle with its logins, email lookups and password-reset and verification
    /// requests searching only `directory_id` (which should be one of the application's
    /// mapped directories), as for a login attempt that names its `accountStore`.
    #[must_use]
    pub fn restricted_to(&self, directory_id: &str) -> Store {
        let mut scope = (*self.scope).clone();
        scope.login_directory = Some(directory_id.to_owned());
        Store {
            inner: Arc::clone(&self.inner),
            scope: Arc::new(scope),
        }
    }

    /// The application this handle acts for: its id.
    #[must_use]
    pub fn application_id(&self) -> &str {
        &self.scope.application_id
    }

    /// The transport the store's emails go out through.
    #[must_use]
    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// The `href` base of every resource (`{public URL}/v1`).
    #[must_use]
    pub fn href_base(&self) -> &str {
        &self.inner.href_base
    }

    /// The `href` of an account id.
    pub(crate) fn account_href(&self, id: &str) -> String {
        format!("{}/accounts/{id}", self.inner.href_base)
    }
}

/// Configures and opens a [`Store`]. Every setter has a safe default except the signing key.
#[must_use]
pub struct StoreBuilder {
    database_url: String,
    application: String,
    directory: Option<String>,
    signing_key: Option<Vec<u8>>,
    key_id: Option<String>,
    retired_signing_keys: Vec<(String, Vec<u8>)>,
    href_base: String,
    access_ttl: Duration,
    refresh_ttl: Duration,
    hashing: HashParams,
    allow_weak_hashing: bool,
    max_concurrent_hashes: usize,
    max_queued_hashes: Option<usize>,
    cache_ttl: Duration,
    password_strength: Option<PasswordStrength>,
    max_connections: u32,
    reset_ttl: Duration,
    verify_ttl: Duration,
    allow_short_key: bool,
    mailer: Option<Mailer>,
    mail_policy: crate::MailPolicy,
    email_templates: Option<Arc<dyn EmailTemplates>>,
    sealing_key: Option<Vec<u8>>,
    max_custom_data_len: usize,
    revoke_keys_on_password_change: bool,
    password_blocklist: bool,
    session_policy: crate::families::SessionPolicy,
    waits: db::Waits,
    redis_url: Option<String>,
}

impl Default for StoreBuilder {
    fn default() -> Self {
        Self {
            database_url: "sqlite://stormpath.db".into(),
            application: "My Application".into(),
            directory: None,
            signing_key: None,
            key_id: None,
            retired_signing_keys: Vec::new(),
            href_base: "http://localhost:8080/v1".into(),
            access_ttl: Duration::from_secs(3600),
            refresh_ttl: Duration::from_secs(60 * 24 * 3600),
            hashing: HashParams::default(),
            allow_weak_hashing: false,
            max_concurrent_hashes: std::thread::available_parallelism().map_or(2, usize::from),
            max_queued_hashes: None,
            cache_ttl: Duration::from_secs(60),
            password_strength: None,
            max_connections: 10,
            reset_ttl: Duration::from_secs(24 * 3600),
            verify_ttl: Duration::from_secs(24 * 3600),
            allow_short_key: false,
            mailer: None,
            mail_policy: crate::MailPolicy::default(),
            email_templates: None,
            sealing_key: None,
            max_custom_data_len: crate::accounts::MAX_CUSTOM_DATA_LEN,
            revoke_keys_on_password_change: true,
            password_blocklist: true,
            session_policy: crate::families::SessionPolicy::default(),
            waits: db::Waits::default(),
            redis_url: None,
        }
    }
}

impl StoreBuilder {
    /// `sqlite://PATH` (created on first start; default `sqlite://stormpath.db`) or
    /// `postgres://USER@HOST/DB`.
    pub fn database_url(mut self, url: impl Into<String>) -> Self {
        self.database_url = url.into();
        self
    }

    /// The application name (created with its directory on first start).
    pub fn application(mut self, name: impl Into<String>) -> Self {
        self.application = name.into();
        self
    }

    /// The directory created and mapped as the application's default account store when the
    /// application has none yet (default: `"{application} Directory"`).
    pub fn directory(mut self, name: impl Into<String>) -> Self {
        self.directory = Some(name.into());
        self
    }

    /// The HS256 key tokens are signed with: its raw UTF-8 bytes, at least 32 of them.
    pub fn signing_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.signing_key = Some(key.as_ref().to_vec());
        self
    }

    /// The `kid` header put in tokens (the API key id when signing with an API key secret).
    /// Without one, tokens carry a `kid` derived from the key (the first 8 bytes of its
    /// SHA-256, in hex).
    pub fn key_id(mut self, kid: impl Into<String>) -> Self {
        self.key_id = Some(kid.into());
        self
    }

    /// A former signing key whose tokens still verify, for key rotation (repeatable). Tokens
    /// naming `kid` in their header, or the `kid` derived from `key` (what tokens carried while
    /// it was current without a [`key_id`](Self::key_id)), are verified with it; new tokens
    /// are always signed with [`signing_key`](Self::signing_key). Once the key is no longer
    /// configured, its tokens are refused. The same length rule as the signing key applies.
    pub fn retired_signing_key(mut self, kid: impl Into<String>, key: impl AsRef<[u8]>) -> Self {
        self.retired_signing_keys
            .push((kid.into(), key.as_ref().to_vec()));
        self
    }

    /// The base of resource hrefs, e.g. `https://example.com/v1`; account hrefs are
    /// `{base}/accounts/{id}` and are the `sub` of their tokens.
    pub fn href_base(mut self, base: impl Into<String>) -> Self {
        self.href_base = base.into().trim_end_matches('/').to_owned();
        self
    }

    /// Access-token lifetime (default 3600 s).
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.access_ttl = ttl;
        self
    }

    /// Refresh-token lifetime (default 60 days, Stormpath's `P60D`).
    pub fn refresh_token_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// Argon2id parameters (default: OWASP's m = 19 MiB, t = 2, p = 1).
    pub fn hashing(mut self, params: HashParams) -> Self {
        self.hashing = params;
        self
    }

    /// Accepts hashing parameters below OWASP's minimum. For test suites only.
    pub fn allow_weak_hashing(mut self, allow: bool) -> Self {
        self.allow_weak_hashing = allow;
        self
    }

    /// How many password hashes may run at once (default: the number of cores). Each holds the
    /// configured hashing memory while it runs.
    pub fn max_concurrent_hashes(mut self, n: usize) -> Self {
        self.max_concurrent_hashes = n.max(1);
        self
    }

    /// How many logins (and other password hashes) may wait for one of the
    /// [`max_concurrent_hashes`](Self::max_concurrent_hashes) permits; beyond them a request is
    /// refused at once with [`Unavailable`](stormpath_client::Error::Unavailable) (503, and the
    /// plugin adds `Retry-After`), before any lookup, so the refusal is the same whether or not
    /// the account exists.
    ///
    /// Default: [`QUEUED_HASHES_PER_PERMIT`] × the permits. A waiting login holds a few KiB
    /// (never argon2 memory), so the bound is about time: the last one waits about
    /// `max_queued / permits` hash times (64 × 15–50 ms with the OWASP parameters: 1–3 s,
    /// the order of the `Retry-After: 2` a refused client is given), past which a client is
    /// better told to come back than kept waiting towards its own timeout.
    pub fn max_queued_hashes(mut self, n: usize) -> Self {
        self.max_queued_hashes = Some(n);
        self
    }

    /// How long an account stays in the in-memory cache without being reloaded (default 60 s;
    /// writes through this store invalidate it at once).
    pub fn cache_ttl(mut self, ttl: Duration) -> Self {
        self.cache_ttl = ttl;
        self
    }

    /// The directory's password-strength policy; stored on start. When not set, the stored
    /// policy (Stormpath's default on first start) stays.
    pub fn password_strength(mut self, policy: PasswordStrength) -> Self {
        self.password_strength = Some(policy);
        self
    }

    /// Whether every password set — registration, reset, change, an update through the REST
    /// API, an import with a plain password — is refused when it is common, breached, a
    /// predictable pattern, or built from the account's email, names, username or the
    /// application's name ([`check_guessable`](crate::check_guessable)). Default: on.
    pub fn password_blocklist(mut self, on: bool) -> Self {
        self.password_blocklist = on;
        self
    }

    /// Accepts a signing key shorter than 32 bytes (never an empty one). For conformance
    /// harnesses that dictate their own key only.
    pub fn allow_short_signing_key(mut self, allow: bool) -> Self {
        self.allow_short_key = allow;
        self
    }

    /// How long a password-reset link stays valid (default 24 hours, Stormpath's default).
    pub fn password_reset_ttl(mut self, ttl: Duration) -> Self {
        self.reset_ttl = ttl;
        self
    }

    /// How long an email-verification link stays valid (default 24 hours).
    pub fn verification_ttl(mut self, ttl: Duration) -> Self {
        self.verify_ttl = ttl;
        self
    }

    /// How the store sends its emails (reset and verification links, the password-changed
    /// notice). Default: none are sent; each is logged as one line naming the recipient.
    pub fn mailer(mut self, mailer: Mailer) -> Self {
        self.mailer = Some(mailer);
        self
    }

    /// The outbox's per-address caps, retry schedule and security notices (default:
    /// [`MailPolicy::default`](crate::MailPolicy), 5 reset and 5 verification mails per
    /// address per hour, retries after 1 s doubling up to 60 s for 3 days).
    pub fn mail_policy(mut self, policy: crate::MailPolicy) -> Self {
        self.mail_policy = policy;
        self
    }

    /// How the store's emails read: the application's words, links and look (the web plugin
    /// passes its overridable templates). Default: [`PlainEmailTemplates`], plain text with the
    /// bare one-time code.
    pub fn email_templates(mut self, templates: impl EmailTemplates) -> Self {
        self.email_templates = Some(Arc::new(templates));
        self
    }

    /// A 32-byte key under which new API-key secrets are also kept sealed (AES-256-GCM), so
    /// that the REST server can give them back ([`Store::api_key_record`]). Without
    /// one (the default), only a digest of each secret is kept.
    pub fn sealing_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.sealing_key = Some(key.as_ref().to_vec());
        self
    }

    /// SQLite: how long a statement waits for another process's write lock before failing
    /// with "database is locked" (default 5 s). Command-line tools set a short one and say
    /// so ([`Error::is_locked`]).
    pub fn busy_timeout(mut self, wait: Duration) -> Self {
        self.waits.busy = Some(wait);
        self
    }

    /// How long opening the store waits for the database (default: the pool's 30 s, retrying
    /// refused connections). When set, the first connection is tried once within `wait` and
    /// its failure (refused, bad password, no answer) is returned as [`Error::Connect`].
    pub fn connect_timeout(mut self, wait: Duration) -> Self {
        self.waits.connect = Some(wait);
        self
    }

    /// The largest custom-data document an account (or, through the admin queries, any
    /// resource) may hold, in bytes of JSON (default 64 KiB; the Stormpath REST API allows
    /// 10 MB, which the REST server sets).
    pub fn max_custom_data_len(mut self, bytes: usize) -> Self {
        self.max_custom_data_len = bytes.max(2);
        self
    }

    /// A Redis server (`redis://[:PASSWORD@]HOST[:PORT][/DB]`) shared by every instance of
    /// the application: revoked token ids (with a TTL equal to the token's remaining life)
    /// and the login throttle's counters live there, and cache invalidations travel over its
    /// pub/sub, so that a logout, a password change, a disabled account or a group change
    /// reaches every instance within a second. Without it, instances sharing a PostgreSQL
    /// database announce changes over `LISTEN`/`NOTIFY`; a SQLite store is one process.
    /// Unreachable at start: [`Error::Redis`]; unreachable later: requests that would trust
    /// the caches get [`stormpath_client::Error::Unavailable`] (503) until it is back.
    pub fn redis_url(mut self, url: impl Into<String>) -> Self {
        self.redis_url = Some(url.into()).filter(|u: &String| !u.trim().is_empty());
        self
    }

    /// Whether a password reset or change deletes the account's API keys (and so voids its
    /// client-credentials tokens) as well as its sessions (default `true`): a key minted by a
    /// stolen session must not outlive the owner's reset.
    pub fn revoke_api_keys_on_password_change(mut self, revoke: bool) -> Self {
        self.revoke_keys_on_password_change = revoke;
        self
    }

    /// Whether each refresh replaces the refresh token (default `false`: spec §6.4 keeps the
    /// same one). With rotation on, a replaced refresh token presented again — a sign it was
    /// stolen — revokes its whole session, and two concurrent refreshes of one token leave one
    /// winner.
    pub fn rotate_refresh_tokens(mut self, rotate: bool) -> Self {
        self.session_policy.rotate = rotate;
        self
    }

    /// With rotation on, how long a replaced refresh token may still be exchanged (each time
    /// for a new one of its session) before presenting it counts as reuse (default zero: at
    /// once). A few seconds spare a browser whose parallel requests all refresh one expired
    /// cookie; a thief within that window is not detected.
    pub fn refresh_reuse_grace(mut self, grace: Duration) -> Self {
        self.session_policy.reuse_grace = grace;
        self
    }

    /// Ends a session that has not refreshed its access token for `idle` (default: never).
    /// Measured between refreshes, so meaningful above the access-token lifetime.
    pub fn session_idle_timeout(mut self, idle: Duration) -> Self {
        self.session_policy.idle = idle;
        self
    }

    /// Ends every session `lifetime` after its password entry, however often it was refreshed
    /// (default: the refresh token's own lifetime).
    pub fn session_lifetime(mut self, lifetime: Duration) -> Self {
        self.session_policy.lifetime = lifetime;
        self
    }

    /// Maximum pool size (default 10).
    pub fn max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Opens the database (creating and migrating it as needed) and bootstraps the
    /// application and its directory.
    ///
    /// # Errors
    /// A missing or short signing key, weak hashing without the test switch, an inconsistent
    /// policy, an unusable database URL or file, or a failing migration.
    pub async fn build(self) -> Result<Store> {
        let key = self.signing_key.clone().unwrap_or_default();
        for key in std::iter::once(&key).chain(self.retired_signing_keys.iter().map(|(_, k)| k)) {
            if key.is_empty() || (key.len() < MIN_SIGNING_KEY_LEN && !self.allow_short_key) {
                return Err(Error::WeakSigningKey {
                    min: MIN_SIGNING_KEY_LEN,
                    got: key.len(),
                });
            }
        }
        let keys =
            KeySet::new(&key, self.key_id.clone(), &self.retired_signing_keys).map_err(|_| {
                Error::WeakSigningKey {
                    min: MIN_SIGNING_KEY_LEN,
                    got: 0,
                }
            })?;
        if !self.hashing.meets_owasp_minimum() && !self.allow_weak_hashing {
            return Err(Error::WeakHashing);
        }
        if !self.hashing.meets_owasp_minimum() {
            tracing::warn!("password hashing below the OWASP minimum: for tests only");
        }
        if let Some(policy) = &self.password_strength {
            validate_policy(policy)?;
        }
        let sealer = match &self.sealing_key {
            Some(key) => Some(crate::seal::Sealer::new(key).ok_or(Error::WeakSigningKey {
                min: crate::seal::SEALING_KEY_LEN,
                got: key.len(),
            })?),
            None => None,
        };
        let queued = self.max_queued_hashes.unwrap_or_else(|| {
            self.max_concurrent_hashes
                .saturating_mul(QUEUED_HASHES_PER_PERMIT)
        });
        let hasher = Hasher::new(self.hashing, self.max_concurrent_hashes, queued)?;
        let (pool, dialect) =
            db::open(&self.database_url, self.max_connections, self.waits).await?;
        let (directory_id, directory_name, application_id, strength) = bootstrap(
            &pool,
            &self.application,
            self.directory.as_deref(),
            self.password_strength,
        )
        .await?;
        let resource = |kind: &str, id: &str, name: String| stormpath_client::Resource {
            href: format!("{}/{kind}/{id}", self.href_base),
            name,
            status: "ENABLED".into(),
        };
        let directory = resource("directories", &directory_id, directory_name);
        let application = resource("applications", &application_id, self.application.clone());
        // Tokens are issued by the application (spec §6.1: `iss` is its href).
        let revoked = Arc::new(Revocations::default());
        let tokens = Arc::new(Tokens::new(
            keys,
            application.href.clone(),
            (secs(self.access_ttl), secs(self.refresh_ttl)),
            Arc::clone(&revoked),
        ));
        sqlx::query("DELETE FROM revoked_tokens WHERE expires_at <= $1")
            .bind(util::now_secs())
            .execute(&pool)
            .await?;
        let cache = Arc::new(AccountCache::new(self.cache_ttl, ACCOUNT_CACHE_CAPACITY));
        let caches = Caches {
            accounts: Arc::clone(&cache),
            revoked: Arc::clone(&revoked),
            pool: pool.clone(),
        };
        let shared = Shared::start(
            self.redis_url.as_deref(),
            (dialect, &self.database_url),
            caches,
        )
        .await?;
        let counters: Arc<dyn Counters> = match shared.counters() {
            Some(counters) => Arc::new(counters),
            None => Arc::new(LocalCounters::default()),
        };
        let mailer = match self.mailer {
            Some(mailer) => mailer,
            None => Mailer::new(None, None, "no-reply@localhost")?,
        };
        let mail_sender = crate::outbox::sender::MailSender::start(
            pool.clone(),
            dialect,
            mailer.clone(),
            self.mail_policy,
        );
        Ok(Store {
            scope: Arc::new(Scope {
                application_id,
                application,
                directory,
                directory_id,
                strength,
                tokens,
                record_tokens: false,
                email_templates: self.email_templates.unwrap_or_else(|| {
                    Arc::new(PlainEmailTemplates {
                        application: self.application.clone(),
                    })
                }),
                login_directory: None,
            }),
            inner: Arc::new(Inner {
                pool,
                dialect,
                href_base: self.href_base,
                hasher,
                cache,
                revoked,
                shared,
                counters,
                reset_ttl_ms: secs(self.reset_ttl).saturating_mul(1000),
                verify_ttl_ms: secs(self.verify_ttl).saturating_mul(1000),
                sealer,
                max_custom_data_len: self.max_custom_data_len,
                revoke_keys_on_password_change: self.revoke_keys_on_password_change,
                password_blocklist: self.password_blocklist,
                session_policy: self.session_policy,
                mailer,
                mail_policy: self.mail_policy,
                mail_sender,
            }),
        })
    }
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2)
}

pub(crate) fn validate_policy(p: &PasswordStrength) -> Result<()> {
    if p.min_length == 0 || p.min_length > p.max_length {
        return Err(Error::InvalidPolicy(
            "minLength must be between 1 and maxLength".into(),
        ));
    }
    let classes = p.min_lower_case + p.min_upper_case + p.min_numeric + p.min_symbol;
    if classes > p.max_length {
        return Err(Error::InvalidPolicy(
            "character minimums exceed maxLength".into(),
        ));
    }
    Ok(())
}

/// Creates the application, its directory and the mapping between them on first start;
/// returns the application's default account store (id and name), the application id and the
/// store's password policy.
async fn bootstrap(
    pool: &AnyPool,
    application: &str,
    directory: Option<&str>,
    strength: Option<PasswordStrength>,
) -> Result<(String, String, String, PasswordStrength)> {
    let now = util::now_ms();
    let default_policy = serde_json::to_string(&strength.unwrap_or_default()).unwrap_or_default();
    sqlx::query(
        "INSERT INTO applications (id, name, created_at, modified_at) \
         VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING",
    )
    .bind(util::new_id())
    .bind(application)
    .bind(now)
    .execute(pool)
    .await?;
    let application_id: String = sqlx::query("SELECT id FROM applications WHERE name = $1")
        .bind(application)
        .fetch_one(pool)
        .await?
        .try_get(0)?;
    let default_store = sqlx::query(
        "SELECT directory_id FROM account_store_mappings \
         WHERE application_id = $1 AND is_default_account_store = 1",
    );
    let directory_id: String = match default_store
        .bind(&application_id)
        .fetch_optional(pool)
        .await?
    {
        Some(row) => row.try_get(0)?,
        None => {
            // First start: the application's own directory, mapped as its default stores.
            let name = directory.map_or_else(|| format!("{application} Directory"), str::to_owned);
            sqlx::query(
                "INSERT INTO directories (id, name, password_policy, created_at, modified_at) \
                 VALUES ($1, $2, $3, $4, $4) ON CONFLICT (name) DO NOTHING",
            )
            .bind(util::new_id())
            .bind(&name)
            .bind(&default_policy)
            .bind(now)
            .execute(pool)
            .await?;
            let id: String = sqlx::query("SELECT id FROM directories WHERE name = $1")
                .bind(&name)
                .fetch_one(pool)
                .await?
                .try_get(0)?;
            sqlx::query(
                "INSERT INTO account_store_mappings (id, application_id, directory_id, \
                 list_index, is_default_account_store, is_default_group_store, created_at, \
                 modified_at) VALUES ($1, $2, $3, 0, 1, 1, $4, $4) \
                 ON CONFLICT (application_id, directory_id) DO NOTHING",
            )
            .bind(util::new_id())
            .bind(&application_id)
            .bind(&id)
            .bind(now)
            .execute(pool)
            .await?;
            id
        }
    };
    if strength.is_some() {
        sqlx::query("UPDATE directories SET password_policy = $1, modified_at = $2 WHERE id = $3")
            .bind(&default_policy)
            .bind(now)
            .bind(&directory_id)
            .execute(pool)
            .await?;
    }
    let row = sqlx::query("SELECT name, password_policy FROM directories WHERE id = $1")
        .bind(&directory_id)
        .fetch_one(pool)
        .await?;
    let policy: String = row.try_get(1)?;
    let strength = serde_json::from_str(&policy)
        .map_err(|e| Error::InvalidPolicy(format!("stored policy unreadable: {e}")))?;
    Ok((directory_id, row.try_get(0)?, application_id, strength))
}
