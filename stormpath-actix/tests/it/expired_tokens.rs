//! Tokens that are correctly signed — with the app's own key and `kid` — but expired: refused
//! over HTTP for the expiry itself, not for a bad signature (the control re-signs the same
//! claims with a future `exp` and is accepted).

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::*;

/// `claims` under `header`, signed HS256 with the test app's signing key (its `SECRET_KEY`:
/// no API key is configured).
fn sign(header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(input.as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{input}.{signature}")
}

/// The same token with another `exp` (and an `iat` before it), re-signed.
fn with_exp(token: &str, exp: i64) -> String {
    let mut body = claims(token);
    body["exp"] = json!(exp);
    body["iat"] = json!(exp - 3600);
    sign(&header(token), &body)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .try_into()
        .unwrap()
}

/// A logged-in account's (access, refresh) tokens from the password grant.
async fn tokens(app: &TestApp, tag: &str) -> (String, String) {
    let email = email(tag);
    app.register(&email).await;
    let body: Value = app
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
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn bearer(app: &TestApp, token: &str) -> u16 {
    app.fresh_client()
        .get(app.url("/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn refresh_grant(app: &TestApp, token: &str) -> reqwest::Response {
    app.fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_correctly_signed_expired_access_token_is_401() {
    if remote() {
        return; // the server accepts only the exact JWT it issued: no re-signed control can pass
    }
    let app = TestApp::spawn().await;
    let (access, _) = tokens(&app, "exp-access").await;
    assert_eq!(
        bearer(&app, &with_exp(&access, now() + 600)).await,
        200,
        "control: re-signed with a future exp, the token is accepted"
    );
    let expired = with_exp(&access, now() - 60);
    assert_eq!(bearer(&app, &expired).await, 401, "bearer");
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .header("Accept", JSON)
        .header("Cookie", format!("access_token={expired}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "cookie without a refresh token");
}

#[actix_web::test]
async fn a_correctly_signed_expired_refresh_token_is_refused() {
    if remote() {
        return; // the server accepts only the exact JWT it issued: no re-signed control can pass
    }
    let app = TestApp::spawn().await;
    let (access, refresh) = tokens(&app, "exp-refresh").await;
    let control = refresh_grant(&app, &with_exp(&refresh, now() + 600)).await;
    assert_eq!(control.status(), 200, "control: a future exp is accepted");
    let expired = with_exp(&refresh, now() - 60);
    let res = refresh_grant(&app, &expired).await;
    assert_eq!(res.status(), 400);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // As a cookie, next to an expired access cookie: no renewal, 401.
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .header("Accept", JSON)
        .header(
            "Cookie",
            format!(
                "access_token={}; refresh_token={expired}",
                with_exp(&access, now() - 60)
            ),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        set_cookies(res.headers(), "access_token")
            .iter()
            .all(|line| cookie_value(line).is_empty())
    );
}
