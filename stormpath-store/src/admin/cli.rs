//! What the admin command line (`stormpath-server accounts|groups|api-keys …`) reads and
//! changes directly in the database: accounts, groups and API keys within a directory, within
//! the directories an application maps, or across the tenant; groups and memberships by id;
//! and a store handle creating accounts in one directory.
//!
//! These are free functions over a [`Store`] rather than methods, so that they sit beside the
//! REST server's own queries without sharing their names.

use std::sync::Arc;

use sqlx::{Row, any::AnyRow};
use stormpath_client::{Error, Invalid, InvalidKind, Resource, Result};

use super::{
    AccountRecord, ApiKeyRecord, Meta,
    query::{self, Bind, Columns, Kind, ListQuery, Page, Where},
};
use crate::{Store, email, error::Fallible, util};

/// Where a collection is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Within<'a> {
    /// Every directory of the tenant.
    Tenant,
    /// The directories mapped to this application (by id).
    Application(&'a str),
    /// One directory (by id).
    Directory(&'a str),
}

impl Within<'_> {
    /// `directory_id` restricted to the scope (`column` names it in the query).
    fn clause(self, column: &str) -> Where {
        match self {
            Self::Tenant => Where::default(),
            Self::Application(id) => Where::default().and(
                &format!(
                    "{column} IN (SELECT directory_id FROM account_store_mappings \
                     WHERE application_id = ?)"
                ),
                [Bind::Text(id.to_owned())],
            ),
            Self::Directory(id) => {
                Where::default().and(&format!("{column} = ?"), [Bind::Text(id.to_owned())])
            }
        }
    }
}

/// What account collections can be searched and sorted by (spec §3.3).
const ACCOUNT_COLUMNS: Columns = &[
    ("givenName", "given_name", Kind::Text),
    ("middleName", "middle_name", Kind::Text),
    ("surname", "surname", Kind::Text),
    ("username", "username", Kind::Text),
    ("email", "email", Kind::Text),
    ("status", "status", Kind::Status),
    ("createdAt", "created_at", Kind::Time),
    ("modifiedAt", "modified_at", Kind::Time),
    ("passwordModifiedAt", "password_modified_at", Kind::Time),
];

/// The columns `Store::map_account` reads, in its order, then the directory.
const ACCOUNT_SELECT: &str = "id, email, username, given_name, middle_name, surname, status, \
     email_verification_status, password_modified_at, tokens_valid_after, created_at, \
     modified_at, directory_id";

const GROUP_COLUMNS: Columns = &[
    ("name", "name", Kind::Text),
    ("description", "description", Kind::Text),
    ("status", "status", Kind::Status),
    ("createdAt", "created_at", Kind::Time),
    ("modifiedAt", "modified_at", Kind::Time),
];

const GROUP_SELECT: &str = "id, directory_id, name, description, status, created_at, modified_at";

const KEY_COLUMNS: Columns = &[
    ("id", "key_id", Kind::Text),
    ("name", "name", Kind::Text),
    ("description", "description", Kind::Text),
    ("email", "account_email", Kind::Text),
    ("status", "status", Kind::Status),
    ("createdAt", "created_at", Kind::Time),
];

/// API keys with their owner, one row each (`id` and `created_at` give the stable order).
const KEYS_FROM: &str = "(SELECT k.row_id AS id, k.key_id, k.account_id, a.directory_id, \
     d.name AS directory_name, k.status, a.status AS account_status, k.name, k.description, \
     k.created_at, k.secret_sealed, k.secret_hash, a.email AS account_email \
     FROM api_keys k JOIN accounts a ON a.id = k.account_id \
     JOIN directories d ON d.id = a.directory_id) keys";

/// A group row.
#[derive(Debug, Clone)]
pub struct GroupRecord {
    /// Id and timestamps.
    pub meta: Meta,
    /// The directory that holds it.
    pub directory_id: String,
    /// Name, unique in its directory (case-insensitively).
    pub name: String,
    /// Free text.
    pub description: Option<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

/// An API key with its owner's email.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// The key.
    pub key: ApiKeyRecord,
    /// The owning account's email.
    pub account_email: String,
}

fn read_meta(row: &AnyRow) -> Fallible<Meta> {
    Ok(Meta {
        id: row.try_get("id")?,
        created_at: util::from_ms(row.try_get("created_at")?),
        modified_at: util::from_ms(row.try_get("modified_at")?),
    })
}

fn read_group(row: &AnyRow) -> Fallible<GroupRecord> {
    Ok(GroupRecord {
        meta: read_meta(row)?,
        directory_id: row.try_get("directory_id")?,
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        status: row.try_get("status")?,
    })
}

fn read_account(store: &Store, row: &AnyRow) -> Fallible<AccountRecord> {
    Ok(AccountRecord {
        account: store.map_account(row)?.account,
        directory_id: row.try_get(12)?,
    })
}

/// A page of accounts.
///
/// # Errors
/// A bad search attribute or a database failure.
pub async fn accounts(
    store: &Store,
    within: Within<'_>,
    list: &ListQuery,
) -> Result<Page<AccountRecord>> {
    let found = query::page(
        &store.inner.pool,
        ACCOUNT_SELECT,
        "accounts",
        within.clause("directory_id"),
        ACCOUNT_COLUMNS,
        list,
    )
    .await?;
    query::map_page(found, |row| read_account(store, row))
}

/// The accounts whose email or username is `login` (case-insensitively), or whose id it is,
/// oldest first: more than one when several directories of the scope hold it.
///
/// # Errors
/// A database failure.
pub async fn accounts_named(
    store: &Store,
    within: Within<'_>,
    login: &str,
) -> Result<Vec<AccountRecord>> {
    let key = email::canonical(login);
    let filter = within.clause("directory_id").and(
        "(email_key = ? OR username_key = ? OR id = ?)",
        [
            Bind::Text(key.clone()),
            Bind::Text(key),
            Bind::Text(login.to_owned()),
        ],
    );
    let list = ListQuery {
        offset: 0,
        limit: 100,
        ..ListQuery::default()
    };
    let found = query::page(
        &store.inner.pool,
        ACCOUNT_SELECT,
        "accounts",
        filter,
        ACCOUNT_COLUMNS,
        &list,
    )
    .await?;
    Ok(query::map_page(found, |row| read_account(store, row))?.items)
}

/// A page of groups.
///
/// # Errors
/// A bad search attribute or a database failure.
pub async fn groups(
    store: &Store,
    within: Within<'_>,
    list: &ListQuery,
) -> Result<Page<GroupRecord>> {
    let found = query::page(
        &store.inner.pool,
        GROUP_SELECT,
        "account_groups",
        within.clause("directory_id"),
        GROUP_COLUMNS,
        list,
    )
    .await?;
    query::map_page(found, read_group)
}

/// The groups called `name` (case-insensitively) or whose id it is, oldest first.
///
/// # Errors
/// A database failure.
pub async fn groups_named(
    store: &Store,
    within: Within<'_>,
    name: &str,
) -> Result<Vec<GroupRecord>> {
    let filter = within.clause("directory_id").and(
        "(name_key = ? OR id = ?)",
        [
            Bind::Text(email::canonical(name)),
            Bind::Text(name.to_owned()),
        ],
    );
    let list = ListQuery {
        offset: 0,
        limit: 100,
        ..ListQuery::default()
    };
    let found = query::page(
        &store.inner.pool,
        GROUP_SELECT,
        "account_groups",
        filter,
        GROUP_COLUMNS,
        &list,
    )
    .await?;
    Ok(query::map_page(found, read_group)?.items)
}

/// A group by id.
///
/// # Errors
/// A database failure.
pub async fn group(store: &Store, id: &str) -> Result<Option<GroupRecord>> {
    let row = sqlx::query(&format!(
        "SELECT {GROUP_SELECT} FROM account_groups WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(&store.inner.pool)
    .await
    .map_err(Error::backend)?;
    Ok(row.as_ref().map(read_group).transpose()?)
}

/// Creates a group in a directory.
///
/// # Errors
/// A blank or overlong name, a name taken in the directory (409, 2001), an unknown directory
/// (404), a database failure.
pub async fn create_group(
    store: &Store,
    directory_id: &str,
    name: &str,
    description: Option<&str>,
) -> Result<GroupRecord> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 255 || name.chars().any(char::is_control) {
        return Err(Invalid::new(
            "name",
            InvalidKind::Format,
            "Group name must be 1 to 255 printable characters.",
        )
        .into());
    }
    if store.directory_by_id(directory_id).await?.is_none() {
        return Err(Error::NotFound);
    }
    let id = util::new_id();
    let now = util::now_ms();
    sqlx::query(
        "INSERT INTO account_groups (id, directory_id, name, name_key, description, status, \
         created_at, modified_at) VALUES ($1, $2, $3, $4, $5, 'ENABLED', $6, $6)",
    )
    .bind(&id)
    .bind(directory_id)
    .bind(name)
    .bind(email::canonical(name))
    .bind(description)
    .bind(now)
    .execute(&store.inner.pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict {
            field: "name",
            message: "There is already another Group with the same name.".into(),
        },
        _ => Error::backend(e),
    })?;
    group(store, &id).await?.ok_or(Error::NotFound)
}

/// Deletes a group (its memberships go with it).
///
/// # Errors
/// Not found, a database failure.
pub async fn delete_group(store: &Store, id: &str) -> Result<()> {
    let mut tx = store.inner.pool.begin().await.map_err(Error::backend)?;
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
    Ok(())
}

/// Makes an account a member of a group of its own directory; the membership's id.
///
/// # Errors
/// An unknown account or group (404), a group of another directory (400), a membership that
/// exists already (409), a database failure.
pub async fn add_to_group(store: &Store, account_id: &str, group_id: &str) -> Result<String> {
    let account = store
        .account_record(account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let group = group(store, group_id).await?.ok_or(Error::NotFound)?;
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
    .execute(&store.inner.pool)
    .await
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => Error::Conflict {
            field: "account",
            message: "The account is already a member of that group.".into(),
        },
        _ => Error::backend(e),
    })?;
    store
        .inner
        .cache
        .invalidate(&stormpath_client::AccountId(account_id.to_owned()));
    Ok(id)
}

/// A page of API keys with their owners, of the accounts in scope (and of one account when
/// `account_id` is given). Searchable: `id`, `name`, `description`, `email` (the owner's),
/// `status`, `createdAt`.
///
/// # Errors
/// A bad search attribute or a database failure.
pub async fn api_keys(
    store: &Store,
    within: Within<'_>,
    account_id: Option<&str>,
    list: &ListQuery,
) -> Result<Page<KeyRecord>> {
    let mut filter = within.clause("directory_id");
    if let Some(id) = account_id {
        filter = filter.and("account_id = ?", [Bind::Text(id.to_owned())]);
    }
    let found = query::page(&store.inner.pool, "*", KEYS_FROM, filter, KEY_COLUMNS, list).await?;
    query::map_page(found, |row| {
        Ok(KeyRecord {
            key: store.read_key(row)?,
            account_email: row.try_get("account_email")?,
        })
    })
}

/// A handle whose new accounts (and their checks: password strength, uniqueness) go to the
/// directory `directory_id`, as [`Store::for_application`] does for an application's default
/// account store. Tokens it would issue are signed with a throw-away key.
///
/// # Errors
/// An unknown directory (404), a database failure.
pub async fn for_directory(store: &Store, directory_id: &str) -> Result<Store> {
    use rand::RngCore;
    let dir = store
        .directory_by_id(directory_id)
        .await?
        .ok_or(Error::NotFound)?;
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    let mut scoped = store
        .for_application(store.application_id(), "admin-cli", &key)
        .await?;
    let scope = Arc::get_mut(&mut scoped.scope)
        .ok_or_else(|| Error::backend(std::io::Error::other("a new scope is shared")))?;
    scope.directory = Resource {
        href: format!("{}/directories/{}", store.inner.href_base, dir.meta.id),
        name: dir.name,
        status: dir.status,
    };
    scope.directory_id = dir.meta.id;
    scope.strength = dir.strength;
    Ok(scoped)
}
