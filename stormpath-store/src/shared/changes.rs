//! The change log: what the shared-state link applied to this process's caches (an account to
//! drop, token ids revoked), numbered, so that a remote back end polling the REST server's
//! changes feed (`GET {application}/changes`) keeps its own caches in step the way an
//! embedded instance does.
//!
//! The log lives in memory: an *epoch* (a random id drawn when the process starts, and again
//! whenever the link resynchronises after a gap), a sequence number per entry, and the last
//! [`LOG_CAPACITY`] entries. A reader names the last entry it has seen (a [`Cursor`]); a
//! cursor of another epoch, one that fell off the log, or none at all is answered with a
//! *reset*: the whole current set of revoked tokens, and "drop every cached account".

use std::{collections::VecDeque, fmt, sync::Mutex, time::Duration};

use stormpath_client::{AccountId, Error as ClientError};
use tokio::sync::Notify;

use crate::{Store, util};

/// How many entries the log keeps; a reader further behind is answered with a reset.
pub(crate) const LOG_CAPACITY: usize = 10_000;
/// The most entries one answer carries (the reader asks again at once for the rest).
const MAX_PER_ANSWER: usize = 1_000;

/// A position in the change log: the epoch and the sequence number of the last entry seen,
/// written `{epoch}.{seq}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The log's epoch (letters and digits).
    pub epoch: String,
    /// The last sequence number seen (0: none).
    pub seq: u64,
}

impl Cursor {
    /// Reads `{epoch}.{seq}`; `None` for anything else.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        let (epoch, seq) = text.split_once('.')?;
        let valid_epoch = !epoch.is_empty()
            && epoch.len() <= 64
            && epoch.bytes().all(|b| b.is_ascii_alphanumeric());
        if !valid_epoch || seq.is_empty() || !seq.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Self {
            epoch: epoch.to_owned(),
            seq: seq.parse().ok()?,
        })
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.epoch, self.seq)
    }
}

/// What changed after a cursor.
#[derive(Debug, Clone)]
pub struct Changes {
    /// The cursor to ask from next time.
    pub cursor: Cursor,
    /// The reader's cursor could not be continued (none, another epoch, too old): drop every
    /// cached account; `revoked` is the whole current set of revoked tokens.
    pub reset: bool,
    /// Accounts whose cached copy (status, groups, password, token cut-off, keys) must go.
    pub accounts: Vec<AccountId>,
    /// Token ids revoked, with their expiry (seconds since the epoch).
    pub revoked: Vec<(String, i64)>,
}

/// One entry of the log.
#[derive(Debug, Clone)]
enum Change {
    Account(String),
    Revoked(String, i64),
}

struct Log {
    epoch: String,
    /// The sequence number of `entries[0]` (entries are numbered from 1).
    first: u64,
    entries: VecDeque<Change>,
}

impl Log {
    fn fresh() -> Self {
        Self {
            epoch: util::new_id(),
            first: 1,
            entries: VecDeque::new(),
        }
    }

    /// The sequence number of the last entry (0 when none was ever written in this epoch).
    fn last(&self) -> u64 {
        self.first + self.entries.len() as u64 - 1
    }

    fn cursor(&self, seq: u64) -> Cursor {
        Cursor {
            epoch: self.epoch.clone(),
            seq,
        }
    }
}

/// What a read of the log found.
enum Read {
    /// The cursor cannot be continued: a reset at this cursor.
    Reset(Cursor),
    /// The entries after the cursor (perhaps none) and the cursor after them.
    Entries(Cursor, Vec<Change>),
}

/// The bounded, numbered record of changes, and the waiters of a long poll.
pub(crate) struct ChangeLog {
    log: Mutex<Log>,
    notify: Notify,
}

impl Default for ChangeLog {
    fn default() -> Self {
        Self {
            log: Mutex::new(Log::fresh()),
            notify: Notify::new(),
        }
    }
}

impl ChangeLog {
    /// Records that an account's cached copy must go.
    pub(crate) fn account(&self, id: &str) {
        self.push([Change::Account(id.to_owned())]);
    }

    /// Records revoked token ids.
    pub(crate) fn revoked(&self, entries: &[(String, i64)]) {
        self.push(
            entries
                .iter()
                .map(|(jti, exp)| Change::Revoked(jti.clone(), *exp)),
        );
    }

    /// Starts a new epoch (after the link missed changes): every reader resets.
    pub(crate) fn restart(&self) {
        if let Ok(mut log) = self.log.lock() {
            *log = Log::fresh();
        }
        self.notify.notify_waiters();
    }

    fn push(&self, changes: impl IntoIterator<Item = Change>) {
        let Ok(mut log) = self.log.lock() else {
            return;
        };
        let before = log.entries.len();
        log.entries.extend(changes);
        if log.entries.len() == before {
            return;
        }
        while log.entries.len() > LOG_CAPACITY {
            log.entries.pop_front();
            log.first += 1;
        }
        drop(log);
        self.notify.notify_waiters();
    }

    fn read(&self, after: Option<&Cursor>) -> Read {
        let Ok(log) = self.log.lock() else {
            return Read::Reset(Cursor {
                epoch: String::new(),
                seq: 0,
            });
        };
        let last = log.last();
        match after {
            Some(c) if c.epoch == log.epoch && c.seq + 1 >= log.first && c.seq <= last => {
                let skip = usize::try_from(c.seq + 1 - log.first).unwrap_or(usize::MAX);
                let entries: Vec<Change> = log
                    .entries
                    .iter()
                    .skip(skip)
                    .take(MAX_PER_ANSWER)
                    .cloned()
                    .collect();
                let seq = c.seq + entries.len() as u64;
                Read::Entries(log.cursor(seq), entries)
            }
            _ => Read::Reset(log.cursor(last)),
        }
    }

    /// The changes after `after`, waiting up to `wait` for the first one when there is none
    /// yet. `revoked` gives the whole current set for a reset.
    async fn since(
        &self,
        after: Option<&Cursor>,
        wait: Duration,
        revoked: impl Fn() -> Option<Vec<(String, i64)>>,
    ) -> Option<Changes> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before the log is read, so that no write in between is missed.
            let notified = self.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            match self.read(after) {
                Read::Reset(cursor) => {
                    return Some(Changes {
                        cursor,
                        reset: true,
                        accounts: Vec::new(),
                        revoked: revoked()?,
                    });
                }
                Read::Entries(cursor, entries) => {
                    if entries.is_empty()
                        && tokio::time::timeout_at(deadline, notified).await.is_ok()
                    {
                        continue;
                    }
                    return Some(collect(cursor, entries));
                }
            }
        }
    }
}

/// The answer of a run of entries: accounts once each, revocations in order.
fn collect(cursor: Cursor, entries: Vec<Change>) -> Changes {
    let mut accounts: Vec<AccountId> = Vec::new();
    let mut revoked = Vec::new();
    for change in entries {
        match change {
            Change::Account(id) => {
                if !accounts.iter().any(|a| a.as_str() == id) {
                    accounts.push(AccountId(id));
                }
            }
            Change::Revoked(jti, exp) => revoked.push((jti, exp)),
        }
    }
    Changes {
        cursor,
        reset: false,
        accounts,
        revoked,
    }
}

impl Store {
    /// The changes to the hot path's caches after `after` (accounts to drop, tokens revoked),
    /// waiting up to `wait` for the first one (a long poll; it returns at once when there are
    /// some). With no cursor, one of another epoch (this process restarted, or its link to
    /// the other instances missed changes) or one too old for the log, the answer is a reset
    /// carrying every token id currently revoked.
    ///
    /// # Errors
    /// [`ClientError::Unavailable`] while this store cannot trust its own caches (its link to
    /// the other instances is down): a reader must not trust its copy either.
    pub async fn changes_since(
        &self,
        after: Option<&Cursor>,
        wait: Duration,
    ) -> stormpath_client::Result<Changes> {
        let shared = &self.inner.shared;
        shared.ensure_fresh()?;
        let changes = shared
            .changes()
            .since(after, wait, || self.inner.revoked.snapshot())
            .await
            .ok_or(ClientError::Unavailable)?;
        // The link may have dropped while the poll waited.
        shared.ensure_fresh()?;
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> Option<Vec<(String, i64)>> {
        Some(vec![("r".to_owned(), 9)])
    }

    #[tokio::test]
    async fn continues_a_cursor_and_resets_others() {
        let log = ChangeLog::default();
        let start = log.since(None, Duration::ZERO, none).await.unwrap();
        assert!(start.reset && start.revoked.len() == 1 && start.cursor.seq == 0);
        log.account("a");
        log.revoked(&[("j".to_owned(), 5)]);
        log.account("a");
        let next = log
            .since(Some(&start.cursor), Duration::ZERO, none)
            .await
            .unwrap();
        assert!(!next.reset);
        assert_eq!(next.accounts, vec![AccountId("a".into())]);
        assert_eq!(next.revoked, vec![("j".to_owned(), 5)]);
        assert_eq!(next.cursor.seq, 3);
        let idle = log
            .since(Some(&next.cursor), Duration::ZERO, none)
            .await
            .unwrap();
        assert!(!idle.reset && idle.accounts.is_empty() && idle.cursor == next.cursor);
        let bogus = Cursor::parse("other.1").unwrap();
        assert!(
            log.since(Some(&bogus), Duration::ZERO, none)
                .await
                .unwrap()
                .reset
        );
        let future = Cursor {
            seq: 99,
            ..next.cursor.clone()
        };
        assert!(
            log.since(Some(&future), Duration::ZERO, none)
                .await
                .unwrap()
                .reset
        );
        log.restart();
        assert!(
            log.since(Some(&next.cursor), Duration::ZERO, none)
                .await
                .unwrap()
                .reset
        );
    }

    #[tokio::test]
    async fn a_reader_too_far_behind_resets() {
        let log = ChangeLog::default();
        let start = log.since(None, Duration::ZERO, none).await.unwrap();
        for i in 0..=LOG_CAPACITY {
            log.account(&format!("a{i}"));
        }
        assert!(
            log.since(Some(&start.cursor), Duration::ZERO, none)
                .await
                .unwrap()
                .reset
        );
    }

    #[tokio::test]
    async fn a_long_poll_returns_on_the_first_change() {
        let log = std::sync::Arc::new(ChangeLog::default());
        let start = log.since(None, Duration::ZERO, none).await.unwrap();
        let writer = std::sync::Arc::clone(&log);
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            writer.account("late");
        });
        // Far longer than the test may take: it returns because of the write.
        let got = log
            .since(Some(&start.cursor), Duration::from_secs(60), none)
            .await
            .unwrap();
        assert_eq!(got.accounts, vec![AccountId("late".into())]);
    }

    #[test]
    fn cursors_parse_and_print() {
        let c = Cursor::parse("Ab3.42").unwrap();
        assert_eq!((c.epoch.as_str(), c.seq), ("Ab3", 42));
        assert_eq!(c.to_string(), "Ab3.42");
        for bad in [
            "",
            ".",
            "a.",
            ".1",
            "a.b",
            "a.-1",
            "a-b.1",
            "a.1.2",
            "a.99999999999999999999",
        ] {
            assert!(Cursor::parse(bad).is_none(), "{bad}");
        }
    }
}
