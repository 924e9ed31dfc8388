//! Sessions as refresh-token families: every password login starts a family (its id is the
//! first refresh token's `jti`); a refresh with rotation on replaces the token inside its
//! family. The family carries what the session policy checks on every refresh — when the
//! password was entered (absolute lifetime), when it was last used (idle timeout), and whether
//! a presented token was already replaced (reuse detection: the whole family is revoked).

use std::time::Duration;

use sqlx::Row;
use stormpath_client::{AccountId, Error, SessionInfo};

use crate::{Store, error::Fallible, token::RefreshClaims, util};

/// How sessions may be refreshed (the builder's `rotate_refresh_tokens`,
/// `session_idle_timeout` and `session_lifetime`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SessionPolicy {
    /// Whether each refresh replaces the refresh token.
    pub(crate) rotate: bool,
    /// Longest time between two refreshes (zero: none).
    pub(crate) idle: Duration,
    /// Longest time since the password entry (zero: the refresh token's own lifetime).
    pub(crate) lifetime: Duration,
    /// With rotation, how long a replaced token may still be exchanged (zero: never).
    pub(crate) reuse_grace: Duration,
}

/// What the database knows about one refresh token.
pub(crate) struct Member {
    pub(crate) account_id: String,
    pub(crate) family: String,
    /// When the password was entered (seconds).
    pub(crate) auth_time: i64,
    pub(crate) last_used_at: i64,
    pub(crate) rotated_at: i64,
    pub(crate) revoked: bool,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl SessionPolicy {
    /// Whether the session of `member` has ended by time at `now` (seconds): idle for longer
    /// than the idle timeout, or older than the lifetime.
    fn ended(&self, member: &Member, now: i64) -> bool {
        let idle = !self.idle.is_zero() && now - member.last_used_at > secs(self.idle);
        let old = !self.lifetime.is_zero() && now - member.auth_time > secs(self.lifetime);
        idle || old
    }

    /// The earliest replacement instant (seconds) still within the reuse grace at `now`
    /// (`i64::MAX`, matching none, without rotation or grace).
    fn grace_since(&self, now: i64) -> i64 {
        if self.rotate && !self.reuse_grace.is_zero() {
            now.saturating_sub(secs(self.reuse_grace))
        } else {
            i64::MAX
        }
    }
}

impl Store {
    /// Records a refresh token as a member of `family` (its own `jti` for a new session).
    pub(crate) async fn record_refresh_token_in(
        &self,
        account: &AccountId,
        claims: &RefreshClaims,
        family: &str,
        auth_time: i64,
    ) -> Fallible<()> {
        sqlx::query(
            "INSERT INTO refresh_tokens (jti, account_id, issued_at, expires_at, family, auth_time, \
             last_used_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&claims.jti)
        .bind(account.as_str())
        .bind(claims.iat)
        .bind(claims.exp)
        .bind(family)
        .bind(auth_time)
        .bind(claims.iat)
        .execute(&self.inner.pool)
        .await?;
        Ok(())
    }

    /// The recorded member for a refresh token.
    pub(crate) async fn family_member(&self, claims: &RefreshClaims) -> Fallible<Option<Member>> {
        let row = sqlx::query(
            "SELECT account_id, family, auth_time, last_used_at, rotated_at, revoked \
             FROM refresh_tokens WHERE jti = $1",
        )
        .bind(&claims.jti)
        .fetch_optional(&self.inner.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let family: Option<String> = row.try_get(1)?;
        let auth_time: i64 = row.try_get(2)?;
        let last_used_at: i64 = row.try_get(3)?;
        Ok(Some(Member {
            account_id: row.try_get(0)?,
            // Tokens recorded before families existed are a family of their own.
            family: family.unwrap_or_else(|| claims.jti.clone()),
            auth_time: if auth_time > 0 { auth_time } else { claims.iat },
            last_used_at: last_used_at.max(claims.iat),
            rotated_at: row.try_get(4)?,
            revoked: row.try_get::<i64, _>(5)? != 0,
        }))
    }

    /// Checks the session policy for a refresh of `member` at `now`, and records the use.
    /// With rotation, claims the member (one winner among concurrent refreshes); a member
    /// already replaced is a reused token, and its whole family is revoked.
    ///
    /// # Errors
    /// `InvalidToken` when the session has ended (revoked, idle, past its lifetime, reused).
    pub(crate) async fn use_family_member(
        &self,
        claims: &RefreshClaims,
        member: &Member,
        now: i64,
    ) -> Fallible<()> {
        let policy = self.inner.session_policy;
        if member.revoked {
            return Err(Error::InvalidToken.into());
        }
        if policy.ended(member, now) {
            self.revoke_family(&member.family).await?;
            return Err(Error::InvalidToken.into());
        }
        // A replaced token is reuse, unless it was replaced within the grace.
        let since = policy.grace_since(now);
        if member.rotated_at != 0 && member.rotated_at <= since {
            self.reused(member).await?;
            return Err(Error::InvalidToken.into());
        }
        // The first replacement instant is kept, so the grace cannot be stretched.
        let sql = if policy.rotate {
            "UPDATE refresh_tokens SET last_used_at = $1, \
             rotated_at = CASE WHEN rotated_at = 0 THEN $1 ELSE rotated_at END \
             WHERE jti = $2 AND (rotated_at = 0 OR rotated_at > $3)"
        } else {
            "UPDATE refresh_tokens SET last_used_at = $1 WHERE jti = $2 \
             AND (rotated_at = 0 OR rotated_at > $3)"
        };
        let done = sqlx::query(sql)
            .bind(now)
            .bind(&claims.jti)
            .bind(since)
            .execute(&self.inner.pool)
            .await?;
        if done.rows_affected() == 0 {
            // A concurrent refresh replaced it first (and no grace applies).
            self.reused(member).await?;
            return Err(Error::InvalidToken.into());
        }
        Ok(())
    }

    /// A replaced refresh token came back: whoever holds it may have stolen it, so the whole
    /// session ends.
    async fn reused(&self, member: &Member) -> Fallible<()> {
        tracing::warn!(
            target: "stormpath::audit",
            event = "token.reuse",
            account = %self.account_href(&member.account_id),
            "a replaced refresh token was presented again: its session is revoked"
        );
        self.revoke_family(&member.family).await
    }

    /// The expiry of a rotated refresh token: its own lifetime, within the session's.
    pub(crate) fn rotated_expiry(&self, claims_exp: i64, auth_time: i64) -> i64 {
        let lifetime = self.inner.session_policy.lifetime;
        if lifetime.is_zero() {
            claims_exp
        } else {
            claims_exp.min(auth_time.saturating_add(secs(lifetime)))
        }
    }

    /// Revokes every live refresh token of a family (and so the access tokens minted with
    /// them, which carry their `rti`).
    pub(crate) async fn revoke_family(&self, family: &str) -> Fallible<()> {
        let rows = sqlx::query(
            "SELECT jti, expires_at FROM refresh_tokens WHERE (family = $1 OR jti = $1) \
             AND revoked = 0 AND expires_at > $2",
        )
        .bind(family)
        .bind(util::now_secs())
        .fetch_all(&self.inner.pool)
        .await?;
        let entries = rows
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Fallible<Vec<(String, i64)>>>()?;
        self.persist_revocations(&entries).await
    }

    /// The account's live sessions, newest first.
    pub(crate) async fn list_families(
        &self,
        id: &AccountId,
        current: Option<&str>,
    ) -> Fallible<Vec<SessionInfo>> {
        let rows = sqlx::query(
            "SELECT jti, family, auth_time, issued_at, last_used_at, expires_at, rotated_at \
             FROM refresh_tokens WHERE account_id = $1 AND revoked = 0 AND expires_at > $2 \
             ORDER BY issued_at DESC",
        )
        .bind(id.as_str())
        .bind(util::now_secs())
        .fetch_all(&self.inner.pool)
        .await?;
        let current_family = match current {
            Some(jti) => rows.iter().find_map(|r| {
                let row_jti: String = r.try_get(0).ok()?;
                (row_jti == jti).then(|| {
                    r.try_get::<Option<String>, _>(1)
                        .ok()
                        .flatten()
                        .unwrap_or(row_jti)
                })
            }),
            None => None,
        };
        let stamp = |s: i64| util::from_ms(s.saturating_mul(1000));
        let mut sessions: Vec<SessionInfo> = Vec::new();
        for row in &rows {
            // A replaced token is not a session of its own.
            if row.try_get::<i64, _>(6)? != 0 {
                continue;
            }
            let jti: String = row.try_get(0)?;
            let family = row.try_get::<Option<String>, _>(1)?.unwrap_or(jti);
            if sessions.iter().any(|s| s.id == family) {
                continue;
            }
            let auth_time: i64 = row.try_get(2)?;
            let issued_at: i64 = row.try_get(3)?;
            let last_used: i64 = row.try_get(4)?;
            let mut info = SessionInfo::new(
                family.clone(),
                stamp(if auth_time > 0 { auth_time } else { issued_at }),
                (last_used > issued_at).then(|| stamp(last_used)),
                stamp(row.try_get(5)?),
            );
            info.current = current_family.as_deref() == Some(family.as_str());
            sessions.push(info);
        }
        Ok(sessions)
    }

    /// Ends one session of the account.
    pub(crate) async fn end_family(&self, id: &AccountId, family: &str) -> Fallible<()> {
        let owned = sqlx::query(
            "SELECT 1 FROM refresh_tokens WHERE (family = $1 OR jti = $1) AND account_id = $2 \
             AND revoked = 0 AND expires_at > $3",
        )
        .bind(family)
        .bind(id.as_str())
        .bind(util::now_secs())
        .fetch_optional(&self.inner.pool)
        .await?;
        if owned.is_none() {
            return Err(Error::NotFound.into());
        }
        self.revoke_family(family).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(auth_time: i64, last_used_at: i64) -> Member {
        Member {
            account_id: "a".into(),
            family: "f".into(),
            auth_time,
            last_used_at,
            rotated_at: 0,
            revoked: false,
        }
    }

    #[test]
    fn idle_and_absolute_limits_end_a_session_at_their_second() {
        let policy = SessionPolicy {
            rotate: false,
            idle: Duration::from_secs(3600),
            lifetime: Duration::from_secs(86_400),
            reuse_grace: Duration::ZERO,
        };
        let m = member(1_000, 5_000);
        assert!(
            !policy.ended(&m, 5_000 + 3600),
            "idle for exactly the timeout"
        );
        assert!(policy.ended(&m, 5_000 + 3601), "idle for longer");
        let busy = member(1_000, 1_000 + 86_000);
        assert!(!policy.ended(&busy, 1_000 + 86_400));
        assert!(
            policy.ended(&busy, 1_000 + 86_401),
            "however recently used, a session ends at its lifetime"
        );
        let unlimited = SessionPolicy::default();
        assert!(!unlimited.ended(&m, i64::MAX / 2), "no limits by default");
    }

    #[test]
    fn a_replaced_token_is_within_the_grace_for_exactly_its_length() {
        let strict = SessionPolicy {
            rotate: true,
            ..SessionPolicy::default()
        };
        assert_eq!(strict.grace_since(5_000), i64::MAX, "no grace by default");
        let lenient = SessionPolicy {
            rotate: true,
            reuse_grace: Duration::from_secs(10),
            ..SessionPolicy::default()
        };
        // Within iff replaced after `since`: 9 s ago yes, 10 s ago no.
        let since = lenient.grace_since(5_000);
        assert!(4_991 > since);
        assert!(4_990 <= since);
        let unrotated = SessionPolicy {
            reuse_grace: Duration::from_secs(10),
            ..SessionPolicy::default()
        };
        assert_eq!(
            unrotated.grace_since(5_000),
            i64::MAX,
            "no rotation, no grace"
        );
    }
}
