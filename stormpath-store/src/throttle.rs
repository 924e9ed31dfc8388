//! Per-account login throttling (security.md RATE-1, RATE-2): after
//! [`FREE_FAILURES`] consecutive failures for one login, further attempts are refused for a
//! window that doubles with each failure, up to [`MAX_LOCK`]. A success clears the count.
//!
//! Every password login goes through [`Backend::authenticate`](stormpath_client::Backend), so
//! the HTML form, the JSON login and the OAuth password grant share one counter. A refused
//! attempt looks exactly like a wrong password (same error, same time: the caller still runs
//! the dummy hash), so the lock does not tell an attacker whether the account exists.
//!
//! With Redis configured the counters live there, so every instance sees the same count
//! ([`crate::shared::RedisCounters`]); otherwise in this process's memory.

use std::time::{Duration, Instant};

use quick_cache::sync::{Cache, EntryAction, EntryResult};
use stormpath_client::Error as ClientError;

/// Consecutive failures allowed before attempts are slowed down.
pub(crate) const FREE_FAILURES: u32 = 10;
/// The longest lock.
pub(crate) const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
/// How many logins are tracked at most (the least active go first).
const CAPACITY: usize = 100_000;
/// How long a count is kept after the last failure: far longer than any lock, so waiting out
/// a lock never buys an attacker a fresh set of free attempts.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);

#[derive(Clone, Copy)]
struct Entry {
    failures: u32,
    locked_until: Option<Instant>,
    last_failure: Instant,
}

/// Failure counts by canonical login: in memory, or in Redis for every instance.
pub(crate) enum Throttle {
    Local(LocalThrottle),
    Shared(crate::shared::RedisCounters),
}

impl Throttle {
    /// Whether attempts for `login` are refused right now.
    pub(crate) async fn is_locked(&self, login: &str) -> Result<bool, ClientError> {
        match self {
            Self::Local(t) => Ok(t.is_locked(login)),
            Self::Shared(c) => c.is_locked(login).await,
        }
    }

    /// Records a failed attempt.
    pub(crate) async fn failed(&self, login: &str) -> Result<(), ClientError> {
        match self {
            Self::Local(t) => {
                t.failed(login);
                Ok(())
            }
            Self::Shared(c) => {
                let failures = c.failed(login, FORGET_AFTER).await?;
                match lock_for(failures) {
                    Some(lock) => c.lock(login, lock).await,
                    None => Ok(()),
                }
            }
        }
    }

    /// Clears the count after a success (or a completed password reset).
    pub(crate) async fn cleared(&self, login: &str) -> Result<(), ClientError> {
        match self {
            Self::Local(t) => {
                t.cleared(login);
                Ok(())
            }
            Self::Shared(c) => c.cleared(login).await,
        }
    }
}

/// Failure counts of this process.
pub(crate) struct LocalThrottle {
    entries: Cache<String, Entry>,
    forget_after: Duration,
}

impl Default for LocalThrottle {
    fn default() -> Self {
        Self::new(CAPACITY, FORGET_AFTER)
    }
}

impl LocalThrottle {
    fn new(capacity: usize, forget_after: Duration) -> Self {
        Self {
            entries: Cache::new(capacity),
            forget_after,
        }
    }

    /// Whether attempts for `login` are refused right now.
    pub(crate) fn is_locked(&self, login: &str) -> bool {
        let now = Instant::now();
        self.entries
            .get(login)
            .filter(|e| now.duration_since(e.last_failure) < self.forget_after)
            .and_then(|e| e.locked_until)
            .is_some_and(|until| now < until)
    }

    /// Records a failed attempt.
    pub(crate) fn failed(&self, login: &str) {
        let now = Instant::now();
        let forget_after = self.forget_after;
        // One atomic read-modify-write per login (under the shard's lock): concurrent
        // failures all count.
        let counted = self.entries.entry(login, None, |_, entry| {
            count(entry, now, forget_after);
            EntryAction::Retain(())
        });
        if let EntryResult::Vacant(guard) = counted {
            let mut entry = Entry {
                failures: 0,
                locked_until: None,
                last_failure: now,
            };
            count(&mut entry, now, forget_after);
            let _ = guard.insert(entry);
        }
    }

    /// Clears the count after a success (or a completed password reset).
    pub(crate) fn cleared(&self, login: &str) {
        self.entries.remove(login);
    }
}

/// Adds a failure at `now` to `entry` (a count quiet for `forget_after` starts again), locking
/// the login once the free failures are used up.
fn count(entry: &mut Entry, now: Instant, forget_after: Duration) {
    if now.duration_since(entry.last_failure) >= forget_after {
        entry.failures = 0;
        entry.locked_until = None;
    }
    entry.failures = entry.failures.saturating_add(1);
    entry.last_failure = now;
    if let Some(lock) = lock_for(entry.failures) {
        entry.locked_until = Some(now + lock);
    }
}

/// How long a login is locked after `failures` consecutive failures: none for the free ones,
/// then doubling from one second up to [`MAX_LOCK`].
fn lock_for(failures: u32) -> Option<Duration> {
    let doublings = failures.checked_sub(FREE_FAILURES)?.min(10);
    Some(Duration::from_secs(1 << doublings).min(MAX_LOCK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_after_the_free_failures_and_clears_on_success() {
        let t = LocalThrottle::default();
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

    #[test]
    fn bounded_in_size() {
        let t = LocalThrottle::new(100, FORGET_AFTER);
        for i in 0..1_000 {
            t.failed(&format!("login-{i}"));
        }
        assert!(t.entries.len() <= 100, "{} entries", t.entries.len());
    }

    #[test]
    fn counts_are_forgotten_after_a_quiet_period() {
        let t = LocalThrottle::new(100, Duration::from_millis(50));
        for _ in 0..FREE_FAILURES {
            t.failed("a");
        }
        assert!(t.is_locked("a"));
        std::thread::sleep(Duration::from_millis(80));
        assert!(!t.is_locked("a"));
        t.failed("a");
        assert!(!t.is_locked("a"), "the count started again");
    }
}
