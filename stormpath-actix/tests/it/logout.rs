//! `/logout` (spec §10.3) and server-side revocation.

use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn json_logout_is_200_empty_and_deletes_both_cookies() {
    let app = TestApp::spawn().await;
    app.login(&email("out")).await;
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for name in ["access_token", "refresh_token"] {
        let lines = set_cookies(res.headers(), name);
        assert_eq!(lines.len(), 1, "{name}");
        assert!(lines[0].starts_with(&format!("{name}=;")), "{}", lines[0]);
        assert!(lines[0].contains("Max-Age=0"));
        assert!(lines[0].contains("1970"));
    }
    assert!(res.text().await.unwrap().is_empty());
}

#[actix_web::test]
async fn html_logout_redirects_home_even_when_not_logged_in() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
}

#[actix_web::test]
async fn get_logout_is_not_handled() {
    let app = TestApp::spawn().await;
    app.login(&email("getout")).await;
    let res = app.get("/logout", HTML).await;
    // Not handled (spec §2.1): the app has no route there either.
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.get("/dashboard", JSON).await.status(),
        200,
        "still logged in"
    );
}

#[actix_web::test]
async fn replaying_cookies_after_logout_fails() {
    let app = TestApp::spawn().await;
    let res = app.login(&email("replay")).await;
    let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let refresh = cookie_value(set_cookies(res.headers(), "refresh_token")[0]).to_owned();
    let cookie = format!("access_token={access}; refresh_token={refresh}");
    let replay = || {
        app.fresh_client()
            .get(app.url("/dashboard"))
            .header("Accept", JSON)
            .header("Cookie", cookie.clone())
            .send()
    };
    assert_eq!(replay().await.unwrap().status(), 200);
    app.client
        .post(app.url("/logout"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(replay().await.unwrap().status(), 401);
    let only_refresh = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .header("Accept", JSON)
        .header("Cookie", format!("refresh_token={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(only_refresh.status(), 401);
    let bearer = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
}

#[actix_web::test]
async fn logout_with_a_bearer_token_revokes_it() {
    let app = TestApp::spawn().await;
    let res = app.login(&email("bearer-out")).await;
    let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let client = app.fresh_client();
    assert_eq!(
        client
            .get(app.url("/dashboard"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    client
        .post(app.url("/logout"))
        .bearer_auth(&access)
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(
        client
            .get(app.url("/dashboard"))
            .bearer_auth(&access)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let _ = json!({});
}
