//! Counters in this process's memory.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use async_trait::async_trait;

use super::{Counters, Rule, now_ms, step};
use crate::{Error, Result};

/// Above this many keys, a write first drops the empty buckets and the expired memories.
const PRUNE_ABOVE: usize = 10_000;

/// A clock in milliseconds since the Unix epoch.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// [`Counters`] in this process's memory: for a single instance (several instances need a
/// shared store, or each would count on its own). An entry lives only until its bucket is empty
/// (at most its rule's window), so memory follows the rate of failures, not the history.
pub struct LocalCounters {
    /// Key → the instant (ms) its bucket is empty, or its memory expires.
    entries: Mutex<HashMap<String, u64>>,
    clock: Clock,
}

impl Default for LocalCounters {
    fn default() -> Self {
        Self::with_clock(Arc::new(now_ms))
    }
}

impl std::fmt::Debug for LocalCounters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalCounters").finish_non_exhaustive()
    }
}

impl LocalCounters {
    /// Counters that read the time from `clock` (tests move time forward without sleeping).
    #[must_use]
    pub fn with_clock(clock: Clock) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            clock,
        }
    }

    /// How many keys are held (empty buckets may linger until the next prune).
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// Whether no key is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn apply(&self, key: &str, rule: Rule, add: bool) -> Result<Option<Duration>> {
        let now = (self.clock)();
        // A poisoned lock fails closed (503), never open.
        let mut entries = self.entries.lock().map_err(|_| Error::Unavailable)?;
        let tat = entries.get(key).copied().unwrap_or(0);
        let (next, wait) = step(tat, now, rule, add);
        if let Some(next) = next {
            if entries.len() > PRUNE_ABOVE {
                entries.retain(|_, until| *until > now);
            }
            entries.insert(key.to_owned(), next);
        }
        Ok(wait.map(Duration::from_millis))
    }
}

#[async_trait]
impl Counters for LocalCounters {
    async fn check(&self, key: &str, rule: Rule) -> Result<Option<Duration>> {
        self.apply(key, rule, false)
    }

    async fn take(&self, key: &str, rule: Rule) -> Result<Option<Duration>> {
        self.apply(key, rule, true)
    }

    async fn clear(&self, key: &str) -> Result<()> {
        let mut entries = self.entries.lock().map_err(|_| Error::Unavailable)?;
        entries.remove(key);
        Ok(())
    }

    async fn remember(&self, key: &str, ttl: Duration) -> Result<()> {
        let until =
            (self.clock)().saturating_add(u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX));
        let mut entries = self.entries.lock().map_err(|_| Error::Unavailable)?;
        entries.insert(key.to_owned(), until);
        Ok(())
    }

    async fn remembers(&self, key: &str) -> Result<bool> {
        let now = (self.clock)();
        let entries = self.entries.lock().map_err(|_| Error::Unavailable)?;
        Ok(entries.get(key).is_some_and(|until| *until > now))
    }
}
