//! CSRF protection for HTML forms (spec §2.4): a signed double-submit token.
//!
//! A random value lives in the HttpOnly `sp_csrf` cookie; forms carry
//! `base64url(HMAC-SHA256(SECRET_KEY, "csrf:" + value))` in `_csrf` (or the `X-CSRF-TOKEN`
//! header). The token is not bound to a page and stays valid while the cookie lives, so a token
//! from `/forgot` works on `/change`. A cross-site form cannot read the cookie, and cannot set
//! it either without the secret, so it cannot produce a matching token.

use actix_web::{
    HttpRequest,
    cookie::{Cookie, SameSite},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// The cookie holding the random half.
pub(crate) const COOKIE: &str = "sp_csrf";
/// The form field.
pub(crate) const FIELD: &str = "_csrf";
/// The header alternative.
pub(crate) const HEADER: &str = "x-csrf-token";

/// The token to embed in a page, and the cookie to set when the request had none.
pub(crate) struct Issued {
    pub(crate) token: String,
    pub(crate) cookie: Option<Cookie<'static>>,
}

fn sign(secret: &[u8], value: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| {
        // HMAC takes keys of any length; this branch cannot run.
        <Hmac<Sha256> as Mac>::new_from_slice(b"").unwrap_or_else(|_| unreachable!())
    });
    mac.update(b"csrf:");
    mac.update(value.as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

fn cookie_value(req: &HttpRequest) -> Option<String> {
    crate::cookies::value(req, COOKIE).filter(|v| v.len() >= 22 && v.len() <= 64)
}

/// The token for this request's cookie, minting a cookie when there is none (`Secure` when
/// the request came over HTTPS, as [`client_ip::is_https`](crate::client_ip::is_https) decides).
pub(crate) fn issue(req: &HttpRequest, secret: &[u8], secure: bool) -> Issued {
    if let Some(value) = cookie_value(req) {
        return Issued {
            token: sign(secret, &value),
            cookie: None,
        };
    }
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let value = URL_SAFE_NO_PAD.encode(raw);
    let cookie = Cookie::build(COOKIE, value.clone())
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .finish();
    Issued {
        token: sign(secret, &value),
        cookie: Some(cookie),
    }
}

/// Whether a form POST carries a valid token (`field`, the form's `_csrf`, or the header) for
/// its cookie, and does not come from another site per `Sec-Fetch-Site`.
pub(crate) fn verify(req: &HttpRequest, field: Option<&str>, secret: &[u8]) -> bool {
    let cross_site = req
        .headers()
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"));
    if cross_site {
        return false;
    }
    let Some(value) = cookie_value(req) else {
        return false;
    };
    let presented = field.map(str::to_owned).or_else(|| {
        req.headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    let Some(presented) = presented else {
        return false;
    };
    let expected = sign(secret, &value);
    expected
        .as_bytes()
        .ct_eq(presented.trim().as_bytes())
        .into()
}
