//! API keys: id + secret pairs owned by accounts, the secret kept only as a SHA-256 digest.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use stormpath_client::{
    Account, AccountId, AccountStatus, ApiKeyInfo, ApiKeys, Error, Invalid, InvalidKind, NewApiKey,
    Result,
};

use crate::{Store, error::Fallible, util};

/// `stormpathApiKey_<n>`: the custom-data convention for API keys (spec §4.3).
pub(crate) fn is_api_key_member(key: &str) -> bool {
    key.strip_prefix("stormpathApiKey_")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Splits `"<id>:<secret>"` at the first colon.
pub(crate) fn parse_pair(value: &serde_json::Value) -> Fallible<(String, String)> {
    let invalid = || {
        Error::from(Invalid::new(
            "customData",
            InvalidKind::Format,
            "API key values must look like \"<id>:<secret>\".",
        ))
    };
    let text = value.as_str().ok_or_else(invalid)?;
    let (id, secret) = text.split_once(':').ok_or_else(invalid)?;
    if id.is_empty() || secret.is_empty() || id.len() > 128 || secret.len() > 256 {
        return Err(invalid().into());
    }
    Ok((id.to_owned(), secret.to_owned()))
}

/// Stores a key in the registration's transaction (or any other).
pub(crate) async fn insert(
    tx: &mut Transaction<'_, Any>,
    account_id: &str,
    key_id: &str,
    secret: &str,
    name: Option<&str>,
    now: i64,
    sealed: Option<String>,
) -> Fallible<()> {
    sqlx::query(
        "INSERT INTO api_keys (row_id, key_id, account_id, secret_hash, name, status, created_at, \
         secret_sealed) VALUES ($1, $2, $3, $4, $5, 'ENABLED', $6, $7)",
    )
    .bind(util::new_id())
    .bind(key_id)
    .bind(account_id)
    .bind(util::digest(secret))
    .bind(name)
    .bind(now)
    .bind(sealed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Voids the account's client-credentials tokens issued until now (`key_tokens_valid_after`).
async fn void_key_tokens(tx: &mut Transaction<'_, Any>, id: &AccountId) -> Fallible<()> {
    sqlx::query("UPDATE accounts SET key_tokens_valid_after = $1 WHERE id = $2")
        .bind(util::now_secs())
        .bind(id.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// The queries return `Fallible` so that `?` takes sqlx's errors; the trait methods below are
// where they become the Backend's errors.
impl Store {
    async fn insert_api_key(&self, id: &AccountId, name: Option<&str>) -> Fallible<NewApiKey> {
        if self.cached(id).await?.is_none() {
            return Err(Error::NotFound.into());
        }
        if let Some(name) = name
            && (name.chars().count() > 255 || name.chars().any(char::is_control))
        {
            return Err(Error::from(Invalid::new(
                "name",
                InvalidKind::Format,
                "API key names are at most 255 printable characters.",
            ))
            .into());
        }
        // Stormpath's shapes: a 25-character id and a 43-character base64url secret (256 bits).
        let key_id = util::new_id()[..22].to_uppercase() + "KEY";
        let secret = util::random_token(32);
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await?;
        let sealed = self
            .inner
            .sealer
            .as_ref()
            .and_then(|s| s.seal(&key_id, &secret));
        insert(&mut tx, id.as_str(), &key_id, &secret, name, now, sealed).await?;
        tx.commit().await?;
        let info = ApiKeyInfo {
            id: key_id,
            name: name.map(str::to_owned),
            status: "ENABLED".into(),
            created_at: util::from_ms(now),
        };
        Ok(NewApiKey { info, secret })
    }

    async fn select_api_keys(&self, id: &AccountId) -> Fallible<Vec<ApiKeyInfo>> {
        let rows = sqlx::query(
            "SELECT key_id, name, status, created_at FROM api_keys WHERE account_id = $1 ORDER BY created_at, key_id",
        )
        .bind(id.as_str())
        .fetch_all(&self.inner.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(ApiKeyInfo {
                    id: row.try_get(0)?,
                    name: row.try_get(1)?,
                    status: row.try_get(2)?,
                    created_at: util::from_ms(row.try_get(3)?),
                })
            })
            .collect()
    }

    async fn delete_api_key_row(&self, id: &AccountId, key_id: &str) -> Fallible<()> {
        let mut tx = self.inner.pool.begin().await?;
        let done = sqlx::query("DELETE FROM api_keys WHERE account_id = $1 AND key_id = $2")
            .bind(id.as_str())
            .bind(key_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound.into());
        }
        void_key_tokens(&mut tx, id).await?;
        tx.commit().await?;
        self.forget_account(id).await?;
        Ok(())
    }

    /// Deletes every API key of an account (after a password reset or change, when the store
    /// is configured so), voiding its client-credentials tokens.
    pub(crate) async fn revoke_api_keys(&self, id: &AccountId) -> Fallible<()> {
        if !self.inner.revoke_keys_on_password_change {
            return Ok(());
        }
        let mut tx = self.inner.pool.begin().await?;
        let done = sqlx::query("DELETE FROM api_keys WHERE account_id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?;
        void_key_tokens(&mut tx, id).await?;
        tx.commit().await?;
        if done.rows_affected() > 0 {
            tracing::info!(target: "stormpath::audit", event = "api_key.revoked", keys = done.rows_affected(), "API keys revoked with the password");
        }
        self.forget_account(id).await?;
        Ok(())
    }

    /// Key ids need not be unique (spec §4.3): the most recently created ENABLED account
    /// holding a key with that id *and* this secret wins. The lookup is by the id and the
    /// secret's digest together (one index), so no number of keys sharing an id can push
    /// another account's key out of reach.
    async fn find_api_key_account(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Fallible<Option<Arc<Account>>> {
        let rows = sqlx::query(
            "SELECT k.account_id FROM api_keys k JOIN accounts a ON a.id = k.account_id \
             WHERE k.key_id = $1 AND k.secret_hash = $2 AND k.status = 'ENABLED' \
             ORDER BY a.created_at DESC LIMIT 20",
        )
        .bind(key_id)
        .bind(util::digest(secret))
        .fetch_all(&self.inner.pool)
        .await?;
        for row in rows {
            let account_id: String = row.try_get(0)?;
            let cached = self.cached(&AccountId(account_id)).await?;
            if let Some(c) = cached.filter(|c| c.account.status == AccountStatus::Enabled) {
                return Ok(Some(c.account));
            }
        }
        Ok(None)
    }
}

#[async_trait]
impl ApiKeys for Store {
    async fn create_api_key(&self, id: &AccountId, name: Option<&str>) -> Result<NewApiKey> {
        let key = Store::insert_api_key(self, id, name).await?;
        // The owner hears of every new key (security notices on by default).
        if let Some(cached) = self.cached(id).await? {
            self.security_notice(stormpath_client::EmailKind::ApiKeyCreated, &cached.account)
                .await;
        }
        Ok(key)
    }

    async fn api_keys(&self, id: &AccountId) -> Result<Vec<ApiKeyInfo>> {
        Ok(Store::select_api_keys(self, id).await?)
    }

    async fn delete_api_key(&self, id: &AccountId, key_id: &str) -> Result<()> {
        Ok(Store::delete_api_key_row(self, id, key_id).await?)
    }

    async fn authenticate_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<Option<Arc<Account>>> {
        Ok(Store::find_api_key_account(self, key_id, secret).await?)
    }
}
