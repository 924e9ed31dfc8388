//! Integration tests of stormpath-actix: a real `HttpServer` on 127.0.0.1, a real SQLite file
//! (or the local PostgreSQL), and a reqwest client, the way users meet the library.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

mod support;

/// This suite runs on the embedded store.
mod mode {
    pub(crate) const REMOTE: bool = false;
}

mod account_settings;
mod api_keys;
mod config;
mod custom_data;
mod guards;
mod input;
mod login;
mod logout;
mod me;
mod oauth;
mod postgres;
mod register;
mod reset;
mod sessions;
mod social;
mod verify;
