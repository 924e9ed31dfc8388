//! The tokens the REST server issued, as resources (rest-api.md §5.10): each kept with its JWT
//! in `oauth_tokens`; deleting the row revokes the token, and the `jti` also goes into
//! `revoked_tokens` so that the store's own checks (`refresh_tokens`) agree.

use sqlx::{Row, any::AnyRow};
use stormpath_client::{Error, Result, TokenKind};
use time::OffsetDateTime;

use super::query::{self, Bind, Columns, Kind, ListQuery, Page, Where};
use crate::{Store, error::Fallible, util};

/// An issued access or refresh token.
#[derive(Clone)]
pub struct TokenRecord {
    /// The token id (`jti`), the resource id.
    pub jti: String,
    /// Access or refresh.
    pub kind: TokenKind,
    /// The account it was issued to.
    pub account_id: String,
    /// The application that issued it.
    pub application_id: String,
    /// The compact JWT (a bearer secret: never logged).
    pub jwt: String,
    /// Its `exp`, in seconds since the Unix epoch.
    pub expires_at: i64,
    /// When it was issued.
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRecord")
            .field("jti", &self.jti)
            .field("kind", &self.kind)
            .field("account_id", &self.account_id)
            .field("application_id", &self.application_id)
            .field("jwt", &"***")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Token collections are paged and ordered by creation only.
const TOKEN_COLUMNS: Columns = &[("createdAt", "created_at", Kind::Time)];

/// `oauth_tokens` with its key named `id`, as the collection query expects.
const TOKEN_TABLE: &str = "(SELECT jti AS id, kind, account_id, application_id, jwt, \
     expires_at, created_at FROM oauth_tokens) t";

fn kind_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    }
}

fn read_token(row: &AnyRow) -> Fallible<TokenRecord> {
    let kind: String = row.try_get("kind")?;
    Ok(TokenRecord {
        jti: row.try_get("id")?,
        kind: if kind == "access" {
            TokenKind::Access
        } else {
            TokenKind::Refresh
        },
        account_id: row.try_get("account_id")?,
        application_id: row.try_get("application_id")?,
        jwt: row.try_get("jwt")?,
        expires_at: row.try_get("expires_at")?,
        created_at: util::from_ms(row.try_get("created_at")?),
    })
}

impl Store {
    /// An issued token of `kind` by its `jti` (`None` once revoked).
    ///
    /// # Errors
    /// A database failure.
    pub async fn token_record(&self, kind: TokenKind, jti: &str) -> Result<Option<TokenRecord>> {
        let row = sqlx::query(&format!(
            "SELECT * FROM {TOKEN_TABLE} WHERE id = $1 AND kind = $2"
        ))
        .bind(jti)
        .bind(kind_name(kind))
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(row.as_ref().map(read_token).transpose()?)
    }

    /// A page of an account's tokens of `kind`, oldest first, optionally only those one
    /// application issued.
    ///
    /// # Errors
    /// A database failure.
    pub async fn list_token_records(
        &self,
        account_id: &str,
        kind: TokenKind,
        application_id: Option<&str>,
        list: &ListQuery,
    ) -> Result<Page<TokenRecord>> {
        let mut filter = Where::default()
            .and("account_id = ?", [Bind::Text(account_id.to_owned())])
            .and("kind = ?", [Bind::Text(kind_name(kind).to_owned())]);
        if let Some(app) = application_id {
            filter = filter.and("application_id = ?", [Bind::Text(app.to_owned())]);
        }
        let found = query::page(
            &self.inner.pool,
            "*",
            TOKEN_TABLE,
            filter,
            TOKEN_COLUMNS,
            list,
        )
        .await?;
        query::map_page(found, read_token)
    }

    /// Revokes an issued token of `kind`: its row goes, and its `jti` is remembered as revoked
    /// until it expires. Returns what it was.
    ///
    /// # Errors
    /// [`Error::NotFound`] when there is no such token (or it was revoked already).
    pub async fn revoke_token_record(&self, kind: TokenKind, jti: &str) -> Result<TokenRecord> {
        let record = self.token_record(kind, jti).await?.ok_or(Error::NotFound)?;
        let mut tx = self.inner.pool.begin().await.map_err(Error::backend)?;
        let done = sqlx::query("DELETE FROM oauth_tokens WHERE jti = $1")
            .bind(jti)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound);
        }
        sqlx::query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(record.expires_at)
        .execute(&mut *tx)
        .await
        .map_err(Error::backend)?;
        sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE jti = $1")
            .bind(jti)
            .execute(&mut *tx)
            .await
            .map_err(Error::backend)?;
        tx.commit().await.map_err(Error::backend)?;
        self.announce_revoked(&[(jti.to_owned(), record.expires_at)])
            .await?;
        Ok(record)
    }

    /// Whether a `jti` was revoked (and has not expired since).
    ///
    /// # Errors
    /// A database failure.
    pub async fn token_revoked(&self, jti: &str) -> Result<bool> {
        let found = sqlx::query("SELECT 1 FROM revoked_tokens WHERE jti = $1 AND expires_at > $2")
            .bind(jti)
            .bind(util::now_secs())
            .fetch_optional(&self.inner.pool)
            .await
            .map_err(Error::backend)?;
        Ok(found.is_some())
    }

    /// Uses up the `jti` of a one-use grant token (the `stormpath_token` grant): `true` the
    /// first time, `false` when it was used before. The `jti` is kept, like a revoked token's,
    /// until `expires_at` (seconds), so every server sharing the database agrees.
    ///
    /// # Errors
    /// A database failure.
    pub async fn use_token_id(&self, jti: &str, expires_at: i64) -> Result<bool> {
        let done = sqlx::query(
            "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .bind(jti)
        .bind(expires_at)
        .execute(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(done.rows_affected() == 1)
    }
}
