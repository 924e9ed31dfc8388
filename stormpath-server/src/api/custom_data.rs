//! Custom data (spec §5.7) of tenants, applications, directories, groups and accounts:
//! `GET|POST|DELETE {resource}/customData`, `DELETE {resource}/customData/{field}`, and the
//! compare-and-swap extension the remote back end uses on accounts: `GET {acct}/customData`
//! sends `ETag: "<version>"`; `PUT {acct}/customData` with `If-Match: "<version>"` replaces the
//! whole document (200 and the new `ETag`) or answers 412 when the version moved; a `PUT`
//! without `If-Match` is 428.

use super::router::Router;
use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde_json::{Map, Value};
use stormpath_client::CustomData;
use stormpath_store::admin::{CustomDataDoc, CustomDataOwner};

use super::{no_content, ok};
use crate::{
    body::JsonObject,
    error::{ApiError, ApiResult},
    shape::ts,
    state::State,
};

type Data = web::Data<State>;

/// The largest custom-data document, in bytes of JSON (spec §5.7: 10 MB).
pub(crate) const MAX_CUSTOM_DATA: usize = 10 * 1024 * 1024;

/// Members every document has and no one writes.
const READ_ONLY: &[&str] = &["href", "createdAt", "modifiedAt"];

/// Names no member may have (spec §5.7).
const RESERVED: &[&str] = &[
    "href",
    "createdAt",
    "modifiedAt",
    "meta",
    "spMeta",
    "spmeta",
    "ionmeta",
    "ionMeta",
];

/// The collections whose resources have custom data, and what the store calls them.
const OWNERS: &[(&str, CustomDataOwner)] = &[
    ("tenants", CustomDataOwner::Tenant),
    ("applications", CustomDataOwner::Application),
    ("directories", CustomDataOwner::Directory),
    ("groups", CustomDataOwner::Group),
    ("accounts", CustomDataOwner::Account),
];

pub(super) fn configure(cfg: &mut Router<'_>) {
    for (collection, owner) in OWNERS {
        let owner = *owner;
        let path = format!("/{collection}/{{id}}/customData");
        cfg.get(&path, move |s: Data, id: web::Path<String>| {
            read(s, owner, id)
        })
        .post(
            &path,
            move |s: Data, id: web::Path<String>, b: JsonObject| merge(s, owner, id, b),
        )
        .delete(&path, move |s: Data, id: web::Path<String>| {
            clear(s, owner, id)
        })
        .delete(
            &format!("{path}/{{field}}"),
            move |s: Data, p: web::Path<(String, String)>| remove_field(s, owner, p),
        );
    }
    cfg.put("/accounts/{id}/customData", replace);
}

/// The href of a resource's custom data.
pub(crate) fn href_of(state: &State, owner: CustomDataOwner, id: &str) -> String {
    let collection = OWNERS
        .iter()
        .find(|(_, o)| *o == owner)
        .map_or("accounts", |(c, _)| *c);
    format!("{}/customData", state.href(collection, id))
}

/// The JSON of a custom-data document: `href`, `createdAt`, `modifiedAt` and the members.
pub(crate) fn doc_json(href: &str, doc: &CustomDataDoc) -> Value {
    let mut map = Map::new();
    map.insert("href".into(), Value::String(href.to_owned()));
    map.insert("createdAt".into(), ts(doc.created_at));
    map.insert("modifiedAt".into(), ts(doc.modified_at));
    for (k, v) in &doc.data {
        map.insert(k.clone(), v.clone());
    }
    Value::Object(map)
}

/// A resource's custom data as JSON (`expand=customData`), or 404.
pub(crate) async fn expanded(state: &State, owner: CustomDataOwner, id: &str) -> ApiResult<Value> {
    let doc = load(state, owner, id).await?;
    Ok(doc_json(&href_of(state, owner, id), &doc))
}

/// Checks member names (spec §5.7): 1–255 characters of `[0-9A-Za-z_-]`, not starting with
/// `-`, not a reserved name.
///
/// # Errors
/// 400 with 3000 (empty), 3001 (too long), 3002 (bad characters), 3003 (reserved).
pub(crate) fn check_names(data: &CustomData) -> ApiResult<()> {
    for name in data.keys() {
        if name.is_empty() {
            return Err(ApiError::bad_request(
                3000,
                "Custom data field names cannot be null, empty, or blank.",
            ));
        }
        if name.chars().count() > 255 {
            return Err(ApiError::bad_request(
                3001,
                "Custom data field names must be at most 255 characters long.",
            ));
        }
        if name.starts_with('-')
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(ApiError::bad_request(
                3002,
                format!(
                    "Custom data field name '{name}' is invalid: use letters, digits, '_' and \
                     '-', not starting with '-'."
                ),
            ));
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(ApiError::bad_request(
                3003,
                format!("Custom data field name '{name}' is reserved."),
            ));
        }
    }
    Ok(())
}

/// Checks the size of a whole document (spec §5.7: 10 MB).
///
/// # Errors
/// 400/3004 when it is larger.
pub(crate) fn check_size(data: &CustomData) -> ApiResult<()> {
    let len = serde_json::to_string(data).map_or(usize::MAX, |t| t.len());
    if len > MAX_CUSTOM_DATA {
        return Err(ApiError::bad_request(
            3004,
            "Custom data must be at most 10 MB.",
        ));
    }
    Ok(())
}

/// A document posted for a write, without its read-only members, its names checked.
///
/// # Errors
/// 3000–3003 for a bad name.
pub(crate) fn members(mut map: Map<String, Value>) -> ApiResult<CustomData> {
    for name in READ_ONLY {
        map.remove(*name);
    }
    check_names(&map)?;
    Ok(map)
}

/// The `customData` embedded in a resource's POST body (spec §3.4): its members to merge,
/// `None` when absent, `null`, or only the read-only members (e.g. the link the SDK's `save()`
/// posts back).
///
/// # Errors
/// 400/2004 when it is not an object; 3000–3004 for bad names or size.
pub(crate) fn embedded(body: &JsonObject) -> ApiResult<Option<CustomData>> {
    match body.0.get("customData") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(map)) => {
            let data = members(map.clone())?;
            check_size(&data)?;
            Ok((!data.is_empty()).then_some(data))
        }
        Some(_) => Err(ApiError::bad_request(
            2004,
            "customData must be a JSON object.",
        )),
    }
}

async fn load(state: &State, owner: CustomDataOwner, id: &str) -> ApiResult<CustomDataDoc> {
    if owner == CustomDataOwner::Tenant && id != state.tenant.meta.id {
        return Err(ApiError::not_found());
    }
    state
        .store
        .resource_custom_data(owner, id)
        .await?
        .ok_or_else(ApiError::not_found)
}

/// 200 with the document, and its version as the `ETag` of an account's.
fn reply(state: &State, owner: CustomDataOwner, id: &str, doc: &CustomDataDoc) -> HttpResponse {
    let body = doc_json(&href_of(state, owner, id), doc);
    match doc.version {
        Some(version) => HttpResponse::Ok()
            .insert_header((header::ETAG, format!("\"{version}\"")))
            .json(body),
        None => ok(body),
    }
}

async fn read(
    state: Data,
    owner: CustomDataOwner,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let doc = load(&state, owner, &id).await?;
    Ok(reply(&state, owner, &id, &doc))
}

async fn merge(
    state: Data,
    owner: CustomDataOwner,
    id: web::Path<String>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    load(&state, owner, &id).await?;
    let patch = members(body.0)?;
    check_size(&patch)?;
    let doc = state
        .store
        .merge_resource_custom_data(owner, &id, patch)
        .await?;
    Ok(reply(&state, owner, &id, &doc))
}

async fn clear(
    state: Data,
    owner: CustomDataOwner,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    load(&state, owner, &id).await?;
    state.store.clear_resource_custom_data(owner, &id).await?;
    Ok(no_content())
}

async fn remove_field(
    state: Data,
    owner: CustomDataOwner,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, field) = path.into_inner();
    load(&state, owner, &id).await?;
    state
        .store
        .remove_resource_custom_data_field(owner, &id, &field)
        .await?;
    Ok(no_content())
}

/// The version an `If-Match` names: `"7"`, `W/"7"` or `7`.
fn if_match(req: &HttpRequest) -> ApiResult<i64> {
    let value = req
        .headers()
        .get(header::IF_MATCH)
        .ok_or_else(|| {
            ApiError::new(
                428,
                428,
                "Replacing custom data requires an If-Match header with the version read.",
            )
        })?
        .to_str()
        .unwrap_or_default()
        .trim();
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag)
        .parse()
        .map_err(|_| {
            ApiError::bad_request(
                2002,
                format!("If-Match '{value}' is not a custom data version such as \"3\"."),
            )
        })
}

async fn replace(
    state: Data,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonObject,
) -> ApiResult<HttpResponse> {
    let owner = CustomDataOwner::Account;
    let version = if_match(&req)?;
    load(&state, owner, &id).await?;
    let data = members(body.0)?;
    check_size(&data)?;
    let doc = state
        .store
        .replace_account_custom_data(&id, version, data)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                412,
                412,
                "The custom data changed since it was read: read it again and retry.",
            )
        })?;
    Ok(reply(&state, owner, &id, &doc))
}
