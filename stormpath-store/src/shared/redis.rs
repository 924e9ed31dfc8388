//! Redis: announcements over pub/sub, revoked token ids with a TTL, and the throttle's
//! buckets.

use std::time::Duration;

use futures_util::StreamExt;
use redis::{AsyncCommands, Client, aio::ConnectionManager, aio::ConnectionManagerConfig};
use stormpath_client::{
    Error as ClientError, Result as ClientResult,
    throttle::{Counters, Rule},
};

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

/// The throttle's buckets in Redis, shared by every instance (keys are digests: no login or
/// address is written to Redis). One script per operation runs
/// [`stormpath_client::throttle::step`]'s arithmetic on the server's clock, so a check and
/// its count are one atomic step and every instance agrees on the time.
#[derive(Clone)]
pub(crate) struct RedisCounters {
    conn: ConnectionManager,
}

/// `KEYS[1]`: the bucket; `ARGV`: interval ms, burst ms, whether to count. Returns the wait
/// in ms (0: accepted). Mirrors `stormpath_client::throttle::step`.
const STEP: &str = r"
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - tonumber(ARGV[2])
if wait > 0 then return wait end
if ARGV[3] == '1' then
  local next = tat + tonumber(ARGV[1])
  redis.call('SET', KEYS[1], next, 'PX', next - now)
end
return 0
";

impl RedisCounters {
    fn key(kind: &str, key: &str) -> String {
        format!("{PREFIX}limit:{kind}:{key}")
    }

    async fn step(
        &self,
        key: &str,
        rule: Rule,
        add: bool,
    ) -> std::result::Result<Option<Duration>, ClientError> {
        let mut conn = self.conn.clone();
        // EVAL with the script's text (a few hundred bytes): no script cache to miss after a
        // Redis restart, and no extra dependency.
        let wait: u64 = redis::cmd("EVAL")
            .arg(STEP)
            .arg(1)
            .arg(Self::key("bucket", key))
            .arg(rule.interval_ms())
            .arg(rule.burst_ms())
            .arg(if add { "1" } else { "0" })
            .query_async(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok((wait > 0).then(|| Duration::from_millis(wait)))
    }
}

#[async_trait::async_trait]
impl Counters for RedisCounters {
    async fn check(&self, key: &str, rule: Rule) -> ClientResult<Option<Duration>> {
        self.step(key, rule, false).await
    }

    async fn take(&self, key: &str, rule: Rule) -> ClientResult<Option<Duration>> {
        self.step(key, rule, true).await
    }

    async fn clear(&self, key: &str) -> ClientResult<()> {
        let mut conn = self.conn.clone();
        conn.del::<_, ()>(Self::key("bucket", key))
            .await
            .map_err(unavailable)
    }

    async fn remember(&self, key: &str, ttl: Duration) -> ClientResult<()> {
        let mut conn = self.conn.clone();
        let ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        conn.pset_ex::<_, _, ()>(Self::key("known", key), 1, ms)
            .await
            .map_err(unavailable)
    }

    async fn remembers(&self, key: &str) -> ClientResult<bool> {
        let mut conn = self.conn.clone();
        conn.exists(Self::key("known", key))
            .await
            .map_err(unavailable)
    }
}
