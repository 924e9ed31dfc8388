//! Criterion micro benchmarks of the hot path's pieces: an authenticated request's token check
//! on a cached token (`Sessions::verify_access_token`: signature, revocation set, account
//! cache) and a login's argon2id verify with the store's parameters, in a fresh allocation (the
//! argon2 crate's `verify_password`) and in a reused block (what the store's hasher does).
//!
//! `cargo bench -p stormpath-bench` (not part of CI).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark set-up: a panic is how it reports a failure"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates undocumented functions"
)]

use std::hint::black_box;

use argon2::{
    Argon2, Block, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString,
};
use criterion::{Criterion, criterion_group, criterion_main};
use stormpath_client::{NewAccount, TokenGrant, prelude::*};
use stormpath_store::Store;

const PASSWORD: &str = "Sup3rSecret!";

fn verify_access_token(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = rt
        .block_on(
            Store::builder()
                .database_url(format!("sqlite://{}/bench.db", dir.path().display()))
                .signing_key("bench-secret-key-0123456789abcdefghijklmnop")
                .build(),
        )
        .unwrap();
    let account = rt
        .block_on(store.create_account(NewAccount {
            email: "bench@example.com".into(),
            password: PASSWORD.into(),
            ..NewAccount::default()
        }))
        .unwrap();
    let tokens = rt
        .block_on(store.issue_tokens(&account, TokenGrant::Password))
        .unwrap();
    let jwt = tokens.access_token;
    // The first check fills the caches; the benchmark measures the ones after it.
    assert!(
        rt.block_on(store.verify_access_token(&jwt))
            .unwrap()
            .is_some()
    );
    c.bench_function("verify_access_token, cached token", |b| {
        b.iter(|| rt.block_on(store.verify_access_token(black_box(&jwt))))
    });
}

fn argon2id_verify(c: &mut Criterion) {
    let argon = Argon2::default(); // m = 19456 KiB, t = 2, p = 1: the store's default
    let salt = SaltString::from_b64("YmVuY2hzYWx0YmVuY2hzYWx0").unwrap();
    let phc = argon
        .hash_password(PASSWORD.as_bytes(), &salt)
        .unwrap()
        .to_string();
    let stored = PasswordHash::new(&phc).unwrap();
    let mut group = c.benchmark_group("argon2id verify, m=19456 t=2 p=1");
    group.sample_size(10);
    group.bench_function("fresh allocation (verify_password)", |b| {
        b.iter(|| argon.verify_password(black_box(PASSWORD.as_bytes()), &stored))
    });
    let mut memory = vec![Block::new(); argon.params().block_count()];
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).unwrap();
    let mut out = [0u8; 32];
    group.bench_function("reused block (hash_password_into_with_memory)", |b| {
        b.iter(|| {
            argon
                .hash_password_into_with_memory(
                    black_box(PASSWORD.as_bytes()),
                    salt_bytes,
                    &mut out,
                    &mut memory,
                )
                .unwrap();
            out == stored.hash.unwrap().as_bytes()
        })
    });
    group.finish();
}

criterion_group!(benches, verify_access_token, argon2id_verify);
criterion_main!(benches);
