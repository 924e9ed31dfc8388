//! Custom data: each account's JSON document, versioned for compare-and-swap.

use async_trait::async_trait;
use sqlx::Row;
use stormpath_client::{
    AccountId, CustomData, CustomDataStore, Error, Result, VersionedCustomData,
};

use crate::{Store, error::Fallible, util};

impl Store {
    /// Reads the custom data and its version (for optimistic updates).
    async fn read_custom_data(&self, id: &AccountId) -> Fallible<(CustomData, i64)> {
        let row =
            sqlx::query("SELECT custom_data, custom_data_version FROM accounts WHERE id = $1")
                .bind(id.as_str())
                .fetch_optional(&self.inner.pool)
                .await?
                .ok_or(Error::NotFound)?;
        let text: String = row.try_get(0)?;
        let data = serde_json::from_str(&text).map_err(Error::backend)?;
        Ok((data, row.try_get(1)?))
    }

    /// Writes custom data if its version is still `version`; `false` when someone else wrote
    /// first.
    async fn write_custom_data_if(
        &self,
        id: &AccountId,
        version: i64,
        data: &CustomData,
    ) -> Fallible<bool> {
        let done = sqlx::query(
            "UPDATE accounts SET custom_data = $1, custom_data_version = custom_data_version + 1, \
             modified_at = $2 WHERE id = $3 AND custom_data_version = $4",
        )
        .bind(self.custom_data_json(data)?)
        .bind(util::now_ms())
        .bind(id.as_str())
        .bind(version)
        .execute(&self.inner.pool)
        .await?;
        let written = done.rows_affected() == 1;
        if written {
            // `modifiedAt` changed: the cached account is stale.
            self.forget_account(id).await?;
        }
        Ok(written)
    }
}

#[async_trait]
impl CustomDataStore for Store {
    async fn custom_data(&self, id: &AccountId) -> Result<VersionedCustomData> {
        let (data, version) = self.read_custom_data(id).await?;
        Ok(VersionedCustomData { data, version })
    }

    async fn swap_custom_data(
        &self,
        id: &AccountId,
        version: i64,
        data: CustomData,
    ) -> Result<bool> {
        Ok(self.write_custom_data_if(id, version, &data).await?)
    }
}
