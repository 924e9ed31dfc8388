//! Groups and memberships.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Row;
use stormpath_client::{
    AccountId, Error, Group, GroupStatus, Groups, Invalid, InvalidKind, Result,
};

use crate::{Store, email, error::Fallible, util};

// The queries return `Fallible` so that `?` takes sqlx's errors; the trait methods below are
// where they become the Backend's errors.
impl Store {
    fn group_href(&self, id: &str) -> String {
        format!("{}/groups/{id}", self.inner.href_base)
    }

    async fn cached_group_names(&self, id: &AccountId) -> Fallible<Arc<[String]>> {
        if let Some(groups) = self.inner.cache.get(id.as_str()).and_then(|c| c.groups()) {
            return Ok(groups);
        }
        let names: Arc<[String]> = self
            .select_groups(id)
            .await?
            .into_iter()
            .filter(|g| g.status == GroupStatus::Enabled)
            .map(|g| g.name)
            .collect();
        self.inner.cache.put_groups(id, Arc::clone(&names));
        Ok(names)
    }

    async fn select_groups(&self, id: &AccountId) -> Fallible<Vec<Group>> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, g.description, g.status FROM account_groups g \
             JOIN group_memberships m ON m.group_id = g.id WHERE m.account_id = $1 ORDER BY g.name",
        )
        .bind(id.as_str())
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter().map(|row| self.map_group(row)).collect()
    }

    fn map_group(&self, row: &sqlx::any::AnyRow) -> Fallible<Group> {
        let id: String = row.try_get(0)?;
        let status: String = row.try_get(3)?;
        Ok(Group {
            href: self.group_href(&id),
            name: row.try_get(1)?,
            description: row.try_get(2)?,
            status: if status == "ENABLED" {
                GroupStatus::Enabled
            } else {
                GroupStatus::Disabled
            },
        })
    }

    async fn group_id(&self, name: &str) -> Fallible<Option<String>> {
        let row =
            sqlx::query("SELECT id FROM account_groups WHERE directory_id = $1 AND name_key = $2")
                .bind(&self.scope.directory_id)
                .bind(email::canonical(name))
                .fetch_optional(&self.inner.pool)
                .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn upsert_group(&self, name: &str, description: Option<&str>) -> Fallible<Group> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
            return Err(Error::from(Invalid::new(
                "name",
                InvalidKind::Format,
                "Group name must be 1 to 255 printable characters.",
            ))
            .into());
        }
        let now = util::now_ms();
        sqlx::query(
            "INSERT INTO account_groups (id, directory_id, name, name_key, description, status, \
             created_at, modified_at) VALUES ($1, $2, $3, $4, $5, 'ENABLED', $6, $6) \
             ON CONFLICT (directory_id, name_key) DO NOTHING",
        )
        .bind(util::new_id())
        .bind(&self.scope.directory_id)
        .bind(name)
        .bind(email::canonical(name))
        .bind(description)
        .bind(now)
        .execute(&self.inner.pool)
        .await?;
        let row = sqlx::query(
            "SELECT id, name, description, status FROM account_groups \
             WHERE directory_id = $1 AND name_key = $2",
        )
        .bind(&self.scope.directory_id)
        .bind(email::canonical(name))
        .fetch_one(&self.inner.pool)
        .await?;
        self.map_group(&row)
    }

    async fn insert_membership(&self, id: &AccountId, group: &str) -> Fallible<()> {
        let group_id = self.group_id(group).await?.ok_or(Error::NotFound)?;
        if self.cached(id).await?.is_none() {
            return Err(Error::NotFound.into());
        }
        sqlx::query(
            "INSERT INTO group_memberships (id, account_id, group_id, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, group_id) DO NOTHING",
        )
        .bind(util::new_id())
        .bind(id.as_str())
        .bind(group_id)
        .bind(util::now_ms())
        .execute(&self.inner.pool)
        .await?;
        self.forget_account(id).await?;
        Ok(())
    }

    async fn delete_membership(&self, id: &AccountId, group: &str) -> Fallible<()> {
        if let Some(group_id) = self.group_id(group).await? {
            sqlx::query("DELETE FROM group_memberships WHERE account_id = $1 AND group_id = $2")
                .bind(id.as_str())
                .bind(group_id)
                .execute(&self.inner.pool)
                .await?;
        }
        self.forget_account(id).await?;
        Ok(())
    }
}

#[async_trait]
impl Groups for Store {
    async fn groups(&self, id: &AccountId) -> Result<Vec<Group>> {
        Ok(Store::select_groups(self, id).await?)
    }

    async fn group_names(&self, id: &AccountId) -> Result<Arc<[String]>> {
        Ok(Store::cached_group_names(self, id).await?)
    }

    async fn ensure_group(&self, name: &str, description: Option<&str>) -> Result<Group> {
        Ok(Store::upsert_group(self, name, description).await?)
    }

    async fn add_to_group(&self, id: &AccountId, group: &str) -> Result<()> {
        Ok(Store::insert_membership(self, id, group).await?)
    }

    async fn remove_from_group(&self, id: &AccountId, group: &str) -> Result<()> {
        Ok(Store::delete_membership(self, id, group).await?)
    }
}
