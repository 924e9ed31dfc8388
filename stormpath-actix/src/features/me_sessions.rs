//! `{me.uri}/sessions`: the account's live sessions (one per password login), ending one, and
//! "log out everywhere" (JSON only; `DELETE` needs a CORS preflight, so no CSRF token is
//! asked for).
//!
//! * `GET` → `{size, items: [{id, createdAt, lastUsedAt, expiresAt, current}]}`
//! * `DELETE /{id}` → 204, that session's tokens revoked at once (404 if it is not yours)
//! * `DELETE` → 204, every token of the account revoked and this browser's cookies cleared

use actix_web::{
    HttpRequest, HttpResponse,
    http::header,
    middleware::from_fn,
    web::{self, ServiceConfig},
};
use serde_json::json;

use crate::{CurrentUser, Error, Stormpath, cookies, routes};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let me = &sp.settings().config.web.me;
    if me.enabled {
        cfg.service(
            web::scope(&format!("{}/sessions", me.uri.trim_end_matches('/')))
                .wrap(from_fn(routes::renewed_cookies))
                .route("", web::get().to(list))
                .route("", web::delete().to(end_all))
                .route("/{id}", web::delete().to(end_one)),
        );
    }
}

async fn list(sp: Stormpath, user: CurrentUser) -> Result<HttpResponse, Error> {
    let current = user.claims().and_then(|c| c.rti.clone());
    let items = sp.backend().sessions(&user.id, current.as_deref()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(json!({ "size": items.len(), "items": items })))
}

async fn end_one(
    sp: Stormpath,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    sp.backend().end_session(&user.id, &id).await?;
    tracing::info!(target: "stormpath::audit", event = "session.ended", account = %user.href, "a session was ended");
    Ok(HttpResponse::NoContent().finish())
}

/// Log out everywhere: every session and token of the account, this one included.
async fn end_all(
    req: HttpRequest,
    sp: Stormpath,
    user: CurrentUser,
) -> Result<HttpResponse, Error> {
    sp.backend().revoke_all_tokens(&user.id).await?;
    tracing::info!(target: "stormpath::audit", event = "logout.everywhere", account = %user.href, "every session was ended");
    let mut res = HttpResponse::NoContent();
    for cookie in cookies::removals(sp.config(), &req) {
        res.cookie(cookie);
    }
    Ok(res.finish())
}
