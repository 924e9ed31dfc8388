//! A disabled account loses every credential at once: its cookie session, its bearer tokens,
//! its refresh token and its API keys (Basic and the client-credentials grant).

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn sessions_tokens_and_api_keys_of_a_disabled_account_are_refused() {
    let app = TestApp::spawn().await;
    let email = email("disabled");
    let login = app.login(&email).await;
    let access = cookie_value(set_cookies(login.headers(), "access_token")[0]).to_owned();
    let key: Value = app
        .post_json("/me/api-keys", &json!({"name": "ci"}))
        .await
        .json()
        .await
        .unwrap();
    let (id, secret) = (
        key["id"].as_str().unwrap().to_owned(),
        key["secret"].as_str().unwrap().to_owned(),
    );
    let grant: Value = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh = grant["refresh_token"].as_str().unwrap().to_owned();
    let basic = || {
        app.fresh_client()
            .get(app.url("/dashboard"))
            .basic_auth(&id, Some(&secret))
            .send()
    };
    let client_credentials = || {
        app.fresh_client()
            .post(app.url("/oauth/token"))
            .basic_auth(&id, Some(&secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
    };
    // Everything works before.
    assert_eq!(app.get("/dashboard", JSON).await.status(), 200);
    assert_eq!(basic().await.unwrap().status(), 200);
    assert_eq!(client_credentials().await.unwrap().status(), 200);

    disable(&app, &email).await;

    assert_eq!(app.get("/dashboard", JSON).await.status(), 401, "cookie");
    assert_eq!(app.get("/me", JSON).await.status(), 401, "cookie on /me");
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "bearer");
    assert_eq!(basic().await.unwrap().status(), 401, "API key over Basic");
    let res = client_credentials().await.unwrap();
    assert_eq!(res.status(), 401, "client credentials");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "refresh grant");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "password grant");
}
