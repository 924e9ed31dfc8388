//! Access-token validation (rest-api.md §6.9) and the token resources (§5.10):
//! `GET {app}/authTokens/{jwt}` (302 to the token), `GET|DELETE /accessTokens/{jti}`,
//! `GET|DELETE /refreshTokens/{jti}`, `GET {acct}/accessTokens|refreshTokens`.
//!
//! A token verifies with the secret of the key its header `kid` names — any admin key of the
//! tenant — and is valid while its row is recorded (deleting it revokes it).

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_client::TokenKind;
use stormpath_store::admin::{
    ADMINISTRATORS, AccountRecord, Application, TokenRecord,
    jwt::{self, JwtParts},
};

use super::{
    accounts::account_json,
    no_content, ok,
    structure::{application_json, load_application, tenant_json},
};
use crate::{
    error::{ApiError, ApiResult},
    params::{Expand, Params},
    shape::{collection, link, ts},
    state::State,
};

type Data = web::Data<State>;

/// How far in the future a token's `iat` may be (clock skew between servers and clients).
const IAT_LEEWAY_SECS: f64 = 60.0;

const TOKEN_EXPANSIONS: &[&str] = &["account", "application", "tenant"];

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get("/applications/{id}/authTokens/{jwt}", validate)
        .get("/accessTokens/{jti}", get_access)
        .delete("/accessTokens/{jti}", delete_access)
        .get("/refreshTokens/{jti}", get_refresh)
        .delete("/refreshTokens/{jti}", delete_refresh)
        .get("/accounts/{id}/accessTokens", account_access_tokens)
        .get("/accounts/{id}/refreshTokens", account_refresh_tokens);
}

/// The token errors of rest-api.md §4 (10010–10017, 11005, 12002), `message` and
/// `developerMessage`.
pub(crate) fn token_error(code: u32) -> ApiError {
    let (message, developer) = match code {
        10010 => (
            "Token is invalid because the account is not enabled.",
            "Token is invalid because the account it was issued to is not ENABLED.",
        ),
        10011 => (
            "Token is expired.",
            "Token is invalid because its expiration time (exp) has passed.",
        ),
        10012 => (
            "Token is invalid.",
            "Token is invalid because its issued-at time (iat) is after the current time.",
        ),
        10013 => (
            "Token does not exist.",
            "Token does not exist: it was revoked (deleted) or never issued.",
        ),
        10014 => (
            "Token is invalid.",
            "Token is invalid because the issuer of the token does not match the application \
             validating the token.",
        ),
        10015 => (
            "Token is invalid because the application is disabled.",
            "Token is invalid because the application it was issued for is DISABLED.",
        ),
        10016 => (
            "Token is invalid because the account no longer has access to the application.",
            "Token is invalid because the account is not in any of the application's account \
             stores.",
        ),
        11005 => (
            "Token has already been used.",
            "Token is invalid because its jti was used before: a grant token is good once.",
        ),
        12002 => (
            "Token is invalid.",
            "Token is invalid because its status claim is not AUTHENTICATED.",
        ),
        _ => (
            "Token is invalid.",
            "Token is invalid because verifying the signature of a JWT failed.",
        ),
    };
    let code = if matches!(code, 10010..=10016 | 11005 | 12002) {
        code
    } else {
        10017
    };
    ApiError::bad_request(code, message).developer(developer)
}

/// Seconds since the Unix epoch, as the JWT claims count them.
pub(crate) fn now_secs() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A JWT whose signature verified with an admin key of the tenant.
pub(crate) struct Signed {
    /// Its decoded parts.
    pub parts: JwtParts,
    /// The id of the key it verified with.
    pub key_id: String,
    /// That key's secret.
    pub secret: String,
}

/// Verifies `token` (HS256 only) with the secret of the admin key `key_id`: an ENABLED key of
/// an ENABLED account in the `Stormpath Administrators` directory.
///
/// # Errors
/// 10017 for anything unparseable, an unknown or unusable key, or a bad signature.
pub(crate) async fn signed_by_admin(
    state: &State,
    token: &str,
    key_id: Option<&str>,
) -> ApiResult<Signed> {
    let parts = jwt::parse(token).ok_or_else(|| token_error(10017))?;
    let key_id = key_id.ok_or_else(|| token_error(10017))?;
    let key = state
        .store
        .api_key_record(key_id)
        .await?
        .filter(|k| {
            k.status == "ENABLED"
                && k.account_status == "ENABLED"
                && k.directory_name == ADMINISTRATORS
        })
        .ok_or_else(|| token_error(10017))?;
    let secret = key.secret.ok_or_else(|| token_error(10017))?;
    if !jwt::verify_hs256(token, secret.as_bytes()) {
        return Err(token_error(10017));
    }
    Ok(Signed {
        parts,
        key_id: key.key_id,
        secret,
    })
}

/// Checks the time claims: `exp` present and in the future (10011), `iat` not in the future
/// (10012).
///
/// # Errors
/// As said; 10017 without an `exp`.
pub(crate) fn check_times(parts: &JwtParts) -> ApiResult<()> {
    let now = now_secs() as f64;
    let exp = parts.claim_secs("exp").ok_or_else(|| token_error(10017))?;
    if exp <= now {
        return Err(token_error(10011));
    }
    if parts
        .claim_secs("iat")
        .is_some_and(|iat| iat > now + IAT_LEEWAY_SECS)
    {
        return Err(token_error(10012));
    }
    Ok(())
}

/// The account a `sub` claim names (one of our account hrefs).
pub(crate) async fn subject(state: &State, parts: &JwtParts) -> ApiResult<Option<AccountRecord>> {
    let Some(id) = parts
        .claim_str("sub")
        .and_then(|sub| state.id_of("accounts", sub))
    else {
        return Ok(None);
    };
    Ok(state.store.account_record(id).await?)
}

/// A token issued by `app` (its `/oauth/token`), of `kind`: signature with the key its `kid`
/// names (10017), the kind (10017), not expired (10011), not issued in the future (10012),
/// issued by this application (10014), still recorded and not revoked (10013), the
/// application ENABLED (10015), the account ENABLED (10010) and still reachable (10016).
///
/// # Errors
/// As listed.
pub(crate) async fn check_issued(
    state: &State,
    app: &Application,
    token: &str,
    kind: TokenKind,
) -> ApiResult<(Signed, TokenRecord, AccountRecord)> {
    let kid = jwt::parse(token)
        .and_then(|p| p.header_str("kid").map(str::to_owned))
        .ok_or_else(|| token_error(10017))?;
    let signed = signed_by_admin(state, token, Some(&kid)).await?;
    let parts = &signed.parts;
    let stt = match kind {
        TokenKind::Access => "access",
        TokenKind::Refresh => "refresh",
    };
    if parts.header_str("stt") != Some(stt) {
        return Err(token_error(10017));
    }
    check_times(parts)?;
    if parts.claim_str("iss") != Some(state.href("applications", &app.meta.id).as_str()) {
        return Err(token_error(10014));
    }
    let jti = parts.claim_str("jti").ok_or_else(|| token_error(10017))?;
    let record = state
        .store
        .token_record(kind, jti)
        .await?
        .filter(|r| r.jwt == token && r.application_id == app.meta.id)
        .ok_or_else(|| token_error(10013))?;
    // An access token dies with the refresh token it was minted from.
    if let Some(rti) = parts.claim_str("rti")
        && state.store.token_revoked(rti).await?
    {
        return Err(token_error(10013));
    }
    if app.status != "ENABLED" {
        return Err(token_error(10015));
    }
    let account = subject(state, parts)
        .await?
        .filter(|a| a.account.id.as_str() == record.account_id)
        .ok_or_else(|| token_error(10013))?;
    if account.account.status != stormpath_client::AccountStatus::Enabled {
        return Err(token_error(10010));
    }
    if !state
        .store
        .account_reachable(&app.meta.id, &record.account_id)
        .await?
    {
        return Err(token_error(10016));
    }
    Ok((signed, record, account))
}

/// `GET {app}/authTokens/{jwt}`: 302 to the access token when it is valid.
async fn validate(state: Data, path: web::Path<(String, String)>) -> ApiResult<HttpResponse> {
    let (id, token) = path.into_inner();
    let app = load_application(&state, &id).await?;
    let (_, record, _) = check_issued(&state, &app, &token, TokenKind::Access).await?;
    Ok(HttpResponse::Found()
        .insert_header(("Location", state.href("accessTokens", &record.jti)))
        .finish())
}

fn collection_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::Access => "accessTokens",
        TokenKind::Refresh => "refreshTokens",
    }
}

/// The JSON of a token resource, its links expanded as asked.
async fn token_json(state: &State, record: &TokenRecord, expand: &Expand) -> ApiResult<Value> {
    let parts = jwt::parse(&record.jwt);
    let mut v = json!({
        "href": state.href(collection_name(record.kind), &record.jti),
        "createdAt": ts(record.created_at),
        "jwt": record.jwt,
        "expandedJwt": parts.map_or(Value::Null, |p| json!({
            "header": p.header,
            "claims": p.claims,
            "signature": p.signature,
        })),
        "account": link(state.href("accounts", &record.account_id)),
        "application": link(state.href("applications", &record.application_id)),
        "tenant": link(state.tenant_href()),
    });
    if expand.has("account")
        && let Some(account) = state.store.account_record(&record.account_id).await?
    {
        v["account"] = account_json(state, &account);
    }
    if expand.has("application")
        && let Some(app) = state
            .store
            .application_by_id(&record.application_id)
            .await?
    {
        v["application"] = application_json(state, &app);
    }
    if expand.has("tenant") {
        v["tenant"] = tenant_json(state);
    }
    Ok(v)
}

async fn get_token(
    state: &State,
    kind: TokenKind,
    jti: &str,
    params: &Params,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(TOKEN_EXPANSIONS)?;
    let record = state
        .store
        .token_record(kind, jti)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(token_json(state, &record, &expand).await?))
}

async fn get_access(
    state: Data,
    jti: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    get_token(&state, TokenKind::Access, &jti, &params).await
}

async fn get_refresh(
    state: Data,
    jti: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    get_token(&state, TokenKind::Refresh, &jti, &params).await
}

async fn delete_access(state: Data, jti: web::Path<String>) -> ApiResult<HttpResponse> {
    state
        .store
        .revoke_token_record(TokenKind::Access, &jti)
        .await?;
    Ok(no_content())
}

async fn delete_refresh(state: Data, jti: web::Path<String>) -> ApiResult<HttpResponse> {
    state
        .store
        .revoke_token_record(TokenKind::Refresh, &jti)
        .await?;
    Ok(no_content())
}

async fn list_tokens(
    state: &State,
    account_id: &str,
    kind: TokenKind,
    params: &Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(&["createdAt"])?;
    let expand = params.expand(TOKEN_EXPANSIONS)?;
    let application = match params.get("application.href") {
        None => None,
        Some(href) => Some(state.id_of("applications", href).ok_or_else(|| {
            ApiError::bad_request(
                2002,
                "application.href must be the href of an application of this server.",
            )
        })?),
    };
    let account = state
        .store
        .account_record(account_id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let page = state
        .store
        .list_token_records(account.account.id.as_str(), kind, application, &list)
        .await?;
    let mut items = Vec::with_capacity(page.items.len());
    for record in &page.items {
        items.push(token_json(state, record, &expand).await?);
    }
    let href = format!(
        "{}/{}",
        state.href("accounts", account.account.id.as_str()),
        collection_name(kind)
    );
    Ok(ok(collection(&href, &list, page.size, items)))
}

async fn account_access_tokens(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    list_tokens(&state, &id, TokenKind::Access, &params).await
}

async fn account_refresh_tokens(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    list_tokens(&state, &id, TokenKind::Refresh, &params).await
}
