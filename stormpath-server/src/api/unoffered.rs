//! Links the spec's shapes carry (§5) to things this server does not offer — organizations,
//! agents, ID Sites, SMTP servers, linked accounts, phones and factors, the success and
//! welcome email templates — answer as empty collections (size 0), so that an SDK that
//! follows one reads "none" rather than a 404. The SAML and account linking policies answer
//! as minimal, disabled resources.

use actix_web::{HttpResponse, web};
use serde_json::Value;

use super::{
    accounts::load_account, ok, router::Router, structure::load_application,
    structure::load_directory,
};
use crate::{
    error::{ApiError, ApiResult},
    params::Params,
    shape::{collection, link, resource},
    state::State,
};

type Data = web::Data<State>;

/// The tenant's collections that are always empty.
pub(crate) const TENANT: &[&str] = &["organizations", "agents", "idSites", "smtpServers"];
/// A directory's.
pub(crate) const DIRECTORY: &[&str] = &["organizations", "organizationMappings"];
/// An account's.
pub(crate) const ACCOUNT: &[&str] = &["linkedAccounts", "accountLinks", "phones", "factors"];
/// A password policy's.
pub(crate) const PASSWORD_POLICY: &[&str] = &["resetSuccessEmailTemplates"];
/// An account creation policy's.
pub(crate) const CREATION_POLICY: &[&str] =
    &["verificationSuccessEmailTemplates", "welcomeEmailTemplates"];

pub(super) fn configure(cfg: &mut Router<'_>) {
    for sub in TENANT {
        cfg.get(&format!("/tenants/{{id}}/{sub}"), tenant_empty);
    }
    for sub in DIRECTORY {
        cfg.get(&format!("/directories/{{id}}/{sub}"), directory_empty);
    }
    for sub in ACCOUNT {
        cfg.get(&format!("/accounts/{{id}}/{sub}"), account_empty);
    }
    for sub in PASSWORD_POLICY {
        cfg.get(&format!("/passwordPolicies/{{id}}/{sub}"), directory_empty);
    }
    for sub in CREATION_POLICY {
        cfg.get(
            &format!("/accountCreationPolicies/{{id}}/{sub}"),
            directory_empty,
        );
    }
    cfg.get("/samlPolicies/{id}", saml_policy)
        .get("/accountLinkingPolicies/{id}", account_linking_policy);
}

/// An empty page at the request's own href (its query dropped), after checking the paging
/// parameters like any collection.
fn empty(state: &State, req: &actix_web::HttpRequest, params: &Params) -> ApiResult<HttpResponse> {
    let list = params.list(&[
        "name",
        "nameKey",
        "description",
        "status",
        "createdAt",
        "modifiedAt",
    ])?;
    params.expand(&[])?;
    let path = req.path().strip_prefix("/v1").unwrap_or(req.path());
    let href = format!("{}{path}", state.base);
    Ok(ok(collection(&href, &list, 0, Vec::new())))
}

async fn tenant_empty(
    state: Data,
    req: actix_web::HttpRequest,
    params: Params,
) -> ApiResult<HttpResponse> {
    let id = req.match_info().get("id").unwrap_or_default();
    if id != state.tenant.meta.id {
        return Err(ApiError::not_found());
    }
    empty(&state, &req, &params)
}

async fn directory_empty(
    state: Data,
    req: actix_web::HttpRequest,
    params: Params,
) -> ApiResult<HttpResponse> {
    load_directory(&state, req.match_info().get("id").unwrap_or_default()).await?;
    empty(&state, &req, &params)
}

async fn account_empty(
    state: Data,
    req: actix_web::HttpRequest,
    params: Params,
) -> ApiResult<HttpResponse> {
    load_account(&state, req.match_info().get("id").unwrap_or_default()).await?;
    empty(&state, &req, &params)
}

/// `/samlPolicies/{appId}`: SAML is not offered; the policy has no providers.
async fn saml_policy(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let mut map = resource(&state.href("samlPolicies", &app.meta.id), &app.meta);
    map.insert("serviceProvider".into(), Value::Null);
    map.insert("identityProvider".into(), Value::Null);
    Ok(ok(Value::Object(map)))
}

/// `/accountLinkingPolicies/{appId}`: account linking is not offered; the policy is disabled.
async fn account_linking_policy(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let mut map = resource(
        &state.href("accountLinkingPolicies", &app.meta.id),
        &app.meta,
    );
    map.insert("status".into(), "DISABLED".into());
    map.insert("automaticProvisioning".into(), "DISABLED".into());
    map.insert("matchingProperty".into(), Value::Null);
    map.insert("tenant".into(), link(state.tenant_href()));
    Ok(ok(Value::Object(map)))
}
