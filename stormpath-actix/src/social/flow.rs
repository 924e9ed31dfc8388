//! The redirect flow: the button's `GET {login.uri}/<providerId>` sets the flow cookie and sends
//! the browser to the provider; `GET {web.social.<providerId>.uri}` (the callback) checks the
//! state, exchanges the code (with the PKCE verifier), verifies who signed in, logs them in and
//! sends them to the flow's `next`. Every failure renders the login page with the message in
//! its error container and changes nothing. Callbacks are always HTML (spec §2.2).

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use percent_encoding::utf8_percent_encode;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{
    Provider,
    config::Protocol,
    http, profile,
    profile::Profile,
    state::{self, Flow},
};
use crate::{Error, Stormpath, auth, features::login, input::query_param, negotiate, redirect};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    for provider in &sp.social().providers {
        let id = provider.config.id.clone();
        let start_id = id.clone();
        cfg.route(
            &start_path(sp, &id),
            web::get().to(move |req: HttpRequest, sp: Stormpath| {
                let id = start_id.clone();
                async move { start(&req, &sp, &id).await }
            }),
        );
        cfg.route(
            &provider.config.uri,
            web::get().to(move |req: HttpRequest, sp: Stormpath| {
                let id = id.clone();
                async move { callback(&req, &sp, &id).await }
            }),
        );
    }
}

/// `{login.uri}/<providerId>`: where a button points.
pub(crate) fn start_path(sp: &Stormpath, id: &str) -> String {
    let login = &sp.settings().config.web.login.uri;
    format!("{}/{id}", login.trim_end_matches('/'))
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// The absolute callback URL the provider sends the browser back to.
fn redirect_uri(sp: &Stormpath, provider: &Provider) -> String {
    format!(
        "{}{}",
        sp.config().web.base_url.trim_end_matches('/'),
        provider.config.uri
    )
}

/// Starts a flow: the cookie, and a 302 to the provider's authorization endpoint.
async fn start(req: &HttpRequest, sp: &Stormpath, id: &str) -> Result<HttpResponse, Error> {
    let Some(provider) = sp.social().get(id) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let next = redirect::next_or(req, &sp.settings().config.web.login.next_uri);
    let flow = Flow::new(id, next, now());
    let authorize = match &provider.config.protocol {
        Protocol::Oidc => {
            match provider
                .issuer
                .endpoints(&provider.config, &provider.client)
                .await
            {
                Ok(endpoints) => endpoints.authorization_endpoint.clone(),
                Err(err) => return login_error(req, sp, err),
            }
        }
        Protocol::Github | Protocol::Facebook => provider
            .config
            .authorization_endpoint
            .clone()
            .unwrap_or_default(),
    };
    let challenge = state::challenge(&flow.v);
    let redirect_uri = redirect_uri(sp, provider);
    let mut params = vec![
        ("response_type", "code"),
        ("client_id", provider.config.client_id.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
        ("scope", provider.config.scope.as_str()),
        ("state", flow.s.as_str()),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
    ];
    if provider.config.protocol == Protocol::Oidc {
        params.push(("nonce", flow.n.as_str()));
    }
    let Ok(url) = reqwest::Url::parse_with_params(&authorize, &params) else {
        return login_error(req, sp, http::refused(&provider.config));
    };
    let mut res = HttpResponse::Found()
        .insert_header((actix_web::http::header::LOCATION, url.as_str()))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .finish();
    let _ = res.add_cookie(&flow.cookie(&sp.settings().secret, req));
    Ok(res)
}

/// The login page with `err` in its error container (every callback failure ends here).
fn login_error(req: &HttpRequest, sp: &Stormpath, err: Error) -> Result<HttpResponse, Error> {
    if err.is_internal() {
        return Err(err);
    }
    let mut res = login::page(req, sp, "", Some(&err.to_string()), StatusCode::OK)?;
    let _ = res.add_cookie(&state::removal(req));
    Ok(res)
}

/// `GET /callbacks/<providerId>`.
async fn callback(req: &HttpRequest, sp: &Stormpath, id: &str) -> Result<HttpResponse, Error> {
    let Some(provider) = sp.social().get(id) else {
        return Ok(HttpResponse::NotFound().finish());
    };
    match complete(req, sp, provider).await {
        Ok(done) => {
            let mut res = done.respond(negotiate::Format::Html);
            let _ = res.add_cookie(&state::removal(req));
            Ok(res)
        }
        Err(err) => login_error(req, sp, err),
    }
}

async fn complete(
    req: &HttpRequest,
    sp: &Stormpath,
    provider: &Provider,
) -> Result<crate::respond::Done, Error> {
    let name = &provider.config.name;
    if let Some(error) = query_param(req, "error") {
        tracing::info!(provider = %provider.config.id, %error, "provider returned an error");
        return Err(Error::BadRequest(if error == "access_denied" {
            format!("You did not allow signing in with {name}. Please try again if you meant to.")
        } else {
            format!("Signing in with {name} did not work. Please try again.")
        }));
    }
    let expired = || {
        Error::BadRequest(format!(
            "Your sign-in with {name} expired or was started in another browser. Please try again."
        ))
    };
    let flow = Flow::from_request(req, &sp.settings().secret, now()).ok_or_else(expired)?;
    let state = query_param(req, "state").unwrap_or_default();
    if !flow.matches(&provider.config.id, &state) {
        return Err(expired());
    }
    if !sp.social().used.first_use(&flow.s) {
        return Err(expired());
    }
    let code = query_param(req, "code")
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| http::refused(&provider.config))?;
    let profile = profile_for_code(sp, provider, &code, &flow).await?;
    let current = match auth::resolve(req, sp).await {
        Ok(resolved) => resolved
            .caller
            .as_ref()
            .map(|c| c.session.account.id.clone()),
        Err(_) => None,
    };
    let account = super::account::resolve(sp, &provider.config, profile, current.as_ref()).await?;
    crate::session::start(req, sp, &account, flow.x.clone()).await
}

/// The token endpoint's answer (the parts we use). Never logged.
#[derive(Deserialize)]
struct Tokens {
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// Exchanges the code and asks who signed in.
async fn profile_for_code(
    sp: &Stormpath,
    provider: &Provider,
    code: &str,
    flow: &Flow,
) -> Result<Profile, Error> {
    let config = &provider.config;
    let client = &provider.client;
    let redirect_uri = redirect_uri(sp, provider);
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
        ("code_verifier", flow.v.as_str()),
    ];
    let secret = config.client_secret.0.as_str();
    match config.protocol {
        Protocol::Oidc => {
            let endpoints = provider.issuer.endpoints(config, client).await?;
            // client_secret_basic (RFC 6749 §2.3.1: each half form-urlencoded first).
            let enc = |s: &str| utf8_percent_encode(s, redirect::COMPONENT).to_string();
            let basic = STANDARD.encode(format!("{}:{}", enc(&config.client_id), enc(secret)));
            let request = client
                .post(&endpoints.token_endpoint)
                .header("authorization", format!("Basic {basic}"))
                .header("accept", "application/json")
                .form(&form);
            let tokens: Tokens = http::json(config, request, "token exchange").await?;
            let id_token = tokens
                .id_token
                .as_deref()
                .ok_or_else(|| http::refused(config))?;
            provider
                .issuer
                .verify(
                    config,
                    client,
                    &endpoints,
                    id_token,
                    Some(&flow.n),
                    tokens.access_token.as_deref(),
                )
                .await
        }
        Protocol::Github => {
            let token_url = config.token_endpoint.as_deref().unwrap_or_default();
            let request = client
                .post(token_url)
                .header("accept", "application/json")
                .form(&[
                    ("client_id", config.client_id.as_str()),
                    ("client_secret", secret),
                    ("code", code),
                    ("redirect_uri", redirect_uri.as_str()),
                    ("code_verifier", flow.v.as_str()),
                ]);
            let token = access_token(config, http::json(config, request, "token exchange").await?)?;
            profile::github(config, client, &token).await
        }
        Protocol::Facebook => {
            let token_url = config.token_endpoint.as_deref().unwrap_or_default();
            let request = client.get(token_url).query(&[
                ("client_id", config.client_id.as_str()),
                ("client_secret", secret),
                ("code", code),
                ("redirect_uri", redirect_uri.as_str()),
                ("code_verifier", flow.v.as_str()),
            ]);
            let token = access_token(config, http::json(config, request, "token exchange").await?)?;
            profile::facebook(config, client, &token).await
        }
    }
}

/// The access token of a GitHub or Facebook answer (GitHub answers errors with a 200).
fn access_token(config: &super::config::ProviderConfig, tokens: Tokens) -> Result<String, Error> {
    if let Some(error) = &tokens.error {
        tracing::warn!(provider = %config.id, %error, "token exchange refused");
    }
    tokens
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| http::refused(config))
}
