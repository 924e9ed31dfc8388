//! The OAuth 2.0 token endpoint (rest-api.md §6.8): `POST {app}/oauth/token`, a form with
//! `grant_type` `password`, `refresh_token`, `client_credentials` (an account API key) or
//! `stormpath_token` (a JWT the caller signed with its tenant key). Our extension for the
//! remote back end: a `stormpath_token` whose claims carry `"grant_type":
//! "client_credentials"` gets an access token only.
//!
//! Tokens are signed with the calling tenant key (header `kid` = its id, `stt`), recorded,
//! and answered with `Cache-Control: no-store` and `Pragma: no-cache`; errors carry the OAuth
//! `error` member.

use super::router::Router;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde_json::{Value, json};
use stormpath_client::{Account, AccountStatus, TokenGrant, TokenKind, TokenSet, prelude::*};
use stormpath_store::{
    Store,
    admin::{Application, jwt},
};

use super::{
    login::login,
    structure::load_application,
    tokens::{check_issued, check_times, signed_by_admin, subject, token_error},
};
use crate::{
    caller::Caller,
    error::{ApiError, ApiResult},
    state::State,
};

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.post("/applications/{id}/oauth/token", token);
}

/// The decoded form; of a repeated field the first counts, unknown fields are ignored.
struct Form(Vec<(String, String)>);

impl Form {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A field that must be present and not blank.
    fn required(&self, name: &str) -> ApiResult<&str> {
        self.get(name)
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                ApiError::bad_request(
                    2000,
                    format!("{name} parameter is required; it cannot be null, empty, or blank."),
                )
                .oauth("invalid_request")
            })
    }
}

/// Reads the `application/x-www-form-urlencoded` body.
fn form(req: &HttpRequest, body: &[u8]) -> ApiResult<Form> {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if !is_form {
        return Err(ApiError::new(
            415,
            1101,
            "Unsupported Content-Type: send application/x-www-form-urlencoded.",
        )
        .oauth("invalid_request"));
    }
    Ok(Form(
        form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect(),
    ))
}

/// Marks an error of a grant as the OAuth `error` it is (`invalid_grant` unless it has one).
fn grant_error(err: ApiError) -> ApiError {
    if err.oauth_error.is_some() || err.status >= 500 {
        err
    } else {
        err.oauth("invalid_grant")
    }
}

/// The 200 answer: the tokens and the access token's resource href.
fn token_response(state: &State, tokens: &TokenSet) -> HttpResponse {
    let jti = jwt::parse(&tokens.access_token)
        .and_then(|p| p.claim_str("jti").map(str::to_owned))
        .unwrap_or_default();
    let mut body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "expires_in": tokens.expires_in,
        "stormpath_access_token_href": state.href("accessTokens", &jti),
    });
    if let Some(refresh) = &tokens.refresh {
        body["refresh_token"] = Value::String(refresh.token.clone());
    }
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("Pragma", "no-cache"))
        .json(body)
}

async fn token(
    state: web::Data<State>,
    req: HttpRequest,
    id: web::Path<String>,
    caller: Caller,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    let form = form(&req, &body)?;
    let app = load_application(&state, &id).await?;
    let grant = form
        .get("grant_type")
        .filter(|g| !g.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                2000,
                "grant_type parameter is required; it cannot be null, empty, or blank.",
            )
            .oauth("invalid_request")
        })?;
    let tokens = match grant {
        "password" => password(&state, &app, &caller, &form).await,
        "refresh_token" => refresh(&state, &app, &form).await,
        "client_credentials" => client_credentials(&state, &app, &caller, &form).await,
        "stormpath_token" => stormpath_token(&state, &app, &caller, &form).await,
        other => Err(ApiError::bad_request(
            400,
            format!("The grant_type '{other}' is not supported."),
        )
        .oauth("unsupported_grant_type")),
    }
    .map_err(grant_error)?;
    Ok(token_response(&state, &tokens))
}

/// Refuses every grant of a DISABLED application (10015).
fn require_enabled(app: &Application) -> ApiResult<()> {
    if app.status == "ENABLED" {
        Ok(())
    } else {
        Err(token_error(10015))
    }
}

/// `password`: the login of `loginAttempts`, then an access and a refresh token.
async fn password(
    state: &State,
    app: &Application,
    caller: &Caller,
    form: &Form,
) -> ApiResult<TokenSet> {
    require_enabled(app)?;
    let username = form.required("username")?;
    let password = form.required("password")?;
    let account_store = form
        .get("accountStore")
        .map(|h| Value::String(h.to_owned()));
    let named_org = form
        .get("organizationNameKey")
        .or_else(|| form.get("nameKey"))
        .map(|k| json!({ "nameKey": k }));
    let (store, record) = login(
        state,
        app,
        caller,
        username,
        password,
        account_store.as_ref().or(named_org.as_ref()),
    )
    .await?;
    Ok(store
        .issue_tokens(&record.account, TokenGrant::Password)
        .await?)
}

/// `refresh_token`: a new access token and the same refresh token (not rotated).
async fn refresh(state: &State, app: &Application, form: &Form) -> ApiResult<TokenSet> {
    require_enabled(app)?;
    let token = form.required("refresh_token")?;
    let (signed, _, _) = check_issued(state, app, token, TokenKind::Refresh).await?;
    // The new access token is signed like its refresh token: the key it names.
    let store = state
        .store
        .for_application(&app.meta.id, &signed.key_id, signed.secret.as_bytes())
        .await?;
    let refreshed = store.refresh_tokens(token).await.map_err(|e| {
        if e.is_backend() {
            ApiError::from(e)
        } else {
            token_error(10013)
        }
    })?;
    Ok(refreshed.tokens)
}

fn bad_client() -> ApiError {
    ApiError::bad_request(
        10019,
        "API Key Authentication failed because the API key or secret submitted is invalid.",
    )
    .oauth("invalid_client")
}

/// `client_credentials`: an account API key (ENABLED, its account ENABLED and reachable by
/// the app) gets an access token only.
async fn client_credentials(
    state: &State,
    app: &Application,
    caller: &Caller,
    form: &Form,
) -> ApiResult<TokenSet> {
    require_enabled(app)?;
    let id = form.required("client_id")?;
    let secret = form.required("client_secret")?;
    let store = crate::scope::scoped(state, app, caller).await?;
    let account = store
        .authenticate_api_key(id, secret)
        .await?
        .ok_or_else(bad_client)?;
    if !state
        .store
        .account_reachable(&app.meta.id, account.id.as_str())
        .await?
    {
        return Err(bad_client());
    }
    Ok(store
        .issue_tokens(&account, TokenGrant::ClientCredentials)
        .await?)
}

/// `stormpath_token`: a JWT the caller signed with a tenant key (the key its `kid`, else its
/// `aud`, else the caller names), unexpired, not issued in the future, `status`
/// `AUTHENTICATED`, issued for this application, used once; then tokens as for `password`
/// (an access token only when its claims say `"grant_type": "client_credentials"`).
async fn stormpath_token(
    state: &State,
    app: &Application,
    caller: &Caller,
    form: &Form,
) -> ApiResult<TokenSet> {
    require_enabled(app)?;
    let token = form.required("token")?;
    let parts = jwt::parse(token).ok_or_else(|| token_error(10017))?;
    let key_id = parts
        .header_str("kid")
        .or_else(|| parts.claim_str("aud"))
        .unwrap_or(&caller.key.key_id)
        .to_owned();
    let signed = signed_by_admin(state, token, Some(&key_id)).await?;
    let parts = signed.parts;
    check_times(&parts)?;
    if parts.claim_str("status") != Some("AUTHENTICATED") {
        return Err(token_error(12002));
    }
    if parts.claim_str("iss") != Some(state.href("applications", &app.meta.id).as_str()) {
        return Err(token_error(10014));
    }
    let record = subject(state, &parts)
        .await?
        .ok_or_else(|| token_error(10016))?;
    let account: Account = record.account;
    match account.status {
        AccountStatus::Enabled => {}
        AccountStatus::Unverified => {
            return Err(stormpath_client::Error::AccountUnverified.into());
        }
        _ => return Err(stormpath_client::Error::AccountDisabled.into()),
    }
    if !state
        .store
        .account_reachable(&app.meta.id, account.id.as_str())
        .await?
    {
        return Err(token_error(10016));
    }
    let jti = parts.claim_str("jti").ok_or_else(|| token_error(10017))?;
    // Kept (like a revoked token) until the grant token would have expired anyway.
    #[allow(clippy::cast_possible_truncation)]
    let exp = parts.claim_secs("exp").unwrap_or_default().ceil() as i64;
    if jti.len() > 128
        || !state
            .store
            .use_token_id(&format!("grant:{jti}"), exp)
            .await?
    {
        return Err(token_error(11005));
    }
    let grant = match parts.claim_str("grant_type") {
        Some("client_credentials") => TokenGrant::ClientCredentials,
        _ => TokenGrant::Password,
    };
    let store: Store = crate::scope::scoped(state, app, caller).await?;
    Ok(store.issue_tokens(&account, grant).await?)
}
