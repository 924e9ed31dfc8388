//! `impl Backend for Store`: the embedded backend.

use std::sync::Arc;

use async_trait::async_trait;
use stormpath_client::{
    Account, AccountId, AccountStatus, AccountUpdate, ApiKeyInfo, Authenticated, Backend,
    CustomData, Error, Group, NewAccount, NewApiKey, PasswordStrength, Result, TokenSet,
};

use crate::{Store, cache::Cached, error::Fallible, one_time::Purpose, util};

/// How often an optimistic custom-data update is retried when writers collide.
const CUSTOM_DATA_RETRIES: usize = 16;

impl Store {
    /// The cached account behind a token subject, if it may use tokens issued at `iat`.
    async fn token_account(&self, sub: &str, iat: i64) -> Fallible<Option<Cached>> {
        // Our hrefs are `{base}/accounts/{id}`; anything else names no account of ours.
        let id = sub
            .strip_prefix(self.inner.href_base.as_str())
            .and_then(|rest| rest.strip_prefix("/accounts/"))
            .filter(|id| !id.is_empty() && !id.contains('/'));
        let Some(id) = id else { return Ok(None) };
        let cached = match self.inner.cache.get(id) {
            Some(hit) => Some(hit),
            None => self.cached(&AccountId(id.to_owned())).await?,
        };
        Ok(cached
            .filter(|c| c.account.status == AccountStatus::Enabled && iat >= c.tokens_valid_after))
    }
}

#[async_trait]
impl Backend for Store {
    async fn password_strength(&self) -> Result<PasswordStrength> {
        Ok(self.inner.strength)
    }

    async fn register(&self, account: NewAccount) -> Result<Account> {
        Ok(self.insert_account(account).await?)
    }

    async fn authenticate(&self, login: &str, password: &str) -> Result<Account> {
        let key = crate::email::canonical(login);
        // A locked login is answered like a wrong password, after the same hashing work.
        let locked = self.inner.throttle.is_locked(&key);
        let found = if login.trim().is_empty() || locked {
            None
        } else {
            self.find_login(login).await?
        };
        // Unknown logins are checked against a dummy hash so they cost what a wrong password
        // costs: response time does not tell whether an account exists.
        let verified = self
            .inner
            .hasher
            .verify(password, found.as_ref().map(|(_, h)| h.as_str()))
            .await?;
        let Some((account, _)) = found.filter(|_| verified.ok) else {
            if !locked {
                self.inner.throttle.failed(&key);
            }
            return Err(Error::InvalidCredentials);
        };
        self.inner.throttle.cleared(&key);
        if verified.needs_rehash {
            let store = self.clone();
            let (id, password) = (account.id.clone(), password.to_owned());
            tokio::spawn(async move {
                if let Ok(hash) = store.inner.hasher.hash(&password).await
                    && let Err(err) = store.set_password_hash(&id, &hash).await
                {
                    tracing::warn!(error = %err, "could not upgrade a password hash");
                }
            });
        }
        match account.status {
            AccountStatus::Enabled => Ok(account),
            AccountStatus::Unverified => Err(Error::AccountUnverified),
            _ => Err(Error::AccountDisabled),
        }
    }

    async fn account(&self, id: &AccountId) -> Result<Option<Arc<Account>>> {
        Ok(self.cached(id).await?.map(|c| c.account))
    }

    async fn account_by_email(&self, email: &str) -> Result<Option<Arc<Account>>> {
        Ok(self.find_email(email).await?)
    }

    async fn update_account(&self, id: &AccountId, update: AccountUpdate) -> Result<Account> {
        let disabling = update.status.is_some_and(|s| s != AccountStatus::Enabled);
        let account = self.apply_update(id, update).await?;
        if disabling {
            self.revoke_all_tokens(id).await?;
        }
        Ok(account)
    }

    async fn group_names(&self, id: &AccountId) -> Result<Arc<[String]>> {
        Ok(self.load_group_names(id).await?)
    }

    async fn groups(&self, id: &AccountId) -> Result<Vec<Group>> {
        Ok(self.load_groups(id).await?)
    }

    async fn ensure_group(&self, name: &str, description: Option<&str>) -> Result<Group> {
        Ok(self.create_group(name, description).await?)
    }

    async fn add_to_group(&self, id: &AccountId, group: &str) -> Result<()> {
        Ok(self.join_group(id, group).await?)
    }

    async fn remove_from_group(&self, id: &AccountId, group: &str) -> Result<()> {
        Ok(self.leave_group(id, group).await?)
    }

    async fn custom_data(&self, id: &AccountId) -> Result<CustomData> {
        Ok(self.read_custom_data(id).await?.0)
    }

    async fn merge_custom_data(&self, id: &AccountId, patch: CustomData) -> Result<CustomData> {
        for _ in 0..CUSTOM_DATA_RETRIES {
            let (mut data, version) = self.read_custom_data(id).await?;
            for (key, value) in &patch {
                if value.is_null() {
                    data.remove(key);
                } else {
                    data.insert(key.clone(), value.clone());
                }
            }
            if self.write_custom_data_if(id, version, &data).await? {
                return Ok(data);
            }
        }
        Err(Error::backend(std::io::Error::other(
            "custom data kept changing; update abandoned",
        )))
    }

    async fn replace_custom_data(&self, id: &AccountId, data: CustomData) -> Result<()> {
        for _ in 0..CUSTOM_DATA_RETRIES {
            let (_, version) = self.read_custom_data(id).await?;
            if self.write_custom_data_if(id, version, &data).await? {
                return Ok(());
            }
        }
        Err(Error::backend(std::io::Error::other(
            "custom data kept changing; update abandoned",
        )))
    }

    async fn custom_data_versioned(&self, id: &AccountId) -> Result<(CustomData, i64)> {
        Ok(self.read_custom_data(id).await?)
    }

    async fn swap_custom_data(
        &self,
        id: &AccountId,
        version: i64,
        data: CustomData,
    ) -> Result<bool> {
        Ok(self.write_custom_data_if(id, version, &data).await?)
    }

    async fn issue_tokens(&self, account: &Account) -> Result<TokenSet> {
        let tokens = &self.inner.tokens;
        let (refresh, refresh_claims) = tokens.mint_refresh(&account.href)?;
        self.record_refresh_token(&account.id, &refresh_claims)
            .await?;
        let (access, claims) =
            tokens.mint_access(&account.href, Some(&refresh_claims.jti), None)?;
        Ok(TokenSet {
            access_token: access,
            access_expires_at: claims.exp,
            refresh: Some((refresh, refresh_claims.exp)),
            expires_in: tokens.access_ttl(),
        })
    }

    async fn refresh(&self, refresh_token: &str) -> Result<(TokenSet, Authenticated)> {
        let tokens = &self.inner.tokens;
        let claims = tokens
            .verify_refresh(refresh_token)
            .ok_or(Error::InvalidToken)?;
        let cached = self
            .token_account(&claims.sub, claims.iat)
            .await?
            .ok_or(Error::InvalidToken)?;
        let (access, access_claims) = tokens.mint_access(&claims.sub, Some(&claims.jti), None)?;
        let set = TokenSet {
            access_token: access,
            access_expires_at: access_claims.exp,
            refresh: Some((refresh_token.to_owned(), claims.exp)),
            expires_in: tokens.access_ttl(),
        };
        Ok((
            set,
            Authenticated {
                account: cached.account,
                claims: Arc::new(access_claims),
            },
        ))
    }

    async fn verify_access_token(&self, token: &str) -> Result<Option<Authenticated>> {
        let Some(claims) = self.inner.tokens.verify_access(token) else {
            return Ok(None);
        };
        let cached = self.token_account(&claims.sub, claims.iat).await?;
        Ok(cached.map(|c| Authenticated {
            account: c.account,
            claims,
        }))
    }

    async fn revoke_tokens(&self, tokens: &[&str]) -> Result<()> {
        let entries: Vec<_> = tokens
            .iter()
            .filter_map(|t| self.inner.tokens.identify(t))
            .filter(|(_, _, exp)| *exp > util::now_secs())
            .map(|(_, jti, exp)| (jti, exp))
            .collect();
        Ok(self.persist_revocations(&entries).await?)
    }

    async fn revoke_all_tokens(&self, id: &AccountId) -> Result<()> {
        Ok(self.revoke_account_tokens(id).await?)
    }

    async fn issue_client_token(&self, account: &Account) -> Result<TokenSet> {
        let tokens = &self.inner.tokens;
        let (access, claims) = tokens.mint_access(&account.href, None, None)?;
        Ok(TokenSet {
            access_token: access,
            access_expires_at: claims.exp,
            refresh: None,
            expires_in: tokens.access_ttl(),
        })
    }

    async fn start_password_reset(&self, email: &str) -> Result<Option<(Arc<Account>, String)>> {
        let Some(account) = self.find_email(email).await? else {
            return Ok(None);
        };
        if account.status != AccountStatus::Enabled {
            return Ok(None);
        }
        let token = self.issue_one_time(&account.id, Purpose::Reset).await?;
        Ok(Some((account, token)))
    }

    async fn check_password_reset(&self, token: &str) -> Result<Arc<Account>> {
        Ok(self.peek_one_time(token, Purpose::Reset).await?)
    }

    async fn complete_password_reset(&self, token: &str, password: &str) -> Result<Account> {
        // The token first (spec §10.5), then the policy, then the one write that uses it up.
        let account = self.peek_one_time(token, Purpose::Reset).await?;
        crate::check_strength(&self.inner.strength, password).map_err(Error::Validation)?;
        self.consume_one_time(token, Purpose::Reset, &account.id)
            .await?;
        self.replace_password(&account.id, password).await?;
        self.void_one_time(&account.id, Purpose::Reset).await?;
        self.revoke_all_tokens(&account.id).await?;
        // Proving control of the mailbox lifts a login lock.
        self.inner
            .throttle
            .cleared(&crate::email::canonical(&account.email));
        self.inner
            .throttle
            .cleared(&crate::email::canonical(&account.username));
        self.cached(&account.id)
            .await?
            .map(|c| (*c.account).clone())
            .ok_or(Error::NotFound)
    }

    async fn start_email_verification(
        &self,
        email: &str,
    ) -> Result<Option<(Arc<Account>, String)>> {
        let Some(account) = self.find_email(email).await? else {
            return Ok(None);
        };
        if account.status != AccountStatus::Unverified {
            return Ok(None);
        }
        let token = self.issue_one_time(&account.id, Purpose::Verify).await?;
        Ok(Some((account, token)))
    }

    async fn verification_token(&self, id: &AccountId) -> Result<String> {
        Ok(self.issue_one_time(id, Purpose::Verify).await?)
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

    async fn change_password(&self, id: &AccountId, current: &str, new: &str) -> Result<()> {
        let account = self.cached(id).await?.ok_or(Error::NotFound)?.account;
        let (_, hash) = self
            .find_login(&account.email)
            .await?
            .ok_or(Error::NotFound)?;
        if !self.inner.hasher.verify(current, Some(&hash)).await?.ok {
            return Err(Error::InvalidCredentials);
        }
        crate::check_strength(&self.inner.strength, new).map_err(Error::Validation)?;
        self.replace_password(id, new).await?;
        self.void_one_time(id, Purpose::Reset).await?;
        self.revoke_all_tokens(id).await
    }

    async fn create_api_key(&self, id: &AccountId, name: Option<&str>) -> Result<NewApiKey> {
        Ok(self.new_api_key(id, name).await?)
    }

    async fn api_keys(&self, id: &AccountId) -> Result<Vec<ApiKeyInfo>> {
        Ok(self.list_api_keys(id).await?)
    }

    async fn revoke_api_key(&self, id: &AccountId, key_id: &str) -> Result<()> {
        Ok(self.delete_api_key(id, key_id).await?)
    }

    async fn authenticate_api_key(
        &self,
        key_id: &str,
        secret: &str,
    ) -> Result<Option<Arc<Account>>> {
        Ok(self.api_key_account(key_id, secret).await?)
    }

    async fn cancel_one_time_tokens(&self, id: &AccountId) -> Result<()> {
        self.void_one_time(id, Purpose::Reset).await?;
        Ok(self.void_one_time(id, Purpose::Verify).await?)
    }

    async fn delete_account(&self, id: &AccountId) -> Result<()> {
        self.revoke_all_tokens(id).await?;
        if self.remove_account(id).await? {
            Ok(())
        } else {
            Err(Error::NotFound)
        }
    }

    async fn directory(&self) -> Result<stormpath_client::Resource> {
        Ok(self.inner.directory.clone())
    }

    async fn application(&self) -> Result<stormpath_client::Resource> {
        Ok(self.inner.application.clone())
    }
}
