//! Account rows: queries and mapping to the resource model.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{Row, any::AnyRow};
use stormpath_client::{
    Account, AccountId, AccountStatus, AccountUpdate, Accounts, CustomData,
    EmailVerificationStatus, Error, Invalid, InvalidKind, NewAccount, PasswordStrength, Resource,
    Result, Sessions,
};

use crate::{
    Store,
    cache::Cached,
    email,
    error::{Failure, Fallible},
    util,
};

/// The longest name or username accepted, in characters (Stormpath's limit).
const MAX_NAME_LEN: usize = 255;
/// The largest custom-data document accepted by default, in bytes of JSON
/// ([`StoreBuilder::max_custom_data_len`](crate::StoreBuilder::max_custom_data_len)).
pub(crate) const MAX_CUSTOM_DATA_LEN: usize = 64 * 1024;

/// The columns [`Store::map_account`] reads, in its order.
macro_rules! account_columns {
    () => {
        "id, email, username, given_name, middle_name, surname, status, \
         email_verification_status, password_modified_at, tokens_valid_after, created_at, \
         modified_at, key_tokens_valid_after"
    };
}
pub(crate) use account_columns;

/// The directories an application's logins search (`$1` = the application id).
macro_rules! mapped_directories {
    () => {
        "SELECT directory_id FROM account_store_mappings WHERE application_id = $1"
    };
}

/// Orders accounts by their directory's place in the application's mappings (`listIndex`).
macro_rules! mapping_order {
    () => {
        "(SELECT list_index FROM account_store_mappings m \
         WHERE m.application_id = $1 AND m.directory_id = accounts.directory_id)"
    };
}

/// An account row with the fields the model does not show.
pub(crate) struct AccountRow {
    pub(crate) account: Account,
    pub(crate) tokens_valid_after: i64,
    pub(crate) key_tokens_valid_after: i64,
}

impl Store {
    pub(crate) fn map_account(&self, row: &AnyRow) -> Fallible<AccountRow> {
        let get_s = |i: usize| row.try_get::<String, _>(i);
        let get_o = |i: usize| row.try_get::<Option<String>, _>(i);
        let id = get_s(0)?;
        let given_name = get_o(3)?;
        let middle_name = get_o(4)?;
        let surname = get_o(5)?;
        let status = AccountStatus::parse(&get_s(6)?).unwrap_or(AccountStatus::Disabled);
        let full_name = Account::compose_full_name(
            given_name.as_deref(),
            middle_name.as_deref(),
            surname.as_deref(),
        );
        let account = Account {
            href: self.account_href(&id),
            id: AccountId(id),
            email: get_s(1)?,
            username: get_s(2)?,
            given_name,
            middle_name,
            surname,
            full_name,
            status,
            email_verification_status: get_o(7)?
                .as_deref()
                .and_then(EmailVerificationStatus::parse),
            password_modified_at: row.try_get::<Option<i64>, _>(8)?.map(util::from_ms),
            created_at: util::from_ms(row.try_get(10)?),
            modified_at: util::from_ms(row.try_get(11)?),
        };
        Ok(AccountRow {
            account,
            tokens_valid_after: row.try_get(9)?,
            key_tokens_valid_after: row.try_get(12)?,
        })
    }

    /// The cached view of an account, loading it on a miss.
    pub(crate) async fn cached(&self, id: &AccountId) -> Fallible<Option<Cached>> {
        // While another instance's changes might not have reached this one, nothing cached
        // is served (503), not even a fresh load that would then be cached.
        self.inner.shared.ensure_fresh()?;
        if let Some(hit) = self.inner.cache.get(id.as_str()) {
            return Ok(Some(hit));
        }
        let row = sqlx::query(concat!(
            "SELECT ",
            account_columns!(),
            " FROM accounts WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.inner.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let row = self.map_account(&row)?;
        Ok(Some(self.inner.cache.put(
            Arc::new(row.account),
            row.tokens_valid_after,
            row.key_tokens_valid_after,
        )))
    }

    /// Finds the account a login (email or username) names, with its password hash, in the
    /// application's directories in mapping order. An email match wins over a username match.
    pub(crate) async fn find_login(&self, login: &str) -> Fallible<Option<(Account, String)>> {
        let key = email::canonical(login);
        let query = match &self.scope.login_directory {
            // One index lookup per key (`accounts_email_uq`, `accounts_username_uq`): with
            // `email_key = $2 OR username_key = $2` beside the `IN`, SQLite and PostgreSQL
            // both scan the whole table (1.7 s and 0.5 s a login with a million accounts).
            None => sqlx::query(concat!(
                "SELECT ",
                account_columns!(),
                ", password_hash FROM (SELECT *, 0 AS by_username FROM accounts \
                 WHERE directory_id IN (",
                mapped_directories!(),
                ") AND email_key = $2 UNION ALL SELECT *, 1 FROM accounts WHERE directory_id IN (",
                mapped_directories!(),
                ") AND username_key = $2) accounts ORDER BY ",
                mapping_order!(),
                ", by_username LIMIT 1"
            ))
            .bind(&self.scope.application_id),
            Some(directory) => sqlx::query(concat!(
                "SELECT ",
                account_columns!(),
                ", password_hash FROM accounts WHERE directory_id = $1 \
                 AND (email_key = $2 OR username_key = $2) \
                 ORDER BY CASE WHEN email_key = $2 THEN 0 ELSE 1 END LIMIT 1"
            ))
            .bind(directory),
        };
        let row = query.bind(&key).fetch_optional(&self.inner.pool).await?;
        let Some(row) = row else { return Ok(None) };
        let hash: String = row.try_get(13)?;
        Ok(Some((self.map_account(&row)?.account, hash)))
    }

    pub(crate) async fn find_email(&self, address: &str) -> Fallible<Option<Arc<Account>>> {
        let query = match &self.scope.login_directory {
            None => sqlx::query(concat!(
                "SELECT ",
                account_columns!(),
                " FROM accounts WHERE directory_id IN (",
                mapped_directories!(),
                ") AND email_key = $2 ORDER BY ",
                mapping_order!(),
                " LIMIT 1"
            ))
            .bind(&self.scope.application_id),
            Some(directory) => sqlx::query(concat!(
                "SELECT ",
                account_columns!(),
                " FROM accounts WHERE directory_id = $1 AND email_key = $2 LIMIT 1"
            ))
            .bind(directory),
        };
        let row = query
            .bind(email::canonical(address))
            .fetch_optional(&self.inner.pool)
            .await?;
        row.map(|row| self.map_account(&row).map(|r| Arc::new(r.account)))
            .transpose()
    }

    /// The password policy of the account's own directory: the scope's when the account is
    /// in the scope's default store (always, for the embedded plugin), else its directory's.
    pub(crate) async fn strength_of(&self, id: &AccountId) -> Fallible<PasswordStrength> {
        let row = sqlx::query(
            "SELECT a.directory_id, d.password_policy FROM accounts a \
             JOIN directories d ON d.id = a.directory_id WHERE a.id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.inner.pool)
        .await?;
        let Some(row) = row else {
            return Ok(self.scope.strength);
        };
        let directory: String = row.try_get(0)?;
        if directory == self.scope.directory_id {
            return Ok(self.scope.strength);
        }
        let policy: String = row.try_get(1)?;
        Ok(serde_json::from_str(&policy).unwrap_or(self.scope.strength))
    }

    /// Checks a password about to be set: the directory's strength rules, then (when the
    /// store's blocklist is on) common, breached and personal passwords, with the account's
    /// words and the application's name.
    pub(crate) async fn check_password(
        &self,
        strength: &PasswordStrength,
        password: &str,
        context: crate::PasswordContext<'_>,
    ) -> Result<()> {
        crate::check_strength(strength, password)?;
        self.screen_password(password, context).await
    }

    /// The blocklist half of [`check_password`](Self::check_password) alone (an import keeps
    /// the composition its passwords had elsewhere).
    pub(crate) async fn screen_password(
        &self,
        password: &str,
        context: crate::PasswordContext<'_>,
    ) -> Result<()> {
        if !self.inner.password_blocklist {
            return Ok(());
        }
        let context = crate::PasswordContext {
            site_name: context
                .site_name
                .or(Some(self.scope.application.name.as_str())),
            ..context
        };
        self.inner.hasher.screen(password, &context).await
    }

    /// Validates and inserts a new account. Hashing happens before the insert, so a rejected
    /// account leaves nothing behind.
    pub(crate) async fn insert_account(&self, new: NewAccount) -> Fallible<Account> {
        self.insert_account_hashed(new, None).await
    }

    /// [`Self::insert_account`], with `imported` (a hash made elsewhere, in one of the
    /// formats of `password::legacy`) in place of hashing `new.password`, which is then
    /// ignored. The hash is checked for syntax and cost first; the first login with the
    /// right password replaces it with the store's own.
    pub(crate) async fn insert_account_hashed(
        &self,
        new: NewAccount,
        imported: Option<&str>,
    ) -> Fallible<Account> {
        email::validate(&new.email)?;
        let username = new.username.clone().unwrap_or_else(|| new.email.clone());
        for (field, value) in [
            ("username", Some(&username)),
            ("givenName", new.given_name.as_ref()),
            ("middleName", new.middle_name.as_ref()),
            ("surname", new.surname.as_ref()),
        ] {
            check_name(field, value.map(String::as_str))?;
        }
        match imported {
            Some(hash) => {
                crate::password::legacy::check(hash).map_err(|why| {
                    Error::Validation(stormpath_client::Invalid::new(
                        "password",
                        stormpath_client::InvalidKind::Format,
                        format!("The imported password hash is refused: {why}."),
                    ))
                })?;
            }
            None => {
                self.check_password(
                    &self.scope.strength,
                    &new.password,
                    crate::PasswordContext {
                        email: Some(&new.email),
                        username: new.username.as_deref(),
                        given_name: new.given_name.as_deref(),
                        surname: new.surname.as_deref(),
                        site_name: None,
                    },
                )
                .await?;
            }
        }
        // `stormpathApiKey_<n>: "<id>:<secret>"` members define API keys (spec §4.3); they are
        // kept hashed in `api_keys`, never in the custom data.
        let mut custom_data = new.custom_data.clone();
        let api_keys = new
            .custom_data
            .iter()
            .filter(|(key, _)| crate::api_keys::is_api_key_member(key))
            .map(|(_, value)| crate::api_keys::parse_pair(value))
            .collect::<Fallible<Vec<_>>>()?;
        custom_data.retain(|key, _| !crate::api_keys::is_api_key_member(key));
        let custom_data = self.custom_data_json(&custom_data)?;
        let hash = match imported {
            Some(hash) => hash.to_owned(),
            None => self.inner.hasher.hash(&new.password).await?,
        };
        let id = util::new_id();
        let now = util::now_ms();
        let status = new.status.unwrap_or(AccountStatus::Enabled);
        let verification = match status {
            AccountStatus::Unverified => EmailVerificationStatus::Unverified,
            _ => EmailVerificationStatus::Unknown,
        };
        // A login names an account by email or username, so neither may equal the other kind
        // of identifier of another account (an explicit username that is someone's email, or
        // an email that is someone's username).
        let (email_key, username_key) = (email::canonical(&new.email), email::canonical(&username));
        let crossed = sqlx::query(
            "SELECT email_key, username_key FROM accounts WHERE directory_id = $1 \
             AND (email_key = $2 OR username_key = $3) LIMIT 1",
        )
        .bind(&self.scope.directory_id)
        .bind(&username_key)
        .bind(&email_key)
        .fetch_optional(&self.inner.pool)
        .await?;
        if let Some(row) = crossed {
            let (their_email, their_username): (String, String) =
                (row.try_get(0)?, row.try_get(1)?);
            // The email wins: an address someone has (as email or username) is what is taken
            // when the username merely defaulted to it.
            let email_taken = their_email == email_key || their_username == email_key;
            return Err(Failure::Answer(if email_taken {
                Error::Conflict {
                    field: "email",
                    message: EMAIL_TAKEN.into(),
                }
            } else {
                Error::Conflict {
                    field: "username",
                    message: USERNAME_TAKEN.into(),
                }
            }));
        }
        let mut tx = self.inner.pool.begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO accounts (id, directory_id, email, email_key, username, username_key, \
             given_name, middle_name, surname, status, email_verification_status, password_hash, \
             password_modified_at, custom_data, created_at, modified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13, $13)",
        )
        .bind(&id)
        .bind(&self.scope.directory_id)
        .bind(new.email.trim())
        .bind(email::canonical(&new.email))
        .bind(username.trim())
        .bind(email::canonical(&username))
        .bind(non_empty(new.given_name))
        .bind(non_empty(new.middle_name))
        .bind(non_empty(new.surname))
        .bind(status.as_str())
        .bind(verification.as_str())
        .bind(hash)
        .bind(now)
        .bind(custom_data)
        .execute(&mut *tx)
        .await;
        if let Err(err) = inserted {
            drop(tx);
            return Err(self.conflict(err, &new.email).await.into());
        }
        for (key_id, secret) in &api_keys {
            // Sealed too when the store can (the REST server gives secrets back).
            let sealed = self
                .inner
                .sealer
                .as_ref()
                .and_then(|s| s.seal(key_id, secret));
            crate::api_keys::insert(&mut tx, &id, key_id, secret, None, now, sealed).await?;
        }
        tx.commit().await?;
        self.cached(&AccountId(id))
            .await?
            .map(|c| (*c.account).clone())
            .ok_or_else(|| Error::NotFound.into())
    }

    /// Maps a failed insert. The database names only the first unique index it finds
    /// violated, and engines check them in different orders (SQLite the username index
    /// first), so a taken email, which also takes the default username, is looked up rather
    /// than read from the message.
    async fn conflict(&self, err: sqlx::Error, email: &str) -> Error {
        if !util::is_unique_violation(&err) {
            return Error::backend(err);
        }
        let email_taken =
            sqlx::query("SELECT 1 FROM accounts WHERE directory_id = $1 AND email_key = $2")
                .bind(&self.scope.directory_id)
                .bind(email::canonical(email))
                .fetch_optional(&self.inner.pool)
                .await;
        match email_taken {
            Ok(Some(_)) => Error::Conflict {
                field: "email",
                message: EMAIL_TAKEN.into(),
            },
            Ok(None) => conflict(err),
            Err(lookup) => Error::backend(lookup),
        }
    }

    pub(crate) async fn set_password_hash(&self, id: &AccountId, hash: &str) -> Fallible<()> {
        sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }

    pub(crate) async fn apply_update(
        &self,
        id: &AccountId,
        update: AccountUpdate,
    ) -> Fallible<Account> {
        let current = self.cached(id).await?.ok_or(Error::NotFound)?;
        let acct = &current.account;
        let pick = |new: Option<Option<String>>, old: &Option<String>| match new {
            Some(value) => non_empty(value),
            None => old.clone(),
        };
        let given = pick(update.given_name, &acct.given_name);
        let middle = pick(update.middle_name, &acct.middle_name);
        let surname = pick(update.surname, &acct.surname);
        for (field, value) in [
            ("givenName", &given),
            ("middleName", &middle),
            ("surname", &surname),
        ] {
            check_name(field, value.as_deref())?;
        }
        let status = update.status.unwrap_or(acct.status);
        sqlx::query(
            "UPDATE accounts SET given_name = $1, middle_name = $2, surname = $3, status = $4, \
             modified_at = $5 WHERE id = $6",
        )
        .bind(given)
        .bind(middle)
        .bind(surname)
        .bind(status.as_str())
        .bind(util::now_ms())
        .bind(id.as_str())
        .execute(&self.inner.pool)
        .await?;
        self.forget_account(id).await?;
        self.cached(id)
            .await?
            .map(|c| (*c.account).clone())
            .ok_or_else(|| Error::NotFound.into())
    }

    /// Deletes an account row (memberships, keys and tokens go with it); `false` when there
    /// was none.
    pub(crate) async fn remove_account(&self, id: &AccountId) -> Fallible<bool> {
        let done = sqlx::query("DELETE FROM accounts WHERE id = $1")
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        self.forget_account(id).await?;
        Ok(done.rows_affected() > 0)
    }
}

/// Checks a name-like property (`username`, `givenName`, `middleName`, `surname`).
pub(crate) fn check_name(field: &'static str, value: Option<&str>) -> Result<(), Invalid> {
    let Some(value) = value else { return Ok(()) };
    let label = match field {
        "username" => "Username",
        "givenName" => "First name",
        "middleName" => "Middle name",
        _ => "Last name",
    };
    if value.chars().count() > MAX_NAME_LEN {
        return Err(Invalid::new(
            field,
            InvalidKind::Format,
            format!("{label} must be at most {MAX_NAME_LEN} characters long."),
        ));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::new(
            field,
            InvalidKind::Format,
            format!("{label} must not contain control characters."),
        ));
    }
    Ok(())
}

pub(crate) fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

impl Store {
    /// Custom data as stored: its JSON text, at most the store's limit in bytes
    /// ([`StoreBuilder::max_custom_data_len`](crate::StoreBuilder::max_custom_data_len)).
    pub(crate) fn custom_data_json(&self, data: &CustomData) -> Fallible<String> {
        let text = serde_json::to_string(data).map_err(Error::backend)?;
        let max = self.inner.max_custom_data_len;
        if text.len() > max {
            let limit = if max >= 1024 * 1024 && max.is_multiple_of(1024 * 1024) {
                format!("{} MB", max / (1024 * 1024))
            } else {
                format!("{} KiB", max / 1024)
            };
            return Err(Error::from(Invalid::general(
                InvalidKind::TooLarge,
                format!("Custom data must be at most {limit}."),
            ))
            .into());
        }
        Ok(text)
    }
}

pub(crate) const EMAIL_TAKEN: &str = "An account with that email address already exists.";
pub(crate) const USERNAME_TAKEN: &str = "An account with that username already exists.";

/// Maps a failed insert: a unique violation is a conflict on the field its index covers.
pub(crate) fn conflict(err: sqlx::Error) -> Error {
    if let sqlx::Error::Database(db) = &err
        && db.kind() == sqlx::error::ErrorKind::UniqueViolation
    {
        let text = format!("{} {}", db.message(), db.constraint().unwrap_or_default());
        return if text.contains("username") {
            Error::Conflict {
                field: "username",
                message: "An account with that username already exists.".into(),
            }
        } else {
            Error::Conflict {
                field: "email",
                message: EMAIL_TAKEN.into(),
            }
        };
    }
    Error::backend(err)
}

#[async_trait]
impl Accounts for Store {
    async fn password_strength(&self) -> Result<PasswordStrength> {
        Ok(self.scope.strength)
    }

    async fn create_account(&self, new: NewAccount) -> Result<Account> {
        let account = self.insert_account(new).await?;
        if account.status == AccountStatus::Unverified {
            // The account is only usable through the emailed link: if the link cannot be
            // queued, the registration is undone rather than left half done. (Delivery is
            // the outbox's: a mail server that is down delays the mail, it loses nothing.)
            if let Err(err) = self.send_verification(&account).await {
                self.delete_account(&account.id).await?;
                return Err(err);
            }
        }
        Ok(account)
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Arc<Account>>> {
        Ok(self.cached(id).await?.map(|c| c.account))
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Arc<Account>>> {
        Ok(self.find_email(email).await?)
    }

    async fn update_account(&self, id: &AccountId, update: AccountUpdate) -> Result<Account> {
        let disabling = update.status.is_some_and(|s| s != AccountStatus::Enabled);
        let account = self.apply_update(id, update).await?;
        if disabling {
            self.revoke_all_tokens(id).await?;
        }
        Ok(account)
    }

    async fn delete_account(&self, id: &AccountId) -> Result<()> {
        self.revoke_all_tokens(id).await?;
        if self.remove_account(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    async fn directory(&self) -> Result<Resource> {
        Ok(self.scope.directory.clone())
    }

    async fn application(&self) -> Result<Resource> {
        Ok(self.scope.application.clone())
    }
}
