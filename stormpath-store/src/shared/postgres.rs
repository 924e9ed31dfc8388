//! Announcements over PostgreSQL `LISTEN`/`NOTIFY`: the link when there is no Redis.

use std::time::Duration;

use sqlx::{AnyPool, postgres::PgListener};

use super::CHANNEL;

/// How long connecting a listener may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The database the instances share, as a channel.
#[derive(Clone)]
pub(super) struct Postgres {
    url: String,
    pool: AnyPool,
}

impl Postgres {
    pub(super) fn new(url: &str, pool: AnyPool) -> Self {
        Self {
            url: url.to_owned(),
            pool,
        }
    }

    /// The database URL, its password hidden.
    pub(super) fn url(&self) -> String {
        crate::util::redact_url(&self.url)
    }

    /// A fresh connection listening on the channel (a lost one is never reused silently: the
    /// caller resynchronises after every new subscription).
    pub(super) async fn subscribe(&self) -> Result<Box<PgListener>, String> {
        let listen = async {
            let mut listener = PgListener::connect(&self.url).await?;
            // A lost connection ends the subscription (`try_recv` answers `None`) instead of
            // being replaced behind our back, which would hide the gap.
            listener.eager_reconnect(false);
            listener.listen(CHANNEL).await?;
            Ok::<_, sqlx::Error>(listener)
        };
        match tokio::time::timeout(CONNECT_TIMEOUT, listen).await {
            Ok(Ok(listener)) => Ok(Box::new(listener)),
            Ok(Err(err)) => Err(err.to_string()),
            Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
        }
    }

    pub(super) async fn publish(&self, payload: &str) -> Result<(), String> {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|err| err.to_string())
    }
}

/// The next payload heard; `None` once the connection is gone.
pub(super) async fn next(listener: &mut PgListener) -> Option<String> {
    match listener.try_recv().await {
        Ok(Some(notification)) => Some(notification.payload().to_owned()),
        Ok(None) | Err(_) => None,
    }
}
