//! Integration tests of the embedded store: real SQLite files in a temporary directory and a
//! fresh database per test on the local PostgreSQL (127.0.0.1:5432, user `postgres`).
//!
//! Behaviour checks are written once, as `async fn check(db: &TestDb)`, and [`on_both!`] turns
//! each into a `sqlite` and a `postgres` test: `tokens::expired_tokens_are_refused::sqlite`.

// `allow-unwrap-in-tests` covers only `#[test]` functions; the shared checks are test code too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is how a check reports a failure"
)]

/// Runs each named check (an `async fn(&TestDb)` in the current module) on a fresh SQLite file
/// and on a fresh PostgreSQL database, as `NAME::sqlite` and `NAME::postgres`.
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = crate::support::TestDb::sqlite().await;
                super::$name(&db).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let db = crate::support::TestDb::postgres().await;
                super::$name(&db).await;
            }
        }
    )*};
}

mod support;

mod accounts;
mod auth;
mod custom_data;
mod groups;
mod mail;
mod postgres;
mod startup;
mod tokens;
