//! Credentials and tokens: password login and change, and the token life cycle.

use async_trait::async_trait;

use serde::Serialize;
use time::OffsetDateTime;

use crate::{Account, AccountId, Authenticated, Error, Result, TokenSet};

/// One live session of an account: a password login and the refresh tokens that carried it on
/// (its refresh-token family).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SessionInfo {
    /// The session's id (what [`Sessions::end_session`] takes).
    pub id: String,
    /// When the password was entered.
    #[serde(with = "crate::timestamp")]
    pub created_at: OffsetDateTime,
    /// When the session last refreshed its access token, if it has.
    #[serde(with = "crate::timestamp::option")]
    pub last_used_at: Option<OffsetDateTime>,
    /// When its refresh token expires.
    #[serde(with = "crate::timestamp")]
    pub expires_at: OffsetDateTime,
    /// Whether this is the session the request came with.
    pub current: bool,
}

impl SessionInfo {
    /// A session record.
    #[must_use]
    pub fn new(
        id: String,
        created_at: OffsetDateTime,
        last_used_at: Option<OffsetDateTime>,
        expires_at: OffsetDateTime,
    ) -> Self {
        Self {
            id,
            created_at,
            last_used_at,
            expires_at,
            current: false,
        }
    }
}

/// How tokens are being granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenGrant {
    /// A login with a password (form, JSON or the `password` grant): an access token and a
    /// refresh token.
    Password,
    /// The `client_credentials` grant with an API key: an access token only.
    ClientCredentials,
}

/// The outcome of a refresh: the new tokens and who they belong to.
#[derive(Debug, Clone)]
pub struct Refreshed {
    /// A new access token; the refresh token is returned unchanged (no rotation, per the
    /// spec), with its original expiry.
    pub tokens: TokenSet,
    /// The account and the new access token's claims.
    pub session: Authenticated,
}

/// Password login and the tokens that carry a session.
#[async_trait]
pub trait Sessions: Send + Sync {
    /// Checks a login (username or email) and password.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`](crate::Error::InvalidCredentials) for an unknown login or a
    /// wrong password (indistinguishable by design), `AccountDisabled` / `AccountUnverified` when
    /// the password is right but the account may not log in.
    async fn authenticate(&self, login: &str, password: &str) -> Result<Account>;

    /// Changes the password of a logged-in account after checking the current one; every
    /// earlier token of the account is revoked and the owner is sent a notice (a notice that
    /// cannot be sent is logged; the change stands).
    ///
    /// # Errors
    /// `InvalidCredentials` when `current` is wrong, `Validation` when the policy refuses `new`.
    async fn change_password(&self, id: &AccountId, current: &str, new: &str) -> Result<()>;

    /// Issues tokens for an account that just authenticated.
    async fn issue_tokens(&self, account: &Account, grant: TokenGrant) -> Result<TokenSet>;

    /// Mints a new access token from a refresh token.
    ///
    /// # Errors
    /// [`Error::InvalidToken`](crate::Error::InvalidToken) when the refresh token is malformed,
    /// forged, expired, revoked, of the wrong kind, or its account may no longer log in.
    async fn refresh_tokens(&self, refresh_token: &str) -> Result<Refreshed>;

    /// Verifies an access token: signature, issuer, kind, expiry, revocation and the account's
    /// status.
    ///
    /// This is the hot path of every authenticated request; the embedded store answers it from
    /// memory. `Ok(None)` means the token is not valid.
    async fn verify_access_token(&self, token: &str) -> Result<Option<Authenticated>>;

    /// Revokes the given tokens (access or refresh; anything unparsable is ignored).
    async fn revoke_tokens(&self, tokens: &[&str]) -> Result<()>;

    /// Revokes every token issued to the account so far (password change, disable, "log out
    /// everywhere").
    async fn revoke_all_tokens(&self, id: &AccountId) -> Result<()>;

    /// The account's live sessions, newest first; the one whose refresh token has the `jti`
    /// `current` (an access token's `rti`) is marked.
    ///
    /// # Errors
    /// [`Error::Unsupported`] from a back end that does not track sessions (the default).
    async fn sessions(&self, id: &AccountId, current: Option<&str>) -> Result<Vec<SessionInfo>> {
        let _ = (id, current);
        Err(Error::Unsupported("listing sessions"))
    }

    /// Ends one session of the account (revokes its refresh tokens and their access tokens).
    ///
    /// # Errors
    /// [`Error::NotFound`] when the account has no such live session; [`Error::Unsupported`]
    /// from a back end that does not track sessions (the default).
    async fn end_session(&self, id: &AccountId, session: &str) -> Result<()> {
        let _ = (id, session);
        Err(Error::Unsupported("ending one session"))
    }
}
