//! The `Backend` trait: what the web plugin needs from an account store.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{
    AccessClaims, Account, AccountId, AccountUpdate, ApiKeyInfo, CustomData, Group, NewAccount,
    NewApiKey, PasswordStrength, Resource, Result, TokenSet,
};

/// An account authenticated by an access token, with the token's verified claims.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The account (shared: back ends cache accounts between requests).
    pub account: Arc<Account>,
    /// The verified access-token claims (shared: verified tokens are cached).
    pub claims: Arc<AccessClaims>,
}

/// The operations the web plugin runs on an account store.
///
/// `Ok(None)` means "not found"; `Err` carries either an answer the user can act on (bad
/// credentials, a conflict, a policy violation) or [`Error::Backend`](crate::Error::Backend)
/// when the store itself broke.
///
/// The embedded implementation is `stormpath_store::Store`.
#[async_trait]
pub trait Backend: Send + Sync + 'static {
    /// The password policy of the directory new accounts are created in.
    async fn password_strength(&self) -> Result<PasswordStrength>;

    /// Creates an account after checking the password policy and uniqueness.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a malformed email or a weak password,
    /// [`Error::Conflict`](crate::Error::Conflict) when the email or username is taken.
    async fn register(&self, account: NewAccount) -> Result<Account>;

    /// Checks a login (username or email) and password.
    ///
    /// # Errors
    /// [`Error::InvalidCredentials`](crate::Error::InvalidCredentials) for an unknown login or a
    /// wrong password (indistinguishable by design), `AccountDisabled` / `AccountUnverified` when
    /// the password is right but the account may not log in.
    async fn authenticate(&self, login: &str, password: &str) -> Result<Account>;

    /// Looks up an account by id.
    async fn account(&self, id: &AccountId) -> Result<Option<Arc<Account>>>;

    /// Looks up an account by its email address (compared in canonical form).
    async fn account_by_email(&self, email: &str) -> Result<Option<Arc<Account>>>;

    /// Changes an account's own properties.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account does not exist.
    async fn update_account(&self, id: &AccountId, update: AccountUpdate) -> Result<Account>;

    /// The names of the enabled groups the account belongs to.
    async fn group_names(&self, id: &AccountId) -> Result<Arc<[String]>>;

    /// The groups the account belongs to.
    async fn groups(&self, id: &AccountId) -> Result<Vec<Group>>;

    /// Creates a group (or returns the existing one of that name).
    async fn ensure_group(&self, name: &str, description: Option<&str>) -> Result<Group>;

    /// Adds an account to a group by group name; adding twice is not an error.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account or group does not exist.
    async fn add_to_group(&self, id: &AccountId, group: &str) -> Result<()>;

    /// Removes an account from a group by name; removing a non-member is not an error.
    async fn remove_from_group(&self, id: &AccountId, group: &str) -> Result<()>;

    /// The account's custom data.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account does not exist.
    async fn custom_data(&self, id: &AccountId) -> Result<CustomData>;

    /// Merges `patch` into the account's custom data atomically (a `null` value removes the
    /// key) and returns the result.
    async fn merge_custom_data(&self, id: &AccountId, patch: CustomData) -> Result<CustomData>;

    /// Replaces the account's custom data as a whole.
    async fn replace_custom_data(&self, id: &AccountId, data: CustomData) -> Result<()>;

    /// The account's custom data together with its version, for an optimistic
    /// read-modify-write with [`swap_custom_data`](Backend::swap_custom_data).
    ///
    /// The version is an opaque number that changes on every write of the custom data (by any
    /// of the custom-data methods); only compare it or hand it back.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account does not exist.
    async fn custom_data_versioned(&self, id: &AccountId) -> Result<(CustomData, i64)>;

    /// Replaces the account's custom data with `data` only if it is still at `version` (as
    /// read by [`custom_data_versioned`](Backend::custom_data_versioned)): a compare-and-swap.
    ///
    /// `Ok(true)` when written; `Ok(false)` when another writer came first (or the account is
    /// gone), in which case nothing was written: read again, redo the change and retry. This is
    /// how a caller applies an arbitrary change atomically, so that concurrent updates of
    /// different keys all survive. Members named `stormpathApiKey_<n>` are stored as given
    /// here (only registration turns them into API keys).
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) when `data` is larger than the store
    /// accepts (the embedded store: 64 KiB of JSON).
    async fn swap_custom_data(
        &self,
        id: &AccountId,
        version: i64,
        data: CustomData,
    ) -> Result<bool>;

    /// Issues an access token and a refresh token for an account that just logged in.
    async fn issue_tokens(&self, account: &Account) -> Result<TokenSet>;

    /// Mints a new access token from a refresh token; the refresh token is returned unchanged
    /// (no rotation, per the spec), with its original expiry.
    ///
    /// # Errors
    /// [`Error::InvalidToken`](crate::Error::InvalidToken) when the refresh token is malformed,
    /// forged, expired, revoked, of the wrong kind, or its account may no longer log in.
    async fn refresh(&self, refresh_token: &str) -> Result<(TokenSet, Authenticated)>;

    /// Verifies an access token: signature, kind, expiry, revocation and the account's status.
    ///
    /// This is the hot path of every authenticated request; the embedded store answers it from
    /// memory. `Ok(None)` means the token is not valid.
    async fn verify_access_token(&self, token: &str) -> Result<Option<Authenticated>>;

    /// Revokes the given tokens (access or refresh; anything unparsable is ignored).
    async fn revoke_tokens(&self, tokens: &[&str]) -> Result<()>;

    /// Revokes every token issued to the account so far (password change, disable).
    async fn revoke_all_tokens(&self, id: &AccountId) -> Result<()>;

    /// Issues an access token for the client-credentials grant: no refresh token.
    async fn issue_client_token(&self, account: &Account) -> Result<TokenSet>;

    /// Starts a password reset for the ENABLED account with this email address: returns the
    /// account and the one-time token to mail, or `None` when there is no such account. A new
    /// token voids the account's earlier ones.
    async fn start_password_reset(&self, email: &str) -> Result<Option<(Arc<Account>, String)>>;

    /// Checks a password-reset token without using it up.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when it is unknown, expired or used.
    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>>;

    /// Uses up a password-reset token and sets the new password; every token of the account is
    /// revoked. The token is checked before the password.
    ///
    /// # Errors
    /// `NotFound` for a bad token, `Validation` for a password the policy refuses.
    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account>;

    /// Issues an email-verification token for the UNVERIFIED account with this address, or
    /// `None` when there is none. A new token voids the earlier ones.
    async fn start_email_verification(&self, email: &str)
    -> Result<Option<(Arc<Account>, String)>>;

    /// Issues an email-verification token for an account just registered as UNVERIFIED.
    async fn verification_token(&self, id: &AccountId) -> Result<String>;

    /// Uses up a verification token: the account becomes ENABLED and VERIFIED.
    ///
    /// # Errors
    /// `NotFound` when the token is unknown, expired or used.
    async fn verify_email(&self, token: &str) -> Result<Account>;

    /// Changes the password of a logged-in account after checking the current one; every
    /// earlier token of the account is revoked.
    ///
    /// # Errors
    /// `InvalidCredentials` when `current` is wrong, `Validation` when the policy refuses `new`.
    async fn change_password(&self, id: &AccountId, current: &str, new: &str) -> Result<()>;

    /// Creates an API key for the account. The secret is in the answer and nowhere else.
    async fn create_api_key(&self, id: &AccountId, name: Option<&str>) -> Result<NewApiKey>;

    /// The account's API keys (never their secrets).
    async fn api_keys(&self, id: &AccountId) -> Result<Vec<ApiKeyInfo>>;

    /// Deletes one of the account's API keys.
    ///
    /// # Errors
    /// `NotFound` when the account has no key with that id.
    async fn revoke_api_key(&self, id: &AccountId, key_id: &str) -> Result<()>;

    /// The ENABLED account owning an enabled API key with this id and secret (compared in
    /// constant time), or `None`.
    async fn authenticate_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<Option<Arc<Account>>>;

    /// Voids every outstanding password-reset and verification token of the account (for
    /// example when the email carrying one could not be sent).
    async fn cancel_one_time_tokens(&self, id: &AccountId) -> Result<()>;

    /// Deletes an account with everything it owns (memberships, keys, tokens).
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when it does not exist.
    async fn delete_account(&self, id: &AccountId) -> Result<()>;

    /// The directory accounts are created in.
    async fn directory(&self) -> Result<Resource>;

    /// The application this back end serves.
    async fn application(&self) -> Result<Resource>;
}
