//! `/oauth/token` (spec §10.8): grants, error shapes, headers.

use serde_json::{Value, json};

use crate::support::*;

async fn token(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.fresh_client()
        .post(app.url("/oauth/token"))
        .form(form)
        .send()
        .await
        .unwrap()
}

fn assert_oauth_headers(res: &reqwest::Response) {
    assert_eq!(
        res.headers()["content-type"],
        "application/json;charset=UTF-8"
    );
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert_eq!(res.headers()["pragma"], "no-cache");
}

async fn assert_oauth_error(res: reqwest::Response, status: u16, error: &str) {
    assert_eq!(res.status(), status);
    assert_oauth_headers(&res);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2, "{body}");
    assert_eq!(body["error"], error);
    assert!(!body["message"].as_str().unwrap().is_empty());
}

/// Registers an account holding the API key `id:secret`.
async fn account_with_key(app: &TestApp, id: &str, secret: &str) -> String {
    let email = email("key");
    let body = json!({"givenName": "K", "surname": "Y", "email": email, "password": PASSWORD,
                      "customData": {"stormpathApiKey_1": format!("{id}:{secret}")}});
    let res: Value = app
        .post_json("/register", &body)
        .await
        .json()
        .await
        .unwrap();
    res["account"]["href"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn only_post_is_allowed() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    assert_oauth_headers(&res);
    assert_eq!(
        app.client
            .put(app.url("/oauth/token"))
            .send()
            .await
            .unwrap()
            .status(),
        405
    );
}

#[actix_web::test]
async fn bodies_must_be_forms_with_a_known_grant() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .json(&json!({"grant_type": "password"}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request").await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request").await;
    assert_oauth_error(
        token(&app, &[("grant_type", "")]).await,
        400,
        "invalid_request",
    )
    .await;
    assert_oauth_error(token(&app, &[("foo", "bar")]).await, 400, "invalid_request").await;
    assert_oauth_error(
        token(&app, &[("grant_type", "authorization_code")]).await,
        400,
        "unsupported_grant_type",
    )
    .await;
    assert_oauth_error(
        token(&app, &[("grant_type", "password")]).await,
        400,
        "invalid_request",
    )
    .await;
    let res = token(
        &app,
        &[
            ("grant_type", "password"),
            ("grant_type", "password"),
            ("username", "a"),
            ("password", "b"),
        ],
    )
    .await;
    assert_oauth_error(res, 400, "invalid_request").await;
    let res = app
        .client
        .post(app.url("/oauth/token?username=a@b.c&password=x"))
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap();
    assert_oauth_error(res, 400, "invalid_request").await;
}

#[actix_web::test]
async fn password_grant_issues_exactly_four_keys() {
    let app = TestApp::spawn().await;
    let email = email("pw");
    let registered = app.register(&email).await;
    let res = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &email),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_oauth_headers(&res);
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    let body: Value = res.json().await.unwrap();
    let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["access_token", "expires_in", "refresh_token", "token_type"]
    );
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["sub"], registered["account"]["href"]);
    let me = app
        .fresh_client()
        .get(app.url("/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    let bad = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &email),
            ("password", "wrong"),
        ],
    )
    .await;
    assert_oauth_error(bad, 400, "invalid_grant").await;
}

#[actix_web::test]
async fn refresh_grant_mints_a_new_access_token_and_keeps_the_refresh_token() {
    let app = TestApp::spawn().await;
    let email = email("rg");
    app.register(&email).await;
    let first: Value = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &email),
            ("password", PASSWORD),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let refresh = first["refresh_token"].as_str().unwrap();
    let res = token(
        &app,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(res.status(), 200);
    let second: Value = res.json().await.unwrap();
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(second["refresh_token"], first["refresh_token"]);
    assert_eq!(second["expires_in"], 3600);
    let access = first["access_token"].as_str().unwrap();
    for bad in ["junk", access] {
        assert_oauth_error(
            token(
                &app,
                &[("grant_type", "refresh_token"), ("refresh_token", bad)],
            )
            .await,
            400,
            "invalid_grant",
        )
        .await;
    }
    let res = app
        .fresh_client()
        .get(app.url("/me"))
        .bearer_auth(refresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a refresh token is not an access token");
}

#[actix_web::test]
async fn client_credentials_grant_with_an_api_key() {
    let app = TestApp::spawn().await;
    let href = account_with_key(&app, "KEYID123", "c2VjcmV0+/=").await;
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .basic_auth("KEYID123", Some("c2VjcmV0+/="))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let mut keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["access_token", "expires_in", "token_type"]);
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(claims(access)["sub"], href.as_str());
    assert!(claims(access).get("rti").is_none());
    let me = app
        .fresh_client()
        .get(app.url("/me"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    for (id, secret) in [("KEYID123", "wrong"), ("UNKNOWN", "c2VjcmV0+/=")] {
        let res = app
            .fresh_client()
            .post(app.url("/oauth/token"))
            .basic_auth(id, Some(secret))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .unwrap();
        assert_oauth_error(res, 401, "invalid_client").await;
    }
    assert_oauth_error(
        token(&app, &[("grant_type", "client_credentials")]).await,
        401,
        "invalid_client",
    )
    .await;
}

#[actix_web::test]
async fn disabled_grants_are_unsupported() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            w.oauth2.password.enabled = false;
            w.oauth2.client_credentials.enabled = false;
        })
    })
    .await;
    for grant in ["password", "refresh_token", "client_credentials"] {
        assert_oauth_error(
            token(&app, &[("grant_type", grant)]).await,
            400,
            "unsupported_grant_type",
        )
        .await;
    }
}

#[actix_web::test]
async fn cookies_are_ignored_and_a_logged_in_browser_can_still_call_it() {
    let app = TestApp::spawn().await;
    let email = email("ck");
    app.login(&email).await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", &email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn tokens_are_signed_with_the_api_key_secret_when_one_is_configured() {
    if crate::support::remote() {
        return; // the signing key is the server's tenant key on the remote back end
    }
    let secret = "an-api-key-secret-that-is-long-enough-123456";
    let app = TestApp::spawn_with(move |b| {
        b.config(move |c| {
            c.client.api_key.id = Some("APPKEY".into());
            c.client.api_key.secret = Some(stormpath::config::Secret(secret.into()));
        })
    })
    .await;
    let email = email("signed");
    app.register(&email).await;
    let body: Value = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &email),
            ("password", PASSWORD),
        ],
    )
    .await
    .json()
    .await
    .unwrap();
    let access = body["access_token"].as_str().unwrap();
    assert_eq!(header(access)["kid"], "APPKEY");
    let (signed, signature) = access.rsplit_once('.').unwrap();
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let expected = hmac_sha256(secret.as_bytes(), signed.as_bytes());
    assert_eq!(URL_SAFE_NO_PAD.decode(signature).unwrap(), expected);
}

/// HMAC-SHA256 written out with the sha2 crate, independent of the code under test.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner: Vec<u8> = block
        .iter()
        .map(|b| b ^ 0x36)
        .chain(message.iter().copied())
        .collect();
    let inner = Sha256::digest(&inner);
    let outer: Vec<u8> = block
        .iter()
        .map(|b| b ^ 0x5c)
        .chain(inner.iter().copied())
        .collect();
    Sha256::digest(&outer).to_vec()
}

#[actix_web::test]
async fn oversized_token_requests_are_invalid_requests() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.max_body_size = 1024)).await;
    let big = "x".repeat(4096);
    let res = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &big),
            ("password", "p"),
        ],
    )
    .await;
    assert_oauth_error(res, 400, "invalid_request").await;
}

/// ENUM-1: the password grant answers a wrong password and an unknown login alike.
#[actix_web::test]
async fn the_password_grant_answers_wrong_and_unknown_logins_alike() {
    let app = TestApp::spawn().await;
    let email = email("grant-alike");
    app.register(&email).await;
    let mut answers = Vec::new();
    for login in [email.as_str(), "nobody-at-all@example.com"] {
        let res = token(
            &app,
            &[
                ("grant_type", "password"),
                ("username", login),
                ("password", "Wrong-pass1"),
            ],
        )
        .await;
        assert_eq!(res.status(), 400);
        assert_oauth_headers(&res);
        answers.push(res.text().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
}

/// SESS-8 / JWT-7: a token in the query string is never read (it would end up in logs).
#[actix_web::test]
async fn an_access_token_in_the_query_string_is_ignored() {
    let app = TestApp::spawn().await;
    let email = email("query-token");
    app.register(&email).await;
    let grant = token(
        &app,
        &[
            ("grant_type", "password"),
            ("username", &email),
            ("password", PASSWORD),
        ],
    )
    .await;
    let body: Value = grant.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap();
    for query in ["access_token", "token", "session"] {
        let res = app
            .fresh_client()
            .get(app.url(&format!("/me?{query}={access}")))
            .header("Accept", JSON)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "?{query}= must not authenticate");
    }
}
