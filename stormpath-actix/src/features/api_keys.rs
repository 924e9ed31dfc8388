//! `/me/api-keys`: list, create and revoke one's own API keys (JSON only). A secret is shown
//! once, in the answer to its creation.
//!
//! Creating a key is a privileged action: it needs a password entered within
//! `security.apiKeys.reauthenticationWindow` (the session's `auth_time`), or the current
//! `password` in the request (checked through the login throttle); a session authenticated by
//! an API key always gives the password. An account holds at most
//! `security.apiKeys.maxPerAccount` keys, and creates at most
//! `security.limits.apiKeysPerAccount` per window. The back end mails the owner a notice.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    middleware::from_fn,
    web::{self, ServiceConfig},
};
use serde::Deserialize;
use serde_json::json;
use stormpath_client::throttle::Action;

use crate::{
    AuditEvent, AuthMethod, CurrentUser, Error, Stormpath, guard,
    headers::SecurityHeaders,
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
                .wrap(SecurityHeaders::plugin())
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
    /// The current password, when the session's password entry is not recent.
    password: Text,
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
    let form = input?.value;
    reauthenticated(&req, &sp, &user, form.password.get("Password")?).await?;
    let keys = &sp.settings().config.security.api_keys;
    let held = sp.backend().api_keys(&user.id).await?.len();
    if held >= usize::try_from(keys.max_per_account).unwrap_or(usize::MAX) {
        return Err(Error::BadRequest(format!(
            "An account can hold at most {} API keys: delete one first.",
            keys.max_per_account
        )));
    }
    let client = crate::client_ip::client(&req, &sp);
    sp.throttle()
        .take(Action::CreateApiKey, &client, Some(user.id.as_str()))
        .await?;
    let key = sp
        .backend()
        .create_api_key(&user.id, form.name.get("Name")?)
        .await?;
    sp.audit(&AuditEvent::ApiKeyCreated {
        account: user.href.clone(),
        key_id: key.info.id.clone(),
        ip: crate::client_ip::address(&req, &sp),
    });
    Ok(HttpResponse::Created().json(key))
}

/// Whether the caller entered its password recently enough, or gives it now.
///
/// # Errors
/// 403 when neither holds (the message says to send `password`); the login throttle's 429;
/// 400 for a wrong password.
async fn reauthenticated(
    req: &HttpRequest,
    sp: &Stormpath,
    user: &CurrentUser,
    password: Option<&str>,
) -> Result<(), Error> {
    if let Some(password) = password {
        let account = guard::authenticate(req, sp, &user.email, password).await?;
        return if account.id == user.id {
            Ok(())
        } else {
            Err(stormpath_client::Error::InvalidCredentials.into())
        };
    }
    let window = i64::try_from(
        sp.settings()
            .config
            .security
            .api_keys
            .reauthentication_window,
    )
    .unwrap_or(i64::MAX);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let entered = user.claims().and_then(|c| c.auth_time);
    // A window of 0 asks for the password every time.
    if window > 0 && entered.is_some_and(|at| now.saturating_sub(at) <= window) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "Creating an API key needs your password: send it as \"password\" with the request."
                .into(),
        ))
    }
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
