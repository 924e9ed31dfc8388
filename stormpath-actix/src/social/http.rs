//! Outbound calls to providers: reqwest over rustls, a timeout on every call, no redirects
//! followed, bodies read within a limit. Failures become the user-facing messages of the
//! login page (a provider that is down or slow never hangs a login).

use reqwest::{Client, RequestBuilder};
use serde::de::DeserializeOwned;

use super::config::ProviderConfig;
use crate::Error;

/// The most a provider answer may hold (discovery documents and key sets are small).
const MAX_BODY: usize = 512 * 1024;

/// The HTTP client of one provider.
pub(crate) fn client(provider: &ProviderConfig) -> Result<Client, Error> {
    Client::builder()
        .timeout(provider.timeout)
        .connect_timeout(provider.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("stormpath-actix/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| Error::Config {
            key: format!("web.social.{}", provider.id),
            message: format!("no HTTP client: {e}"),
        })
}

/// The message of a provider that could not be asked (down, slow, garbage).
pub(crate) fn unreachable(provider: &ProviderConfig) -> Error {
    Error::BadRequest(format!(
        "{} could not be reached. Please try again later.",
        provider.name
    ))
}

/// Sends `request` and reads a JSON body of a 2xx answer; anything else is logged (without
/// secrets: the URL has none) and answered with [`unreachable`] or `refused`.
pub(crate) async fn json<T: DeserializeOwned>(
    provider: &ProviderConfig,
    request: RequestBuilder,
    what: &str,
) -> Result<T, Error> {
    // `without_url`: a Facebook token exchange carries the client secret in its query.
    let mut response = request.send().await.map_err(|e| {
        let e = e.without_url();
        tracing::warn!(provider = %provider.id, error = %e, "{what}: provider not reached");
        unreachable(provider)
    })?;
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| {
        let e = e.without_url();
        tracing::warn!(provider = %provider.id, error = %e, "{what}: answer cut off");
        unreachable(provider)
    })? {
        if body.len() + chunk.len() > MAX_BODY {
            tracing::warn!(provider = %provider.id, "{what}: answer too large");
            return Err(unreachable(provider));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        tracing::warn!(provider = %provider.id, %status, "{what}: provider refused");
        return Err(refused(provider));
    }
    serde_json::from_slice(&body).map_err(|e| {
        tracing::warn!(provider = %provider.id, error = %e, "{what}: unexpected answer");
        refused(provider)
    })
}

/// The message of a provider that refused the sign-in (a bad or used code, a rejected token).
pub(crate) fn refused(provider: &ProviderConfig) -> Error {
    Error::BadRequest(format!(
        "Signing in with {} did not work. Please try again.",
        provider.name
    ))
}
