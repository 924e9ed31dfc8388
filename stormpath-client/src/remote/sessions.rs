//! [`Sessions`] over REST: login attempts (rest-api §6.2), the token endpoint with a
//! `stormpath_token` or `refresh_token` grant (§6.8), token revocation (§5.10), and local
//! access-token verification kept current by the changes feed (`feed.rs`), or confirmed with
//! the server (§6.9) on a server without it.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use base64::{Engine as _, engine::general_purpose::STANDARD};
use jsonwebtoken::DecodingKey;
use serde_json::json;
use time::OffsetDateTime;

use super::{
    RemoteBackend,
    accounts::password_body,
    auth::SecretCipher,
    errors::protocol,
    http::{last_segment, segment},
    tokens::{self, Ids, now_secs},
    wire::{self, AccountRef, ApiKeyDoc, HasAccount, Link, Named, TokenDoc, TokenReply},
};
use crate::{
    AccessClaims, Account, AccountId, AccountStatus, Authenticated, Error, RefreshToken, Refreshed,
    Result, SessionInfo, Sessions, TokenGrant, TokenKind, TokenSet,
};

/// The directory whose accounts' API keys may sign tokens (rest-api §8.6).
const ADMIN_DIRECTORY: &str = "Stormpath Administrators";
/// How long a revoked token of unknown expiry is remembered.
const UNKNOWN_EXPIRY: i64 = 366 * 24 * 3600;
/// How long a verified token is kept when the server is never asked (its `exp` bounds it).
const UNCONFIRMED_WINDOW: Duration = Duration::from_secs(24 * 3600);

impl RemoteBackend {
    /// The key a token naming `kid` is verified with: the tenant key for its own id (or no
    /// `kid`), else the admin key of that id, fetched once and cached; `None` when `kid`
    /// names no admin key of the tenant.
    async fn key_for(&self, kid: Option<&str>) -> Result<Option<Arc<DecodingKey>>> {
        match kid {
            None => Ok(Some(Arc::clone(&self.inner.decoding))),
            Some(kid) if kid == self.inner.key_id => Ok(Some(Arc::clone(&self.inner.decoding))),
            Some(kid) => {
                if let Some(hit) = self.inner.admin_keys.get(kid) {
                    return Ok(hit);
                }
                // Any client can put any `kid` in a token: unknown ones are looked up at a
                // bounded rate, so that made-up kids cannot turn requests into server calls.
                if !self.inner.key_lookups.admit() {
                    return Ok(None);
                }
                let key = self.fetch_admin_key(kid).await?;
                self.inner.admin_keys.insert(kid, key.clone());
                Ok(key)
            }
        }
    }

    /// `GET /apiKeys/{kid}`: an ENABLED key of an account in the tenant's administrators'
    /// directory (rest-api §8.6), or `None`. An account's own API key never signs tokens.
    async fn fetch_admin_key(&self, kid: &str) -> Result<Option<Arc<DecodingKey>>> {
        let http = self.http();
        let Some(id) = segment(kid) else {
            return Ok(None);
        };
        let cipher = SecretCipher::new();
        let reply = http
            .send(
                http.get(&format!("/apiKeys/{id}"))?
                    .queries(&cipher.query()),
            )
            .await?;
        if reply.status() == 404 {
            return Ok(None);
        }
        let doc: ApiKeyDoc = reply.ok()?.json()?;
        let (Some(secret), Some(account)) = (doc.secret, doc.account) else {
            return Ok(None);
        };
        if !doc.status.eq_ignore_ascii_case("ENABLED") {
            return Ok(None);
        }
        let account_href = match wire::account_ref(account)? {
            AccountRef::Expanded(account) => account.href,
            AccountRef::Link(href) => href,
        };
        #[derive(serde::Deserialize)]
        struct InDirectory {
            directory: Link,
        }
        let reply = http.send(http.get(&account_href)?).await?;
        if reply.status() == 404 {
            return Ok(None);
        }
        let owner: InDirectory = reply.ok()?.json()?;
        let directory: Named = http.fetch(http.get(&owner.directory.href)?).await?;
        if directory.name != ADMIN_DIRECTORY {
            tracing::warn!(
                kid,
                "a token names an API key that is not an administrator's"
            );
            return Ok(None);
        }
        let secret = cipher.reveal(&secret, &self.inner.key.secret)?;
        let key = DecodingKey::from_secret(secret.as_bytes()).map_err(Error::backend)?;
        Ok(Some(Arc::new(key)))
    }

    /// An access token's claims if it verifies locally: kind, signature (with the key its
    /// `kid` names), issuer, and expiry when `live`.
    async fn decode_access(&self, token: &str, live: bool) -> Result<Option<AccessClaims>> {
        let Some(peek) = tokens::peek(token) else {
            return Ok(None);
        };
        if peek.kind != Some(TokenKind::Access) {
            return Ok(None);
        }
        let Some(key) = self.key_for(peek.kid.as_deref()).await? else {
            return Ok(None);
        };
        let validation = if live {
            &self.inner.live
        } else {
            &self.inner.signed
        };
        let claims = tokens::decode::<AccessClaims>(token, &key, validation);
        // jsonwebtoken still admits the second of `exp` itself.
        Ok(claims.filter(|c| !live || c.exp > now_secs()))
    }

    /// The `jti` and `exp` of a token of `kind` that verifies locally (expired or not).
    async fn token_ids(
        &self,
        token: &str,
        kind: Option<TokenKind>,
    ) -> Result<Option<(TokenKind, Ids)>> {
        let Some(peek) = tokens::peek(token) else {
            return Ok(None);
        };
        let Some(found) = peek.kind.filter(|k| kind.is_none_or(|want| *k == want)) else {
            return Ok(None);
        };
        let Some(key) = self.key_for(peek.kid.as_deref()).await? else {
            return Ok(None);
        };
        Ok(tokens::decode::<Ids>(token, &key, &self.inner.signed).map(|ids| (found, ids)))
    }

    /// First sight of an access token (or it was forgotten): local checks, then, when the
    /// changes feed cannot vouch for it (a token older than its account's last change or
    /// the feed's last reset; or a server without the feed), the server's confirmation.
    async fn check_access(&self, token: &str) -> Result<Option<Arc<AccessClaims>>> {
        let generation = self.inner.feed.generation();
        let Some(claims) = self.decode_access(token, true).await? else {
            return Ok(None);
        };
        if self.inner.revoked.refuses(&claims) {
            return Ok(None);
        }
        let confirm = if self.inner.feed.is_active() {
            self.inner.feed.must_confirm(&claims)
        } else {
            self.inner.confirmation.is_some()
        };
        if confirm {
            match self.confirm(token).await {
                Ok(true) => {}
                Ok(false) => {
                    // Revoked (or its account disabled) on the server: refused here from now on.
                    self.inner.revoked.insert(claims.jti.clone(), claims.exp);
                    return Ok(None);
                }
                // The server cannot be asked: fail closed (503) rather than accept a token
                // that may have been revoked elsewhere meanwhile.
                Err(err) => return Err(err),
            }
        }
        let claims = Arc::new(claims);
        self.trust(token, Arc::clone(&claims));
        // The feed announced a change meanwhile: verified again on the next use.
        if self.inner.feed.generation() != generation {
            self.inner.verified.remove(token);
        }
        Ok(Some(claims))
    }

    /// Remembers a verified (and confirmed, or just issued) access token: until its `exp`
    /// with the changes feed (which forgets it when its account changes), else for the
    /// confirmation window.
    fn trust(&self, token: &str, claims: Arc<AccessClaims>) {
        let window = if self.inner.feed.is_active() {
            UNCONFIRMED_WINDOW
        } else {
            self.inner.confirmation.unwrap_or(UNCONFIRMED_WINDOW)
        };
        self.inner.verified.insert(token, claims, window);
    }

    /// `GET {app}/authTokens/{jwt}` (302 → `/accessTokens/{jti}`): whether the server still
    /// holds the token valid.
    async fn confirm(&self, token: &str) -> Result<bool> {
        let http = self.http();
        let Some(jwt) = segment(token) else {
            return Ok(false);
        };
        let reply = http
            .send(http.get(&format!("{}/authTokens/{jwt}", self.app_href()))?)
            .await?;
        match reply.ok() {
            Ok(_) => Ok(true),
            Err(Error::InvalidToken | Error::NotFound) => Ok(false),
            Err(err) => Err(err),
        }
    }

    /// The ENABLED account a token subject names, from the cache when it is there.
    async fn token_account(&self, sub: &str) -> Result<Option<Arc<Account>>> {
        let ours = sub
            .strip_prefix(self.http().base())
            .and_then(|rest| rest.strip_prefix("/accounts/"))
            .is_some_and(|id| !id.is_empty() && !id.contains(['/', '?', '#']));
        if !ours {
            return Ok(None);
        }
        let account = self.cached_account(sub).await?;
        Ok(account.filter(|a| a.status == AccountStatus::Enabled))
    }

    /// `POST {app}/oauth/token` with a form.
    async fn token_endpoint(&self, form: &[(&str, &str)]) -> Result<TokenReply> {
        let http = self.http();
        let call = http
            .post(&format!("{}/oauth/token", self.app_href()))?
            .form(form);
        http.fetch(call).await
    }

    /// Marks the tokens of a token listing revoked here and deletes them on the server.
    async fn revoke_listed(&self, docs: Vec<TokenDoc>) -> Result<()> {
        let fallback = now_secs() + UNKNOWN_EXPIRY;
        for doc in &docs {
            let claims = doc.expanded_jwt.as_ref().map(|jwt| &jwt.claims);
            let jti = claims
                .and_then(|c| c.jti.clone())
                .unwrap_or_else(|| last_segment(&doc.href).to_owned());
            let exp = claims.and_then(|c| c.exp).unwrap_or(fallback);
            self.inner.revoked.insert(jti, exp);
        }
        // Every token is tried, whatever became of the others; the first failure is reported.
        let http = self.http();
        let total = docs.len();
        let mut failed = 0_usize;
        let mut first = None;
        for doc in docs {
            let deleted = match http.delete(&doc.href) {
                Ok(call) => http.send(call).await.and_then(|reply| {
                    // 404: already gone.
                    if reply.status() == 404 {
                        Ok(())
                    } else {
                        reply.ok().map(drop)
                    }
                }),
                Err(err) => Err(err),
            };
            if let Err(err) = deleted {
                failed += 1;
                first.get_or_insert(err);
            }
        }
        match first {
            None => Ok(()),
            Some(err) => {
                tracing::warn!(failed, total, error = %err, "tokens not deleted on the server");
                Err(err)
            }
        }
    }
}

#[async_trait]
impl Sessions for RemoteBackend {
    async fn authenticate(&self, login: &str, password: &str) -> Result<Account> {
        let http = self.http();
        let value = STANDARD.encode(format!("{login}:{password}"));
        let call = http
            .post(&format!("{}/loginAttempts", self.app_href()))?
            .query("expand", "account")
            .json(&json!({ "type": "basic", "value": value }))?;
        let attempt: HasAccount = http.fetch(call).await?;
        let account = self.resolve(wire::account_ref(attempt.account)?).await?;
        match account.status {
            AccountStatus::Enabled => Ok((*account).clone()),
            AccountStatus::Unverified => Err(Error::AccountUnverified),
            _ => Err(Error::AccountDisabled),
        }
    }

    async fn change_password(&self, id: &AccountId, current: &str, new: &str) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let account = self.load_account(&href).await?.ok_or(Error::NotFound)?;
        crate::Accounts::password_strength(self).await?.check(new)?;
        // The server checks the current password through a login attempt.
        self.authenticate(&account.email, current).await?;
        let http = self.http();
        self.forget_account(&href);
        let updated = http
            .fetch(http.post(&href)?.json(&password_body(new))?)
            .await;
        self.forget_account(&href);
        self.forget_account_keys(&href);
        match updated.and_then(wire::account) {
            // Changed (the server ended the account's tokens and keys with it): what is
            // refused here must not wait on the listing and deleting that follows.
            Ok(_) => {
                if let Err(err) = self.revoke_all_tokens(id).await {
                    tracing::warn!(account = %href, error = %err, "the password changed; tokens refused here but not all deleted on the server");
                }
                Ok(())
            }
            // No answer, or a broken one: the password may have changed, so the tokens end
            // anyway (here at once, on the server as far as it answers); the error stands.
            Err(err) if err.is_backend() => {
                if let Err(revoking) = self.revoke_all_tokens(id).await {
                    tracing::warn!(account = %href, error = %revoking, "tokens not all deleted after a failed password change");
                }
                Err(err)
            }
            Err(err) => Err(err),
        }
    }

    async fn issue_tokens(&self, account: &Account, grant: TokenGrant) -> Result<TokenSet> {
        let jwt = tokens::mint_stormpath_token(
            &self.inner.encoding,
            &self.inner.key_id,
            &account.href,
            self.app_href(),
            grant,
            OffsetDateTime::now_utc(),
        )?;
        let reply = self
            .token_endpoint(&[("grant_type", "stormpath_token"), ("token", &jwt)])
            .await
            .map_err(|err| match err {
                Error::Backend(_) | Error::AccountDisabled | Error::AccountUnverified => err,
                // Our own grant refused: the key, the clock or the server is at fault.
                other => protocol(format!(
                    "the server refused the stormpath_token grant: {other} (code {})",
                    other.code()
                )),
            })?;
        let claims = self
            .decode_access(&reply.access_token, true)
            .await?
            .ok_or_else(|| protocol("the server issued an access token that does not verify"))?;
        let claims = Arc::new(claims);
        self.trust(&reply.access_token, Arc::clone(&claims));
        self.remember(&Arc::new(account.clone()));
        let refresh = match (grant, reply.refresh_token) {
            (TokenGrant::Password, Some(token)) => {
                let (_, ids) = self
                    .token_ids(&token, Some(TokenKind::Refresh))
                    .await?
                    .ok_or_else(|| {
                        protocol("the server issued a refresh token that does not verify")
                    })?;
                Some(RefreshToken {
                    token,
                    expires_at: ids.exp,
                })
            }
            _ => None,
        };
        Ok(TokenSet {
            access_token: reply.access_token,
            access_expires_at: claims.exp,
            refresh,
            expires_in: reply.expires_in,
        })
    }

    async fn refresh_tokens(&self, refresh_token: &str) -> Result<Refreshed> {
        // Malformed, forged, expired or revoked here: refused without asking the server.
        let (_, ids) = self
            .token_ids(refresh_token, Some(TokenKind::Refresh))
            .await?
            .ok_or(Error::InvalidToken)?;
        if ids.exp <= now_secs() || self.inner.revoked.contains(&ids.jti) {
            return Err(Error::InvalidToken);
        }
        let reply = self
            .token_endpoint(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ])
            .await
            .map_err(|err| {
                if err.is_backend() {
                    err
                } else {
                    Error::InvalidToken
                }
            })?;
        let claims = self
            .decode_access(&reply.access_token, true)
            .await?
            .ok_or_else(|| protocol("the server issued an access token that does not verify"))?;
        let account = self
            .token_account(&claims.sub)
            .await?
            .ok_or(Error::InvalidToken)?;
        let claims = Arc::new(claims);
        self.trust(&reply.access_token, Arc::clone(&claims));
        Ok(Refreshed {
            tokens: TokenSet {
                access_expires_at: claims.exp,
                access_token: reply.access_token,
                refresh: Some(RefreshToken {
                    token: refresh_token.to_owned(),
                    expires_at: ids.exp,
                }),
                expires_in: reply.expires_in,
            },
            session: Authenticated {
                account,
                claims: Some(claims),
            },
        })
    }

    async fn verify_access_token(&self, token: &str) -> Result<Option<Authenticated>> {
        // Fail closed: nothing cached is trusted while the changes feed is silent.
        self.inner.feed.ensure_fresh()?;
        let claims = match self.inner.verified.get(token) {
            Some(claims) => claims,
            None => match self.check_access(token).await? {
                Some(claims) => claims,
                None => return Ok(None),
            },
        };
        if claims.exp <= now_secs() || self.inner.revoked.refuses(&claims) {
            return Ok(None);
        }
        let Some(account) = self.token_account(&claims.sub).await? else {
            return Ok(None);
        };
        Ok(Some(Authenticated {
            account,
            claims: Some(claims),
        }))
    }

    async fn revoke_tokens(&self, tokens: &[&str]) -> Result<()> {
        let http = self.http();
        for token in tokens {
            let Some((kind, ids)) = self.token_ids(token, None).await? else {
                continue;
            };
            if ids.exp <= now_secs() {
                continue;
            }
            // Refused here at once, whatever the server says next.
            self.inner.revoked.insert(ids.jti.clone(), ids.exp);
            self.inner.verified.remove(token);
            let Some(jti) = segment(&ids.jti) else {
                continue;
            };
            let path = match kind {
                TokenKind::Access => format!("/accessTokens/{jti}"),
                TokenKind::Refresh => format!("/refreshTokens/{jti}"),
            };
            let reply = http.send(http.delete(&path)?).await?;
            // 404: already gone.
            if reply.status() != 404 {
                reply.ok()?;
            }
        }
        Ok(())
    }

    /// The account's refresh tokens for this application on the server, one session each
    /// (the server keeps one refresh token per password login).
    async fn sessions(&self, id: &AccountId, current: Option<&str>) -> Result<Vec<SessionInfo>> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        let query = [("application.href".to_owned(), self.app_href().to_owned())];
        let docs: Vec<TokenDoc> = self
            .http()
            .all(&format!("{href}/refreshTokens"), &query)
            .await?;
        let now = now_secs();
        let at = |secs: i64| OffsetDateTime::from_unix_timestamp(secs).ok();
        let mut sessions: Vec<SessionInfo> = docs
            .into_iter()
            .filter_map(|doc| {
                let claims = doc.expanded_jwt?.claims;
                let (jti, exp) = (claims.jti?, claims.exp?);
                if exp <= now || self.inner.revoked.contains(&jti) {
                    return None;
                }
                let mut session =
                    SessionInfo::new(jti, at(claims.iat.unwrap_or(now))?, None, at(exp)?);
                session.current = current == Some(session.id.as_str());
                Some(session)
            })
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        Ok(sessions)
    }

    /// Revokes the session's refresh token on the server (which voids the access tokens minted
    /// from it) and refuses them here at once; only a session of this account is found.
    async fn end_session(&self, id: &AccountId, session: &str) -> Result<()> {
        let found = self
            .sessions(id, None)
            .await?
            .into_iter()
            .find(|s| s.id == session)
            .ok_or(Error::NotFound)?;
        self.inner
            .revoked
            .insert(found.id.clone(), found.expires_at.unix_timestamp());
        let http = self.http();
        let href = format!("{}/refreshTokens/{}", http.base(), found.id);
        let reply = http.send(http.delete(&href)?).await?;
        if reply.status() != 404 {
            reply.ok()?;
        }
        Ok(())
    }

    async fn revoke_all_tokens(&self, id: &AccountId) -> Result<()> {
        let href = self.account_href(id).ok_or(Error::NotFound)?;
        self.forget_account(&href);
        // Refused here at once, including tokens the server has already forgotten: earlier
        // ones by their `iat`, ones of this very second by asking the server again.
        self.inner.revoked.revoke_subject(&href, now_secs());
        self.inner.verified.forget_subject(&href);
        let http = self.http();
        let mut docs: Vec<TokenDoc> = http.all(&format!("{href}/accessTokens"), &[]).await?;
        docs.extend(
            http.all::<TokenDoc>(&format!("{href}/refreshTokens"), &[])
                .await?,
        );
        self.revoke_listed(docs).await
    }
}
