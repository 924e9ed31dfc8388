//! The bounded resource cache: quick_cache (one sharded lookup per read, least-used entries
//! evicted past the capacity), each entry with a deadline checked on read.

use std::time::{Duration, Instant};

use quick_cache::sync::Cache;

/// Values by key (an href, a key id, a token's signature), each served until its deadline.
pub(crate) struct TtlCache<V: Clone> {
    entries: Cache<Box<str>, (V, Instant)>,
    ttl: Duration,
}

impl<V: Clone> TtlCache<V> {
    /// At most `capacity` entries, each served `ttl` at most.
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            entries: Cache::new(std::cmp::max(capacity, 1)),
            ttl,
        }
    }

    /// The value of `key`, unless its deadline has passed (then it is dropped).
    pub(crate) fn get(&self, key: &str) -> Option<V> {
        let (value, deadline) = self.entries.get(key)?;
        if Instant::now() >= deadline {
            self.entries.remove(key);
            return None;
        }
        Some(value)
    }

    /// Remembers `value` for the cache's TTL.
    pub(crate) fn insert(&self, key: &str, value: V) {
        if let Some(deadline) = Instant::now().checked_add(self.ttl) {
            self.insert_until(key, value, deadline);
        }
    }

    /// Remembers `value` until `deadline` (never past the cache's TTL).
    pub(crate) fn insert_until(&self, key: &str, value: V, deadline: Instant) {
        let latest = Instant::now().checked_add(self.ttl).unwrap_or(deadline);
        let deadline = std::cmp::min(deadline, latest);
        if deadline > Instant::now() {
            self.entries.insert(key.into(), (value, deadline));
        }
    }

    /// Forgets `key`.
    pub(crate) fn remove(&self, key: &str) {
        self.entries.remove(key);
    }

    /// Forgets every entry.
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }

    /// Forgets every entry whose value fails `keep`.
    pub(crate) fn retain(&self, keep: impl Fn(&V) -> bool) {
        self.entries.retain(|_, (value, _)| keep(value));
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_size() {
        let cache = TtlCache::new(50, Duration::from_secs(60));
        for i in 0..500 {
            cache.insert(&format!("k{i}"), i);
        }
        assert!(cache.len() <= 50, "{} entries", cache.len());
    }

    #[test]
    fn entries_expire_and_are_dropped_on_read() {
        let cache = TtlCache::new(10, Duration::from_millis(40));
        cache.insert("a", 1);
        assert_eq!(cache.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("a"), None);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_deadline_never_passes_the_ttl() {
        let cache = TtlCache::new(10, Duration::from_millis(40));
        cache.insert_until("a", 1, Instant::now() + Duration::from_secs(3600));
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(cache.get("a"), None);
        cache.insert_until("b", 2, Instant::now());
        assert_eq!(cache.get("b"), None, "a past deadline is not stored");
        cache.insert("c", 3);
        cache.remove("c");
        assert_eq!(cache.get("c"), None);
    }
}
