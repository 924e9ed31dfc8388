//! What the admin command line (`stormpath-server accounts|groups|api-keys …`) needs beyond
//! the REST server's queries: finding accounts and groups by name, email or id within a
//! scope (where more than one may match), and a page of API keys across accounts.
//!
//! These are free functions over a [`Store`] rather than methods, so that they sit beside the
//! REST server's own queries without sharing their names.

use sqlx::Row;
use stormpath_client::{Error, Result};

use super::{
    AccountRecord, ApiKeyRecord, GroupRecord,
    query::{self, Bind, Columns, Kind, ListQuery, Page, Where},
};
use crate::{Store, email};

/// Where a lookup or a collection reads from.
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

/// An API key with its owner's email.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    /// The key.
    pub key: ApiKeyRecord,
    /// The owning account's email.
    pub account_email: String,
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
    let mut found = Vec::new();
    for id in ids(store, "accounts", filter).await? {
        found.extend(store.account_record(&id).await?);
    }
    Ok(found)
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
    let mut found = Vec::new();
    for id in ids(store, "account_groups", filter).await? {
        found.extend(store.group_record(&id).await?);
    }
    Ok(found)
}

/// The ids of the first 100 rows of `table` matching `filter`, oldest first.
async fn ids(store: &Store, table: &str, filter: Where) -> Result<Vec<String>> {
    const BY_AGE: Columns = &[("createdAt", "created_at", Kind::Time)];
    let list = ListQuery {
        offset: 0,
        limit: 100,
        ..ListQuery::default()
    };
    let (_, rows) = query::page(&store.inner.pool, "id", table, filter, BY_AGE, &list).await?;
    rows.iter()
        .map(|r| r.try_get("id").map_err(Error::backend))
        .collect()
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
