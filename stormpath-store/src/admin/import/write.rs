//! Writing batches: one transaction per batch (the directory's existing emails and usernames
//! looked up in one query, missing groups created, accounts and memberships inserted with
//! multi-row statements), retried after a lost connection, and split into single lines when
//! the database refuses the batch so that its good lines are kept.

use std::collections::{HashMap, HashSet};

use sqlx::{Any, Row, Transaction};

use super::{ImportOptions, RETRIES, Rejected, prepare::Prepared};
use crate::{Dialect, Store, util};

/// What a batch did.
#[derive(Default)]
pub(super) struct Outcome {
    pub(super) imported: u64,
    pub(super) duplicates: u64,
    pub(super) rejected: Vec<Rejected>,
}

/// The database is out of reach (after the retries).
#[derive(Debug)]
pub(super) struct Lost(String);

impl std::fmt::Display for Lost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes batches into one directory, remembering the groups it has seen.
pub(super) struct Writer<'a> {
    store: &'a Store,
    directory_id: &'a str,
    options: &'a ImportOptions,
    /// Group name keys → ids, of groups known to exist (committed).
    groups: HashMap<String, String>,
}

/// The columns of one account row, in the insert's order.
const ACCOUNT_COLUMNS: usize = 16;

impl<'a> Writer<'a> {
    pub(super) fn new(store: &'a Store, directory_id: &'a str, options: &'a ImportOptions) -> Self {
        Self {
            store,
            directory_id,
            options,
            groups: HashMap::new(),
        }
    }

    /// Writes a batch; `Err` only when the database stayed out of reach.
    pub(super) async fn write(&mut self, batch: Vec<Prepared>) -> Result<Outcome, Lost> {
        match self.with_retries(&batch).await? {
            Ok(outcome) => Ok(outcome),
            Err(_) if batch.len() > 1 => {
                // Something in the batch was refused: each line on its own, so that only
                // the faulty ones are lost.
                let mut total = Outcome::default();
                for one in batch {
                    let line = one.line;
                    let single = [one];
                    match self.with_retries(&single).await? {
                        Ok(outcome) => {
                            total.imported += outcome.imported;
                            total.duplicates += outcome.duplicates;
                            total.rejected.extend(outcome.rejected);
                        }
                        Err(err) => total.rejected.push(Rejected {
                            line,
                            reason: format!("the database refused the account: {err}"),
                        }),
                    }
                }
                Ok(total)
            }
            Err(err) => Ok(Outcome {
                rejected: batch
                    .iter()
                    .map(|p| Rejected {
                        line: p.line,
                        reason: format!("the database refused the account: {err}"),
                    })
                    .collect(),
                ..Outcome::default()
            }),
        }
    }

    /// One attempt after another while the connection is the problem; the outer `Err` when
    /// it stays so, the inner one when the database refused the batch itself.
    async fn with_retries(
        &mut self,
        batch: &[Prepared],
    ) -> Result<Result<Outcome, sqlx::Error>, Lost> {
        let mut wait = self.options.backoff;
        let mut attempt = 0;
        loop {
            match self.attempt(batch).await {
                Ok((outcome, groups)) => {
                    self.groups.extend(groups);
                    return Ok(Ok(outcome));
                }
                Err(err) if is_transient(&err) => {
                    attempt += 1;
                    if attempt > RETRIES {
                        return Err(Lost(err.to_string()));
                    }
                    tracing::warn!(error = %err, attempt, "import batch failed; retrying");
                    tokio::time::sleep(wait).await;
                    wait = wait.saturating_mul(2);
                }
                Err(err) => return Ok(Err(err)),
            }
        }
    }

    /// One transaction for the batch: the new groups it created are returned, to be
    /// remembered only once committed.
    async fn attempt(
        &self,
        batch: &[Prepared],
    ) -> Result<(Outcome, HashMap<String, String>), sqlx::Error> {
        let mut conn = self.store.inner.pool.acquire().await?;
        if self.store.inner.dialect == Dialect::Sqlite {
            // In WAL mode NORMAL skips the fsync of each commit (the database stays
            // consistent; a power cut may lose the last batches). The import is idempotent,
            // so running it again restores them: one fsync per batch was most of its time.
            sqlx::query("PRAGMA synchronous = NORMAL")
                .execute(&mut *conn)
                .await?;
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        let (fresh, mut outcome) = self.classify(&mut tx, batch).await?;
        let groups = self.ensure_groups(&mut tx, &fresh).await?;
        insert_accounts(&mut tx, self.directory_id, &fresh).await?;
        let group_id = |key: &str| {
            groups
                .get(key)
                .or_else(|| self.groups.get(key))
                .map(String::as_str)
        };
        let memberships: Vec<(&str, &str)> = fresh
            .iter()
            .flat_map(|p| {
                p.groups
                    .iter()
                    .filter_map(|(_, key)| group_id(key).map(|g| (p.id.as_str(), g)))
            })
            .collect();
        insert_memberships(&mut tx, &memberships).await?;
        tx.commit().await?;
        outcome.imported = fresh.len() as u64;
        Ok((outcome, groups))
    }

    /// Splits the batch by what the directory holds already: the records to insert, and the
    /// duplicates and conflicts.
    async fn classify<'b>(
        &self,
        tx: &mut Transaction<'_, Any>,
        batch: &'b [Prepared],
    ) -> Result<(Vec<&'b Prepared>, Outcome), sqlx::Error> {
        let mut keys: Vec<&str> = Vec::with_capacity(batch.len() * 2);
        for p in batch {
            keys.push(&p.email_key);
            if p.username_key != p.email_key {
                keys.push(&p.username_key);
            }
        }
        let list = placeholders(2, keys.len());
        // Two indexed lookups: with `OR`, SQLite would scan the whole directory.
        let sql = format!(
            "SELECT email_key, username_key FROM accounts WHERE directory_id = $1 \
             AND email_key IN ({list}) UNION SELECT email_key, username_key FROM accounts \
             WHERE directory_id = $1 AND username_key IN ({list})"
        );
        let mut query = sqlx::query(&sql).bind(self.directory_id);
        for key in &keys {
            query = query.bind(*key);
        }
        let rows = query.fetch_all(&mut **tx).await?;
        let mut emails = HashSet::new();
        let mut usernames = HashSet::new();
        for row in rows {
            emails.insert(row.try_get::<String, _>(0)?);
            usernames.insert(row.try_get::<String, _>(1)?);
        }
        let mut outcome = Outcome::default();
        let mut fresh = Vec::with_capacity(batch.len());
        for p in batch {
            if emails.contains(&p.email_key) {
                outcome.duplicates += 1;
            } else if usernames.contains(&p.email_key) {
                outcome.rejected.push(Rejected {
                    line: p.line,
                    reason: format!(
                        "the email {} is the username of another account of the directory",
                        p.email
                    ),
                });
            } else if p.username_key != p.email_key
                && (emails.contains(&p.username_key) || usernames.contains(&p.username_key))
            {
                outcome.rejected.push(Rejected {
                    line: p.line,
                    reason: format!("username \"{}\" is taken in the directory", p.username),
                });
            } else {
                fresh.push(p);
            }
        }
        Ok((fresh, outcome))
    }

    /// Creates the batch's groups the directory lacks; the ids of those not known before.
    async fn ensure_groups(
        &self,
        tx: &mut Transaction<'_, Any>,
        fresh: &[&Prepared],
    ) -> Result<HashMap<String, String>, sqlx::Error> {
        let mut wanted: Vec<(&str, &str)> = Vec::new();
        for p in fresh {
            for (name, key) in &p.groups {
                if !self.groups.contains_key(key) && !wanted.iter().any(|(_, k)| k == key) {
                    wanted.push((name, key));
                }
            }
        }
        let mut found = HashMap::new();
        if wanted.is_empty() {
            return Ok(found);
        }
        let now = util::now_ms();
        for chunk in wanted.chunks(500) {
            let rows = (0..chunk.len())
                .map(|i| {
                    let b = 3 + i * 3;
                    format!("(${b}, $1, ${}, ${}, 'ENABLED', $2, $2)", b + 1, b + 2)
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO account_groups (id, directory_id, name, name_key, status, \
                 created_at, modified_at) VALUES {rows} \
                 ON CONFLICT (directory_id, name_key) DO NOTHING"
            );
            let mut query = sqlx::query(&sql).bind(self.directory_id).bind(now);
            for (name, key) in chunk {
                query = query.bind(util::new_id()).bind(*name).bind(*key);
            }
            query.execute(&mut **tx).await?;
            let sql = format!(
                "SELECT name_key, id FROM account_groups WHERE directory_id = $1 \
                 AND name_key IN ({})",
                placeholders(2, chunk.len())
            );
            let mut query = sqlx::query(&sql).bind(self.directory_id);
            for (_, key) in chunk {
                query = query.bind(*key);
            }
            for row in query.fetch_all(&mut **tx).await? {
                found.insert(row.try_get(0)?, row.try_get(1)?);
            }
        }
        Ok(found)
    }
}

/// `$first, $first+1, …` (`count` of them).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn insert_accounts(
    tx: &mut Transaction<'_, Any>,
    directory_id: &str,
    fresh: &[&Prepared],
) -> Result<(), sqlx::Error> {
    // At most 500 rows (8,000 bound values) per statement.
    for chunk in fresh.chunks(500) {
        let rows = (0..chunk.len())
            .map(|i| {
                let b = i * ACCOUNT_COLUMNS;
                let cols = (1..=ACCOUNT_COLUMNS)
                    .map(|c| format!("${}", b + c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({cols})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO accounts (id, directory_id, email, email_key, username, username_key, \
             given_name, middle_name, surname, status, email_verification_status, \
             password_hash, password_modified_at, custom_data, created_at, modified_at) \
             VALUES {rows}"
        );
        let mut query = sqlx::query(&sql);
        for p in chunk {
            query = query
                .bind(&p.id)
                .bind(directory_id)
                .bind(&p.email)
                .bind(&p.email_key)
                .bind(&p.username)
                .bind(&p.username_key)
                .bind(&p.given_name)
                .bind(&p.middle_name)
                .bind(&p.surname)
                .bind(p.status)
                .bind(p.verification)
                .bind(&p.password_hash)
                .bind(p.password_modified_at)
                .bind(&p.custom_data)
                .bind(p.created_at)
                .bind(p.created_at);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn insert_memberships(
    tx: &mut Transaction<'_, Any>,
    memberships: &[(&str, &str)],
) -> Result<(), sqlx::Error> {
    let now = util::now_ms();
    for chunk in memberships.chunks(1000) {
        let rows = (0..chunk.len())
            .map(|i| {
                let b = 2 + i * 3;
                format!("(${b}, ${}, ${}, $1)", b + 1, b + 2)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO group_memberships (id, account_id, group_id, created_at) VALUES {rows}"
        );
        let mut query = sqlx::query(&sql).bind(now);
        for (account, group) in chunk {
            query = query
                .bind(super::prepare::fast_id())
                .bind(*account)
                .bind(*group);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Whether a failure is the connection's (worth retrying the same batch) rather than the
/// batch's: I/O, a pool that cannot hand out a connection, PostgreSQL's connection and
/// shutdown classes (`08…`, `57P…`), SQLite's "database is locked".
fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08") || code.starts_with("57P") || crate::is_locked(err)
        }
        _ => false,
    }
}
