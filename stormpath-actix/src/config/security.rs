//! `stormpath.security`: throttling limits, trusted proxies, and the rules around API keys and
//! sessions (README's security section states every default and why).

use serde::{Deserialize, Serialize};
use stormpath_client::throttle::{Limits, Rule};

/// `stormpath.security`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SecurityConfig {
    /// Addresses or CIDR ranges of the reverse proxies in front of the app. Only a request from
    /// one of them has its `X-Forwarded-For` (the client address, for throttling) and
    /// `X-Forwarded-Proto` / `Forwarded` (HTTPS, for cookies' `Secure` and HSTS) believed.
    /// Default: none — the peer address is the client, and the connection's own scheme counts.
    pub trusted_proxies: Vec<String>,
    /// The throttle's limits.
    pub limits: LimitsConfig,
    /// API keys.
    pub api_keys: ApiKeysConfig,
    /// Sessions (token lifetimes are under `tokens`).
    pub sessions: SessionsConfig,
}

/// One leaky bucket: `limit` events, leaking `limit` per `window` seconds (`limit: 0` turns it
/// off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Events allowed in a burst.
    pub limit: u32,
    /// Seconds for a full bucket to empty.
    pub window: u64,
}

impl From<Rule> for RuleConfig {
    fn from(rule: Rule) -> Self {
        Self {
            limit: rule.limit,
            window: rule.window.as_secs(),
        }
    }
}

impl From<RuleConfig> for Rule {
    fn from(rule: RuleConfig) -> Self {
        Rule::new(rule.limit, std::time::Duration::from_secs(rule.window))
    }
}

/// `stormpath.security.limits`: see [`Limits`] for each default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct LimitsConfig {
    /// Failed passwords for one login from one client (10 per 900 s).
    pub login_per_client: RuleConfig,
    /// Failed passwords for one login from anywhere, remembered clients excepted (100 per
    /// 3600 s).
    pub login_per_account: RuleConfig,
    /// Failed passwords from one client, any login (300 per 900 s).
    pub login_per_ip: RuleConfig,
    /// Seconds a client that logged in is remembered (30 days).
    pub remember_client: u64,
    /// Registrations from one client (100 per 3600 s).
    pub register_per_ip: RuleConfig,
    /// `/forgot` and verification-mail requests from one client (30 per 3600 s).
    pub mail_per_ip: RuleConfig,
    /// Wrong reset or verification tokens from one client (30 per 900 s).
    pub token_failures_per_ip: RuleConfig,
    /// API keys created per account (20 per 86400 s).
    pub api_keys_per_account: RuleConfig,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        let l = Limits::default();
        Self {
            login_per_client: l.login_per_client.into(),
            login_per_account: l.login_per_account.into(),
            login_per_ip: l.login_per_ip.into(),
            remember_client: l.remember_client.as_secs(),
            register_per_ip: l.register_per_ip.into(),
            mail_per_ip: l.mail_per_ip.into(),
            token_failures_per_ip: l.token_failures_per_ip.into(),
            api_keys_per_account: l.api_keys_per_account.into(),
        }
    }
}

impl From<&LimitsConfig> for Limits {
    fn from(c: &LimitsConfig) -> Self {
        Limits {
            login_per_client: c.login_per_client.into(),
            login_per_account: c.login_per_account.into(),
            login_per_ip: c.login_per_ip.into(),
            remember_client: std::time::Duration::from_secs(c.remember_client),
            register_per_ip: c.register_per_ip.into(),
            mail_per_ip: c.mail_per_ip.into(),
            token_failures_per_ip: c.token_failures_per_ip.into(),
            api_keys_per_account: c.api_keys_per_account.into(),
        }
    }
}

/// `stormpath.security.apiKeys`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ApiKeysConfig {
    /// Seconds after a password entry during which a session may create an API key without
    /// giving its password again (600, as Kratos' privileged sessions; 0 asks every time).
    pub reauthentication_window: u64,
    /// Whether a password reset or change deletes the account's API keys (true).
    pub revoke_on_password_change: bool,
    /// Whether registration may provision keys through `stormpathApiKey_<n>` custom data (the
    /// conformance kit's convention, spec §4.3). Off by default: on, anyone registering chooses
    /// a key id and secret.
    pub from_custom_data: bool,
    /// The most API keys an account may hold (10).
    pub max_per_account: u32,
}

impl Default for ApiKeysConfig {
    fn default() -> Self {
        Self {
            reauthentication_window: 600,
            revoke_on_password_change: true,
            from_custom_data: false,
            max_per_account: 10,
        }
    }
}

/// `stormpath.security.sessions`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct SessionsConfig {
    /// Whether each refresh hands out a new refresh token and retires the old one; a retired
    /// token presented again revokes its whole family (reuse detection). Off by default: spec
    /// §6.4 keeps the same refresh token.
    pub rotate_refresh_tokens: bool,
    /// With rotation, seconds during which a replaced refresh token may still be exchanged
    /// (each time for a new token of its session) before it counts as reused (default 0). A
    /// few seconds spare pages whose parallel requests all refresh one expired cookie.
    pub reuse_grace: u64,
    /// Seconds a session may go unrefreshed before it ends (0: no idle timeout).
    pub idle_timeout: u64,
    /// Seconds after the password entry beyond which a session cannot be refreshed, whatever
    /// its refresh token says (0: the refresh token's own lifetime).
    pub absolute_lifetime: u64,
}
