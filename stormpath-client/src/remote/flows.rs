//! [`AccountFlows`] over REST: password reset (rest-api §6.6) and email verification (§6.7).
//! The server sends the emails; no token is seen here but the one the user brings back.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::json;

use super::{
    RemoteBackend,
    accounts::password_body,
    errors::protocol,
    http::segment,
    wire::{self, HasAccount, Link},
};
use crate::{Account, AccountFlows, Error, Result, Sessions};

impl RemoteBackend {
    /// `{app}/passwordResetTokens/{token}`, or `None` for a token that cannot be one.
    fn reset_href(&self, token: &str) -> Option<String> {
        Some(format!(
            "{}/passwordResetTokens/{}",
            self.app_href(),
            segment(token.trim())?
        ))
    }
}

/// A request that found no account (2016, or 404) is answered like one that did: the flows
/// never tell whether an address has an account.
fn unless_unknown(result: Result<()>) -> Result<()> {
    match result {
        Err(Error::NotFound) => Ok(()),
        other => other,
    }
}

#[async_trait]
impl AccountFlows for RemoteBackend {
    async fn send_password_reset(&self, email: &str) -> Result<()> {
        let http = self.http();
        let call = http
            .post(&format!("{}/passwordResetTokens", self.app_href()))?
            .json(&json!({ "email": email.trim() }))?;
        unless_unknown(http.send(call).await.and_then(|reply| reply.ok().map(drop)))
    }

    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>> {
        let href = self.reset_href(token).ok_or(Error::NotFound)?;
        let http = self.http();
        let found: HasAccount = http
            .fetch(http.get(&href)?.query("expand", "account"))
            .await?;
        self.resolve(wire::account_ref(found.account)?).await
    }

    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account> {
        let href = self.reset_href(token).ok_or(Error::NotFound)?;
        // The token first (a bad one is 404 whatever the password), then the policy in the
        // embedded store's words; the server checks both again.
        self.check_password_reset(token).await?;
        crate::Accounts::password_strength(self)
            .await?
            .check(password)?;
        let http = self.http();
        let call = http
            .post(&href)?
            .query("expand", "account")
            .json(&password_body(password))?;
        let used: HasAccount = http.fetch(call).await?;
        let account = match wire::account_ref(used.account)? {
            wire::AccountRef::Expanded(account) => account.href,
            wire::AccountRef::Link(href) => href,
        };
        // The password changed: what was cached of the account (its API keys too: the server
        // ended them with the password), and its sessions, end here.
        self.forget_account(&account);
        self.forget_account_keys(&account);
        let account = self
            .load_account(&account)
            .await?
            .ok_or_else(|| protocol("the reset token's account is gone"))?;
        if let Err(err) = self.revoke_all_tokens(&account.id).await {
            tracing::warn!(account = %account.href, error = %err, "tokens not revoked after a password reset");
        }
        Ok((*account).clone())
    }

    async fn resend_verification_email(&self, email: &str) -> Result<()> {
        let http = self.http();
        let call = http
            .post(&format!("{}/verificationEmails", self.app_href()))?
            .json(&json!({ "login": email.trim() }))?;
        unless_unknown(http.send(call).await.and_then(|reply| reply.ok().map(drop)))
    }

    async fn verify_email(&self, token: &str) -> Result<Account> {
        let token = segment(token.trim()).ok_or(Error::NotFound)?;
        let http = self.http();
        let call = http.post(&format!("/accounts/emailVerificationTokens/{token}"))?;
        let verified: Link = http.fetch(call).await?;
        self.forget_account(&verified.href);
        let account = self
            .load_account(&verified.href)
            .await?
            .ok_or_else(|| protocol("the verified account is gone"))?;
        Ok((*account).clone())
    }
}
