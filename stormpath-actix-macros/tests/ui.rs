//! Compile tests for the macros: `ui/pass` must build (and run) against real actix-web and
//! stormpath; each `ui/fail` case must fail with exactly its committed `.stderr`.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p stormpath-actix-macros
//! --test ui`, then review the diff: compiler output changes between Rust versions.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
