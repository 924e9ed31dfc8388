//! `/logout` (spec §10.3): revokes the presented tokens and deletes the cookies.

use actix_web::{
    HttpRequest, HttpResponse,
    web::{self, ServiceConfig},
};

use super::{format, query_param, route};
use crate::{Error, Stormpath, cookies, negotiate::Format, redirect};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let logout = &sp.settings().config.web.logout;
    if logout.enabled {
        cfg.route(&logout.uri, route(web::post()).to(post));
    }
}

/// POST only: a GET must never log anyone out. No CSRF token is asked for (spec §2.4): the
/// worst a forged logout does is log the victim out.
async fn post(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let mut tokens: Vec<String> = [
        &web.access_token_cookie.name,
        &web.refresh_token_cookie.name,
    ]
    .into_iter()
    .filter_map(|name| cookies::value(&req, name).map(str::to_owned))
    .collect();
    let bearer = crate::auth::credentials(&req, "bearer").map(str::to_owned);
    tokens.extend(bearer);
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    sp.backend().revoke_tokens(&refs).await?;
    let mut res = match format(&req, &sp) {
        Format::Html => {
            let next = query_param(&req, "next");
            redirect::found(redirect::safe_next(next.as_deref()).unwrap_or(&web.logout.next_uri))
        }
        Format::Json => HttpResponse::Ok().finish(),
    };
    for cookie in cookies::removals(&sp.settings().config, &req) {
        let _ = res.add_cookie(&cookie);
    }
    Ok(res)
}
