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

/// Runs `data` through the password checks: its first line as the password, the next ones as
/// the account's email, username, given name, surname and the site's name; against Stormpath's
/// composition rules, the NIST preset's and the blocklist. Must never panic.
pub fn password(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let password = lines.next().unwrap_or_default();
    let mut next = || lines.next().filter(|l| !l.is_empty());
    let context = crate::PasswordContext {
        email: next(),
        username: next(),
        given_name: next(),
        surname: next(),
        site_name: next(),
    };
    let _ = crate::check_strength(&stormpath_client::PasswordStrength::default(), password);
    let _ = crate::check_strength(&stormpath_client::PasswordStrength::nist(), password);
    let _ = crate::check_guessable(password, &context);
}
