//! [`ApiKeys`] over REST (rest-api §5.8, §6.10): `POST|GET {acct}/apiKeys`, `/apiKeys/{id}`,
//! and Basic authentication with an account's key through `GET {app}/apiKeys?id=`, whose
//! secret is compared here in constant time.

use std::{sync::Arc, time::Instant};

use async_trait::async_trait;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{
    KeyRecord, RemoteBackend,
    auth::SecretCipher,
    errors::protocol,
    http::segment,
    wire::{self, AccountRef, ApiKeyDoc},
};
use crate::{Account, AccountId, AccountStatus, ApiKeyInfo, ApiKeys, Error, NewApiKey, Result};

/// The listed form of a key (never its secret).
fn info(doc: &ApiKeyDoc) -> ApiKeyInfo {
    ApiKeyInfo {
        id: doc.id.clone(),
        name: doc.name.clone(),
        status: doc.status.clone(),
        created_at: doc.created_at.unwrap_or(time::OffsetDateTime::UNIX_EPOCH),
    }
}

impl RemoteBackend {
    /// The href of the account that owns a key.
    fn owner_href(doc: &mut ApiKeyDoc) -> Result<Option<String>> {
        match doc.account.take().map(wire::account_ref).transpose()? {
            Some(AccountRef::Expanded(account)) => Ok(Some(account.href)),
            Some(AccountRef::Link(href)) => Ok(Some(href)),
            None => Ok(None),
        }
    }

    /// The key `key_id` as the application sees it (only keys of accounts that can log in to
    /// it), with its account; `None` when there is none.
    async fn fetch_key_record(&self, key_id: &str) -> Result<Option<Arc<KeyRecord>>> {
        #[derive(serde::Deserialize)]
        struct Found {
            items: Vec<ApiKeyDoc>,
        }
        let http = self.http();
        let cipher = SecretCipher::new();
        let call = http
            .get(&format!("{}/apiKeys", self.app_href()))?
            .query("id", key_id)
            .query("expand", "account")
            .queries(&cipher.query());
        let found: Found = http.fetch(call).await?;
        let Some(mut doc) = found.items.into_iter().find(|doc| doc.id == key_id) else {
            return Ok(None);
        };
        let (Some(secret), Some(account)) = (doc.secret.take(), doc.account.take()) else {
            return Ok(None);
        };
        let account: Arc<Account> = self.resolve(wire::account_ref(account)?).await?;
        Ok(Some(Arc::new(KeyRecord {
            secret: cipher.reveal(&secret, &self.inner.key.secret)?,
            enabled: doc.status.eq_ignore_ascii_case("ENABLED"),
            account,
        })))
    }
}

#[async_trait]
impl ApiKeys for RemoteBackend {
    async fn create_api_key(&self, id: &AccountId, name: Option<&str>) -> Result<NewApiKey> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let http = self.http();
        let cipher = SecretCipher::new();
        let reply = http
            .send(
                http.post(&format!("{href}/apiKeys"))?
                    .queries(&cipher.query()),
            )
            .await?;
        let doc: ApiKeyDoc = reply.ok()?.json()?;
        let secret = doc
            .secret
            .as_deref()
            .ok_or_else(|| protocol("the server created an API key without its secret"))?;
        let secret = cipher.reveal(secret, &self.inner.key.secret)?;
        let mut info = info(&doc);
        let key_href = format!(
            "/apiKeys/{}",
            segment(&doc.id).ok_or_else(|| protocol("the server created a key without an id"))?
        );
        if let Some(name) = name {
            let named = http.post(&key_href)?.json(&json!({ "name": name }))?;
            match http.fetch::<ApiKeyDoc>(named).await {
                Ok(named) => info.name = named.name,
                Err(err) => {
                    // No key without the name asked for.
                    if let Ok(undo) = http.delete(&key_href) {
                        let _ = http.send(undo).await;
                    }
                    return Err(err);
                }
            }
        }
        self.inner.api_keys.remove(&info.id);
        Ok(NewApiKey { info, secret })
    }

    async fn api_keys(&self, id: &AccountId) -> Result<Vec<ApiKeyInfo>> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let cipher = SecretCipher::new();
        let docs: Vec<ApiKeyDoc> = self
            .http()
            .all(&format!("{href}/apiKeys"), &cipher.query())
            .await?;
        Ok(docs.iter().map(info).collect())
    }

    async fn delete_api_key(&self, id: &AccountId, key_id: &str) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let key_href = format!("/apiKeys/{}", segment(key_id).ok_or(Error::NotFound)?);
        let http = self.http();
        let cipher = SecretCipher::new();
        let reply = http
            .send(http.get(&key_href)?.queries(&cipher.query()))
            .await?;
        if reply.status() == 404 {
            return Err(Error::NotFound);
        }
        let mut doc: ApiKeyDoc = reply.ok()?.json()?;
        // Only the account's own keys.
        if Self::owner_href(&mut doc)?.as_deref() != Some(href.as_str()) {
            return Err(Error::NotFound);
        }
        self.inner.api_keys.remove(key_id);
        http.send(http.delete(&key_href)?).await?.ok()?;
        self.inner.api_keys.remove(key_id);
        Ok(())
    }

    async fn authenticate_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<Option<Arc<Account>>> {
        if key_id.is_empty() || secret.is_empty() {
            return Ok(None);
        }
        // A key's record is trusted only while the changes feed is heard (fail closed, as for
        // tokens); then it is kept for the cache's lifetime, since the feed drops the keys of
        // an account that changes, else for the short window of a server without the feed.
        self.inner.feed.ensure_fresh()?;
        let record = match self.inner.api_keys.get(key_id) {
            Some(hit) => hit,
            None => {
                let generation = self.inner.feed.generation();
                let record = self.fetch_key_record(key_id).await?;
                if self.inner.feed.generation() != generation {
                    // The feed announced a change while the key was read: use it this once,
                    // keep nothing that may predate the change.
                } else if self.inner.feed.is_active() {
                    self.inner.api_keys.insert(key_id, record.clone());
                } else {
                    self.inner.api_keys.insert_until(
                        key_id,
                        record.clone(),
                        Instant::now() + self.inner.key_window,
                    );
                }
                record
            }
        };
        let Some(record) = record else {
            return Ok(None);
        };
        let matches: bool = record.secret.as_bytes().ct_eq(secret.as_bytes()).into();
        let usable = record.enabled && record.account.status == AccountStatus::Enabled;
        Ok((matches && usable).then(|| Arc::clone(&record.account)))
    }
}
