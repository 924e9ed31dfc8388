//! Account resolution (spec §8): cookies, bearer tokens, refresh, rejection.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;

use crate::support::*;

/// A GET from a client without a cookie jar, sending `cookie` as its `Cookie` header.
async fn get_with_cookie(
    app: &TestApp,
    path: &str,
    accept: &str,
    cookie: impl AsRef<str>,
) -> reqwest::Response {
    app.fresh_client()
        .get(app.url(path))
        .header("Accept", accept)
        .header("Cookie", cookie.as_ref())
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn unauthenticated_html_is_redirected_to_login_with_next() {
    let app = TestApp::spawn().await;
    let res = app.get("/dashboard", HTML).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?next=%2Fdashboard");
    let res = app.get("/dashboard?tab=1&x=%2F", HTML).await;
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Fdashboard%3Ftab%3D1%26x%3D%252F"
    );
}

#[actix_web::test]
async fn unauthenticated_json_is_an_empty_401_with_bearer_challenge() {
    let app = TestApp::spawn().await;
    for accept in [JSON, "*/*", "", "foo/bar"] {
        let res = app.get("/dashboard", accept).await;
        assert_eq!(res.status(), 401, "Accept: {accept:?}");
        let challenge = res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            challenge.starts_with("Bearer realm=\"Test App\""),
            "{challenge}"
        );
        assert!(res.text().await.unwrap().is_empty());
    }
}

#[actix_web::test]
async fn cookie_and_bearer_both_authenticate() {
    let app = TestApp::spawn().await;
    let email = email("both");
    let res = app.login(&email).await;
    let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let res = app.get("/dashboard", JSON).await;
    assert_eq!(res.text().await.unwrap(), format!("Hello {email}"));
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.get("/maybe", JSON).await.text().await.unwrap(), email);
    assert_eq!(
        app.fresh_client()
            .get(app.url("/maybe"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "anonymous"
    );
}

#[actix_web::test]
async fn login_required_works_without_a_current_user_argument() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/plain", JSON).await.status(), 401);
    app.login(&email("plain")).await;
    assert_eq!(
        app.get("/plain", JSON).await.text().await.unwrap(),
        "members only"
    );
}

#[actix_web::test]
async fn an_expired_access_cookie_is_refreshed_with_the_same_refresh_cookie() {
    let app = TestApp::spawn().await;
    let res = app.login(&email("refresh")).await;
    let refresh_line = set_cookies(res.headers(), "refresh_token")[0].to_owned();
    let refresh = cookie_value(&refresh_line).to_owned();
    let cookie = format!("access_token=expired.or.junk; refresh_token={refresh}");
    let res = get_with_cookie(&app, "/dashboard", JSON, cookie).await;
    assert_eq!(res.status(), 200);
    let new_access = set_cookies(res.headers(), "access_token");
    assert_eq!(new_access.len(), 1);
    let resent = set_cookies(res.headers(), "refresh_token");
    assert_eq!(resent.len(), 1);
    assert_eq!(
        cookie_value(resent[0]),
        refresh,
        "the identical refresh token is re-sent"
    );
    let expiry = |line: &str| {
        line.split(';')
            .find(|p| p.trim().starts_with("Expires="))
            .map(str::to_owned)
    };
    assert_eq!(
        expiry(resent[0]),
        expiry(&refresh_line),
        "with its original expiry"
    );
    let access = cookie_value(new_access[0]);
    assert_eq!(claims(access)["rti"], claims(&refresh)["jti"]);
}

#[actix_web::test]
async fn the_plugins_own_protected_routes_send_the_renewed_cookie_back() {
    let app = TestApp::spawn().await;
    let res = app.login(&email("renew")).await;
    let refresh = cookie_value(set_cookies(res.headers(), "refresh_token")[0]).to_owned();
    for (path, accept) in [("/me", JSON), ("/settings", HTML), ("/me/api-keys", JSON)] {
        let cookie = format!("access_token=expired.or.junk; refresh_token={refresh}");
        let res = get_with_cookie(&app, path, accept, cookie).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(
            set_cookies(res.headers(), "access_token").len(),
            1,
            "{path} renews the access cookie once"
        );
    }
    let res = get_with_cookie(&app, "/me", JSON, "access_token=junk; refresh_token=junk").await;
    assert_eq!(res.status(), 401);
    for name in ["access_token", "refresh_token"] {
        assert_eq!(
            set_cookies(res.headers(), name).len(),
            1,
            "{name} deleted once"
        );
    }
}

#[actix_web::test]
async fn invalid_cookies_are_deleted() {
    let app = TestApp::spawn().await;
    let res = get_with_cookie(
        &app,
        "/dashboard",
        JSON,
        "access_token=junk; refresh_token=junk",
    )
    .await;
    assert_eq!(res.status(), 401);
    for name in ["access_token", "refresh_token"] {
        assert!(
            set_cookies(res.headers(), name)[0].contains("Max-Age=0"),
            "{name} deleted"
        );
    }
}

fn forge(header: serde_json::Value, claims: serde_json::Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

#[actix_web::test]
async fn forged_expired_and_misused_tokens_are_401() {
    let app = TestApp::spawn().await;
    let res = app.login(&email("forge")).await;
    let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let refresh = cookie_value(set_cookies(res.headers(), "refresh_token")[0]).to_owned();
    let good_claims = claims(&access);
    let mut expired = good_claims.clone();
    expired["exp"] = json!(1_000_000);
    let sig = access.rsplit('.').next().unwrap();
    let bad = [
        forge(
            json!({"alg": "none", "stt": "access"}),
            good_claims.clone(),
            "",
        ),
        forge(
            json!({"alg": "HS512", "stt": "access"}),
            good_claims.clone(),
            sig,
        ),
        forge(header(&access), expired, sig),
        access[..access.len() - 2].to_owned(),
        refresh.clone(),
        format!("{access}.extra"),
    ];
    for token in bad {
        let res = app
            .fresh_client()
            .get(app.url("/dashboard"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{token}");
    }
    let res = get_with_cookie(&app, "/dashboard", JSON, format!("access_token={refresh}")).await;
    assert_eq!(res.status(), 401, "a refresh token is not an access cookie");
}

#[actix_web::test]
async fn a_bad_bearer_does_not_fall_back_to_cookies() {
    let app = TestApp::spawn().await;
    app.login(&email("fallback")).await;
    let res = app
        .client
        .get(app.url("/dashboard"))
        .bearer_auth("junk")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[actix_web::test]
async fn each_login_gets_unique_tokens() {
    let app = TestApp::spawn().await;
    let email = email("unique");
    app.register(&email).await;
    let mut jtis = std::collections::HashSet::new();
    for _ in 0..3 {
        let res = app
            .post_json("/login", &json!({"login": email, "password": PASSWORD}))
            .await;
        let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
        assert!(jtis.insert(claims(&access)["jti"].as_str().unwrap().to_owned()));
    }
}

/// Logs in with `X-Forwarded-Proto: https` and says whether the access cookie is `Secure`.
async fn secure_behind(app: &TestApp) -> bool {
    let email = email("secure");
    app.register(&email).await;
    let res = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .header("X-Forwarded-Proto", "https")
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let tokens = set_cookies(res.headers(), "access_token")[0].contains("Secure");
    // The CSRF cookie of a form page follows the same decision.
    let page = app
        .fresh_client()
        .get(app.url("/login"))
        .header("Accept", HTML)
        .header("X-Forwarded-Proto", "https")
        .send()
        .await
        .unwrap();
    let csrf = set_cookies(page.headers(), "sp_csrf")[0].contains("Secure");
    assert_eq!(tokens, csrf, "one HTTPS decision for every cookie");
    tokens
}

#[actix_web::test]
async fn https_behind_a_trusted_proxy_gets_secure_cookies() {
    let app = TestApp::spawn_with(|b| {
        b.config(|c| c.security.trusted_proxies = vec!["127.0.0.0/8".into()])
    })
    .await;
    assert!(secure_behind(&app).await);
}

#[actix_web::test]
async fn forwarded_proto_from_a_stranger_is_not_believed() {
    let app = TestApp::spawn().await;
    assert!(
        !secure_behind(&app).await,
        "no trusted proxy: the connection's own scheme (HTTP) decides"
    );
}

/// A `SECRET_KEY` rotated in after [`SECRET`].
const ROTATED: &str = "a-brand-new-secret-key-after-rotation-0123456789";

/// `GET /me` with `Authorization: Bearer <token>`.
async fn me_with(app: &TestApp, token: &str) -> u16 {
    app.fresh_client()
        .get(app.url("/me"))
        .header("Accept", JSON)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn tokens_signed_with_a_retired_key_verify_until_the_key_is_dropped() {
    if crate::support::remote() {
        return; // key rotation is the embedded store's; the server signs with its tenant keys
    }
    let before = TestApp::spawn().await;
    let email = email("rotate");
    let res = before.login(&email).await;
    let old = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let db = format!(
        "sqlite://{}",
        before.dir.path().join("stormpath.db").display()
    );

    // One public base URL, as behind a load balancer: account hrefs (the tokens' `sub`) match.
    let (url, base) = (db.clone(), before.base.clone());
    let rotated = TestApp::spawn_with(move |b| {
        b.database_url(url).secret_key(ROTATED).config(move |c| {
            c.web.base_url = base;
            c.tokens.retired_signing_keys = vec![stormpath::config::Secret(SECRET.into())];
        })
    })
    .await;
    assert_eq!(
        me_with(&rotated, &old).await,
        200,
        "the retired key still verifies"
    );
    let res = rotated
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    let new = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    assert_ne!(
        header(&new)["kid"],
        header(&old)["kid"],
        "new tokens name the new key"
    );
    assert_eq!(
        me_with(&before, &new).await,
        401,
        "the old app does not know it"
    );

    let base = before.base.clone();
    let dropped = TestApp::spawn_with(move |b| {
        b.database_url(db)
            .secret_key(ROTATED)
            .config(move |c| c.web.base_url = base)
    })
    .await;
    assert_eq!(me_with(&dropped, &old).await, 401, "dropped with its key");
    assert_eq!(me_with(&dropped, &new).await, 200);
}

#[actix_web::test]
async fn a_token_from_another_application_is_refused() {
    // Same key and database, another application (its `iss`): its tokens are not ours.
    let ours = TestApp::spawn().await;
    let (url, base) = (
        format!(
            "sqlite://{}",
            ours.dir.path().join("stormpath.db").display()
        ),
        ours.base.clone(),
    );
    let theirs = TestApp::spawn_with(move |b| {
        b.database_url(url)
            .application("Another App")
            .config(move |c| c.web.base_url = base)
    })
    .await;
    let res = theirs.login(&email("iss")).await;
    let token = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    assert!(
        claims(&token)["iss"]
            .as_str()
            .unwrap()
            .contains("/applications/"),
        "iss is the application href"
    );
    assert_eq!(me_with(&theirs, &token).await, 200);
    assert_eq!(me_with(&ours, &token).await, 401);
}
