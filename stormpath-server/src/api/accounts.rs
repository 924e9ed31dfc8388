//! Accounts (spec §5.5, §6.1, §6.3): created in an application's default account store or in
//! a directory through the store's own `create_account` (validation, hashing, uniqueness, the
//! verification mail), listed per tenant, directory, application and group with search, read,
//! updated in any property, deleted with everything they own.

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_client::{
    AccountId, AccountStatus, EmailVerificationStatus, InvalidKind, NewAccount, prelude::*,
};
pub(crate) use stormpath_store::admin::AccountsOf;
use stormpath_store::admin::{
    AccountChanges, AccountRecord, CustomDataOwner, Directory, GroupsOf, ListQuery,
};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{
    created, custom_data,
    groups::{self, GROUP_EXPANSIONS, GROUP_SEARCH},
    no_content, ok,
    structure::{directory_json, load_application, load_directory, tenant_json},
};
use crate::{
    body::JsonObject,
    caller::Caller,
    error::{ApiError, ApiResult},
    params::{Expand, Params},
    shape::{collection, link, resource, ts},
    state::State,
};

type Data = web::Data<State>;

/// Searchable and sortable account attributes (spec §3.3).
pub(crate) const ACCOUNT_SEARCH: &[&str] = &[
    "givenName",
    "middleName",
    "surname",
    "username",
    "email",
    "status",
    "createdAt",
    "modifiedAt",
    "passwordModifiedAt",
    // `customData.a.b=value` (the store matches it in the JSON document).
    "customData",
];

/// What an account's `expand` may name (spec §5.5).
pub(crate) const ACCOUNT_EXPANSIONS: &[&str] = &[
    "customData",
    "directory",
    "tenant",
    "groups",
    "groupMemberships",
];

/// Spec §4's messages for a taken email or username (with their two spaces).
const EMAIL_TAKEN: &str = "Account with that email already exists.  Please choose another email.";
const USERNAME_TAKEN: &str =
    "Account with that username already exists.  Please choose another username.";

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get("/applications/{id}/accounts", application_accounts)
        .post("/applications/{id}/accounts", create_in_application)
        .get("/directories/{id}/accounts", directory_accounts)
        .post("/directories/{id}/accounts", create_in_directory)
        .get("/tenants/{id}/accounts", tenant_accounts)
        .get("/accounts/{id}", account)
        .post("/accounts/{id}", update_account)
        .delete("/accounts/{id}", delete_account)
        .get("/accounts/{id}/providerData", provider_data)
        .get("/accounts/{id}/groups", account_groups)
        .get("/accounts/{id}/applications", account_applications)
        .get("/accounts/{id}/groupMemberships", account_memberships);
}

// ---- JSON -----------------------------------------------------------------------------------

/// The JSON of an account (links unexpanded; `password` is never returned).
pub(crate) fn account_json(state: &State, record: &AccountRecord) -> Value {
    let a = &record.account;
    let href = state.href("accounts", a.id.as_str());
    let mut v = json!({
        "href": href,
        "username": a.username,
        "email": a.email,
        "givenName": a.given_name,
        "middleName": a.middle_name,
        "surname": a.surname,
        "fullName": a.full_name,
        "status": a.status.as_str(),
        "createdAt": ts(a.created_at),
        "modifiedAt": ts(a.modified_at),
        "passwordModifiedAt": a.password_modified_at.map(ts),
        "emailVerificationStatus": a
            .email_verification_status
            .map_or("UNKNOWN", |s| s.as_str()),
        // Set by `expand_account` for an unverified account with a live token.
        "emailVerificationToken": Value::Null,
        "directory": link(state.href("directories", &record.directory_id)),
        "tenant": link(state.tenant_href()),
    });
    for sub in [
        "customData",
        "providerData",
        "groups",
        "groupMemberships",
        "applications",
        "apiKeys",
        "accessTokens",
        "refreshTokens",
    ]
    .iter()
    .chain(super::unoffered::ACCOUNT)
    {
        v[*sub] = link(format!("{href}/{sub}"));
    }
    v
}

/// An account with the links `expand` names replaced by the resources (collections paged as
/// asked: `groups(offset:0,limit:10)`).
pub(crate) async fn expand_account(
    state: &State,
    record: &AccountRecord,
    expand: &Expand,
) -> ApiResult<Value> {
    let mut value = account_json(state, record);
    let id = record.account.id.as_str();
    if record.account.status == AccountStatus::Unverified
        && let Some(token) = state.store.pending_verification_token(id).await?
    {
        value["emailVerificationToken"] = link(format!(
            "{}/accounts/emailVerificationTokens/{token}",
            state.base
        ));
    }
    if expand.has("customData") {
        value["customData"] = custom_data::expanded(state, CustomDataOwner::Account, id).await?;
    }
    if expand.has("directory") {
        value["directory"] =
            directory_json(state, &load_directory(state, &record.directory_id).await?);
    }
    if expand.has("tenant") {
        value["tenant"] = tenant_json(state);
    }
    let href = state.href("accounts", id);
    if expand.has("groups") {
        value["groups"] = groups::plain_collection(
            state,
            GroupsOf::Account(id),
            &format!("{href}/groups"),
            &expand.page("groups"),
        )
        .await?;
    }
    if expand.has("groupMemberships") {
        value["groupMemberships"] = groups::memberships_json(
            state,
            stormpath_store::admin::MembershipsOf::Account(id),
            &format!("{href}/groupMemberships"),
            &expand.page("groupMemberships"),
            &Expand::default(),
        )
        .await?;
    }
    Ok(value)
}

/// A page of accounts as a collection of unexpanded accounts (what an expansion shows: one
/// level only, spec §3.1).
pub(crate) async fn plain_collection(
    state: &State,
    of: AccountsOf<'_>,
    href: &str,
    list: &ListQuery,
) -> ApiResult<Value> {
    let page = state.store.list_accounts(of, list).await?;
    let items = page.items.iter().map(|r| account_json(state, r)).collect();
    Ok(collection(href, list, page.size, items))
}

/// A page of accounts as a collection (items expanded as `expand` says).
pub(crate) async fn collection_json(
    state: &State,
    of: AccountsOf<'_>,
    href: &str,
    list: &ListQuery,
    expand: &Expand,
) -> ApiResult<Value> {
    let page = state.store.list_accounts(of, list).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for record in &page.items {
        items.push(expand_account(state, record, expand).await?);
    }
    Ok(collection(href, list, page.size, items))
}

/// The account `id`, or 404.
pub(crate) async fn load_account(state: &State, id: &str) -> ApiResult<AccountRecord> {
    state
        .store
        .account_record(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

// ---- read-only members ----------------------------------------------------------------------

/// 400/2015: a read-only member written.
pub(crate) fn read_only(name: &str) -> ApiError {
    ApiError::bad_request(
        2015,
        format!("{name} is a read-only property and cannot be set."),
    )
}

/// What a member posted back holds: a string, or a link's (or expanded resource's) `href`.
fn posted_href(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Object(o) => o.get("href").and_then(Value::as_str),
        _ => None,
    }
}

/// The SDKs' `save()` posts the whole resource back: read-only members that are unchanged
/// are ignored, a changed one is refused (400/2015) before anything is written. `links` are
/// `(member, the href it must hold)`; `createdAt` is compared as an instant.
///
/// # Errors
/// 400/2015 naming the first changed member.
pub(crate) fn check_unchanged(
    body: &JsonObject,
    links: &[(&str, &str)],
    created_at: OffsetDateTime,
) -> ApiResult<()> {
    for (name, expected) in links {
        match body.0.get(*name) {
            None | Some(Value::Null) => {}
            Some(value) if posted_href(value) == Some(*expected) => {}
            Some(_) => return Err(read_only(name)),
        }
    }
    match body.0.get("createdAt") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(text))
            if OffsetDateTime::parse(text, &Rfc3339).is_ok_and(|at| {
                at.unix_timestamp_nanos() / 1_000_000
                    == created_at.unix_timestamp_nanos() / 1_000_000
            }) =>
        {
            Ok(())
        }
        Some(_) => Err(read_only("createdAt")),
    }
}

// ---- errors ---------------------------------------------------------------------------------

/// The store's account errors in the words of spec §4.
pub(crate) fn account_error(err: stormpath_client::Error) -> ApiError {
    use stormpath_client::Error as E;
    match &err {
        E::Conflict { field, .. } => {
            let message = if *field == "username" {
                USERNAME_TAKEN
            } else {
                EMAIL_TAKEN
            };
            ApiError::new(409, 2001, message)
        }
        E::Validation(v) => {
            let plain = |message: &'static str| {
                ApiError::new(400, v.code(), message).developer(v.message.clone())
            };
            match (v.field.as_deref(), v.kind) {
                (Some("email"), InvalidKind::Format) => {
                    plain("Account email address is in an invalid format.")
                }
                (_, InvalidKind::PasswordTooShort) => {
                    plain("Account password minimum length not satisfied.")
                }
                (_, InvalidKind::PasswordTooLong) => {
                    plain("Account password maximum length not satisfied.")
                }
                _ => err.into(),
            }
        }
        _ => err.into(),
    }
}

// ---- reading the body -----------------------------------------------------------------------

fn status_of(body: &JsonObject) -> ApiResult<Option<AccountStatus>> {
    body.string("status")?
        .map(|s| {
            AccountStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request(
                    2002,
                    format!("'{s}' is not a valid status: use ENABLED, DISABLED or UNVERIFIED."),
                )
            })
        })
        .transpose()
}

fn verification_of(body: &JsonObject) -> ApiResult<Option<EmailVerificationStatus>> {
    body.string("emailVerificationStatus")?
        .map(|s| {
            EmailVerificationStatus::parse(&s).ok_or_else(|| {
                ApiError::bad_request(
                    2002,
                    format!(
                        "'{s}' is not a valid emailVerificationStatus: use VERIFIED, UNVERIFIED \
                         or UNKNOWN."
                    ),
                )
            })
        })
        .transpose()
}

/// A required string member: 400/2000 with `message` when absent, `null` or blank.
fn required(body: &JsonObject, name: &str, message: &'static str) -> ApiResult<String> {
    body.string(name)?
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request(2000, message))
}

// ---- creation -------------------------------------------------------------------------------

/// Where an account is created and whether it must verify its email.
struct Target {
    store: stormpath_store::Store,
    directory: Directory,
}

/// Creates an account in `target` from a `POST …/accounts` body (spec §6.1).
async fn create(
    state: &State,
    target: Target,
    params: &Params,
    body: &JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(ACCOUNT_EXPANSIONS)?;
    let workflow = params.flag("registrationWorkflowEnabled")?;
    // `passwordFormat=mcf`: `password` is a hash made elsewhere (spec §6.1, §8.7).
    let imported = match params.get("passwordFormat") {
        None => false,
        Some(f) if f.eq_ignore_ascii_case("mcf") => true,
        Some(format) => {
            return Err(ApiError::bad_request(
                2003,
                format!("passwordFormat '{format}' is not supported: use mcf or none."),
            ));
        }
    };
    // The server sets these; a registration that names them is refused, nothing made.
    for name in [
        "href",
        "createdAt",
        "modifiedAt",
        "passwordModifiedAt",
        "directory",
        "tenant",
        "emailVerificationStatus",
    ] {
        if body.0.get(name).is_some_and(|v| !v.is_null()) {
            return Err(read_only(name));
        }
    }
    if body
        .0
        .get("providerData")
        .and_then(|p| p.get("providerId"))
        .and_then(Value::as_str)
        .is_some_and(|p| p != "stormpath")
    {
        return Err(ApiError::bad_request(
            2003,
            "Only cloud (stormpath) accounts can be created on this server.",
        ));
    }
    let email = required(
        body,
        "email",
        "Account email address cannot be null, empty, or blank.",
    )?;
    let password = required(
        body,
        "password",
        "Account password cannot be null, empty, or blank.",
    )?;
    check_email_domain(&target.directory, &email)?;
    let given = status_of(body)?;
    let custom_data = custom_data::embedded(body)?.unwrap_or_default();
    // With the directory's verification workflow on, the account waits for its emailed link:
    // a registration cannot make itself ENABLED (spec §6.1).
    let verify =
        target.directory.policies.verification_email_status == "ENABLED" && workflow != Some(false);
    let status = match (given, verify) {
        (None | Some(AccountStatus::Unverified), true) => AccountStatus::Unverified,
        (Some(_), true) => {
            return Err(ApiError::bad_request(
                2002,
                "An account's status cannot be set when it is created while its directory \
                 requires email verification.",
            ));
        }
        (given, false) => given.unwrap_or(AccountStatus::Enabled),
    };
    let new = NewAccount {
        email,
        password,
        username: body.string("username")?,
        given_name: body.string("givenName")?,
        middle_name: body.string("middleName")?,
        surname: body.string("surname")?,
        custom_data,
        status: Some(status),
    };
    let account = if imported {
        let hash = new.password.clone();
        target
            .store
            .create_account_with_hash(new, &hash)
            .await
            .map_err(|e| match e {
                stormpath_client::Error::Validation(v)
                    if v.field.as_deref() == Some("password") =>
                {
                    ApiError::bad_request(
                        2003,
                        "The password is not a supported password hash (passwordFormat=mcf).",
                    )
                    .developer(v.message)
                }
                e => account_error(e),
            })?
    } else {
        target
            .store
            .create_account(new)
            .await
            .map_err(account_error)?
    };
    if account.status == AccountStatus::Enabled
        && target.directory.policies.welcome_email_status == "ENABLED"
        && workflow != Some(false)
    {
        crate::mail::send_courtesy(&state.store, &account, crate::mail::Courtesy::Welcome).await;
    }
    let record = load_account(state, account.id.as_str()).await?;
    Ok(created(expand_account(state, &record, &expand).await?))
}

/// The directory's email domain lists (spec §5.4): 7205 for a domain outside a non-empty
/// whitelist, 7206 for one on the blacklist.
fn check_email_domain(directory: &Directory, email: &str) -> ApiResult<()> {
    let Some((_, domain)) = email.trim().rsplit_once('@') else {
        return Ok(()); // The store refuses the address itself (2006).
    };
    let p = &directory.policies;
    let matches = |list: &[String]| {
        list.iter()
            .any(|pattern| super::structure::domain_matches(pattern, domain))
    };
    if !p.email_domain_whitelist.is_empty() && !matches(&p.email_domain_whitelist) {
        return Err(ApiError::bad_request(
            7205,
            "The email address's domain is not allowed in this directory.",
        )
        .developer("The email domain is not on the directory's emailDomainWhitelist."));
    }
    if matches(&p.email_domain_blacklist) {
        return Err(ApiError::bad_request(
            7206,
            "The email address's domain is not allowed in this directory.",
        )
        .developer("The email domain is on the directory's emailDomainBlacklist."));
    }
    Ok(())
}

async fn create_in_application(
    state: Data,
    caller: Caller,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let mapping = match &app.default_account_store_mapping {
        Some(m) => state.store.mapping_by_id(m).await?,
        None => None,
    };
    let Some(mapping) = mapping else {
        return Err(ApiError::bad_request(
            5100,
            "The application has no default account store: map a directory as its default \
             account store first.",
        ));
    };
    let directory = load_directory(&state, &mapping.directory_id).await?;
    if directory.status != "ENABLED" {
        return Err(ApiError::bad_request(
            5101,
            "The application's default account store is disabled.",
        ));
    }
    let store = state
        .store
        .for_application(&app.meta.id, &caller.key.key_id, caller.secret.as_bytes())
        .await?;
    // A verification mail carries the links of the directory the account is made in.
    let store = crate::scope::with_mail(&store, &directory);
    create(&state, Target { store, directory }, &params, &body).await
}

async fn create_in_directory(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let directory = load_directory(&state, &id).await?;
    let store = state.store.for_directory(&directory.meta.id).await?;
    let store = crate::scope::with_mail(&store, &directory);
    create(&state, Target { store, directory }, &params, &body).await
}

// ---- lists ----------------------------------------------------------------------------------

async fn list(
    state: &State,
    params: &Params,
    of: AccountsOf<'_>,
    href: String,
) -> ApiResult<HttpResponse> {
    let list = params.list(ACCOUNT_SEARCH)?;
    let expand = params.expand(ACCOUNT_EXPANSIONS)?;
    Ok(ok(collection_json(state, of, &href, &list, &expand).await?))
}

async fn application_accounts(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let href = format!("{}/accounts", state.href("applications", &app.meta.id));
    list(&state, &params, AccountsOf::Application(&app.meta.id), href).await
}

async fn directory_accounts(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let dir = load_directory(&state, &id).await?;
    let href = format!("{}/accounts", state.href("directories", &dir.meta.id));
    list(&state, &params, AccountsOf::Directory(&dir.meta.id), href).await
}

async fn tenant_accounts(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    if *id != state.tenant.meta.id {
        return Err(ApiError::not_found());
    }
    let href = format!("{}/accounts", state.tenant_href());
    list(&state, &params, AccountsOf::Tenant, href).await
}

// ---- one account ----------------------------------------------------------------------------

async fn account(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(ACCOUNT_EXPANSIONS)?;
    let record = load_account(&state, &id).await?;
    Ok(ok(expand_account(&state, &record, &expand).await?))
}

/// A string member that may be changed but not cleared.
fn set_only(body: &JsonObject, name: &str, label: &str) -> ApiResult<Option<String>> {
    match body.text(name)? {
        Some(None) => Err(ApiError::bad_request(
            2000,
            format!("Account {label} cannot be null, empty, or blank."),
        )),
        Some(Some(v)) => Ok(Some(v)),
        None => Ok(None),
    }
}

/// 403/4001–4002: the account behind the calling key may not lock the caller out.
fn own_account(code: u32, what: &str) -> ApiError {
    ApiError::new(
        403,
        code,
        format!("The account of the API key making this request cannot be {what}."),
    )
    .developer(format!(
        "The account of the API key making this request cannot be {what}: use another \
         administrator's key."
    ))
}

async fn update_account(
    state: Data,
    caller: Caller,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(ACCOUNT_EXPANSIONS)?;
    let record = load_account(&state, &id).await?;
    let href = state.href("accounts", record.account.id.as_str());
    check_unchanged(
        &body,
        &[
            ("href", href.as_str()),
            (
                "directory",
                &state.href("directories", &record.directory_id),
            ),
            ("tenant", &state.tenant_href()),
        ],
        record.account.created_at,
    )?;
    let password = match body.text("password")? {
        Some(Some(p)) if !p.is_empty() => Some(p),
        Some(_) => {
            return Err(ApiError::bad_request(
                2000,
                "Account password cannot be null, empty, or blank.",
            ));
        }
        None => None,
    };
    let status = status_of(&body)?;
    if record.account.id.as_str() == caller.key.account_id
        && status.is_some_and(|s| s != AccountStatus::Enabled)
    {
        return Err(own_account(4002, "disabled"));
    }
    let password_changed = password.is_some();
    let changes = AccountChanges {
        username: set_only(&body, "username", "username")?,
        email: set_only(&body, "email", "email address")?,
        password,
        given_name: body.text("givenName")?,
        middle_name: body.text("middleName")?,
        surname: body.text("surname")?,
        status,
        email_verification_status: verification_of(&body)?,
        custom_data: custom_data::embedded(&body)?,
    };
    let record = state
        .store
        .update_account_record(record.account.id.as_str(), changes)
        .await
        .map_err(account_error)?;
    if password_changed {
        // The owner hears of it (the directory's `resetSuccessEmailStatus` governs this
        // notice, as after a reset); a notice that cannot be sent does not undo the change.
        let dir = load_directory(&state, &record.directory_id).await?;
        if dir.policies.reset_success_email_status == "ENABLED"
            && let Err(err) = crate::scope::with_mail(&state.store, &dir)
                .mail_notice(
                    &record.account,
                    stormpath_client::EmailKind::PasswordChanged,
                )
                .await
        {
            tracing::warn!(account = %record.account.href, error = %err, "password-changed notice not sent");
        }
    }
    Ok(ok(expand_account(&state, &record, &expand).await?))
}

async fn delete_account(
    state: Data,
    caller: Caller,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if *id == caller.key.account_id {
        return Err(own_account(4001, "deleted"));
    }
    // Memberships, API keys, tokens and custom data go with it.
    state
        .store
        .delete_account(&AccountId(id.into_inner()))
        .await?;
    Ok(no_content())
}

async fn provider_data(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let record = load_account(&state, &id).await?;
    let a = &record.account;
    let href = format!("{}/providerData", state.href("accounts", a.id.as_str()));
    let meta = stormpath_store::admin::Meta {
        id: a.id.as_str().to_owned(),
        created_at: a.created_at,
        modified_at: a.modified_at,
    };
    let mut map = resource(&href, &meta);
    map.insert("providerId".into(), json!("stormpath"));
    Ok(ok(Value::Object(map)))
}

/// The applications the account can log in to: those its directory is mapped to.
async fn account_applications(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let record = load_account(&state, &id).await?;
    let href = format!(
        "{}/applications",
        state.href("accounts", record.account.id.as_str())
    );
    super::structure::applications_page(&state, &params, href, Some(&record.directory_id)).await
}

async fn account_groups(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(GROUP_SEARCH)?;
    let expand = params.expand(GROUP_EXPANSIONS)?;
    let record = load_account(&state, &id).await?;
    let id = record.account.id.as_str();
    let href = format!("{}/groups", state.href("accounts", id));
    Ok(ok(groups::collection_json(
        &state,
        GroupsOf::Account(id),
        &href,
        &list,
        &expand,
    )
    .await?))
}

async fn account_memberships(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let record = load_account(&state, &id).await?;
    Ok(ok(groups::account_memberships(
        &state,
        record.account.id.as_str(),
        &params,
    )
    .await?))
}
