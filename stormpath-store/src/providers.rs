//! Provider identities (social / OpenID Connect): `provider_accounts`, (provider, subject) →
//! account.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Row;
use stormpath_client::{
    Account, AccountId, Accounts, Error, ProviderAccounts, ProviderLink, Result,
};

use crate::{Store, error::Failure, util};

/// A query that failed: 503 when the database cannot be reached, else a back-end error.
fn db_error(err: sqlx::Error) -> Error {
    Failure::Database(err).into()
}

/// The message of a link that collides with an existing one.
const LINKED_ALREADY: &str = "This provider account is linked to an account already.";

fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

#[async_trait]
impl ProviderAccounts for Store {
    async fn account_by_provider(
        &self,
        provider_id: &str,
        subject: &str,
    ) -> Result<Option<Arc<Account>>> {
        let row = sqlx::query(
            "SELECT account_id FROM provider_accounts WHERE provider_id = $1 AND subject = $2",
        )
        .bind(provider_id)
        .bind(subject)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        let id: String = row.try_get(0).map_err(db_error)?;
        self.account(&AccountId(id)).await
    }

    async fn link_provider(&self, account: &AccountId, link: ProviderLink) -> Result<()> {
        let done = sqlx::query(
            "INSERT INTO provider_accounts (provider_id, subject, account_id, email, \
             created_account, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&link.provider_id)
        .bind(&link.subject)
        .bind(account.as_str())
        .bind(&link.email)
        .bind(i64::from(link.created_account))
        .bind(util::now_ms())
        .execute(&self.inner.pool)
        .await;
        match done {
            Ok(_) => Ok(()),
            Err(err) if util::is_unique_violation(&err) => Err(Error::Conflict {
                field: "providerData",
                message: LINKED_ALREADY.into(),
            }),
            Err(err) if is_foreign_key_violation(&err) => Err(Error::NotFound),
            Err(err) => Err(db_error(err)),
        }
    }

    async fn provider_links(&self, account: &AccountId) -> Result<Vec<ProviderLink>> {
        let rows = sqlx::query(
            "SELECT provider_id, subject, email, created_account, created_at \
             FROM provider_accounts WHERE account_id = $1 ORDER BY created_at, provider_id",
        )
        .bind(account.as_str())
        .fetch_all(&self.inner.pool)
        .await
        .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                let provider_id: String = row.try_get(0)?;
                let subject: String = row.try_get(1)?;
                let email: Option<String> = row.try_get(2)?;
                let created: i64 = row.try_get(3)?;
                let at: i64 = row.try_get(4)?;
                let mut link = ProviderLink::new(provider_id, subject).with_email(email);
                link.created_account = created != 0;
                link.created_at = util::from_ms(at);
                Ok(link)
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(db_error)
    }

    async fn unlink_provider(&self, account: &AccountId, provider_id: &str) -> Result<()> {
        let done =
            sqlx::query("DELETE FROM provider_accounts WHERE account_id = $1 AND provider_id = $2")
                .bind(account.as_str())
                .bind(provider_id)
                .execute(&self.inner.pool)
                .await
                .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        Ok(())
    }
}
