//! Account API keys (rest-api.md §5.8, §6.10): `POST|GET {acct}/apiKeys`,
//! `GET|POST|DELETE /apiKeys/{id}`, `GET {app}/apiKeys?id=` (0 or 1 key: only one whose account
//! can log in to the app). The secret is returned in plain text unless `encryptSecret=true`
//! asks for it encrypted with the calling tenant key's secret.
//!
//! Keys made here are sealed at rest (the store holds the server's sealing key), so their
//! secret can be given back; keys that were not (imported through custom data) show `null`.

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_client::{
    AccountId, TokenKind,
    prelude::*,
    secret_crypt::{EncryptionParams, encrypt_secret},
};
use stormpath_store::admin::{ApiKeyRecord, ListQuery, jwt};

use super::{
    accounts::account_json, created, no_content, ok, read_only, structure::load_application,
    structure::tenant_json,
};
use crate::{
    body::JsonObject,
    caller::Caller,
    error::{ApiError, ApiResult},
    params::{Expand, Params},
    shape::{collection, link, ts},
    state::State,
};

type Data = web::Data<State>;

const EXPANSIONS: &[&str] = &["account", "tenant"];

/// The longest description accepted, in characters.
const MAX_DESCRIPTION: usize = 1000;

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.post("/accounts/{id}/apiKeys", create_key)
        .get("/accounts/{id}/apiKeys", account_keys)
        .get("/applications/{id}/apiKeys", application_key)
        .get("/apiKeys/{id}", get_key)
        .post("/apiKeys/{id}", update_key)
        .delete("/apiKeys/{id}", delete_key);
}

/// How secrets leave: encrypted when the query asks (`encryptSecret=true` and its
/// parameters), else in plain text.
struct SecretOut<'a> {
    params: Option<EncryptionParams>,
    caller: &'a Caller,
}

impl<'a> SecretOut<'a> {
    /// Reads the encryption parameters first, so that bad ones change nothing.
    ///
    /// # Errors
    /// 400 with the helper's code for a bad `encryptSecret`, salt, size or iteration count.
    fn new(params: &Params, caller: &'a Caller) -> ApiResult<Self> {
        Ok(Self {
            params: EncryptionParams::from_query(params.pairs())?,
            caller,
        })
    }

    fn value(&self, plain: Option<&str>) -> ApiResult<Value> {
        let Some(plain) = plain else {
            return Ok(Value::Null);
        };
        Ok(Value::String(match &self.params {
            Some(p) => encrypt_secret(plain, &self.caller.secret, p)?,
            None => plain.to_owned(),
        }))
    }
}

/// The JSON of a key, its secret as `out` says and its links expanded as asked.
async fn key_json(
    state: &State,
    key: &ApiKeyRecord,
    plain: Option<&str>,
    out: &SecretOut<'_>,
    expand: &Expand,
) -> ApiResult<Value> {
    let mut v = json!({
        "href": state.href("apiKeys", &key.key_id),
        "id": key.key_id,
        "secret": out.value(plain.or(key.secret.as_deref()))?,
        "status": key.status,
        "name": key.name,
        "description": key.description,
        "createdAt": ts(key.created_at),
        "account": link(state.href("accounts", &key.account_id)),
        "tenant": link(state.tenant_href()),
    });
    if expand.has("account")
        && let Some(account) = state.store.account_record(&key.account_id).await?
    {
        v["account"] = account_json(state, &account);
    }
    if expand.has("tenant") {
        v["tenant"] = tenant_json(state);
    }
    Ok(v)
}

/// A name or description member (`Some(None)` clears it).
fn text_member(body: &JsonObject, name: &str, max: usize) -> ApiResult<Option<Option<String>>> {
    let value = body.text(name)?;
    if let Some(Some(text)) = &value
        && (text.chars().count() > max || text.chars().any(char::is_control))
    {
        return Err(ApiError::bad_request(
            2006,
            format!("{name} must be at most {max} printable characters."),
        ));
    }
    Ok(value)
}

/// `ENABLED` or `DISABLED`, in any case.
fn status_member(body: &JsonObject) -> ApiResult<Option<String>> {
    match body.string("status")? {
        None => Ok(None),
        Some(s) if s.eq_ignore_ascii_case("enabled") || s.eq_ignore_ascii_case("disabled") => {
            Ok(Some(s.to_uppercase()))
        }
        Some(s) => Err(ApiError::bad_request(
            2002,
            format!("'{s}' is not a valid status: use ENABLED or DISABLED."),
        )),
    }
}

async fn load_key(state: &State, id: &str) -> ApiResult<ApiKeyRecord> {
    state
        .store
        .api_key_record(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// `POST {acct}/apiKeys` (the SDKs send no body; `name`, `description` and `status` are read
/// when one is sent): 201 with the key and its secret.
async fn create_key(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let out = SecretOut::new(&params, &caller)?;
    let expand = params.expand(EXPANSIONS)?;
    let name = text_member(&body, "name", 255)?;
    let description = text_member(&body, "description", MAX_DESCRIPTION)?;
    let status = status_member(&body)?;
    let account = state
        .store
        .account_record(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let new = state
        .store
        .create_api_key(
            &AccountId(account.account.id.as_str().to_owned()),
            name.clone().flatten().as_deref(),
        )
        .await?;
    let key = if description.is_some() || status.is_some() {
        let updated = state
            .store
            .update_api_key(
                &new.info.id,
                status.as_deref(),
                None,
                description.as_ref().map(Option::as_deref),
            )
            .await;
        match updated {
            Ok(key) => key,
            Err(err) => {
                // No key without what was asked for.
                let _ = state.store.delete_api_key_by_id(&new.info.id).await;
                return Err(err.into());
            }
        }
    } else {
        load_key(&state, &new.info.id).await?
    };
    Ok(created(
        key_json(&state, &key, Some(&new.secret), &out, &expand).await?,
    ))
}

/// `GET {acct}/apiKeys`: the account's keys, oldest first.
async fn account_keys(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
) -> ApiResult<HttpResponse> {
    let out = SecretOut::new(&params, &caller)?;
    let list = params.list(&[])?;
    let expand = params.expand(EXPANSIONS)?;
    let account = state
        .store
        .account_record(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    let keys = state
        .store
        .api_key_records(account.account.id.as_str())
        .await?;
    let wanted = params.get("id");
    let keys: Vec<_> = keys
        .into_iter()
        .filter(|k| wanted.is_none_or(|id| k.key_id == id))
        .collect();
    let size = i64::try_from(keys.len()).unwrap_or(i64::MAX);
    let mut items = Vec::new();
    for key in keys
        .iter()
        .skip(usize::try_from(list.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(list.limit).unwrap_or(0))
    {
        items.push(key_json(&state, key, None, &out, &expand).await?);
    }
    let href = format!(
        "{}/apiKeys",
        state.href("accounts", account.account.id.as_str())
    );
    Ok(ok(collection(&href, &list, size, items)))
}

/// `GET {app}/apiKeys?id=…`: a collection of the key, or of nothing when its account cannot
/// log in to the application.
async fn application_key(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
) -> ApiResult<HttpResponse> {
    let out = SecretOut::new(&params, &caller)?;
    let list = params.list(&[])?;
    let expand = params.expand(EXPANSIONS)?;
    let app = load_application(&state, &id).await?;
    let key_id = params.get("id").filter(|k| !k.is_empty()).ok_or_else(|| {
        ApiError::bad_request(
            2000,
            "The id query parameter is required: GET {application}/apiKeys?id={apiKeyId}.",
        )
    })?;
    let found = match state.store.api_key_record(key_id).await? {
        Some(key)
            if state
                .store
                .account_reachable(&app.meta.id, &key.account_id)
                .await? =>
        {
            Some(key)
        }
        _ => None,
    };
    let size = i64::from(found.is_some());
    let mut items = Vec::new();
    if let Some(key) = found.filter(|_| list.offset == 0) {
        items.push(key_json(&state, &key, None, &out, &expand).await?);
    }
    let href = format!("{}/apiKeys", state.href("applications", &app.meta.id));
    Ok(ok(collection(&href, &list, size, items)))
}

async fn get_key(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
) -> ApiResult<HttpResponse> {
    let out = SecretOut::new(&params, &caller)?;
    let expand = params.expand(EXPANSIONS)?;
    let key = load_key(&state, &id).await?;
    Ok(ok(key_json(&state, &key, None, &out, &expand).await?))
}

/// `POST /apiKeys/{id}`: `status`, `name`, `description`; everything else (the SDK posts the
/// whole key back, secret included) is ignored.
async fn update_key(
    state: Data,
    id: web::Path<String>,
    caller: Caller,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let out = SecretOut::new(&params, &caller)?;
    let expand = params.expand(EXPANSIONS)?;
    let name = text_member(&body, "name", 255)?;
    let description = text_member(&body, "description", MAX_DESCRIPTION)?;
    let status = status_member(&body)?;
    let key = load_key(&state, &id).await?;
    let current = json!({
        "href": state.href("apiKeys", &key.key_id),
        "id": key.key_id,
        "createdAt": ts(key.created_at),
        "account": link(state.href("accounts", &key.account_id)),
        "tenant": link(state.tenant_href()),
    });
    // The secret is posted back as it was read (plain or encrypted): it is never written.
    read_only::on_update(
        &body,
        &current,
        &["name", "description", "status", "secret"],
        &[],
    )?;
    if key.key_id == caller.key.key_id && status.as_deref().is_some_and(|s| s != "ENABLED") {
        return Err(own_key("disabled"));
    }
    let key = state
        .store
        .update_api_key(
            &key.key_id,
            status.as_deref(),
            name.as_ref().map(Option::as_deref),
            description.as_ref().map(Option::as_deref),
        )
        .await?;
    Ok(ok(key_json(&state, &key, None, &out, &expand).await?))
}

/// `DELETE /apiKeys/{id}`: the key goes, and with it every client-credentials access token of
/// its account (the store does not record which key minted one), as the embedded store voids
/// them; the account's password sessions stay. The key making the request cannot go.
async fn delete_key(state: Data, id: web::Path<String>, caller: Caller) -> ApiResult<HttpResponse> {
    if *id == caller.key.key_id {
        return Err(own_key("deleted"));
    }
    let key = load_key(&state, &id).await?;
    state.store.delete_api_key_by_id(&id).await?;
    revoke_key_tokens(&state, &key.account_id).await?;
    Ok(no_content())
}

/// 403: the key making the request cannot lock its caller out.
fn own_key(what: &str) -> ApiError {
    ApiError::new(
        403,
        403,
        format!("The API key making this request cannot be {what}."),
    )
    .developer(format!(
        "The API key making this request cannot be {what}: use another administrator's key."
    ))
}

/// Revokes the account's recorded access tokens of the `client_credentials` grant.
async fn revoke_key_tokens(state: &State, account_id: &str) -> ApiResult<()> {
    const PAGE: i64 = 100;
    let mut jtis = Vec::new();
    let mut list = ListQuery {
        offset: 0,
        limit: PAGE,
        ..ListQuery::default()
    };
    loop {
        let page = state
            .store
            .list_token_records(account_id, TokenKind::Access, None, &list)
            .await?;
        let got = page.items.len();
        jtis.extend(page.items.into_iter().filter_map(|record| {
            let parts = jwt::parse(&record.jwt)?;
            (parts.claim_str("gty") == Some("client_credentials")).then_some(record.jti)
        }));
        if i64::try_from(got).unwrap_or(0) < PAGE {
            break;
        }
        list.offset += PAGE;
    }
    for jti in jtis {
        match state
            .store
            .revoke_token_record(TokenKind::Access, &jti)
            .await
        {
            // Revoked meanwhile by someone else: gone either way.
            Ok(_) | Err(stormpath_client::Error::NotFound) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}
