//! Accounts as the REST server sees them: with their directory, listed per tenant, directory,
//! application or group, and updated in every property at once (spec §5.5, §6.3).

use std::sync::Arc;

use sqlx::{Row, any::AnyRow};
use stormpath_client::{
    Account, AccountId, AccountStatus, CustomData, EmailVerificationStatus, Error, Invalid,
    InvalidKind, PasswordStrength, Resource, Result, Sessions,
};

use super::query::{self, Bind, Columns, Filter, Kind, ListQuery, Page, Where};
use crate::{
    Dialect, Store,
    accounts::{EMAIL_TAKEN, USERNAME_TAKEN, account_columns, check_name, conflict, non_empty},
    email,
    error::{Failure, Fallible},
    one_time::Purpose,
    store::Scope,
    token::{KeySet, Tokens},
    util,
};

/// An account and the directory that holds it.
#[derive(Debug, Clone)]
pub struct AccountRecord {
    /// The account.
    pub account: Account,
    /// Its directory's id.
    pub directory_id: String,
}

/// Which accounts a collection holds.
#[derive(Debug, Clone, Copy)]
pub enum AccountsOf<'a> {
    /// Every account of the tenant.
    Tenant,
    /// The accounts of a directory.
    Directory(&'a str),
    /// The accounts an application reaches through its account store mappings.
    Application(&'a str),
    /// The members of a group.
    Group(&'a str),
}

/// The properties a `POST /accounts/{id}` may change (spec §5.5); `None` leaves one as it is.
#[derive(Clone, Default)]
pub struct AccountChanges {
    /// New username.
    pub username: Option<String>,
    /// New email address.
    pub email: Option<String>,
    /// New password, checked against the directory's strength policy.
    pub password: Option<String>,
    /// New first name (`Some(None)` clears it).
    pub given_name: Option<Option<String>>,
    /// New middle name (`Some(None)` clears it).
    pub middle_name: Option<Option<String>>,
    /// New last name (`Some(None)` clears it).
    pub surname: Option<Option<String>>,
    /// New status. Any status but `ENABLED` voids the account's tokens.
    pub status: Option<AccountStatus>,
    /// New email verification status.
    pub email_verification_status: Option<EmailVerificationStatus>,
    /// Members merged into the custom data (a `null` value is stored as `null`).
    pub custom_data: Option<CustomData>,
}

impl std::fmt::Debug for AccountChanges {
    // Written by hand so that a new password never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountChanges")
            .field("username", &self.username)
            .field("email", &self.email)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("given_name", &self.given_name)
            .field("middle_name", &self.middle_name)
            .field("surname", &self.surname)
            .field("status", &self.status)
            .field("email_verification_status", &self.email_verification_status)
            .field(
                "custom_data",
                &self.custom_data.as_ref().map(CustomData::len),
            )
            .finish()
    }
}

/// Searchable and sortable account attributes (spec §3.3).
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

impl Store {
    /// The live email-verification token of an unverified account, when this store sealed it
    /// (the REST server's `emailVerificationToken` link).
    ///
    /// # Errors
    /// A database failure.
    pub async fn pending_verification_token(&self, account_id: &str) -> Result<Option<String>> {
        let Some(sealer) = &self.inner.sealer else {
            return Ok(None);
        };
        let sealed: Option<Option<String>> = sqlx::query_scalar(
            "SELECT token_sealed FROM one_time_tokens WHERE account_id = $1 \
             AND purpose = 'verify' AND expires_at > $2 ORDER BY created_at DESC LIMIT 1",
        )
        .bind(account_id)
        .bind(util::now_ms())
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(sealed.flatten().and_then(|s| sealer.open(account_id, &s)))
    }

    /// An account by id, with its directory (read afresh, never from the cache).
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_record(&self, id: &str) -> Result<Option<AccountRecord>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            ", directory_id FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(row.as_ref().map(|r| self.read_record(r)).transpose()?)
    }

    fn read_record(&self, row: &AnyRow) -> Fallible<AccountRecord> {
        Ok(AccountRecord {
            account: self.map_account(row)?.account,
            directory_id: row.try_get("directory_id")?,
        })
    }

    /// A page of accounts: search on `givenName, middleName, surname, username, email,
    /// status, createdAt, modifiedAt, passwordModifiedAt` and `q`, sorted by any of them.
    ///
    /// # Errors
    /// A bad search attribute or a database failure.
    pub async fn list_accounts(
        &self,
        of: AccountsOf<'_>,
        list: &ListQuery,
    ) -> Result<Page<AccountRecord>> {
        let base = match of {
            AccountsOf::Tenant => Where::default(),
            AccountsOf::Directory(id) => {
                Where::default().and("directory_id = ?", [Bind::Text(id.to_owned())])
            }
            AccountsOf::Application(id) => Where::default().and(
                "directory_id IN (SELECT directory_id FROM account_store_mappings \
                 WHERE application_id = ?)",
                [Bind::Text(id.to_owned())],
            ),
            AccountsOf::Group(id) => Where::default().and(
                "id IN (SELECT account_id FROM group_memberships WHERE group_id = ?)",
                [Bind::Text(id.to_owned())],
            ),
        };
        // Custom-data filters need the engine's JSON functions; the rest is generic.
        let mut base = base;
        let mut rest = list.clone();
        rest.filters.clear();
        for filter in &list.filters {
            match filter {
                Filter::CustomData { path, pattern } => {
                    if path.is_empty()
                        || path.iter().any(|p| {
                            p.is_empty()
                                || !p
                                    .bytes()
                                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
                        })
                    {
                        return Err(Invalid::general(
                            InvalidKind::Query,
                            "customData search names must be letters, digits, '_' or '-'.",
                        )
                        .into());
                    }
                    let member = match self.inner.dialect {
                        Dialect::Sqlite => format!(
                            "CAST(json_extract(custom_data, '$.{}') AS TEXT)",
                            path.join(".")
                        ),
                        Dialect::Postgres => {
                            format!("(custom_data::jsonb #>> '{{{}}}')", path.join(","))
                        }
                    };
                    base = base.and(
                        &format!("LOWER({member}) LIKE ? ESCAPE '\\'"),
                        [Bind::Text(pattern.like())],
                    );
                }
                other => rest.filters.push(other.clone()),
            }
        }
        let found = query::page(
            &self.inner.pool,
            concat!(account_columns!(), ", directory_id"),
            "accounts",
            base,
            ACCOUNT_COLUMNS,
            &rest,
        )
        .await?;
        query::map_page(found, |row| self.read_record(row))
    }

    /// Changes any of an account's properties in one transaction: every value is checked
    /// (email format, names, the directory's password strength, email and username unique in
    /// the directory) before anything is written, so a refused change leaves the account as
    /// it was. A status other than `ENABLED` voids the account's tokens; a new password ends
    /// what a password change ends (reset links, tokens, sessions and, when so configured, API
    /// keys); a new email address voids the reset and verification links mailed to the old one.
    ///
    /// # Errors
    /// Not found, a validation error, a taken email or username (409), a custom-data
    /// document over the limit, a database failure.
    pub async fn update_account_record(
        &self,
        id: &str,
        changes: AccountChanges,
    ) -> Result<AccountRecord> {
        let record = self.account_record(id).await?.ok_or(Error::NotFound)?;
        let disabling = changes
            .status
            .is_some_and(|s| s != AccountStatus::Enabled && s != record.account.status);
        let new_password = changes.password.is_some();
        let new_email = changes
            .email
            .as_deref()
            .is_some_and(|e| email::canonical(e.trim()) != email::canonical(&record.account.email));
        self.write_account_changes(&record, changes).await?;
        let account_id = AccountId(id.to_owned());
        self.forget_account(&account_id).await?;
        if new_password {
            self.end_credentials(&account_id).await?;
        } else if disabling {
            Sessions::revoke_all_tokens(self, &account_id).await?;
        }
        if new_email {
            self.void_one_time(&account_id, Purpose::Reset).await?;
            self.void_one_time(&account_id, Purpose::Verify).await?;
        }
        self.account_record(id).await?.ok_or(Error::NotFound)
    }

    async fn write_account_changes(
        &self,
        record: &AccountRecord,
        changes: AccountChanges,
    ) -> Fallible<()> {
        let current = &record.account;
        let email_ = match changes.email {
            Some(e) => {
                let e = e.trim().to_owned();
                if e.is_empty() {
                    return Err(Invalid::new(
                        "email",
                        InvalidKind::Required,
                        "Account email address cannot be null, empty, or blank.",
                    )
                    .into());
                }
                email::validate(&e)?;
                e
            }
            None => current.email.clone(),
        };
        let username = match changes.username {
            Some(u) => {
                let u = u.trim().to_owned();
                if u.is_empty() {
                    return Err(Invalid::new(
                        "username",
                        InvalidKind::Required,
                        "Account username cannot be null, empty, or blank.",
                    )
                    .into());
                }
                u
            }
            None => current.username.clone(),
        };
        let pick = |new: Option<Option<String>>, old: &Option<String>| match new {
            Some(value) => non_empty(value),
            None => old.clone(),
        };
        let given = pick(changes.given_name, &current.given_name);
        let middle = pick(changes.middle_name, &current.middle_name);
        let surname = pick(changes.surname, &current.surname);
        for (field, value) in [
            ("username", Some(&username)),
            ("givenName", given.as_ref()),
            ("middleName", middle.as_ref()),
            ("surname", surname.as_ref()),
        ] {
            check_name(field, value.map(String::as_str))?;
        }
        let hash = match &changes.password {
            Some(password) => {
                let strength = self
                    .directory_by_id(&record.directory_id)
                    .await?
                    .map_or_else(PasswordStrength::default, |d| d.strength);
                self.check_password(
                    &strength,
                    password,
                    crate::PasswordContext {
                        email: Some(&email_),
                        username: Some(&username),
                        given_name: given.as_deref(),
                        surname: surname.as_deref(),
                        site_name: None,
                    },
                )
                .await?;
                Some(self.inner.hasher.hash(password).await?)
            }
            None => None,
        };
        let status = changes.status.unwrap_or(current.status);
        let verification = changes
            .email_verification_status
            .or(current.email_verification_status)
            .unwrap_or(EmailVerificationStatus::Unknown);
        let (email_key, username_key) = (email::canonical(&email_), email::canonical(&username));
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await?;
        // The update first: it takes the row's write lock (and SQLite's) at once.
        let updated = sqlx::query(
            "UPDATE accounts SET email = $1, email_key = $2, username = $3, username_key = $4, \
             given_name = $5, middle_name = $6, surname = $7, status = $8, \
             email_verification_status = $9, modified_at = $10 WHERE id = $11",
        )
        .bind(&email_)
        .bind(&email_key)
        .bind(&username)
        .bind(&username_key)
        .bind(given)
        .bind(middle)
        .bind(surname)
        .bind(status.as_str())
        .bind(verification.as_str())
        .bind(now)
        .bind(current.id.as_str())
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(done) if done.rows_affected() == 0 => return Err(Error::NotFound.into()),
            Ok(_) => {}
            // The unique indexes: the same email or username as another account's.
            Err(err) => return Err(Failure::Answer(conflict(err))),
        }
        // A login names an account by email or username, so a new one may equal neither
        // identifier of another account of the directory (as on creation). Checked after the
        // update, which holds the write lock, so that no one else writes meanwhile; a
        // conflict rolls the update back.
        for (field, key, changed, message) in [
            (
                "email",
                &email_key,
                email_key != email::canonical(&current.email),
                EMAIL_TAKEN,
            ),
            (
                "username",
                &username_key,
                username_key != email::canonical(&current.username),
                USERNAME_TAKEN,
            ),
        ] {
            if !changed {
                continue;
            }
            let taken = sqlx::query(
                "SELECT 1 FROM accounts WHERE directory_id = $1 AND id <> $2 \
                 AND (email_key = $3 OR username_key = $3) LIMIT 1",
            )
            .bind(&record.directory_id)
            .bind(current.id.as_str())
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(Failure::Answer(Error::Conflict {
                    field,
                    message: message.into(),
                }));
            }
        }
        if let Some(hash) = hash {
            sqlx::query(
                "UPDATE accounts SET password_hash = $1, password_modified_at = $2 WHERE id = $3",
            )
            .bind(hash)
            .bind(now)
            .bind(current.id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        if let Some(patch) = changes.custom_data.filter(|p| !p.is_empty()) {
            // The row is locked by the update above: nobody writes it before this commits.
            let text: String = sqlx::query("SELECT custom_data FROM accounts WHERE id = $1")
                .bind(current.id.as_str())
                .fetch_one(&mut *tx)
                .await?
                .try_get(0)?;
            let mut data: CustomData = serde_json::from_str(&text).map_err(Error::backend)?;
            data.extend(patch);
            sqlx::query(
                "UPDATE accounts SET custom_data = $1, \
                 custom_data_version = custom_data_version + 1 WHERE id = $2",
            )
            .bind(self.custom_data_json(&data)?)
            .bind(current.id.as_str())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
    /// Creates an account whose password is a hash made elsewhere (`passwordFormat=mcf`,
    /// spec §6.1, §8.7): bcrypt, `$stormpath2$` and the other formats the CLI `import`
    /// takes. `new.password` is ignored. The hash is checked for syntax and cost before
    /// anything is written; the first login with the right password replaces it with the
    /// store's own hash. An `UNVERIFIED` account gets its verification mail, as with
    /// [`Accounts::create_account`](stormpath_client::Accounts::create_account).
    ///
    /// # Errors
    /// [`Error::Validation`] (field `password`, code 2006) for an unknown, malformed or too
    /// costly hash; those of account creation.
    pub async fn create_account_with_hash(
        &self,
        new: stormpath_client::NewAccount,
        hash: &str,
    ) -> Result<Account> {
        let account = self.insert_account_hashed(new, Some(hash)).await?;
        if account.status == AccountStatus::Unverified
            && let Err(err) = self.send_verification(&account).await
        {
            stormpath_client::Accounts::delete_account(self, &account.id).await?;
            return Err(err);
        }
        Ok(account)
    }

    /// A handle acting for one directory (the REST server's `POST {dir}/accounts`): accounts
    /// and groups are created there under its password policy. It issues no tokens.
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown directory; a database failure.
    pub async fn for_directory(&self, directory_id: &str) -> Result<Store> {
        let d = self
            .directory_by_id(directory_id)
            .await?
            .ok_or(Error::NotFound)?;
        // Never used to sign anything: a random key, so the handle cannot mint a valid token.
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        let keys = KeySet::new(&key, None, &[]).map_err(|_| Error::InvalidToken)?;
        let application = self.scope.application.clone();
        let tokens = Tokens::new(
            keys,
            application.href.clone(),
            (0, 0),
            Arc::clone(&self.inner.revoked),
        );
        Ok(Store {
            inner: Arc::clone(&self.inner),
            scope: Arc::new(Scope {
                application_id: self.scope.application_id.clone(),
                application,
                directory: Resource {
                    href: format!("{}/directories/{}", self.inner.href_base, d.meta.id),
                    name: d.name.clone(),
                    status: d.status.clone(),
                },
                directory_id: d.meta.id,
                strength: d.strength,
                tokens: Arc::new(tokens),
                record_tokens: false,
                email_templates: Arc::clone(&self.scope.email_templates),
                login_directory: None,
            }),
        })
    }
}
