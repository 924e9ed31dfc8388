//! [`Accounts`] over REST: `POST {app}/accounts` (rest-api §6.1), `GET|POST|DELETE
//! /accounts/{id}` (§6.3), `GET {app}/accounts?email=`, and the password strength (§5.4).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value, json};

use super::{RemoteBackend, wire};
use crate::{
    Account, AccountId, AccountUpdate, Accounts, Error, NewAccount, PasswordStrength, Resource,
    Result,
};

/// The Stormpath REST API keeps provider identities in provider directories this server does
/// not offer: every operation answers "not supported by this back end" (a 400).
impl crate::ProviderAccounts for RemoteBackend {}

impl RemoteBackend {
    /// Drops the cached API keys of the account at `href`: a key record carries its account's
    /// status, so a write that can end the account's keys (its status, its password, its
    /// deletion) must not leave it to answer for the key until it lapses.
    pub(super) fn forget_account_keys(&self, href: &str) {
        self.inner
            .api_keys
            .retain(|record| record.as_ref().is_none_or(|r| r.account.href != href));
    }
}

#[async_trait]
impl Accounts for RemoteBackend {
    async fn password_strength(&self) -> Result<PasswordStrength> {
        if let Some(strength) = self.inner.strength.get("") {
            return Ok(strength);
        }
        let http = self.http();
        let strength: PasswordStrength = http.fetch(http.get(&self.inner.strength_href)?).await?;
        self.inner.strength.insert("", strength);
        Ok(strength)
    }

    async fn create_account(&self, account: NewAccount) -> Result<Account> {
        // Checked here first, in the embedded store's words; the server checks again.
        crate::email_address::validate(&account.email)?;
        self.password_strength().await?.check(&account.password)?;
        let mut body = Map::new();
        body.insert("email".into(), account.email.into());
        body.insert("password".into(), account.password.into());
        for (name, value) in [
            ("username", account.username),
            ("givenName", account.given_name),
            ("middleName", account.middle_name),
            ("surname", account.surname),
        ] {
            if let Some(value) = value {
                body.insert(name.into(), value.into());
            }
        }
        if let Some(status) = account.status {
            body.insert("status".into(), status.as_str().into());
        }
        if !account.custom_data.is_empty() {
            body.insert("customData".into(), Value::Object(account.custom_data));
        }
        let http = self.http();
        let call = http
            .post(&format!("{}/accounts", self.app_href()))?
            .json(&body)?;
        let created = wire::account(http.fetch(call).await?)?;
        self.remember(&Arc::new(created.clone()));
        Ok(created)
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Arc<Account>>> {
        match self.account_href(id) {
            Some(href) => self.cached_account(&href).await,
            None => Ok(None),
        }
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Arc<Account>>> {
        let email = email.trim();
        if email.is_empty() {
            return Ok(None);
        }
        let http = self.http();
        #[derive(serde::Deserialize)]
        struct Found {
            items: Vec<Value>,
        }
        let call = http
            .get(&format!("{}/accounts", self.app_href()))?
            .query("email", email);
        let found: Found = http.fetch(call).await?;
        // The search is case-insensitive and `*` is a wildcard in it: keep the exact address.
        for item in found.items {
            let account = wire::account(item)?;
            if account.email.eq_ignore_ascii_case(email) {
                let account = Arc::new(account);
                self.remember(&account);
                return Ok(Some(account));
            }
        }
        Ok(None)
    }

    async fn update_account(&self, id: &AccountId, update: AccountUpdate) -> Result<Account> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let mut body = Map::new();
        for (name, value) in [
            ("givenName", update.given_name),
            ("middleName", update.middle_name),
            ("surname", update.surname),
        ] {
            if let Some(value) = value {
                body.insert(name.into(), value.map_or(Value::Null, Value::from));
            }
        }
        if let Some(status) = update.status {
            body.insert("status".into(), status.as_str().into());
        }
        self.forget_account(&href);
        self.forget_account_keys(&href);
        let http = self.http();
        let updated = http.fetch(http.post(&href)?.json(&body)?).await;
        // Whatever the answer, the server may have applied the change.
        self.forget_account(&href);
        self.forget_account_keys(&href);
        let updated = wire::account(updated?)?;
        self.remember(&Arc::new(updated.clone()));
        Ok(updated)
    }

    async fn delete_account(&self, id: &AccountId) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        self.forget_account(&href);
        self.forget_account_keys(&href);
        let http = self.http();
        http.send(http.delete(&href)?).await?.ok()?;
        Ok(())
    }

    async fn directory(&self) -> Result<Resource> {
        Ok(self.inner.directory.clone())
    }

    async fn application(&self) -> Result<Resource> {
        Ok(self.inner.application.clone())
    }
}

/// The body of a password change: `{"password": …}`.
pub(super) fn password_body(password: &str) -> Value {
    json!({ "password": password })
}
