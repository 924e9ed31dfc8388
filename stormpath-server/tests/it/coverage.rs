//! Behaviour that was implemented before the conformance audit but had no test (audit-server
//! gap 15): headers, mappings, deletes, directory updates, providers, schemas, policy ranges.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::Api;

#[tokio::test]
async fn tenant_current_redirects_uncached_and_successes_carry_a_request_id() {
    let api = Api::start();
    let r = api.get("/tenants/current").await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.headers["expires"], "0");
    assert_eq!(r.headers["pragma"], "no-cache");
    let cache = r.headers["cache-control"].to_str().unwrap();
    for part in ["no-cache", "no-store", "must-revalidate", "max-age=0"] {
        assert!(cache.contains(part), "{cache}");
    }
    let mut ids = Vec::new();
    for reply in [r, api.get(&api.app()).await] {
        let id = reply.headers["stormpath-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        assert_eq!(id.len(), 36, "{id}");
        ids.push(id);
    }
    assert_ne!(ids[0], ids[1]);
}

#[tokio::test]
async fn mappings_move_change_defaults_and_go() {
    let api = Api::start();
    let app = api
        .post("/applications", json!({"name": "Mapped"}))
        .await
        .href();
    let mut dirs = Vec::new();
    for name in ["M One", "M Two", "M Three"] {
        dirs.push(api.post("/directories", json!({"name": name})).await.href());
    }
    let mut maps = Vec::new();
    for dir in &dirs {
        let m = api
            .post(
                "/accountStoreMappings",
                json!({"application": {"href": app}, "accountStore": {"href": dir}}),
            )
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{:#}", m.body);
        maps.push(m.href());
    }
    let order = |list: &serde_json::Value| -> Vec<String> {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["href"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = api.get(&format!("{app}/accountStoreMappings")).await;
    assert_eq!(order(&list.body), maps);
    // The third moves first.
    let moved = api.post(&maps[2], json!({"listIndex": 0})).await;
    assert_eq!(moved.status, StatusCode::OK, "{:#}", moved.body);
    assert_eq!(moved.body["listIndex"], 0);
    let list = api.get(&format!("{app}/accountStoreMappings")).await;
    assert_eq!(
        order(&list.body),
        vec![maps[2].clone(), maps[0].clone(), maps[1].clone()]
    );
    // A new default clears the old one and the application's link follows.
    assert_eq!(
        api.get(&app).await.body["defaultAccountStoreMapping"]["href"],
        maps[0]
    );
    let made_default = api
        .post(
            &maps[1],
            json!({"isDefaultAccountStore": true, "isDefaultGroupStore": true}),
        )
        .await;
    assert_eq!(made_default.body["isDefaultAccountStore"], true);
    assert_eq!(api.get(&maps[0]).await.body["isDefaultAccountStore"], false);
    let a = api.get(&app).await.body;
    assert_eq!(a["defaultAccountStoreMapping"]["href"], maps[1]);
    assert_eq!(a["defaultGroupStoreMapping"]["href"], maps[1]);
    // Deleted: gone from the list, and the app has no default any more.
    assert_eq!(api.delete(&maps[1]).await.status, StatusCode::NO_CONTENT);
    api.get(&maps[1]).await.assert_error(404, 404);
    let list = api.get(&format!("{app}/accountStoreMappings")).await;
    assert_eq!(list.body["size"], 2);
    assert!(api.get(&app).await.body["defaultAccountStoreMapping"].is_null());
    // Bad account store hrefs: foreign, malformed, a non-directory, unknown.
    let foreign = dirs[0].replace("127.0.0.1", "elsewhere.test");
    for href in [
        foreign,
        "not a url".to_owned(),
        format!("{}/x/y", dirs[0]),
        app.clone(),
    ] {
        api.post(
            "/accountStoreMappings",
            json!({"application": {"href": app}, "accountStore": {"href": href}}),
        )
        .await
        .assert_error(400, 2002);
    }
    let unknown = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": app},
                   "accountStore": {"href": api.url("/directories/nosuchdir")}}),
        )
        .await;
    assert!(unknown.status.is_client_error(), "{:#}", unknown.body);
    assert_eq!(
        api.get(&format!("{app}/accountStoreMappings")).await.body["size"],
        2
    );
}

#[tokio::test]
async fn applications_and_directories_are_updated_and_deleted() {
    let api = Api::start();
    let dir = api
        .post("/directories", json!({"name": "Doomed Dir"}))
        .await
        .href();
    let up = api
        .post(&dir, json!({"name": "Renamed Dir", "description": "about"}))
        .await;
    assert_eq!(up.status, StatusCode::OK, "{:#}", up.body);
    let got = api.get(&dir).await.body;
    assert_eq!(got["name"], "Renamed Dir");
    assert_eq!(got["description"], "about");
    // A rename onto a taken name is a conflict.
    let other = api
        .post("/directories", json!({"name": "Taken Dir"}))
        .await
        .href();
    api.post(&other, json!({"name": "Renamed Dir"}))
        .await
        .assert_error(409, 2001);
    // The provider, directly.
    let provider = api.get(&format!("{dir}/provider")).await;
    assert_eq!(provider.status, StatusCode::OK);
    assert_eq!(provider.body["providerId"], "stormpath");
    assert_eq!(provider.body["href"], format!("{dir}/provider"));
    // The schema and its fields.
    let dir_id = dir.rsplit('/').next().unwrap();
    let schema = api.get(&format!("/schemas/{dir_id}")).await;
    assert_eq!(schema.status, StatusCode::OK);
    assert_eq!(schema.body["directory"]["href"], dir);
    let fields = api
        .get(schema.body["fields"]["href"].as_str().unwrap())
        .await;
    assert_eq!(fields.body["size"], 2);
    let names: Vec<&str> = fields.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["givenName", "surname"]);
    api.get("/schemas/nosuch").await.assert_error(404, 404);
    // Deletes: 204, then 404.
    let app = api
        .post("/applications", json!({"name": "Doomed App"}))
        .await
        .href();
    assert_eq!(api.delete(&app).await.status, StatusCode::NO_CONTENT);
    api.get(&app).await.assert_error(404, 404);
    assert_eq!(api.delete(&dir).await.status, StatusCode::NO_CONTENT);
    api.get(&dir).await.assert_error(404, 404);
    api.delete(&dir).await.assert_error(404, 404);
}

#[tokio::test]
async fn policy_values_out_of_range_are_2011_and_change_nothing() {
    let api = Api::start();
    let dir_id = api
        .default_directory()
        .await
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let policy = format!("/passwordPolicies/{dir_id}");
    for ttl in [0, 169, -1] {
        api.post(&policy, json!({"resetTokenTtl": ttl}))
            .await
            .assert_error(400, 2011);
    }
    assert_eq!(api.get(&policy).await.body["resetTokenTtl"], 24);
    let strength = format!("{policy}/strength");
    api.post(&strength, json!({"minLength": 20, "maxLength": 10}))
        .await
        .assert_error(400, 2011);
    let s = api.get(&strength).await.body;
    assert_eq!(s["minLength"], 8);
    assert_eq!(s["maxLength"], 100);
}
