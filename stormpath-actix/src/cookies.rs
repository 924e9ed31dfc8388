//! The token cookies (spec §7): attributes, expiry equal to the token's `exp`, deletion.

use actix_web::{
    HttpRequest,
    cookie::{
        Cookie, SameSite,
        time::{Duration, OffsetDateTime},
    },
};

use crate::config::{Config, web::CookieConfig};

/// The value of the request's cookie `name`, from actix's cookie jar: the `Cookie` headers are
/// parsed once per request and kept in its extensions (`HttpRequest::cookie_raw`, without
/// copying the whole cookie). The values we set (JWTs, base64url) need no percent-decoding, so
/// the raw jar spares the hot path decoding every cookie of the request.
pub(crate) fn value(req: &HttpRequest, name: &str) -> Option<String> {
    let jar = req.cookies_raw().ok()?;
    let cookie = jar.iter().find(|cookie| cookie.name() == name)?;
    Some(cookie.value().to_owned())
}

/// Whether the request came over HTTPS (directly or per `X-Forwarded-Proto`/`Forwarded`): it
/// decides the cookies' `Secure` flag and `Strict-Transport-Security` alike.
pub(crate) fn is_https(req: &HttpRequest) -> bool {
    req.app_data::<crate::Stormpath>().map_or_else(
        || req.app_config().secure(),
        |sp| crate::client_ip::is_https(req, sp),
    )
}

/// Whether cookies for this request get `Secure`: the configured value, else whether the
/// request came over HTTPS ([`is_https`]).
pub(crate) fn secure(cfg: &CookieConfig, req: &HttpRequest) -> bool {
    cfg.secure.unwrap_or_else(|| is_https(req))
}

fn base<'a>(config: &Config, cfg: &CookieConfig, value: String, req: &HttpRequest) -> Cookie<'a> {
    let path = cfg
        .path
        .clone()
        .or_else(|| config.web.base_path.clone())
        .unwrap_or_else(|| "/".into());
    let mut cookie = Cookie::build(cfg.name.clone(), value)
        .path(path)
        .http_only(cfg.http_only)
        .secure(secure(cfg, req))
        .same_site(SameSite::Lax)
        .finish();
    if let Some(domain) = &cfg.domain {
        cookie.set_domain(domain.clone());
    }
    cookie
}

/// A token cookie whose `Expires` is exactly the token's `exp` (whole seconds).
pub(crate) fn token<'a>(
    config: &Config,
    cfg: &CookieConfig,
    value: String,
    exp: i64,
    req: &HttpRequest,
) -> Cookie<'a> {
    let mut cookie = base(config, cfg, value, req);
    let expires = OffsetDateTime::from_unix_timestamp(exp).unwrap_or(OffsetDateTime::UNIX_EPOCH);
    cookie.set_expires(expires);
    cookie.set_max_age(Duration::seconds(
        (exp - OffsetDateTime::now_utc().unix_timestamp()).max(0),
    ));
    cookie
}

/// A cookie that deletes `cfg`'s cookie: empty value, `Max-Age=0`, `Expires` in 1970.
pub(crate) fn removal<'a>(config: &Config, cfg: &CookieConfig, req: &HttpRequest) -> Cookie<'a> {
    let mut cookie = base(config, cfg, String::new(), req);
    cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
    cookie.set_max_age(Duration::ZERO);
    cookie
}

/// Both token cookies deleted.
pub(crate) fn removals<'a>(config: &Config, req: &HttpRequest) -> Vec<Cookie<'a>> {
    vec![
        removal(config, &config.web.access_token_cookie, req),
        removal(config, &config.web.refresh_token_cookie, req),
    ]
}

/// The cookies of a fresh login: access and (when issued) refresh.
pub(crate) fn for_tokens<'a>(
    config: &Config,
    tokens: &stormpath_client::TokenSet,
    req: &HttpRequest,
) -> Vec<Cookie<'a>> {
    let web = &config.web;
    let mut out = vec![token(
        config,
        &web.access_token_cookie,
        tokens.access_token.clone(),
        tokens.access_expires_at,
        req,
    )];
    if let Some(refresh) = &tokens.refresh {
        out.push(token(
            config,
            &web.refresh_token_cookie,
            refresh.token.clone(),
            refresh.expires_at,
            req,
        ));
    }
    out
}
