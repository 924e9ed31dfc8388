//! The `/v1` routes, one module per family of resources.

use actix_web::HttpResponse;
use serde_json::Value;

pub(crate) mod accounts;
mod api_keys;
mod changes;
mod custom_data;
mod email_templates;
mod flows;
pub(crate) mod groups;
mod login;
mod oauth;
mod read_only;
mod router;
pub(crate) mod structure;
mod tokens;
mod unoffered;

pub(crate) use custom_data::MAX_CUSTOM_DATA;
pub(crate) use router::Router;

/// Binds every `/v1` route.
pub(crate) fn configure(cfg: &mut Router<'_>) {
    structure::configure(cfg);
    changes::configure(cfg);
    // `/accounts/emailVerificationTokens/{token}` before any `/accounts/{id}/…` route.
    flows::configure(cfg);
    login::configure(cfg);
    oauth::configure(cfg);
    tokens::configure(cfg);
    api_keys::configure(cfg);
    email_templates::configure(cfg);
    accounts::configure(cfg);
    groups::configure(cfg);
    custom_data::configure(cfg);
    unoffered::configure(cfg);
}

/// `200` with a JSON body.
pub(crate) fn ok(body: Value) -> HttpResponse {
    HttpResponse::Ok().json(body)
}

/// `201 Created`, `Location` and the full resource (spec §1: never an empty 201).
pub(crate) fn created(body: Value) -> HttpResponse {
    let href = body
        .get("href")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    HttpResponse::Created()
        .insert_header(("Location", href))
        .json(body)
}

/// `204 No Content`.
pub(crate) fn no_content() -> HttpResponse {
    HttpResponse::NoContent().finish()
}
