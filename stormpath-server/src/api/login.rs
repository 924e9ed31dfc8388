//! Login attempts (rest-api.md §6.2): `POST {app}/loginAttempts[?expand=account]` with
//! `{"type": "basic", "value": base64(login:password), "accountStore"?}`.

use super::router::Router;
use actix_web::{HttpResponse, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use stormpath_client::{
    prelude::*,
    throttle::{Client, Limits, Rule, Throttle},
};
use stormpath_store::{
    Store,
    admin::{AccountRecord, Application},
};

use super::{accounts::account_json, ok, structure::load_application};
use crate::{
    body::JsonObject,
    caller::Caller,
    error::{ApiError, ApiResult},
    params::Params,
    scope,
    shape::link,
    state::State,
};

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.post("/applications/{id}/loginAttempts", login_attempt);
}

/// 400 for logging in to a DISABLED application.
pub(crate) fn require_enabled(app: &Application) -> ApiResult<()> {
    if app.status == "ENABLED" {
        Ok(())
    } else {
        Err(ApiError::bad_request(400, "The application is disabled.")
            .developer("Login attempts to a DISABLED application are refused."))
    }
}

/// Checks `login` and `password` for `app` (in its mapped stores in `listIndex` order, or in
/// the one `account_store` names), through the store's `authenticate`: throttled, and an
/// unknown login costs what a wrong password costs and reads the same (7100). Returns the
/// handle acting for the app and the account.
///
/// # Errors
/// 5105 (no stores), 5114 (store not mapped), 7100 (wrong login or password), 7101/7102
/// (account disabled or unverified), 7106 (its directory disabled).
pub(crate) async fn login(
    state: &State,
    app: &Application,
    caller: &Caller,
    login: &str,
    password: &str,
    account_store: Option<&Value>,
) -> ApiResult<(Store, AccountRecord)> {
    require_enabled(app)?;
    scope::require_stores(state, app).await?;
    let directory = scope::account_store(state, app, account_store).await?;
    let store = scope::scoped(state, app, caller).await?;
    let searched = match &directory {
        Some(id) => store.restricted_to(id),
        None => store.clone(),
    };
    // The store counts failures per login for every instance (Redis when configured); the
    // caller is an application, not the end user, so there is no per-client bucket here: the
    // integration in front throttles by client address. A caller that throttles per login
    // itself (and lets the owner's remembered clients through) gets no per-login bucket either.
    let login_bucket = if caller.throttles_logins {
        Rule::off()
    } else {
        Limits::default().login_per_account
    };
    let throttle = Throttle::new(
        state.store.counters(),
        Limits {
            login_per_client: Rule::off(),
            login_per_ip: Rule::off(),
            login_per_account: login_bucket,
            ..Limits::default()
        },
    );
    let client = Client::unknown();
    throttle
        .before_login(login, &client)
        .await
        .map_err(locked)?;
    let account = match searched.authenticate(login, password).await {
        Err(stormpath_client::Error::InvalidCredentials) => {
            throttle
                .login_failed(login, &client)
                .await
                .map_err(locked)?;
            return Err(stormpath_client::Error::InvalidCredentials.into());
        }
        other => other.map_err(locked)?,
    };
    let record = state
        .store
        .account_record(account.id.as_str())
        .await?
        .ok_or_else(|| ApiError::from(stormpath_client::Error::InvalidCredentials))?;
    let dir = state.store.directory_by_id(&record.directory_id).await?;
    if dir.is_some_and(|d| d.status != "ENABLED") {
        return Err(ApiError::bad_request(
            7106,
            "Login attempt failed because the Account's Directory is disabled.",
        ));
    }
    Ok((store, record))
}

/// A throttled login is spec §4's "locked" account: 400/7103, with `Retry-After`.
fn locked(err: stormpath_client::Error) -> ApiError {
    match err {
        stormpath_client::Error::Throttled { retry_after } => ApiError {
            retry_after: Some(retry_after),
            ..ApiError::bad_request(
                7103,
                "Login attempt failed because the account is temporarily locked.",
            )
            .developer(
                "Too many failed login attempts for this account: it is locked, and the login \
                 is refused without checking the password, until Retry-After has passed.",
            )
        },
        err => err.into(),
    }
}

/// `{"account": L}`, or the account itself when expanded.
fn result_json(state: &State, record: &AccountRecord, expand: bool) -> Value {
    let account = if expand {
        account_json(state, record)
    } else {
        link(state.href("accounts", record.account.id.as_str()))
    };
    json!({ "account": account })
}

/// Splits `base64(login:password)` at the first colon (passwords may contain colons).
fn credentials(value: &str) -> ApiResult<(String, String)> {
    let bad = || {
        ApiError::bad_request(
            2005,
            "The login attempt value must be base64(login:password).",
        )
    };
    let decoded = STANDARD
        .decode(value.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(bad)?;
    let (login, password) = decoded.split_once(':').ok_or_else(bad)?;
    Ok((login.to_owned(), password.to_owned()))
}

async fn login_attempt(
    state: web::Data<State>,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(&["account"])?;
    let app = load_application(&state, &id).await?;
    match body.string("type")? {
        Some(t) if t.eq_ignore_ascii_case("basic") => {}
        Some(t) => {
            return Err(ApiError::bad_request(
                2002,
                format!("'{t}' is not a supported login attempt type: use basic."),
            ));
        }
        None => {
            return Err(ApiError::bad_request(
                2000,
                "The login attempt type is required; it cannot be null, empty, or blank.",
            ));
        }
    }
    let value = body
        .string("value")?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                2000,
                "The login attempt value is required; it cannot be null, empty, or blank.",
            )
        })?;
    let (login_name, password) = credentials(&value)?;
    let (_, record) = login(
        &state,
        &app,
        &caller,
        &login_name,
        &password,
        body.0.get("accountStore"),
    )
    .await?;
    Ok(ok(result_json(&state, &record, expand.has("account"))))
}
