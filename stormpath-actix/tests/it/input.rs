//! Bad input: each gets a clear 4xx, never a 500 or a panic, and never a partial write.

use serde_json::json;

use crate::support::*;

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    app.fresh_client()
        .post(app.url(path))
        .header("Accept", JSON)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn malformed_json_and_non_objects_are_400() {
    let app = TestApp::spawn().await;
    for path in ["/login", "/register"] {
        for body in [&b"{"[..], b"[1,2]", b"\"text\"", b"null", b"{\"login\":}"] {
            let res = post_raw(&app, path, JSON, body.to_vec()).await;
            assert_json_error(res, 400, "").await;
        }
    }
}

#[actix_web::test]
async fn other_content_types_are_treated_as_an_empty_body() {
    let app = TestApp::spawn().await;
    let body = json!({"login": "a@b.c", "password": "x"})
        .to_string()
        .into_bytes();
    let res = post_raw(&app, "/login", "text/plain", body.clone()).await;
    assert_json_error(res, 400, "Login is required.").await;
    let res = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_json_error(res, 400, "Login is required.").await;
}

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.max_body_size = 1024)).await;
    let big = json!({"login": "a".repeat(2000), "password": "x"})
        .to_string()
        .into_bytes();
    assert_json_error(
        post_raw(&app, "/login", JSON, big.clone()).await,
        413,
        "too large",
    )
    .await;
    assert_json_error(
        post_raw(&app, "/register", JSON, big).await,
        413,
        "too large",
    )
    .await;
    let res = app
        .fresh_client()
        .post(app.url("/register"))
        .header("Accept", HTML)
        .form(&[("givenName", "x".repeat(2000))])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    assert!(res.text().await.unwrap().contains("too large"));
}

#[actix_web::test]
async fn very_long_values_are_rejected_cleanly() {
    let app = TestApp::spawn().await;
    let long_email = format!("{}@example.com", "a".repeat(300));
    let body = json!({"givenName": "A", "surname": "B", "email": long_email, "password": PASSWORD});
    assert_json_error(app.post_json("/register", &body).await, 400, "Email").await;
    let body = json!({"givenName": "A".repeat(300), "surname": "B", "email": email("long"), "password": PASSWORD});
    assert_json_error(app.post_json("/register", &body).await, 400, "255").await;
    let body = json!({"givenName": "A", "surname": "B", "email": email("longpw"), "password": format!("Aa1{}", "x".repeat(200))});
    assert_json_error(app.post_json("/register", &body).await, 400, "at most 100").await;
}

#[actix_web::test]
async fn header_injection_in_values_is_rejected() {
    let app = TestApp::spawn().await;
    let body = json!({"givenName": "A\r\nBcc: x@evil.example", "surname": "B", "email": email("crlf"), "password": PASSWORD});
    assert_json_error(app.post_json("/register", &body).await, 400, "control").await;
    let body = json!({"givenName": "A", "surname": "B", "email": "a@b.c\r\nBcc: x@evil.example", "password": PASSWORD});
    assert_json_error(app.post_json("/register", &body).await, 400, "Email").await;
}

#[actix_web::test]
async fn non_utf8_form_values_do_not_break_anything() {
    let app = TestApp::spawn().await;
    let (token, _) = app.form_page("/login").await;
    let mut body = b"login=%FF%FE&password=%C3%28&_csrf=".to_vec();
    body.extend_from_slice(token.as_bytes());
    let res = app
        .client
        .post(app.url("/login"))
        .header("Accept", HTML)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Invalid username or password.")
    );
    let raw = vec![0xff, 0xfe, b'{'];
    assert_json_error(post_raw(&app, "/register", JSON, raw).await, 400, "").await;
}

#[actix_web::test]
async fn wrong_json_types_are_400() {
    let app = TestApp::spawn().await;
    for body in [
        json!({"givenName": ["A"], "surname": "B", "email": "x@example.com", "password": PASSWORD}),
        json!({"givenName": "A", "surname": "B", "email": 12, "password": PASSWORD}),
        json!({"givenName": "A", "surname": "B", "email": "x@example.com", "password": true}),
        json!({"givenName": "A", "surname": "B", "email": "x@example.com", "password": PASSWORD, "customData": "x"}),
    ] {
        assert_json_error(app.post_json("/register", &body).await, 400, "").await;
    }
}

#[actix_web::test]
async fn duplicate_json_keys_are_400_naming_the_key() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.verify_email.enabled = Some(true))).await;
    let cases: [(&str, &str, &str); 5] = [
        (
            "/login",
            r#"{"login":"a@b.c","login":"x@y.z","password":"x"}"#,
            "login",
        ),
        (
            "/register",
            r#"{"email":"a@b.c","givenName":"A","surname":"B","password":"x","password":"y"}"#,
            "password",
        ),
        (
            "/register",
            r#"{"email":"d@b.c","customData":{"color":"red","color":"blue"}}"#,
            "color",
        ),
        ("/forgot", r#"{"email":"a@b.c","email":"x@y.z"}"#, "email"),
        ("/verify", r#"{"email":"a@b.c","email":"x@y.z"}"#, "email"),
    ];
    for (path, body, key) in cases {
        let res = post_raw(&app, path, JSON, body.as_bytes().to_vec()).await;
        let message = format!("Duplicate field \"{key}\" in the request body.");
        assert_json_error(res, 400, &message).await;
    }
}
