//! `DELETE {me.uri}/providers/{providerId}` (JSON; `DELETE` needs a CORS preflight, so no CSRF
//! token is asked for): removes the signed-in account's identity at a provider, unless that
//! would leave the account with no way to log in — no password its owner knows (the account
//! was created by a provider sign-in and its password never set since) and no other enabled
//! provider linked. The identity that created the account is removed only once a password is
//! set: its link is the record that the password is unknown, so it must outlive that state.
//!
//! * 204: unlinked
//! * 400 `{status, message}`: it is the last way to log in, or it created the account and no
//!   password was set since
//! * 404 `{status, message}`: no identity at that provider

use actix_web::{
    HttpResponse,
    http::{Method, StatusCode},
    web::{self, ServiceConfig},
};
use stormpath_client::{Account, ProviderLink};

use crate::{CurrentUser, Error, Stormpath, routes};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let me = &sp.settings().config.web.me;
    if me.enabled && !sp.social().is_empty() {
        let path = format!("{}/providers/{{providerId}}", me.uri.trim_end_matches('/'));
        routes::protected(cfg, &path, Method::DELETE, None, unlink);
    }
}

async fn unlink(
    sp: Stormpath,
    user: CurrentUser,
    provider_id: web::Path<String>,
) -> Result<HttpResponse, Error> {
    let backend = sp.backend();
    let links = backend.provider_links(&user.id).await?;
    let Some(link) = links.iter().find(|l| l.provider_id == *provider_id) else {
        return Ok(Error::json(
            StatusCode::NOT_FOUND,
            "This account has no sign-in with that provider.",
        ));
    };
    let name = sp
        .social()
        .get(&link.provider_id)
        .map_or(link.provider_id.as_str(), |p| p.config.name.as_str());
    let password = has_password(&user, &links);
    // The identity that created the account stays until a password is set: its link is what
    // says the account's password is one nobody knows.
    if link.created_account && !password {
        return Ok(Error::json(
            StatusCode::BAD_REQUEST,
            &format!(
                "{name} created this account: set a password (\"Forgot your password?\") before \
                 removing it."
            ),
        ));
    }
    let other_provider = links
        .iter()
        .any(|l| l.provider_id != link.provider_id && sp.social().get(&l.provider_id).is_some());
    if !other_provider && !password {
        return Ok(Error::json(
            StatusCode::BAD_REQUEST,
            &format!(
                "{name} is the only way to log in to this account. Set a password (or connect \
                 another provider) first."
            ),
        ));
    }
    backend.unlink_provider(&user.id, &provider_id).await?;
    tracing::info!(target: "stormpath::audit", event = "provider.unlinked", account = %user.href, provider = %provider_id, "a provider was unlinked");
    Ok(HttpResponse::NoContent().finish())
}

/// Whether the account has a password its owner knows: it was not created by a provider
/// sign-in (with a random password), or its password was set after that — after both the
/// account's creation (which sets the random one) and the creating link.
fn has_password(account: &Account, links: &[ProviderLink]) -> bool {
    match links.iter().find(|l| l.created_account) {
        None => true,
        Some(creator) => account
            .password_modified_at
            .is_some_and(|at| at > account.created_at.max(creator.created_at)),
    }
}
