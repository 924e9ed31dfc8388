//! The audit trail: security events with stable names, as `tracing` events on the target
//! `stormpath::audit` (field `event` = [`AuditEvent::name`]) and to the hooks an application
//! registers with [`StormpathBuilder::on_audit`](crate::StormpathBuilder::on_audit).
//!
//! An event names the account by its href, or an unknown login by its
//! [`login_digest`] (never the login itself, which may be a stranger's address), and the client
//! IP where known. It never carries a password, a token, an API-key secret or any other
//! secret.
//!
//! Code of the plugin that observes an event reports it with [`Stormpath::audit`]:
//!
//! ```ignore
//! sp.audit(AuditEvent::LoginThrottled { login: audit::login_digest(login), ip: audit::client_ip(&req) });
//! ```

use std::{net::IpAddr, sync::Arc};

use sha2::{Digest, Sha256};

use crate::Stormpath;

/// One security event. The variants' names are stable: logs and alerts may match on them.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuditEvent {
    /// `login.success`: a password login (form, JSON or the password grant) succeeded.
    LoginSuccess {
        /// The account's href.
        account: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `login.failure`: a password login was refused (wrong password, unknown login, disabled
    /// or unverified account: the event does not say which).
    LoginFailure {
        /// The [`login_digest`] of the login tried.
        login: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `login.throttled`: a login was refused by the throttle before any password check.
    LoginThrottled {
        /// The [`login_digest`] of the login tried.
        login: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `account.locked`: an account's failures reached the point where its logins are delayed.
    AccountLocked {
        /// The [`login_digest`] of the login.
        login: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `password.reset_requested`: a reset link was asked for (whether or not an account has
    /// the address: the event, like the answer, is the same).
    PasswordResetRequested {
        /// The [`login_digest`] of the address given.
        login: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `password.reset`: a password was set through a reset link.
    PasswordReset {
        /// The account's href.
        account: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `password.changed`: a signed-in user changed their password.
    PasswordChanged {
        /// The account's href.
        account: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `api_key.created`: a new API key (its id only, never its secret).
    ApiKeyCreated {
        /// The account's href.
        account: String,
        /// The key's id.
        key_id: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `api_key.revoked`: an API key was deleted.
    ApiKeyRevoked {
        /// The account's href.
        account: String,
        /// The key's id.
        key_id: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
    /// `token.reuse`: a refresh token was presented again after it had been rotated.
    TokenReuse {
        /// The account's href.
        account: String,
        /// The client's address, where known.
        ip: Option<IpAddr>,
    },
}

impl AuditEvent {
    /// The event's stable name: `login.success`, `login.failure`, `login.throttled`,
    /// `account.locked`, `password.reset_requested`, `password.reset`, `password.changed`,
    /// `api_key.created`,
    /// `api_key.revoked`, `token.reuse`.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::LoginSuccess { .. } => "login.success",
            Self::LoginFailure { .. } => "login.failure",
            Self::LoginThrottled { .. } => "login.throttled",
            Self::AccountLocked { .. } => "account.locked",
            Self::PasswordResetRequested { .. } => "password.reset_requested",
            Self::PasswordReset { .. } => "password.reset",
            Self::PasswordChanged { .. } => "password.changed",
            Self::ApiKeyCreated { .. } => "api_key.created",
            Self::ApiKeyRevoked { .. } => "api_key.revoked",
            Self::TokenReuse { .. } => "token.reuse",
        }
    }

    /// The account's href, when the event names an account.
    #[must_use]
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::LoginSuccess { account, .. }
            | Self::PasswordReset { account, .. }
            | Self::PasswordChanged { account, .. }
            | Self::ApiKeyCreated { account, .. }
            | Self::ApiKeyRevoked { account, .. }
            | Self::TokenReuse { account, .. } => Some(account),
            _ => None,
        }
    }

    /// The login digest, when the event names a login rather than an account.
    #[must_use]
    pub fn login(&self) -> Option<&str> {
        match self {
            Self::LoginFailure { login, .. }
            | Self::LoginThrottled { login, .. }
            | Self::AccountLocked { login, .. }
            | Self::PasswordResetRequested { login, .. } => Some(login),
            _ => None,
        }
    }

    /// The client's address, where known.
    #[must_use]
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            Self::LoginSuccess { ip, .. }
            | Self::LoginFailure { ip, .. }
            | Self::LoginThrottled { ip, .. }
            | Self::AccountLocked { ip, .. }
            | Self::PasswordResetRequested { ip, .. }
            | Self::PasswordReset { ip, .. }
            | Self::PasswordChanged { ip, .. }
            | Self::ApiKeyCreated { ip, .. }
            | Self::ApiKeyRevoked { ip, .. }
            | Self::TokenReuse { ip, .. } => *ip,
        }
    }

    /// The API key's id, for the API-key events.
    #[must_use]
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Self::ApiKeyCreated { key_id, .. } | Self::ApiKeyRevoked { key_id, .. } => Some(key_id),
            _ => None,
        }
    }
}

/// How a login is named in the trail: the first 16 hex digits of the SHA-256 of its
/// canonical form (trimmed, lower case), so that failures for one login can be correlated
/// without writing a stranger's address into the logs.
#[must_use]
pub fn login_digest(login: &str) -> String {
    let canonical = login.trim().to_lowercase();
    Sha256::digest(canonical.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The client's address as the connection shows it (the trusted-proxy rules decide on
/// forwarded headers elsewhere).
#[must_use]
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<IpAddr> {
    match req.app_data::<Stormpath>() {
        Some(sp) => crate::client_ip::address(req, sp),
        None => req.peer_addr().map(|addr| addr.ip()),
    }
}

/// A subscriber to the trail.
pub(crate) type Hook = Arc<dyn Fn(&AuditEvent) + Send + Sync>;

impl Stormpath {
    /// Reports a security event: one `tracing` event on the target `stormpath::audit`, then
    /// every hook registered with [`on_audit`](crate::StormpathBuilder::on_audit), in order.
    pub fn audit(&self, event: &AuditEvent) {
        tracing::info!(
            target: "stormpath::audit",
            event = event.name(),
            account = event.account(),
            login = event.login(),
            key_id = event.key_id(),
            ip = event.ip().map(tracing::field::display),
            "audit"
        );
        for hook in self.audit_hooks() {
            hook(event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_digested_canonically_and_never_shown() {
        let digest = login_digest(" Ada@Example.com ");
        assert_eq!(digest, login_digest("ada@example.com"));
        assert_eq!(digest.len(), 16);
        assert!(!digest.contains("ada"));
    }

    #[test]
    fn names_are_stable() {
        let ip = None;
        let account = String::from("https://x/v1/accounts/1");
        assert_eq!(
            AuditEvent::LoginSuccess {
                account: account.clone(),
                ip
            }
            .name(),
            "login.success"
        );
        assert_eq!(
            AuditEvent::ApiKeyRevoked {
                account,
                key_id: "k".into(),
                ip
            }
            .name(),
            "api_key.revoked"
        );
    }
}
