//! Single-use keys shared by every process on one database (a SAuthc1 nonce of the REST
//! server): the first use of a key within its lifetime wins, atomically, whichever process
//! sees it.

use std::time::Duration;

use stormpath_client::Result;

use crate::{Store, error::Fallible, util};

impl Store {
    /// Records the first use of `key` for `ttl`: `true` the first time, `false` for every use
    /// after it until `ttl` has passed — across all processes sharing the database (one
    /// insert on a unique key decides). The key is stored as its digest only.
    ///
    /// # Errors
    /// A database failure.
    pub async fn use_once(&self, key: &str, ttl: Duration) -> Result<bool> {
        Ok(self.claim_once(key, ttl).await?)
    }

    async fn claim_once(&self, key: &str, ttl: Duration) -> Fallible<bool> {
        let now = util::now_secs();
        let pool = &self.inner.pool;
        // Expired rows go first (an indexed range), so an expired key can be used again.
        sqlx::query("DELETE FROM used_once WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?;
        let ttl = i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX);
        let done = sqlx::query(
            "INSERT INTO used_once (key_digest, expires_at) VALUES ($1, $2) \
             ON CONFLICT (key_digest) DO NOTHING",
        )
        .bind(util::digest(key))
        .bind(now.saturating_add(ttl))
        .execute(pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
