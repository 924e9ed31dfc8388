//! Access tokens whose signature was already checked, so that a repeat presentation (every
//! authenticated request) skips the HMAC, base64 and JSON work.

use std::sync::Arc;

use quick_cache::sync::Cache;
use stormpath_client::AccessClaims;

/// A verified token's full text and its claims.
struct Verified {
    text: Box<str>,
    claims: Arc<AccessClaims>,
}

/// Verified access tokens, keyed by their signature segment (short to hash); the whole text is
/// compared on a hit. Bounded in size (the least used go first), and an entry whose token has
/// expired is never returned: it is dropped when next looked up.
pub(crate) struct VerifiedTokens {
    cache: Cache<Box<str>, Arc<Verified>>,
}

impl VerifiedTokens {
    /// A cache of at most `capacity` tokens.
    pub(crate) fn new(capacity: u64) -> Self {
        Self {
            cache: Cache::new(usize::try_from(capacity).unwrap_or(usize::MAX)),
        }
    }

    /// The claims of `token` if it was verified before and has not expired at `now` (seconds):
    /// one lookup, no allocation. Revocation is still the caller's to check.
    pub(crate) fn get(&self, token: &str, now: i64) -> Option<Arc<AccessClaims>> {
        let key = signature(token);
        let hit = self.cache.get(key)?;
        if hit.claims.exp <= now {
            self.cache.remove(key);
            return None;
        }
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
    fn len(&self) -> usize {
        self.cache.len()
    }
}

/// The signature segment of a compact JWS (the whole text when it has no dot).
fn signature(token: &str) -> &str {
    token.rsplit('.').next().unwrap_or(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::util;

    fn claims(exp: i64) -> Arc<AccessClaims> {
        Arc::new(AccessClaims {
            jti: "j".into(),
            iat: 0,
            exp,
            iss: "i".into(),
            sub: "s".into(),
            rti: None,
            scope: None,
            grant_type: None,
            auth_time: None,
        })
    }

    #[test]
    fn a_hit_needs_the_whole_text() {
        let cache = VerifiedTokens::new(10);
        let now = util::now_secs();
        let exp = now + 60;
        cache.insert("h.c.sig", claims(exp));
        assert_eq!(cache.get("h.c.sig", now).map(|c| c.exp), Some(exp));
        assert!(cache.get("h.forged.sig", now).is_none());
        assert!(cache.get("h.c.other", now).is_none());
    }

    #[test]
    fn bounded_in_size() {
        let cache = VerifiedTokens::new(100);
        let exp = util::now_secs() + 60;
        for i in 0..1_000 {
            cache.insert(&format!("h.c.{i}"), claims(exp));
        }
        assert!(cache.len() <= 100, "{} entries", cache.len());
    }

    #[test]
    fn entries_do_not_outlive_the_token() {
        let cache = VerifiedTokens::new(10);
        cache.insert("h.c.expired", claims(util::now_secs() - 1));
        assert_eq!(cache.len(), 1);
        assert!(cache.get("h.c.expired", util::now_secs()).is_none());
        assert_eq!(cache.len(), 0, "dropped when looked up");
    }
}
