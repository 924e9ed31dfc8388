//! The outbox's background sender: one task per store (not per handle), started by
//! [`StoreBuilder::build`](crate::StoreBuilder::build) and stopped with the store.
//!
//! Each round claims up to [`BATCH`] due rows with one atomic `UPDATE` (on PostgreSQL its
//! subquery takes the rows `FOR UPDATE SKIP LOCKED`, and the outer `WHERE` re-checks the
//! claim, so instances sharing a database never send one mail twice; SQLite has one writer),
//! sends them one by one through the store's [`Mailer`], and marks each sent (its body
//! cleared) or, when the transport failed, due again after the policy's backoff. The first
//! transport failure of a round ends it, so a mail server that is down costs one attempt per
//! round, not one per waiting mail. A claim is a lease: rows held by a sender that died are
//! taken by another once it ends.
//!
//! Rounds run at once when this instance queues a mail ([`MailSender::wake`]) and every
//! [`MailPolicy::poll_interval`] otherwise (mails queued by other instances, retries due).

use std::sync::Arc;
use std::time::Duration;

use sqlx::{AnyPool, Row};
use tokio::{sync::Notify, task::JoinHandle, time::Instant};

use super::{MailPolicy, millis};
use crate::{
    db::Dialect,
    mail::{Email, MailError, Mailer, SMTP_SEND_TIMEOUT},
    util,
};

/// At most this many rows are claimed per round.
pub(crate) const BATCH: i64 = 10;

/// How often delivered, dropped and abandoned rows older than the cap window are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Delivered rows stay at least this long (they are what the caps count).
const KEEP_AT_LEAST: Duration = Duration::from_secs(24 * 3600);

/// The store's sender task; dropping it stops the task.
pub(crate) struct MailSender {
    wake: Arc<Notify>,
    task: JoinHandle<()>,
}

impl Drop for MailSender {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl MailSender {
    /// Starts the task on the current runtime.
    pub(crate) fn start(
        pool: AnyPool,
        dialect: Dialect,
        mailer: Mailer,
        policy: MailPolicy,
    ) -> Self {
        let wake = Arc::new(Notify::new());
        let sender = Sender {
            pool,
            dialect,
            mailer,
            policy,
        };
        let task = tokio::spawn(sender.run(Arc::clone(&wake)));
        Self { wake, task }
    }

    /// Starts a round now (a mail was just queued).
    pub(crate) fn wake(&self) {
        self.wake.notify_one();
    }
}

/// One claimed row.
struct Claimed {
    id: String,
    email: Email,
    attempts: i64,
    created_at: i64,
}

/// What became of one attempt.
enum Outcome {
    Sent,
    /// The mail can never be sent (a malformed address), or has waited too long.
    Abandoned,
    /// The transport failed; try again later.
    Retry,
}

struct Sender {
    pool: AnyPool,
    dialect: Dialect,
    mailer: Mailer,
    policy: MailPolicy,
}

impl Sender {
    async fn run(self, wake: Arc<Notify>) {
        let mut pruned = Instant::now();
        self.prune().await;
        loop {
            if let Err(err) = self.round().await {
                tracing::debug!(error = %err, "mail outbox round failed; retrying");
            }
            if pruned.elapsed() >= PRUNE_EVERY {
                pruned = Instant::now();
                self.prune().await;
            }
            tokio::select! {
                () = wake.notified() => {}
                () = tokio::time::sleep(self.policy.poll_interval) => {}
            }
        }
    }

    /// Claims the due rows and sends them; stops at the first transport failure.
    async fn round(&self) -> Result<(), sqlx::Error> {
        let claim = util::new_id();
        let now = util::now_ms();
        // A link that expired while its mail waited could never work: it is not sent, and
        // its token leaves the database.
        sqlx::query(
            "UPDATE mail_outbox SET state = 'void', recipient = '', subject = '', \
             body_text = '', body_html = '' \
             WHERE state = 'queued' AND link_expires_at <= $1 AND claimed_until <= $1",
        )
        .bind(now)
        .execute(&self.pool)
        .await?;
        let lease = millis(SMTP_SEND_TIMEOUT)
            .saturating_mul(BATCH)
            .saturating_add(60_000);
        let skip_locked = match self.dialect {
            Dialect::Postgres => " FOR UPDATE SKIP LOCKED",
            Dialect::Sqlite => "",
        };
        let due = "state = 'queued' AND claimed_until <= $3 AND next_attempt_at <= $3";
        let sql = format!(
            "UPDATE mail_outbox SET claimed_by = $1, claimed_until = $2 WHERE {due} AND id IN \
             (SELECT id FROM mail_outbox WHERE {due} ORDER BY next_attempt_at LIMIT $4{skip_locked})"
        );
        let claimed = sqlx::query(&sql)
            .bind(&claim)
            .bind(now.saturating_add(lease))
            .bind(now)
            .bind(BATCH)
            .execute(&self.pool)
            .await?;
        if claimed.rows_affected() == 0 {
            return Ok(());
        }
        let rows = sqlx::query(
            "SELECT id, recipient, subject, body_text, body_html, attempts, created_at \
             FROM mail_outbox WHERE claimed_by = $1 AND state = 'queued' ORDER BY next_attempt_at",
        )
        .bind(&claim)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let mail = Claimed {
                id: row.try_get(0)?,
                email: Email {
                    to: row.try_get(1)?,
                    subject: row.try_get(2)?,
                    text: row.try_get(3)?,
                    html: row.try_get(4)?,
                },
                attempts: row.try_get(5)?,
                created_at: row.try_get(6)?,
            };
            if let Outcome::Retry = self.deliver(&claim, &mail).await? {
                break;
            }
        }
        // Whatever this round did not get to is due again at once.
        sqlx::query(
            "UPDATE mail_outbox SET claimed_by = NULL, claimed_until = 0 \
             WHERE claimed_by = $1 AND state = 'queued'",
        )
        .bind(&claim)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sends one claimed mail and records the outcome.
    async fn deliver(&self, claim: &str, mail: &Claimed) -> Result<Outcome, sqlx::Error> {
        let outcome = match self.mailer.send(&mail.email).await {
            Ok(()) => Outcome::Sent,
            Err(MailError::InvalidAddress(reason)) => {
                tracing::warn!(%reason, "mail abandoned: it can never be sent");
                Outcome::Abandoned
            }
            Err(err) => {
                let age = util::now_ms().saturating_sub(mail.created_at);
                if age >= millis(self.policy.give_up_after) {
                    tracing::error!(error = %err, attempts = mail.attempts + 1, "mail abandoned after retrying for too long");
                    Outcome::Abandoned
                } else {
                    Outcome::Retry
                }
            }
        };
        let now = util::now_ms();
        let done = "recipient = '', subject = '', body_text = '', body_html = '', \
                    claimed_by = NULL, claimed_until = 0";
        match outcome {
            Outcome::Sent | Outcome::Abandoned => {
                let state = if matches!(outcome, Outcome::Sent) {
                    "sent"
                } else {
                    "failed"
                };
                sqlx::query(&format!(
                    "UPDATE mail_outbox SET state = $1, sent_at = $2, attempts = attempts + 1, \
                     {done} WHERE id = $3 AND claimed_by = $4"
                ))
                .bind(state)
                .bind(now)
                .bind(&mail.id)
                .bind(claim)
                .execute(&self.pool)
                .await?;
            }
            Outcome::Retry => {
                let attempts = u32::try_from(mail.attempts.saturating_add(1)).unwrap_or(u32::MAX);
                let wait = millis(self.policy.backoff(attempts));
                sqlx::query(
                    "UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = $1, \
                     claimed_by = NULL, claimed_until = 0 WHERE id = $2 AND claimed_by = $3",
                )
                .bind(now.saturating_add(wait))
                .bind(&mail.id)
                .bind(claim)
                .execute(&self.pool)
                .await?;
                tracing::info!(
                    attempts,
                    retry_in_ms = wait,
                    "mail not delivered yet; it stays queued"
                );
            }
        }
        Ok(outcome)
    }

    /// Deletes the rows no cap counts any more and that wait for nothing.
    async fn prune(&self) {
        let keep = millis(self.policy.cap_window.max(KEEP_AT_LEAST));
        let before = util::now_ms().saturating_sub(keep);
        if let Err(err) =
            sqlx::query("DELETE FROM mail_outbox WHERE state <> 'queued' AND created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await
        {
            tracing::debug!(error = %err, "old outbox rows not pruned");
        }
    }
}
