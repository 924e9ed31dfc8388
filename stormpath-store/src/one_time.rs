//! One-time tokens: password reset and email verification links (`sptoken`).
//!
//! A token is 32 random bytes in base64url (256 bits, only `A–Z a–z 0–9 - _`), mailed once and
//! stored as its SHA-256 digest. It is bound to one account and one purpose, expires, is used
//! up by its first use, and a newer token of the same purpose voids the older ones.
//!
//! The store mails the links itself ([`AccountFlows`]): no raw token leaves it any other way.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Row;
use stormpath_client::{
    Account, AccountFlows, AccountId, AccountStatus, EmailKind, Error, Notice, Result, Sessions,
};

use crate::{Store, error::Fallible, mail::Email, util};

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
    /// Renders one of the store's emails with the configured templates and sends it to the
    /// account's address.
    ///
    /// # Errors
    /// [`Error::MailUnavailable`] when it could not be sent (the cause is logged, never
    /// shown); a back-end failure when a template is broken.
    pub(crate) async fn send_email(
        &self,
        kind: EmailKind,
        account: &Account,
        token: Option<&str>,
        ttl_ms: i64,
    ) -> Result<()> {
        let notice = Notice {
            kind,
            account,
            token,
            ttl_secs: u64::try_from(ttl_ms / 1000).unwrap_or(0),
        };
        let rendered = self.scope.email_templates.render(&notice)?;
        let email = Email {
            to: account.email.clone(),
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        };
        self.inner.mailer.send(&email).await.map_err(|err| {
            tracing::error!(error = %err, kind = ?kind, "mail not sent");
            Error::MailUnavailable
        })
    }

    /// How long a link of `purpose` lives by default, in milliseconds.
    pub(crate) fn default_ttl_ms(&self, purpose: Purpose) -> i64 {
        match purpose {
            Purpose::Reset => self.inner.reset_ttl_ms,
            Purpose::Verify => self.inner.verify_ttl_ms,
        }
    }

    /// Issues a link of `purpose` valid for `ttl_ms` and, when `mail`, mails it; a link that
    /// could not be sent is voided, so none is left half issued. Returns the token.
    pub(crate) async fn mail_link(
        &self,
        account: &Account,
        purpose: Purpose,
        ttl_ms: i64,
        mail: bool,
    ) -> Result<String> {
        let token = self.issue_one_time(&account.id, purpose, ttl_ms).await?;
        if !mail {
            return Ok(token);
        }
        let kind = match purpose {
            Purpose::Reset => EmailKind::PasswordReset,
            Purpose::Verify => EmailKind::EmailVerification,
        };
        if let Err(err) = self.send_email(kind, account, Some(&token), ttl_ms).await {
            self.void_one_time(&account.id, purpose).await?;
            return Err(err);
        }
        Ok(token)
    }

    /// Mails a verification link to an account just created UNVERIFIED.
    pub(crate) async fn send_verification(&self, account: &Account) -> Result<()> {
        let ttl = self.default_ttl_ms(Purpose::Verify);
        self.mail_link(account, Purpose::Verify, ttl, true)
            .await
            .map(drop)
    }

    /// Issues a token for the account valid for `ttl` milliseconds, voiding its earlier ones
    /// of the same purpose.
    async fn issue_one_time(&self, id: &AccountId, purpose: Purpose, ttl: i64) -> Fallible<String> {
        let token = util::random_token(32);
        let now = util::now_ms();
        let mut tx = self.inner.pool.begin().await?;
        sqlx::query("DELETE FROM one_time_tokens WHERE account_id = $1 AND purpose = $2")
            .bind(id.as_str())
            .bind(purpose.as_str())
            .execute(&mut *tx)
            .await?;
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

#[async_trait]
impl AccountFlows for Store {
    async fn send_password_reset(&self, email: &str) -> Result<()> {
        match self.find_email(email).await? {
            Some(account) if account.status == AccountStatus::Enabled => {
                let ttl = self.default_ttl_ms(Purpose::Reset);
                self.mail_link(&account, Purpose::Reset, ttl, true).await?;
                tracing::info!(account = %account.href, "password reset requested");
                Ok(())
            }
            _ => Ok(()),
        }
    }

    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>> {
        Ok(self.peek_one_time(token, Purpose::Reset).await?)
    }

    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account> {
        // The token first (spec §10.5), then the policy, then the one write that uses it up.
        let account = self.peek_one_time(token, Purpose::Reset).await?;
        crate::check_strength(&self.strength_of(&account.id).await?, password)?;
        self.consume_one_time(token, Purpose::Reset, &account.id)
            .await?;
        self.replace_password(&account.id, password).await?;
        self.void_one_time(&account.id, Purpose::Reset).await?;
        self.revoke_all_tokens(&account.id).await?;
        self.revoke_api_keys(&account.id).await?;
        // Proving control of the mailbox empties the login's failure buckets.
        let logins = [&account.email, &account.username].map(|l| crate::email::canonical(l));
        self.throttle()
            .password_reset(&logins.each_ref().map(String::as_str), None)
            .await?;
        self.cached(&account.id)
            .await?
            .map(|c| (*c.account).clone())
            .ok_or(Error::NotFound)
    }

    async fn resend_verification_email(&self, email: &str) -> Result<()> {
        match self.find_email(email).await? {
            Some(account) if account.status == AccountStatus::Unverified => {
                let ttl = self.default_ttl_ms(Purpose::Verify);
                self.mail_link(&account, Purpose::Verify, ttl, true)
                    .await
                    .map(drop)
            }
            _ => Ok(()),
        }
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
