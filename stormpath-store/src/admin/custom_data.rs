//! Custom data of every resource that has some (spec §5.7): tenants, applications,
//! directories, groups and accounts. Each write is a compare-and-swap on what was read (an
//! account's on its `custom_data_version`, the others' on the stored text), retried, so two
//! concurrent merges never lose each other's members.

use sqlx::Row;
use stormpath_client::{AccountId, CustomData, Error, Result};
use time::OffsetDateTime;

use crate::{Store, error::Fallible, util};

/// The resources that have custom data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustomDataOwner {
    /// `/tenants/{id}`.
    Tenant,
    /// `/applications/{id}`.
    Application,
    /// `/directories/{id}`.
    Directory,
    /// `/groups/{id}`.
    Group,
    /// `/accounts/{id}` (versioned: its document carries a version for compare-and-swap).
    Account,
}

impl CustomDataOwner {
    fn table(self) -> &'static str {
        match self {
            Self::Tenant => "tenants",
            Self::Application => "applications",
            Self::Directory => "directories",
            Self::Group => "account_groups",
            Self::Account => "accounts",
        }
    }
}

/// A resource's custom data with its owner's timestamps.
#[derive(Debug, Clone)]
pub struct CustomDataDoc {
    /// The members.
    pub data: CustomData,
    /// The owner's creation time.
    pub created_at: OffsetDateTime,
    /// The owner's last change (custom data writes change it).
    pub modified_at: OffsetDateTime,
    /// An account's custom-data version (`None` for the other owners).
    pub version: Option<i64>,
}

/// What was read before a write: the stored text and, for accounts, the version.
struct Snapshot {
    text: String,
    version: i64,
    doc: CustomDataDoc,
}

/// How often a write is retried when another writer came first.
const ATTEMPTS: usize = 16;

impl Store {
    async fn snapshot(&self, owner: CustomDataOwner, id: &str) -> Fallible<Option<Snapshot>> {
        let version = if owner == CustomDataOwner::Account {
            "custom_data_version"
        } else {
            "0"
        };
        let row = sqlx::query(&format!(
            "SELECT custom_data, {version} AS version, created_at, modified_at FROM {} \
             WHERE id = $1",
            owner.table()
        ))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let text: String = row.try_get("custom_data")?;
        let version: i64 = row.try_get("version")?;
        let data: CustomData = serde_json::from_str(&text).map_err(Error::backend)?;
        Ok(Some(Snapshot {
            doc: CustomDataDoc {
                data,
                created_at: util::from_ms(row.try_get("created_at")?),
                modified_at: util::from_ms(row.try_get("modified_at")?),
                version: (owner == CustomDataOwner::Account).then_some(version),
            },
            text,
            version,
        }))
    }

    /// Writes `data` if the stored document is still the one `seen`; `false` when another
    /// writer came first.
    async fn swap(
        &self,
        owner: CustomDataOwner,
        id: &str,
        seen: &Snapshot,
        data: &CustomData,
    ) -> Fallible<bool> {
        let text = self.custom_data_json(data)?;
        let done = if owner == CustomDataOwner::Account {
            sqlx::query(
                "UPDATE accounts SET custom_data = $1, \
                 custom_data_version = custom_data_version + 1, modified_at = $2 \
                 WHERE id = $3 AND custom_data_version = $4",
            )
            .bind(text)
            .bind(util::now_ms())
            .bind(id)
            .bind(seen.version)
            .execute(&self.inner.pool)
            .await?
        } else {
            sqlx::query(&format!(
                "UPDATE {} SET custom_data = $1, modified_at = $2 \
                 WHERE id = $3 AND custom_data = $4",
                owner.table()
            ))
            .bind(text)
            .bind(util::now_ms())
            .bind(id)
            .bind(&seen.text)
            .execute(&self.inner.pool)
            .await?
        };
        let written = done.rows_affected() == 1;
        if written && owner == CustomDataOwner::Account {
            // `modifiedAt` changed: the cached account is stale.
            self.forget_account(&AccountId(id.to_owned())).await?;
        }
        Ok(written)
    }

    /// Reads, changes with `edit` and writes back until no other writer intervened.
    async fn edit_custom_data(
        &self,
        owner: CustomDataOwner,
        id: &str,
        edit: impl Fn(&mut CustomData),
    ) -> Result<CustomDataDoc> {
        for _ in 0..ATTEMPTS {
            let seen = self.snapshot(owner, id).await?.ok_or(Error::NotFound)?;
            let mut data = seen.doc.data.clone();
            edit(&mut data);
            if data == seen.doc.data {
                return Ok(seen.doc);
            }
            if self.swap(owner, id, &seen, &data).await? {
                return self
                    .resource_custom_data(owner, id)
                    .await?
                    .ok_or(Error::NotFound);
            }
        }
        Err(Error::backend(std::io::Error::other(
            "custom data kept changing under a write",
        )))
    }

    /// A resource's custom data; `None` when the resource does not exist.
    ///
    /// # Errors
    /// A database failure.
    pub async fn resource_custom_data(
        &self,
        owner: CustomDataOwner,
        id: &str,
    ) -> Result<Option<CustomDataDoc>> {
        Ok(self.snapshot(owner, id).await?.map(|s| s.doc))
    }

    /// Merges `patch`'s members into a resource's custom data (a `null` value is stored as
    /// `null`, it does not delete).
    ///
    /// # Errors
    /// Not found, the document over the store's size limit (3004), a database failure.
    pub async fn merge_resource_custom_data(
        &self,
        owner: CustomDataOwner,
        id: &str,
        patch: CustomData,
    ) -> Result<CustomDataDoc> {
        self.edit_custom_data(owner, id, |data| {
            data.extend(patch.iter().map(|(k, v)| (k.clone(), v.clone())));
        })
        .await
    }

    /// Removes every member of a resource's custom data (the resource stays).
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn clear_resource_custom_data(
        &self,
        owner: CustomDataOwner,
        id: &str,
    ) -> Result<CustomDataDoc> {
        self.edit_custom_data(owner, id, CustomData::clear).await
    }

    /// Removes one member of a resource's custom data (nothing happens when it is absent).
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn remove_resource_custom_data_field(
        &self,
        owner: CustomDataOwner,
        id: &str,
        field: &str,
    ) -> Result<CustomDataDoc> {
        self.edit_custom_data(owner, id, |data| {
            data.remove(field);
        })
        .await
    }

    /// Replaces an account's custom data if its version is still `version`: `Ok(None)` when
    /// another writer came first (nothing was written).
    ///
    /// # Errors
    /// Not found, the document over the store's size limit (3004), a database failure.
    pub async fn replace_account_custom_data(
        &self,
        id: &str,
        version: i64,
        data: CustomData,
    ) -> Result<Option<CustomDataDoc>> {
        let owner = CustomDataOwner::Account;
        let seen = self.snapshot(owner, id).await?.ok_or(Error::NotFound)?;
        if seen.version != version {
            return Ok(None);
        }
        if !self.swap(owner, id, &seen, &data).await? {
            return Ok(None);
        }
        self.resource_custom_data(owner, id).await
    }
}
