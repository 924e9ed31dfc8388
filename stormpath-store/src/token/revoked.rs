//! The revoked token ids every handle of a store checks, kept in memory until the tokens
//! expire.

use std::{collections::HashMap, sync::RwLock};

use crate::util;

/// Entries above this count make a write drop the expired ones first.
const PRUNE_ABOVE: usize = 4096;

/// Revoked `jti`s (access or refresh) and their expiry in seconds. Shared by every handle of a
/// store and kept in step with the other instances by the shared-state listener
/// ([`crate::shared`]).
#[derive(Default)]
pub(crate) struct Revocations {
    entries: RwLock<HashMap<String, i64>>,
}

impl Revocations {
    /// Whether `jti` is revoked. A poisoned lock counts as revoked (fail closed).
    pub(crate) fn contains(&self, jti: &str) -> bool {
        self.entries
            .read()
            .map_or(true, |entries| entries.contains_key(jti))
    }

    /// Whether any of `jtis` is revoked (one lock for all).
    pub(crate) fn any(&self, jtis: [Option<&str>; 2]) -> bool {
        let Ok(entries) = self.entries.read() else {
            return true;
        };
        jtis.into_iter()
            .flatten()
            .any(|jti| entries.contains_key(jti))
    }

    /// Adds entries, dropping those that have expired anyway once the list grows.
    pub(crate) fn mark(&self, entries: impl IntoIterator<Item = (String, i64)>) {
        if let Ok(mut revoked) = self.entries.write() {
            revoked.extend(entries);
            if revoked.len() > PRUNE_ABOVE {
                let now = util::now_secs();
                revoked.retain(|_, exp| *exp > now);
            }
        }
    }

    /// Every entry that has not expired (`None` if the lock is poisoned: the caller fails
    /// closed).
    pub(crate) fn snapshot(&self) -> Option<Vec<(String, i64)>> {
        let now = util::now_secs();
        let entries = self.entries.read().ok()?;
        Some(
            entries
                .iter()
                .filter(|(_, exp)| **exp > now)
                .map(|(jti, exp)| (jti.clone(), *exp))
                .collect(),
        )
    }

    /// Replaces every entry with `entries` (a reload from the shared record).
    pub(crate) fn replace(&self, entries: impl IntoIterator<Item = (String, i64)>) {
        let now = util::now_secs();
        let fresh: HashMap<_, _> = entries.into_iter().filter(|(_, exp)| *exp > now).collect();
        if let Ok(mut revoked) = self.entries.write() {
            *revoked = fresh;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_replaces_and_prunes() {
        let r = Revocations::default();
        let later = util::now_secs() + 60;
        r.mark([("a".to_owned(), later)]);
        assert!(r.contains("a") && !r.contains("b"));
        assert!(r.any([None, Some("a")]) && !r.any([Some("b"), None]));
        r.replace([("b".to_owned(), later), ("old".to_owned(), 1)]);
        assert!(!r.contains("a") && r.contains("b") && !r.contains("old"));
        assert_eq!(r.snapshot().unwrap(), vec![("b".to_owned(), later)]);
        r.mark((0..PRUNE_ABOVE + 1).map(|i| (format!("x{i}"), 1)));
        assert!(
            r.entries.read().unwrap().len() <= 2,
            "expired entries pruned"
        );
    }
}
