//! The token parser: any text as an access token, a refresh token, or a token to revoke — a
//! refusal or claims, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stormpath_store::fuzz::token(data);
});
