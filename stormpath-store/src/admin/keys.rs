//! API keys as the REST server sees them: by key id, with the owner's directory, and the
//! secret given back when it was sealed.

use sqlx::{Row, any::AnyRow};
use stormpath_client::{AccountId, Error, Result};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::{Store, error::Fallible, util};

/// An API key row.
#[derive(Clone)]
pub struct ApiKeyRecord {
    /// The public key id.
    pub key_id: String,
    /// The owning account's id.
    pub account_id: String,
    /// The owner's directory id.
    pub directory_id: String,
    /// The owner's directory's name (`Stormpath Administrators` for tenant keys).
    pub directory_name: String,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// The owning account's status.
    pub account_status: String,
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// The plain secret, when it was sealed and the store holds the sealing key.
    pub secret: Option<String>,
    secret_hash: String,
}

impl std::fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("key_id", &self.key_id)
            .field("account_id", &self.account_id)
            .field("status", &self.status)
            .field("secret", &self.secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl ApiKeyRecord {
    /// Whether `secret` is this key's secret (constant time).
    #[must_use]
    pub fn matches(&self, secret: &str) -> bool {
        bool::from(
            util::digest(secret)
                .as_bytes()
                .ct_eq(self.secret_hash.as_bytes()),
        )
    }
}

const SELECT: &str = "SELECT k.key_id, k.account_id, a.directory_id, d.name AS directory_name, \
     k.status, a.status AS account_status, k.name, k.description, k.created_at, \
     k.secret_sealed, k.secret_hash FROM api_keys k JOIN accounts a ON a.id = k.account_id \
     JOIN directories d ON d.id = a.directory_id";

impl Store {
    pub(super) fn read_key(&self, row: &AnyRow) -> Fallible<ApiKeyRecord> {
        let key_id: String = row.try_get("key_id")?;
        let sealed: Option<String> = row.try_get("secret_sealed")?;
        let secret = match (&self.inner.sealer, sealed) {
            (Some(sealer), Some(sealed)) => sealer.open(&key_id, &sealed),
            _ => None,
        };
        Ok(ApiKeyRecord {
            account_id: row.try_get("account_id")?,
            directory_id: row.try_get("directory_id")?,
            directory_name: row.try_get("directory_name")?,
            status: row.try_get("status")?,
            account_status: row.try_get("account_status")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            created_at: util::from_ms(row.try_get("created_at")?),
            secret,
            secret_hash: row.try_get("secret_hash")?,
            key_id,
        })
    }

    /// The API key with this id (the newest, should ids repeat).
    ///
    /// # Errors
    /// A database failure.
    pub async fn api_key_record(&self, key_id: &str) -> Result<Option<ApiKeyRecord>> {
        let row = sqlx::query(&format!(
            "{SELECT} WHERE k.key_id = $1 ORDER BY k.created_at DESC LIMIT 1"
        ))
        .bind(key_id)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(row.as_ref().map(|r| self.read_key(r)).transpose()?)
    }

    /// An account's API keys, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn api_key_records(&self, account_id: &str) -> Result<Vec<ApiKeyRecord>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE k.account_id = $1 ORDER BY k.created_at, k.key_id"
        ))
        .bind(account_id)
        .fetch_all(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(rows
            .iter()
            .map(|r| self.read_key(r))
            .collect::<Fallible<Vec<_>>>()?)
    }

    /// Changes a key's status, name or description.
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn update_api_key(
        &self,
        key_id: &str,
        status: Option<&str>,
        name: Option<Option<&str>>,
        description: Option<Option<&str>>,
    ) -> Result<ApiKeyRecord> {
        let current = self.api_key_record(key_id).await?.ok_or(Error::NotFound)?;
        sqlx::query(
            "UPDATE api_keys SET status = $1, name = $2, description = $3 WHERE key_id = $4",
        )
        .bind(status.map_or(current.status.clone(), str::to_uppercase))
        .bind(name.map_or(current.name.clone(), |n| n.map(str::to_owned)))
        .bind(description.map_or(current.description.clone(), |d| d.map(str::to_owned)))
        .bind(key_id)
        .execute(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        // A new status: instances (and remote back ends following the changes feed) drop the
        // account's cached keys. A name or description is not cached anywhere.
        if status.is_some() {
            self.forget_account(&AccountId(current.account_id.clone()))
                .await?;
        }
        self.api_key_record(key_id).await?.ok_or(Error::NotFound)
    }

    /// Deletes a key by id.
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn delete_api_key_by_id(&self, key_id: &str) -> Result<()> {
        let current = self.api_key_record(key_id).await?.ok_or(Error::NotFound)?;
        let done = sqlx::query("DELETE FROM api_keys WHERE key_id = $1")
            .bind(key_id)
            .execute(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        self.forget_account(&AccountId(current.account_id)).await
    }
}
