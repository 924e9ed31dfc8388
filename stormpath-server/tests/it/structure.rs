//! Tenant, applications, directories, mappings and policies (spec §5.1–5.4, §5.9).

use reqwest::StatusCode;
use serde_json::json;

use crate::support::Api;

#[tokio::test]
async fn tenant_current_redirects_and_applications_are_found_by_name() {
    let api = Api::start();
    let tenant = api.tenant().await;
    assert!(tenant.starts_with(&api.server.api()));
    let t = api.get(&tenant).await;
    assert_eq!(t.status, StatusCode::OK);
    let apps = api
        .get(&format!("{tenant}/applications?name=My%20Application"))
        .await;
    assert_eq!(apps.body["size"], 1);
    assert_eq!(apps.body["items"][0]["href"], api.app());
    for key in ["offset", "limit", "size", "items"] {
        assert!(!apps.body[key].is_null(), "{key}");
    }
    let app = api.get(&api.app()).await;
    assert!(app.body["defaultAccountStoreMapping"]["href"].is_string());
    assert_eq!(
        app.body["oAuthPolicy"]["href"],
        api.url(&format!(
            "/oAuthPolicies/{}",
            api.app().rsplit('/').next().unwrap()
        ))
    );
}

#[tokio::test]
async fn an_application_without_stores_has_null_defaults_and_mapping_sets_them() {
    let api = Api::start();
    let created = api.post("/applications", json!({"name": "Bare"})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(
        created.headers["location"].to_str().unwrap(),
        created.href()
    );
    assert!(created.body["defaultAccountStoreMapping"].is_null());
    assert!(created.body.get("defaultAccountStoreMapping").is_some());
    let dir = api.post("/directories", json!({"name": "Bare Dir"})).await;
    assert_eq!(dir.status, StatusCode::CREATED);
    let mapping = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": created.href()}, "accountStore": {"href": dir.href()}}),
        )
        .await;
    assert_eq!(mapping.status, StatusCode::CREATED, "{:#}", mapping.body);
    assert_eq!(mapping.body["isDefaultAccountStore"], true);
    let app = api.get(&created.href()).await;
    assert_eq!(
        app.body["defaultAccountStoreMapping"]["href"],
        mapping.href()
    );
    // Mapping the same directory twice is a conflict; nothing changes.
    let again = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": created.href()}, "accountStore": {"href": dir.href()}}),
        )
        .await;
    again.assert_error(409, 5104);
    let list = api
        .get(&format!(
            "{}/accountStoreMappings?expand=accountStore",
            created.href()
        ))
        .await;
    assert_eq!(list.body["size"], 1);
    assert_eq!(list.body["items"][0]["accountStore"]["name"], "Bare Dir");
}

#[tokio::test]
async fn create_directory_with_the_application_and_duplicate_names() {
    let api = Api::start();
    let app = api
        .post(
            "/applications?createDirectory=true",
            json!({"name": "Both"}),
        )
        .await;
    assert_eq!(app.status, StatusCode::CREATED);
    let mapping = api
        .get(
            app.body["defaultAccountStoreMapping"]["href"]
                .as_str()
                .unwrap(),
        )
        .await;
    let dir = api
        .get(&format!(
            "{}?expand=passwordPolicy,accountCreationPolicy,provider",
            mapping.body["accountStore"]["href"].as_str().unwrap()
        ))
        .await;
    assert_eq!(dir.body["name"], "Both Directory");
    assert_eq!(dir.body["provider"]["providerId"], "stormpath");
    assert_eq!(dir.body["passwordPolicy"]["resetEmailStatus"], "ENABLED");
    let strength = api
        .get(
            dir.body["passwordPolicy"]["strength"]["href"]
                .as_str()
                .unwrap(),
        )
        .await;
    assert_eq!(strength.body["minLength"], 8);
    api.post("/applications", json!({"name": "Both"}))
        .await
        .assert_error(409, 2001);
    api.post("/applications", json!({"name": " "}))
        .await
        .assert_error(400, 2000);
    api.post("/directories", json!({"name": "Both Directory"}))
        .await
        .assert_error(409, 2001);
}

#[tokio::test]
async fn oauth_policy_durations_round_trip_and_bad_ones_are_refused() {
    let api = Api::start();
    let id = api.app().rsplit('/').next().unwrap().to_owned();
    let p = api.get(&format!("/oAuthPolicies/{id}")).await;
    assert_eq!(p.body["accessTokenTtl"], "PT1H");
    assert_eq!(p.body["refreshTokenTtl"], "P60D");
    let p = api
        .post(
            &format!("/oAuthPolicies/{id}"),
            json!({"accessTokenTtl": "PT30M"}),
        )
        .await;
    assert_eq!(p.body["accessTokenTtl"], "PT30M");
    api.post(
        &format!("/oAuthPolicies/{id}"),
        json!({"accessTokenTtl": "soon"}),
    )
    .await
    .assert_error(400, 2002);
}

#[tokio::test]
async fn bad_input_gets_error_documents() {
    let api = Api::start();
    let tenant = api.tenant().await;
    api.get(&format!("{tenant}/applications?limit=0"))
        .await
        .assert_error(400, 2009);
    api.get(&format!("{tenant}/applications?limit=1000"))
        .await
        .assert_error(400, 2010);
    api.get(&format!("{tenant}/applications?orderBy=secret"))
        .await
        .assert_error(400, 2104);
    api.get(&format!("{}?expand=everything", api.app()))
        .await
        .assert_error(400, 2107);
    api.get("/applications/doesNotExist")
        .await
        .assert_error(404, 404);
    api.get("/no/such/path").await.assert_error(404, 404);
    let raw = api
        .http
        .post(api.url("/applications"))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .header("Content-Type", "application/json")
        .body("[1,2]")
        .send()
        .await
        .unwrap();
    Api::reply(raw).await.assert_error(400, 400);
    let text = api
        .http
        .post(api.url("/applications"))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .header("Content-Type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    Api::reply(text).await.assert_error(415, 1101);
    // Paging: size is the total, the page is what was asked.
    for i in 0..3 {
        api.post("/applications", json!({"name": format!("Paged {i}")}))
            .await;
    }
    let page = api
        .get(&format!(
            "{tenant}/applications?name=Paged*&limit=2&offset=1&orderBy=name%20desc"
        ))
        .await;
    assert_eq!(page.body["size"], 3);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["items"][0]["name"], "Paged 1");
}

#[tokio::test]
async fn the_same_on_postgres() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let tenant = api.tenant().await;
    let apps = api
        .get(&format!("{tenant}/applications?name=my%20app*"))
        .await;
    assert_eq!(apps.body["size"], 1, "{:#}", apps.body);
    let app = api
        .post(
            "/applications?createDirectory=Shared",
            json!({"name": "PG App"}),
        )
        .await;
    assert_eq!(app.status, StatusCode::CREATED, "{:#}", app.body);
}

#[tokio::test]
async fn accounts_and_groups_list_the_applications_they_can_log_in_to() {
    let api = Api::start();
    let account = api
        .post(
            &format!("{}/accounts", api.app()),
            json!({"email": "apps@example.com", "password": "Sup3rSecret!", "givenName": "A", "surname": "B"}),
        )
        .await;
    assert_eq!(account.status, StatusCode::CREATED, "{:#}", account.body);
    let apps = api.get(&format!("{}/applications", account.href())).await;
    assert_eq!(apps.body["size"], 1, "{:#}", apps.body);
    assert_eq!(apps.body["items"][0]["href"], api.app());
    // A second application mapped to the same directory: both.
    let other = api.post("/applications", json!({"name": "Second"})).await;
    let directory = account.body["directory"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let mapped = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": other.href()}, "accountStore": {"href": directory}}),
        )
        .await;
    assert_eq!(mapped.status, StatusCode::CREATED);
    let apps = api
        .get(&format!("{}/applications?orderBy=name", account.href()))
        .await;
    assert_eq!(apps.body["size"], 2);
    let group = api
        .post(&format!("{}/groups", api.app()), json!({"name": "g"}))
        .await;
    let apps = api
        .get(&format!("{}/applications?name=Second", group.href()))
        .await;
    assert_eq!(apps.body["size"], 1, "{:#}", apps.body);
    let tenant = api.tenant().await;
    let orgs = api.get(&format!("{tenant}/organizations")).await;
    assert_eq!(orgs.body["size"], 0);
    assert!(orgs.body["items"].as_array().unwrap().is_empty());
}

async fn custom_data_search(api: &Api) {
    let dir = {
        let app = api.get(&api.app()).await;
        let mapping = api
            .get(
                app.body["defaultAccountStoreMapping"]["href"]
                    .as_str()
                    .unwrap(),
            )
            .await;
        mapping.body["accountStore"]["href"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    for (email, color, size) in [
        ("cd1@example.com", "Blue", 10),
        ("cd2@example.com", "blue-green", 20),
        ("cd3@example.com", "red", 30),
    ] {
        let r = api
            .post(
                &format!("{dir}/accounts"),
                json!({"email": email, "password": "Sup3rSecret!", "givenName": "C", "surname": "D",
                       "customData": {"favorite": {"color": color}, "size": size}}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:#}", r.body);
    }
    let count = |q: &str| {
        let url = format!("{dir}/accounts?{q}");
        async move { api.get(&url).await.body["size"].clone() }
    };
    assert_eq!(count("customData.favorite.color=blue").await, 1);
    assert_eq!(count("customData.favorite.color=blue*").await, 2);
    assert_eq!(count("customData.favorite.color=*e*").await, 3);
    assert_eq!(count("customData.size=20").await, 1);
    assert_eq!(count("customData.favorite.color=blue*&email=cd2*").await, 1);
    assert_eq!(count("customData.missing=x").await, 0);
    let tenant = api.tenant().await;
    let all = api
        .get(&format!("{tenant}/accounts?customData.favorite.color=RED"))
        .await;
    assert_eq!(all.body["size"], 1, "{:#}", all.body);
    api.get(&format!("{dir}/accounts?customData.bad%27name=x"))
        .await
        .assert_error(400, 2105);
}

#[tokio::test]
async fn accounts_are_searched_by_custom_data() {
    custom_data_search(&Api::start()).await;
}

#[tokio::test]
async fn postgres_accounts_are_searched_by_custom_data() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    custom_data_search(&api).await;
}
