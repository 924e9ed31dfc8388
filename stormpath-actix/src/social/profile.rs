//! Who the provider says signed in, and how GitHub and Facebook (no OpenID Connect) say it:
//! GitHub's `/user` and `/user/emails`, Facebook's Graph `me?fields=id,email,name,…`.

use serde::Deserialize;

use super::{config::ProviderConfig, http};
use crate::Error;

/// A provider's account, as the provider vouches for it.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// The provider's stable id of the user (`sub`, GitHub's and Facebook's numeric `id`).
    pub(crate) subject: String,
    pub(crate) email: Option<String>,
    /// Whether the provider says it verified that the user owns `email`.
    pub(crate) email_verified: bool,
    pub(crate) given_name: Option<String>,
    pub(crate) surname: Option<String>,
    /// The full name (split into given name and surname when those are missing).
    pub(crate) name: Option<String>,
}

/// A JSON number or string id (GitHub and Facebook ids).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Id {
    Number(u64),
    Text(String),
}

impl Id {
    fn text(self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(t) => t,
        }
    }
}

#[derive(Debug, Deserialize)]
struct GithubUser {
    id: Id,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GithubEmail {
    email: String,
    #[serde(default)]
    primary: bool,
    #[serde(default)]
    verified: bool,
}

/// GitHub: `GET {api}/user`, then `GET {api}/user/emails` for the primary verified address.
pub(crate) async fn github(
    provider: &ProviderConfig,
    client: &reqwest::Client,
    token: &str,
) -> Result<Profile, Error> {
    let api = provider.api_base_url.as_deref().unwrap_or_default();
    let get = |path: &str| {
        client
            .get(format!("{api}{path}"))
            .bearer_auth(token)
            .header("accept", "application/vnd.github+json")
    };
    let user: GithubUser = http::json(provider, get("/user"), "GitHub user").await?;
    let emails: Vec<GithubEmail> =
        http::json(provider, get("/user/emails"), "GitHub emails").await?;
    let verified = emails
        .iter()
        .filter(|e| e.verified)
        .max_by_key(|e| e.primary);
    let (email, email_verified) = match verified {
        Some(e) => (Some(e.email.clone()), true),
        None => (user.email, false),
    };
    Ok(Profile {
        subject: user.id.text(),
        email,
        email_verified,
        given_name: None,
        surname: None,
        name: user.name,
    })
}

#[derive(Debug, Deserialize)]
struct FacebookMe {
    id: Id,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

/// Facebook: `GET {graph}/me?fields=id,email,name,first_name,last_name` (the token in the
/// `Authorization` header, never in the URL). Facebook does not say whether the address is
/// verified, so it is taken as unverified.
pub(crate) async fn facebook(
    provider: &ProviderConfig,
    client: &reqwest::Client,
    token: &str,
) -> Result<Profile, Error> {
    let api = provider.api_base_url.as_deref().unwrap_or_default();
    let me: FacebookMe = http::json(
        provider,
        client
            .get(format!("{api}/me"))
            .query(&[("fields", "id,email,name,first_name,last_name")])
            .bearer_auth(token),
        "Facebook profile",
    )
    .await?;
    Ok(Profile {
        subject: me.id.text(),
        email: me.email,
        email_verified: false,
        given_name: me.first_name,
        surname: me.last_name,
        name: me.name,
    })
}

/// The answer of GitHub's token check (the parts we use).
#[derive(Debug, Deserialize)]
struct GithubTokenCheck {
    app: GithubApp,
}

#[derive(Debug, Deserialize)]
struct GithubApp {
    client_id: String,
}

/// GitHub: a token a client posted was issued to this OAuth app
/// (`POST {api}/applications/{client_id}/token`, authenticated as the app; another app's
/// token is a 404). Without this check any site's GitHub token would sign its owner in here.
pub(crate) async fn github_token_is_ours(
    provider: &ProviderConfig,
    client: &reqwest::Client,
    token: &str,
) -> Result<(), Error> {
    let api = provider.api_base_url.as_deref().unwrap_or_default();
    let check: GithubTokenCheck = http::json(
        provider,
        client
            .post(format!("{api}/applications/{}/token", provider.client_id))
            .basic_auth(&provider.client_id, Some(provider.client_secret.0.as_str()))
            .header("accept", "application/vnd.github+json")
            .json(&serde_json::json!({ "access_token": token })),
        "GitHub token check",
    )
    .await?;
    if check.app.client_id != provider.client_id {
        tracing::warn!(provider = %provider.id, "a token of another GitHub app was refused");
        return Err(http::refused(provider));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
struct FacebookDebug {
    data: FacebookTokenData,
}

#[derive(Debug, Deserialize)]
struct FacebookTokenData {
    #[serde(default)]
    app_id: Option<Id>,
    #[serde(default)]
    is_valid: bool,
}

/// Facebook: a token a client posted is valid and was issued to this app
/// (`GET {graph}/debug_token`, with the app's own token `client_id|client_secret` in the
/// `Authorization` header, never in the URL).
pub(crate) async fn facebook_token_is_ours(
    provider: &ProviderConfig,
    client: &reqwest::Client,
    token: &str,
) -> Result<(), Error> {
    let api = provider.api_base_url.as_deref().unwrap_or_default();
    let app_token = format!("{}|{}", provider.client_id, provider.client_secret.0);
    let debug: FacebookDebug = http::json(
        provider,
        client
            .get(format!("{api}/debug_token"))
            .query(&[("input_token", token)])
            .bearer_auth(app_token),
        "Facebook token check",
    )
    .await?;
    let app = debug.data.app_id.map(Id::text);
    if !debug.data.is_valid || app.as_deref() != Some(provider.client_id.as_str()) {
        tracing::warn!(provider = %provider.id, "a token of another Facebook app was refused");
        return Err(http::refused(provider));
    }
    Ok(())
}
