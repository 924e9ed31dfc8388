//! Small shared helpers: random ids and secrets, clock, hashing of stored token digests.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use rand::{Rng, RngCore, distributions::Alphanumeric, rngs::OsRng};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// A new resource id: 22 alphanumeric characters from the OS CSPRNG (about 131 bits), the
/// shape of Stormpath's ids.
pub(crate) fn new_id() -> String {
    OsRng
        .sample_iter(&Alphanumeric)
        .take(22)
        .map(char::from)
        .collect()
}

/// A URL-safe random token of `bytes` random bytes (base64url, no padding).
pub(crate) fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256 of a high-entropy secret, hex-encoded: how one-time tokens are stored.
pub(crate) fn digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, in milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// Now, in whole seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Milliseconds since the Unix epoch back to a timestamp.
pub(crate) fn from_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `scheme://user:secret@host…` → `scheme://user:***@host…`, for messages and logs; URLs without
/// credentials are kept. Everything up to the last `@` counts as credentials, so an unencoded
/// `@`, `/` or `?` in the password cannot leak part of it.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return if url.contains('@') {
            "<not a URL>".into()
        } else {
            url.to_owned()
        };
    };
    match rest.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://{userinfo}@{host}"),
        },
        None => url.to_owned(),
    }
}

/// Whether a database error is a unique-constraint violation.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::UniqueViolation)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_passwords_only() {
        assert_eq!(redact_url("smtp://127.0.0.1:2525"), "smtp://127.0.0.1:2525");
        assert_eq!(
            redact_url("smtps://user:pa:ss@w/rd@host:465?tls=x"),
            "smtps://user:***@host:465?tls=x"
        );
        assert_eq!(redact_url("smtp://user@host"), "smtp://user@host");
        assert_eq!(redact_url("nonsense:secret@x"), "<not a URL>");
        assert_eq!(
            redact_url("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            redact_url("redis://:secret@h:6379/0"),
            "redis://:***@h:6379/0"
        );
    }

    #[test]
    fn ids_are_unique_and_22_chars() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 22));
    }

    #[test]
    fn millisecond_round_trip() {
        let ms = 1_453_841_403_931;
        assert_eq!(
            i64::try_from(from_ms(ms).unix_timestamp_nanos() / 1_000_000).unwrap(),
            ms
        );
    }
}
