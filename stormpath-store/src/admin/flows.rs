//! What the REST server needs of the one-time flows (rest-api.md §6.6, §6.7) and of logins
//! beyond the [`AccountFlows`](stormpath_client::AccountFlows) trait: the API hands the
//! password-reset token to its caller (the token's href), the token lives as long as the
//! directory's `resetTokenTtl` says, and whether a mail goes out is the directory's choice.
//! Tokens are still stored as digests only; the embedded plugin's path never sees one.

use stormpath_client::{Account, EmailKind, Error, Result};

use crate::{Store, one_time::Purpose};

impl Store {
    /// The account a login (email or username) names in this handle's stores: the
    /// application's mapped directories in `listIndex` order (an email match first), or the
    /// one directory it is [restricted to](Store::restricted_to).
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_by_login(&self, login: &str) -> Result<Option<Account>> {
        if login.trim().is_empty() {
            return Ok(None);
        }
        Ok(self.find_login(login).await?.map(|(account, _)| account))
    }

    /// Issues a password-reset token for `account`, valid for `ttl_hours`, voiding its earlier
    /// ones, and, when `mail`, queues the link rendered by this handle's
    /// [email templates](Store::with_email_templates) in the same transaction (unless the
    /// address has had its [cap](crate::MailPolicy) of reset mails). Returns the token for
    /// the REST caller.
    ///
    /// # Errors
    /// A broken template; a database failure.
    pub async fn issue_password_reset(
        &self,
        account: &Account,
        ttl_hours: i64,
        mail: bool,
    ) -> Result<String> {
        let ttl = ttl_hours.clamp(1, 168).saturating_mul(3_600_000);
        self.mail_link(account, Purpose::Reset, ttl, mail).await
    }

    /// Issues an email-verification token for `account` (voiding its earlier ones) and queues
    /// the link rendered by this handle's [email templates](Store::with_email_templates)
    /// (unless the address has had its [cap](crate::MailPolicy) of verification mails).
    ///
    /// # Errors
    /// A broken template; a database failure.
    pub async fn mail_verification(&self, account: &Account) -> Result<()> {
        let ttl = self.default_ttl_ms(Purpose::Verify);
        self.mail_link(account, Purpose::Verify, ttl, true)
            .await
            .map(drop)
    }

    /// Queues a notice that carries no link (the password-changed notice that follows a reset
    /// when the directory's `resetSuccessEmailStatus` is ENABLED).
    ///
    /// # Errors
    /// `Validation` for a kind that needs a link; a broken template; a database failure.
    pub async fn mail_notice(&self, account: &Account, kind: EmailKind) -> Result<()> {
        if matches!(
            kind,
            EmailKind::PasswordReset | EmailKind::EmailVerification
        ) {
            return Err(stormpath_client::Invalid::general(
                stormpath_client::InvalidKind::Other,
                "this email carries a link: issue it with its flow",
            )
            .into());
        }
        Ok(self.queue_notice(kind, account).await?)
    }

    /// Whether the account can log in to the application: its directory is one of the
    /// application's account stores.
    ///
    /// # Errors
    /// A database failure.
    pub async fn account_reachable(&self, application_id: &str, account_id: &str) -> Result<bool> {
        let found = sqlx::query(
            "SELECT 1 FROM accounts a JOIN account_store_mappings m \
             ON m.directory_id = a.directory_id WHERE a.id = $1 AND m.application_id = $2",
        )
        .bind(account_id)
        .bind(application_id)
        .fetch_optional(&self.inner.pool)
        .await
        .map_err(Error::backend)?;
        Ok(found.is_some())
    }
}
