//! The in-memory account cache that keeps the authenticated hot path off the database.

use std::{
    sync::{Arc, OnceLock},
    time::{Duration, Instant},
};

use quick_cache::sync::Cache;
use stormpath_client::{Account, AccountId};

/// What a request needs to know about an account to authorize it.
#[derive(Clone)]
pub(crate) struct Cached {
    pub(crate) account: Arc<Account>,
    /// Tokens issued (`iat`, seconds) before this instant are void.
    pub(crate) tokens_valid_after: i64,
    /// Client-credentials tokens issued (`iat`, seconds) until this instant are void (an API
    /// key of the account was deleted then).
    pub(crate) key_tokens_valid_after: i64,
    /// Names of the account's enabled groups, once asked for; shared by every clone of this
    /// entry, so filling it neither re-inserts the entry nor extends its life.
    groups: Arc<OnceLock<Arc<[String]>>>,
    /// When the entry stops being served (loaded + the TTL).
    expires: Option<Instant>,
}

impl Cached {
    /// The account's enabled group names, if loaded since the account was.
    pub(crate) fn groups(&self) -> Option<Arc<[String]>> {
        self.groups.get().cloned()
    }
}

/// Accounts by id, each entry served for `ttl` at most and dropped on every write to it;
/// at most `capacity` entries (the least used go first).
pub(crate) struct AccountCache {
    entries: Cache<AccountId, Cached>,
    ttl: Duration,
}

impl AccountCache {
    pub(crate) fn new(ttl: Duration, capacity: u64) -> Self {
        Self {
            entries: Cache::new(usize::try_from(capacity).unwrap_or(usize::MAX)),
            ttl,
        }
    }

    /// The entry of `id`, unless it is older than the TTL (then it is dropped).
    pub(crate) fn get(&self, id: &str) -> Option<Cached> {
        let hit = self.entries.get(id)?;
        if hit.expires.is_some_and(|at| Instant::now() >= at) {
            self.entries.remove(id);
            return None;
        }
        Some(hit)
    }

    pub(crate) fn put(
        &self,
        account: Arc<Account>,
        tokens_valid_after: i64,
        key_tokens_valid_after: i64,
    ) -> Cached {
        let cached = Cached {
            account,
            tokens_valid_after,
            key_tokens_valid_after,
            groups: Arc::default(),
            expires: Instant::now().checked_add(self.ttl),
        };
        self.entries
            .insert(cached.account.id.clone(), cached.clone());
        cached
    }

    pub(crate) fn put_groups(&self, id: &AccountId, groups: Arc<[String]>) {
        if let Some(entry) = self.entries.get(id.as_str()) {
            // Already set by a concurrent load: both read the same rows.
            let _ = entry.groups.set(groups);
        }
    }

    pub(crate) fn invalidate(&self, id: &AccountId) {
        self.entries.remove(id.as_str());
    }

    /// Drops every entry (after the instance may have missed invalidations).
    pub(crate) fn clear(&self) {
        self.entries.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str) -> Arc<Account> {
        Arc::new(Account {
            href: format!("/accounts/{id}"),
            id: AccountId(id.to_owned()),
            username: id.to_owned(),
            email: format!("{id}@example.com"),
            given_name: None,
            middle_name: None,
            surname: None,
            full_name: String::new(),
            status: stormpath_client::AccountStatus::Enabled,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            modified_at: time::OffsetDateTime::UNIX_EPOCH,
            email_verification_status: None,
            password_modified_at: None,
        })
    }

    #[test]
    fn bounded_in_size() {
        let cache = AccountCache::new(Duration::from_secs(60), 50);
        for i in 0..500 {
            cache.put(account(&format!("a{i}")), 0, 0);
        }
        assert!(cache.entries.len() <= 50, "{} entries", cache.entries.len());
    }

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = AccountCache::new(Duration::from_millis(50), 10);
        cache.put(account("a"), 0, 0);
        assert!(cache.get("a").is_some());
        std::thread::sleep(Duration::from_millis(80));
        assert!(cache.get("a").is_none());
    }

    #[test]
    fn groups_stick_to_the_entry_until_it_is_invalidated() {
        let cache = AccountCache::new(Duration::from_secs(60), 10);
        let id = AccountId("a".into());
        cache.put_groups(&id, Arc::from(vec!["x".to_owned()]));
        assert!(cache.get("a").is_none(), "no entry is created for groups");
        cache.put(account("a"), 0, 0);
        cache.put_groups(&id, Arc::from(vec!["admins".to_owned()]));
        assert_eq!(
            cache.get("a").and_then(|c| c.groups()).as_deref(),
            Some(&["admins".to_owned()][..])
        );
        cache.invalidate(&id);
        assert!(cache.get("a").is_none());
    }
}
