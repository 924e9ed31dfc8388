//! [`RemoteBackendBuilder`]: the base URL, the tenant API key and the application, checked
//! once in [`build`](RemoteBackendBuilder::build), which fetches what every request needs.

use std::time::Duration;

use jsonwebtoken::{DecodingKey, EncodingKey};

use super::{
    Inner, RemoteBackend,
    auth::{AuthScheme, Signer},
    cache::TtlCache,
    errors::protocol,
    feed::Feed,
    http::Http,
    tokens::{self, Revoked, VerifiedTokens, validation},
    wire::{ApplicationDoc, MappingDoc, Named, PolicyDoc, StoreDoc},
};
use crate::{
    Error, Invalid, InvalidKind, PasswordStrength, Resource, Result, config::ClientConfig,
    credentials::ApiKey,
};

/// The default timeout of one call (retries and redirects included).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default timeout of opening a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// The default number of resources (accounts, group lists, keys, tokens) cached.
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// The default time a cached resource is served before it is fetched again.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);
/// The default time the server's confirmation of an access token is relied on.
pub const DEFAULT_TOKEN_CONFIRMATION: Duration = Duration::from_secs(1);

/// How many unknown `kid`s may be looked up on the server per 10 seconds.
const KEY_LOOKUPS: u32 = 10;

/// The application to serve: by href, or by name (looked up in the API key's tenant).
#[derive(Debug, Clone)]
enum AppRef {
    Href(String),
    Name(String),
}

/// Configures a [`RemoteBackend`]; [`build`](Self::build) validates everything once and
/// fetches the application, its default directory and its password policy.
#[must_use]
#[derive(Debug, Clone)]
pub struct RemoteBackendBuilder {
    base_url: Option<String>,
    api_key: Option<ApiKey>,
    application: Option<AppRef>,
    scheme: AuthScheme,
    timeout: Duration,
    connect_timeout: Duration,
    cache_capacity: usize,
    cache_ttl: Duration,
    confirmation: Option<Duration>,
    throttles_logins: bool,
}

impl Default for RemoteBackendBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            api_key: None,
            application: None,
            scheme: AuthScheme::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            cache_capacity: DEFAULT_CACHE_CAPACITY,
            cache_ttl: DEFAULT_CACHE_TTL,
            confirmation: Some(DEFAULT_TOKEN_CONFIRMATION),
            throttles_logins: false,
        }
    }
}

impl RemoteBackendBuilder {
    /// The server's base URL, `http(s)://host[:port]/v1` (a trailing slash is dropped). Every
    /// href the server sends must start with it.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// The tenant API key every request is authenticated with.
    pub fn api_key(mut self, key: ApiKey) -> Self {
        self.api_key = Some(key);
        self
    }

    /// The application, by href (it must be under the base URL).
    pub fn application_href(mut self, href: impl Into<String>) -> Self {
        self.application = Some(AppRef::Href(href.into()));
        self
    }

    /// The application, by name: found at build through `GET /tenants/current` and the
    /// tenant's applications. With neither a name nor an href, `build` takes the tenant's one
    /// application besides the `Stormpath` admin console, and refuses when there are several.
    pub fn application_name(mut self, name: impl Into<String>) -> Self {
        self.application = Some(AppRef::Name(name.into()));
        self
    }

    /// Takes the base URL, the API key and the application from a loaded client
    /// configuration (each setting it has replaces this builder's; an href wins over a name).
    ///
    /// # Examples
    /// ```no_run
    /// # async fn demo() -> stormpath_client::Result<()> {
    /// use stormpath_client::{config::ConfigLoader, remote::RemoteBackend};
    ///
    /// let config = ConfigLoader::new().load()?;
    /// let backend = RemoteBackend::builder().config(&config).build().await?;
    /// # Ok(()) }
    /// ```
    pub fn config(mut self, config: &ClientConfig) -> Self {
        if let Some(url) = &config.base_url {
            self.base_url = Some(url.clone());
        }
        if let Some(key) = &config.api_key {
            self.api_key = Some(key.clone());
        }
        if let Some(href) = &config.application_href {
            self.application = Some(AppRef::Href(href.clone()));
        } else if let Some(name) = &config.application_name {
            self.application = Some(AppRef::Name(name.clone()));
        }
        self
    }

    /// How requests are authenticated (default [`AuthScheme::Sauthc1`]).
    pub fn scheme(mut self, scheme: AuthScheme) -> Self {
        self.scheme = scheme;
        self
    }

    /// The longest one call may take, retries and redirects included (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest opening a connection may take (default 3 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The bounded resource cache: at most `capacity` accounts (and as many group lists,
    /// keys and verified tokens), each served for `ttl` at most (defaults 10 000 and 60 s).
    /// Every write through this back end drops the entries it affects.
    pub fn cache(mut self, capacity: usize, ttl: Duration) -> Self {
        self.cache_capacity = capacity;
        self.cache_ttl = ttl;
        self
    }

    /// For a server **without the changes feed** only (with it,
    /// tokens are verified locally and the feed brings revocations): how long the server's
    /// confirmation of an access token (`GET {app}/authTokens/{jwt}`, asked the first time a
    /// token is seen) is relied on before it is asked again; never past the token's `exp`
    /// (default 1 s, so that a logout or a disabled account on one instance is refused by
    /// every other instance within a second, at the cost of at most one call per token per
    /// second). When the server cannot be asked (down, slow), the request fails with
    /// [`Error::Unavailable`](crate::Error::Unavailable) (503) rather than trusting a token
    /// that may have been revoked. `None`: tokens are verified locally only (signature,
    /// issuer, expiry, revocation through this back end, the account's status), which also
    /// means a token revoked through another instance stays valid here until it expires.
    /// Also how long an account API key read from the server is relied on.
    pub fn token_confirmation(mut self, window: Option<Duration>) -> Self {
        self.confirmation = window;
        self
    }

    /// Tells the server that whatever calls this back end throttles password logins itself —
    /// per login and per client, letting the owner's remembered clients through, as the actix
    /// plugin does — so that the server keeps no per-login bucket of its own for them
    /// ([`CALLER_THROTTLES_LOGINS`](crate::throttle::CALLER_THROTTLES_LOGINS)): blind to the
    /// end user's address, it would let an attacker elsewhere hold the owner back. Off by
    /// default: a caller that does not throttle keeps the server's protection.
    pub fn caller_throttles_logins(mut self, yes: bool) -> Self {
        self.throttles_logins = yes;
        self
    }

    /// Checks the settings, resolves the application and fetches it, its default account
    /// store's directory and the directory's password strength; then reads the changes feed
    /// once and starts following it (a task that ends with the last clone). Needs a Tokio runtime.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the setting that is missing or malformed
    /// (`client.baseUrl`, `client.apiKey`, `application.href`, `application.name`), and
    /// [`Error::Backend`] when the server cannot be reached, does not answer in time,
    /// answers something that is not the Stormpath API, refuses the API key, or serves an
    /// application without a default directory.
    pub async fn build(self) -> Result<RemoteBackend> {
        let base = self
            .base_url
            .as_deref()
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
            .ok_or_else(|| required("client.baseUrl", "The Stormpath server's base URL"))?;
        let parsed = reqwest::Url::parse(&base).map_err(|e| {
            invalid(
                "client.baseUrl",
                format!("`{base}` is not a valid URL: {e}"),
            )
        })?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(invalid(
                "client.baseUrl",
                format!("`{base}` must be an http(s) URL such as http://127.0.0.1:8080/v1"),
            ));
        }
        let key = self
            .api_key
            .filter(|k| !k.id.is_empty() && !k.secret.is_empty())
            .ok_or_else(|| required("client.apiKey", "The tenant API key (id and secret)"))?;
        crate::jws::install();
        let encoding = EncodingKey::from_secret(key.secret.as_bytes()).map_err(Error::backend)?;
        let decoding = std::sync::Arc::new(
            DecodingKey::from_secret(key.secret.as_bytes()).map_err(Error::backend)?,
        );
        let key_id = key.id.clone();
        let signer = Signer::new(key.clone(), self.scheme)?;
        let http = Http::new(
            base,
            signer,
            (self.timeout, self.connect_timeout),
            self.throttles_logins,
        )?;

        let app_href = match self.application {
            Some(AppRef::Href(href)) => {
                if !http.owns(&href) || !href.contains("/applications/") {
                    return Err(invalid(
                        "application.href",
                        format!("`{href}` must be an application href under {}", http.base()),
                    ));
                }
                href
            }
            Some(AppRef::Name(name)) => find_application(&http, Some(&name)).await?,
            // Neither: the tenant's one application besides the admin console (framework
            // §14's start-up rule).
            None => find_application(&http, None).await?,
        };
        let app: ApplicationDoc = http.fetch(http.get(&app_href)?).await?;
        // Every href the server hands out must start with the base URL followed by the
        // resource's path (sdk-compat §2.4): a base URL without the API's `/v1` would reach the
        // server, then fail to recognise its own accounts' hrefs after the first login.
        if !app
            .href
            .strip_prefix(http.base())
            .is_some_and(|rest| rest.starts_with("/applications/"))
        {
            return Err(invalid(
                "client.baseUrl",
                format!(
                    "`{}` is not the API root of the server, whose hrefs look like `{}`: set \
                     client.baseUrl to what comes before `/applications/` (e.g. the URL ending \
                     in `/v1`)",
                    http.base(),
                    app.href
                ),
            ));
        }
        let mapping = app.default_account_store_mapping.ok_or_else(|| {
            protocol(format!(
                "the application `{}` has no default account store: map a directory to it",
                app.name
            ))
        })?;
        let mapping: MappingDoc = http.fetch(http.get(&mapping.href)?).await?;
        let mut store: StoreDoc = http.fetch(http.get(&mapping.account_store.href)?).await?;
        if store.password_policy.is_none()
            && let Some(directory) = store.directory.take()
        {
            // A group as the default store: accounts live in its directory.
            store = http.fetch(http.get(&directory.href)?).await?;
        }
        let policy = store.password_policy.as_ref().ok_or_else(|| {
            protocol(format!(
                "the default account store `{}` has no password policy",
                store.name
            ))
        })?;
        let policy: PolicyDoc = http.fetch(http.get(&policy.href)?).await?;
        let strength: PasswordStrength = http.fetch(http.get(&policy.strength.href)?).await?;

        let (capacity, ttl) = (self.cache_capacity, self.cache_ttl);
        let strengths = TtlCache::new(1, ttl);
        strengths.insert("", strength);
        let live = validation(&app.href, true);
        let signed = validation(&app.href, false);
        let timeout = self.timeout;
        let backend = RemoteBackend::from_inner(Inner {
            http,
            key,
            key_id,
            encoding,
            decoding,
            application: Resource {
                href: app.href,
                name: app.name,
                status: app.status,
            },
            directory: Resource {
                href: store.href,
                name: store.name,
                status: store.status,
            },
            strength_href: policy.strength.href,
            strength: strengths,
            accounts: TtlCache::new(capacity, ttl),
            groups: TtlCache::new(capacity, ttl),
            admin_keys: TtlCache::new(std::cmp::min(capacity, 1_000), ttl),
            key_lookups: tokens::Budget::new(KEY_LOOKUPS, Duration::from_secs(10)),
            api_keys: TtlCache::new(capacity, ttl),
            verified: VerifiedTokens::new(capacity, Duration::from_secs(24 * 3600)),
            revoked: Revoked::default(),
            feed: Feed::new(timeout),
            confirmation: self.confirmation,
            key_window: self.confirmation.unwrap_or(self.cache_ttl),
            live,
            signed,
        });
        backend.start_feed().await?;
        Ok(backend)
    }
}

/// The href of the application named `name` in the API key's tenant, or — with no name — of
/// the tenant's one application besides the `Stormpath` admin console (sdk-compat §4:
/// `GET /tenants/current` answers 302 to the tenant).
async fn find_application(http: &Http, name: Option<&str>) -> Result<String> {
    #[derive(serde::Deserialize)]
    struct Tenant {
        href: String,
    }
    let tenant: Tenant = http.fetch(http.get("/tenants/current")?).await?;
    let search = name
        .map(|name| vec![("name".to_owned(), name.to_owned())])
        .unwrap_or_default();
    let found: Vec<Named> = http
        .all(&format!("{}/applications", tenant.href), &search)
        .await?;
    let Some(name) = name else {
        let mut apps: Vec<_> = found
            .into_iter()
            .filter(|a| a.name != "Stormpath")
            .collect();
        return match apps.len() {
            1 => Ok(apps.remove(0).href),
            0 => Err(required(
                "application.href",
                "The application (the server's tenant has none besides `Stormpath`)",
            )),
            n => Err(invalid(
                "application.href",
                format!(
                    "the server's tenant has {n} applications ({}): name one with \
                     application.href or application.name",
                    apps.iter()
                        .map(|a| format!("`{}`", a.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        };
    };
    // `name=` is a case-insensitive search with `*` wildcards: keep the exact name.
    found
        .into_iter()
        .find(|app| app.name.eq_ignore_ascii_case(name))
        .map(|app| app.href)
        .ok_or_else(|| {
            invalid(
                "application.name",
                format!("the server has no application named `{name}`"),
            )
        })
}

fn required(field: &'static str, what: &str) -> Error {
    Invalid::new(
        field,
        InvalidKind::Required,
        format!("{what} is required for the remote back end ({field})."),
    )
    .into()
}

fn invalid(field: &'static str, message: String) -> Error {
    Invalid::new(field, InvalidKind::Format, message).into()
}
