//! The remote back end: a [`Backend`](crate::Backend) that calls a server speaking the
//! Stormpath REST API (`stormpath-server`, or any compatible one).
//!
//! ```no_run
//! # async fn demo() -> stormpath_client::Result<()> {
//! use stormpath_client::{credentials::ApiKey, prelude::*, remote::RemoteBackend};
//!
//! let backend = RemoteBackend::builder()
//!     .base_url("http://127.0.0.1:8080/v1")
//!     .api_key(ApiKey { id: "KEY_ID".into(), secret: "KEY_SECRET".into() })
//!     .application_name("My Application")
//!     .build()
//!     .await?;
//! let account = backend.authenticate("ada@example.com", "Analyt1cal-En9ine").await?;
//! # Ok(()) }
//! ```
//!
//! * **Transport**: one reqwest client (rustls on *ring*, one connection pool), every request
//!   authenticated with the tenant API key ([`AuthScheme`]: SAuthc1 by default, or HTTP
//!   Basic); a timeout per call (10 s by default, 3 s to connect); idempotent requests (GET,
//!   DELETE) retried with exponential backoff on a refused connection or a 502/503/504, three
//!   tries at most and never past the timeout; nothing else is retried.
//! * **Errors**: the server's error document is mapped by its Stormpath code onto
//!   [`Error`](crate::Error) (7100 → `InvalidCredentials`, 2001 → `Conflict`, 2007 →
//!   `Validation` of the password, 404 → `NotFound`, 10010–10017 → `InvalidToken`, …); a server
//!   that is down, slow, or answers something that is not the API is an
//!   [`Error::Backend`](crate::Error::Backend) that says which, and changes nothing here.
//! * **Hot path**: an access token is verified locally (HS256 with the tenant key secret, or
//!   with the admin key its `kid` names, fetched once; issuer; expiry; the revoked set) and
//!   its account comes from the bounded cache (a miss fetches it: one call, as the embedded
//!   store reads its database once): no network call per request.
//! * **Propagation**: the server's changes feed (`GET {app}/changes`, our extension) is
//!   long-polled by a task: every logout, revoked token, disabled account or
//!   group change made through any instance or the server reaches the caches within about a
//!   second. While the feed is silent for 3 s, authenticated requests are refused with
//!   [`Error::Unavailable`](crate::Error::Unavailable) (503): fail closed, as the embedded
//!   store does when its shared-state link is down. Against a server without the feed, each
//!   token is confirmed with the server instead (`GET {app}/authTokens/{jwt}`, relied on for
//!   [`RemoteBackendBuilder::token_confirmation`]).
//! * **Cache**: accounts, group names, keys and verified tokens in bounded caches (quick_cache)
//!   whose entries expire; every write through this back end, and every change the feed
//!   announces, drops what it affects.

mod accounts;
mod api_keys;
mod auth;
mod builder;
mod cache;
mod custom_data;
pub(crate) mod errors;
mod feed;
mod flows;
mod groups;
mod http;
mod sessions;
mod tokens;
mod wire;

use std::{sync::Arc, time::Duration};

pub use auth::AuthScheme;
pub use builder::{
    DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT,
    DEFAULT_TOKEN_CONFIRMATION, RemoteBackendBuilder,
};
pub use errors::Failure;
use jsonwebtoken::{DecodingKey, EncodingKey, Validation};

use self::{
    cache::TtlCache,
    http::{Http, segment},
    tokens::{Revoked, VerifiedTokens},
    wire::AccountRef,
};
use crate::{Account, AccountId, PasswordStrength, Resource, Result, credentials::ApiKey};

/// A [`Backend`](crate::Backend) served by a Stormpath REST API server. Cheap to clone (one
/// `Arc`): clones share the connection pool and the caches.
#[derive(Clone)]
pub struct RemoteBackend {
    inner: Arc<Inner>,
}

/// An account API key as last read: what Basic authentication with it compares.
struct KeyRecord {
    /// The plain-text secret.
    secret: String,
    /// Whether the key is ENABLED.
    enabled: bool,
    /// The account that owns it.
    account: Arc<Account>,
}

struct Inner {
    http: Http,
    /// The tenant API key (its secret signs and verifies tokens and decrypts API-key secrets).
    key: ApiKey,
    key_id: String,
    encoding: EncodingKey,
    decoding: Arc<DecodingKey>,
    application: Resource,
    directory: Resource,
    strength_href: String,
    /// The directory's password strength (one entry).
    strength: TtlCache<PasswordStrength>,
    /// Accounts by href.
    accounts: TtlCache<Arc<Account>>,
    /// Names of an account's enabled groups, by account href.
    groups: TtlCache<Arc<[String]>>,
    /// Admin keys that sign tokens, by `kid` (`None`: the `kid` names no such key).
    admin_keys: TtlCache<Option<Arc<DecodingKey>>>,
    /// The rate at which unknown `kid`s are looked up.
    key_lookups: tokens::Budget,
    /// Account API keys by id (`None`: the application knows no such key).
    api_keys: TtlCache<Option<Arc<KeyRecord>>>,
    verified: VerifiedTokens,
    revoked: Revoked,
    /// The changes feed: whether it is heard, and what it said.
    feed: feed::Feed,
    /// How long a server confirmation of an access token holds (`None`: none is asked) on a
    /// server without the changes feed.
    confirmation: Option<Duration>,
    /// How long an account API key read from the server is relied on.
    key_window: Duration,
    /// Validation of a live access token (HS256, our application as issuer, `exp`).
    live: Validation,
    /// The same without the expiry check (tokens being revoked).
    signed: Validation,
}

impl std::fmt::Debug for RemoteBackend {
    // The key secret never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteBackend")
            .field("base_url", &self.inner.http.base())
            .field("api_key", &self.inner.key)
            .field("application", &self.inner.application.href)
            .finish_non_exhaustive()
    }
}

impl RemoteBackend {
    /// Starts configuring a remote back end.
    pub fn builder() -> RemoteBackendBuilder {
        RemoteBackendBuilder::default()
    }

    /// Builds a back end from a loaded client configuration (base URL, API key, application)
    /// with the default settings: `RemoteBackend::builder().config(config).build()`.
    ///
    /// # Errors
    /// As [`RemoteBackendBuilder::build`].
    pub async fn from_config(config: &crate::config::ClientConfig) -> Result<Self> {
        Self::builder().config(config).build().await
    }

    fn from_inner(inner: Inner) -> Self {
        Self {
            inner: Arc::new(inner),
        }
    }

    /// The server's base URL (`…/v1`).
    #[must_use]
    pub fn base_url(&self) -> &str {
        self.inner.http.base()
    }

    /// The href of the application this back end serves.
    #[must_use]
    pub fn application_href(&self) -> &str {
        &self.inner.application.href
    }

    fn http(&self) -> &Http {
        &self.inner.http
    }

    fn app_href(&self) -> &str {
        &self.inner.application.href
    }

    /// The href of account `id`, or `None` for an id that names no resource.
    fn account_href(&self, id: &AccountId) -> Option<String> {
        Some(format!(
            "{}/accounts/{}",
            self.http().base(),
            segment(id.as_str())?
        ))
    }

    /// The account at `href`, fetched (never from the cache) and cached; `None` when the
    /// server does not know it.
    async fn load_account(&self, href: &str) -> Result<Option<Arc<Account>>> {
        let generation = self.inner.feed.generation();
        let reply = self.http().send(self.http().get(href)?).await?;
        if reply.status() == 404 {
            self.forget_account(href);
            return Ok(None);
        }
        let account = Arc::new(wire::account(reply.ok()?.json()?)?);
        self.remember(&account);
        // The feed announced a change while the account was read: the copy may predate it.
        if self.inner.feed.generation() != generation {
            self.forget_account(href);
        }
        Ok(Some(account))
    }

    /// The account at `href`, from the cache when it is there.
    async fn cached_account(&self, href: &str) -> Result<Option<Arc<Account>>> {
        match self.inner.accounts.get(href) {
            Some(hit) => Ok(Some(hit)),
            None => self.load_account(href).await,
        }
    }

    /// The account an `account` member holds or links to.
    async fn resolve(&self, account: AccountRef) -> Result<Arc<Account>> {
        match account {
            AccountRef::Expanded(account) => {
                let account = Arc::new(*account);
                self.remember(&account);
                Ok(account)
            }
            AccountRef::Link(href) => self.load_account(&href).await?.ok_or_else(|| {
                errors::protocol("the server linked to an account it does not know")
            }),
        }
    }

    /// Caches an account just read from the server.
    fn remember(&self, account: &Arc<Account>) {
        self.inner
            .accounts
            .insert(&account.href, Arc::clone(account));
    }

    /// Drops what the cache holds about an account (after a write to it).
    fn forget_account(&self, href: &str) {
        self.inner.accounts.remove(href);
        self.inner.groups.remove(href);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backend_is_send_sync_and_a_backend() {
        fn is_backend<T: crate::Backend + Clone + std::fmt::Debug>() {}
        is_backend::<RemoteBackend>();
    }
}
