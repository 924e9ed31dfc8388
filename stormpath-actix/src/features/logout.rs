//! `/logout` (spec §10.3): revokes the presented tokens and deletes the cookies.

use actix_web::{HttpRequest, HttpResponse, http::Method, web::ServiceConfig};

use crate::{Error, Stormpath, negotiate, routes::bind, session};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let logout = &sp.settings().config.web.logout;
    if logout.enabled {
        bind(cfg, &logout.uri, Method::POST, negotiate::guard, post);
    }
}

/// POST only: a GET must never log anyone out. No CSRF token is asked for (spec §2.4): the
/// worst a forged logout does is log the victim out.
async fn post(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let done = session::end(&req, &sp).await?;
    Ok(done.respond(negotiate::format(&req, &sp)))
}
