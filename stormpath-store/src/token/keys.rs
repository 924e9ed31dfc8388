//! The key set: the current signing key, named by its `kid`, and the retired keys whose tokens
//! still verify during a rotation.

use std::collections::HashMap;

use jsonwebtoken::{DecodingKey, EncodingKey, errors::Result};
use sha2::{Digest, Sha256};

/// How many bytes of the key's SHA-256 name a key that was given no `kid` (hex: twice as many
/// characters).
const DERIVED_KID_BYTES: usize = 8;

/// The `kid` of a key configured without one: the first bytes of its SHA-256, in hex. Stable
/// across restarts and processes, and says nothing useful about the key.
pub(crate) fn derived_kid(key: &[u8]) -> String {
    Sha256::digest(key)
        .iter()
        .take(DERIVED_KID_BYTES)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Signing and verification keys by `kid`.
pub(crate) struct KeySet {
    kid: String,
    signing: EncodingKey,
    current: DecodingKey,
    retired: HashMap<String, DecodingKey>,
}

impl KeySet {
    /// The current key (named `kid`, or [`derived_kid`] when `None`) and the retired keys
    /// tokens are still accepted from, each by the `kid` it was configured with and by its
    /// derived one (tokens signed while it was current without a configured `kid` carry that).
    /// A retired key never shadows the current key's `kid`.
    ///
    /// # Errors
    /// An empty key.
    pub(crate) fn new(
        key: &[u8],
        kid: Option<String>,
        retired: &[(String, Vec<u8>)],
    ) -> Result<Self> {
        let kid = kid.unwrap_or_else(|| derived_kid(key));
        let mut old = HashMap::with_capacity(retired.len() * 2);
        for (retired_kid, retired_key) in retired {
            let decoding = DecodingKey::from_secret(retired_key)?;
            for name in [retired_kid.clone(), derived_kid(retired_key)] {
                if name != kid {
                    old.insert(name, decoding.clone());
                }
            }
        }
        Ok(Self {
            signing: EncodingKey::from_secret(key)?,
            current: DecodingKey::from_secret(key)?,
            kid,
            retired: old,
        })
    }

    /// The `kid` new tokens carry.
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The key new tokens are signed with.
    pub(crate) fn signing(&self) -> &EncodingKey {
        &self.signing
    }

    /// The key a token naming `kid` is verified with: the current key for its own `kid` or for
    /// no `kid` at all, a retired key for its `kid`, none for an unknown `kid`.
    pub(crate) fn verifying(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match kid {
            None => Some(&self.current),
            Some(kid) if kid == self.kid => Some(&self.current),
            Some(kid) => self.retired.get(kid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_kids_are_stable_short_and_distinct() {
        assert_eq!(derived_kid(b"one key"), derived_kid(b"one key"));
        assert_ne!(derived_kid(b"one key"), derived_kid(b"another key"));
        assert_eq!(derived_kid(b"one key").len(), 2 * DERIVED_KID_BYTES);
    }

    #[test]
    fn keys_are_found_by_kid() {
        let set =
            KeySet::new(b"new", Some("k2".into()), &[("k1".into(), b"old".to_vec())]).unwrap();
        assert_eq!(set.kid(), "k2");
        assert!(set.verifying(None).is_some());
        assert!(set.verifying(Some("k2")).is_some());
        assert!(set.verifying(Some("k1")).is_some());
        assert!(set.verifying(Some(&derived_kid(b"old"))).is_some());
        assert!(set.verifying(Some("k0")).is_none());
        assert!(KeySet::new(b"", None, &[]).is_err());
    }

    #[test]
    fn a_retired_key_never_shadows_the_current_kid() {
        let set = KeySet::new(b"new", Some("k".into()), &[("k".into(), b"old".to_vec())]).unwrap();
        let current = DecodingKey::from_secret(b"new").unwrap();
        let found = set.verifying(Some("k")).unwrap();
        assert_eq!(
            found.try_get_as_bytes().unwrap(),
            current.try_get_as_bytes().unwrap()
        );
    }
}
