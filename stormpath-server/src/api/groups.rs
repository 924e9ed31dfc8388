//! Groups and group memberships (spec §5.6): groups live in a directory (their name unique
//! there); a membership joins an account and a group of the same directory.

use super::router::Router;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stormpath_store::admin::{
    CustomDataOwner, GroupRecord, GroupsOf, MembershipRecord, MembershipsOf, Patch,
};

use super::{
    accounts::{self, load_account},
    created, custom_data, no_content, ok,
    structure::{directory_json, load_application, load_directory, tenant_json},
};
use crate::{
    body::JsonObject,
    error::{ApiError, ApiResult},
    params::{Expand, Params},
    shape::{collection, link, resource},
    state::State,
};

type Data = web::Data<State>;

/// Searchable and sortable group attributes (spec §3.3).
pub(crate) const GROUP_SEARCH: &[&str] =
    &["name", "description", "status", "createdAt", "modifiedAt"];

/// What a group's `expand` may name.
pub(crate) const GROUP_EXPANSIONS: &[&str] = &["tenant", "directory", "accounts", "customData"];

/// What a membership's `expand` may name.
const MEMBERSHIP_EXPANSIONS: &[&str] = &["account", "group"];

pub(super) fn configure(cfg: &mut Router<'_>) {
    cfg.get("/applications/{id}/groups", application_groups)
        .post("/applications/{id}/groups", create_in_application)
        .get("/directories/{id}/groups", directory_groups)
        .post("/directories/{id}/groups", create_in_directory)
        .get("/tenants/{id}/groups", tenant_groups)
        .get("/groups/{id}", group)
        .post("/groups/{id}", update_group)
        .delete("/groups/{id}", delete_group)
        .get("/groups/{id}/accounts", group_accounts)
        .get("/groups/{id}/applications", group_applications)
        .get("/groups/{id}/accountMemberships", group_memberships)
        .post("/groupMemberships", create_membership)
        .get("/groupMemberships/{id}", membership)
        .delete("/groupMemberships/{id}", delete_membership);
}

// ---- JSON -----------------------------------------------------------------------------------

/// The JSON of a group (links unexpanded).
pub(crate) fn group_json(state: &State, g: &GroupRecord) -> Value {
    let href = state.href("groups", &g.meta.id);
    let mut map = resource(&href, &g.meta);
    map.insert("name".into(), json!(g.name));
    map.insert("description".into(), json!(g.description));
    map.insert("status".into(), json!(g.status));
    map.insert("customData".into(), link(format!("{href}/customData")));
    map.insert(
        "directory".into(),
        link(state.href("directories", &g.directory_id)),
    );
    map.insert("tenant".into(), link(state.tenant_href()));
    for sub in ["accounts", "accountMemberships", "applications"] {
        map.insert(sub.into(), link(format!("{href}/{sub}")));
    }
    Value::Object(map)
}

/// A group with the links `expand` names replaced by the resources.
pub(crate) async fn expand_group(
    state: &State,
    g: &GroupRecord,
    expand: &Expand,
) -> ApiResult<Value> {
    let mut value = group_json(state, g);
    if expand.has("tenant") {
        value["tenant"] = tenant_json(state);
    }
    if expand.has("directory") {
        value["directory"] = directory_json(state, &load_directory(state, &g.directory_id).await?);
    }
    if expand.has("customData") {
        value["customData"] =
            custom_data::expanded(state, CustomDataOwner::Group, &g.meta.id).await?;
    }
    if expand.has("accounts") {
        let href = format!("{}/accounts", state.href("groups", &g.meta.id));
        value["accounts"] = accounts::plain_collection(
            state,
            accounts::AccountsOf::Group(&g.meta.id),
            &href,
            &expand.page("accounts"),
        )
        .await?;
    }
    Ok(value)
}

/// A page of groups as a collection of unexpanded groups (what an expansion shows).
pub(crate) async fn plain_collection(
    state: &State,
    of: GroupsOf<'_>,
    href: &str,
    list: &stormpath_store::admin::ListQuery,
) -> ApiResult<Value> {
    let page = state.store.list_groups(of, list).await?;
    let items = page.items.iter().map(|g| group_json(state, g)).collect();
    Ok(collection(href, list, page.size, items))
}

/// A page of groups as a collection (items expanded as `expand` says).
pub(crate) async fn collection_json(
    state: &State,
    of: GroupsOf<'_>,
    href: &str,
    list: &stormpath_store::admin::ListQuery,
    expand: &Expand,
) -> ApiResult<Value> {
    let page = state.store.list_groups(of, list).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for g in &page.items {
        items.push(expand_group(state, g, expand).await?);
    }
    Ok(collection(href, list, page.size, items))
}

/// The JSON of a membership: `{href, account, group}` (spec §5.6: no timestamps).
pub(crate) fn membership_json(state: &State, m: &MembershipRecord) -> Value {
    json!({
        "href": state.href("groupMemberships", &m.id),
        "account": link(state.href("accounts", &m.account_id)),
        "group": link(state.href("groups", &m.group_id)),
    })
}

async fn expand_membership(
    state: &State,
    m: &MembershipRecord,
    expand: &Expand,
) -> ApiResult<Value> {
    let mut value = membership_json(state, m);
    if expand.has("account") {
        value["account"] =
            accounts::account_json(state, &load_account(state, &m.account_id).await?);
    }
    if expand.has("group") {
        value["group"] = group_json(state, &load_group(state, &m.group_id).await?);
    }
    Ok(value)
}

/// A page of memberships as a collection.
pub(crate) async fn memberships_json(
    state: &State,
    of: MembershipsOf<'_>,
    href: &str,
    list: &stormpath_store::admin::ListQuery,
    expand: &Expand,
) -> ApiResult<Value> {
    let page = state.store.list_memberships(of, list).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for m in &page.items {
        items.push(expand_membership(state, m, expand).await?);
    }
    Ok(collection(href, list, page.size, items))
}

// ---- handlers -------------------------------------------------------------------------------

/// The group `id`, or 404.
pub(crate) async fn load_group(state: &State, id: &str) -> ApiResult<GroupRecord> {
    state
        .store
        .group_record(id)
        .await?
        .ok_or_else(ApiError::not_found)
}

async fn list(
    state: &State,
    params: &Params,
    of: GroupsOf<'_>,
    href: String,
) -> ApiResult<HttpResponse> {
    let list = params.list(GROUP_SEARCH)?;
    let expand = params.expand(GROUP_EXPANSIONS)?;
    Ok(ok(collection_json(state, of, &href, &list, &expand).await?))
}

async fn application_groups(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let href = format!("{}/groups", state.href("applications", &app.meta.id));
    list(&state, &params, GroupsOf::Application(&app.meta.id), href).await
}

async fn directory_groups(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let dir = load_directory(&state, &id).await?;
    let href = format!("{}/groups", state.href("directories", &dir.meta.id));
    list(&state, &params, GroupsOf::Directory(&dir.meta.id), href).await
}

async fn tenant_groups(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    if *id != state.tenant.meta.id {
        return Err(ApiError::not_found());
    }
    let href = format!("{}/groups", state.tenant_href());
    list(&state, &params, GroupsOf::Tenant, href).await
}

/// Name, description and status of a body.
fn patch_of(body: &JsonObject) -> ApiResult<Patch> {
    Ok(Patch {
        name: body.string("name")?,
        description: body.text("description")?,
        status: body.string("status")?,
    })
}

/// Refuses read-only members on creation (spec: `href`, `createdAt` and the directory are
/// the server's to set).
fn refuse_read_only(body: &JsonObject) -> ApiResult<()> {
    for name in ["href", "createdAt", "modifiedAt", "directory", "tenant"] {
        if body.0.get(name).is_some_and(|v| !v.is_null()) {
            return Err(accounts::read_only(name));
        }
    }
    Ok(())
}

async fn create(
    state: &State,
    directory_id: &str,
    params: &Params,
    body: &JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(GROUP_EXPANSIONS)?;
    refuse_read_only(body)?;
    let patch = patch_of(body)?;
    let data = custom_data::embedded(body)?;
    let name = patch.name.clone().unwrap_or_default();
    let g = state
        .store
        .create_group(
            directory_id,
            &name,
            patch.description.flatten().as_deref(),
            patch.status.as_deref(),
        )
        .await?;
    if let Some(data) = data
        && let Err(err) = state
            .store
            .merge_resource_custom_data(CustomDataOwner::Group, &g.meta.id, data)
            .await
    {
        // Nothing half made: the group goes again.
        let _ = state.store.delete_group(&g.meta.id).await;
        return Err(err.into());
    }
    let g = load_group(state, &g.meta.id).await?;
    Ok(created(expand_group(state, &g, &expand).await?))
}

async fn create_in_directory(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let dir = load_directory(&state, &id).await?;
    create(&state, &dir.meta.id, &params, &body).await
}

async fn create_in_application(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let app = load_application(&state, &id).await?;
    let mapping = match &app.default_group_store_mapping {
        Some(m) => state.store.mapping_by_id(m).await?,
        None => None,
    };
    let Some(mapping) = mapping else {
        return Err(ApiError::bad_request(
            5102,
            "The application has no default group store: map a directory as its default \
             group store first.",
        ));
    };
    let dir = load_directory(&state, &mapping.directory_id).await?;
    if dir.status != "ENABLED" {
        return Err(ApiError::bad_request(
            5103,
            "The application's default group store is disabled.",
        ));
    }
    create(&state, &dir.meta.id, &params, &body).await
}

async fn group(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(GROUP_EXPANSIONS)?;
    let g = load_group(&state, &id).await?;
    Ok(ok(expand_group(&state, &g, &expand).await?))
}

async fn update_group(
    state: Data,
    id: web::Path<String>,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(GROUP_EXPANSIONS)?;
    let g = load_group(&state, &id).await?;
    let href = state.href("groups", &g.meta.id);
    accounts::check_unchanged(
        &body,
        &[
            ("href", href.as_str()),
            ("directory", &state.href("directories", &g.directory_id)),
            ("tenant", &state.tenant_href()),
        ],
        g.meta.created_at,
    )?;
    let patch = patch_of(&body)?;
    let data = custom_data::embedded(&body)?;
    if let Some(data) = &data {
        // The merged document must fit before anything is written.
        let mut merged = state
            .store
            .resource_custom_data(CustomDataOwner::Group, &g.meta.id)
            .await?
            .map(|d| d.data)
            .unwrap_or_default();
        merged.extend(data.clone());
        custom_data::check_size(&merged)?;
    }
    state.store.update_group(&g.meta.id, patch).await?;
    if let Some(data) = data {
        state
            .store
            .merge_resource_custom_data(CustomDataOwner::Group, &g.meta.id, data)
            .await?;
    }
    let g = load_group(&state, &g.meta.id).await?;
    Ok(ok(expand_group(&state, &g, &expand).await?))
}

async fn delete_group(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    state.store.delete_group(&id).await?;
    Ok(no_content())
}

/// The applications the group's directory is mapped to.
async fn group_applications(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let g = load_group(&state, &id).await?;
    let href = format!("{}/applications", state.href("groups", &g.meta.id));
    super::structure::applications_page(&state, &params, href, Some(&g.directory_id)).await
}

async fn group_accounts(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(accounts::ACCOUNT_SEARCH)?;
    let expand = params.expand(accounts::ACCOUNT_EXPANSIONS)?;
    let g = load_group(&state, &id).await?;
    let href = format!("{}/accounts", state.href("groups", &g.meta.id));
    Ok(ok(accounts::collection_json(
        &state,
        accounts::AccountsOf::Group(&g.meta.id),
        &href,
        &list,
        &expand,
    )
    .await?))
}

async fn group_memberships(
    state: Data,
    id: web::Path<String>,
    params: Params,
) -> ApiResult<HttpResponse> {
    let list = params.list(&[])?;
    let expand = params.expand(MEMBERSHIP_EXPANSIONS)?;
    let g = load_group(&state, &id).await?;
    let href = format!("{}/accountMemberships", state.href("groups", &g.meta.id));
    Ok(ok(memberships_json(
        &state,
        MembershipsOf::Group(&g.meta.id),
        &href,
        &list,
        &expand,
    )
    .await?))
}

/// The account's memberships (`{acct}/groupMemberships`).
pub(crate) async fn account_memberships(
    state: &State,
    account_id: &str,
    params: &Params,
) -> ApiResult<Value> {
    let list = params.list(&[])?;
    let expand = params.expand(MEMBERSHIP_EXPANSIONS)?;
    let href = format!("{}/groupMemberships", state.href("accounts", account_id));
    memberships_json(
        state,
        MembershipsOf::Account(account_id),
        &href,
        &list,
        &expand,
    )
    .await
}

/// The id in one of our hrefs of `collection`, taken from a link member.
fn linked_id<'a>(state: &State, collection: &str, name: &str, href: &'a str) -> ApiResult<&'a str> {
    state.id_of(collection, href).ok_or_else(|| {
        ApiError::bad_request(
            2002,
            format!("{name}.href must be the href of one of this server's {collection}."),
        )
    })
}

async fn create_membership(
    state: Data,
    params: Params,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let expand = params.expand(MEMBERSHIP_EXPANSIONS)?;
    if body.0.get("href").is_some_and(|v| !v.is_null()) {
        return Err(accounts::read_only("href"));
    }
    let account = body
        .link("account")?
        .ok_or_else(|| ApiError::bad_request(2000, "account is required."))?;
    let group = body
        .link("group")?
        .ok_or_else(|| ApiError::bad_request(2000, "group is required."))?;
    let account = linked_id(&state, "accounts", "account", &account)?;
    let group = linked_id(&state, "groups", "group", &group)?;
    let m = state
        .store
        .create_membership(account, group)
        .await
        .map_err(|e| match e {
            // A link to nothing: an invalid reference.
            stormpath_client::Error::Validation(v) if v.field.is_some() => {
                ApiError::bad_request(2014, v.message)
            }
            e => e.into(),
        })?;
    Ok(created(expand_membership(&state, &m, &expand).await?))
}

async fn membership(state: Data, id: web::Path<String>, params: Params) -> ApiResult<HttpResponse> {
    let expand = params.expand(MEMBERSHIP_EXPANSIONS)?;
    let m = state
        .store
        .membership_record(&id)
        .await?
        .ok_or_else(ApiError::not_found)?;
    Ok(ok(expand_membership(&state, &m, &expand).await?))
}

async fn delete_membership(state: Data, id: web::Path<String>) -> ApiResult<HttpResponse> {
    state.store.delete_membership_record(&id).await?;
    Ok(no_content())
}
