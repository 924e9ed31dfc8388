//! The mail outbox: every email the store sends is a row of `mail_outbox`, written in the
//! transaction of the one-time token it carries, and delivered by a background
//! [`sender`] (one per store), so that
//!
//! * no request talks to the mail server: a known and an unknown address cost the same, and a
//!   failing mail server cannot tell them apart (security ENUM-3);
//! * a mail server outage loses nothing: rows wait, retried with exponential backoff, until it
//!   answers (or [`MailPolicy::give_up_after`]);
//! * each address gets at most [`MailPolicy::cap_per_address`] reset mails, and as many
//!   verification mails, per [`MailPolicy::cap_window`]; over the cap the request answers as
//!   usual and nothing is queued.
//!
//! A request for an address that gets no mail (unknown, disabled, already verified) renders
//! the same mail for a stand-in and writes a `dropped` row in the same kind of transaction, so
//! both paths run the same queries; the dropped rows count towards the cap like real ones, so
//! the cap cannot tell them apart either. Rows are pruned once older than the cap window (and
//! a day at least); delivered and abandoned rows keep no body, since bodies carry tokens.

pub(crate) mod sender;

use std::time::Duration;

use sqlx::{Any, Transaction};
use stormpath_client::{Account, AccountId, AccountStatus, EmailKind, Notice, Result};
use time::OffsetDateTime;

use crate::{Store, error::Fallible, mail::Email, util};

/// How the store's outbox caps and delivers mail ([`StoreBuilder::mail_policy`](crate::StoreBuilder::mail_policy)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailPolicy {
    /// At most this many password-reset mails, and as many verification mails, per address
    /// and [`cap_window`](Self::cap_window) (default 5). The verification mail of a new
    /// registration is not capped.
    pub cap_per_address: u32,
    /// The sliding window of the caps (default one hour).
    pub cap_window: Duration,
    /// The wait before the first retry of a mail the server did not take (default 1 s); each
    /// further retry waits twice as long, up to [`retry_max`](Self::retry_max).
    pub retry_first: Duration,
    /// The longest wait between two attempts (default 60 s).
    pub retry_max: Duration,
    /// A mail still not delivered this long after it was queued is abandoned (default 3
    /// days, beyond the 24 h of the links it carries).
    pub give_up_after: Duration,
    /// How often the sender looks for rows queued by other instances or due for a retry
    /// (default 500 ms; mails queued by this instance wake it at once).
    pub poll_interval: Duration,
    /// Whether the store mails the security notices it adds: after a password reset and
    /// after a new API key (default on; the REST server, whose directories decide, turns them
    /// off). The notice after a password change is always sent.
    pub security_notices: bool,
}

impl Default for MailPolicy {
    fn default() -> Self {
        Self {
            cap_per_address: 5,
            cap_window: Duration::from_secs(3600),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            give_up_after: Duration::from_secs(3 * 24 * 3600),
            poll_interval: Duration::from_millis(500),
            security_notices: true,
        }
    }
}

impl MailPolicy {
    /// The wait before attempt `attempts + 1` of a mail that failed `attempts` times (≥ 1):
    /// `retry_first × 2^(attempts − 1)`, at most `retry_max`.
    #[must_use]
    pub fn backoff(&self, attempts: u32) -> Duration {
        let doubling = 2u32.saturating_pow(attempts.saturating_sub(1));
        self.retry_first
            .saturating_mul(doubling)
            .min(self.retry_max)
    }
}

/// What a queued mail is, for the caps: each class has its own count per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MailClass {
    Reset,
    Verify,
    Notice,
}

impl MailClass {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reset => "reset",
            Self::Verify => "verify",
            Self::Notice => "notice",
        }
    }

    fn of(kind: EmailKind) -> Self {
        match kind {
            EmailKind::PasswordReset => Self::Reset,
            EmailKind::EmailVerification => Self::Verify,
            _ => Self::Notice,
        }
    }
}

/// The key the caps count by: the SHA-256 of the canonical address (no address of a
/// stranger is stored).
pub(crate) fn address_key(email: &str) -> String {
    util::digest(&crate::email::canonical(email))
}

/// An account that stands in for an address that gets no mail, so that its mail is rendered
/// all the same.
pub(crate) fn stand_in(email: &str) -> Account {
    Account {
        href: String::new(),
        id: AccountId(String::new()),
        username: email.to_owned(),
        email: email.to_owned(),
        given_name: None,
        middle_name: None,
        surname: None,
        full_name: String::new(),
        status: AccountStatus::Enabled,
        created_at: OffsetDateTime::UNIX_EPOCH,
        modified_at: OffsetDateTime::UNIX_EPOCH,
        email_verification_status: None,
        password_modified_at: None,
    }
}

impl Store {
    /// Renders one of the store's emails with this handle's templates.
    ///
    /// # Errors
    /// A back-end failure when a template is broken.
    pub(crate) fn render_email(
        &self,
        kind: EmailKind,
        account: &Account,
        token: Option<&str>,
        ttl_ms: i64,
    ) -> Result<Email> {
        let notice = Notice {
            kind,
            account,
            token,
            ttl_secs: u64::try_from(ttl_ms / 1000).unwrap_or(0),
        };
        let rendered = self.scope.email_templates.render(&notice)?;
        Ok(Email {
            to: account.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        })
    }

    /// Whether `key` may be sent another mail of `class` now: fewer than the cap were queued
    /// (or dropped) for it within the window.
    pub(crate) async fn under_cap(&self, key: &str, class: MailClass) -> Fallible<bool> {
        let policy = &self.inner.mail_policy;
        let since = util::now_ms().saturating_sub(millis(policy.cap_window));
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM mail_outbox WHERE address_key = $1 AND kind = $2 \
             AND created_at > $3",
        )
        .bind(key)
        .bind(class.as_str())
        .bind(since)
        .fetch_one(&self.inner.pool)
        .await?;
        Ok(count < i64::from(policy.cap_per_address))
    }

    /// Queues `email` (or, when `None`, records a dropped request for `key`) in `tx`;
    /// `link_expires_at` (milliseconds) is when the link it carries expires, if it has one
    /// (a mail still waiting then is voided unsent).
    pub(crate) async fn enqueue_in(
        &self,
        tx: &mut Transaction<'_, Any>,
        key: &str,
        class: MailClass,
        email: Option<&Email>,
        link_expires_at: Option<i64>,
    ) -> Fallible<()> {
        let now = util::now_ms();
        let (state, to, subject, text, html) = match email {
            Some(e) => ("queued", &*e.to, &*e.subject, &*e.text, &*e.html),
            None => ("dropped", "", "", "", ""),
        };
        sqlx::query(
            "INSERT INTO mail_outbox (id, address_key, kind, state, recipient, subject, \
             body_text, body_html, next_attempt_at, created_at, link_expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(util::new_id())
        .bind(key)
        .bind(class.as_str())
        .bind(state)
        .bind(to)
        .bind(subject)
        .bind(text)
        .bind(html)
        .bind(now)
        .bind(link_expires_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Renders and queues a notice (no token) to the account; the sender is woken.
    ///
    pub(crate) async fn queue_notice(&self, kind: EmailKind, account: &Account) -> Fallible<()> {
        let email = self.render_email(kind, account, None, 0)?;
        let mut tx = self.inner.pool.begin().await?;
        self.enqueue_in(
            &mut tx,
            &address_key(&account.email),
            MailClass::of(kind),
            Some(&email),
            None,
        )
        .await?;
        tx.commit().await?;
        self.inner.mail_sender.wake();
        Ok(())
    }

    /// Queues a security notice when the policy asks for them; a notice that cannot be
    /// queued is logged and does not undo what it reports.
    pub(crate) async fn security_notice(&self, kind: EmailKind, account: &Account) {
        if !self.inner.mail_policy.security_notices {
            return;
        }
        if let Err(err) = self.queue_notice(kind, account).await {
            let err = stormpath_client::Error::from(err);
            tracing::warn!(account = %account.href, error = %err, kind = ?kind, "notice not queued");
        }
    }

    /// The mails still waiting in the outbox (queued, not yet delivered), for tests and
    /// operators.
    ///
    /// # Errors
    /// A database failure.
    pub async fn pending_mail(&self) -> Result<i64> {
        let count: Fallible<i64> =
            sqlx::query_scalar("SELECT COUNT(*) FROM mail_outbox WHERE state = 'queued'")
                .fetch_one(&self.inner.pool)
                .await
                .map_err(Into::into);
        Ok(count?)
    }
}

/// A duration in milliseconds, as the tables keep time.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_first_wait_up_to_the_cap() {
        let policy = MailPolicy::default();
        let waits: Vec<u64> = (1..=9).map(|n| policy.backoff(n).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.backoff(u32::MAX), policy.retry_max);
    }
}
