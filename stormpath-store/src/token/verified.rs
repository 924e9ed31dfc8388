//! Access tokens whose signature was already checked, so that a repeat presentation (every
//! authenticated request) skips the HMAC, base64 and JSON work.

use std::{sync::Arc, time::Duration, time::Instant};

use moka::{Expiry, sync::Cache};
use stormpath_client::AccessClaims;

use crate::util;

/// A verified token's full text and its claims.
struct Verified {
    text: Box<str>,
    claims: Arc<AccessClaims>,
}

/// Verified access tokens, keyed by their signature segment (short to hash); the whole text is
/// compared on a hit. Bounded in size, and no entry outlives its token's `exp`.
pub(crate) struct VerifiedTokens {
    cache: Cache<Box<str>, Arc<Verified>>,
}

impl VerifiedTokens {
    /// A cache of at most `capacity` tokens.
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(capacity)
                .expire_after(UntilExp)
                .build(),
        }
    }

    /// The claims of `token` if it was verified before: one lookup, no allocation. Expiry and
    /// revocation are still the caller's to check.
    pub(crate) fn get(&self, token: &str) -> Option<Arc<AccessClaims>> {
        let hit = self.cache.get(signature(token))?;
        (*hit.text == *token).then(|| Arc::clone(&hit.claims))
    }

    /// Remembers a token whose signature and kind were just checked.
    pub(crate) fn insert(&self, token: &str, claims: Arc<AccessClaims>) {
        let verified = Verified {
            text: token.into(),
            claims,
        };
        self.cache
            .insert(signature(token).into(), Arc::new(verified));
    }

    #[cfg(test)]
    fn settled_len(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }
}

/// The signature segment of a compact JWS (the whole text when it has no dot).
fn signature(token: &str) -> &str {
    token.rsplit('.').next().unwrap_or(token)
}

/// Expires each entry at its token's `exp`.
struct UntilExp;

impl Expiry<Box<str>, Arc<Verified>> for UntilExp {
    fn expire_after_create(
        &self,
        _: &Box<str>,
        value: &Arc<Verified>,
        _: Instant,
    ) -> Option<Duration> {
        let left = value.claims.exp.saturating_sub(util::now_secs());
        Some(Duration::from_secs(u64::try_from(left).unwrap_or(0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            jti: "j".into(),
            iat: 0,
            exp,
            iss: "i".into(),
            sub: "s".into(),
            rti: None,
            scope: None,
        })
    }

    #[test]
    fn a_hit_needs_the_whole_text() {
        let cache = VerifiedTokens::new(10);
        let exp = util::now_secs() + 60;
        cache.insert("h.c.sig", claims(exp));
        assert_eq!(cache.get("h.c.sig").map(|c| c.exp), Some(exp));
        assert!(cache.get("h.forged.sig").is_none());
        assert!(cache.get("h.c.other").is_none());
    }

    #[test]
    fn bounded_in_size() {
        let cache = VerifiedTokens::new(100);
        let exp = util::now_secs() + 60;
        for i in 0..1_000 {
            cache.insert(&format!("h.c.{i}"), claims(exp));
        }
        assert!(cache.settled_len() <= 100);
    }

    #[test]
    fn entries_do_not_outlive_the_token() {
        let cache = VerifiedTokens::new(10);
        cache.insert("h.c.expired", claims(util::now_secs() - 1));
        // Hidden at once; moka's timer wheel evicts it within about a second.
        assert!(cache.get("h.c.expired").is_none());
    }
}
