//! Throttling that protects accounts without handing attackers a way to lock their owners out
//! (security.md RATE-1…RATE-4, NIST SP 800-63B §5.2.2).
//!
//! Every limit is a leaky bucket ([`Rule`]: `limit` events, leaking at `limit` per `window`):
//! a burst of `limit` is allowed, after which one more event is accepted each `window / limit`.
//! Counts decay by themselves; nothing is locked for good, and the longest wait a rule can
//! impose is its window divided by its limit. A refused attempt is not counted, so hammering a
//! throttled login does not prolong the wait.
//!
//! [`Throttle`] applies the [`Limits`] to the password entry points and to the other
//! guessable or abusable operations:
//!
//! * **Password logins** (the form, the JSON login, the OAuth password grant, the current
//!   password on `/settings`) count *failures* in three buckets: per (login, client), per login
//!   and per client. A success clears the (login, client) bucket and remembers the pair for
//!   [`Limits::remember_client`]; a remembered client is not held back by the per-login bucket,
//!   so an attacker failing on someone's login from elsewhere does not lock its owner out.
//!   Completing a password reset clears the login's buckets and remembers the client too.
//! * **Other operations** ([`Action`]) are counted per client (and per target where one is
//!   given): every attempt, or only the failures, as each action says.
//!
//! A throttled request gets [`Error::Throttled`] (429 with `Retry-After`), the same whether or
//! not the login exists, without any password being checked. Keys are SHA-256 digests: no
//! login or address is kept in the counters' store.
//!
//! The counts live behind [`Counters`]: [`LocalCounters`] in this process, or a shared store
//! (the embedded store's Redis counters) so that every instance sees the same counts.

mod local;

use std::{
    net::IpAddr,
    sync::Arc,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

pub use local::{Clock, LocalCounters};

/// The request header (an extension of the REST API) by which a caller of a Stormpath server's
/// password logins (`loginAttempts`, the OAuth password grant) says it throttles them itself,
/// per login and per client, with the owner's remembered clients let through: the server then
/// keeps no per-login bucket of its own, which — blind to the end user's address — would let
/// an attacker elsewhere hold the owner back. Only tenant-key callers reach those routes; the
/// remote back end sends it when built with `caller_throttles_logins(true)`, as the plugin does.
pub const CALLER_THROTTLES_LOGINS: &str = "stormpath-caller-throttles-logins";

use crate::{Error, Result, email_address::canonical};

/// A leaky bucket: at most `limit` events at once, leaking `limit` per `window`. A `limit` of 0
/// turns the rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Events allowed in a burst.
    pub limit: u32,
    /// The time it takes a full bucket to empty.
    pub window: Duration,
}

impl Rule {
    /// `limit` events per `window`.
    #[must_use]
    pub const fn new(limit: u32, window: Duration) -> Self {
        Self { limit, window }
    }

    /// A rule that never refuses.
    #[must_use]
    pub const fn off() -> Self {
        Self::new(0, Duration::ZERO)
    }

    /// Whether the rule refuses anything at all.
    #[must_use]
    pub fn is_on(&self) -> bool {
        self.limit > 0 && !self.window.is_zero()
    }

    /// Milliseconds one event adds to the bucket (`window / limit`, at least 1).
    #[must_use]
    pub fn interval_ms(&self) -> u64 {
        let window = u64::try_from(self.window.as_millis()).unwrap_or(u64::MAX);
        (window / u64::from(self.limit.max(1))).max(1)
    }

    /// Milliseconds of level the bucket may hold before the next event is refused.
    #[must_use]
    pub fn burst_ms(&self) -> u64 {
        self.interval_ms()
            .saturating_mul(u64::from(self.limit.saturating_sub(1)))
    }
}

/// Where counts live. Each bucket is kept as its "theoretical arrival time" (the instant, in
/// milliseconds, at which it will be empty), so one number per key is all there is.
///
/// Implementations must make [`take`](Counters::take) atomic (check and add as one step), and
/// may forget a key once its bucket is empty.
#[async_trait]
pub trait Counters: Send + Sync {
    /// How long until one more event would be accepted under `rule` (`None`: now). Adds
    /// nothing.
    async fn check(&self, key: &str, rule: Rule) -> Result<Option<Duration>>;

    /// Adds one event if it is accepted; otherwise adds nothing and says how long to wait.
    async fn take(&self, key: &str, rule: Rule) -> Result<Option<Duration>>;

    /// Empties the bucket.
    async fn clear(&self, key: &str) -> Result<()>;

    /// Remembers `key` for `ttl` (a client that logged in successfully).
    async fn remember(&self, key: &str, ttl: Duration) -> Result<()>;

    /// Whether `key` is remembered.
    async fn remembers(&self, key: &str) -> Result<bool>;
}

/// The outcome of one bucket operation given its stored empty-at instant `tat` (0: none) and
/// the time `now`, both in milliseconds: the new instant to store (if it changes) and the
/// wait, if the event is refused. `add` counts the event when it is accepted; a refused event
/// is never counted, so the longest wait any rule imposes is one interval (`window / limit`).
///
/// Shared by every [`Counters`] implementation so they agree to the millisecond (the Redis
/// one runs the same arithmetic in a script).
#[must_use]
pub fn step(tat: u64, now: u64, rule: Rule, add: bool) -> (Option<u64>, Option<u64>) {
    let tat = tat.max(now);
    let wait = (tat - now).checked_sub(rule.burst_ms()).filter(|w| *w > 0);
    let counts = add && wait.is_none();
    (counts.then(|| tat + rule.interval_ms()), wait)
}

/// The current time in milliseconds since the Unix epoch.
#[must_use]
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Every limit, with defaults meant for a public site. See the crate README's security section
/// for the reasoning behind each number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Failed passwords for one login from one client (default 10 per 15 minutes: after ten
    /// mistakes, one try every 90 s).
    pub login_per_client: Rule,
    /// Failed passwords for one login from anywhere (default 100 per hour, NIST's "no more
    /// than 100 consecutive failures"); remembered clients are not held back by it.
    pub login_per_account: Rule,
    /// Failed passwords from one client across every login (default 300 per 15 minutes: a
    /// password spray from one address slows to one try every 3 s).
    pub login_per_ip: Rule,
    /// How long a client that logged in (or reset its password) is remembered (30 days).
    pub remember_client: Duration,
    /// Registrations from one client, every attempt counted (default 100 per hour).
    pub register_per_ip: Rule,
    /// Password-reset and verification mail requests from one client (default 30 per hour;
    /// the mails per address are capped separately by the back end).
    pub mail_per_ip: Rule,
    /// Wrong reset or verification tokens from one client (default 30 per 15 minutes).
    pub token_failures_per_ip: Rule,
    /// API keys created per account (default 20 per day).
    pub api_keys_per_account: Rule,
}

impl Default for Limits {
    fn default() -> Self {
        const MIN: u64 = 60;
        Self {
            login_per_client: Rule::new(10, Duration::from_secs(15 * MIN)),
            login_per_account: Rule::new(100, Duration::from_secs(60 * MIN)),
            login_per_ip: Rule::new(300, Duration::from_secs(15 * MIN)),
            remember_client: Duration::from_secs(30 * 24 * 60 * MIN),
            register_per_ip: Rule::new(100, Duration::from_secs(60 * MIN)),
            mail_per_ip: Rule::new(30, Duration::from_secs(60 * MIN)),
            token_failures_per_ip: Rule::new(30, Duration::from_secs(15 * MIN)),
            api_keys_per_account: Rule::new(20, Duration::from_secs(24 * 60 * MIN)),
        }
    }
}

/// The operations besides password logins that are limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A registration (every attempt counts, per client).
    Register,
    /// A password-reset or verification mail request (every attempt counts, per client).
    Mail,
    /// A reset or verification token check (failures count, per client).
    TokenCheck,
    /// An API key creation (every creation counts, per account).
    CreateApiKey,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::Mail => "mail",
            Self::TokenCheck => "token",
            Self::CreateApiKey => "apikey",
        }
    }
}

/// Where a client comes from, as far as throttling is concerned: its address, IPv6 bucketed by
/// /64 (one subscriber's allocation), or nothing when unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Client(String);

impl Client {
    /// The client at `ip`.
    #[must_use]
    pub fn from_ip(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Self(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// A client whose address is not known (all such requests share one bucket).
    #[must_use]
    pub fn unknown() -> Self {
        Self("unknown".into())
    }

    /// The bucket's name (an IPv4 address, or an IPv6 /64 prefix).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The limits over a set of counters: what the password entry points and the other limited
/// operations call. Cheap to clone.
#[derive(Clone)]
pub struct Throttle {
    counters: Arc<dyn Counters>,
    limits: Arc<Limits>,
}

impl std::fmt::Debug for Throttle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Throttle")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A digest key: no login, address or account id is kept in the counters in the clear.
fn key(parts: &[&str]) -> String {
    let mut hash = Sha256::new();
    for part in parts {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..16])
}

/// The 429 for a wait (rounded up to whole seconds, at least one).
fn throttled(wait: Duration) -> Error {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    Error::Throttled {
        retry_after: secs.max(1),
    }
}

impl Throttle {
    /// `limits` over `counters`.
    #[must_use]
    pub fn new(counters: Arc<dyn Counters>, limits: Limits) -> Self {
        Self {
            counters,
            limits: Arc::new(limits),
        }
    }

    /// The default limits in this process's memory.
    #[must_use]
    pub fn local() -> Self {
        Self::new(Arc::new(LocalCounters::default()), Limits::default())
    }

    /// The limits in force.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Where the counts live (Redis when the store has one, else this process's memory).
    #[must_use]
    pub fn counters(&self) -> &Arc<dyn Counters> {
        &self.counters
    }

    /// Before a password is checked for `login` from `client` (logins are counted by their
    /// canonical form, [`canonical`], as accounts are looked up):
    /// [`Error::Throttled`] when any of its buckets is full. Nothing is counted.
    ///
    /// # Errors
    ///
    /// [`Error::Throttled`], or the counters' store failing ([`Error::Unavailable`]).
    pub async fn before_login(&self, login: &str, client: &Client) -> Result<()> {
        let login = &canonical(login);
        let l = &self.limits;
        let mut wait = Duration::ZERO;
        for (key, rule) in [
            (key(&["pair", login, client.as_str()]), l.login_per_client),
            (key(&["ip", client.as_str()]), l.login_per_ip),
        ] {
            wait = wait.max(self.wait(&key, rule).await?);
        }
        if l.login_per_account.is_on()
            && !self
                .counters
                .remembers(&key(&["known", login, client.as_str()]))
                .await?
        {
            let account = key(&["login", login]);
            wait = wait.max(self.wait(&account, l.login_per_account).await?);
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(throttled(wait))
        }
    }

    /// After a wrong password (or an unknown login) for `login` from `client`. Returns `true`
    /// when this failure filled the login's own bucket: from now on its logins are delayed
    /// for every client it has not logged in from (the audit trail's `account.locked`; the
    /// owner is not locked out, see [`Throttle::login_succeeded`]).
    ///
    /// # Errors
    ///
    /// The counters' store failing ([`Error::Unavailable`]).
    pub async fn login_failed(&self, login: &str, client: &Client) -> Result<bool> {
        let login = &canonical(login);
        let l = &self.limits;
        for (key, rule) in [
            (key(&["pair", login, client.as_str()]), l.login_per_client),
            (key(&["ip", client.as_str()]), l.login_per_ip),
        ] {
            if rule.is_on() {
                self.counters.take(&key, rule).await?;
            }
        }
        let rule = l.login_per_account;
        if !rule.is_on() {
            return Ok(false);
        }
        let account = key(&["login", login]);
        // Counted now and full now: this failure is the one that filled it.
        Ok(self.counters.take(&account, rule).await?.is_none()
            && self.counters.check(&account, rule).await?.is_some())
    }

    /// After a right password for `login` from `client`: the pair's failures are forgotten and
    /// the client remembered, so failures elsewhere do not hold it back.
    ///
    /// # Errors
    ///
    /// The counters' store failing ([`Error::Unavailable`]).
    pub async fn login_succeeded(&self, login: &str, client: &Client) -> Result<()> {
        let login = &canonical(login);
        self.counters
            .clear(&key(&["pair", login, client.as_str()]))
            .await?;
        self.counters
            .remember(
                &key(&["known", login, client.as_str()]),
                self.limits.remember_client,
            )
            .await
    }

    /// After a completed password reset for the account known by `logins` (its email and
    /// username), from `client` when known: the owner proved control of the
    /// mailbox, so the login's failures are forgotten and the client remembered.
    ///
    /// # Errors
    ///
    /// The counters' store failing ([`Error::Unavailable`]).
    pub async fn password_reset(&self, logins: &[&str], client: Option<&Client>) -> Result<()> {
        for login in logins {
            self.counters
                .clear(&key(&["login", &canonical(login)]))
                .await?;
            if let Some(client) = client {
                self.login_succeeded(login, client).await?;
            }
        }
        Ok(())
    }

    /// Counts one `action` by `client` (on `target` when the action is per target, e.g. the
    /// account creating API keys) if the limit allows it.
    ///
    /// # Errors
    ///
    /// [`Error::Throttled`] when the limit is reached (nothing is counted), or the counters'
    /// store failing.
    pub async fn take(&self, action: Action, client: &Client, target: Option<&str>) -> Result<()> {
        let (rule, key) = self.bucket(action, client, target);
        if !rule.is_on() {
            return Ok(());
        }
        match self.counters.take(&key, rule).await? {
            None => Ok(()),
            Some(wait) => Err(throttled(wait)),
        }
    }

    /// Whether `client` may try `action` now (for actions that count only failures).
    ///
    /// # Errors
    ///
    /// [`Error::Throttled`], or the counters' store failing.
    pub async fn check(&self, action: Action, client: &Client, target: Option<&str>) -> Result<()> {
        let (rule, key) = self.bucket(action, client, target);
        let wait = self.wait(&key, rule).await?;
        if wait.is_zero() {
            Ok(())
        } else {
            Err(throttled(wait))
        }
    }

    /// Counts a failed `action` by `client`.
    ///
    /// # Errors
    ///
    /// The counters' store failing.
    pub async fn failed(
        &self,
        action: Action,
        client: &Client,
        target: Option<&str>,
    ) -> Result<()> {
        let (rule, key) = self.bucket(action, client, target);
        if rule.is_on() {
            self.counters.take(&key, rule).await?;
        }
        Ok(())
    }

    fn bucket(&self, action: Action, client: &Client, target: Option<&str>) -> (Rule, String) {
        let l = &self.limits;
        let rule = match action {
            Action::Register => l.register_per_ip,
            Action::Mail => l.mail_per_ip,
            Action::TokenCheck => l.token_failures_per_ip,
            Action::CreateApiKey => l.api_keys_per_account,
        };
        let key = match target {
            Some(target) => key(&[action.name(), target]),
            None => key(&[action.name(), client.as_str()]),
        };
        (rule, key)
    }

    async fn wait(&self, key: &str, rule: Rule) -> Result<Duration> {
        if !rule.is_on() {
            return Ok(Duration::ZERO);
        }
        Ok(self.counters.check(key, rule).await?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests;
