//! The password checks: composition rules and the blocklist (zxcvbn with the account's own
//! words) over any text — a refusal or a pass, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stormpath_store::fuzz::password(data);
});
