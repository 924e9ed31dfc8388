//! Access and refresh tokens: minting, verification and the in-memory revocation list.
//!
//! Tokens are compact JWS through `jsonwebtoken`, signed `HS256` on *ring*
//! ([`stormpath_client::jws`]):
//! header `{"typ":"JWT","alg":"HS256","kid":…,"stt":"access"|"refresh"}` (spec §6). A token is
//! verified with the key its `kid` names ([`keys`]), and only as `HS256`; its `iss` must be
//! ours and its `exp` in the future; there is no audience check.

mod keys;
mod revoked;
mod verified;

use std::sync::Arc;

use jsonwebtoken::{Algorithm, Header, Validation};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use stormpath_client::{AccessClaims, Error, Result, TokenKind};

pub(crate) use keys::KeySet;
pub(crate) use revoked::Revocations;

use crate::util;

/// The minimum signing-key length in bytes (256 bits, CS-JWT).
pub const MIN_SIGNING_KEY_LEN: usize = 32;

/// The longest token accepted for parsing (a guard against oversized headers).
const MAX_TOKEN_LEN: usize = 4096;

/// How many verified access tokens are remembered.
const VERIFIED_CAPACITY: u64 = 50_000;

/// The header member naming the token kind ("Stormpath token type").
const KIND_HEADER: &str = "stt";

/// Refresh-token claims (no `rti`, per the spec).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RefreshClaims {
    pub(crate) jti: String,
    pub(crate) iat: i64,
    pub(crate) exp: i64,
    pub(crate) iss: String,
    pub(crate) sub: String,
}

/// Mints and verifies tokens, and remembers which ones were revoked until they expire.
pub(crate) struct Tokens {
    keys: KeySet,
    issuer: String,
    access_ttl: i64,
    refresh_ttl: i64,
    /// What a token must satisfy to be used: `HS256`, our issuer, an `exp` (checked with no
    /// leeway), no audience expectations.
    live: Validation,
    /// The same without the expiry check: which of our tokens is being revoked.
    signed: Validation,
    /// Revoked `jti`s (access or refresh), shared by every handle of the store.
    revoked: Arc<Revocations>,
    /// Access tokens whose signature was already checked (expiry and revocation are still
    /// checked every time).
    verified: verified::VerifiedTokens,
}

impl Tokens {
    pub(crate) fn new(
        keys: KeySet,
        issuer: String,
        (access_ttl, refresh_ttl): (i64, i64),
        revoked: Arc<Revocations>,
    ) -> Self {
        stormpath_client::jws::install();
        let mut live = Validation::new(Algorithm::HS256);
        live.leeway = 0;
        live.validate_aud = false;
        live.set_issuer(&[&issuer]);
        live.set_required_spec_claims(&["exp", "iss"]);
        let mut signed = live.clone();
        signed.validate_exp = false;
        Self {
            keys,
            issuer,
            access_ttl,
            refresh_ttl,
            live,
            signed,
            revoked,
            verified: verified::VerifiedTokens::new(VERIFIED_CAPACITY),
        }
    }

    pub(crate) fn access_ttl(&self) -> i64 {
        self.access_ttl
    }

    /// The refresh-token lifetime in seconds (0: none are issued).
    pub(crate) fn refresh_ttl(&self) -> i64 {
        self.refresh_ttl
    }

    /// Mints an access token for `sub`, tied to refresh token `rti` when there is one.
    #[cfg(test)]
    pub(crate) fn mint_access(
        &self,
        sub: &str,
        rti: Option<&str>,
        scope: Option<&str>,
    ) -> Result<(String, AccessClaims)> {
        self.mint_access_for(sub, rti, scope, None, None)
    }

    /// Mints an access token, marked with the grant that asked for it (`gty`) when that is
    /// not a password session.
    pub(crate) fn mint_access_for(
        &self,
        sub: &str,
        rti: Option<&str>,
        scope: Option<&str>,
        grant_type: Option<&str>,
        auth_time: Option<i64>,
    ) -> Result<(String, AccessClaims)> {
        let iat = util::now_secs();
        let claims = AccessClaims {
            jti: util::random_token(16),
            iat,
            exp: iat + self.access_ttl,
            iss: self.issuer.clone(),
            sub: sub.to_owned(),
            rti: rti.map(str::to_owned),
            scope: scope.map(str::to_owned),
            grant_type: grant_type.map(str::to_owned),
            auth_time,
        };
        Ok((self.sign(&claims, TokenKind::Access)?, claims))
    }

    /// Mints a refresh token for `sub`.
    pub(crate) fn mint_refresh(&self, sub: &str) -> Result<(String, RefreshClaims)> {
        self.mint_refresh_until(sub, i64::MAX)
    }

    /// Mints a refresh token for `sub` that expires after its lifetime or at `until`
    /// (seconds), whichever comes first.
    pub(crate) fn mint_refresh_until(
        &self,
        sub: &str,
        until: i64,
    ) -> Result<(String, RefreshClaims)> {
        let iat = util::now_secs();
        let claims = RefreshClaims {
            jti: util::random_token(16),
            iat,
            exp: (iat + self.refresh_ttl).min(until),
            iss: self.issuer.clone(),
            sub: sub.to_owned(),
        };
        Ok((self.sign(&claims, TokenKind::Refresh)?, claims))
    }

    fn sign(&self, claims: &impl Serialize, kind: TokenKind) -> Result<String> {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.keys.kid().to_owned());
        header.extras.insert(KIND_HEADER, kind);
        jsonwebtoken::encode(&header, claims, self.keys.signing()).map_err(Error::backend)
    }

    /// Verifies an access token: signature, kind, issuer, expiry and revocation (of itself and
    /// of the refresh token it was minted with). The account checks are the caller's.
    pub(crate) fn verify_access(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let now = util::now_secs();
        let claims = match self.verified.get(token, now) {
            Some(claims) => claims,
            None => {
                let (kind, claims) = self.decode::<AccessClaims>(token, &self.live)?;
                // jsonwebtoken still admits the second of `exp` itself.
                if kind != TokenKind::Access || claims.exp <= now {
                    return None;
                }
                let claims = Arc::new(claims);
                self.verified.insert(token, Arc::clone(&claims));
                claims
            }
        };
        if self
            .revoked
            .any([Some(claims.jti.as_str()), claims.rti.as_deref()])
        {
            return None;
        }
        Some(claims)
    }

    /// Verifies a refresh token: signature, kind, issuer, expiry and revocation.
    pub(crate) fn verify_refresh(&self, token: &str) -> Option<RefreshClaims> {
        let (kind, claims) = self.decode::<RefreshClaims>(token, &self.live)?;
        if kind != TokenKind::Refresh || claims.exp <= util::now_secs() {
            return None;
        }
        if self.revoked.contains(&claims.jti) {
            return None;
        }
        Some(claims)
    }

    /// Reads the `jti` and `exp` of any token we signed, whatever its kind or expiry.
    pub(crate) fn identify(&self, token: &str) -> Option<(TokenKind, String, i64)> {
        #[derive(Deserialize)]
        struct Ids {
            jti: String,
            exp: i64,
        }
        let (kind, ids) = self.decode::<Ids>(token, &self.signed)?;
        Some((kind, ids.jti, ids.exp))
    }

    /// Checks a token's signature with the key its `kid` names and `validation`, and returns
    /// its kind and claims. `exp` is checked by jsonwebtoken when `validation` says so, and
    /// again (strictly in the future) by the callers that need a live token.
    fn decode<C: DeserializeOwned>(
        &self,
        token: &str,
        validation: &Validation,
    ) -> Option<(TokenKind, C)> {
        if token.len() > MAX_TOKEN_LEN {
            return None;
        }
        let kid = jsonwebtoken::decode_header(token).ok()?.kid;
        let key = self.keys.verifying(kid.as_deref())?;
        let data = jsonwebtoken::decode::<C>(token, key, validation).ok()?;
        let kind = data.header.extras.get::<TokenKind>(KIND_HEADER).ok()??;
        Some((kind, data.claims))
    }
}

#[cfg(test)]
mod tests;
