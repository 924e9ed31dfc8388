//! What several instances of an application share, so that they agree within a second.
//!
//! Every instance keeps the authenticated hot path in memory (the account cache and the set
//! of revoked token ids), and every write that changes what those say (a logout, a revoked
//! token, a password change, a disabled or deleted account, a group membership) is announced
//! to every instance, each of which drops or updates its copy at once:
//!
//! * with Redis (`redis_url`), the announcement travels over Redis pub/sub, revocations are
//!   also kept in Redis with a TTL equal to the token's remaining life, and the login throttle's
//!   counters live there;
//! * on PostgreSQL, triggers on the accounts, group memberships, groups and revoked tokens
//!   tables `NOTIFY` every change, whoever makes it (this library, `stormpath-server`, its CLI,
//!   a `psql` session), and every instance `LISTEN`s — with or without Redis; without Redis a
//!   refresh reads the shared `revoked_tokens` table;
//! * with SQLite (one process), nothing travels: the memory of the one process is the truth.
//!
//! **Fail closed.** A listener that loses its connection (or stops hearing its own heartbeat
//! for [`SILENCE_LIMIT`]) marks the instance stale: from then on every request that would trust
//! the caches is answered [`Unavailable`](stormpath_client::Error::Unavailable) (503) — a token
//! that might have been revoked meanwhile is never accepted. The listener reconnects by itself
//! with backoff, drops every cached account, reloads the revocations from the database, and
//! only then serves again.
//!
//! **Change log.** Everything the listener applies, and every change this process announces,
//! also goes into a bounded in-memory [`changes`] log that the REST server serves as its
//! changes feed, so that remote back ends keep their caches in step the same way. A
//! resynchronisation starts a new epoch of the log (its readers reset).

mod changes;
mod postgres;
mod redis;

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use serde::{Deserialize, Serialize};
use sqlx::{AnyPool, Row};
use stormpath_client::Error as ClientError;
use tokio::{sync::Notify, task::JoinHandle};

use crate::{Error, Result, cache::AccountCache, db::Dialect, token::Revocations, util};

pub(crate) use self::redis::RedisCounters;
pub use changes::{Changes, Cursor};

/// How often each instance hears itself over the channel.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long an instance may go without hearing its own heartbeat before it stops trusting its
/// caches.
pub(crate) const SILENCE_LIMIT: Duration = Duration::from_secs(3);
/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// Revocations per message (a PostgreSQL `NOTIFY` payload holds at most 8000 bytes).
const REVOCATIONS_PER_MESSAGE: usize = 100;
/// How often expired token records are deleted.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// The channel every instance listens on.
const CHANNEL: &str = "stormpath_invalidate";

/// An announcement from one instance to all (itself included).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Event {
    /// Drop the cached account (its status, password, groups or token cut-off changed).
    Account(String),
    /// These token ids are revoked until their expiry (seconds).
    Revoked(Vec<(String, i64)>),
    /// An instance's heartbeat: its id.
    Beat(String),
}

/// What the listener keeps current: the caches of the hot path, and the database to reload
/// them from.
#[derive(Clone)]
pub(crate) struct Caches {
    pub(crate) accounts: Arc<AccountCache>,
    pub(crate) revoked: Arc<Revocations>,
    pub(crate) pool: AnyPool,
}

impl Caches {
    fn apply(&self, event: Event, state: &State) {
        match event {
            Event::Account(id) => {
                self.accounts
                    .invalidate(&stormpath_client::AccountId(id.clone()));
                state.changes.account(&id);
            }
            Event::Revoked(entries) => {
                state.changes.revoked(&entries);
                self.revoked.mark(entries);
            }
            Event::Beat(origin) => {
                if let Some(slot) = (0..2).find(|slot| origin == state.beat(*slot)) {
                    state.last_beat[slot].store(util::now_ms(), Ordering::Relaxed);
                }
            }
        }
    }

    /// After a gap: every cached account goes, and the revocations are read again from the
    /// database (the durable record; Redis keeps no more than it).
    async fn resync(&self) -> Result<()> {
        let rows = sqlx::query("SELECT jti, expires_at FROM revoked_tokens WHERE expires_at > $1")
            .bind(util::now_secs())
            .fetch_all(&self.pool)
            .await?;
        self.revoked.replace(
            rows.iter()
                .filter_map(|row| Some((row.try_get(0).ok()?, row.try_get(1).ok()?))),
        );
        self.accounts.clear();
        Ok(())
    }
}

/// Whether this instance's caches can be trusted, and its heartbeats.
struct State {
    healthy: AtomicBool,
    /// This instance's id on the channels.
    instance: String,
    /// When this instance last heard its own heartbeat on each channel (ms): Redis, PostgreSQL.
    last_beat: [AtomicI64; 2],
    /// Tells the listener to drop its connections and start again.
    restart: Notify,
    /// What was applied, for the REST server's changes feed.
    changes: changes::ChangeLog,
}

impl State {
    fn serving(&self) {
        for beat in &self.last_beat {
            beat.store(util::now_ms(), Ordering::Relaxed);
        }
        self.healthy.store(true, Ordering::Release);
    }

    /// The heartbeat of this instance on channel `slot` (0 Redis, 1 PostgreSQL).
    fn beat(&self, slot: usize) -> String {
        format!("{}:{slot}", self.instance)
    }

    /// How long the quietest channel has been silent (ms).
    fn silence(&self, link: &Link) -> i64 {
        let now = util::now_ms();
        [link.redis.is_some(), link.postgres.is_some()]
            .iter()
            .zip(&self.last_beat)
            .filter(|(used, _)| **used)
            .map(|(_, beat)| now - beat.load(Ordering::Relaxed))
            .max()
            .unwrap_or(0)
    }
}

/// How announcements travel: Redis when configured; PostgreSQL's `NOTIFY` whenever the
/// database is PostgreSQL; neither for a SQLite store without Redis (one process).
#[derive(Clone, Default)]
struct Link {
    redis: Option<redis::Redis>,
    postgres: Option<postgres::Postgres>,
}

impl Link {
    fn is_local(&self) -> bool {
        self.redis.is_none() && self.postgres.is_none()
    }
}

/// The subscriptions of one connection attempt; they yield events until a connection ends.
#[derive(Default)]
struct Subscription {
    postgres: Option<Box<sqlx::postgres::PgListener>>,
    redis: Option<Box<::redis::aio::PubSub>>,
}

impl Subscription {
    /// The next event's payload from either channel; `None` when a connection is gone.
    async fn next(&mut self) -> Option<String> {
        match (&mut self.postgres, &mut self.redis) {
            (Some(pg), Some(r)) => tokio::select! {
                payload = postgres::next(pg) => payload,
                payload = redis::next(r) => payload,
            },
            (Some(pg), None) => postgres::next(pg).await,
            (None, Some(r)) => redis::next(r).await,
            (None, None) => std::future::pending().await,
        }
    }
}

/// The shared-state link of a store: announces changes and keeps the local caches in step.
pub(crate) struct Shared {
    link: Link,
    state: Arc<State>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Shared {
    /// Connects the links the configuration asks for (Redis when `redis_url` is given;
    /// `LISTEN`/`NOTIFY`, with its triggers installed, when the database is PostgreSQL),
    /// subscribes, loads the revocations and starts the listener and the heartbeat.
    ///
    /// # Errors
    /// [`Error::Redis`] or [`Error::Connect`] naming the URL (its password hidden) when a
    /// service cannot be reached at start.
    pub(crate) async fn start(
        redis_url: Option<&str>,
        database: (Dialect, &str),
        caches: Caches,
    ) -> Result<Self> {
        let mut link = Link::default();
        if let Some(url) = redis_url {
            link.redis = Some(redis::Redis::connect(url).await?);
        }
        if database.0 == Dialect::Postgres {
            let pg = postgres::Postgres::new(database.1, caches.pool.clone());
            pg.install_triggers().await?;
            link.postgres = Some(pg);
        }
        let state = Arc::new(State {
            healthy: AtomicBool::new(false),
            instance: util::new_id(),
            last_beat: [AtomicI64::new(0), AtomicI64::new(0)],
            restart: Notify::new(),
            changes: changes::ChangeLog::default(),
        });
        let mut shared = Self {
            link: link.clone(),
            state: Arc::clone(&state),
            tasks: Vec::new(),
        };
        shared.tasks.push(tokio::spawn(prune(caches.pool.clone())));
        if link.is_local() {
            caches.resync().await?;
            state.serving();
            return Ok(shared);
        }
        let first = subscribe(&link)
            .await
            .map_err(|(failed, reason)| match failed {
                Channel::Redis => Error::Redis {
                    url: link
                        .redis
                        .as_ref()
                        .map(|r| r.url().to_owned())
                        .unwrap_or_default(),
                    reason,
                },
                Channel::Postgres => Error::Connect {
                    url: link
                        .postgres
                        .as_ref()
                        .map(postgres::Postgres::url)
                        .unwrap_or_default(),
                    source: sqlx::Error::Protocol(reason),
                },
            })?;
        caches.resync().await?;
        state.serving();
        shared.tasks.push(tokio::spawn(listen(
            link.clone(),
            first,
            caches,
            Arc::clone(&state),
        )));
        shared
            .tasks
            .push(tokio::spawn(heartbeat(link, Arc::clone(&state))));
        Ok(shared)
    }

    /// Whether the caches may be trusted right now; [`ClientError::Unavailable`] while a link
    /// is down (one atomic load: the hot path's only cost).
    pub(crate) fn ensure_fresh(&self) -> std::result::Result<(), ClientError> {
        if self.state.healthy.load(Ordering::Acquire) {
            Ok(())
        } else {
            Err(ClientError::Unavailable)
        }
    }

    /// Tells every instance to drop its cached copy of an account. On PostgreSQL the
    /// database's trigger has said it already; Redis carries it for the instances that listen
    /// there only (a SQLite file shared by processes on one host).
    pub(crate) async fn account_changed(
        &self,
        id: &stormpath_client::AccountId,
    ) -> std::result::Result<(), ClientError> {
        self.state.changes.account(id.as_str());
        self.publish(&Event::Account(id.as_str().to_owned())).await
    }

    /// Tells every instance (and, with Redis, the shared record) that these tokens are revoked
    /// until their expiry.
    pub(crate) async fn revoked(
        &self,
        entries: &[(String, i64)],
    ) -> std::result::Result<(), ClientError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.state.changes.revoked(entries);
        if let Some(r) = &self.link.redis {
            r.keep_revoked(entries).await?;
        }
        for chunk in entries.chunks(REVOCATIONS_PER_MESSAGE) {
            self.publish(&Event::Revoked(chunk.to_vec())).await?;
        }
        Ok(())
    }

    /// Whether a token id is revoked according to the shared record: `Some` with Redis (its
    /// key), `None` when the caller should read the database's table (PostgreSQL) or trust
    /// its memory (SQLite, [`Self::is_local`]).
    pub(crate) async fn revoked_in_shared_record(
        &self,
        jti: &str,
    ) -> std::result::Result<Option<bool>, ClientError> {
        match &self.link.redis {
            Some(r) => r.is_revoked(jti).await.map(Some),
            None => Ok(None),
        }
    }

    /// The log of what changed, which the REST server's changes feed reads.
    pub(crate) fn changes(&self) -> &changes::ChangeLog {
        &self.state.changes
    }

    /// Whether this store is the only instance (SQLite without Redis): memory is the truth.
    pub(crate) fn is_local(&self) -> bool {
        self.link.is_local()
    }

    /// The throttle's buckets in Redis, when Redis is configured.
    pub(crate) fn counters(&self) -> Option<RedisCounters> {
        self.link.redis.as_ref().map(redis::Redis::counters)
    }

    /// Publishes over Redis; on PostgreSQL alone the triggers have announced the change with
    /// the write itself.
    async fn publish(&self, event: &Event) -> std::result::Result<(), ClientError> {
        let Some(r) = &self.link.redis else {
            return Ok(());
        };
        let payload = serde_json::to_string(event).map_err(ClientError::backend)?;
        r.publish(&payload).await.map_err(|reason| {
            tracing::warn!(%reason, "could not announce a change to the other instances");
            ClientError::Unavailable
        })
    }
}

/// Which channel failed.
#[derive(Debug, Clone, Copy)]
enum Channel {
    Redis,
    Postgres,
}

async fn subscribe(link: &Link) -> std::result::Result<Subscription, (Channel, String)> {
    let mut subscription = Subscription::default();
    if let Some(r) = &link.redis {
        subscription.redis = Some(r.subscribe().await.map_err(|e| (Channel::Redis, e))?);
    }
    if let Some(pg) = &link.postgres {
        subscription.postgres = Some(pg.subscribe().await.map_err(|e| (Channel::Postgres, e))?);
    }
    Ok(subscription)
}

/// Applies every event heard; on a lost connection (or a restart asked by the heartbeat),
/// stops serving, reconnects with backoff, resynchronises, and serves again.
async fn listen(link: Link, first: Subscription, caches: Caches, state: Arc<State>) {
    let mut subscription = Some(first);
    let mut backoff = Duration::from_millis(50);
    loop {
        let Some(mut current) = subscription.take() else {
            match subscribe(&link).await {
                Ok(fresh) => match caches.resync().await {
                    Ok(()) => {
                        tracing::info!(
                            "shared state link restored: caches dropped, revocations reloaded"
                        );
                        subscription = Some(fresh);
                        backoff = Duration::from_millis(50);
                        // Changes were missed meanwhile: the feed's readers start over too.
                        state.changes.restart();
                        state.serving();
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "could not reload the revocations");
                        tokio::time::sleep(backoff).await;
                    }
                },
                Err((channel, reason)) => {
                    tracing::debug!(?channel, %reason, "shared state link still down");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
            continue;
        };
        loop {
            tokio::select! {
                payload = current.next() => match payload {
                    Some(payload) => match serde_json::from_str::<Event>(&payload) {
                        Ok(event) => caches.apply(event, &state),
                        Err(err) => tracing::warn!(error = %err, "unreadable shared-state message"),
                    },
                    None => break,
                },
                () = state.restart.notified() => break,
            }
        }
        state.healthy.store(false, Ordering::Release);
        tracing::warn!("shared state link lost: refusing cached sessions until it is back");
    }
}

/// Every [`PRUNE_EVERY`], deletes the records of tokens that have expired anyway (revoked ids
/// and issued refresh tokens), so that the tables do not grow without bound on an instance
/// that runs for months. Every instance may do it; the deletes are idempotent.
async fn prune(pool: AnyPool) {
    let mut ticks = tokio::time::interval(PRUNE_EVERY);
    loop {
        ticks.tick().await;
        let now = util::now_secs();
        for table in ["revoked_tokens", "refresh_tokens"] {
            let sql = format!("DELETE FROM {table} WHERE expires_at <= $1");
            if let Err(err) = sqlx::query(&sql).bind(now).execute(&pool).await {
                tracing::debug!(error = %err, table, "expired token records not pruned");
            }
        }
    }
}

/// Publishes this instance's heartbeat on every channel every [`HEARTBEAT`], and restarts the
/// listener when the instance has not heard itself on one of them for [`SILENCE_LIMIT`] (a
/// silent network partition, a server that answers too slowly).
async fn heartbeat(link: Link, state: Arc<State>) {
    let beat = |slot| serde_json::to_string(&Event::Beat(state.beat(slot))).unwrap_or_default();
    let (redis_beat, postgres_beat) = (beat(0), beat(1));
    let limit = i64::try_from(SILENCE_LIMIT.as_millis()).unwrap_or(i64::MAX);
    let mut ticks = tokio::time::interval(HEARTBEAT);
    loop {
        ticks.tick().await;
        if let Some(r) = &link.redis
            && let Err(reason) = r.publish(&redis_beat).await
        {
            tracing::debug!(%reason, "heartbeat not sent over Redis");
        }
        if let Some(pg) = &link.postgres
            && let Err(reason) = pg.publish(&postgres_beat).await
        {
            tracing::debug!(%reason, "heartbeat not sent over PostgreSQL");
        }
        let silent = state.silence(&link);
        if state.healthy.load(Ordering::Acquire) && silent > limit {
            state.healthy.store(false, Ordering::Release);
            tracing::warn!(
                silent_ms = silent,
                "no heartbeat heard: restarting the shared state link"
            );
            state.restart.notify_one();
        }
    }
}
