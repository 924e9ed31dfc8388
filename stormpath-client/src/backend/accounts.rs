//! Accounts: create, look up, change and delete them.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Account, AccountId, AccountUpdate, NewAccount, PasswordStrength, Resource, Result};

/// The accounts of the directory the back end serves.
#[async_trait]
pub trait Accounts: Send + Sync {
    /// The password policy of the directory new accounts are created in.
    async fn password_strength(&self) -> Result<PasswordStrength>;

    /// Creates an account after checking the password policy and uniqueness. An account
    /// created `UNVERIFIED` is sent its verification email by the back end; when that email
    /// cannot be sent, the account is not created.
    ///
    /// # Errors
    /// [`Error::Validation`](crate::Error::Validation) for a malformed email or a weak password,
    /// [`Error::Conflict`](crate::Error::Conflict) when the email or username is taken,
    /// [`Error::MailUnavailable`](crate::Error::MailUnavailable) when the verification email
    /// could not be sent.
    async fn create_account(&self, account: NewAccount) -> Result<Account>;

    /// Looks up an account by id.
    async fn account(&self, id: &AccountId) -> Result<Option<Arc<Account>>>;

    /// Looks up an account by its email address (compared in canonical form).
    async fn account_by_email(&self, email: &str) -> Result<Option<Arc<Account>>>;

    /// Changes an account's own properties.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when the account does not exist.
    async fn update_account(&self, id: &AccountId, update: AccountUpdate) -> Result<Account>;

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
