//! The tenant, applications, directories with their policies and providers, account store
//! mappings and OAuth policies (spec §5.1–5.4, §5.9).

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use stormpath_client::PasswordStrength;
use stormpath_store::admin::{
    AccountsOf, Application, CustomDataOwner, Directory, GroupsOf, Mapping, OAuthPolicy, Patch,
    Policies,
};

use super::{accounts, created, custom_data, groups, no_content, ok, read_only};
use crate::{
    body::JsonObject,
    duration,
    error::{ApiError, ApiResult},
    params::{Expand, Params},
    shape::{collection, link, resource},
    state::State,
};

type Data = web::Data<State>;

const SEARCHABLE: &[&str] = &["name", "description", "status", "createdAt", "modifiedAt"];

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get("/tenants/current", current_tenant)
        .get("/tenants/{id}", tenant)
        .get("/tenants/{id}/applications", tenant_applications)
        .get("/tenants/{id}/directories", tenant_directories)
        .post("/applications", create_application)
        .get("/applications", tenant_applications_root)
        .get("/applications/{id}", application)
        .post("/applications/{id}", update_application)
        .delete("/applications/{id}", delete_application)
        .get(
            "/applications/{id}/accountStoreMappings",
            application_mappings,
        )
        .get("/oAuthPolicies/{id}", oauth_policy)
        .post("/oAuthPolicies/{id}", update_oauth_policy)
        .post("/accountStoreMappings", create_mapping)
        .get("/accountStoreMappings/{id}", mapping)
        .post("/accountStoreMappings/{id}", update_mapping)
        .delete("/accountStoreMappings/{id}", delete_mapping)
        .post("/directories", create_directory)
        .get("/directories", tenant_directories_root)
        .get("/directories/{id}", directory)
        .post("/directories/{id}", update_directory)
        .delete("/directories/{id}", delete_directory)
        .get("/directories/{id}/provider", provider)
        .get("/directories/{id}/applications", directory_applications)
        .get(
            "/directories/{id}/applicationMappings",
            directory_application_mappings,
        )
        .get("/passwordPolicies/{id}", password_policy)
        .post("/passwordPolicies/{id}", update_password_policy)
        .get("/passwordPolicies/{id}/strength", strength)
        .post("/passwordPolicies/{id}/strength", update_strength)
        .get("/accountCreationPolicies/{id}", creation_policy)
        .post("/accountCreationPolicies/{id}", update_creation_policy)
        .get("/schemas/{id}", schema)
        .get("/schemas/{id}/fields", schema_fields);
}

// ---- tenant ---------------------------------------------------------------------------------

async fn current_tenant(state: Data) -> HttpResponse {
    HttpResponse::Found()
        .insert_header(("Location", state.tenant_href()))
        .insert_header(("Expires", "0"))
        .insert_header((
            "Cache-Control",
            "no-cache, no-store, must-revalidate, max-age=0, proxy-revalidate, no-transform",
        ))
        .insert_header(("Pragma", "no-cache"))
        .finish()
}

fn check_tenant(state: &State, id: &str) -> ApiResult<()> {
    if id == state.tenant.meta.id {
        Ok(())
    } else {
        Err(ApiError::not_found())
    }
}

/// The JSON of the tenant.
pub(crate) fn tenant_json(state: &State) -> Value {
    let href = state.tenant_href();
    let mut map = resource(&href, &state.tenant.meta);
    map.insert("name".into(), json!(state.tenant.name));
    map.insert("key".into(), json!(state.tenant.key));
    for sub in [
        "customData",
        "applications",
        "directories",
        "accounts",
        "groups",
    ]
    .iter()
    .chain(super::unoffered::TENANT)
    {
        map.insert((*sub).into(), link(format!("{href}/{sub}")));
    }
    Value::Object(map)
}

/// What a tenant expands (its collections one page each, unexpanded items).
const TENANT_EXPANSIONS: &[&str] = &[
    "customData",
    "applications",
    "directories",
    "accounts",
    "groups",
];

async fn tenant(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(TENANT_EXPANSIONS)?;
    check_tenant(&state, &id)?;
    let mut value = tenant_json(&state);
    let href = state.tenant_href();
    if expand.has("customData") {
        value["customData"] =
            custom_data::expanded(&state, CustomDataOwner::Tenant, &state.tenant.meta.id).await?;
    }
    if expand.has("applications") {
        let list = expand.page("applications");
        let page = state.store.list_applications(&list).await?;
        let items = page
            .items
            .iter()
            .map(|a| application_json(&state, a))
            .collect();
        value["applications"] =
            collection(&format!("{href}/applications"), &list, page.size, items);
    }
    if expand.has("directories") {
        let list = expand.page("directories");
        let page = state.store.list_directories(&list).await?;
        let items = page
            .items
            .iter()
            .map(|d| directory_json(&state, d))
            .collect();
        value["directories"] = collection(&format!("{href}/directories"), &list, page.size, items);
    }
    if expand.has("accounts") {
        value["accounts"] = accounts::plain_collection(
            &state,
            AccountsOf::Tenant,
            &format!("{href}/accounts"),
            &expand.page("accounts"),
        )
        .await?;
    }
    if expand.has("groups") {
        value["groups"] = groups::plain_collection(
            &state,
            GroupsOf::Tenant,
            &format!("{href}/groups"),
            &expand.page("groups"),
        )
        .await?;
    }
    Ok(ok(value))
}

async fn tenant_applications(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    check_tenant(&state, &id)?;
    list_applications(
        &state,
        &params,
        format!("{}/applications", state.tenant_href()),
    )
    .await
}

async fn tenant_applications_root(state: Data, params: Params) -> ApiResult<HttpResponse> {
    list_applications(&state, &params, format!("{}/applications", state.base)).await
}

async fn list_applications(
    state: &State,
    params: &Params,
    href: String,
) -> ApiResult<HttpResponse> {
    applications_page(state, params, href, None).await
}

/// A page of applications: all of them, or those `directory` is mapped to.
pub(crate) async fn applications_page(
    state: &State,
    params: &Params,
    href: String,
    directory: Option<&str>,
) -> ApiResult<HttpResponse> {
    let list = params.list(SEARCHABLE)?;
    let expand = params.expand(APPLICATION_EXPANSIONS)?;
    let page = match directory {
        Some(dir) => {
            state
                .store
                .list_applications_of_directory(dir, &list)
                .await?
        }
        None => state.store.list_applications(&list).await?,
    };
    let mut items = Vec::with_capacity(page.items.len());
    for a in &page.items {
        items.push(expand_application(state, a, &expand).await?);
    }
    Ok(ok(collection(&href, &list, page.size, items)))
}

async fn tenant_directories(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    check_tenant(&state, &id)?;
    list_directories(
        &state,
        &params,
        format!("{}/directories", state.tenant_href()),
    )
    .await
}

async fn tenant_directories_root(state: Data, params: Params) -> ApiResult<HttpResponse> {
    list_directories(&state, &params, format!("{}/directories", state.base)).await
}

async fn list_directories(state: &State, params: &Params, href: String) -> ApiResult<HttpResponse> {
    let list = params.list(SEARCHABLE)?;
    let expand = params.expand(DIRECTORY_EXPANSIONS)?;
    let page = state.store.list_directories(&list).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for d in &page.items {
        items.push(expand_directory(state, d, &expand).await?);
    }
    Ok(ok(collection(&href, &list, page.size, items)))
}

// ---- applications ---------------------------------------------------------------------------

/// The JSON of an application.
pub(crate) fn application_json(state: &State, app: &Application) -> Value {
    let href = state.href("applications", &app.meta.id);
    let mut map = resource(&href, &app.meta);
    map.insert("name".into(), json!(app.name));
    map.insert("description".into(), json!(app.description));
    map.insert("status".into(), json!(app.status));
    map.insert("tenant".into(), link(state.tenant_href()));
    let mapping = |id: &Option<String>| {
        id.as_ref().map_or(Value::Null, |id| {
            link(state.href("accountStoreMappings", id))
        })
    };
    map.insert(
        "defaultAccountStoreMapping".into(),
        mapping(&app.default_account_store_mapping),
    );
    map.insert(
        "defaultGroupStoreMapping".into(),
        mapping(&app.default_group_store_mapping),
    );
    map.insert("customData".into(), link(format!("{href}/customData")));
    map.insert(
        "oAuthPolicy".into(),
        link(state.href("oAuthPolicies", &app.meta.id)),
    );
    for sub in [
        "accounts",
        "groups",
        "accountStoreMappings",
        "loginAttempts",
        "passwordResetTokens",
        "apiKeys",
        "verificationEmails",
        "authTokens",
    ] {
        map.insert(sub.into(), link(format!("{href}/{sub}")));
    }
    map.insert(
        "samlPolicy".into(),
        link(state.href("samlPolicies", &app.meta.id)),
    );
    map.insert(
        "accountLinkingPolicy".into(),
        link(state.href("accountLinkingPolicies", &app.meta.id)),
    );
    map.insert("authorizedCallbackUris".into(), json!([]));
    Value::Object(map)
}

/// The application `id`, or 404.
pub(crate) async fn load_application(state: &State, id: &str) -> ApiResult<Application> {
    state
        .store
        .application_by_id(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

const APPLICATION_EXPANSIONS: &[&str] = &["tenant", "accounts", "groups", "customData"];

/// The JSON of an application with the asked expansions.
async fn expand_application(state: &State, app: &Application, expand: &Expand) -> ApiResult<Value> {
    let mut value = application_json(state, app);
    let href = state.href("applications", &app.meta.id);
    if expand.has("tenant") {
        value["tenant"] = tenant_json(state);
    }
    if expand.has("customData") {
        value["customData"] =
            custom_data::expanded(state, CustomDataOwner::Application, &app.meta.id).await?;
    }
    if expand.has("accounts") {
        value["accounts"] = accounts::plain_collection(
            state,
            AccountsOf::Application(&app.meta.id),
            &format!("{href}/accounts"),
            &expand.page("accounts"),
        )
        .await?;
    }
    if expand.has("groups") {
        value["groups"] = groups::plain_collection(
            state,
            GroupsOf::Application(&app.meta.id),
            &format!("{href}/groups"),
            &expand.page("groups"),
        )
        .await?;
    }
    Ok(value)
}

async fn application(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(APPLICATION_EXPANSIONS)?;
    let app = load_application(&state, &id).await?;
    Ok(ok(expand_application(&state, &app, &expand).await?))
}

/// The members of an application or directory a POST may set.
const WRITABLE: &[&str] = &["name", "description", "status"];

/// Name, description and status from a body (unknown members are ignored).
fn patch_of(body: &JsonObject) -> ApiResult<Patch> {
    Ok(Patch {
        name: body.string("name")?,
        description: body.text("description")?,
        status: body.string("status")?,
    })
}

async fn create_application(
    state: Data,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(APPLICATION_EXPANSIONS)?;
    read_only::on_create(&body, WRITABLE)?;
    let patch = patch_of(&body)?;
    let data = custom_data::embedded(&body)?;
    let name = patch.name.clone().ok_or_else(|| {
        ApiError::bad_request(
            2000,
            "Application name is required; it cannot be null, empty, or blank.",
        )
    })?;
    // `createDirectory=true` names the directory after the application; any other value is
    // its name.
    let directory_name = match params.get("createDirectory") {
        None => None,
        Some(v) if v.eq_ignore_ascii_case("false") => None,
        Some(v) if v.eq_ignore_ascii_case("true") => Some(format!("{name} Directory")),
        Some(v) => Some(v.to_owned()),
    };
    if let Some(dir) = &directory_name
        && state.store.directory_by_name(dir).await?.is_some()
    {
        return Err(ApiError::new(
            409,
            2001,
            "There is already another Directory with the same name.",
        ));
    }
    let app = state
        .store
        .create_application(
            &name,
            patch.description.flatten().as_deref(),
            patch.status.as_deref(),
        )
        .await?;
    let made = async {
        if let Some(data) = data {
            state
                .store
                .merge_resource_custom_data(CustomDataOwner::Application, &app.meta.id, data)
                .await?;
        }
        if let Some(dir) = directory_name {
            let directory = state.store.create_directory(&dir, None, None).await?;
            state
                .store
                .create_mapping(
                    &app.meta.id,
                    &directory.meta.id,
                    Some(0),
                    Some(true),
                    Some(true),
                )
                .await?;
        }
        Ok::<_, stormpath_client::Error>(())
    }
    .await;
    if let Err(e) = made {
        // Nothing half-made: the application goes again.
        let _ = state.store.delete_application(&app.meta.id).await;
        return Err(e.into());
    }
    let app = load_application(&state, &app.meta.id).await?;
    Ok(created(expand_application(&state, &app, &expand).await?))
}

async fn update_application(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(APPLICATION_EXPANSIONS)?;
    let app = load_application(&state, &id).await?;
    read_only::on_update(&body, &application_json(&state, &app), WRITABLE, &[])?;
    let patch = patch_of(&body)?;
    let data =
        fitting_custom_data(&state, CustomDataOwner::Application, &app.meta.id, &body).await?;
    let app = state
        .store
        .update_application(&app.meta.id, patch, None)
        .await?;
    if let Some(data) = data {
        state
            .store
            .merge_resource_custom_data(CustomDataOwner::Application, &app.meta.id, data)
            .await?;
    }
    Ok(ok(expand_application(&state, &app, &expand).await?))
}

/// The embedded customData of an update, once the merged document is known to fit.
async fn fitting_custom_data(
    state: &State,
    owner: CustomDataOwner,
    id: &str,
    body: &JsonObject,
) -> ApiResult<Option<stormpath_client::CustomData>> {
    let data = custom_data::embedded(body)?;
    if let Some(data) = &data {
        let mut merged = state
            .store
            .resource_custom_data(owner, id)
            .await?
            .map(|d| d.data)
            .unwrap_or_default();
        merged.extend(data.clone());
        custom_data::check_size(&merged)?;
    }
    Ok(data)
}

async fn delete_application(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    state.store.delete_application(&id).await?;
    Ok(no_content())
}

async fn application_mappings(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(&[])?;
    let expand = params.expand(MAPPING_EXPANSIONS)?;
    let app = load_application(&state, &id).await?;
    let all = state.store.list_mappings(&app.meta.id).await?;
    let href = format!(
        "{}/accountStoreMappings",
        state.href("applications", &app.meta.id)
    );
    mapping_page(&state, &all, &list, &expand, &href).await
}

/// One page of `all` mappings as the collection at `href`, each expanded as asked.
async fn mapping_page(
    state: &State,
    all: &[Mapping],
    list: &stormpath_store::admin::ListQuery,
    expand: &Expand,
    href: &str,
) -> ApiResult<HttpResponse> {
    let size = i64::try_from(all.len()).unwrap_or(i64::MAX);
    let mut items = Vec::new();
    for m in all
        .iter()
        .skip(usize::try_from(list.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(list.limit).unwrap_or(0))
    {
        items.push(expand_mapping(state, m, expand).await?);
    }
    Ok(ok(collection(href, list, size, items)))
}

// ---- OAuth policy ---------------------------------------------------------------------------

fn oauth_json(state: &State, app: &Application) -> Value {
    let href = state.href("oAuthPolicies", &app.meta.id);
    let mut map = resource(&href, &app.meta);
    map.insert(
        "accessTokenTtl".into(),
        json!(duration::format(app.oauth.access_token_ttl)),
    );
    map.insert(
        "refreshTokenTtl".into(),
        json!(duration::format(app.oauth.refresh_token_ttl)),
    );
    let app_href = state.href("applications", &app.meta.id);
    map.insert(
        "tokenEndpoint".into(),
        link(format!("{app_href}/oauth/token")),
    );
    map.insert("application".into(), link(app_href));
    map.insert("tenant".into(), link(state.tenant_href()));
    Value::Object(map)
}

async fn oauth_policy(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    Ok(ok(oauth_json(&state, &app)))
}

async fn update_oauth_policy(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    params.expand(&[])?;
    let app = load_application(&state, &id).await?;
    read_only::on_update(
        &body,
        &oauth_json(&state, &app),
        &["accessTokenTtl", "refreshTokenTtl"],
        &[],
    )?;
    let ttl = |name: &str, current: i64, min: i64| -> ApiResult<i64> {
        match body.string(name)? {
            None => Ok(current),
            Some(text) => duration::parse(&text).filter(|s| *s >= min).ok_or_else(|| {
                ApiError::bad_request(
                    2002,
                    format!("{name} must be an ISO-8601 duration such as PT1H."),
                )
            }),
        }
    };
    let oauth = OAuthPolicy {
        access_token_ttl: ttl("accessTokenTtl", app.oauth.access_token_ttl, 1)?,
        refresh_token_ttl: ttl("refreshTokenTtl", app.oauth.refresh_token_ttl, 0)?,
    };
    let app = state
        .store
        .update_application(&app.meta.id, Patch::default(), Some(oauth))
        .await?;
    Ok(ok(oauth_json(&state, &app)))
}

// ---- account store mappings -----------------------------------------------------------------

const MAPPING_EXPANSIONS: &[&str] = &["accountStore", "application"];
/// What a mapping update may set.
const MAPPING_WRITABLE: &[&str] = &["listIndex", "isDefaultAccountStore", "isDefaultGroupStore"];
/// What a mapping create may set.
const MAPPING_CREATE: &[&str] = &[
    "application",
    "accountStore",
    "listIndex",
    "isDefaultAccountStore",
    "isDefaultGroupStore",
];

fn mapping_json(state: &State, m: &Mapping) -> Map<String, Value> {
    let mut map = resource(&state.href("accountStoreMappings", &m.meta.id), &m.meta);
    map.insert("listIndex".into(), json!(m.list_index));
    map.insert(
        "isDefaultAccountStore".into(),
        json!(m.is_default_account_store),
    );
    map.insert(
        "isDefaultGroupStore".into(),
        json!(m.is_default_group_store),
    );
    map.insert(
        "application".into(),
        link(state.href("applications", &m.application_id)),
    );
    map.insert(
        "accountStore".into(),
        link(state.href("directories", &m.directory_id)),
    );
    map
}

async fn expand_mapping(state: &State, m: &Mapping, expand: &Expand) -> ApiResult<Value> {
    let mut map = mapping_json(state, m);
    if expand.has("accountStore")
        && let Some(d) = state.store.directory_by_id(&m.directory_id).await?
    {
        map.insert("accountStore".into(), directory_json(state, &d));
    }
    if expand.has("application")
        && let Some(a) = state.store.application_by_id(&m.application_id).await?
    {
        map.insert("application".into(), application_json(state, &a));
    }
    Ok(Value::Object(map))
}

async fn create_mapping(state: Data, params: Params, body: JsonObject) -> ApiResult<HttpResponse> {
    let expand = params.expand(MAPPING_EXPANSIONS)?;
    read_only::on_create(&body, MAPPING_CREATE)?;
    let app_href = body
        .link("application")?
        .ok_or_else(|| ApiError::bad_request(2000, "application is required."))?;
    let store_href = body
        .link("accountStore")?
        .ok_or_else(|| ApiError::bad_request(2000, "accountStore is required."))?;
    let app = state.id_of("applications", &app_href).ok_or_else(|| {
        ApiError::bad_request(2002, "application href is not a valid application href.")
    })?;
    let dir = state.id_of("directories", &store_href).ok_or_else(|| {
        ApiError::bad_request(
            2002,
            "accountStore href must be a directory href of this server.",
        )
    })?;
    let m = state
        .store
        .create_mapping(
            app,
            dir,
            body.integer("listIndex")?,
            body.boolean("isDefaultAccountStore")?,
            body.boolean("isDefaultGroupStore")?,
        )
        .await
        .map_err(|e| match e {
            stormpath_client::Error::Conflict { message, .. } => ApiError::new(409, 5104, message),
            e => e.into(),
        })?;
    Ok(created(expand_mapping(&state, &m, &expand).await?))
}

async fn mapping(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(MAPPING_EXPANSIONS)?;
    let m = state
        .store
        .mapping_by_id(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(expand_mapping(&state, &m, &expand).await?))
}

async fn update_mapping(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(MAPPING_EXPANSIONS)?;
    let m = state
        .store
        .mapping_by_id(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    read_only::on_update(
        &body,
        &Value::Object(mapping_json(&state, &m)),
        MAPPING_WRITABLE,
        &[],
    )?;
    let m = state
        .store
        .update_mapping(
            &m.meta.id,
            body.integer("listIndex")?,
            body.boolean("isDefaultAccountStore")?,
            body.boolean("isDefaultGroupStore")?,
        )
        .await?;
    Ok(ok(expand_mapping(&state, &m, &expand).await?))
}

async fn delete_mapping(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    state.store.delete_mapping(&id).await?;
    Ok(no_content())
}

// ---- directories ----------------------------------------------------------------------------

const DIRECTORY_EXPANSIONS: &[&str] = &[
    "provider",
    "passwordPolicy",
    "accountCreationPolicy",
    "tenant",
    "customData",
    "accounts",
    "groups",
];

/// The JSON of a directory.
pub(crate) fn directory_json(state: &State, d: &Directory) -> Value {
    let href = state.href("directories", &d.meta.id);
    let mut map = resource(&href, &d.meta);
    map.insert("name".into(), json!(d.name));
    map.insert("description".into(), json!(d.description));
    map.insert("status".into(), json!(d.status));
    map.insert("tenant".into(), link(state.tenant_href()));
    map.insert("provider".into(), link(format!("{href}/provider")));
    map.insert("customData".into(), link(format!("{href}/customData")));
    map.insert(
        "passwordPolicy".into(),
        link(state.href("passwordPolicies", &d.meta.id)),
    );
    map.insert(
        "accountCreationPolicy".into(),
        link(state.href("accountCreationPolicies", &d.meta.id)),
    );
    map.insert(
        "accountSchema".into(),
        link(state.href("schemas", &d.meta.id)),
    );
    for sub in ["accounts", "groups", "applications", "applicationMappings"]
        .iter()
        .chain(super::unoffered::DIRECTORY)
    {
        map.insert((*sub).into(), link(format!("{href}/{sub}")));
    }
    Value::Object(map)
}

async fn expand_directory(state: &State, d: &Directory, expand: &Expand) -> ApiResult<Value> {
    let mut value = directory_json(state, d);
    if expand.has("provider") {
        value["provider"] = provider_json(state, d);
    }
    if expand.has("passwordPolicy") {
        value["passwordPolicy"] = password_policy_json(state, d);
    }
    if expand.has("accountCreationPolicy") {
        value["accountCreationPolicy"] = creation_policy_json(state, d);
    }
    if expand.has("tenant") {
        value["tenant"] = tenant_json(state);
    }
    if expand.has("customData") {
        value["customData"] =
            custom_data::expanded(state, CustomDataOwner::Directory, &d.meta.id).await?;
    }
    let href = state.href("directories", &d.meta.id);
    if expand.has("accounts") {
        value["accounts"] = accounts::plain_collection(
            state,
            AccountsOf::Directory(&d.meta.id),
            &format!("{href}/accounts"),
            &expand.page("accounts"),
        )
        .await?;
    }
    if expand.has("groups") {
        value["groups"] = groups::plain_collection(
            state,
            GroupsOf::Directory(&d.meta.id),
            &format!("{href}/groups"),
            &expand.page("groups"),
        )
        .await?;
    }
    Ok(value)
}

/// The directory `id`, or 404.
pub(crate) async fn load_directory(state: &State, id: &str) -> ApiResult<Directory> {
    state
        .store
        .directory_by_id(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

async fn directory(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(DIRECTORY_EXPANSIONS)?;
    let d = load_directory(&state, &id).await?;
    Ok(ok(expand_directory(&state, &d, &expand).await?))
}

async fn create_directory(
    state: Data,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(DIRECTORY_EXPANSIONS)?;
    read_only::on_create(&body, WRITABLE)?;
    let patch = patch_of(&body)?;
    let data = custom_data::embedded(&body)?;
    let name = patch.name.clone().ok_or_else(|| {
        ApiError::bad_request(
            2000,
            "Directory name is required; it cannot be null, empty, or blank.",
        )
    })?;
    let d = state
        .store
        .create_directory(
            &name,
            patch.description.flatten().as_deref(),
            patch.status.as_deref(),
        )
        .await?;
    if let Some(data) = data
        && let Err(err) = state
            .store
            .merge_resource_custom_data(CustomDataOwner::Directory, &d.meta.id, data)
            .await
    {
        // Nothing half-made: the directory goes again.
        let _ = state.store.delete_directory(&d.meta.id).await;
        return Err(err.into());
    }
    Ok(created(expand_directory(&state, &d, &expand).await?))
}

async fn update_directory(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(DIRECTORY_EXPANSIONS)?;
    let d = load_directory(&state, &id).await?;
    read_only::on_update(&body, &directory_json(&state, &d), WRITABLE, &[])?;
    let patch = patch_of(&body)?;
    if d.meta.id == state.admin_directory_id
        && patch.name.as_deref().is_some_and(|n| n.trim() != d.name)
    {
        return Err(ApiError::new(
            403,
            403,
            "The Stormpath Administrators directory cannot be renamed.",
        )
        .developer(
            "The Stormpath Administrators directory cannot be renamed: its accounts' API keys \
             are the tenant's keys.",
        ));
    }
    let data = fitting_custom_data(&state, CustomDataOwner::Directory, &d.meta.id, &body).await?;
    let d = state
        .store
        .update_directory(&d.meta.id, patch, None, None)
        .await?;
    if let Some(data) = data {
        state
            .store
            .merge_resource_custom_data(CustomDataOwner::Directory, &d.meta.id, data)
            .await?;
    }
    Ok(ok(expand_directory(&state, &d, &expand).await?))
}

async fn delete_directory(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    state
        .store
        .delete_directory(&id)
        .await
        .map_err(|e| match e {
            stormpath_client::Error::Validation(v) => ApiError::new(403, 403, v.message),
            e => e.into(),
        })?;
    Ok(no_content())
}

/// The applications the directory is mapped to.
async fn directory_applications(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    let href = format!("{}/applications", state.href("directories", &d.meta.id));
    applications_page(&state, &params, href, Some(&d.meta.id)).await
}

/// The account store mappings that map the directory (to any application).
async fn directory_application_mappings(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(&[])?;
    let expand = params.expand(MAPPING_EXPANSIONS)?;
    let d = load_directory(&state, &id).await?;
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let page = state
            .store
            .list_applications_of_directory(
                &d.meta.id,
                &stormpath_store::admin::ListQuery {
                    offset,
                    limit: crate::params::MAX_LIMIT,
                    ..stormpath_store::admin::ListQuery::default()
                },
            )
            .await?;
        for app in &page.items {
            all.extend(
                state
                    .store
                    .list_mappings(&app.meta.id)
                    .await?
                    .into_iter()
                    .filter(|m| m.directory_id == d.meta.id),
            );
        }
        offset += crate::params::MAX_LIMIT;
        if page.items.is_empty() || offset >= page.size {
            break;
        }
    }
    let href = format!(
        "{}/applicationMappings",
        state.href("directories", &d.meta.id)
    );
    mapping_page(&state, &all, &list, &expand, &href).await
}

fn provider_json(state: &State, d: &Directory) -> Value {
    let href = format!("{}/provider", state.href("directories", &d.meta.id));
    let mut map = resource(&href, &d.meta);
    map.insert("providerId".into(), json!("stormpath"));
    Value::Object(map)
}

async fn provider(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    Ok(ok(provider_json(&state, &d)))
}

// ---- policies -------------------------------------------------------------------------------

fn password_policy_json(state: &State, d: &Directory) -> Value {
    let href = state.href("passwordPolicies", &d.meta.id);
    let mut map = resource(&href, &d.meta);
    map.insert("resetTokenTtl".into(), json!(d.policies.reset_token_ttl));
    map.insert(
        "resetEmailStatus".into(),
        json!(d.policies.reset_email_status),
    );
    map.insert(
        "resetSuccessEmailStatus".into(),
        json!(d.policies.reset_success_email_status),
    );
    map.insert("strength".into(), link(format!("{href}/strength")));
    for sub in ["resetEmailTemplates"]
        .iter()
        .chain(super::unoffered::PASSWORD_POLICY)
    {
        map.insert((*sub).into(), link(format!("{href}/{sub}")));
    }
    Value::Object(map)
}

fn strength_json(state: &State, d: &Directory) -> Value {
    let href = format!("{}/strength", state.href("passwordPolicies", &d.meta.id));
    let mut map = resource(&href, &d.meta);
    if let Ok(Value::Object(fields)) = serde_json::to_value(d.strength) {
        map.extend(fields);
    }
    map.insert("preventReuse".into(), json!(0));
    Value::Object(map)
}

fn creation_policy_json(state: &State, d: &Directory) -> Value {
    let href = state.href("accountCreationPolicies", &d.meta.id);
    let mut map = resource(&href, &d.meta);
    let p = &d.policies;
    map.insert(
        "verificationEmailStatus".into(),
        json!(p.verification_email_status),
    );
    map.insert(
        "verificationSuccessEmailStatus".into(),
        json!(p.verification_success_email_status),
    );
    map.insert("welcomeEmailStatus".into(), json!(p.welcome_email_status));
    for sub in ["verificationEmailTemplates"]
        .iter()
        .chain(super::unoffered::CREATION_POLICY)
    {
        map.insert((*sub).into(), link(format!("{href}/{sub}")));
    }
    map.insert(
        "emailDomainWhitelist".into(),
        json!(p.email_domain_whitelist),
    );
    map.insert(
        "emailDomainBlacklist".into(),
        json!(p.email_domain_blacklist),
    );
    Value::Object(map)
}

async fn password_policy(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    Ok(ok(password_policy_json(&state, &d)))
}

async fn strength(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    Ok(ok(strength_json(&state, &d)))
}

async fn creation_policy(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    Ok(ok(creation_policy_json(&state, &d)))
}

/// An `ENABLED`/`DISABLED` member.
fn email_status(body: &JsonObject, name: &str, current: &str) -> ApiResult<String> {
    match body.string(name)? {
        None => Ok(current.to_owned()),
        Some(v) if v.eq_ignore_ascii_case("enabled") || v.eq_ignore_ascii_case("disabled") => {
            Ok(v.to_uppercase())
        }
        Some(v) => Err(ApiError::bad_request(
            2002,
            format!("'{v}' is not a valid {name}: use ENABLED or DISABLED."),
        )),
    }
}

/// The most domain patterns a list holds.
const MAX_DOMAINS: usize = 100;

/// An email domain list (`emailDomainWhitelist`/`Blacklist`): domain patterns such as
/// `example.com` or `*.example.com`, kept lower-case.
fn domains(body: &JsonObject, name: &str, current: &[String]) -> ApiResult<Vec<String>> {
    let bad = || {
        ApiError::bad_request(
            2002,
            format!(
                "{name} must be an array of at most {MAX_DOMAINS} email domains such as \
                 example.com or *.example.com."
            ),
        )
    };
    match body.0.get(name) {
        None => Ok(current.to_vec()),
        Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) if items.len() <= MAX_DOMAINS => items
            .iter()
            .map(|item| {
                let text = item.as_str().map(str::trim).ok_or_else(bad)?;
                let ok = !text.is_empty()
                    && text.len() <= 255
                    && text
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*'));
                ok.then(|| text.to_ascii_lowercase()).ok_or_else(bad)
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// Whether `domain` matches `pattern` (`*` matches any run of characters).
pub(crate) fn domain_matches(pattern: &str, domain: &str) -> bool {
    let domain = domain.to_ascii_lowercase();
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return false;
    };
    let Some(mut rest) = domain.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

async fn update_password_policy(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    params.expand(&[])?;
    let d = load_directory(&state, &id).await?;
    read_only::on_update(
        &body,
        &password_policy_json(&state, &d),
        &[
            "resetTokenTtl",
            "resetEmailStatus",
            "resetSuccessEmailStatus",
        ],
        &[],
    )?;
    let policies = Policies {
        reset_token_ttl: body
            .integer("resetTokenTtl")?
            .unwrap_or(d.policies.reset_token_ttl),
        reset_email_status: email_status(
            &body,
            "resetEmailStatus",
            &d.policies.reset_email_status,
        )?,
        reset_success_email_status: email_status(
            &body,
            "resetSuccessEmailStatus",
            &d.policies.reset_success_email_status,
        )?,
        ..d.policies.clone()
    };
    let d = state
        .store
        .update_directory(&d.meta.id, Patch::default(), None, Some(policies))
        .await
        .map_err(|e| match e {
            stormpath_client::Error::Validation(v) => ApiError::bad_request(2011, v.message),
            e => e.into(),
        })?;
    Ok(ok(password_policy_json(&state, &d)))
}

async fn update_creation_policy(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    params.expand(&[])?;
    let d = load_directory(&state, &id).await?;
    read_only::on_update(
        &body,
        &creation_policy_json(&state, &d),
        &[
            "verificationEmailStatus",
            "verificationSuccessEmailStatus",
            "welcomeEmailStatus",
            "emailDomainWhitelist",
            "emailDomainBlacklist",
        ],
        &[],
    )?;
    let p = &d.policies;
    let policies = Policies {
        verification_email_status: email_status(
            &body,
            "verificationEmailStatus",
            &p.verification_email_status,
        )?,
        verification_success_email_status: email_status(
            &body,
            "verificationSuccessEmailStatus",
            &p.verification_success_email_status,
        )?,
        welcome_email_status: email_status(&body, "welcomeEmailStatus", &p.welcome_email_status)?,
        email_domain_whitelist: domains(&body, "emailDomainWhitelist", &p.email_domain_whitelist)?,
        email_domain_blacklist: domains(&body, "emailDomainBlacklist", &p.email_domain_blacklist)?,
        ..p.clone()
    };
    let d = state
        .store
        .update_directory(&d.meta.id, Patch::default(), None, Some(policies))
        .await?;
    Ok(ok(creation_policy_json(&state, &d)))
}

async fn update_strength(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    params.expand(&[])?;
    let d = load_directory(&state, &id).await?;
    read_only::on_update(
        &body,
        &strength_json(&state, &d),
        &[
            "minLength",
            "maxLength",
            "minLowerCase",
            "minUpperCase",
            "minNumeric",
            "minSymbol",
            "minDiacritic",
        ],
        &["preventReuse"],
    )?;
    let s = d.strength;
    let num = |name: &str, current: u32| -> ApiResult<u32> {
        match body.integer(name)? {
            None => Ok(current),
            Some(n) => u32::try_from(n)
                .map_err(|_| ApiError::bad_request(2009, format!("{name} must not be negative."))),
        }
    };
    let strength = PasswordStrength {
        min_length: num("minLength", s.min_length)?,
        max_length: num("maxLength", s.max_length)?,
        min_lower_case: num("minLowerCase", s.min_lower_case)?,
        min_upper_case: num("minUpperCase", s.min_upper_case)?,
        min_numeric: num("minNumeric", s.min_numeric)?,
        min_symbol: num("minSymbol", s.min_symbol)?,
        min_diacritic: num("minDiacritic", s.min_diacritic)?,
    };
    let d = state
        .store
        .update_directory(&d.meta.id, Patch::default(), Some(strength), None)
        .await
        .map_err(|e| match e {
            stormpath_client::Error::Validation(v) => ApiError::bad_request(2011, v.message),
            e => e.into(),
        })?;
    Ok(ok(strength_json(&state, &d)))
}

// ---- account schema -------------------------------------------------------------------------

async fn schema(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let d = load_directory(&state, &id).await?;
    let href = state.href("schemas", &d.meta.id);
    let mut map = resource(&href, &d.meta);
    map.insert("fields".into(), link(format!("{href}/fields")));
    map.insert(
        "directory".into(),
        link(state.href("directories", &d.meta.id)),
    );
    Ok(ok(Value::Object(map)))
}

async fn schema_fields(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(&[])?;
    let d = load_directory(&state, &id).await?;
    let schema = state.href("schemas", &d.meta.id);
    let items: Vec<Value> = ["givenName", "surname"]
        .iter()
        .map(|name| {
            let mut map = resource(&format!("{schema}/fields/{name}"), &d.meta);
            map.insert("name".into(), json!(name));
            map.insert("required".into(), json!(false));
            map.insert("schema".into(), link(schema.clone()));
            Value::Object(map)
        })
        .collect();
    Ok(ok(collection(&format!("{schema}/fields"), &list, 2, items)))
}
