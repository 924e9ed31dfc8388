//! Social login (spec §12): any OpenID Connect provider, the Google, LinkedIn and Microsoft
//! presets on it, and GitHub and Facebook over their own OAuth APIs.
//!
//! * `config.rs` — `web.social.<providerId>`, typed, with presets; startup errors.
//! * `state.rs` — `state`, `nonce`, PKCE verifier and `next` in a signed short-lived cookie.
//! * `http.rs` — outbound calls (reqwest + rustls, timeouts, bounded bodies).
//! * `oidc.rs` — discovery, the key set, ID-token verification (RS256/ES256 on *ring*).
//! * `profile.rs` — the provider's profile; GitHub's and Facebook's APIs.
//! * `flow.rs` — the routes: the button's start, `GET /callbacks/<providerId>`, and the token
//!   exchange.
//! * `account.rs` — find, create or link the local account.
//! * `unlink.rs` — `DELETE {me.uri}/providers/{providerId}`, never the last way to log in.

mod account;
pub(crate) mod config;
mod flow;
mod http;
mod oidc;
mod profile;
mod state;
mod unlink;

pub(crate) use flow::{ProviderData, json_login};

use actix_web::{HttpRequest, web::ServiceConfig};
use serde_json::{Value, json};

use crate::{Error, Stormpath};

/// One enabled provider: its configuration, HTTP client and (OpenID Connect) cached issuer.
#[derive(Debug)]
pub(crate) struct Provider {
    pub(crate) config: config::ProviderConfig,
    client: reqwest::Client,
    issuer: oidc::Issuer,
}

impl Provider {
    /// How a sign-in with this provider is named to the hooks.
    pub(crate) fn login_via(&self) -> crate::hooks::LoginVia {
        crate::hooks::LoginVia::Provider {
            provider_id: self.config.id.clone(),
        }
    }
}

/// The enabled providers, in configuration order.
#[derive(Debug, Default)]
pub(crate) struct Social {
    providers: Vec<Provider>,
}

impl Social {
    /// Resolves `web.social` at startup.
    ///
    /// # Errors
    /// [`Error::Config`] naming the key at fault (see [`config::resolve`]).
    pub(crate) fn new(social: &Value) -> Result<Self, Error> {
        let providers = config::resolve(social)?
            .into_iter()
            .map(|config| {
                Ok(Provider {
                    client: http::client(&config)?,
                    config,
                    issuer: oidc::Issuer::default(),
                })
            })
            .collect::<Result<_, Error>>()?;
        Ok(Self { providers })
    }

    /// Whether any provider is enabled.
    pub(crate) fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.config.id == id)
    }

    /// The view-model entries of the login page (spec §12.2): never a secret.
    pub(crate) fn account_stores(&self, sp: &Stormpath) -> Vec<Value> {
        let base = sp.config().web.base_url.trim_end_matches('/');
        self.providers
            .iter()
            .map(|p| {
                let c = &p.config;
                let href = format!("{base}/v1/directories/{}", c.id);
                json!({
                    "href": href,
                    "name": c.name,
                    "provider": {
                        "href": format!("{href}/provider"),
                        "providerId": c.id,
                        "clientId": c.client_id,
                        "scope": c.scope,
                    }
                })
            })
            .collect()
    }

    /// The login and registration pages' buttons: name and the path that starts the flow (with
    /// the request's `next`, when it is safe).
    pub(crate) fn buttons(&self, req: &HttpRequest, sp: &Stormpath) -> Vec<Value> {
        let next = crate::input::query_param(req, "next");
        let next = crate::redirect::safe_next(next.as_deref());
        self.providers
            .iter()
            .map(|p| {
                let start = flow::start_path(sp, &p.config.id);
                let href = match next {
                    Some(next) => crate::redirect::with_next(&start, next),
                    None => start,
                };
                json!({ "id": p.config.id, "name": p.config.name, "href": href })
            })
            .collect()
    }
}

/// Binds each provider's start and callback routes (when `/login` is on).
pub(crate) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().config.web.login.enabled {
        flow::configure(cfg, sp);
    }
    unlink::configure(cfg, sp);
}
