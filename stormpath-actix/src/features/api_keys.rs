//! `/me/api-keys`: list, create and revoke one's own API keys (JSON only). A secret is shown
//! once, in the answer to its creation.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use serde_json::json;

use crate::{
    AuthMethod, Error, Stormpath, auth,
    body::{self, BodyKind},
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let keys = &sp.settings().config.web.api_keys;
    if keys.enabled {
        // A scope: its static prefix is all other requests pay for (no pattern match).
        cfg.service(
            web::scope(&keys.uri)
                .route("", web::get().to(list))
                .route("", web::post().to(create))
                .route("/{id}", web::delete().to(revoke)),
        );
    }
}

/// The caller, or the response that turns them away.
async fn caller(
    req: &HttpRequest,
    sp: &Stormpath,
) -> Result<Result<auth::Caller, HttpResponse>, Error> {
    let resolved = auth::resolve(req, sp).await?;
    Ok(resolved
        .caller
        .clone()
        .ok_or_else(|| auth::unauthenticated(req, sp, &resolved)))
}

async fn list(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let caller = match caller(&req, &sp).await? {
        Ok(caller) => caller,
        Err(res) => return Ok(res),
    };
    let items = sp.backend().api_keys(&caller.account.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "size": items.len(), "items": items })))
}

async fn create(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let caller = match caller(&req, &sp).await? {
        Ok(caller) => caller,
        Err(res) => return Ok(res),
    };
    // A browser can send a form or text/plain cross-site without a preflight; with cookie
    // authentication only JSON (which needs one) is accepted (CSRF-4).
    let kind = body::kind_of(&req);
    if caller.method == AuthMethod::Cookie && kind != BodyKind::Json {
        return Ok(Error::json(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the request as application/json.",
        ));
    }
    let body = body::read(&req, payload, sp.settings().config.web.max_body_size).await?;
    let name = super::text(&body, "name", "Name")?;
    let key = sp
        .backend()
        .create_api_key(&caller.account.id, name)
        .await?;
    tracing::info!(account = %caller.account.href, key = %key.info.id, "API key created");
    Ok(HttpResponse::Created().json(key))
}

async fn revoke(
    req: HttpRequest,
    sp: Stormpath,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let caller = match caller(&req, &sp).await? {
        Ok(caller) => caller,
        Err(res) => return Ok(res),
    };
    sp.backend().revoke_api_key(&caller.account.id, &id).await?;
    tracing::info!(account = %caller.account.href, key = %id, "API key revoked");
    Ok(HttpResponse::NoContent().finish())
}
