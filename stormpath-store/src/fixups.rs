//! One-time rewrites of stored data that SQL alone cannot compute, run after the migrations
//! and recorded in `store_fixups` once complete (several processes opening the store at once
//! may both run one: each step is idempotent).

use sqlx::{AnyPool, Row};

use crate::{Result, db::Dialect, email, util};

/// The canonical key gained the IDNA ASCII form of an address's domain (INJ-4): accounts
/// whose email or username key holds a character beyond ASCII get their keys computed again.
const IDNA_ACCOUNT_KEYS: &str = "idna_account_keys";

/// Runs every fixup not yet recorded.
pub(crate) async fn run(pool: &AnyPool, dialect: Dialect) -> Result<()> {
    if done(pool, IDNA_ACCOUNT_KEYS).await? {
        return Ok(());
    }
    // Only a key with a non-ASCII character can change: the others are their own IDNA form.
    let beyond_ascii = |column: &str| match dialect {
        Dialect::Sqlite => format!("length({column}) <> length(CAST({column} AS BLOB))"),
        Dialect::Postgres => format!("length({column}) <> octet_length({column})"),
    };
    let rows = sqlx::query(&format!(
        "SELECT id, email, username, email_key, username_key FROM accounts WHERE {} OR {}",
        beyond_ascii("email_key"),
        beyond_ascii("username_key")
    ))
    .fetch_all(pool)
    .await?;
    for row in rows {
        let id: String = row.try_get("id")?;
        let keys = (
            email::canonical(&row.try_get::<String, _>("email")?),
            email::canonical(&row.try_get::<String, _>("username")?),
        );
        if keys
            == (
                row.try_get::<String, _>("email_key")?,
                row.try_get::<String, _>("username_key")?,
            )
        {
            continue;
        }
        let updated =
            sqlx::query("UPDATE accounts SET email_key = $1, username_key = $2 WHERE id = $3")
                .bind(&keys.0)
                .bind(&keys.1)
                .bind(&id)
                .execute(pool)
                .await;
        match updated {
            Ok(_) => {}
            // Two accounts that were told apart only by the spelling of their domain: the
            // first keeps the shared key, this one its old key (its owner logs in with the
            // old spelling no more, and resets the password by it).
            Err(err) if util::is_unique_violation(&err) => {
                tracing::warn!(account = %id, "an account's email or username is now the same as another account's in its directory (their domains differ only in IDNA form): it keeps its old key");
            }
            Err(err) => return Err(err.into()),
        }
    }
    sqlx::query("INSERT INTO store_fixups (name) VALUES ($1) ON CONFLICT (name) DO NOTHING")
        .bind(IDNA_ACCOUNT_KEYS)
        .execute(pool)
        .await?;
    Ok(())
}

async fn done(pool: &AnyPool, name: &str) -> Result<bool> {
    Ok(sqlx::query("SELECT 1 FROM store_fixups WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await?
        .is_some())
}
