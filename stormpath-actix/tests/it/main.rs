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
mod audit;
mod config;
mod csrf_everywhere;
mod custom_data;
mod disabled_accounts;
mod duplicate_fields;
mod expired_tokens;
mod guards;
mod hooks;
mod input;
mod login;
mod logout;
mod lost_groups;
mod me;
mod me_sessions;
mod oauth;
mod one_time_tokens;
mod openapi;
mod panics;
mod passwords;
mod postgres;
mod register;
mod reset;
mod security_headers;
mod sessions;
mod social;
mod throttle;
mod verify;
