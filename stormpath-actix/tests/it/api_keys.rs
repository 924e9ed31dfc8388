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

/// Creates a key for the logged-in `app.client` and returns (id, secret).
async fn new_key(app: &TestApp, body: &Value) -> (String, String) {
    let res = app.post_json("/me/api-keys", body).await;
    assert_eq!(res.status(), 201);
    let key: Value = res.json().await.unwrap();
    (
        key["id"].as_str().unwrap().to_owned(),
        key["secret"].as_str().unwrap().to_owned(),
    )
}

/// The status of `GET /dashboard` with HTTP Basic `id:secret`.
async fn basic_status(app: &TestApp, (id, secret): &(String, String)) -> u16 {
    app.fresh_client()
        .get(app.url("/dashboard"))
        .basic_auth(id, Some(secret))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A client-credentials access token for the key.
async fn key_token(app: &TestApp, (id, secret): &(String, String)) -> String {
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .basic_auth(id, Some(secret))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The status of `GET /dashboard` with a bearer token, once the back end agrees (a remote back
/// end confirms a token with the server at most once a second).
async fn bearer_status_settles(app: &TestApp, token: &str, want: u16) -> u16 {
    let mut last = 0;
    for _ in 0..30 {
        last = app
            .fresh_client()
            .get(app.url("/dashboard"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if last == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    last
}

#[actix_web::test]
async fn creating_a_key_needs_a_recent_password_entry() {
    // A window of 0: the password is asked for every time, as it is once the window passed.
    let app =
        TestApp::spawn_with(|b| b.config(|c| c.security.api_keys.reauthentication_window = 0))
            .await;
    let email = email("reauth");
    app.login(&email).await;
    let res = app.post_json("/me/api-keys", &json!({"name": "x"})).await;
    assert_json_error(res, 403, "password").await;
    let res = app
        .post_json("/me/api-keys", &json!({"password": "Wrong-pass1"}))
        .await;
    assert_json_error(res, 400, "Invalid username or password").await;
    let key = new_key(&app, &json!({"password": PASSWORD})).await;
    // A session opened with an API key cannot mint more keys without the password.
    let res = app
        .fresh_client()
        .post(app.url("/me/api-keys"))
        .basic_auth(&key.0, Some(&key.1))
        .header("Accept", JSON)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 403, "password").await;
}

#[actix_web::test]
async fn a_fresh_login_creates_keys_but_an_api_key_session_must_give_the_password() {
    let app = TestApp::spawn().await;
    app.login(&email("fresh")).await;
    let key = new_key(&app, &json!({})).await;
    let by_key = |body: Value| {
        app.fresh_client()
            .post(app.url("/me/api-keys"))
            .basic_auth(&key.0, Some(&key.1))
            .header("Accept", JSON)
            .json(&body)
            .send()
    };
    assert_eq!(by_key(json!({})).await.unwrap().status(), 403);
    assert_eq!(
        by_key(json!({"password": PASSWORD}))
            .await
            .unwrap()
            .status(),
        201
    );
}

#[actix_web::test]
async fn a_password_change_revokes_keys_and_their_tokens() {
    let app = TestApp::spawn().await;
    app.login(&email("changer")).await;
    let key = new_key(&app, &json!({})).await;
    let token = key_token(&app, &key).await;
    assert_eq!(basic_status(&app, &key).await, 200);
    assert_eq!(bearer_status_settles(&app, &token, 200).await, 200);
    let res = app
        .post_json(
            "/settings",
            &json!({"currentPassword": PASSWORD, "password": "An0ther-Pass!"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        basic_status(&app, &key).await,
        401,
        "the key died with the password"
    );
    assert_eq!(bearer_status_settles(&app, &token, 401).await, 401);
    let list: Value = app.get("/me/api-keys", JSON).await.json().await.unwrap();
    assert_eq!(list["size"], 0);
}

#[actix_web::test]
async fn a_password_reset_revokes_keys() {
    let app = TestApp::spawn().await;
    let email = email("resetter");
    app.login(&email).await;
    let key = new_key(&app, &json!({})).await;
    let res = app
        .fresh_client()
        .post(app.url("/forgot"))
        .header("Accept", JSON)
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // Mail 1 is the notice of the new key (the REST server leaves notices to its directory
    // policies); then the reset link.
    let n = if remote() { 1 } else { 2 };
    let token = token_of(&mailed_link(&nth_mail(&app, n).await.data));
    let res = app
        .fresh_client()
        .post(app.url("/change"))
        .header("Accept", JSON)
        .json(&json!({ "sptoken": token, "password": "N3w-Passw0rd!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(basic_status(&app, &key).await, 401);
}

#[actix_web::test]
async fn deleting_a_key_voids_its_client_credentials_tokens() {
    let app = TestApp::spawn().await;
    app.login(&email("deleter")).await;
    let key = new_key(&app, &json!({})).await;
    let token = key_token(&app, &key).await;
    assert_eq!(bearer_status_settles(&app, &token, 200).await, 200);
    let res = app
        .client
        .delete(app.url(&format!("/me/api-keys/{}", key.0)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(bearer_status_settles(&app, &token, 401).await, 401);
    // The browser session is not ended by it.
    assert_eq!(app.get("/me", JSON).await.status(), 200);
}

#[actix_web::test]
async fn a_key_id_cannot_be_squatted_by_other_registrations() {
    if remote() {
        return; // the REST API looks a key up by id alone (`apiKeys?id=`): see the note
    }
    let app = TestApp::spawn().await;
    let register = |email: String, pair: String| {
        app.fresh_client()
            .post(app.url("/register"))
            .header("Accept", JSON)
            .json(&json!({
                "email": email, "password": PASSWORD, "givenName": "K", "surname": "S",
                "customData": {"stormpathApiKey_1": pair},
            }))
            .send()
    };
    let victim = (
        "SHAREDID".to_owned(),
        "victims-own-secret-0123456789".to_owned(),
    );
    let res = register(email("victim"), format!("{}:{}", victim.0, victim.1))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for i in 0..60 {
        let res = register(email("squatter"), format!("SHAREDID:s{i}"))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    assert_eq!(
        basic_status(&app, &victim).await,
        200,
        "the victim's key still works however many share its id"
    );
}

#[actix_web::test]
async fn keys_in_registration_custom_data_are_refused_by_default() {
    let app =
        TestApp::spawn_with(|b| b.config(|c| c.security.api_keys.from_custom_data = false)).await;
    let res = app
        .fresh_client()
        .post(app.url("/register"))
        .header("Accept", JSON)
        .json(&json!({
            "email": email("chooser"), "password": PASSWORD, "givenName": "K", "surname": "S",
            "customData": {"stormpathApiKey_1": "MYID:my-chosen-secret"},
        }))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 400, "API keys cannot be provisioned").await;
    assert_eq!(
        basic_status(&app, &("MYID".into(), "my-chosen-secret".into())).await,
        401
    );
}

#[actix_web::test]
async fn an_account_holds_a_bounded_number_of_keys_and_creates_them_at_a_bounded_rate() {
    let app = TestApp::spawn_with(|b| {
        b.config(|c| {
            c.security.api_keys.max_per_account = 2;
            c.security.limits.api_keys_per_account = stormpath::config::security::RuleConfig {
                limit: 3,
                window: 86_400,
            };
        })
    })
    .await;
    app.login(&email("hoarder")).await;
    let first = new_key(&app, &json!({})).await;
    new_key(&app, &json!({})).await;
    let res = app.post_json("/me/api-keys", &json!({})).await;
    assert_json_error(res, 400, "at most 2 API keys").await;
    let res = app
        .client
        .delete(app.url(&format!("/me/api-keys/{}", first.0)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    new_key(&app, &json!({})).await;
    app.client
        .delete(app.url(&format!("/me/api-keys/{}", first.0)))
        .send()
        .await
        .unwrap();
    let list: Value = app.get("/me/api-keys", JSON).await.json().await.unwrap();
    let id = list["items"][0]["id"].as_str().unwrap().to_owned();
    app.client
        .delete(app.url(&format!("/me/api-keys/{id}")))
        .send()
        .await
        .unwrap();
    let res = app.post_json("/me/api-keys", &json!({})).await;
    assert_eq!(res.status(), 429, "3 creations per day");
}
