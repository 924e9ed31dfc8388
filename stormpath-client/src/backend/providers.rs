//! Provider identities: which social or OpenID Connect identity (provider, subject) belongs to
//! which account.

use std::sync::Arc;

use async_trait::async_trait;

use time::OffsetDateTime;

use crate::{Account, AccountId, Error, Invalid, InvalidKind, Result};

/// One provider identity linked to an account.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProviderLink {
    /// The provider id of the configuration (`google`, `github`, `mycompany`).
    pub provider_id: String,
    /// The provider's stable subject for the user (the ID token's `sub`, GitHub's numeric id).
    pub subject: String,
    /// The email the provider asserted when the link was made.
    pub email: Option<String>,
    /// Whether this identity created the account (which then has no password its owner knows).
    pub created_account: bool,
    /// When the link was made.
    pub created_at: OffsetDateTime,
}

impl ProviderLink {
    /// A link of `subject` at `provider_id`, made now.
    #[must_use]
    pub fn new(provider_id: impl Into<String>, subject: impl Into<String>) -> Self {
        Self {
            provider_id: provider_id.into(),
            subject: subject.into(),
            email: None,
            created_account: false,
            created_at: OffsetDateTime::now_utc(),
        }
    }

    /// The email the provider asserted.
    #[must_use]
    pub fn with_email(mut self, email: Option<String>) -> Self {
        self.email = email;
        self
    }

    /// Marks the link as the one that created its account.
    #[must_use]
    pub fn creating_account(mut self) -> Self {
        self.created_account = true;
        self
    }
}

/// The answer of a back end that keeps no provider identities.
#[must_use]
fn unsupported() -> Error {
    Error::Validation(Invalid::general(
        InvalidKind::Other,
        "Social login and account linking are not supported by this back end.",
    ))
}

/// Provider identities of accounts. Every method has a default that answers
/// "not supported by this back end" (a 400 validation error), for back ends with nowhere to keep them (the remote REST back end).
#[async_trait]
pub trait ProviderAccounts: Send + Sync {
    /// The account `subject` at `provider_id` is linked to.
    async fn account_by_provider(
        &self,
        _provider_id: &str,
        _subject: &str,
    ) -> Result<Option<Arc<Account>>> {
        Err(unsupported())
    }

    /// Links an identity to an account.
    ///
    /// # Errors
    /// [`Error::Conflict`] (field `providerData`) when the identity is linked to an account
    /// already, or the account has an identity at that provider already;
    /// [`Error::NotFound`] when the account does not exist.
    async fn link_provider(&self, _account: &AccountId, _link: ProviderLink) -> Result<()> {
        Err(unsupported())
    }

    /// The identities linked to an account, oldest first.
    async fn provider_links(&self, _account: &AccountId) -> Result<Vec<ProviderLink>> {
        Err(unsupported())
    }

    /// Removes the account's identity at `provider_id`.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is none.
    async fn unlink_provider(&self, _account: &AccountId, _provider_id: &str) -> Result<()> {
        Err(unsupported())
    }
}
