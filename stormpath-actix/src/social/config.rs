//! `web.social.<providerId>`, typed: the presets (Google, GitHub, Facebook, LinkedIn,
//! Microsoft) and any OpenID Connect issuer, every endpoint overridable.

use std::time::Duration;

use serde::Deserialize;

use crate::{Error, config::Secret};

/// How a provider signs people in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    /// OpenID Connect: discovery, code flow with PKCE, a verified ID token.
    Oidc,
    /// GitHub's OAuth apps: a code for a token, then `/user` and `/user/emails`.
    Github,
    /// Facebook Login: a code for a token, then Graph `me?fields=id,email,name`.
    Facebook,
}

/// One entry of `web.social` as configured (camelCase keys).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Raw {
    enabled: Option<bool>,
    uri: Option<String>,
    scope: Option<String>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    name: Option<String>,
    protocol: Option<Protocol>,
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    jwks_uri: Option<String>,
    api_base_url: Option<String>,
    auto_link: Option<bool>,
    timeout_seconds: Option<u64>,
}

/// A provider, resolved and checked at startup.
#[derive(Debug, Clone)]
pub(crate) struct ProviderConfig {
    /// The key under `web.social` (`google`, `mycompany`).
    pub(crate) id: String,
    /// The button's name (`Google`).
    pub(crate) name: String,
    pub(crate) protocol: Protocol,
    /// The callback path (`/callbacks/google`).
    pub(crate) uri: String,
    /// Scopes, space-separated, sent verbatim (OpenID Connect providers get `openid` added
    /// when it is missing).
    pub(crate) scope: String,
    pub(crate) client_id: String,
    pub(crate) client_secret: Secret,
    /// OpenID Connect: the issuer (discovery at `{issuer}/.well-known/openid-configuration`).
    pub(crate) issuer: Option<String>,
    pub(crate) authorization_endpoint: Option<String>,
    pub(crate) token_endpoint: Option<String>,
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: Option<String>,
    /// GitHub's REST API or Facebook's Graph API.
    pub(crate) api_base_url: Option<String>,
    /// Link a first sign-in to an existing account with the same email when the provider
    /// says the email is verified (default false: no account is taken over by email alone).
    pub(crate) auto_link: bool,
    /// Each outbound call's limit.
    pub(crate) timeout: Duration,
}

/// A preset's defaults.
struct Preset {
    name: &'static str,
    protocol: Protocol,
    scope: &'static str,
    issuer: Option<&'static str>,
    authorization_endpoint: Option<&'static str>,
    token_endpoint: Option<&'static str>,
    api_base_url: Option<&'static str>,
}

fn preset(id: &str) -> Option<Preset> {
    let oidc = |name, scope, issuer| Preset {
        name,
        protocol: Protocol::Oidc,
        scope,
        issuer,
        authorization_endpoint: None,
        token_endpoint: None,
        api_base_url: None,
    };
    Some(match id {
        "google" => oidc(
            "Google",
            "openid email profile",
            Some("https://accounts.google.com"),
        ),
        "linkedin" => oidc(
            "LinkedIn",
            "openid profile email",
            Some("https://www.linkedin.com/oauth"),
        ),
        // The issuer names the tenant: `https://login.microsoftonline.com/<tenant id>/v2.0`.
        "microsoft" => oidc("Microsoft", "openid email profile", None),
        "github" => Preset {
            name: "GitHub",
            protocol: Protocol::Github,
            scope: "user:email",
            issuer: None,
            authorization_endpoint: Some("https://github.com/login/oauth/authorize"),
            token_endpoint: Some("https://github.com/login/oauth/access_token"),
            api_base_url: Some("https://api.github.com"),
        },
        "facebook" => Preset {
            name: "Facebook",
            protocol: Protocol::Facebook,
            scope: "email",
            issuer: None,
            authorization_endpoint: Some("https://www.facebook.com/v19.0/dialog/oauth"),
            token_endpoint: Some("https://graph.facebook.com/v19.0/oauth/access_token"),
            api_base_url: Some("https://graph.facebook.com/v19.0"),
        },
        _ => return None,
    })
}

fn invalid(id: &str, field: &str, message: impl Into<String>) -> Error {
    Error::Config {
        key: format!("web.social.{id}.{field}"),
        message: message.into(),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// An absolute `http(s)` URL, without a trailing slash.
fn url(id: &str, field: &str, value: Option<String>) -> Result<Option<String>, Error> {
    let Some(value) = non_empty(value) else {
        return Ok(None);
    };
    if !(value.starts_with("https://") || value.starts_with("http://")) {
        return Err(invalid(id, field, "must be an absolute http(s) URL"));
    }
    Ok(Some(value.trim_end_matches('/').to_owned()))
}

/// The enabled providers of `web.social`, in configuration order.
///
/// # Errors
/// [`Error::Config`] naming the key: an entry that is not an object or has an unknown key, an
/// enabled provider without `clientId` or `clientSecret` (as Flask-Stormpath refused to start),
/// an OpenID Connect provider without an issuer, a callback path that is not a path.
pub(crate) fn resolve(social: &serde_json::Value) -> Result<Vec<ProviderConfig>, Error> {
    let Some(entries) = social.as_object() else {
        return match social {
            serde_json::Value::Null => Ok(Vec::new()),
            _ => Err(Error::Config {
                key: "web.social".into(),
                message: "must be a map of providers".into(),
            }),
        };
    };
    let mut providers = Vec::new();
    for (id, entry) in entries {
        let raw: Raw = serde_json::from_value(entry.clone()).map_err(|e| Error::Config {
            key: format!("web.social.{id}"),
            message: e.to_string(),
        })?;
        if !raw.enabled.unwrap_or(false) {
            continue;
        }
        providers.push(one(id, raw)?);
    }
    Ok(providers)
}

fn one(id: &str, raw: Raw) -> Result<ProviderConfig, Error> {
    if id.is_empty()
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(Error::Config {
            key: format!("web.social.{id}"),
            message: "a provider id is letters, digits, `-` and `_`".into(),
        });
    }
    let preset = preset(id);
    let protocol = raw
        .protocol
        .or(preset.as_ref().map(|p| p.protocol))
        .unwrap_or(Protocol::Oidc);
    let client_id = non_empty(raw.client_id).ok_or_else(|| {
        invalid(
            id,
            "clientId",
            format!(
                "is required when the provider is enabled (set STORMPATH_WEB_SOCIAL_{}_CLIENTID)",
                id.to_uppercase()
            ),
        )
    })?;
    let client_secret = raw
        .client_secret
        .filter(|s| !s.0.trim().is_empty())
        .ok_or_else(|| {
            invalid(
                id,
                "clientSecret",
                format!(
                    "is required when the provider is enabled (set STORMPATH_WEB_SOCIAL_{}_CLIENTSECRET)",
                    id.to_uppercase()
                ),
            )
        })?;
    let uri = non_empty(raw.uri).unwrap_or_else(|| format!("/callbacks/{id}"));
    if !uri.starts_with('/') || uri.starts_with("//") {
        return Err(invalid(id, "uri", "must be a path starting with `/`"));
    }
    let issuer = url(
        id,
        "issuer",
        raw.issuer
            .or_else(|| preset.as_ref().and_then(|p| p.issuer).map(str::to_owned)),
    )?;
    let from_preset =
        |get: fn(&Preset) -> Option<&'static str>| preset.as_ref().and_then(get).map(str::to_owned);
    let authorization_endpoint = url(
        id,
        "authorizationEndpoint",
        raw.authorization_endpoint
            .or_else(|| from_preset(|p| p.authorization_endpoint)),
    )?;
    let token_endpoint = url(
        id,
        "tokenEndpoint",
        raw.token_endpoint
            .or_else(|| from_preset(|p| p.token_endpoint)),
    )?;
    let api_base_url = url(
        id,
        "apiBaseUrl",
        raw.api_base_url.or_else(|| from_preset(|p| p.api_base_url)),
    )?;
    match protocol {
        Protocol::Oidc if issuer.is_none() => {
            return Err(invalid(
                id,
                "issuer",
                "is required for an OpenID Connect provider (e.g. https://login.microsoftonline.com/<tenant id>/v2.0)",
            ));
        }
        Protocol::Github | Protocol::Facebook
            if authorization_endpoint.is_none()
                || token_endpoint.is_none()
                || api_base_url.is_none() =>
        {
            return Err(invalid(
                id,
                "protocol",
                "needs authorizationEndpoint, tokenEndpoint and apiBaseUrl",
            ));
        }
        _ => {}
    }
    let mut scope = non_empty(raw.scope)
        .or_else(|| preset.as_ref().map(|p| p.scope.to_owned()))
        .unwrap_or_else(|| "openid email profile".into());
    if protocol == Protocol::Oidc && !scope.split_whitespace().any(|s| s == "openid") {
        scope = format!("openid {scope}");
    }
    Ok(ProviderConfig {
        id: id.to_owned(),
        name: non_empty(raw.name)
            .or_else(|| preset.as_ref().map(|p| p.name.to_owned()))
            .unwrap_or_else(|| id.to_owned()),
        protocol,
        uri,
        scope,
        client_id,
        client_secret,
        issuer,
        authorization_endpoint,
        token_endpoint,
        userinfo_endpoint: url(id, "userinfoEndpoint", raw.userinfo_endpoint)?,
        jwks_uri: url(id, "jwksUri", raw.jwks_uri)?,
        api_base_url,
        auto_link: raw.auto_link.unwrap_or(false),
        timeout: Duration::from_secs(raw.timeout_seconds.unwrap_or(10).clamp(1, 120)),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key_of(err: Error) -> String {
        match err {
            Error::Config { key, .. } => key,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn disabled_providers_need_no_keys() {
        let social = json!({"google": {"uri": "/callbacks/google", "scope": "email profile"}});
        assert!(resolve(&social).unwrap().is_empty());
    }

    #[test]
    fn an_enabled_provider_without_keys_is_a_startup_error() {
        let social = json!({"github": {"enabled": true, "clientId": "x"}});
        assert_eq!(
            key_of(resolve(&social).unwrap_err()),
            "web.social.github.clientSecret"
        );
        let social = json!({"google": {"enabled": true, "clientSecret": "x"}});
        assert_eq!(
            key_of(resolve(&social).unwrap_err()),
            "web.social.google.clientId"
        );
    }

    #[test]
    fn presets_fill_endpoints_and_oidc_scopes_get_openid() {
        let social = json!({
            "google": {"enabled": true, "clientId": "g", "clientSecret": "s", "scope": "email profile"},
            "github": {"enabled": true, "clientId": "h", "clientSecret": "s",
                       "apiBaseUrl": "http://127.0.0.1:9/"},
        });
        let providers = resolve(&social).unwrap();
        assert_eq!(
            providers[0].issuer.as_deref(),
            Some("https://accounts.google.com")
        );
        assert_eq!(providers[0].scope, "openid email profile");
        assert_eq!(providers[1].protocol, Protocol::Github);
        assert_eq!(
            providers[1].api_base_url.as_deref(),
            Some("http://127.0.0.1:9")
        );
        assert_eq!(providers[1].name, "GitHub");
        assert!(!providers[1].auto_link);
    }

    #[test]
    fn a_generic_provider_needs_an_issuer_and_microsoft_its_tenant() {
        for id in ["mycompany", "microsoft"] {
            let social = json!({id: {"enabled": true, "clientId": "c", "clientSecret": "s"}});
            assert_eq!(
                key_of(resolve(&social).unwrap_err()),
                format!("web.social.{id}.issuer")
            );
        }
        let social = json!({"mycompany": {"enabled": true, "clientId": "c", "clientSecret": "s",
                                          "issuer": "ftp://x"}});
        assert_eq!(
            key_of(resolve(&social).unwrap_err()),
            "web.social.mycompany.issuer"
        );
    }

    #[test]
    fn unknown_keys_are_refused() {
        let social = json!({"google": {"enabled": true, "clientSecrt": "x"}});
        assert_eq!(key_of(resolve(&social).unwrap_err()), "web.social.google");
    }
}
