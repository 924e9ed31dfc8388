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

#[cfg(test)]
mod tests {
    use super::*;

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
