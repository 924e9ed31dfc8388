//! The remote back end against a tiny raw-TCP HTTP server on 127.0.0.1: faults (a server that
//! is down, slow or answers garbage), retries, error mapping, the token hot path; and the first
//! steps against the real `stormpath-server` (`real_server`).

#![allow(
    clippy::unwrap_used,
    unreachable_pub,
    reason = "tests fail loudly; the helpers are the binary's own"
)]

mod api;
mod faults;
mod feed;
mod proxy;
mod real_server;
mod server;
mod tokens;

use std::time::Duration;

use stormpath_client::{
    credentials::ApiKey,
    remote::{AuthScheme, RemoteBackend, RemoteBackendBuilder},
};

use crate::server::{FakeServer, KEY_ID, KEY_SECRET};

/// A builder for the fake server's application, with Basic auth and a short timeout.
fn builder(server: &FakeServer) -> RemoteBackendBuilder {
    RemoteBackend::builder()
        .base_url(&server.base)
        .api_key(ApiKey {
            id: KEY_ID.into(),
            secret: KEY_SECRET.into(),
        })
        .application_href(server.app_href())
        .scheme(AuthScheme::Basic)
        .timeout(Duration::from_secs(2))
}

async fn backend(server: &FakeServer) -> RemoteBackend {
    builder(server).build().await.unwrap()
}
