//! `/me` (spec §10.7).

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn me_is_the_account_json_whatever_the_accept_header() {
    let app = TestApp::spawn().await;
    let email = email("me");
    app.login(&email).await;
    for accept in [HTML, JSON, "*/*", ""] {
        let res = app.get("/me", accept).await;
        assert_eq!(res.status(), 200, "Accept {accept:?}");
        assert!(
            res.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with(JSON)
        );
        let cache = res.headers()["cache-control"].to_str().unwrap().to_owned();
        assert!(cache.contains("no-cache") && cache.contains("no-store"));
        assert_eq!(res.headers()["pragma"], "no-cache");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body.as_object().unwrap().len(), 1);
        assert_eq!(body["account"]["email"], email.as_str());
        assert!(body["account"].get("customData").is_none());
    }
}

#[actix_web::test]
async fn me_unauthenticated() {
    let app = TestApp::spawn().await;
    let res = app.get("/me", HTML).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?next=%2Fme");
    for accept in [JSON, "*/*", "", "foo/bar"] {
        let res = app.get("/me", accept).await;
        assert_eq!(res.status(), 401);
        assert!(
            res.headers()["www-authenticate"]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
    assert_eq!(
        app.client
            .post(app.url("/me"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[actix_web::test]
async fn after_a_bounce_a_plain_login_goes_to_the_next_uri_not_the_saved_page() {
    let app = TestApp::spawn().await;
    let email = email("bounce");
    app.register(&email).await;
    app.get("/me", HTML).await;
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.headers()["location"], "/");
}

#[actix_web::test]
async fn configured_expansions_are_inlined_without_secrets() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            for key in [
                "customData",
                "groups",
                "groupMemberships",
                "apiKeys",
                "directory",
                "applications",
                "providerData",
            ] {
                w.me.expand.insert(key.into(), json!(true));
            }
        })
    })
    .await;
    let email = email("expand");
    let body = json!({"givenName": "E", "surname": "X", "email": email, "password": PASSWORD,
                      "customData": {"stormpathApiKey_1": "kid:ksecret"}});
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
    let account = app
        .sp
        .backend()
        .account_by_email(&email)
        .await
        .unwrap()
        .unwrap();
    stormpath_client::merge_custom_data(
        app.sp.backend().as_ref(),
        &account.id,
        json!({"color": "blue"}).as_object().unwrap().clone(),
    )
    .await
    .unwrap();
    app.sp.backend().ensure_group("admins", None).await.unwrap();
    app.sp
        .backend()
        .add_to_group(&account.id, "admins")
        .await
        .unwrap();
    app.post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    let me: Value = app.get("/me", JSON).await.json().await.unwrap();
    let acct = &me["account"];
    assert_eq!(acct["customData"]["color"], "blue");
    assert_eq!(acct["groups"]["size"], 1);
    assert_eq!(acct["groups"]["items"][0]["name"], "admins");
    assert_eq!(acct["groupMemberships"]["size"], 1);
    assert_eq!(acct["apiKeys"]["size"], 1);
    let directory = app.sp.backend().directory().await.unwrap();
    assert_eq!(acct["directory"]["name"], directory.name.as_str());
    if !crate::support::remote() {
        assert_eq!(directory.name, "Test App Directory");
    }
    assert!(
        acct["directory"]["href"]
            .as_str()
            .unwrap()
            .contains("/v1/directories/")
    );
    assert_eq!(acct["applications"]["size"], 1);
    let application = app.sp.backend().application().await.unwrap();
    assert_eq!(
        acct["applications"]["items"][0]["name"],
        application.name.as_str()
    );
    assert_eq!(acct["providerData"]["providerId"], "stormpath");
    let text = me.to_string();
    assert!(
        !text.contains("ksecret") && !text.contains("stormpathApiKey"),
        "{text}"
    );
}
