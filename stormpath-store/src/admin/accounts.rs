//! Accounts as the REST server sees them: with their directory.

use stormpath_client::{Account, AccountId, Error, Result};

use crate::Store;

/// An account and the directory that holds it.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// The account.
    pub account: Account,
    /// Its directory's id.
    pub directory_id: String,
}

impl Store {
    /// An account by id, with its directory.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_record(&self, id: &str) -> Result<Option<AccountRecord>> {
        let directory: Option<String> =
            sqlx::query_scalar("SELECT directory_id FROM accounts WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.inner.pool)
                .await
                .map_err(Error::backend)?;
        let Some(directory_id) = directory else {
            return Ok(None);
        };
        let account = self
            .cached(&AccountId(id.to_owned()))
            .await?
            .map(|c| (*c.account).clone());
        Ok(account.map(|account| AccountRecord {
            account,
            directory_id,
        }))
    }
}
