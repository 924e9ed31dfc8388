//! Per-account login throttling (security.md RATE-1, RATE-2): after
//! [`FREE_FAILURES`] consecutive failures for one login, further attempts are refused for a
//! window that doubles with each failure, up to [`MAX_LOCK`]. A success clears the count.
//!
//! Every password login goes through [`Backend::authenticate`](stormpath_client::Backend), so
//! the HTML form, the JSON login and the OAuth password grant share one counter. A refused
//! attempt looks exactly like a wrong password (same error, same time: the caller still runs
//! the dummy hash), so the lock does not tell an attacker whether the account exists.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Consecutive failures allowed before attempts are slowed down.
pub(crate) const FREE_FAILURES: u32 = 10;
/// The longest lock.
pub(crate) const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// How many logins are tracked before stale entries are dropped.
const CAPACITY: usize = 100_000;

struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last: Instant,
}

/// Failure counts by canonical login.
#[derive(Default)]
pub(crate) struct Throttle {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Throttle {
    /// Whether attempts for `login` are refused right now.
    pub(crate) fn is_locked(&self, login: &str) -> bool {
        let Ok(entries) = self.entries.lock() else {
            return false;
        };
        entries
            .get(login)
            .and_then(|e| e.locked_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Records a failed attempt.
    pub(crate) fn failed(&self, login: &str) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = Instant::now();
        if entries.len() >= CAPACITY {
            entries.retain(|_, e| now.duration_since(e.last) < MAX_LOCK);
        }
        let entry = entries.entry(login.to_owned()).or_insert(Entry {
            failures: 0,
            locked_until: None,
            last: now,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.last = now;
        if entry.failures >= FREE_FAILURES {
            let doublings = (entry.failures - FREE_FAILURES).min(10);
            let lock = Duration::from_secs(1 << doublings).min(MAX_LOCK);
            entry.locked_until = Some(now + lock);
        }
    }

    /// Clears the count after a success (or a completed password reset).
    pub(crate) fn cleared(&self, login: &str) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(login);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_free_failures_and_clears_on_success() {
        let t = Throttle::default();
        for _ in 0..FREE_FAILURES - 1 {
            t.failed("a");
        }
        assert!(!t.is_locked("a"));
        t.failed("a");
        assert!(t.is_locked("a"));
        assert!(
            !t.is_locked("b"),
            "one account's failures do not lock another"
        );
        t.cleared("a");
        assert!(!t.is_locked("a"));
    }
}
