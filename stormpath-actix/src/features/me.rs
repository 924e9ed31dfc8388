//! `/me` (spec §10.7): the current account as JSON, with the configured expansions.

use actix_web::{
    HttpResponse,
    http::{Method, header},
    web::ServiceConfig,
};
use serde_json::{Map, Value, json};

use crate::{CurrentUser, Error, Stormpath, routes::protected};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let me = &sp.settings().config.web.me;
    if me.enabled {
        // No negotiation guard: an authenticated caller always gets JSON, anyone else the
        // spec's 401 or redirect (§2.2, §8.4).
        protected(cfg, &me.uri, Method::GET, None, get);
    }
}

async fn get(sp: Stormpath, user: CurrentUser) -> Result<HttpResponse, Error> {
    let mut account =
        serde_json::to_value(user.account()).map_err(|e| Error::Template(e.to_string()))?;
    if let Value::Object(object) = &mut account {
        expand(&sp, &user, object).await?;
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({ "account": account })))
}

/// A collection as Stormpath rendered expanded links: `{size, items}`.
fn collection(items: Vec<Value>) -> Value {
    json!({ "size": items.len(), "items": items })
}

/// Adds each linked resource that `me.expand` turns on.
async fn expand(
    sp: &Stormpath,
    user: &CurrentUser,
    object: &mut Map<String, Value>,
) -> Result<(), Error> {
    let expand = &sp.settings().config.web.me.expand;
    let on = |name: &str| expand.get(name).and_then(Value::as_bool).unwrap_or(false);
    let backend = sp.backend();
    let id = &user.id;
    if on("customData") {
        let mut data = backend.custom_data(id).await?.data;
        data.retain(|key, _| !key.starts_with("stormpathApiKey"));
        data.insert(
            "href".into(),
            Value::String(format!("{}/customData", user.href)),
        );
        object.insert("customData".into(), Value::Object(data));
    }
    if on("groups") || on("groupMemberships") {
        let groups = backend.groups(id).await?;
        if on("groups") {
            let items = groups.iter().map(|g| json!(g)).collect();
            object.insert("groups".into(), collection(items));
        }
        if on("groupMemberships") {
            let items = groups
                .iter()
                .map(|g| json!({ "account": { "href": user.href }, "group": g }))
                .collect();
            object.insert("groupMemberships".into(), collection(items));
        }
    }
    if on("directory") {
        object.insert("directory".into(), json!(backend.directory().await?));
    }
    if on("applications") {
        object.insert(
            "applications".into(),
            collection(vec![json!(backend.application().await?)]),
        );
    }
    if on("providerData") {
        // The account is Stormpath's own; `linked` lists the social / OpenID Connect
        // identities linked to it (empty on a back end that keeps none).
        let href = format!("{}/providerData", user.href);
        let linked: Vec<Value> = backend
            .provider_links(id)
            .await
            .unwrap_or_default()
            .iter()
            .map(|l| json!({ "providerId": l.provider_id, "email": l.email }))
            .collect();
        object.insert(
            "providerData".into(),
            json!({ "href": href, "providerId": "stormpath", "linked": linked }),
        );
    }
    if on("apiKeys") {
        let items = backend
            .api_keys(id)
            .await?
            .iter()
            .map(|k| json!(k))
            .collect();
        object.insert("apiKeys".into(), collection(items));
    }
    Ok(())
}
