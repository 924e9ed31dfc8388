//! An account's API keys.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Account, AccountId, ApiKeyInfo, NewApiKey, Result};

/// API keys: secrets an account's programs authenticate with (HTTP Basic, the
/// `client_credentials` grant).
#[async_trait]
pub trait ApiKeys: Send + Sync {
    /// Creates an API key for the account. The secret is in the answer and nowhere else.
    async fn create_api_key(&self, id: &AccountId, name: Option<&str>) -> Result<NewApiKey>;

    /// The account's API keys (never their secrets).
    async fn api_keys(&self, id: &AccountId) -> Result<Vec<ApiKeyInfo>>;

    /// Deletes one of the account's API keys.
    ///
    /// # Errors
    /// `NotFound` when the account has no key with that id.
    async fn delete_api_key(&self, id: &AccountId, key_id: &str) -> Result<()>;

    /// The ENABLED account owning an enabled API key with this id and secret (compared in
    /// constant time), or `None`.
    async fn authenticate_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<Option<Arc<Account>>>;
}
