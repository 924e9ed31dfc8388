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
use stormpath_client::Account;

use crate::{
    Error, Stormpath, auth, client_ip, features::login, hooks::LoginVia, input::query_param,
    negotiate, redirect,
};

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
    let secure = client_ip::is_https(req, sp);
    let _ = res.add_cookie(&flow.cookie(&sp.settings().secret, secure));
    Ok(res)
}

/// The login page with `err` in its error container (every callback failure ends here).
fn login_error(req: &HttpRequest, sp: &Stormpath, err: Error) -> Result<HttpResponse, Error> {
    if err.is_internal() {
        return Err(err);
    }
    let mut res = login::page(req, sp, "", Some(&err.to_string()), StatusCode::OK)?;
    let _ = res.add_cookie(&state::removal(client_ip::is_https(req, sp)));
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
            let _ = res.add_cookie(&state::removal(client_ip::is_https(req, sp)));
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
        // Debug, not Display: the parameter is the caller's text, its newlines escaped.
        tracing::info!(provider = %provider.config.id, ?error, "provider returned an error");
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
    if !state::first_use(sp.throttle().counters().as_ref(), &flow.s).await? {
        return Err(expired());
    }
    let code = query_param(req, "code")
        .filter(|c| !c.is_empty() && c.len() <= 4096)
        .ok_or_else(|| http::refused(&provider.config))?;
    let profile = profile_for_code(sp, provider, &code, &flow.v, Some(&flow.n), None).await?;
    let account = sign_in(req, sp, provider, profile).await?;
    let via = provider.login_via();
    crate::session::logged_in(req, sp, &account, flow.x.clone(), via).await
}

/// From the provider's profile to the local account, through the pre-login hook: a link to
/// the account already logged in on this browser (its owner proved it), else as
/// [`super::account::resolve`] decides.
async fn sign_in(
    req: &HttpRequest,
    sp: &Stormpath,
    provider: &Provider,
    profile: Profile,
) -> Result<Account, Error> {
    let via = provider.login_via();
    let email = profile.email.clone().unwrap_or_default();
    sp.hooks().pre_login(req, via, &email).await?;
    let current = match auth::resolve(req, sp).await {
        Ok(resolved) => resolved
            .caller
            .as_ref()
            .map(|c| c.session.account.id.clone()),
        Err(_) => None,
    };
    super::account::resolve(sp, &provider.config, profile, current.as_ref()).await
}

/// What a JSON client posts to `/login` for a provider sign-in it started itself (spec §12.1,
/// the popup flow): exactly one of `code` and `accessToken`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ProviderData {
    provider_id: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    /// The PKCE verifier of the client's authorization request, when it used one.
    #[serde(default)]
    code_verifier: Option<String>,
    /// The `redirect_uri` of the client's authorization request (default: the provider's
    /// callback; Google's popup uses `postmessage`).
    #[serde(default)]
    redirect_uri: Option<String>,
}

impl ProviderData {
    /// Reads `providerData` (a JSON object).
    pub(crate) fn parse(value: serde_json::Value) -> Result<Self, Error> {
        serde_json::from_value(value).map_err(|_| {
            Error::BadRequest(
                "providerData must be an object with providerId and either code or accessToken."
                    .into(),
            )
        })
    }
}

/// `POST /login` with `providerData`: who signed in, as the provider vouches, then the local
/// account as for the redirect flow. GitHub and Facebook take an access token (checked to be
/// one issued to this application); OpenID Connect providers a code, exchanged here and
/// answered with a verified ID token.
pub(crate) async fn json_login(
    req: &HttpRequest,
    sp: &Stormpath,
    data: ProviderData,
) -> Result<(Account, LoginVia), Error> {
    let provider = sp.social().get(&data.provider_id).ok_or_else(|| {
        Error::BadRequest(format!("{} is not a provider here.", data.provider_id))
    })?;
    let config = &provider.config;
    let name = &config.name;
    let given = |v: Option<String>| v.filter(|v| !v.is_empty());
    let (code, token) = (given(data.code), given(data.access_token));
    let bounded = |v: &str| {
        if v.len() > 4096 {
            return Err(Error::BadRequest("The code or token is too long.".into()));
        }
        Ok(())
    };
    let profile = match (config.protocol, code, token) {
        (_, Some(_), Some(_)) => {
            return Err(Error::BadRequest(
                "Send either a code or an accessToken, not both.".into(),
            ));
        }
        (_, None, None) => {
            return Err(Error::BadRequest(
                "providerData needs a code or an accessToken.".into(),
            ));
        }
        (Protocol::Oidc, Some(code), None) => {
            bounded(&code)?;
            let callback = redirect_uri(sp, provider);
            let redirect = data.redirect_uri.unwrap_or(callback);
            let verifier = data.code_verifier.unwrap_or_default();
            profile_for_code(sp, provider, &code, &verifier, None, Some(&redirect)).await?
        }
        (Protocol::Oidc, None, Some(_)) => {
            // An access token does not say which application it was issued to: another
            // site's token must not sign anyone in here.
            return Err(Error::BadRequest(format!(
                "{name} sign-in takes a code here, not an access token."
            )));
        }
        (Protocol::Github | Protocol::Facebook, Some(_), None) => {
            return Err(Error::BadRequest(format!(
                "{name} sign-in takes an accessToken here, not a code."
            )));
        }
        (Protocol::Github, None, Some(token)) => {
            bounded(&token)?;
            profile::github_token_is_ours(config, &provider.client, &token).await?;
            profile::github(config, &provider.client, &token).await?
        }
        (Protocol::Facebook, None, Some(token)) => {
            bounded(&token)?;
            profile::facebook_token_is_ours(config, &provider.client, &token).await?;
            profile::facebook(config, &provider.client, &token).await?
        }
    };
    let account = sign_in(req, sp, provider, profile).await?;
    let via = provider.login_via();
    Ok((account, via))
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
///
/// `verifier`: the PKCE verifier (empty: none); `nonce`: the one the ID token must carry (the
/// redirect flow's); `redirect`: the authorization request's `redirect_uri` when it was not our
/// callback (the JSON flow).
async fn profile_for_code(
    sp: &Stormpath,
    provider: &Provider,
    code: &str,
    verifier: &str,
    nonce: Option<&str>,
    redirect: Option<&str>,
) -> Result<Profile, Error> {
    let config = &provider.config;
    let client = &provider.client;
    let redirect_uri = redirect.map_or_else(|| redirect_uri(sp, provider), str::to_owned);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    if !verifier.is_empty() {
        form.push(("code_verifier", verifier));
    }
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
                    nonce,
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
                    ("code_verifier", verifier),
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
                ("code_verifier", verifier),
            ]);
            let token = access_token(config, http::json(config, request, "token exchange").await?)?;
            profile::facebook(config, client, &token).await
        }
    }
}

/// The access token of a GitHub or Facebook answer (GitHub answers errors with a 200).
fn access_token(config: &super::config::ProviderConfig, tokens: Tokens) -> Result<String, Error> {
    if let Some(error) = &tokens.error {
        tracing::warn!(provider = %config.id, ?error, "token exchange refused");
    }
    tokens
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| http::refused(config))
}
