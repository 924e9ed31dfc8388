//! Groups and group memberships as the REST server sees them (spec §5.6): a group belongs to
//! one directory, its name unique there; a membership joins an account and a group of the
//! same directory.

use sqlx::{Row, any::AnyRow};
use stormpath_client::{AccountId, Error, Invalid, InvalidKind, Result};
use time::OffsetDateTime;

use super::{
    query::{self, Bind, Columns, Kind, ListQuery, Page, Where},
    structure::{Meta, Patch},
};
use crate::{Store, email, error::Fallible, util};

/// A group.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    /// Id and timestamps.
    pub meta: Meta,
    /// Name, unique within its directory (case-insensitively).
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// Its directory's id.
    pub directory_id: String,
}

/// A group membership.
#[derive(Debug, Clone)]
pub struct MembershipRecord {
    /// The membership's id.
    pub id: String,
    /// The member.
    pub account_id: String,
    /// The group.
    pub group_id: String,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// Which groups a collection holds.
#[derive(Debug, Clone, Copy)]
pub enum GroupsOf<'a> {
    /// Every group of the tenant.
    Tenant,
    /// The groups of a directory.
    Directory(&'a str),
    /// The groups an application reaches through its account store mappings.
    Application(&'a str),
    /// The groups an account belongs to.
    Account(&'a str),
}

/// Which memberships a collection holds.
#[derive(Debug, Clone, Copy)]
pub enum MembershipsOf<'a> {
    /// An account's (`{acct}/groupMemberships`).
    Account(&'a str),
    /// A group's (`{group}/accountMemberships`).
    Group(&'a str),
}

const GROUP_COLUMNS: Columns = &[
    ("name", "name", Kind::Text),
    ("description", "description", Kind::Text),
    ("status", "status", Kind::Status),
    ("createdAt", "created_at", Kind::Time),
    ("modifiedAt", "modified_at", Kind::Time),
];

const GROUP_SELECT: &str = "id, name, description, status, directory_id, created_at, modified_at";

/// The message of a taken group name (spec §4).
const NAME_TAKEN: &str = "There is already another Group with the same name.";

fn taken() -> Error {
    Error::Conflict {
        field: "name",
        message: NAME_TAKEN.into(),
    }
}

fn group_name(value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new(
            "name",
            InvalidKind::Required,
            "Group name cannot be null, empty, or blank.",
        )
        .into());
    }
    if value.chars().count() > 255 || value.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            InvalidKind::Format,
            "Group name must be at most 255 printable characters.",
        )
        .into());
    }
    Ok(value.to_owned())
}

fn group_status(value: &str) -> Result<String> {
    let upper = value.to_uppercase();
    if upper == "ENABLED" || upper == "DISABLED" {
        Ok(upper)
    } else {
        Err(Invalid::new(
            "status",
            InvalidKind::Other,
            format!("'{value}' is not a valid status: use ENABLED or DISABLED."),
        )
        .into())
    }
}

fn read_group(row: &AnyRow) -> Fallible<GroupRecord> {
    Ok(GroupRecord {
        meta: Meta {
            id: row.try_get("id")?,
            created_at: util::from_ms(row.try_get("created_at")?),
            modified_at: util::from_ms(row.try_get("modified_at")?),
        },
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
        directory_id: row.try_get("directory_id")?,
    })
}

fn read_membership(row: &AnyRow) -> Fallible<MembershipRecord> {
    Ok(MembershipRecord {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        group_id: row.try_get("group_id")?,
        created_at: util::from_ms(row.try_get("created_at")?),
    })
}

impl Store {
    /// Creates a group in a directory.
    ///
    /// # Errors
    /// An unknown directory (not found), a blank name, a bad status, a name taken in the
    /// directory (409, 2001).
    pub async fn create_group(
        &self,
        directory_id: &str,
        name: &str,
        description: Option<&str>,
        status: Option<&str>,
    ) -> Result<GroupRecord> {
        let name = group_name(name)?;
        let status = group_status(status.unwrap_or("ENABLED"))?;
        if self.directory_by_id(directory_id).await?.is_none() {
            return Err(Error::NotFound);
        }
        let id = util::new_id();
        let now = util::now_ms();
        sqlx::query(
            "INSERT INTO account_groups (id, directory_id, name, name_key, description, status, \
             created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(&id)
        .bind(directory_id)
        .bind(&name)
        .bind(email::canonical(&name))
        .bind(description)
        .bind(&status)
        .bind(now)
        .execute(&self.inner.pool)
        .await
        .map_err(|e| {
            if util::is_unique_violation(&e) {
                taken()
            } else {
                Error::backend(e)
            }
        })?;
        self.group_record(&id).await?.ok_or(Error::NotFound)
    }

    /// A group by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn group_record(&self, id: &str) -> Result<Option<GroupRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {GROUP_SELECT} FROM account_groups WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_group).transpose()?)
    }

    /// A page of groups: search on `name, description, status, createdAt, modifiedAt` and
    /// `q`, sorted by any of them.
    ///
    /// # Errors
    /// A bad search attribute or a database failure.
    pub async fn list_groups(
        &self,
        of: GroupsOf<'_>,
        list: &ListQuery,
    ) -> Result<Page<GroupRecord>> {
        let base = match of {
            GroupsOf::Tenant => Where::default(),
            GroupsOf::Directory(id) => {
                Where::default().and("directory_id = ?", [Bind::Text(id.to_owned())])
            }
            GroupsOf::Application(id) => Where::default().and(
                "directory_id IN (SELECT directory_id FROM account_store_mappings \
                 WHERE application_id = ?)",
                [Bind::Text(id.to_owned())],
            ),
            GroupsOf::Account(id) => Where::default().and(
                "id IN (SELECT group_id FROM group_memberships WHERE account_id = ?)",
                [Bind::Text(id.to_owned())],
            ),
        };
        let found = query::page(
            &self.inner.pool,
            GROUP_SELECT,
            "account_groups",
            base,
            GROUP_COLUMNS,
            list,
        )
        .await?;
        query::map_page(found, read_group)
    }

    /// Changes a group's name, description or status.
    ///
    /// # Errors
    /// Not found, a blank or taken name, a bad status.
    pub async fn update_group(&self, id: &str, patch: Patch) -> Result<GroupRecord> {
        let current = self.group_record(id).await?.ok_or(Error::NotFound)?;
        let name = match &patch.name {
            Some(n) => group_name(n)?,
            None => current.name.clone(),
        };
        let status = match &patch.status {
            Some(s) => group_status(s)?,
            None => current.status.clone(),
        };
        let description = patch.description.unwrap_or(current.description);
        sqlx::query(
            "UPDATE account_groups SET name = $1, name_key = $2, description = $3, status = $4, \
             modified_at = $5 WHERE id = $6",
        )
        .bind(&name)
        .bind(email::canonical(&name))
        .bind(description)
        .bind(&status)
        .bind(util::now_ms())
        .bind(id)
        .execute(&self.inner.pool)
        .await
        .map_err(|e| {
            if util::is_unique_violation(&e) {
                taken()
            } else {
                Error::backend(e)
            }
        })?;
        if status != current.status || name != current.name {
            self.forget_members(id).await?;
        }
        self.group_record(id).await?.ok_or(Error::NotFound)
    }

    /// Deletes a group and its memberships.
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn delete_group(&self, id: &str) -> Result<()> {
        let members = self.member_ids(id).await?;
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        sqlx::query("DELETE FROM group_memberships WHERE group_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        let done = sqlx::query("DELETE FROM account_groups WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        tx.commit().await.map_err(Error::backend)?;
        for member in members {
            self.forget_account(&AccountId(member)).await?;
        }
        Ok(())
    }

    async fn member_ids(&self, group_id: &str) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT account_id FROM group_memberships WHERE group_id = $1")
            .bind(group_id)
            .fetch_all(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(Error::backend))
            .collect()
    }

    /// Drops the cached group names of a group's members.
    async fn forget_members(&self, group_id: &str) -> Result<()> {
        for member in self.member_ids(group_id).await? {
            self.forget_account(&AccountId(member)).await?;
        }
        Ok(())
    }

    /// Makes an account a member of a group of its directory.
    ///
    /// # Errors
    /// An unknown account or group (a validation error on `account` or `group`), the two in
    /// different directories (a validation error on no field),
    /// the account already a member (409, 2001).
    pub async fn create_membership(
        &self,
        account_id: &str,
        group_id: &str,
    ) -> Result<MembershipRecord> {
        let account = self.account_record(account_id).await?.ok_or_else(|| {
            unknown(
                "account",
                "The account href does not match a known account.",
            )
        })?;
        let group = self
            .group_record(group_id)
            .await?
            .ok_or_else(|| unknown("group", "The group href does not match a known group."))?;
        if account.directory_id != group.directory_id {
            return Err(Invalid::general(
                InvalidKind::Other,
                "The account and the group must be in the same directory.",
            )
            .into());
        }
        let id = util::new_id();
        sqlx::query(
            "INSERT INTO group_memberships (id, account_id, group_id, created_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&id)
        .bind(account_id)
        .bind(group_id)
        .bind(util::now_ms())
        .execute(&self.inner.pool)
        .await
        .map_err(|e| {
            if util::is_unique_violation(&e) {
                Error::Conflict {
                    field: "group",
                    message: "The account is already a member of that group.".into(),
                }
            } else {
                Error::backend(e)
            }
        })?;
        self.forget_account(&AccountId(account_id.to_owned()))
            .await?;
        self.membership_record(&id).await?.ok_or(Error::NotFound)
    }

    /// A membership by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn membership_record(&self, id: &str) -> Result<Option<MembershipRecord>> {
        let row = sqlx::query(
            "SELECT id, account_id, group_id, created_at FROM group_memberships WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_membership).transpose()?)
    }

    /// Ends a membership.
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn delete_membership_record(&self, id: &str) -> Result<()> {
        let current = self.membership_record(id).await?.ok_or(Error::NotFound)?;
        sqlx::query("DELETE FROM group_memberships WHERE id = $1")
            .bind(id)
            .execute(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        self.forget_account(&AccountId(current.account_id)).await?;
        Ok(())
    }

    /// A page of memberships, oldest first.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_memberships(
        &self,
        of: MembershipsOf<'_>,
        list: &ListQuery,
    ) -> Result<Page<MembershipRecord>> {
        let base = match of {
            MembershipsOf::Account(id) => {
                Where::default().and("account_id = ?", [Bind::Text(id.to_owned())])
            }
            MembershipsOf::Group(id) => {
                Where::default().and("group_id = ?", [Bind::Text(id.to_owned())])
            }
        };
        let found = query::page(
            &self.inner.pool,
            "id, account_id, group_id, created_at",
            "group_memberships",
            base,
            &[],
            list,
        )
        .await?;
        query::map_page(found, read_membership)
    }
}

fn unknown(field: &'static str, message: &str) -> Error {
    Invalid::new(field, InvalidKind::Other, message).into()
}
