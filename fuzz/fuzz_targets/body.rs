//! The body parser of every form and JSON route (`Input`): duplicate keys at any depth, bad
//! UTF-8, deep nesting — a 400 or a value, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    stormpath::__private::fuzz_body(true, data);
    stormpath::__private::fuzz_body(false, data);
});
