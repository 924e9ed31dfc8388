//! The flow's secrets, bound to the browser: `state`, `nonce`, the PKCE verifier and the safe
//! `next`, in one short-lived HttpOnly cookie signed with `SECRET_KEY` (HMAC-SHA-256), and the
//! record of the states already used (a replayed callback is refused even with the cookie,
//! by every instance sharing the store's Redis).

use std::time::Duration;

use actix_web::{
    HttpRequest,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use stormpath_client::throttle::{Counters, Rule};
use subtle::ConstantTimeEq;

use crate::Error;

/// The cookie's name.
pub(crate) const COOKIE: &str = "sp_social";
/// How long a flow may take, from the button to the callback.
pub(crate) const LIFETIME: Duration = Duration::from_secs(600);

/// What the cookie carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Flow {
    /// The provider id.
    pub(crate) p: String,
    /// `state`.
    pub(crate) s: String,
    /// `nonce` (OpenID Connect).
    pub(crate) n: String,
    /// The PKCE code verifier.
    pub(crate) v: String,
    /// Where to go after the login (a safe path).
    pub(crate) x: String,
    /// Expiry, seconds since the Unix epoch.
    pub(crate) e: i64,
}

/// 32 random bytes, base64url.
pub(crate) fn random() -> String {
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    URL_SAFE_NO_PAD.encode(raw)
}

/// The PKCE `S256` challenge of a verifier (RFC 7636 §4.2).
pub(crate) fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn mac(secret: &[u8], payload: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot run.
        <Hmac<Sha256> as Mac>::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(b"social:");
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

impl Flow {
    /// A new flow for `provider`, ending at `next`, expiring [`LIFETIME`] after `now`.
    pub(crate) fn new(provider: &str, next: String, now: i64) -> Self {
        Self {
            p: provider.to_owned(),
            s: random(),
            n: random(),
            v: random(),
            x: next,
            e: now + i64::try_from(LIFETIME.as_secs()).unwrap_or(600),
        }
    }

    /// The signed cookie (`Secure` over HTTPS).
    pub(crate) fn cookie(&self, secret: &[u8], secure: bool) -> Cookie<'static> {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let sig = URL_SAFE_NO_PAD.encode(mac(secret, &payload));
        Cookie::build(COOKIE, format!("{payload}.{sig}"))
            .path("/")
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .max_age(CookieDuration::seconds(
                i64::try_from(LIFETIME.as_secs()).unwrap_or(600),
            ))
            .finish()
    }

    /// The flow of the request's cookie, when its signature is ours and it has not expired.
    pub(crate) fn from_request(req: &HttpRequest, secret: &[u8], now: i64) -> Option<Self> {
        let value = crate::cookies::value(req, COOKIE)?;
        if value.len() > 4096 {
            return None;
        }
        let (payload, sig) = value.split_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        if !bool::from(mac(secret, payload).ct_eq(&sig)) {
            return None;
        }
        let flow: Self = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (flow.e > now).then_some(flow)
    }

    /// Whether `state` (the callback's parameter) is this flow's, compared in constant time.
    pub(crate) fn matches(&self, provider: &str, state: &str) -> bool {
        self.p == provider && bool::from(self.s.as_bytes().ct_eq(state.as_bytes()))
    }
}

/// The cookie's deletion (every callback answer carries it: a flow is used once).
pub(crate) fn removal(secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE, "")
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    cookie.make_removal();
    cookie
}

/// Records `state` as used: `false` when it was used already. The record lives in the
/// throttle's counters — Redis when the store has one, so every instance refuses a callback
/// another completed; else this process's memory — for the flow's [`LIFETIME`] (a later
/// replay fails the cookie's expiry anyway). Only a digest of the state is kept.
pub(crate) async fn first_use(counters: &dyn Counters, state: &str) -> Result<bool, Error> {
    let key = format!(
        "social-state:{}",
        URL_SAFE_NO_PAD.encode(Sha256::digest(state.as_bytes()))
    );
    Ok(counters.take(&key, Rule::new(1, LIFETIME)).await?.is_none())
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use stormpath_client::throttle::LocalCounters;

    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn with_cookie(cookie: &Cookie<'_>) -> HttpRequest {
        TestRequest::default()
            .cookie(Cookie::new(COOKIE, cookie.value().to_owned()))
            .to_http_request()
    }

    #[test]
    fn the_cookie_round_trips_and_refuses_tampering_expiry_and_other_keys() {
        let flow = Flow::new("google", "/dashboard".into(), 1_000);
        let cookie = flow.cookie(SECRET, false);
        let back = Flow::from_request(&with_cookie(&cookie), SECRET, 1_000).unwrap();
        assert!(back.matches("google", &flow.s));
        assert!(!back.matches("github", &flow.s));
        assert!(!back.matches("google", "other"));
        assert!(Flow::from_request(&with_cookie(&cookie), SECRET, 1_600).is_none());
        assert!(Flow::from_request(&with_cookie(&cookie), b"another secret", 1_000).is_none());
        let mut forged = cookie.value().to_owned();
        forged.insert(3, 'A');
        let forged = Cookie::new(COOKIE, forged);
        assert!(Flow::from_request(&with_cookie(&forged), SECRET, 1_000).is_none());
    }

    #[test]
    fn pkce_challenge_is_rfc_7636_s256() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[actix_web::test]
    async fn a_state_is_used_once() {
        let counters = LocalCounters::default();
        assert!(first_use(&counters, "a").await.unwrap());
        assert!(!first_use(&counters, "a").await.unwrap());
        assert!(first_use(&counters, "b").await.unwrap());
    }
}
