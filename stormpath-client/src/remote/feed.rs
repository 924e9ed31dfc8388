//! The changes feed (our server's extension, `GET {application}/changes`): how a remote back
//! end keeps its hot path in memory and still refuses, within a second, a token revoked or an
//! account changed through another instance or the server itself.
//!
//! [`RemoteBackendBuilder::build`](super::RemoteBackendBuilder::build) asks the feed once
//! (a reset: every token revoked now) and then starts a task that long-polls it: each answer
//! names the accounts whose cached copy must go (with their groups, API keys and verified
//! tokens) and the token ids revoked since the last one; a reset (the server restarted, or
//! this back end fell too far behind) drops every cache. The task ends with the last clone of
//! the back end.
//!
//! **Fail closed.** While the feed has not answered for [`SILENCE_LIMIT`], every
//! authenticated request is refused with [`Error::Unavailable`] (503): a token revoked
//! meanwhile is never accepted. The next answer continues from the last cursor (the server
//! resets it when it cannot), and requests are served again.
//!
//! **Tokens older than what is known.** The feed says *that* an account changed, not how
//! (a password change voids its tokens by their issue time). A token issued before its
//! account's last change, or before the last reset, is therefore confirmed once with the
//! server (`GET {app}/authTokens/{jwt}`) the first time it is seen; every other token is
//! verified locally only.
//!
//! **A server without the feed** (404 or 405): one warning, and the back end falls back to
//! confirming each token with the server, relied on for
//! [`token_confirmation`](super::RemoteBackendBuilder::token_confirmation).

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock, Weak,
        atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde::Deserialize;
use time::OffsetDateTime;

use super::{Inner, RemoteBackend, tokens::now_secs, wire::Link};
use crate::{AccessClaims, Error, Result};

/// How long the feed may go without an answer before authenticated requests are refused.
pub(crate) const SILENCE_LIMIT: Duration = Duration::from_secs(3);
/// How long the server holds a poll when nothing changes (it answers at once on a change).
const POLL_WAIT: Duration = Duration::from_secs(1);
/// The longest pause between two failed polls.
const MAX_BACKOFF: Duration = Duration::from_secs(1);
/// Seconds added to the time a change is heard, for the clocks of the server and this host
/// (tokens carry the server's time): tokens issued up to then are confirmed once.
const CLOCK_MARGIN: i64 = 2;
/// Accounts' change marks above this count make a new mark drop those older than any token.
const PRUNE_MARKS_ABOVE: usize = 4096;
/// How long a change mark matters: longer than any access token lives.
const MARK_LIFETIME: i64 = 24 * 3600;

/// One answer of the feed.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Answer {
    cursor: String,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    accounts: Vec<Link>,
    #[serde(default)]
    revoked_tokens: Vec<RevokedToken>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokedToken {
    id: String,
    #[serde(with = "crate::timestamp")]
    expires_at: OffsetDateTime,
}

/// What the feed has told this back end, and whether it is still heard.
pub(crate) struct Feed {
    /// How long the server is asked to hold a poll.
    poll_wait: Duration,
    /// The server serves the feed (else tokens are confirmed one by one).
    active: AtomicBool,
    /// The origin of `last_answer`.
    origin: Instant,
    /// When the feed last answered, in ms since `origin`.
    last_answer: AtomicU64,
    /// Bumped by every change applied: a read from the server that began before a change
    /// is not cached after it.
    generation: AtomicU64,
    /// Tokens issued at or before this second (the last reset) are confirmed once.
    reset_mark: AtomicI64,
    /// The same per account href (its last change).
    changed: RwLock<HashMap<String, i64>>,
}

impl Feed {
    /// A feed not yet heard; polls held at most half the call `timeout`.
    pub(crate) fn new(timeout: Duration) -> Self {
        Self {
            poll_wait: std::cmp::min(POLL_WAIT, timeout / 2),
            active: AtomicBool::new(false),
            origin: Instant::now(),
            last_answer: AtomicU64::new(0),
            generation: AtomicU64::new(0),
            reset_mark: AtomicI64::new(i64::MAX),
            changed: RwLock::new(HashMap::new()),
        }
    }

    /// Whether the feed keeps this back end's caches in step.
    pub(crate) fn is_active(&self) -> bool {
        self.active.load(Ordering::Acquire)
    }

    /// Whether cached state may be trusted: [`Error::Unavailable`] while the feed is silent
    /// (always `Ok` without a feed: tokens are confirmed with the server then).
    pub(crate) fn ensure_fresh(&self) -> Result<()> {
        if !self.is_active() {
            return Ok(());
        }
        let limit = u64::try_from(SILENCE_LIMIT.as_millis()).unwrap_or(u64::MAX);
        if self
            .now_ms()
            .saturating_sub(self.last_answer.load(Ordering::Acquire))
            > limit
        {
            return Err(Error::Unavailable);
        }
        Ok(())
    }

    /// The current generation (see [`Feed::generation`]'s field).
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Whether a token must be confirmed with the server before it is trusted: it was issued
    /// before the last reset or its account's last change.
    pub(crate) fn must_confirm(&self, claims: &AccessClaims) -> bool {
        if claims.iat <= self.reset_mark.load(Ordering::Acquire) {
            return true;
        }
        self.changed.read().map_or(true, |changed| {
            changed
                .get(&claims.sub)
                .is_some_and(|mark| claims.iat <= *mark)
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn answered(&self) {
        self.last_answer.store(self.now_ms(), Ordering::Release);
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn reset(&self, mark: i64) {
        self.reset_mark.store(mark, Ordering::Release);
        if let Ok(mut changed) = self.changed.write() {
            changed.clear();
        }
    }

    fn account_changed(&self, href: &str, mark: i64) {
        if let Ok(mut changed) = self.changed.write() {
            changed.insert(href.to_owned(), mark);
            if changed.len() > PRUNE_MARKS_ABOVE {
                changed.retain(|_, at| *at > mark - MARK_LIFETIME);
            }
        }
    }
}

/// The outcome of one poll.
enum Poll {
    Answer(Answer),
    /// The server does not serve the feed.
    Unsupported,
}

impl RemoteBackend {
    /// Asks the feed once (a reset) and starts the task that follows it; on a server without
    /// the feed, warns once and leaves per-token confirmation on.
    ///
    /// # Errors
    /// As any call: the server cannot be reached or answers something else than the feed.
    pub(super) async fn start_feed(&self) -> Result<()> {
        match self.poll(None, Duration::ZERO).await? {
            Poll::Unsupported => {
                tracing::warn!(
                    base_url = self.http().base(),
                    "the server has no changes feed (GET {{application}}/changes): every \
                     access token is confirmed with the server, as token_confirmation says"
                );
                Ok(())
            }
            Poll::Answer(answer) => {
                let cursor = answer.cursor.clone();
                self.apply(answer);
                self.inner.feed.answered();
                self.inner.feed.active.store(true, Ordering::Release);
                tokio::spawn(follow(Arc::downgrade(&self.inner), cursor));
                Ok(())
            }
        }
    }

    /// One call to the feed.
    async fn poll(&self, after: Option<&str>, wait: Duration) -> Result<Poll> {
        let http = self.http();
        let mut call = http
            .get(&format!("{}/changes", self.app_href()))?
            .query("wait", &wait.as_millis().to_string());
        if let Some(cursor) = after {
            call = call.query("after", cursor);
        }
        let reply = http.send(call).await?;
        if matches!(reply.status(), 404 | 405) {
            return Ok(Poll::Unsupported);
        }
        Ok(Poll::Answer(reply.ok()?.json()?))
    }

    /// Applies an answer to the caches.
    fn apply(&self, answer: Answer) {
        let inner = &self.inner;
        for token in answer.revoked_tokens {
            inner
                .revoked
                .insert(token.id, token.expires_at.unix_timestamp());
        }
        let mark = now_secs() + CLOCK_MARGIN;
        if answer.reset {
            inner.feed.bump();
            inner.feed.reset(mark);
            inner.accounts.clear();
            inner.groups.clear();
            inner.api_keys.clear();
            inner.verified.clear();
        }
        for account in answer.accounts {
            let href = account.href;
            inner.feed.bump();
            inner.feed.account_changed(&href, mark);
            self.forget_account(&href);
            inner
                .api_keys
                .retain(|key| key.as_ref().is_none_or(|k| k.account.href != href));
            inner.verified.forget_subject(&href);
        }
    }
}

/// Follows the feed until the back end is dropped: a long poll after another, each answer
/// applied; after a failure, a short pause (the hot path refuses requests once the feed has
/// been silent for [`SILENCE_LIMIT`]).
async fn follow(backend: Weak<Inner>, mut cursor: String) {
    let mut backoff = Duration::from_millis(50);
    let mut failing = false;
    loop {
        let Some(inner) = backend.upgrade() else {
            return;
        };
        let backend = RemoteBackend { inner };
        let wait = backend.inner.feed.poll_wait;
        match backend.poll(Some(&cursor), wait).await {
            Ok(Poll::Answer(answer)) => {
                cursor.clone_from(&answer.cursor);
                backend.apply(answer);
                backend.inner.feed.answered();
                if failing {
                    tracing::info!("the changes feed answers again");
                    failing = false;
                }
                backoff = Duration::from_millis(50);
            }
            Ok(Poll::Unsupported) => {
                // The server was replaced by one without the feed: confirm every token.
                tracing::warn!("the server no longer serves the changes feed: confirming tokens");
                backend.inner.verified.clear();
                backend.inner.feed.active.store(false, Ordering::Release);
                return;
            }
            Err(err) => {
                if !failing {
                    tracing::warn!(error = %err, "the changes feed does not answer: authenticated requests are refused after {} s", SILENCE_LIMIT.as_secs());
                    failing = true;
                }
                drop(backend);
                tokio::time::sleep(backoff).await;
                backoff = std::cmp::min(backoff * 2, MAX_BACKOFF);
            }
        }
    }
}
