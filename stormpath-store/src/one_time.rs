//! One-time tokens: password reset and email verification links (`sptoken`).
//!
//! A token is 32 random bytes in base64url (256 bits, only `A–Z a–z 0–9 - _`), mailed once and
//! stored as its SHA-256 digest. It is bound to one account and one purpose, expires, is used
//! up by its first use, and a newer token of the same purpose voids the older ones.
//!
//! The store mails the links itself ([`AccountFlows`]), through the outbox (`outbox/`): the
//! mail is queued in the token's own transaction. No raw token leaves it any other way.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::{Any, Row, Transaction};
use stormpath_client::{Account, AccountFlows, AccountId, AccountStatus, EmailKind, Error, Result};

use crate::{
    Store,
    error::Fallible,
    mail::Email,
    outbox::{self, MailClass, address_key},
    util,
};

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

    fn email_kind(self) -> EmailKind {
        match self {
            Self::Reset => EmailKind::PasswordReset,
            Self::Verify => EmailKind::EmailVerification,
        }
    }

    fn class(self) -> MailClass {
        match self {
            Self::Reset => MailClass::Reset,
            Self::Verify => MailClass::Verify,
        }
    }
}

impl Store {
    /// How long a link of `purpose` lives by default, in milliseconds.
    pub(crate) fn default_ttl_ms(&self, purpose: Purpose) -> i64 {
        match purpose {
            Purpose::Reset => self.inner.reset_ttl_ms,
            Purpose::Verify => self.inner.verify_ttl_ms,
        }
    }

    /// Issues a link of `purpose` valid for `ttl_ms` and, when `mail`, queues its mail in the
    /// same transaction (subject to the per-address cap, unless `capped` is false: a link
    /// over the cap is issued unmailed). Returns the token.
    pub(crate) async fn mail_link(
        &self,
        account: &Account,
        purpose: Purpose,
        ttl_ms: i64,
        mail: bool,
    ) -> Result<String> {
        let key = address_key(&account.email);
        let mail = mail && self.under_cap(&key, purpose.class()).await?;
        if !mail {
            return Ok(self
                .issue_one_time(&account.id, purpose, ttl_ms, None)
                .await?);
        }
        let token = util::random_token(32);
        let email = self.render_email(purpose.email_kind(), account, Some(&token), ttl_ms)?;
        self.issue_one_time(&account.id, purpose, ttl_ms, Some((&token, &key, &email)))
            .await?;
        Ok(token)
    }

    /// Mails a verification link to an account just created UNVERIFIED (not capped: the
    /// registration itself is the request).
    pub(crate) async fn send_verification(&self, account: &Account) -> Result<()> {
        let ttl = self.default_ttl_ms(Purpose::Verify);
        let token = util::random_token(32);
        let key = address_key(&account.email);
        let email = self.render_email(EmailKind::EmailVerification, account, Some(&token), ttl)?;
        self.issue_one_time(
            &account.id,
            Purpose::Verify,
            ttl,
            Some((&token, &key, &email)),
        )
        .await?;
        Ok(())
    }

    /// A reset or verification link asked for by address (`/forgot`, verification resend):
    /// `account` is the account that gets it, if any. Both paths do the same work — the cap
    /// query, the mail rendered (for a stand-in when no one gets it), one transaction that
    /// voids the account's earlier links and writes an outbox row (`dropped` when no one gets
    /// it) — and answer the same, over the cap too.
    async fn request_link(
        &self,
        address: &str,
        account: Option<&Account>,
        purpose: Purpose,
    ) -> Fallible<()> {
        let key = address_key(address);
        if !self.under_cap(&key, purpose.class()).await? {
            tracing::info!(
                purpose = purpose.as_str(),
                "mail cap reached for an address: nothing queued"
            );
            return Ok(());
        }
        let ttl = self.default_ttl_ms(purpose);
        let token = util::random_token(32);
        let stand_in;
        let recipient = match account {
            Some(account) => account,
            None => {
                stand_in = outbox::stand_in(address);
                &stand_in
            }
        };
        let email = self.render_email(purpose.email_kind(), recipient, Some(&token), ttl)?;
        match account {
            Some(account) => self
                .issue_one_time(&account.id, purpose, ttl, Some((&token, &key, &email)))
                .await
                .map(drop),
            None => {
                let mut tx = self.inner.pool.begin().await?;
                void_in(&mut tx, "", purpose).await?;
                self.enqueue_in(&mut tx, &key, purpose.class(), None, None)
                    .await?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Issues a token for the account valid for `ttl` milliseconds, voiding its earlier ones
    /// of the same purpose; with `mail` (the token, its address key and its rendered mail),
    /// queues the mail in the same transaction and wakes the sender.
    async fn issue_one_time(
        &self,
        id: &AccountId,
        purpose: Purpose,
        ttl: i64,
        mail: Option<(&str, &str, &Email)>,
    ) -> Fallible<String> {
        let token = mail.map_or_else(|| util::random_token(32), |(t, _, _)| t.to_owned());
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await?;
        void_in(&mut tx, id.as_str(), purpose).await?;
        // Verification tokens are shown on the account by the REST server: sealed, when the
        // store seals (bound to the account id).
        let sealed = match (purpose, &self.inner.sealer) {
            (Purpose::Verify, Some(sealer)) => sealer.seal(id.as_str(), &token),
            _ => None,
        };
        sqlx::query(
            "INSERT INTO one_time_tokens (digest, account_id, purpose, expires_at, created_at, \
             token_sealed) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(util::digest(&token))
        .bind(id.as_str())
        .bind(purpose.as_str())
        .bind(now.saturating_add(ttl))
        .bind(now)
        .bind(sealed)
        .execute(&mut *tx)
        .await?;
        if let Some((_, key, email)) = mail {
            let expires = Some(now.saturating_add(ttl));
            self.enqueue_in(&mut tx, key, purpose.class(), Some(email), expires)
                .await?;
        }
        tx.commit().await?;
        if mail.is_some() {
            self.inner.mail_sender.wake();
        }
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
        self.forget_account(id).await?;
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
        self.forget_account(id).await?;
        Ok(())
    }
}

/// Voids every token of `purpose` of the account `id` in `tx`.
async fn void_in(tx: &mut Transaction<'_, Any>, id: &str, purpose: Purpose) -> Fallible<()> {
    sqlx::query("DELETE FROM one_time_tokens WHERE account_id = $1 AND purpose = $2")
        .bind(id)
        .bind(purpose.as_str())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[async_trait]
impl AccountFlows for Store {
    async fn send_password_reset(&self, email: &str) -> Result<()> {
        let found = self.find_email(email).await?;
        let account = found.filter(|a| a.status == AccountStatus::Enabled);
        self.request_link(email, account.as_deref(), Purpose::Reset)
            .await?;
        if let Some(account) = &account {
            tracing::info!(account = %account.href, "password reset requested");
        }
        Ok(())
    }

    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>> {
        Ok(self.peek_one_time(token, Purpose::Reset).await?)
    }

    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account> {
        // The token first (spec §10.5), then the policy, then the one write that uses it up.
        let account = self.peek_one_time(token, Purpose::Reset).await?;
        self.check_password(
            &self.strength_of(&account.id).await?,
            password,
            crate::PasswordContext::of(&account),
        )
        .await?;
        self.consume_one_time(token, Purpose::Reset, &account.id)
            .await?;
        self.replace_password(&account.id, password).await?;
        self.end_credentials(&account.id).await?;
        self.security_notice(EmailKind::PasswordChanged, &account)
            .await;
        // Proving control of the mailbox empties the login's failure buckets.
        self.throttle()
            .password_reset(&[account.email.as_str(), account.username.as_str()], None)
            .await?;
        self.cached(&account.id)
            .await?
            .map(|c| (*c.account).clone())
            .ok_or(Error::NotFound)
    }

    async fn resend_verification_email(&self, email: &str) -> Result<()> {
        let found = self.find_email(email).await?;
        let account = found.filter(|a| a.status == AccountStatus::Unverified);
        Ok(self
            .request_link(email, account.as_deref(), Purpose::Verify)
            .await?)
    }

    async fn verify_email(&self, token: &str) -> Result<Account> {
        let account = self.peek_one_time(token, Purpose::Verify).await?;
        self.consume_one_time(token, Purpose::Verify, &account.id)
            .await?;
        self.mark_verified(&account.id).await?;
        self.cached(&account.id)
            .await?
            .map(|c| (*c.account).clone())
            .ok_or(Error::NotFound)
    }
}
