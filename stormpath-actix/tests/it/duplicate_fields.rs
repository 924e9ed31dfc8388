//! A field given twice (issue 11 §7, INJ-5): a JSON body with a duplicate key is a 400 naming
//! it on every JSON route, nested objects included, and writes nothing; a repeated form field
//! takes its first value (spec §2.3); `/oauth/token` refuses a repeated parameter
//! (RFC 6749 §3.2) and any JSON body.

use serde_json::Value;

use crate::support::*;

async fn raw(app: &TestApp, path: &str, content_type: &str, body: &str) -> reqwest::Response {
    app.fresh_client()
        .post(app.url(path))
        .header("Accept", JSON)
        .header("Content-Type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_duplicate_key_in_a_registration_writes_nothing() {
    let app = TestApp::spawn().await;
    let email = email("dup-reg");
    for body in [
        format!(
            r#"{{"email":"{email}","givenName":"A","surname":"B","password":"{PASSWORD}","surname":"C"}}"#
        ),
        format!(
            r#"{{"email":"{email}","givenName":"A","surname":"B","password":"{PASSWORD}","customData":{{"plan":{{"tier":"a","tier":"b"}}}}}}"#
        ),
    ] {
        let res = raw(&app, "/register", JSON, &body).await;
        assert_json_error(res, 400, "Duplicate field").await;
    }
    let account = app.sp.backend().account_by_email(&email).await.unwrap();
    assert!(account.is_none(), "no account was created");
}

#[actix_web::test]
async fn a_duplicate_key_on_login_is_400_even_with_the_right_password_first() {
    let app = TestApp::spawn().await;
    let email = email("dup-login");
    app.register(&email).await;
    let body = format!(r#"{{"login":"{email}","password":"{PASSWORD}","password":"x"}}"#);
    let res = raw(&app, "/login", JSON, &body).await;
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    assert_json_error(res, 400, "Duplicate field \"password\"").await;
}

#[actix_web::test]
async fn a_repeated_form_field_takes_its_first_value() {
    let app = TestApp::spawn().await;
    let email = email("dup-form");
    app.register(&email).await;
    let (token, _) = app.form_page("/login").await;
    let post = |first: &str, second: &str| {
        app.client
            .post(app.url("/login"))
            .header("Accept", HTML)
            .form(&[
                ("login", email.as_str()),
                ("password", first),
                ("password", second),
                ("_csrf", token.as_str()),
            ])
            .send()
    };
    let res = post("wrong", PASSWORD).await.unwrap();
    assert_eq!(res.status(), 200, "the first (wrong) password decides");
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    let res = post(PASSWORD, "wrong").await.unwrap();
    assert_eq!(res.status(), 302, "the first (right) password decides");
}

#[actix_web::test]
async fn oauth_token_refuses_repeated_parameters_and_json() {
    let app = TestApp::spawn().await;
    let email = email("dup-oauth");
    app.register(&email).await;
    let form = format!(
        "grant_type=password&username={}&password={PASSWORD}&password=x",
        email.replace('@', "%40")
    );
    let json_body = format!(
        r#"{{"grant_type":"password","username":"{email}","password":"{PASSWORD}","password":"x"}}"#
    );
    for (content_type, body) in [
        ("application/x-www-form-urlencoded", form.as_str()),
        (JSON, json_body.as_str()),
    ] {
        let res = raw(&app, "/oauth/token", content_type, body).await;
        assert_eq!(res.status(), 400, "{content_type}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"], "invalid_request", "{content_type}");
        assert!(body.get("access_token").is_none());
    }
    // The control: the same form without the repetition is granted.
    let ok = format!(
        "grant_type=password&username={}&password={PASSWORD}",
        email.replace('@', "%40")
    );
    let res = raw(
        &app,
        "/oauth/token",
        "application/x-www-form-urlencoded",
        &ok,
    )
    .await;
    assert_eq!(res.status(), 200);
}
