//! The tenant's structure: the tenant, applications, directories (with their policies) and
//! the account store mappings between them.

use serde::{Deserialize, Serialize};
use sqlx::{Row, any::AnyRow};
use stormpath_client::{Error, Invalid, InvalidKind, PasswordStrength, Result};
use time::OffsetDateTime;

use super::query::{self, Columns, Kind, ListQuery, Page, Where};
use crate::{Store, error::Fallible, util};

/// The name of the directory whose accounts' API keys authenticate REST callers.
pub const ADMINISTRATORS: &str = "Stormpath Administrators";

/// Shared by every resource row: id and timestamps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// The resource id.
    pub id: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub modified_at: OffsetDateTime,
}

impl Meta {
    fn read(row: &AnyRow) -> Fallible<Self> {
        Ok(Self {
            id: row.try_get("id")?,
            created_at: util::from_ms(row.try_get("created_at")?),
            modified_at: util::from_ms(row.try_get("modified_at")?),
        })
    }
}

/// The tenant (one per database).
#[derive(Debug, Clone)]
pub struct Tenant {
    /// Id and timestamps.
    pub meta: Meta,
    /// Display name.
    pub name: String,
    /// Unique key (lower-case letters and `-`).
    pub key: String,
}

/// An application.
#[derive(Debug, Clone)]
pub struct Application {
    /// Id and timestamps.
    pub meta: Meta,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// Its OAuth policy.
    pub oauth: OAuthPolicy,
    /// The mapping that is its default account store, if any.
    pub default_account_store_mapping: Option<String>,
    /// The mapping that is its default group store, if any.
    pub default_group_store_mapping: Option<String>,
}

/// Token lifetimes of an application, in seconds (spec §5.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OAuthPolicy {
    /// Access-token lifetime (default 3600, `PT1H`).
    pub access_token_ttl: i64,
    /// Refresh-token lifetime; 0 issues none (default 60 days, `P60D`).
    pub refresh_token_ttl: i64,
}

impl Default for OAuthPolicy {
    fn default() -> Self {
        Self {
            access_token_ttl: 3600,
            refresh_token_ttl: 60 * 24 * 3600,
        }
    }
}

/// A directory with its policies.
#[derive(Debug, Clone)]
pub struct Directory {
    /// Id and timestamps.
    pub meta: Meta,
    /// Unique name.
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// Password strength rules.
    pub strength: PasswordStrength,
    /// Reset and account-creation workflow settings.
    pub policies: Policies,
}

/// A directory's workflow settings (spec §5.4): the password policy (besides strength) and
/// the account creation policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Policies {
    /// Hours a reset token lives (1–168).
    pub reset_token_ttl: i64,
    /// Whether reset emails are sent (`ENABLED`/`DISABLED`).
    pub reset_email_status: String,
    /// Whether a notice follows a successful reset.
    pub reset_success_email_status: String,
    /// Whether new accounts must verify their email.
    pub verification_email_status: String,
    /// Whether a notice follows a verification.
    pub verification_success_email_status: String,
    /// Whether new accounts get a welcome email.
    pub welcome_email_status: String,
    /// Where emailed links point (`{linkBaseUrl}?sptoken=…`), per email kind.
    pub reset_link_base_url: Option<String>,
    /// Where verification links point.
    pub verification_link_base_url: Option<String>,
    /// When not empty, new accounts' email domains must match one of these (spec §5.4,
    /// 7205). `*` matches any run of characters; matching ignores case.
    pub email_domain_whitelist: Vec<String>,
    /// New accounts' email domains must match none of these (7206).
    pub email_domain_blacklist: Vec<String>,
}

impl Default for Policies {
    fn default() -> Self {
        let enabled = || "ENABLED".to_owned();
        let disabled = || "DISABLED".to_owned();
        Self {
            reset_token_ttl: 24,
            reset_email_status: enabled(),
            reset_success_email_status: enabled(),
            verification_email_status: disabled(),
            verification_success_email_status: disabled(),
            welcome_email_status: disabled(),
            reset_link_base_url: None,
            verification_link_base_url: None,
            email_domain_whitelist: Vec::new(),
            email_domain_blacklist: Vec::new(),
        }
    }
}

/// An account store mapping: a directory mapped to an application.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Id and timestamps.
    pub meta: Meta,
    /// The application.
    pub application_id: String,
    /// The directory (the account store).
    pub directory_id: String,
    /// Search order during login (0 first).
    pub list_index: i64,
    /// New accounts go here.
    pub is_default_account_store: bool,
    /// New groups go here.
    pub is_default_group_store: bool,
}

const APPLICATION_COLUMNS: Columns = &[
    ("name", "name", Kind::Text),
    ("description", "description", Kind::Text),
    ("status", "status", Kind::Status),
    ("createdAt", "created_at", Kind::Time),
    ("modifiedAt", "modified_at", Kind::Time),
];

const DIRECTORY_COLUMNS: Columns = APPLICATION_COLUMNS;

fn conflict(what: &str) -> Error {
    Error::Conflict {
        field: "name",
        message: format!("There is already another {what} with the same name."),
    }
}

fn status(value: &str) -> Result<String> {
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

fn name(value: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(Invalid::new("name", InvalidKind::Required, "name is required.").into());
    }
    if value.chars().count() > 255 || value.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            InvalidKind::Format,
            "name must be at most 255 printable characters.",
        )
        .into());
    }
    Ok(value.to_owned())
}

/// What a failed write of a named resource means: 409 when it broke the unique name, a
/// back-end error otherwise.
fn name_taken(what: &'static str) -> impl FnOnce(sqlx::Error) -> Error {
    move |e| {
        if util::is_unique_violation(&e) {
            conflict(what)
        } else {
            Error::backend(e)
        }
    }
}

/// Fields of an application or a directory that a POST may change (spec §3.4: the fields
/// given).
#[derive(Debug, Clone, Default)]
pub struct Patch {
    /// New name.
    pub name: Option<String>,
    /// New description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New status.
    pub status: Option<String>,
}

impl Store {
    /// The tenant, created with `name` on first use.
    ///
    /// # Errors
    /// A database failure.
    pub async fn tenant(&self, name: &str) -> Result<Tenant> {
        let pool = &self.inner.pool;
        let get = || sqlx::query("SELECT * FROM tenants ORDER BY created_at LIMIT 1");
        if let Some(row) = get().fetch_optional(pool).await.map_err(Error::backend)? {
            return Ok(read_tenant(&row)?);
        }
        let key: String = name
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_lowercase() { c } else { '-' })
            .collect();
        let now = util::now_ms();
        sqlx::query(
            "INSERT INTO tenants (id, name, tenant_key, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (tenant_key) DO NOTHING",
        )
        .bind(util::new_id())
        .bind(name)
        .bind(&key)
        .bind(now)
        .execute(pool)
        .await
        .map_err(Error::backend)?;
        let row = get().fetch_one(pool).await.map_err(Error::backend)?;
        Ok(read_tenant(&row)?)
    }

    /// The tenant if one exists, by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn tenant_by_id(&self, id: &str) -> Result<Option<Tenant>> {
        let row = sqlx::query("SELECT * FROM tenants WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_tenant).transpose()?)
    }

    /// Creates an application.
    ///
    /// # Errors
    /// A blank or taken name (409, 2001), a bad status.
    pub async fn create_application(
        &self,
        name_: &str,
        description: Option<&str>,
        status_: Option<&str>,
    ) -> Result<Application> {
        let name_ = name(name_)?;
        let status_ = status(status_.unwrap_or("ENABLED"))?;
        let id = util::new_id();
        let now = util::now_ms();
        sqlx::query(
            "INSERT INTO applications (id, name, description, status, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(&id)
        .bind(&name_)
        .bind(description)
        .bind(&status_)
        .bind(now)
        .execute(&self.inner.pool)
        .await
        .map_err(name_taken("Application"))?;
        self.application_by_id(&id).await?.ok_or(Error::NotFound)
    }

    /// An application by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn application_by_id(&self, id: &str) -> Result<Option<Application>> {
        let row = sqlx::query(concat!(application_select!(), " WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_application).transpose()?)
    }

    /// An application by its exact name.
    ///
    /// # Errors
    /// A database failure.
    pub async fn application_by_name(&self, name_: &str) -> Result<Option<Application>> {
        let row = sqlx::query(concat!(application_select!(), " WHERE a.name = $1"))
            .bind(name_)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_application).transpose()?)
    }

    /// How many accounts a directory holds.
    ///
    /// # Errors
    /// A database failure.
    pub async fn count_accounts(&self, directory_id: &str) -> Result<i64> {
        sqlx::query("SELECT COUNT(*) FROM accounts WHERE directory_id = $1")
            .bind(directory_id)
            .fetch_one(&self.inner.pool)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(Error::backend)
    }

    /// A page of applications.
    ///
    /// # Errors
    /// A bad search attribute or a database failure.
    pub async fn list_applications(&self, list: &ListQuery) -> Result<Page<Application>> {
        self.applications_where(Where::default(), list).await
    }

    /// A page of the applications a directory is mapped to (those its accounts and groups
    /// can log in to: `{account}/applications`, `{group}/applications`).
    ///
    /// # Errors
    /// A bad search attribute or a database failure.
    pub async fn list_applications_of_directory(
        &self,
        directory_id: &str,
        list: &ListQuery,
    ) -> Result<Page<Application>> {
        let mapped = Where::default().and(
            "a.id IN (SELECT application_id FROM account_store_mappings WHERE directory_id = ?)",
            [query::Bind::Text(directory_id.to_owned())],
        );
        self.applications_where(mapped, list).await
    }

    async fn applications_where(&self, base: Where, list: &ListQuery) -> Result<Page<Application>> {
        let found = query::page(
            &self.inner.pool,
            application_columns!(),
            "applications a",
            base,
            APPLICATION_COLUMNS,
            list,
        )
        .await?;
        query::map_page(found, read_application)
    }

    /// Changes an application's name, description, status or OAuth policy.
    ///
    /// # Errors
    /// Not found, a taken name, a bad status.
    pub async fn update_application(
        &self,
        id: &str,
        patch: Patch,
        oauth: Option<OAuthPolicy>,
    ) -> Result<Application> {
        let current = self.application_by_id(id).await?.ok_or(Error::NotFound)?;
        let name_ = match &patch.name {
            Some(n) => name(n)?,
            None => current.name,
        };
        let status_ = match &patch.status {
            Some(s) => status(s)?,
            None => current.status,
        };
        let description = patch.description.unwrap_or(current.description);
        let oauth =
            serde_json::to_string(&oauth.unwrap_or(current.oauth)).map_err(Error::backend)?;
        sqlx::query(
            "UPDATE applications SET name = $1, description = $2, status = $3, \
             oauth_policy = $4, modified_at = $5 WHERE id = $6",
        )
        .bind(&name_)
        .bind(description)
        .bind(&status_)
        .bind(oauth)
        .bind(util::now_ms())
        .bind(id)
        .execute(&self.inner.pool)
        .await
        .map_err(name_taken("Application"))?;
        self.application_by_id(id).await?.ok_or(Error::NotFound)
    }

    /// Deletes an application (its mappings and tokens go with it).
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn delete_application(&self, id: &str) -> Result<()> {
        delete_row(self, "applications", id).await
    }

    /// Creates a directory with the default policies.
    ///
    /// # Errors
    /// A blank or taken name (409, 2001), a bad status.
    pub async fn create_directory(
        &self,
        name_: &str,
        description: Option<&str>,
        status_: Option<&str>,
    ) -> Result<Directory> {
        let name_ = name(name_)?;
        let status_ = status(status_.unwrap_or("ENABLED"))?;
        let id = util::new_id();
        let now = util::now_ms();
        let strength =
            serde_json::to_string(&PasswordStrength::default()).map_err(Error::backend)?;
        sqlx::query(
            "INSERT INTO directories (id, name, description, status, password_policy, \
             created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(&id)
        .bind(&name_)
        .bind(description)
        .bind(&status_)
        .bind(strength)
        .bind(now)
        .execute(&self.inner.pool)
        .await
        .map_err(name_taken("Directory"))?;
        self.directory_by_id(&id).await?.ok_or(Error::NotFound)
    }

    /// A directory by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn directory_by_id(&self, id: &str) -> Result<Option<Directory>> {
        let row = sqlx::query(concat!(directory_select!(), " WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_directory).transpose()?)
    }

    /// A directory by its exact name.
    ///
    /// # Errors
    /// A database failure.
    pub async fn directory_by_name(&self, name_: &str) -> Result<Option<Directory>> {
        let row = sqlx::query(concat!(directory_select!(), " WHERE name = $1"))
            .bind(name_)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_directory).transpose()?)
    }

    /// A page of directories.
    ///
    /// # Errors
    /// A bad search attribute or a database failure.
    pub async fn list_directories(&self, list: &ListQuery) -> Result<Page<Directory>> {
        let found = query::page(
            &self.inner.pool,
            directory_columns!(),
            "directories",
            Where::default(),
            DIRECTORY_COLUMNS,
            list,
        )
        .await?;
        query::map_page(found, read_directory)
    }

    /// Changes a directory's name, description, status, strength rules or policies.
    ///
    /// # Errors
    /// Not found, a taken name, a bad status, an inconsistent policy.
    pub async fn update_directory(
        &self,
        id: &str,
        patch: Patch,
        strength: Option<PasswordStrength>,
        policies: Option<Policies>,
    ) -> Result<Directory> {
        let current = self.directory_by_id(id).await?.ok_or(Error::NotFound)?;
        let name_ = match &patch.name {
            // Tenant keys are those of this directory's accounts: it keeps its name.
            Some(n) if current.name == ADMINISTRATORS && n.trim() != ADMINISTRATORS => {
                return Err(Invalid::new(
                    "name",
                    InvalidKind::Other,
                    "The Stormpath Administrators directory cannot be renamed.",
                )
                .into());
            }
            Some(n) => name(n)?,
            None => current.name,
        };
        let status_ = match &patch.status {
            Some(s) => status(s)?,
            None => current.status,
        };
        if let Some(s) = &strength {
            crate::store::validate_policy(s).map_err(|e| {
                Error::from(Invalid::new("strength", InvalidKind::Other, e.to_string()))
            })?;
        }
        if let Some(p) = &policies
            && !(1..=168).contains(&p.reset_token_ttl)
        {
            return Err(Invalid::new(
                "resetTokenTtl",
                InvalidKind::Other,
                "resetTokenTtl must be between 1 and 168 hours.",
            )
            .into());
        }
        let description = patch.description.unwrap_or(current.description);
        let strength =
            serde_json::to_string(&strength.unwrap_or(current.strength)).map_err(Error::backend)?;
        let policies =
            serde_json::to_string(&policies.unwrap_or(current.policies)).map_err(Error::backend)?;
        sqlx::query(
            "UPDATE directories SET name = $1, description = $2, status = $3, \
             password_policy = $4, policies = $5, modified_at = $6 WHERE id = $7",
        )
        .bind(&name_)
        .bind(description)
        .bind(&status_)
        .bind(strength)
        .bind(policies)
        .bind(util::now_ms())
        .bind(id)
        .execute(&self.inner.pool)
        .await
        .map_err(name_taken("Directory"))?;
        self.directory_by_id(id).await?.ok_or(Error::NotFound)
    }

    /// Deletes a directory with its accounts and groups.
    ///
    /// # Errors
    /// Not found, the administrators' directory (403), a database failure.
    pub async fn delete_directory(&self, id: &str) -> Result<()> {
        let dir = self.directory_by_id(id).await?.ok_or(Error::NotFound)?;
        if dir.name == ADMINISTRATORS {
            return Err(Invalid::general(
                InvalidKind::Other,
                "The Stormpath Administrators directory cannot be deleted.",
            )
            .into());
        }
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        for sql in [
            "DELETE FROM accounts WHERE directory_id = $1",
            "DELETE FROM account_groups WHERE directory_id = $1",
            "DELETE FROM directories WHERE id = $1",
        ] {
            sqlx::query(sql)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::backend)?;
        }
        tx.commit().await.map_err(Error::backend)?;
        Ok(())
    }

    /// Maps a directory to an application. The first mapping of an application becomes its
    /// default account and group store; making a mapping a default clears the previous one.
    ///
    /// # Errors
    /// An unknown application or directory (2002), the directory already mapped (409, 5104).
    pub async fn create_mapping(
        &self,
        application_id: &str,
        directory_id: &str,
        list_index: Option<i64>,
        default_account: Option<bool>,
        default_group: Option<bool>,
    ) -> Result<Mapping> {
        if self.application_by_id(application_id).await?.is_none() {
            return Err(Invalid::new(
                "application",
                InvalidKind::Other,
                "The application href does not match a known application.",
            )
            .into());
        }
        if self.directory_by_id(directory_id).await?.is_none() {
            return Err(Invalid::new(
                "accountStore",
                InvalidKind::Other,
                "The accountStore href does not match a known directory.",
            )
            .into());
        }
        let existing = self.list_mappings(application_id).await?;
        let first = existing.is_empty();
        let count = i64::try_from(existing.len()).unwrap_or(i64::MAX);
        let index = list_index.unwrap_or(count).clamp(0, count);
        let id = util::new_id();
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        sqlx::query(
            "UPDATE account_store_mappings SET list_index = list_index + 1 \
             WHERE application_id = $1 AND list_index >= $2",
        )
        .bind(application_id)
        .bind(index)
        .execute(&mut *tx)
        .await
        .map_err(Error::backend)?;
        let inserted = sqlx::query(
            "INSERT INTO account_store_mappings (id, application_id, directory_id, list_index, \
             is_default_account_store, is_default_group_store, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, 0, 0, $5, $5)",
        )
        .bind(&id)
        .bind(application_id)
        .bind(directory_id)
        .bind(index)
        .bind(now)
        .execute(&mut *tx)
        .await;
        if let Err(e) = inserted {
            return Err(if util::is_unique_violation(&e) {
                Error::Conflict {
                    field: "accountStore",
                    message: "That account store is already mapped to the application.".into(),
                }
            } else {
                Error::backend(e)
            });
        }
        tx.commit().await.map_err(Error::backend)?;
        self.update_mapping(
            &id,
            None,
            Some(default_account.unwrap_or(first)),
            Some(default_group.unwrap_or(first)),
        )
        .await
    }

    /// A mapping by id.
    ///
    /// # Errors
    /// A database failure.
    pub async fn mapping_by_id(&self, id: &str) -> Result<Option<Mapping>> {
        let row = sqlx::query("SELECT * FROM account_store_mappings WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_mapping).transpose()?)
    }

    /// An application's mappings in `listIndex` order.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_mappings(&self, application_id: &str) -> Result<Vec<Mapping>> {
        let rows = sqlx::query(
            "SELECT * FROM account_store_mappings WHERE application_id = $1 \
             ORDER BY list_index, created_at",
        )
        .bind(application_id)
        .fetch_all(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(rows
            .iter()
            .map(read_mapping)
            .collect::<Fallible<Vec<_>>>()?)
    }

    /// Changes a mapping's place or default flags (a new default clears the previous one).
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn update_mapping(
        &self,
        id: &str,
        list_index: Option<i64>,
        default_account: Option<bool>,
        default_group: Option<bool>,
    ) -> Result<Mapping> {
        let current = self.mapping_by_id(id).await?.ok_or(Error::NotFound)?;
        let app = &current.application_id;
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        for (flag, column) in [
            (default_account, "is_default_account_store"),
            (default_group, "is_default_group_store"),
        ] {
            let Some(flag) = flag else { continue };
            if flag {
                sqlx::query(&format!(
                    "UPDATE account_store_mappings SET {column} = 0 WHERE application_id = $1"
                ))
                .bind(app)
                .execute(&mut *tx)
                .await
                .map_err(Error::backend)?;
            }
            sqlx::query(&format!(
                "UPDATE account_store_mappings SET {column} = $1, modified_at = $2 WHERE id = $3"
            ))
            .bind(i64::from(flag))
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        }
        if let Some(index) = list_index
            && index != current.list_index
        {
            // Take it out, close the gap, open one at the new place, put it there.
            let count: i64 = sqlx::query(
                "SELECT COUNT(*) FROM account_store_mappings WHERE application_id = $1",
            )
            .bind(app)
            .fetch_one(&mut *tx)
            .await
            .and_then(|r| r.try_get(0))
            .map_err(Error::backend)?;
            let index = index.clamp(0, count - 1);
            for (sql, at) in [
                (
                    "UPDATE account_store_mappings SET list_index = list_index - 1 \
                     WHERE application_id = $1 AND list_index > $2 AND id <> $3",
                    current.list_index,
                ),
                (
                    "UPDATE account_store_mappings SET list_index = list_index + 1 \
                     WHERE application_id = $1 AND list_index >= $2 AND id <> $3",
                    index,
                ),
            ] {
                sqlx::query(sql)
                    .bind(app)
                    .bind(at)
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(Error::backend)?;
            }
            sqlx::query("UPDATE account_store_mappings SET list_index = $1 WHERE id = $2")
                .bind(index)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(Error::backend)?;
        }
        tx.commit().await.map_err(Error::backend)?;
        self.mapping_by_id(id).await?.ok_or(Error::NotFound)
    }

    /// Removes a mapping (the indexes after it close up).
    ///
    /// # Errors
    /// Not found, a database failure.
    pub async fn delete_mapping(&self, id: &str) -> Result<()> {
        let current = self.mapping_by_id(id).await?.ok_or(Error::NotFound)?;
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        sqlx::query("DELETE FROM account_store_mappings WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        sqlx::query(
            "UPDATE account_store_mappings SET list_index = list_index - 1 \
             WHERE application_id = $1 AND list_index > $2",
        )
        .bind(&current.application_id)
        .bind(current.list_index)
        .execute(&mut *tx)
        .await
        .map_err(Error::backend)?;
        tx.commit().await.map_err(Error::backend)?;
        Ok(())
    }
}

async fn delete_row(store: &Store, table: &str, id: &str) -> Result<()> {
    let done = sqlx::query(&format!("DELETE FROM {table} WHERE id = $1"))
        .bind(id)
        .execute(&store.inner.pool)
        .await
        .map_err(Error::backend)?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    Ok(())
}

macro_rules! application_columns {
    () => {
        "a.id, a.name, a.description, a.status, a.oauth_policy, a.created_at, a.modified_at, \
         (SELECT m.id FROM account_store_mappings m WHERE m.application_id = a.id \
          AND m.is_default_account_store = 1) AS default_account_store, \
         (SELECT m.id FROM account_store_mappings m WHERE m.application_id = a.id \
          AND m.is_default_group_store = 1) AS default_group_store"
    };
}
use application_columns;

macro_rules! application_select {
    () => {
        concat!("SELECT ", application_columns!(), " FROM applications a")
    };
}
use application_select;

macro_rules! directory_columns {
    () => {
        "id, name, description, status, password_policy, policies, created_at, modified_at"
    };
}
use directory_columns;

macro_rules! directory_select {
    () => {
        concat!("SELECT ", directory_columns!(), " FROM directories")
    };
}
use directory_select;

fn read_tenant(row: &AnyRow) -> Fallible<Tenant> {
    Ok(Tenant {
        meta: Meta::read(row)?,
        name: row.try_get("name")?,
        key: row.try_get("tenant_key")?,
    })
}

fn read_application(row: &AnyRow) -> Fallible<Application> {
    let oauth: String = row.try_get("oauth_policy")?;
    Ok(Application {
        meta: Meta::read(row)?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
        oauth: serde_json::from_str(&oauth).unwrap_or_default(),
        default_account_store_mapping: row.try_get("default_account_store")?,
        default_group_store_mapping: row.try_get("default_group_store")?,
    })
}

fn read_directory(row: &AnyRow) -> Fallible<Directory> {
    let strength: String = row.try_get("password_policy")?;
    let policies: String = row.try_get("policies")?;
    Ok(Directory {
        meta: Meta::read(row)?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
        strength: serde_json::from_str(&strength).unwrap_or_default(),
        policies: serde_json::from_str(&policies).unwrap_or_default(),
    })
}

fn read_mapping(row: &AnyRow) -> Fallible<Mapping> {
    Ok(Mapping {
        meta: Meta::read(row)?,
        application_id: row.try_get("application_id")?,
        directory_id: row.try_get("directory_id")?,
        list_index: row.try_get("list_index")?,
        is_default_account_store: row.try_get::<i64, _>("is_default_account_store")? != 0,
        is_default_group_store: row.try_get::<i64, _>("is_default_group_store")? != 0,
    })
}
