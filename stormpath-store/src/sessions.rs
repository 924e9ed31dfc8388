//! Credentials and tokens: password login and change, issuing, refreshing, verifying and
//! revoking tokens, and what the database remembers about issued tokens.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::Row;
use stormpath_client::{
    Account, AccountId, AccountStatus, Authenticated, EmailKind, Error, RefreshToken, Refreshed,
    Result, SessionInfo, Sessions, TokenGrant, TokenKind, TokenSet,
};

use crate::{Store, cache::Cached, error::Fallible, one_time::Purpose, util};

/// The `gty` of access tokens minted by the client-credentials grant.
const CLIENT_CREDENTIALS: &str = "client_credentials";

impl Store {
    /// What a new password ends, whichever way it was set (change, reset, the admin API): the
    /// pending reset links, every token and session of the account, and its API keys when the
    /// store is configured so (with the client-credentials tokens they minted).
    pub(crate) async fn end_credentials(&self, id: &AccountId) -> Result<()> {
        self.void_one_time(id, Purpose::Reset).await?;
        self.revoke_all_tokens(id).await?;
        self.revoke_api_keys(id).await?;
        Ok(())
    }

    /// The cached account behind a token subject, if it may use tokens issued at `iat`.
    async fn token_account(&self, sub: &str, iat: i64) -> Fallible<Option<Cached>> {
        self.token_account_for(sub, iat, None).await
    }

    /// [`Store::token_account`] for an access token of `grant_type`: a client-credentials
    /// token must also postdate the account's last API-key deletion.
    async fn token_account_for(
        &self,
        sub: &str,
        iat: i64,
        grant_type: Option<&str>,
    ) -> Fallible<Option<Cached>> {
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
        let key_token = grant_type == Some(CLIENT_CREDENTIALS);
        Ok(cached.filter(|c| {
            c.account.status == AccountStatus::Enabled
                && iat >= c.tokens_valid_after
                && (!key_token || iat > c.key_tokens_valid_after)
        }))
    }

    /// Keeps an issued token with its JWT (the REST server's `/accessTokens` and
    /// `/refreshTokens` resources; deleting the row revokes the token).
    pub(crate) async fn record_token(
        &self,
        kind: TokenKind,
        account: &AccountId,
        jti: &str,
        jwt: &str,
        exp: i64,
    ) -> Fallible<()> {
        sqlx::query(
            "INSERT INTO oauth_tokens (jti, kind, account_id, application_id, jwt, expires_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(jti)
        .bind(match kind {
            TokenKind::Access => "access",
            TokenKind::Refresh => "refresh",
        })
        .bind(account.as_str())
        .bind(&self.scope.application_id)
        .bind(jwt)
        .bind(exp)
        .bind(util::now_ms())
        .execute(&self.inner.pool)
        .await?;
        Ok(())
    }

    /// Whether a recorded token still exists (it is deleted when revoked).
    pub(crate) async fn token_recorded(&self, jti: &str) -> Fallible<bool> {
        Ok(sqlx::query("SELECT 1 FROM oauth_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.inner.pool)
            .await?
            .is_some())
    }

    /// Revokes `jti`s (with their expiry, in seconds) in the database, in memory, and on
    /// every other instance.
    pub(crate) async fn persist_revocations(&self, entries: &[(String, i64)]) -> Fallible<()> {
        for (jti, exp) in entries {
            sqlx::query(
                "INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
            )
            .bind(jti)
            .bind(exp)
            .execute(&self.inner.pool)
            .await?;
            sqlx::query("UPDATE refresh_tokens SET revoked = 1 WHERE jti = $1")
                .bind(jti)
                .execute(&self.inner.pool)
                .await?;
        }
        self.announce_revoked(entries).await?;
        Ok(())
    }

    /// Marks recorded revocations in memory and tells the other instances (and, with Redis,
    /// the shared record).
    pub(crate) async fn announce_revoked(&self, entries: &[(String, i64)]) -> Result<()> {
        self.inner.revoked.mark(entries.iter().cloned());
        self.inner.shared.revoked(entries).await
    }

    /// Drops the cached copy of an account here and on every other instance (after a write
    /// that changes its status, password, groups or token cut-off).
    pub(crate) async fn forget_account(&self, id: &AccountId) -> Result<()> {
        self.inner.cache.invalidate(id);
        self.inner.shared.account_changed(id).await
    }

    /// Whether a refresh token was revoked according to the record every instance shares:
    /// Redis when configured, else the database's table on PostgreSQL; a single SQLite process
    /// trusts its memory (already checked).
    async fn revoked_elsewhere(&self, jti: &str) -> Fallible<bool> {
        let shared = &self.inner.shared;
        if shared.is_local() {
            return Ok(false);
        }
        if let Some(revoked) = shared.revoked_in_shared_record(jti).await? {
            return Ok(revoked);
        }
        Ok(sqlx::query("SELECT 1 FROM revoked_tokens WHERE jti = $1")
            .bind(jti)
            .fetch_optional(&self.inner.pool)
            .await?
            .is_some())
    }

    /// Voids every token of an account issued until now: earlier access tokens by their
    /// `iat`, live refresh tokens by revocation.
    pub(crate) async fn revoke_account_tokens(&self, id: &AccountId) -> Fallible<()> {
        let now = util::now_secs();
        sqlx::query("UPDATE accounts SET tokens_valid_after = $1 WHERE id = $2")
            .bind(now)
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        let rows = sqlx::query(
            "SELECT jti, expires_at FROM refresh_tokens WHERE account_id = $1 AND revoked = 0 AND expires_at > $2",
        )
        .bind(id.as_str())
        .bind(now)
        .fetch_all(&self.inner.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Fallible<Vec<(String, i64)>>>()?;
        self.persist_revocations(&entries).await?;
        // The REST server's token resources of the account go too (a deleted row is a
        // revoked token there).
        sqlx::query("DELETE FROM oauth_tokens WHERE account_id = $1")
            .bind(id.as_str())
            .execute(&self.inner.pool)
            .await?;
        self.forget_account(id).await?;
        Ok(())
    }
}

#[async_trait]
impl Sessions for Store {
    async fn authenticate(&self, login: &str, password: &str) -> Result<Account> {
        // Under overload the login is refused before anything is looked up, so the refusal
        // is the same whether or not the account exists. (Throttling is the caller's: it
        // knows the client; `stormpath_client::throttle`.)
        let admission = self.inner.hasher.admit()?;
        let found = if login.trim().is_empty() {
            None
        } else {
            self.find_login(login).await?
        };
        // Unknown logins are checked against a dummy hash so they cost what a wrong password
        // costs: response time does not tell whether an account exists.
        let verified = self
            .inner
            .hasher
            .verify_admitted(admission, password, found.as_ref().map(|(_, h)| h.as_str()))
            .await?;
        let Some((account, _)) = found.filter(|_| verified.ok) else {
            return Err(Error::InvalidCredentials);
        };
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

    async fn change_password(&self, id: &AccountId, current: &str, new: &str) -> Result<()> {
        let account = self.cached(id).await?.ok_or(Error::NotFound)?.account;
        let (_, hash) = self
            .find_login(&account.email)
            .await?
            .ok_or(Error::NotFound)?;
        if !self.inner.hasher.verify(current, Some(&hash)).await?.ok {
            return Err(Error::InvalidCredentials);
        }
        self.check_password(
            &self.strength_of(id).await?,
            new,
            crate::PasswordContext::of(&account),
        )
        .await?;
        self.replace_password(id, new).await?;
        self.end_credentials(id).await?;
        // The owner hears of it; a notice that cannot be queued does not undo the change.
        if let Err(err) = self
            .queue_notice(EmailKind::PasswordChanged, &account)
            .await
        {
            let err = Error::from(err);
            tracing::warn!(account = %account.href, error = %err, "password-changed notice not queued");
        }
        Ok(())
    }

    async fn issue_tokens(&self, account: &Account, grant: TokenGrant) -> Result<TokenSet> {
        let tokens = &self.scope.tokens;
        let refresh = match grant {
            // An application whose OAuth policy says `refreshTokenTtl: PT0M` gets none (the
            // REST server's handles; the embedded store's lifetime is its builder's).
            TokenGrant::Password if tokens.refresh_ttl() > 0 || !self.scope.record_tokens => {
                let (token, claims) = tokens.mint_refresh(&account.href)?;
                // A new session: its own family, its password entered now.
                self.record_refresh_token_in(&account.id, &claims, &claims.jti, claims.iat)
                    .await?;
                Some((token, claims))
            }
            _ => None,
        };
        let rti = refresh.as_ref().map(|(_, claims)| claims.jti.as_str());
        let grant_type =
            matches!(grant, TokenGrant::ClientCredentials).then_some(CLIENT_CREDENTIALS);
        // A password session starts now; its refreshes carry the same `auth_time`.
        let auth_time = matches!(grant, TokenGrant::Password).then(util::now_secs);
        let (access, claims) =
            tokens.mint_access_for(&account.href, rti, None, grant_type, auth_time)?;
        if self.scope.record_tokens {
            if let Some((token, refresh)) = &refresh {
                self.record_token(
                    TokenKind::Refresh,
                    &account.id,
                    &refresh.jti,
                    token,
                    refresh.exp,
                )
                .await?;
            }
            self.record_token(
                TokenKind::Access,
                &account.id,
                &claims.jti,
                &access,
                claims.exp,
            )
            .await?;
        }
        Ok(TokenSet {
            access_token: access,
            access_expires_at: claims.exp,
            refresh: refresh.map(|(token, claims)| RefreshToken {
                token,
                expires_at: claims.exp,
            }),
            expires_in: tokens.access_ttl(),
        })
    }

    async fn refresh_tokens(&self, refresh_token: &str) -> Result<Refreshed> {
        let tokens = &self.scope.tokens;
        self.inner.shared.ensure_fresh()?;
        let claims = tokens
            .verify_refresh(refresh_token)
            .ok_or(Error::InvalidToken)?;
        if self.scope.record_tokens && !self.token_recorded(&claims.jti).await? {
            return Err(Error::InvalidToken);
        }
        if self.revoked_elsewhere(&claims.jti).await? {
            return Err(Error::InvalidToken);
        }
        let cached = self
            .token_account(&claims.sub, claims.iat)
            .await?
            .ok_or(Error::InvalidToken)?;
        // The session policy: revoked, idle, too old, or a replaced token used again.
        let member = self
            .family_member(&claims)
            .await?
            .filter(|m| m.account_id == cached.account.id.as_str())
            .ok_or(Error::InvalidToken)?;
        self.use_family_member(&claims, &member, util::now_secs())
            .await?;
        // With rotation, a new refresh token of the same family replaces the presented one.
        let (refresh, rti) = if self.inner.session_policy.rotate {
            let until = self.rotated_expiry(claims.exp, member.auth_time);
            let (token, fresh) = tokens.mint_refresh_until(&claims.sub, until)?;
            self.record_refresh_token_in(
                &cached.account.id,
                &fresh,
                &member.family,
                member.auth_time,
            )
            .await?;
            if self.scope.record_tokens {
                self.record_token(
                    TokenKind::Refresh,
                    &cached.account.id,
                    &fresh.jti,
                    &token,
                    fresh.exp,
                )
                .await?;
            }
            let refresh = RefreshToken {
                token,
                expires_at: fresh.exp,
            };
            (refresh, fresh.jti)
        } else {
            let refresh = RefreshToken {
                token: refresh_token.to_owned(),
                expires_at: claims.exp,
            };
            (refresh, claims.jti.clone())
        };
        let (access, access_claims) =
            tokens.mint_access_for(&claims.sub, Some(&rti), None, None, Some(member.auth_time))?;
        if self.scope.record_tokens {
            self.record_token(
                TokenKind::Access,
                &cached.account.id,
                &access_claims.jti,
                &access,
                access_claims.exp,
            )
            .await?;
        }
        Ok(Refreshed {
            tokens: TokenSet {
                access_token: access,
                access_expires_at: access_claims.exp,
                refresh: Some(refresh),
                expires_in: tokens.access_ttl(),
            },
            session: Authenticated {
                account: cached.account,
                claims: Some(Arc::new(access_claims)),
            },
        })
    }

    async fn verify_access_token(&self, token: &str) -> Result<Option<Authenticated>> {
        self.inner.shared.ensure_fresh()?;
        let Some(claims) = self.scope.tokens.verify_access(token) else {
            return Ok(None);
        };
        let cached = self
            .token_account_for(&claims.sub, claims.iat, claims.grant_type.as_deref())
            .await?;
        Ok(cached.map(|c| Authenticated {
            account: c.account,
            claims: Some(claims),
        }))
    }

    async fn revoke_tokens(&self, tokens: &[&str]) -> Result<()> {
        let entries: Vec<_> = tokens
            .iter()
            .filter_map(|t| self.scope.tokens.identify(t))
            .filter(|(_, _, exp)| *exp > util::now_secs())
            .map(|(_, jti, exp)| (jti, exp))
            .collect();
        Ok(self.persist_revocations(&entries).await?)
    }

    async fn revoke_all_tokens(&self, id: &AccountId) -> Result<()> {
        Ok(self.revoke_account_tokens(id).await?)
    }

    async fn sessions(&self, id: &AccountId, current: Option<&str>) -> Result<Vec<SessionInfo>> {
        Ok(self.list_families(id, current).await?)
    }

    async fn end_session(&self, id: &AccountId, session: &str) -> Result<()> {
        Ok(self.end_family(id, session).await?)
    }
}
