//! OpenID Connect: discovery (cached), the issuer's key set (cached, fetched again when a token
//! names a `kid` it does not hold), and ID-token verification with jsonwebtoken on *ring*:
//! `RS256` or `ES256` only, signature, `iss`, `aud`, `exp`, then `nonce`.
//!
//! The ID token comes straight from the provider's token endpoint over TLS, so only the
//! provider can make us fetch its key set again.

use std::sync::Arc;

use jsonwebtoken::{
    Algorithm, DecodingKey, Validation,
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet},
};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tokio::sync::RwLock;

use super::{config::ProviderConfig, http, profile::Profile};
use crate::Error;

/// What discovery says (the parts we use), with the configuration's overrides applied.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Endpoints {
    pub(crate) issuer: String,
    pub(crate) authorization_endpoint: String,
    pub(crate) token_endpoint: String,
    #[serde(default)]
    pub(crate) userinfo_endpoint: Option<String>,
    pub(crate) jwks_uri: String,
}

/// One OpenID Connect provider's cached discovery and keys.
#[derive(Debug, Default)]
pub(crate) struct Issuer {
    endpoints: RwLock<Option<Arc<Endpoints>>>,
    keys: RwLock<Option<Arc<JwkSet>>>,
}

/// The claims of an ID token we read.
#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Verified>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    given_name: Option<String>,
    #[serde(default)]
    family_name: Option<String>,
}

/// `email_verified`: a boolean, or (some providers) the string `"true"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Verified {
    Bool(bool),
    Text(String),
}

impl Verified {
    fn yes(v: Option<&Self>) -> bool {
        match v {
            Some(Self::Bool(b)) => *b,
            Some(Self::Text(t)) => t == "true",
            None => false,
        }
    }
}

/// The userinfo answer (the same claims, `sub` included).
#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<Verified>,
}

impl Issuer {
    /// The endpoints, from discovery once (not at startup: a provider down then must not stop
    /// the site), with configured overrides.
    pub(crate) async fn endpoints(
        &self,
        provider: &ProviderConfig,
        client: &reqwest::Client,
    ) -> Result<Arc<Endpoints>, Error> {
        if let Some(found) = self.endpoints.read().await.clone() {
            return Ok(found);
        }
        let issuer = provider.issuer.as_deref().unwrap_or_default();
        let url = format!("{issuer}/.well-known/openid-configuration");
        let mut found: Endpoints =
            http::json(provider, client.get(&url), "OpenID Connect discovery").await?;
        if found.issuer.trim_end_matches('/') != issuer {
            tracing::warn!(provider = %provider.id, discovered = ?found.issuer, "discovery names another issuer");
            return Err(http::refused(provider));
        }
        found.issuer = issuer.to_owned();
        let set = |value: &mut String, configured: &Option<String>| {
            if let Some(c) = configured {
                value.clone_from(c);
            }
        };
        set(
            &mut found.authorization_endpoint,
            &provider.authorization_endpoint,
        );
        set(&mut found.token_endpoint, &provider.token_endpoint);
        set(&mut found.jwks_uri, &provider.jwks_uri);
        if provider.userinfo_endpoint.is_some() {
            found
                .userinfo_endpoint
                .clone_from(&provider.userinfo_endpoint);
        }
        let found = Arc::new(found);
        *self.endpoints.write().await = Some(Arc::clone(&found));
        Ok(found)
    }

    async fn key_set(
        &self,
        provider: &ProviderConfig,
        client: &reqwest::Client,
        endpoints: &Endpoints,
        refresh: bool,
    ) -> Result<Arc<JwkSet>, Error> {
        if !refresh && let Some(keys) = self.keys.read().await.clone() {
            return Ok(keys);
        }
        let mut slot = self.keys.write().await;
        let keys: JwkSet = http::json(provider, client.get(&endpoints.jwks_uri), "JWKS").await?;
        let keys = Arc::new(keys);
        *slot = Some(Arc::clone(&keys));
        Ok(keys)
    }

    /// Verifies an ID token and reads the profile from it (and from userinfo when it holds no
    /// email and an access token is at hand).
    pub(crate) async fn verify(
        &self,
        provider: &ProviderConfig,
        client: &reqwest::Client,
        endpoints: &Endpoints,
        id_token: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<Profile, Error> {
        let rejected = |why: &str| {
            tracing::warn!(provider = %provider.id, "ID token refused: {why}");
            http::refused(provider)
        };
        let header = jsonwebtoken::decode_header(id_token).map_err(|_| rejected("header"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(rejected("algorithm"));
        }
        let mut keys = self.key_set(provider, client, endpoints, false).await?;
        let mut jwk = pick(&keys, header.kid.as_deref(), header.alg);
        if jwk.is_none() {
            // A key the provider rotated in since we last looked.
            keys = self.key_set(provider, client, endpoints, true).await?;
            jwk = pick(&keys, header.kid.as_deref(), header.alg);
        }
        let jwk = jwk.ok_or_else(|| rejected("no such key"))?;
        let key = DecodingKey::from_jwk(jwk).map_err(|_| rejected("key"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&endpoints.issuer]);
        validation.set_audience(&[&provider.client_id]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 60;
        stormpath_client::jws::install();
        let claims = jsonwebtoken::decode::<Claims>(id_token, &key, &validation)
            .map_err(|e| rejected(&format!("{:?}", e.kind())))?
            .claims;
        if let Some(expected) = nonce {
            let got = claims.nonce.as_deref().unwrap_or_default();
            if !bool::from(expected.as_bytes().ct_eq(got.as_bytes())) {
                return Err(rejected("nonce"));
            }
        }
        let mut profile = Profile {
            subject: claims.sub,
            email_verified: Verified::yes(claims.email_verified.as_ref()),
            email: claims.email,
            given_name: claims.given_name,
            surname: claims.family_name,
            name: claims.name,
        };
        if profile.email.is_none()
            && let (Some(url), Some(token)) = (&endpoints.userinfo_endpoint, access_token)
        {
            let info: UserInfo =
                http::json(provider, client.get(url).bearer_auth(token), "userinfo").await?;
            if info.sub != profile.subject {
                return Err(rejected("userinfo of another subject"));
            }
            profile.email_verified = Verified::yes(info.email_verified.as_ref());
            profile.email = info.email;
        }
        Ok(profile)
    }
}

/// The key `kid` names (or the only key when the token names none), of the family `alg` needs.
fn pick<'k>(keys: &'k JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<&'k Jwk> {
    let fits = |jwk: &&Jwk| match (&jwk.algorithm, alg) {
        (AlgorithmParameters::RSA(_), Algorithm::RS256) => true,
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256) => {
            ec.curve == EllipticCurve::P256
        }
        _ => false,
    };
    match kid {
        Some(kid) => keys
            .keys
            .iter()
            .filter(fits)
            .find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let mut fitting = keys.keys.iter().filter(fits);
            let only = fitting.next()?;
            fitting.next().is_none().then_some(only)
        }
    }
}
