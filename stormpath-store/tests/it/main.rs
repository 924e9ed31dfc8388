//! Integration tests of the embedded store: real SQLite files in a temporary directory and a
//! fresh database per test on PostgreSQL when `STORMPATH_TEST_POSTGRES` names a server's
//! maintenance database (e.g. `postgres://postgres@127.0.0.1:5432/postgres`); without it the
//! PostgreSQL half of each check returns at once, and the run says so once.
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
                let Some(db) = crate::support::TestDb::postgres().await else { return };
                super::$name(&db).await;
            }
        }
    )*};
}

mod support;

mod accounts;
mod admin;
mod auth;
mod custom_data;
mod flows;
mod groups;
mod import;
mod mail;
mod outbox;
mod postgres;
mod providers;
mod server_flows;
mod startup;
mod tokens;
