//! The in-memory account cache that keeps the authenticated hot path off the database.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use stormpath_client::{Account, AccountId};

/// What a request needs to know about an account to authorize it.
#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) account: Arc<Account>,
    /// Tokens issued (`iat`, seconds) before this instant are void.
    pub(crate) tokens_valid_after: i64,
    /// Names of the account's enabled groups, once asked for.
    pub(crate) groups: Option<Arc<[String]>>,
    loaded: Instant,
}

/// Accounts by id, each entry kept for `ttl` at most and dropped on every write to it.
pub(crate) struct AccountCache {
    entries: RwLock<HashMap<AccountId, Cached>>,
    ttl: Duration,
    capacity: usize,
}

impl AccountCache {
    pub(crate) fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            entries: RwLock::default(),
            ttl,
            capacity,
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<Cached> {
        let entries = self.entries.read().ok()?;
        entries
            .get(id)
            .filter(|c| c.loaded.elapsed() < self.ttl)
            .cloned()
    }

    pub(crate) fn put(&self, account: Arc<Account>, tokens_valid_after: i64) -> Cached {
        let cached = Cached {
            account,
            tokens_valid_after,
            groups: None,
            loaded: Instant::now(),
        };
        if let Ok(mut entries) = self.entries.write() {
            if entries.len() >= self.capacity {
                let ttl = self.ttl;
                entries.retain(|_, c| c.loaded.elapsed() < ttl);
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(cached.account.id.clone(), cached.clone());
        }
        cached
    }

    pub(crate) fn put_groups(&self, id: &AccountId, groups: Arc<[String]>) {
        if let Ok(mut entries) = self.entries.write()
            && let Some(entry) = entries.get_mut(id)
        {
            entry.groups = Some(groups);
        }
    }

    pub(crate) fn invalidate(&self, id: &AccountId) {
        if let Ok(mut entries) = self.entries.write() {
            entries.remove(id);
        }
    }
}
