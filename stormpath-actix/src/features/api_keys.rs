//! `/me/api-keys`: list, create and revoke one's own API keys (JSON only). A secret is shown
//! once, in the answer to its creation.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    middleware::from_fn,
    web::{self, ServiceConfig},
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    AuditEvent, AuthMethod, CurrentUser, Error, Stormpath,
    input::{BodyKind, Input, Text},
    routes,
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let keys = &sp.settings().config.web.api_keys;
    if keys.enabled {
        // A scope: its static prefix is all other requests pay for (no pattern match).
        cfg.service(
            web::scope(&keys.uri)
                .wrap(from_fn(routes::renewed_cookies))
                .route("", web::get().to(list))
                .route("", web::post().to(create))
                .route("/{id}", web::delete().to(revoke)),
        );
    }
}

/// What a creation posts. Forms are only accepted with header credentials (see [`create`]),
/// which a cross-site form cannot send: no CSRF token is asked for.
#[derive(Default, Deserialize)]
#[serde(default)]
struct NewKey {
    name: Text,
}

async fn list(sp: Stormpath, user: CurrentUser) -> Result<HttpResponse, Error> {
    let items = sp.backend().api_keys(&user.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "size": items.len(), "items": items })))
}

async fn create(
    req: HttpRequest,
    sp: Stormpath,
    user: CurrentUser,
    input: Result<Input<NewKey, false>, Error>,
) -> Result<HttpResponse, Error> {
    // A browser can send a form or text/plain cross-site without a preflight; with cookie
    // authentication only JSON (which needs one) is accepted (CSRF-4).
    if user.method() == AuthMethod::Cookie && BodyKind::of(&req) != BodyKind::Json {
        return Ok(Error::json(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Send the request as application/json.",
        ));
    }
    let name = input?.value.name;
    let key = sp
        .backend()
        .create_api_key(&user.id, name.get("Name")?)
        .await?;
    sp.audit(&AuditEvent::ApiKeyCreated {
        account: user.href.clone(),
        key_id: key.info.id.clone(),
        ip: None,
    });
    Ok(HttpResponse::Created().json(key))
}

async fn revoke(
    sp: Stormpath,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    sp.backend().delete_api_key(&user.id, &id).await?;
    sp.audit(&AuditEvent::ApiKeyRevoked {
        account: user.href.clone(),
        key_id: id.into_inner(),
        ip: None,
    });
    Ok(HttpResponse::NoContent().finish())
}
