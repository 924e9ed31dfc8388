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

    /// Installs (or refreshes) the triggers that announce every change the hot path caches,
    /// whoever writes it: an account updated or deleted, a group membership added or removed,
    /// a group changed, a token revoked. Idempotent; serialised between instances starting
    /// together by a transaction-scoped advisory lock.
    pub(super) async fn install_triggers(&self) -> crate::Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(7324917)")
            .execute(&mut *tx)
            .await?;
        let (functions, triggers) = TRIGGERS.split_at(4);
        for statement in functions {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        // Re-creating a trigger locks its table: only when one is missing.
        let present: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'stormpath\\_%' AND NOT tgisinternal",
        )
        .fetch_one(&mut *tx)
        .await?;
        if present < 4 {
            for statement in triggers {
                sqlx::query(statement).execute(&mut *tx).await?;
            }
        }
        tx.commit().await?;
        Ok(())
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

/// The notifying functions and their triggers (`{"account": id}` and `{"revoked": [[jti,
/// exp]]}`, the listener's event shapes).
const TRIGGERS: &[&str] = &[
    r"CREATE OR REPLACE FUNCTION stormpath_notify_account() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('stormpath_invalidate', json_build_object('account', OLD.id)::text);
        RETURN NULL;
      END $$",
    r"CREATE OR REPLACE FUNCTION stormpath_notify_membership() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          PERFORM pg_notify('stormpath_invalidate', json_build_object('account', NEW.account_id)::text);
        ELSE
          PERFORM pg_notify('stormpath_invalidate', json_build_object('account', OLD.account_id)::text);
        END IF;
        RETURN NULL;
      END $$",
    r"CREATE OR REPLACE FUNCTION stormpath_notify_group() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('stormpath_invalidate', json_build_object('account', account_id)::text)
          FROM group_memberships WHERE group_id = OLD.id;
        RETURN NULL;
      END $$",
    r"CREATE OR REPLACE FUNCTION stormpath_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('stormpath_invalidate',
          json_build_object('revoked', json_build_array(json_build_array(NEW.jti, NEW.expires_at)))::text);
        RETURN NULL;
      END $$",
    "DROP TRIGGER IF EXISTS stormpath_account_changed ON accounts",
    "CREATE TRIGGER stormpath_account_changed AFTER UPDATE OR DELETE ON accounts \
     FOR EACH ROW EXECUTE FUNCTION stormpath_notify_account()",
    "DROP TRIGGER IF EXISTS stormpath_membership_changed ON group_memberships",
    "CREATE TRIGGER stormpath_membership_changed AFTER INSERT OR UPDATE OR DELETE ON group_memberships \
     FOR EACH ROW EXECUTE FUNCTION stormpath_notify_membership()",
    "DROP TRIGGER IF EXISTS stormpath_group_changed ON account_groups",
    "CREATE TRIGGER stormpath_group_changed AFTER UPDATE ON account_groups \
     FOR EACH ROW EXECUTE FUNCTION stormpath_notify_group()",
    "DROP TRIGGER IF EXISTS stormpath_token_revoked ON revoked_tokens",
    "CREATE TRIGGER stormpath_token_revoked AFTER INSERT ON revoked_tokens \
     FOR EACH ROW EXECUTE FUNCTION stormpath_notify_revoked()",
];
