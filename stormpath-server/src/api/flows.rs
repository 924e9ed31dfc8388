//! Password reset (rest-api.md §6.6) and email verification (§6.7). The store issues the
//! one-time tokens (kept as digests) and the server words the mails with the account's
//! directory's link base URL; the reset token itself goes back to the caller as the href of
//! `{app}/passwordResetTokens/{token}`.

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_client::{Account, AccountStatus, EmailKind, prelude::*};
use stormpath_store::admin::{AccountRecord, Application};

use super::{
    accounts::account_json,
    ok,
    structure::{load_application, load_directory},
};
use crate::{
    body::JsonObject,
    caller::Caller,
    error::{ApiError, ApiResult},
    params::Params,
    scope,
    shape::link,
    state::State,
};

type Data = web::Data<State>;

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.post("/accounts/emailVerificationTokens/{token}", verify_email)
        .post("/applications/{id}/passwordResetTokens", create_reset)
        .get("/applications/{id}/passwordResetTokens/{token}", get_reset)
        .post("/applications/{id}/passwordResetTokens/{token}", use_reset)
        .post("/applications/{id}/verificationEmails", resend_verification);
}

/// 400/2016: `"The {property} property value '{value}' does not match a known resource."`
fn unknown(property: &str, value: &str) -> ApiError {
    ApiError::bad_request(
        2016,
        format!("The {property} property value '{value}' does not match a known resource."),
    )
}

/// A required, non-blank string member (2000 otherwise).
fn required(body: &JsonObject, name: &str, what: &str) -> ApiResult<String> {
    body.string(name)?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(2000, format!("{what} cannot be null, empty, or blank."))
        })
}

/// `{href, email, account}` of a reset token, the account expanded when asked.
fn reset_json(
    state: &State,
    app: &Application,
    token: &str,
    record: &AccountRecord,
    expand: bool,
) -> Value {
    let account = if expand {
        account_json(state, record)
    } else {
        link(state.href("accounts", record.account.id.as_str()))
    };
    json!({
        "href": format!(
            "{}/passwordResetTokens/{token}",
            state.href("applications", &app.meta.id)
        ),
        "email": record.account.email,
        "account": account,
    })
}

/// The account of a live reset token, when it can still log in to `app` (404 otherwise).
async fn reset_account(state: &State, app: &Application, token: &str) -> ApiResult<AccountRecord> {
    let account = state.store.check_password_reset(token).await?;
    if !state
        .store
        .account_reachable(&app.meta.id, account.id.as_str())
        .await?
    {
        return Err(ApiError::not_found());
    }
    state
        .store
        .account_record(account.id.as_str())
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `POST {app}/passwordResetTokens` `{email, accountStore?}`: a token for the ENABLED account
/// with that address in the app's stores; the link is mailed when the account's directory's
/// `resetEmailStatus` is ENABLED.
async fn create_reset(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(&["account"])?;
    let app = load_application(&state, &id).await?;
    let email = required(&body, "email", "Account email address")?;
    let directory = scope::account_store(&state, &app, body.0.get("accountStore")).await?;
    let store = scope::scoped(&state, &app, &caller).await?;
    let store = match &directory {
        Some(d) => store.restricted_to(d),
        None => store,
    };
    let account = store
        .account_by_email(&email)
        .await?
        .filter(|a| a.status == AccountStatus::Enabled)
        .ok_or_else(|| unknown("email", &email))?;
    let record = state
        .store
        .account_record(account.id.as_str())
        .await?
        .ok_or_else(|| unknown("email", &email))?;
    let dir = load_directory(&state, &record.directory_id).await?;
    let mail = dir.policies.reset_email_status == "ENABLED";
    let token = scope::with_mail(&store, &dir)
        .issue_password_reset(&account, dir.policies.reset_token_ttl, mail)
        .await?;
    Ok(ok(reset_json(
        &state,
        &app,
        &token,
        &record,
        expand.has("account"),
    )))
}

/// `GET {app}/passwordResetTokens/{token}`: the token, or 404 when unknown, expired or used.
async fn get_reset(
    state: Data,
    path: web::Path<(String, String)>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let (id, token) = path.into_inner();
    let expand = params.expand(&["account"])?;
    let app = load_application(&state, &id).await?;
    let record = reset_account(&state, &app, &token).await?;
    Ok(ok(reset_json(
        &state,
        &app,
        &token,
        &record,
        expand.has("account"),
    )))
}

/// `POST {app}/passwordResetTokens/{token}` `{password}` (other members ignored: express
/// posts the whole token back): the token is checked first (404), then the password against
/// its directory's strength policy; the token dies with its use, and every token of the
/// account is revoked.
async fn use_reset(
    state: Data,
    path: web::Path<(String, String)>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let (id, token) = path.into_inner();
    let expand = params.expand(&["account"])?;
    let app = load_application(&state, &id).await?;
    let password = body.string("password")?;
    let record = reset_account(&state, &app, &token).await?;
    let password = password.filter(|p| !p.is_empty()).ok_or_else(|| {
        ApiError::bad_request(2000, "Account password cannot be null, empty, or blank.")
    })?;
    let dir = load_directory(&state, &record.directory_id).await?;
    let account: Account = state
        .store
        .complete_password_reset(&token, &password)
        .await
        // The strength rules read as they do on account create and update (spec §4).
        .map_err(super::accounts::account_error)?;
    if dir.policies.reset_success_email_status == "ENABLED"
        && let Err(err) = scope::with_mail(&state.store, &dir)
            .mail_notice(&account, EmailKind::PasswordChanged)
            .await
    {
        tracing::warn!(account = %account.href, error = %err, "reset success email not sent");
    }
    let record = AccountRecord {
        account,
        directory_id: record.directory_id,
    };
    Ok(ok(reset_json(
        &state,
        &app,
        &token,
        &record,
        expand.has("account"),
    )))
}

/// `POST {app}/verificationEmails` `{login, accountStore?}`: 202, and a new verification link
/// to the account when it is UNVERIFIED.
async fn resend_verification(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let login = required(&body, "login", "The login property")?;
    let directory = scope::account_store(&state, &app, body.0.get("accountStore")).await?;
    let store = scope::scoped(&state, &app, &caller).await?;
    let store = match &directory {
        Some(d) => store.restricted_to(d),
        None => store,
    };
    let account = store
        .account_by_login(&login)
        .await?
        .ok_or_else(|| unknown("login", &login))?;
    let record = state
        .store
        .account_record(account.id.as_str())
        .await?
        .ok_or_else(|| unknown("login", &login))?;
    let dir = load_directory(&state, &record.directory_id).await?;
    if dir.policies.verification_email_status != "ENABLED" {
        return Err(ApiError::bad_request(
            6101,
            "The account's directory does not verify email addresses: its verification \
             workflow is disabled.",
        ));
    }
    if account.status == AccountStatus::Unverified {
        scope::with_mail(&store, &dir)
            .mail_verification(&account)
            .await?;
    }
    Ok(HttpResponse::Accepted().finish())
}

/// `POST /accounts/emailVerificationTokens/{token}` (no body): the account becomes ENABLED and
/// VERIFIED; `{"href": account}`. An unknown or used token is 404.
async fn verify_email(state: Data, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let account = state.store.verify_email(&token).await?;
    // The directory's courtesy notices: verified, then welcome (spec §6.7).
    if let Some(record) = state.store.account_record(account.id.as_str()).await?
        && let Some(dir) = state.store.directory_by_id(&record.directory_id).await?
    {
        use crate::mail::{Courtesy, send_courtesy};
        if dir.policies.verification_success_email_status == "ENABLED" {
            send_courtesy(&state.store, &account, Courtesy::Verified).await;
        }
        if dir.policies.welcome_email_status == "ENABLED" {
            send_courtesy(&state.store, &account, Courtesy::Welcome).await;
        }
    }
    Ok(ok(json!({ "href": account.href })))
}
