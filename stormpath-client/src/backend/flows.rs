//! One-time flows: password reset and email verification.

use std::sync::Arc;

use async_trait::async_trait;

use crate::{Account, Result};

/// Password reset and email verification. The back end issues the one-time tokens and mails
/// the links itself (see [`EmailTemplates`](crate::EmailTemplates) for how an embedded back end
/// renders them); the caller only ever sees the token the user brings back.
#[async_trait]
pub trait AccountFlows: Send + Sync {
    /// Mails a password-reset link to the ENABLED account with this email address; does
    /// nothing (and answers the same) when there is none. A new link voids the earlier ones.
    ///
    /// # Errors
    /// [`Error::MailUnavailable`](crate::Error::MailUnavailable) when the email could not be
    /// sent (the link it carried is voided).
    async fn send_password_reset(&self, email: &str) -> Result<()>;

    /// Checks a password-reset token without using it up.
    ///
    /// # Errors
    /// [`Error::NotFound`](crate::Error::NotFound) when it is unknown, expired or used.
    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>>;

    /// Uses up a password-reset token and sets the new password; every token of the account is
    /// revoked. The token is checked before the password.
    ///
    /// # Errors
    /// `NotFound` for a bad token, `Validation` for a password the policy refuses.
    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account>;

    /// Mails a new verification link to the UNVERIFIED account with this address; does
    /// nothing (and answers the same) when there is none. A new link voids the earlier ones.
    ///
    /// # Errors
    /// [`Error::MailUnavailable`](crate::Error::MailUnavailable) when the email could not be
    /// sent.
    async fn resend_verification_email(&self, email: &str) -> Result<()>;

    /// Uses up a verification token: the account becomes ENABLED and VERIFIED.
    ///
    /// # Errors
    /// `NotFound` when the token is unknown, expired or used.
    async fn verify_email(&self, token: &str) -> Result<Account>;
}
