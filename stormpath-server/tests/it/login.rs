//! Login attempts (rest-api.md §6.2): `POST {app}/loginAttempts[?expand=account]`.

use serde_json::json;
use stormpath_client::AccountStatus;

use crate::auth_support::{
    PASSWORD, account, account_in, basic_value, directory_of, id_of, other_app, set_status,
    store_of,
};
use crate::support::Api;

async fn attempt(api: &Api, login: &str, password: &str) -> crate::support::Reply {
    api.post(
        &format!("{}/loginAttempts", api.app()),
        json!({ "type": "basic", "value": basic_value(login, password) }),
    )
    .await
}

async fn logs_in_by_email_or_username(api: &Api) {
    let acct = account_in(
        api,
        &api.app(),
        "ada@example.com",
        Some("ada"),
        AccountStatus::Enabled,
    )
    .await;
    for login in ["ada@example.com", "ADA@Example.com", "ada"] {
        let r = attempt(api, login, PASSWORD).await;
        assert_eq!(r.status, 200, "{login}: {:#}", r.body);
        assert_eq!(r.body, json!({ "account": { "href": acct.href } }));
    }
    let r = api
        .post(
            &format!("{}/loginAttempts?expand=account", api.app()),
            json!({ "type": "basic", "value": basic_value("ada", PASSWORD) }),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["account"]["href"], acct.href.as_str());
    assert_eq!(r.body["account"]["email"], "ada@example.com");
    assert_eq!(r.body["account"]["status"], "ENABLED");
    assert!(r.body["account"].get("password").is_none());
}

#[tokio::test]
async fn a_login_by_email_or_username_answers_the_account() {
    logs_in_by_email_or_username(&Api::start()).await;
}

#[tokio::test]
async fn postgres_a_login_by_email_or_username_answers_the_account() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    logs_in_by_email_or_username(&api).await;
    let r = attempt(&api, "ada", "wrong").await;
    r.assert_error(400, 7100);
}

#[tokio::test]
async fn the_password_is_split_at_the_first_colon() {
    let api = Api::start();
    account(&api, "colon@example.com").await;
    // PASSWORD holds a colon: `login:Sup3r:Secret!`.
    assert!(PASSWORD.contains(':'));
    assert_eq!(
        attempt(&api, "colon@example.com", PASSWORD).await.status,
        200
    );
    attempt(&api, "colon@example.com", "Sup3r")
        .await
        .assert_error(400, 7100);
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_login_read_the_same() {
    let api = Api::start();
    account(&api, "known@example.com").await;
    let wrong = attempt(&api, "known@example.com", "Wrong-Passw0rd").await;
    wrong.assert_error(400, 7100);
    assert_eq!(wrong.body["message"], "Invalid username or password.");
    let unknown = attempt(&api, "nobody@example.com", "Wrong-Passw0rd").await;
    unknown.assert_error(400, 7100);
    assert_eq!(unknown.body["message"], wrong.body["message"]);
    assert_eq!(
        unknown.body["developerMessage"],
        wrong.body["developerMessage"]
    );
}

#[tokio::test]
async fn disabled_and_unverified_accounts_are_refused_after_the_password() {
    let api = Api::start();
    let store = store_of(&api).await;
    let disabled = account(&api, "off@example.com").await;
    set_status(&store, &disabled, AccountStatus::Disabled).await;
    attempt(&api, "off@example.com", PASSWORD)
        .await
        .assert_error(400, 7101);
    account_in(
        &api,
        &api.app(),
        "new@example.com",
        None,
        AccountStatus::Unverified,
    )
    .await;
    attempt(&api, "new@example.com", PASSWORD)
        .await
        .assert_error(400, 7102);
    // A wrong password still reads as one.
    attempt(&api, "off@example.com", "Wrong-Passw0rd")
        .await
        .assert_error(400, 7100);
}

#[tokio::test]
async fn bad_types_and_values_are_400() {
    let api = Api::start();
    let path = format!("{}/loginAttempts", api.app());
    let cases = [
        (json!({ "value": basic_value("a", "b") }), 2000),
        (
            json!({ "type": "digest", "value": basic_value("a", "b") }),
            2002,
        ),
        (json!({ "type": 7, "value": basic_value("a", "b") }), 2004),
        (json!({ "type": "basic" }), 2000),
        (json!({ "type": "basic", "value": "" }), 2000),
        (json!({ "type": "basic", "value": "!!not base64!!" }), 2005),
        (
            json!({ "type": "basic", "value": base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD, "nocolon") }),
            2005,
        ),
        (json!({ "type": "basic", "value": ["x"] }), 2004),
    ];
    for (body, code) in cases {
        api.post(&path, body.clone()).await.assert_error(400, code);
    }
    // Not a JSON object; not JSON.
    api.post(&path, json!(["basic"]))
        .await
        .assert_error(400, 400);
    let r = api
        .http
        .post(api.url(&path))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .header("Content-Type", "text/plain")
        .body("type=basic")
        .send()
        .await
        .unwrap();
    Api::reply(r).await.assert_error(415, 1101);
    // An unknown application.
    api.post(
        "/applications/nOpEnOpEnOpEnOpEnOpE12/loginAttempts",
        json!({ "type": "basic", "value": basic_value("a", "b") }),
    )
    .await
    .assert_error(404, 404);
}

#[tokio::test]
async fn a_named_account_store_must_be_mapped_and_is_the_only_one_searched() {
    let api = Api::start();
    let acct = account(&api, "stored@example.com").await;
    let home = directory_of(&api, &api.app()).await;
    let other = other_app(&api, "Elsewhere").await;
    let elsewhere = directory_of(&api, &other).await;
    let path = format!("{}/loginAttempts", api.app());
    let value = basic_value("stored@example.com", PASSWORD);
    let with_store = |store: serde_json::Value| json!({ "type": "basic", "value": value, "accountStore": store });
    let r = api.post(&path, with_store(json!({ "href": home }))).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.body["account"]["href"], acct.href.as_str());
    for store in [
        json!({ "href": elsewhere }),
        json!({ "href": "https://example.com/v1/directories/x" }),
        json!({ "href": format!("{}/v1/applications/{}", api.server.base_url, id_of(&other)) }),
        json!({ "nameKey": "an-organization" }),
    ] {
        api.post(&path, with_store(store))
            .await
            .assert_error(400, 5114);
    }
    api.post(&path, with_store(json!({ "name": "x" })))
        .await
        .assert_error(400, 2002);
    // Mapped, but the account lives elsewhere: an unknown login there.
    let r = api
        .post(
            &format!("{other}/loginAttempts"),
            json!({ "type": "basic", "value": value, "accountStore": { "href": elsewhere } }),
        )
        .await;
    r.assert_error(400, 7100);
}

#[tokio::test]
async fn an_application_without_stores_is_5105() {
    let api = Api::start();
    let r = api.post("/applications", json!({ "name": "Lonely" })).await;
    assert_eq!(r.status, 201);
    api.post(
        &format!("{}/loginAttempts", r.href()),
        json!({ "type": "basic", "value": basic_value("a@example.com", PASSWORD) }),
    )
    .await
    .assert_error(400, 5105);
}

#[tokio::test]
async fn a_disabled_directory_or_application_refuses_logins() {
    let api = Api::start();
    account(&api, "dir@example.com").await;
    let dir = directory_of(&api, &api.app()).await;
    let r = api.post(&dir, json!({ "status": "DISABLED" })).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    attempt(&api, "dir@example.com", PASSWORD)
        .await
        .assert_error(400, 7106);
    api.post(&dir, json!({ "status": "ENABLED" })).await;
    assert_eq!(attempt(&api, "dir@example.com", PASSWORD).await.status, 200);
    api.post(&api.app(), json!({ "status": "DISABLED" })).await;
    attempt(&api, "dir@example.com", PASSWORD)
        .await
        .assert_error(400, 400);
}
