//! Custom data (spec §5.7) of every resource that has some, and the compare-and-swap
//! extension on accounts (`ETag` / `If-Match` / `PUT`).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Api, Reply};

/// The custom-data href of each kind of owner.
async fn owners(api: &Api) -> Vec<String> {
    let dir = api.default_directory().await;
    let group = api
        .post(&format!("{dir}/groups"), json!({"name": "cd"}))
        .await;
    let account = api.account("cd@example.com", json!({})).await;
    [
        api.tenant().await,
        api.app(),
        dir,
        group.href(),
        account.href(),
    ]
    .into_iter()
    .map(|h| format!("{h}/customData"))
    .collect()
}

fn etag(reply: &Reply) -> String {
    reply.headers["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_owner_has_custom_data_to_merge_and_delete() {
    let api = Api::start();
    for href in owners(&api).await {
        let empty = api.get(&href).await;
        assert_eq!(empty.status, StatusCode::OK, "{href}: {:#}", empty.body);
        assert_eq!(empty.href(), href);
        assert!(empty.body["createdAt"].is_string());
        assert!(empty.body["modifiedAt"].is_string());
        assert_eq!(empty.body.as_object().unwrap().len(), 3, "{href}");
        let merged = api
            .post(
                &href,
                json!({"profile": {"theme": "dark", "langs": ["en", "fr"]}, "score": 1.5,
                       "gone": null, "href": "ignored", "createdAt": "ignored"}),
            )
            .await;
        assert_eq!(merged.status, StatusCode::OK, "{href}: {:#}", merged.body);
        assert_eq!(merged.body["profile"]["langs"][1], "fr");
        assert!(merged.body["gone"].is_null());
        assert!(merged.body.as_object().unwrap().contains_key("gone"));
        assert_eq!(merged.href(), href);
        // A second merge keeps what it does not name.
        let again = api
            .post(&href, json!({"score": 2, "extra-field_1": true}))
            .await;
        assert_eq!(again.body["score"], 2);
        assert_eq!(again.body["profile"]["theme"], "dark");
        assert_eq!(api.get(&href).await.body, again.body);
        // One field.
        let removed = api.delete(&format!("{href}/profile")).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT, "{href}");
        assert!(api.get(&href).await.body.get("profile").is_none());
        // Deleting a field that is not there is fine.
        assert_eq!(
            api.delete(&format!("{href}/never")).await.status,
            StatusCode::NO_CONTENT
        );
        // All of it; the resource stays.
        assert_eq!(api.delete(&href).await.status, StatusCode::NO_CONTENT);
        let cleared = api.get(&href).await;
        assert_eq!(cleared.body.as_object().unwrap().len(), 3, "{href}");
        let owner = href.trim_end_matches("/customData");
        assert_eq!(api.get(owner).await.status, StatusCode::OK);
    }
    for missing in [
        "/tenants/nope/customData",
        "/applications/nope/customData",
        "/directories/nope/customData",
        "/groups/nope/customData",
        "/accounts/nope/customData",
    ] {
        api.get(missing).await.assert_error(404, 404);
        api.post(missing, json!({"a": 1}))
            .await
            .assert_error(404, 404);
        api.delete(missing).await.assert_error(404, 404);
        api.delete(&format!("{missing}/a"))
            .await
            .assert_error(404, 404);
    }
}

#[tokio::test]
async fn field_names_and_size_are_checked_and_nothing_is_written() {
    let api = Api::start();
    let hrefs = owners(&api).await;
    let href = &hrefs[2];
    api.post(href, json!({"keep": 1})).await;
    let before = api.get(href).await.body;
    let long = "n".repeat(256);
    let mut too_long = serde_json::Map::new();
    too_long.insert(long, json!(1));
    let cases: Vec<(Value, u64)> = vec![
        (json!({"": 1}), 3000),
        (Value::Object(too_long), 3001),
        (json!({"has space": 1}), 3002),
        (json!({"-lead": 1}), 3002),
        (json!({"dotted.name": 1}), 3002),
        (json!({"ünï": 1}), 3002),
        (json!({"meta": 1}), 3003),
        (json!({"spMeta": 1}), 3003),
        (json!({"spmeta": 1}), 3003),
        (json!({"ionmeta": 1}), 3003),
        (json!({"ionMeta": 1}), 3003),
        (json!({"ok": 1, "meta": 2}), 3003),
    ];
    for (body, code) in cases {
        api.post(href, body.clone()).await.assert_error(400, code);
        assert_eq!(api.get(href).await.body, before, "{body}");
    }
    // Over 10 MB in all: refused, nothing written.
    let big = "x".repeat(10 * 1024 * 1024);
    api.post(href, json!({"big": big}))
        .await
        .assert_error(400, 3004);
    assert_eq!(api.get(href).await.body, before);
    // Just under the limit fits; a second one does not fit beside it.
    let half = "y".repeat(6 * 1024 * 1024);
    assert_eq!(
        api.post(href, json!({"half": half.clone()})).await.status,
        StatusCode::OK
    );
    api.post(href, json!({"other": half}))
        .await
        .assert_error(400, 3004);
    api.post_raw(href, "application/json", "[]")
        .await
        .assert_error(400, 400);
    api.post_raw(href, "text/plain", "a=1")
        .await
        .assert_error(415, 1101);
}

#[tokio::test]
async fn account_custom_data_swaps_on_its_version() {
    let api = Api::start();
    let a = api
        .account("cas@example.com", json!({"customData": {"n": 1}}))
        .await;
    let href = format!("{}/customData", a.href());
    let first = api.get(&href).await;
    let tag = etag(&first);
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    // Replace the whole document at that version.
    let put = api
        .send_with(
            Method::PUT,
            &href,
            Some(json!({"m": [1, 2], "href": "ignored"})),
            &[("If-Match", &tag)],
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:#}", put.body);
    assert!(put.body.get("n").is_none());
    assert_eq!(put.body["m"][1], 2);
    assert_eq!(put.href(), href);
    let next = etag(&put);
    assert_ne!(next, tag);
    assert_eq!(etag(&api.get(&href).await), next);
    // The old version is stale: 412, nothing written.
    let stale = api
        .send_with(
            Method::PUT,
            &href,
            Some(json!({"lost": true})),
            &[("If-Match", &tag)],
        )
        .await;
    stale.assert_error(412, 412);
    assert!(api.get(&href).await.body.get("lost").is_none());
    // A weak tag and a bare number name the version too.
    let bare = next.trim_matches('"').to_owned();
    let weak = api
        .send_with(
            Method::PUT,
            &href,
            Some(json!({"w": 1})),
            &[("If-Match", &format!("W/{next}"))],
        )
        .await;
    assert_eq!(weak.status, StatusCode::OK, "{:#}", weak.body);
    api.send_with(
        Method::PUT,
        &href,
        Some(json!({"w": 2})),
        &[("If-Match", &bare)],
    )
    .await
    .assert_error(412, 412);
    // Without If-Match: 428; a malformed one: 400.
    api.send_with(Method::PUT, &href, Some(json!({"x": 1})), &[])
        .await
        .assert_error(428, 428);
    api.send_with(
        Method::PUT,
        &href,
        Some(json!({"x": 1})),
        &[("If-Match", "\"abc\"")],
    )
    .await
    .assert_error(400, 2002);
    // Bad names are refused before the version is used.
    let current = etag(&api.get(&href).await);
    api.send_with(
        Method::PUT,
        &href,
        Some(json!({"bad name": 1})),
        &[("If-Match", &current)],
    )
    .await
    .assert_error(400, 3002);
    assert_eq!(etag(&api.get(&href).await), current);
    // Every other write moves the version: merges, field and document deletes, and an
    // account update that carries custom data.
    let merged = api.post(&href, json!({"y": 1})).await;
    assert_ne!(etag(&merged), current);
    let v1 = etag(&merged);
    api.delete(&format!("{href}/y")).await;
    let v2 = etag(&api.get(&href).await);
    assert_ne!(v2, v1);
    api.post(&a.href(), json!({"customData": {"z": 1}})).await;
    let v3 = etag(&api.get(&href).await);
    assert_ne!(v3, v2);
    api.delete(&href).await;
    assert_ne!(etag(&api.get(&href).await), v3);
    // `_method=PUT` on a POST is a PUT.
    let current = etag(&api.get(&href).await);
    let overridden = api
        .send_with(
            Method::POST,
            &format!("{href}?_method=PUT"),
            Some(json!({"o": 1})),
            &[("If-Match", &current)],
        )
        .await;
    assert_eq!(overridden.status, StatusCode::OK, "{:#}", overridden.body);
    assert_eq!(overridden.body.as_object().unwrap().len(), 4);
    // Unknown account.
    api.send_with(
        Method::PUT,
        "/accounts/nope/customData",
        Some(json!({})),
        &[("If-Match", "\"1\"")],
    )
    .await
    .assert_error(404, 404);
    // Other owners carry no version.
    let dir = api.default_directory().await;
    assert!(
        api.get(&format!("{dir}/customData"))
            .await
            .headers
            .get("etag")
            .is_none()
    );
}

#[tokio::test]
async fn resources_expand_their_custom_data() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let tenant = api.tenant().await;
    for owner in [api.app(), dir.clone(), tenant.clone()] {
        api.post(
            &format!("{owner}/customData"),
            json!({"label": owner.clone()}),
        )
        .await;
        let r = api.get(&format!("{owner}?expand=customData")).await;
        assert_eq!(r.status, StatusCode::OK, "{owner}: {:#}", r.body);
        assert_eq!(r.body["customData"]["label"], owner);
        assert_eq!(r.body["customData"]["href"], format!("{owner}/customData"));
    }
    let dirs = api
        .get(&format!("{tenant}/directories?expand=customData&name=My*"))
        .await;
    assert_eq!(dirs.body["items"][0]["customData"]["label"], dir);
    // Directories and applications expand their accounts and groups too.
    api.account("listed@example.com", json!({})).await;
    let d = api
        .get(&format!("{dir}?expand=accounts(offset:0,limit:5),groups"))
        .await;
    assert_eq!(d.body["accounts"]["size"], 1);
    assert_eq!(d.body["accounts"]["limit"], 5);
    assert_eq!(d.body["groups"]["size"], 0);
    let app = api
        .get(&format!("{}?expand=accounts,groups,tenant", api.app()))
        .await;
    assert_eq!(
        app.body["accounts"]["items"][0]["email"],
        "listed@example.com"
    );
    assert_eq!(app.body["tenant"]["href"], tenant);
    // The tenant expands its collections, but not organizations (none here).
    api.get(&format!("{tenant}?expand=organizations"))
        .await
        .assert_error(400, 2107);
}

#[tokio::test]
async fn custom_data_on_postgres() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let a = api.account("pg-cd@example.com", json!({})).await;
    let href = format!("{}/customData", a.href());
    let merged = api
        .post(&href, json!({"nested": {"deep": {"er": [1, {"x": null}]}}}))
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{:#}", merged.body);
    let tag = etag(&merged);
    let put = api
        .send_with(
            Method::PUT,
            &href,
            Some(json!({"only": 1})),
            &[("If-Match", &tag)],
        )
        .await;
    assert_eq!(put.status, StatusCode::OK, "{:#}", put.body);
    api.send_with(
        Method::PUT,
        &href,
        Some(json!({"only": 2})),
        &[("If-Match", &tag)],
    )
    .await
    .assert_error(412, 412);
    let dir = api.default_directory().await;
    let d = api
        .post(&format!("{dir}/customData"), json!({"a": 1}))
        .await;
    assert_eq!(d.body["a"], 1);
    assert_eq!(
        api.delete(&format!("{dir}/customData/a")).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(
        api.get(&format!("{dir}/customData"))
            .await
            .body
            .get("a")
            .is_none()
    );
}
