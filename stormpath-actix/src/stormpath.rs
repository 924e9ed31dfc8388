//! The [`Stormpath`] handle, its builder, and [`init`].

#[cfg(feature = "embedded")]
use std::time::Duration;
use std::{
    path::PathBuf,
    sync::{Arc, OnceLock},
};

use actix_web::web::ServiceConfig;
use stormpath_client::{
    Backend,
    throttle::{Counters, LocalCounters, Throttle},
};
#[cfg(feature = "embedded")]
use stormpath_store::{HashParams, Store, mail::Mailer};

use crate::{
    CustomData, Error,
    config::{self, Config, Settings},
    custom_data::Schema,
    features,
    templates::Templates,
};

/// A configured integration: settings, the account store and the page renderer.
///
/// Cheap to clone (one `Arc`). Install it on an app with [`Stormpath::configure`].
#[derive(Clone)]
pub struct Stormpath {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    backend: Arc<dyn Backend>,
    templates: Arc<Templates>,
    throttle: Throttle,
    /// The subscribers to the audit trail (`audit.rs`).
    audit_hooks: Vec<crate::audit::Hook>,
    social: crate::social::Social,
    hooks: crate::hooks::Hooks,
}

impl std::fmt::Debug for Stormpath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stormpath")
            .field("application", &self.inner.settings.application)
            .finish_non_exhaustive()
    }
}

/// The handle, as a handler argument (the feature routes take it this way).
impl actix_web::FromRequest for Stormpath {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(req.app_data::<Self>().cloned().ok_or(Error::NotConfigured))
    }
}

impl Stormpath {
    /// Starts configuring an integration (the Rust form of Flask-Stormpath's lazy
    /// `StormpathManager()` + `init_app`).
    ///
    /// # Examples
    /// ```no_run
    /// use actix_web::{App, HttpServer};
    ///
    /// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    /// let sp = stormpath::Stormpath::builder().application("dronewars").build().await?;
    /// HttpServer::new(move || App::new().configure(sp.configure()))
    ///     .bind(("127.0.0.1", 8080))?
    ///     .run()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> StormpathBuilder {
        StormpathBuilder::default()
    }

    /// Registers the routes and the shared state on an app:
    /// `App::new().configure(sp.configure())`.
    pub fn configure(&self) -> impl FnOnce(&mut ServiceConfig) + 'static {
        let sp = self.clone();
        move |cfg: &mut ServiceConfig| {
            cfg.app_data(sp.clone());
            features::configure(cfg, &sp);
        }
    }

    /// The account store behind the integration.
    #[must_use]
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }

    /// The audit trail's subscribers, in registration order.
    pub(crate) fn audit_hooks(&self) -> &[crate::audit::Hook] {
        &self.inner.audit_hooks
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &Config {
        &self.inner.settings.config
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The throttle: `security.limits` over the embedded store's counters (Redis when it has
    /// one), else over this process's memory.
    pub(crate) fn throttle(&self) -> &Throttle {
        &self.inner.throttle
    }

    pub(crate) fn templates(&self) -> &Templates {
        &self.inner.templates
    }

    pub(crate) fn social(&self) -> &crate::social::Social {
        &self.inner.social
    }

    /// The developer hooks (spec §13).
    pub(crate) fn hooks(&self) -> &crate::hooks::Hooks {
        &self.inner.hooks
    }
}

/// Installs the whole integration from the environment and config files, with nothing else to
/// set up: `App::new().configure(stormpath::init)`.
///
/// The first call (in any worker) reads the configuration, opens the account store (by default
/// a `stormpath.db` SQLite file, created on first start) and keeps it for every later call, so
/// that all workers share one store, cache and revocation list.
///
/// A configuration that cannot work (no `SECRET_KEY`, an invalid value, a database that cannot
/// be opened) stops the process at startup with one message naming the problem. Use
/// [`Stormpath::builder`] to handle that error yourself.
pub fn init(cfg: &mut ServiceConfig) {
    static GLOBAL: OnceLock<Result<Stormpath, String>> = OnceLock::new();
    match GLOBAL.get_or_init(|| build_blocking(Stormpath::builder()).map_err(|e| e.to_string())) {
        Ok(sp) => sp.configure()(cfg),
        Err(message) => {
            // Before any request is served, and whether or not the app set up logging.
            eprintln!("stormpath: {message}");
            std::process::exit(1);
        }
    }
}

/// Builds on a runtime of its own that lives as long as the process, so that connections
/// opened during startup keep a reactor whatever runtime the caller (an Actix worker) has.
fn build_blocking(builder: StormpathBuilder) -> Result<Stormpath, Error> {
    static RUNTIME: OnceLock<std::io::Result<tokio::runtime::Runtime>> = OnceLock::new();
    let runtime = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("stormpath-init")
            .enable_all()
            .build()
    });
    let runtime = runtime.as_ref().map_err(|e| Error::Config {
        key: "runtime".into(),
        message: format!("could not start: {e}"),
    })?;
    let handle = runtime.handle().clone();
    std::thread::scope(|s| {
        s.spawn(move || handle.block_on(builder.build()))
            .join()
            .unwrap_or_else(|_| Err(Error::NotConfigured))
    })
}

type Override = Box<dyn FnOnce(&mut Config) + Send>;

/// Configures a [`Stormpath`]; [`build`](StormpathBuilder::build) validates everything once.
///
/// By default the builder reads the same sources as [`init`] (config files and environment
/// variables), then applies its own settings on top.
#[must_use]
pub struct StormpathBuilder {
    sources: config::load::Sources,
    overrides: Vec<Override>,
    backend: Option<Arc<dyn Backend>>,
    allow_short_secret: bool,
    schemas: Vec<Schema>,
    audit_hooks: Vec<crate::audit::Hook>,
    hooks: crate::hooks::Hooks,
}

impl Default for StormpathBuilder {
    fn default() -> Self {
        Self {
            sources: config::load::Sources {
                files: true,
                env: true,
                extra_file: None,
            },
            overrides: Vec::new(),
            backend: None,
            allow_short_secret: false,
            schemas: Vec::new(),
            audit_hooks: Vec::new(),
            hooks: crate::hooks::Hooks::default(),
        }
    }
}

impl StormpathBuilder {
    /// Applies any change to the configuration tree.
    pub fn config(mut self, change: impl FnOnce(&mut Config) + Send + 'static) -> Self {
        self.overrides.push(Box::new(change));
        self
    }

    /// Applies a change to `stormpath.web`.
    pub fn web(self, change: impl FnOnce(&mut config::WebConfig) + Send + 'static) -> Self {
        self.config(move |c| change(&mut c.web))
    }

    /// The application name.
    pub fn application(self, name: impl Into<String>) -> Self {
        let name = name.into();
        self.config(move |c| c.application.name = Some(name))
    }

    /// The `SECRET_KEY` (at least 32 characters).
    pub fn secret_key(self, key: impl Into<String>) -> Self {
        let key = config::Secret(key.into());
        self.config(move |c| c.secret_key = Some(key))
    }

    /// The account store URL (`sqlite://PATH` or `postgres://…`).
    pub fn database_url(self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.config(move |c| c.database.url = url)
    }

    /// A Redis server every instance of the application shares (`redis://…`; see
    /// `database.redisUrl`).
    pub fn redis_url(self, url: impl Into<String>) -> Self {
        let url = config::Secret(url.into());
        self.config(move |c| c.database.redis_url = Some(url))
    }

    /// Reads this config file (YAML, TOML or JSON) after the default ones.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.sources.extra_file = Some(path.into());
        self
    }

    /// Whether to read `STORMPATH_*` / `SECRET_KEY` environment variables (default true).
    pub fn from_env(mut self, read: bool) -> Self {
        self.sources.env = read;
        self
    }

    /// Whether to read `stormpath.yml` & co. from `~/.stormpath` and the working directory
    /// (default true).
    pub fn from_files(mut self, read: bool) -> Self {
        self.sources.files = read;
        self
    }

    /// Subscribes `hook` to the audit trail: it is called with every
    /// [`AuditEvent`](crate::AuditEvent) (login success and failure, throttling, lockout,
    /// password reset and change, API key created and revoked, token reuse), after the event
    /// was logged on the `stormpath::audit` target. Hooks run on the request's thread: keep
    /// them quick (hand the event to a channel for slow work). Repeatable.
    pub fn on_audit(mut self, hook: impl Fn(&crate::AuditEvent) + Send + Sync + 'static) -> Self {
        self.audit_hooks.push(Arc::new(hook));
        self
    }

    /// Runs `hook` before every login's credentials are checked (spec §13): the password form
    /// and JSON `POST /login`, the OAuth password grant, and provider sign-ins (redirect and
    /// JSON). It may change the login ([`PreLogin::login`](crate::hooks::PreLogin::login)) or
    /// refuse with a [`Rejection`](crate::hooks::Rejection), shown as the route's error (JSON
    /// `400 {status, message}`, or the login page with the message). A second call replaces the
    /// first hook.
    ///
    /// # Examples
    /// ```no_run
    /// use stormpath::hooks::{After, LoginVia, Rejection};
    ///
    /// # async fn demo() -> Result<(), stormpath::Error> {
    /// let sp = stormpath::Stormpath::builder()
    ///     // Logins are case-insensitive here, and nobody from the old domain logs in.
    ///     .pre_login(|mut ctx| async move {
    ///         ctx.login = ctx.login.trim().to_lowercase();
    ///         if ctx.login.ends_with("@old.example.com") {
    ///             return Err(Rejection::new("Please log in with your new address."));
    ///         }
    ///         Ok(ctx)
    ///     })
    ///     // Administrators land on their dashboard after a browser login.
    ///     .post_login(|ctx| async move {
    ///         if ctx.via == LoginVia::Password && ctx.account.email.ends_with("@admin.example.com") {
    ///             return After::Redirect("/admin".into());
    ///         }
    ///         After::Continue
    ///     })
    ///     .post_registration(|ctx| async move {
    ///         tracing::info!(account = %ctx.account.href, "welcome aboard");
    ///         After::Continue
    ///     })
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn pre_login<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::hooks::PreLogin) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::hooks::PreLogin, crate::hooks::Rejection>> + 'static,
    {
        self.hooks.pre_login = Some(crate::hooks::boxed(hook));
        self
    }

    /// Runs `hook` after every successful login (the same routes as
    /// [`pre_login`](Self::pre_login)), once the tokens are issued: it may send an HTML client
    /// elsewhere or answer itself ([`After`](crate::hooks::After); the token cookies are kept).
    /// For the OAuth password grant only [`After::Respond`](crate::hooks::After::Respond)
    /// changes the answer.
    pub fn post_login<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::hooks::PostLogin) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::hooks::After> + 'static,
    {
        self.hooks.post_login = Some(crate::hooks::boxed(hook));
        self
    }

    /// Runs `hook` on every `POST /register` before its fields are validated: it may change
    /// the fields ([`PreRegistration::fields`](crate::hooks::PreRegistration::fields)) or refuse
    /// with a [`Rejection`](crate::hooks::Rejection) (the form again with the message, or JSON
    /// `400`); nothing is created then.
    pub fn pre_registration<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::hooks::PreRegistration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<crate::hooks::PreRegistration, crate::hooks::Rejection>>
            + 'static,
    {
        self.hooks.pre_registration = Some(crate::hooks::boxed(hook));
        self
    }

    /// Runs `hook` right after `/register` created an account (populate custom data, sync
    /// another system): it may choose where the browser goes or answer itself.
    pub fn post_registration<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::hooks::PostRegistration) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::hooks::After> + 'static,
    {
        self.hooks.post_registration = Some(crate::hooks::boxed(hook));
        self
    }

    /// Runs `hook` after `/logout` revoked the tokens (with the account that was logged in,
    /// when the request carried a valid token): it may choose where the browser goes or answer
    /// itself (the cookie deletions are kept).
    pub fn post_logout<F, Fut>(mut self, hook: F) -> Self
    where
        F: Fn(crate::hooks::PostLogout) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = crate::hooks::After> + 'static,
    {
        self.hooks.post_logout = Some(crate::hooks::boxed(hook));
        self
    }

    /// Uses this backend instead of opening the embedded store.
    pub fn backend(mut self, backend: Arc<dyn Backend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Cheap password hashing, for test suites only (never in production: it makes stolen
    /// hashes easy to crack).
    pub fn insecure_fast_hashing(self) -> Self {
        // The embedded store's `HashParams::INSECURE_FAST`: 64 KiB, one pass, one lane.
        self.config(|c| {
            c.password.hashing.memory_kib = 64;
            c.password.hashing.iterations = 1;
            c.password.hashing.parallelism = 1;
            c.password.hashing.insecure_allow_weak = true;
        })
    }

    /// Accepts a `SECRET_KEY` shorter than 32 characters, with a warning. Only for conformance
    /// harnesses that dictate their own signing key: a short key makes tokens easier to forge.
    pub fn insecure_short_secret_key(mut self) -> Self {
        self.allow_short_secret = true;
        self
    }

    /// Puts the form fields of a [`CustomData`] type on the registration form: `/register`
    /// shows them (HTML and the JSON view model), validates and parses what is posted for
    /// them, and stores it in the new account's custom data.
    ///
    /// The fields join those of `web.register.form.fields` (configured custom fields keep
    /// working), after them unless `fieldOrder` places them. Call it once per type; several
    /// types may contribute fields.
    ///
    /// # Examples
    /// ```no_run
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, stormpath::CustomData)]
    /// struct Profile {
    ///     #[stormpath(label = "Favorite color", required)]
    ///     favorite_color: String,
    /// }
    ///
    /// # async fn demo() -> Result<(), stormpath::Error> {
    /// let sp = stormpath::Stormpath::builder()
    ///     .custom_data::<Profile>()
    ///     .build()
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// [`build`](Self::build) fails with [`Error::Config`] naming the field when the type's
    /// fields cannot work or a field is defined differently in the configuration (or by
    /// another type).
    pub fn custom_data<T: CustomData>(mut self) -> Self {
        let schema = Schema::of::<T>();
        if !self.schemas.iter().any(|s| s.same_type(&schema)) {
            self.schemas.push(schema);
        }
        self
    }

    /// Loads and validates the configuration, opens the account store and loads templates.
    ///
    /// The account store is the back end given to [`backend`](Self::backend); else, when
    /// `client.baseUrl` is set, the remote Stormpath server it names (cargo feature `remote`),
    /// which needs an API key; else the embedded store (cargo feature `embedded`).
    ///
    /// # Errors
    /// [`Error::Config`] naming the key at fault (including a custom-data field that
    /// conflicts with the configuration, a base URL without an API key, and a remote server
    /// that cannot be reached or refuses the key), or [`Error::Store`] when the database
    /// cannot be opened.
    pub async fn build(self) -> Result<Stormpath, Error> {
        let mut config = config::load(&self.sources)?;
        for change in self.overrides {
            change(&mut config);
        }
        let settings = Settings::resolve_with(config, self.allow_short_secret, self.schemas)?;
        let social = crate::social::Social::new(&settings.config.web.social)?;
        let templates = Arc::new(Templates::load(
            settings.config.web.templates_dir.as_deref(),
        )?);
        let local = || -> Arc<dyn Counters> { Arc::new(LocalCounters::default()) };
        let (backend, counters) = match self.backend {
            Some(backend) => (backend, local()),
            None if remote_base_url(&settings.config).is_some() => {
                (remote_backend(&settings).await?, local())
            }
            None => embedded_store(&settings, &templates, self.allow_short_secret).await?,
        };
        let throttle = Throttle::new(counters, (&settings.config.security.limits).into());
        Ok(Stormpath {
            inner: Arc::new(Inner {
                settings,
                backend,
                templates,
                throttle,
                audit_hooks: self.audit_hooks,
                social,
                hooks: self.hooks,
            }),
        })
    }
}

/// `client.baseUrl`, when it is set to something: it selects the remote back end.
fn remote_base_url(config: &Config) -> Option<&str> {
    config
        .client
        .base_url
        .as_deref()
        .map(str::trim)
        .filter(|url| !url.is_empty())
}

/// The remote back end named by `client.baseUrl`, authenticated with the configured API key
/// (the legacy top-level `apiKey` wins, as in the Stormpath SDKs), serving `application.href`
/// or else `application.name`.
#[cfg(feature = "remote")]
async fn remote_backend(settings: &Settings) -> Result<Arc<dyn Backend>, Error> {
    use stormpath_client::{
        credentials::ApiKey,
        remote::{AuthScheme, RemoteBackend},
    };

    let config = &settings.config;
    let scheme = match config
        .client
        .authentication_scheme
        .as_deref()
        .map(str::trim)
    {
        None | Some("") => AuthScheme::default(),
        Some(s) if s.eq_ignore_ascii_case("SAUTHC1") => AuthScheme::Sauthc1,
        Some(s) if s.eq_ignore_ascii_case("BASIC") => AuthScheme::Basic,
        Some(other) => {
            return Err(Error::Config {
                key: "client.authenticationScheme".into(),
                message: format!("`{other}` is not a scheme: use SAUTHC1 or BASIC"),
            });
        }
    };
    let base_url = remote_base_url(config).unwrap_or_default();
    let key = [&config.api_key, &config.client.api_key]
        .into_iter()
        .find_map(|k| Some((k.id.clone()?, k.secret.clone()?)))
        .filter(|(id, secret)| !id.is_empty() && !secret.0.is_empty());
    // Saying nothing would quietly keep every account in a local file while the
    // configuration names a shared server.
    let Some((id, secret)) = key else {
        return Err(Error::Config {
            key: "client.apiKey".into(),
            message: format!(
                "is required with client.baseUrl ({base_url}): set STORMPATH_CLIENT_APIKEY_ID and \
                 STORMPATH_CLIENT_APIKEY_SECRET (or STORMPATH_API_KEY_ID and _SECRET, or an \
                 apiKey.properties file), or remove client.baseUrl to keep accounts in the \
                 embedded store"
            ),
        });
    };
    let builder = RemoteBackend::builder()
        .base_url(base_url)
        .scheme(scheme)
        .api_key(ApiKey {
            id,
            secret: secret.0,
        });
    // The plugin throttles its logins itself (and lets the owner's remembered clients
    // through): the server's own per-login bucket would undo that.
    let builder = builder.caller_throttles_logins(true);
    // Neither set: the server's one application besides its `Stormpath` console.
    let builder = match (&config.application.href, &config.application.name) {
        (Some(href), _) => builder.application_href(href),
        (None, Some(name)) => builder.application_name(name),
        (None, None) => builder,
    };
    let backend = builder.build().await.map_err(|err| Error::Config {
        key: err.field().unwrap_or("client.baseUrl").to_owned(),
        message: format!("the Stormpath server at {base_url} cannot be used: {err}"),
    })?;
    Ok(Arc::new(backend))
}

/// Without the `remote` feature there is no remote back end to build.
#[cfg(not(feature = "remote"))]
async fn remote_backend(_: &Settings) -> Result<Arc<dyn Backend>, Error> {
    Err(Error::Config {
        key: "client.baseUrl".into(),
        message: "selects a remote Stormpath server, but the remote back end is not compiled \
                  in: enable the cargo feature `remote`, remove client.baseUrl to keep accounts \
                  in the embedded store, or pass a backend with StormpathBuilder::backend"
            .into(),
    })
}

/// Without the `embedded` feature there is no store to open: the app must bring a back end.
#[cfg(not(feature = "embedded"))]
async fn embedded_store(
    _: &Settings,
    _: &Arc<Templates>,
    _: bool,
) -> Result<(Arc<dyn Backend>, Arc<dyn Counters>), Error> {
    Err(Error::Config {
        key: "database.url".into(),
        message: "needs the embedded account store, which is not compiled in: enable the cargo \
                  feature `embedded`, or pass a backend with StormpathBuilder::backend"
            .into(),
    })
}

/// Opens the embedded store, which sends its emails through the configured transport, worded
/// by the plugin's templates; and its throttle counters (in Redis when it has one).
#[cfg(feature = "embedded")]
async fn embedded_store(
    settings: &Settings,
    templates: &Arc<Templates>,
    allow_short_key: bool,
) -> Result<(Arc<dyn Backend>, Arc<dyn Counters>), Error> {
    let config = &settings.config;
    let mail = &config.mail;
    let mailer = Mailer::new(
        mail.smtp_url.as_ref().map(|s| s.0.as_str()),
        mail.dir.as_deref().map(std::path::Path::new),
        &mail.from,
    )
    .map_err(|e| Error::Config {
        key: "mail".into(),
        message: e.to_string(),
    })?;
    let hashing = &config.password.hashing;
    let (strength, blocklist) = config.password.effective();
    let mut store = Store::builder()
        .database_url(&config.database.url)
        .application(&settings.application)
        .signing_key(&settings.signing_key)
        .href_base(format!("{}/v1", config.web.base_url.trim_end_matches('/')))
        .access_token_ttl(Duration::from_secs(config.tokens.access_token_ttl))
        .refresh_token_ttl(Duration::from_secs(config.tokens.refresh_token_ttl))
        .password_reset_ttl(Duration::from_secs(config.tokens.password_reset_ttl))
        .verification_ttl(Duration::from_secs(config.tokens.verification_ttl))
        .password_strength(strength)
        .password_blocklist(blocklist)
        .hashing(HashParams {
            memory_kib: hashing.memory_kib,
            iterations: hashing.iterations,
            parallelism: hashing.parallelism,
        })
        .allow_weak_hashing(hashing.insecure_allow_weak)
        .allow_short_signing_key(allow_short_key)
        .mailer(mailer)
        .mail_policy(stormpath_store::MailPolicy {
            cap_per_address: mail.cap_per_address,
            cap_window: Duration::from_secs(mail.cap_window.max(1)),
            retry_max: Duration::from_secs(mail.retry_max.max(1)),
            ..stormpath_store::MailPolicy::default()
        })
        .email_templates(crate::mail::EmailPages::new(
            settings,
            Arc::clone(templates),
        ));
    // A retired key answers to the `kid` derived from it, which is what its tokens carry
    // when it was current without an API key id.
    for (n, key) in config.tokens.retired_signing_keys.iter().enumerate() {
        store = store.retired_signing_key(format!("retired-{n}"), key.0.as_bytes());
    }
    if let Some(kid) = &settings.key_id {
        store = store.key_id(kid);
    }
    if let Some(n) = hashing.max_concurrent {
        store = store.max_concurrent_hashes(n);
    }
    if let Some(url) = &config.database.redis_url {
        store = store.redis_url(&url.0);
    }
    if let Some(n) = hashing.max_queued {
        store = store.max_queued_hashes(n);
    }
    let security = &config.security;
    store = store
        .revoke_api_keys_on_password_change(security.api_keys.revoke_on_password_change)
        .rotate_refresh_tokens(security.sessions.rotate_refresh_tokens)
        .refresh_reuse_grace(Duration::from_secs(security.sessions.reuse_grace))
        .session_idle_timeout(Duration::from_secs(security.sessions.idle_timeout))
        .session_lifetime(Duration::from_secs(security.sessions.absolute_lifetime));
    let store = store.build().await?;
    let counters = store.counters();
    Ok((Arc::new(store), counters))
}
