//! The REST server over a real process: `init`, then `serve` on 127.0.0.1 (SQLite; the same
//! suites on PostgreSQL where `STORMPATH_TEST_POSTGRES` is set).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod auth_support;
mod support;

mod accounts;
mod api_keys;
mod auth;
mod changes;
mod conformance;
mod coverage;
mod custom_data;
mod flows;
mod groups;
mod login;
mod oauth;
mod slow_clients;
mod structure;
