//! Entry points of the cargo-fuzz targets (`fuzz/` at the repository root). Not part of the
//! API: only the fuzzers call them, and they may change in any release.

use std::sync::{Arc, OnceLock};

use crate::token::{KeySet, Revocations, Tokens};

/// The key the fuzzers' tokens are verified with (the corpus signs with it too).
pub const KEY: &[u8] = b"fuzzing-key-0123456789abcdefghijklmnopqrstuvwxyz";

/// The issuer the fuzzers' tokens must name.
pub const ISSUER: &str = "https://fuzz.example/v1/applications/fuzz";

fn tokens() -> Option<&'static Tokens> {
    static TOKENS: OnceLock<Option<Tokens>> = OnceLock::new();
    TOKENS
        .get_or_init(|| {
            let keys = KeySet::new(KEY, None, &[]).ok()?;
            Some(Tokens::new(
                keys,
                ISSUER.to_owned(),
                (3600, 86_400),
                Arc::new(Revocations::default()),
            ))
        })
        .as_ref()
}

/// Runs `data` (as text) through every way the store reads a token: as an access token, as a
/// refresh token, and to identify it for revocation. Must never panic.
pub fn token(data: &[u8]) {
    let Some(tokens) = tokens() else { return };
    let text = String::from_utf8_lossy(data);
    let _ = tokens.verify_access(&text);
    let _ = tokens.verify_refresh(&text);
    let _ = tokens.identify(&text);
}
