//! Access and refresh tokens: minting, verification and the in-memory revocation list.

mod jwt;

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use serde::{Deserialize, Serialize};
use stormpath_client::{AccessClaims, TokenKind};

use crate::util;

/// The minimum signing-key length in bytes (256 bits, CS-JWT).
pub const MIN_SIGNING_KEY_LEN: usize = 32;

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
    key: Vec<u8>,
    kid: Option<String>,
    issuer: String,
    access_ttl: i64,
    refresh_ttl: i64,
    /// Revoked `jti`s (access or refresh) and their expiry, in seconds.
    revoked: RwLock<HashMap<String, i64>>,
    /// Access tokens whose signature was already checked, by their exact text: a repeat
    /// presentation skips the HMAC, base64 and JSON work (expiry and revocation are still
    /// checked every time).
    /// Keyed by the signature segment (short to hash); the whole text is compared on a hit.
    verified: RwLock<HashMap<Box<str>, VerifiedToken>>,
}

/// A verified access token's full text and its claims.
type VerifiedToken = (Box<str>, Arc<AccessClaims>);

/// How many verified access tokens are remembered before the memory is cleared.
const VERIFIED_CAPACITY: usize = 50_000;

impl Tokens {
    pub(crate) fn new(
        key: Vec<u8>,
        kid: Option<String>,
        issuer: String,
        access_ttl: i64,
        refresh_ttl: i64,
    ) -> Self {
        Self {
            key,
            kid,
            issuer,
            access_ttl,
            refresh_ttl,
            revoked: RwLock::default(),
            verified: RwLock::default(),
        }
    }

    pub(crate) fn access_ttl(&self) -> i64 {
        self.access_ttl
    }

    /// Mints an access token for `sub`, tied to refresh token `rti` when there is one.
    pub(crate) fn mint_access(
        &self,
        sub: &str,
        rti: Option<&str>,
        scope: Option<&str>,
    ) -> (String, AccessClaims) {
        let iat = util::now_secs();
        let claims = AccessClaims {
            jti: util::random_token(16),
            iat,
            exp: iat + self.access_ttl,
            iss: self.issuer.clone(),
            sub: sub.to_owned(),
            rti: rti.map(str::to_owned),
            scope: scope.map(str::to_owned),
        };
        (
            jwt::sign(&claims, TokenKind::Access, self.kid.as_deref(), &self.key),
            claims,
        )
    }

    /// Mints a refresh token for `sub`.
    pub(crate) fn mint_refresh(&self, sub: &str) -> (String, RefreshClaims) {
        let iat = util::now_secs();
        let claims = RefreshClaims {
            jti: util::random_token(16),
            iat,
            exp: iat + self.refresh_ttl,
            iss: self.issuer.clone(),
            sub: sub.to_owned(),
        };
        (
            jwt::sign(&claims, TokenKind::Refresh, self.kid.as_deref(), &self.key),
            claims,
        )
    }

    /// Verifies an access token: signature, kind, expiry and revocation (of itself and of the
    /// refresh token it was minted with). The account checks are the caller's.
    pub(crate) fn verify_access(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let signature = token.rsplit('.').next().unwrap_or_default();
        let known = self
            .verified
            .read()
            .ok()?
            .get(signature)
            .filter(|(text, _)| **text == *token)
            .map(|(_, claims)| Arc::clone(claims));
        let claims = match known {
            Some(claims) => claims,
            None => {
                let (kind, claims): (_, AccessClaims) = jwt::verify(token, &self.key)?;
                if kind != TokenKind::Access {
                    return None;
                }
                let claims = Arc::new(claims);
                if let Ok(mut verified) = self.verified.write() {
                    if verified.len() >= VERIFIED_CAPACITY {
                        verified.clear();
                    }
                    verified.insert(signature.into(), (token.into(), Arc::clone(&claims)));
                }
                claims
            }
        };
        if claims.exp <= util::now_secs() {
            return None;
        }
        let revoked = self.revoked.read().ok()?;
        if revoked.contains_key(&claims.jti)
            || claims
                .rti
                .as_ref()
                .is_some_and(|rti| revoked.contains_key(rti))
        {
            return None;
        }
        Some(claims)
    }

    /// Verifies a refresh token: signature, kind, expiry and revocation.
    pub(crate) fn verify_refresh(&self, token: &str) -> Option<RefreshClaims> {
        let (kind, claims): (_, RefreshClaims) = jwt::verify(token, &self.key)?;
        if kind != TokenKind::Refresh || claims.exp <= util::now_secs() {
            return None;
        }
        if self.revoked.read().ok()?.contains_key(&claims.jti) {
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
        let (kind, ids): (_, Ids) = jwt::verify(token, &self.key)?;
        Some((kind, ids.jti, ids.exp))
    }

    /// Adds `jti`s to the revocation list, dropping entries that have expired anyway.
    pub(crate) fn mark_revoked(&self, entries: impl IntoIterator<Item = (String, i64)>) {
        let now = util::now_secs();
        if let Ok(mut revoked) = self.revoked.write() {
            revoked.extend(entries);
            if revoked.len() > 4096 {
                revoked.retain(|_, exp| *exp > now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> Tokens {
        Tokens::new(vec![7; 32], None, "iss".into(), 3600, 86_400)
    }

    #[test]
    fn access_and_refresh_are_not_interchangeable() {
        let t = tokens();
        let (access, _) = t.mint_access("sub", None, None);
        let (refresh, _) = t.mint_refresh("sub");
        assert!(t.verify_access(&access).is_some());
        assert!(t.verify_refresh(&refresh).is_some());
        assert!(t.verify_access(&refresh).is_none());
        assert!(t.verify_refresh(&access).is_none());
    }

    #[test]
    fn each_token_has_its_own_jti() {
        let t = tokens();
        let (a, ca) = t.mint_access("sub", None, None);
        let (b, cb) = t.mint_access("sub", None, None);
        assert_ne!(a, b);
        assert_ne!(ca.jti, cb.jti);
    }

    #[test]
    fn revoking_a_refresh_token_kills_its_access_tokens() {
        let t = tokens();
        let (refresh, rc) = t.mint_refresh("sub");
        let (access, _) = t.mint_access("sub", Some(&rc.jti), None);
        t.mark_revoked([(rc.jti.clone(), rc.exp)]);
        assert!(t.verify_refresh(&refresh).is_none());
        assert!(t.verify_access(&access).is_none());
    }

    #[test]
    fn expired_tokens_fail() {
        let t = Tokens::new(vec![7; 32], None, "iss".into(), -1, -1);
        let (access, _) = t.mint_access("sub", None, None);
        assert!(t.verify_access(&access).is_none());
    }
}
