//! `/me/api-keys` and HTTP Basic authentication with API keys.

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn create_list_use_and_revoke_a_key() {
    let app = TestApp::spawn().await;
    let email = email("keys");
    app.login(&email).await;
    let res = app.post_json("/me/api-keys", &json!({"name": "ci"})).await;
    assert_eq!(res.status(), 201);
    let key: Value = res.json().await.unwrap();
    let (id, secret) = (
        key["id"].as_str().unwrap().to_owned(),
        key["secret"].as_str().unwrap().to_owned(),
    );
    assert!(secret.len() >= 40);
    let list: Value = app.get("/me/api-keys", JSON).await.json().await.unwrap();
    assert_eq!(list["size"], 1);
    assert_eq!(list["items"][0]["id"], id.as_str());
    assert!(
        !list.to_string().contains(&secret),
        "secrets are shown once"
    );
    let basic = || {
        app.fresh_client()
            .get(app.url("/dashboard"))
            .basic_auth(&id, Some(&secret))
            .send()
    };
    assert_eq!(basic().await.unwrap().status(), 200);
    let wrong = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .basic_auth(&id, Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let res = app
        .client
        .delete(app.url(&format!("/me/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(
        basic().await.unwrap().status(),
        401,
        "revocation is immediate"
    );
    let again = app
        .client
        .delete(app.url(&format!("/me/api-keys/{id}")))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_json_error(again, 404, "").await;
}

#[actix_web::test]
async fn keys_of_other_accounts_cannot_be_revoked() {
    let app = TestApp::spawn().await;
    app.login(&email("owner")).await;
    let key: Value = app
        .post_json("/me/api-keys", &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let other = TestApp {
        client: app.fresh_client(),
        ..clone_app(&app)
    };
    other.login(&email("other")).await;
    let res = other
        .client
        .delete(other.url(&format!("/me/api-keys/{}", key["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

fn clone_app(app: &TestApp) -> TestApp {
    TestApp {
        base: app.base.clone(),
        client: app.fresh_client(),
        sp: app.sp.clone(),
        dir: tempfile::tempdir().unwrap(),
        smtp: stormpath_testkit::SmtpSink::start(),
        server: None,
    }
}

#[actix_web::test]
async fn cookie_sessions_must_send_json_to_create_keys() {
    let app = TestApp::spawn().await;
    app.login(&email("csrf4")).await;
    let res = app
        .client
        .post(app.url("/me/api-keys"))
        .header("Content-Type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let res = app
        .client
        .post(app.url("/me/api-keys"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

#[actix_web::test]
async fn key_routes_need_a_login() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/me/api-keys", JSON).await.status(), 401);
    assert_eq!(
        app.post_json("/me/api-keys", &json!({})).await.status(),
        401
    );
}
