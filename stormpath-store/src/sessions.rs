//! Refresh-token rows and revocations: what the database remembers about issued tokens.

use sqlx::Row;
use stormpath_client::AccountId;

use crate::{Store, error::Fallible, token::RefreshClaims, util};

impl Store {
    /// Records an issued refresh token, so that revoking every token of its account finds it.
    pub(crate) async fn record_refresh_token(
        &self,
        account: &AccountId,
        claims: &RefreshClaims,
    ) -> Fallible<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (jti, account_id, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&claims.jti)
        .bind(account.as_str())
        .bind(claims.iat)
        .bind(claims.exp)
        .execute(&self.inner.pool)
        .await?;
        Ok(())
    }

    /// Revokes `jti`s (with their expiry, in seconds) in the database and in memory.
    pub(crate) async fn persist_revocations(&self, entries: &[(String, i64)]) -> Fallible<()> {
        for (jti, exp) in entries {
            sqlx::query(
                "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
            )
            .bind(jti)
            .bind(exp)
            .execute(&self.inner.pool)
            .await?;
            sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE jti = $1")
                .bind(jti)
                .execute(&self.inner.pool)
                .await?;
        }
        self.inner.tokens.mark_revoked(entries.iter().cloned());
        Ok(())
    }

    /// Voids every token of an account issued until now: earlier access tokens by their
    /// `iat`, live refresh tokens by revocation.
    pub(crate) async fn revoke_account_tokens(&self, id: &AccountId) -> Fallible<()> {
        let now = util::now_secs();
        sqlx::query("UPDATE accounts SET tokens_valid_after = $1 WHERE id = $2")
            .bind(now)
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT jti, expires_at FROM refresh_tokens WHERE account_id = $1 AND revoked = 0 AND expires_at > $2",
        )
        .bind(id.as_str())
        .bind(now)
        .fetch_all(&self.inner.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Fallible<Vec<(String, i64)>>>()?;
        self.persist_revocations(&entries).await?;
        self.inner.cache.invalidate(id);
        Ok(())
    }
}
