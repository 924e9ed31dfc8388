//! One-time tokens: password reset and email verification links (`sptoken`).
//!
//! A token is 32 random bytes in base64url (256 bits, only `A–Z a–z 0–9 - _`), mailed once and
//! stored as its SHA-256 digest. It is bound to one account and one purpose, expires, is used
//! up by its first use, and a newer token of the same purpose voids the older ones.

use std::sync::Arc;

use sqlx::Row;
use stormpath_client::{Account, AccountId, AccountStatus, Error};

use crate::{Store, error::Fallible, util};

/// What a token is for; a token of one purpose never works for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    Reset,
    Verify,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Verify => "verify",
        }
    }
}

impl Store {
    /// Issues a token for the account, voiding its earlier ones of the same purpose.
    pub(crate) async fn issue_one_time(
        &self,
        id: &AccountId,
        purpose: Purpose,
    ) -> Fallible<String> {
        let token = util::random_token(32);
        let now = util::now_ms();
        let ttl = match purpose {
            Purpose::Reset => self.inner.reset_ttl_ms,
            Purpose::Verify => self.inner.verify_ttl_ms,
        };
        let mut tx = self.inner.pool.begin().await?;
        sqlx::query("DELETE FROM one_time_tokens WHERE account_id = $1 AND purpose = $2")
            .bind(id.as_str())
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO one_time_tokens (digest, account_id, purpose, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(util::digest(&token))
        .bind(id.as_str())
        .bind(purpose.as_str())
        .bind(now.saturating_add(ttl))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// The account a live token belongs to, without using the token up.
    pub(crate) async fn peek_one_time(
        &self,
        token: &str,
        purpose: Purpose,
    ) -> Fallible<Arc<Account>> {
        if token.is_empty() || token.len() > 128 {
            return Err(Error::NotFound.into());
        }
        let row = sqlx::query(
            "SELECT account_id FROM one_time_tokens WHERE digest = $1 AND purpose = $2 AND expires_at > $3",
        )
        .bind(util::digest(token))
        .bind(purpose.as_str())
        .bind(util::now_ms())
        .fetch_optional(&self.inner.pool)
        .await?
        .ok_or(Error::NotFound)?;
        let id: String = row.try_get(0)?;
        let cached = self.cached(&AccountId(id)).await?.ok_or(Error::NotFound)?;
        let usable = match purpose {
            Purpose::Reset => cached.account.status == AccountStatus::Enabled,
            Purpose::Verify => cached.account.status == AccountStatus::Unverified,
        };
        if usable {
            Ok(cached.account)
        } else {
            Err(Error::NotFound.into())
        }
    }

    /// Uses a token up; `NotFound` when someone else used it first.
    pub(crate) async fn consume_one_time(
        &self,
        token: &str,
        purpose: Purpose,
        id: &AccountId,
    ) -> Fallible<()> {
        let done = sqlx::query(
            "DELETE FROM one_time_tokens WHERE digest = $1 AND purpose = $2 AND account_id = $3",
        )
        .bind(util::digest(token))
        .bind(purpose.as_str())
        .bind(id.as_str())
        .execute(&self.inner.pool)
        .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(Error::NotFound.into())
        }
    }

    /// Voids every token of that purpose for the account.
    pub(crate) async fn void_one_time(&self, id: &AccountId, purpose: Purpose) -> Fallible<()> {
        sqlx::query("DELETE FROM one_time_tokens WHERE account_id = $1 AND purpose = $2")
            .bind(id.as_str())
            .bind(purpose.as_str())
            .execute(&self.inner.pool)
            .await?;
        Ok(())
    }

    /// Sets a new password the caller has checked against the policy (hashed before any
    /// write) and records when.
    pub(crate) async fn replace_password(&self, id: &AccountId, password: &str) -> Fallible<()> {
        let hash = self.inner.hasher.hash(password).await?;
        let now = util::now_ms();
        sqlx::query("UPDATE accounts SET password_hash = $1, password_modified_at = $2, modified_at = $2 WHERE id = $3")
            .bind(hash)
            .bind(now)
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        self.inner.cache.invalidate(id);
        Ok(())
    }

    /// Marks an account ENABLED and VERIFIED.
    pub(crate) async fn mark_verified(&self, id: &AccountId) -> Fallible<()> {
        sqlx::query(
            "UPDATE accounts SET status = 'ENABLED', email_verification_status = 'VERIFIED', modified_at = $1 \
             WHERE id = $2 AND status = 'UNVERIFIED'",
        )
        .bind(util::now_ms())
        .bind(id.as_str())
        .execute(&self.inner.pool)
        .await?;
        self.inner.cache.invalidate(id);
        Ok(())
    }
}
