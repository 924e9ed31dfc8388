//! `/me` (spec §10.7): the current account as JSON, with the configured expansions.

use actix_web::{
    HttpRequest, HttpResponse,
    http::header,
    web::{self, ServiceConfig},
};
use serde_json::{Map, Value, json};

use crate::{Error, Stormpath, auth};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let me = &sp.settings().config.web.me;
    if me.enabled {
        // No negotiation guard: an authenticated caller always gets JSON, anyone else the
        // spec's 401 or redirect (§2.2, §8.4).
        cfg.route(&me.uri, web::get().to(get));
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let resolved = auth::resolve(&req, &sp).await?;
    let Some(caller) = &resolved.caller else {
        return Ok(auth::unauthenticated(&req, &sp, &resolved));
    };
    let mut account =
        serde_json::to_value(&*caller.account).map_err(|e| Error::Template(e.to_string()))?;
    if let Value::Object(object) = &mut account {
        expand(&sp, caller, object).await?;
    }
    let mut res = HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(json!({ "account": account }));
    for cookie in &resolved.cookies {
        let _ = res.add_cookie(cookie);
    }
    Ok(res)
}

/// A collection as Stormpath rendered expanded links: `{size, items}`.
fn collection(items: Vec<Value>) -> Value {
    json!({ "size": items.len(), "items": items })
}

/// Adds each linked resource that `me.expand` turns on.
async fn expand(
    sp: &Stormpath,
    caller: &auth::Caller,
    object: &mut Map<String, Value>,
) -> Result<(), Error> {
    let expand = &sp.settings().config.web.me.expand;
    let on = |name: &str| expand.get(name).and_then(Value::as_bool).unwrap_or(false);
    let backend = sp.backend();
    let id = &caller.account.id;
    if on("customData") {
        let mut data = backend.custom_data(id).await?;
        data.retain(|key, _| !key.starts_with("stormpathApiKey"));
        data.insert(
            "href".into(),
            Value::String(format!("{}/customData", caller.account.href)),
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
                .map(|g| json!({ "account": { "href": caller.account.href }, "group": g }))
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
        // Accounts of this store are Stormpath's own (no social provider yet).
        let href = format!("{}/providerData", caller.account.href);
        object.insert(
            "providerData".into(),
            json!({ "href": href, "providerId": "stormpath" }),
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
