//! The REST server over a real process: `init`, then `serve` on 127.0.0.1 (SQLite; the same
//! suites on PostgreSQL where `STORMPATH_TEST_POSTGRES` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod support;

mod accounts;
mod auth;
mod custom_data;
mod groups;
mod structure;
