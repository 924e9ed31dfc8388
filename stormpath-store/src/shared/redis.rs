//! Redis: announcements over pub/sub, revoked token ids with a TTL, and the login throttle's
//! counters.

use std::time::Duration;

use futures_util::StreamExt;
use redis::{AsyncCommands, Client, aio::ConnectionManager, aio::ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use stormpath_client::Error as ClientError;

use super::CHANNEL;
use crate::{Error, Result, util};

/// How long a command may take before the request that needed it gets a 503.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// The prefix of every key this crate writes.
const PREFIX: &str = "stormpath:";

/// A Redis server the instances share.
#[derive(Clone)]
pub(super) struct Redis {
    client: Client,
    commands: ConnectionManager,
    url: String,
}

impl Redis {
    /// Connects (failing at once, naming the URL without its password, when Redis cannot be
    /// reached).
    pub(super) async fn connect(url: &str) -> Result<Self> {
        let redacted = util::redact_url(url);
        let fail = |reason: String| Error::Redis {
            url: redacted.clone(),
            reason,
        };
        let client = Client::open(url).map_err(|e| fail(e.to_string()))?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_secs(1));
        let mut commands = tokio::time::timeout(
            CONNECT_TIMEOUT * 2,
            client.get_connection_manager_with_config(config),
        )
        .await
        .map_err(|_| fail("no answer".into()))?
        .map_err(|e| fail(e.to_string()))?;
        let _: String = redis::cmd("PING")
            .query_async(&mut commands)
            .await
            .map_err(|e| fail(e.to_string()))?;
        Ok(Self {
            client,
            commands,
            url: redacted,
        })
    }

    /// The URL, its password hidden.
    pub(super) fn url(&self) -> &str {
        &self.url
    }

    /// A fresh pub/sub connection subscribed to the channel.
    pub(super) async fn subscribe(&self) -> std::result::Result<Box<redis::aio::PubSub>, String> {
        let subscribe = async {
            let mut pubsub = self.client.get_async_pubsub().await?;
            pubsub.subscribe(CHANNEL).await?;
            Ok::<_, redis::RedisError>(pubsub)
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, subscribe).await {
            Ok(Ok(pubsub)) => Ok(Box::new(pubsub)),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err("no answer".into()),
        }
    }

    pub(super) async fn publish(&self, payload: &str) -> std::result::Result<(), String> {
        let mut conn = self.commands.clone();
        conn.publish::<_, _, i64>(CHANNEL, payload)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    /// Keeps each revoked id until its token expires.
    pub(super) async fn keep_revoked(
        &self,
        entries: &[(String, i64)],
    ) -> std::result::Result<(), ClientError> {
        let now = util::now_secs();
        let mut pipe = redis::pipe();
        for (jti, exp) in entries {
            if let Ok(ttl) = u64::try_from(exp - now)
                && ttl > 0
            {
                pipe.set_ex(revoked_key(jti), 1, ttl).ignore();
            }
        }
        let mut conn = self.commands.clone();
        pipe.query_async::<()>(&mut conn).await.map_err(unavailable)
    }

    pub(super) async fn is_revoked(&self, jti: &str) -> std::result::Result<bool, ClientError> {
        let mut conn = self.commands.clone();
        conn.exists(revoked_key(jti)).await.map_err(unavailable)
    }

    pub(super) fn counters(&self) -> RedisCounters {
        RedisCounters {
            conn: self.commands.clone(),
        }
    }
}

fn revoked_key(jti: &str) -> String {
    format!("{PREFIX}revoked:{jti}")
}

fn unavailable(err: redis::RedisError) -> ClientError {
    tracing::warn!(error = %err, "Redis command failed");
    ClientError::Unavailable
}

/// The next payload heard; `None` once the connection is gone.
pub(super) async fn next(pubsub: &mut redis::aio::PubSub) -> Option<String> {
    let message = pubsub.on_message().next().await?;
    message.get_payload::<String>().ok().or(Some(String::new()))
}

/// Failure counters in Redis, shared by every instance: one counter per login (a digest of
/// it: no address is written to Redis) and a lock key whose TTL is the lock.
#[derive(Clone)]
pub(crate) struct RedisCounters {
    conn: ConnectionManager,
}

impl RedisCounters {
    fn keys(login: &str) -> (String, String) {
        let digest = hex::encode(Sha256::digest(login.as_bytes()));
        (
            format!("{PREFIX}throttle:count:{digest}"),
            format!("{PREFIX}throttle:lock:{digest}"),
        )
    }

    pub(crate) async fn is_locked(&self, login: &str) -> std::result::Result<bool, ClientError> {
        let (_, lock) = Self::keys(login);
        let mut conn = self.conn.clone();
        conn.exists(lock).await.map_err(unavailable)
    }

    /// Counts a failure (the count lives `forget_after`); returns the new count.
    pub(crate) async fn failed(
        &self,
        login: &str,
        forget_after: Duration,
    ) -> std::result::Result<u32, ClientError> {
        let (count, _) = Self::keys(login);
        let mut conn = self.conn.clone();
        let (failures,): (u32,) = redis::pipe()
            .atomic()
            .incr(&count, 1)
            .expire(
                &count,
                i64::try_from(forget_after.as_secs()).unwrap_or(i64::MAX),
            )
            .ignore()
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(failures)
    }

    /// Locks the login for `lock`.
    pub(crate) async fn lock(
        &self,
        login: &str,
        lock: Duration,
    ) -> std::result::Result<(), ClientError> {
        let (_, key) = Self::keys(login);
        let mut conn = self.conn.clone();
        conn.set_ex(key, 1, lock.as_secs().max(1))
            .await
            .map_err(unavailable)
    }

    pub(crate) async fn cleared(&self, login: &str) -> std::result::Result<(), ClientError> {
        let (count, lock) = Self::keys(login);
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(&[count, lock]).await.map_err(unavailable)
    }
}
