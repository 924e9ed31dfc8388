//! CSRF (spec §2.4) on every form route, not only `/login` and `/register`: a form POST
//! without a valid token changes nothing, sends nothing, and says why — the form again for a
//! browser, 403 for a JSON client.

use serde_json::json;

use crate::support::*;

/// POSTs a form to `path` without any CSRF token (but with the CSRF cookie of a page visit,
/// as a cross-site form would ride on), as `accept`.
async fn post_without_token(
    app: &TestApp,
    path: &str,
    accept: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    app.form_page("/login").await;
    app.client
        .post(app.url(path))
        .header("Accept", accept)
        .form(fields)
        .send()
        .await
        .unwrap()
}

/// The same with a token taken from another browser's page.
async fn post_with_foreign_token(
    app: &TestApp,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let other = app.fresh_client();
    let page = other
        .get(app.url("/login"))
        .header("Accept", HTML)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let foreign = csrf_token(&page);
    app.form_page("/login").await;
    let mut form = fields.to_vec();
    form.push(("_csrf", &foreign));
    app.client
        .post(app.url(path))
        .header("Accept", HTML)
        .form(&form)
        .send()
        .await
        .unwrap()
}

/// Asserts the refusal of a form without a valid token, in both formats.
async fn assert_refused(app: &TestApp, path: &str, fields: &[(&str, &str)]) {
    let res = post_without_token(app, path, HTML, fields).await;
    assert_eq!(res.status(), 200, "{path}: the form again");
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    assert!(res.text().await.unwrap().contains("CSRF"), "{path}");
    let res = post_with_foreign_token(app, path, fields).await;
    assert_eq!(res.status(), 200, "{path}: the form again");
    assert!(res.text().await.unwrap().contains("CSRF"), "{path}");
    let res = post_without_token(app, path, JSON, fields).await;
    assert_json_error(res, 403, "").await;
}

#[actix_web::test]
async fn forgot_refuses_a_form_without_the_token_and_mails_nothing() {
    let app = TestApp::spawn().await;
    let (victim, other) = (email("csrf-forgot"), email("csrf-forgot-b"));
    app.register(&victim).await;
    app.register(&other).await;
    assert_refused(&app, "/forgot", &[("email", &victim)]).await;
    // Mail goes out in order: had a refused request mailed, its message would come first.
    let res = app.post_json("/forgot", &json!({"email": other})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(nth_mail(&app, 1).await.rcpt_to, vec![other]);
}

#[actix_web::test]
async fn verify_refuses_a_form_without_the_token_and_mails_nothing() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.verify_email.enabled = Some(true))).await;
    let (victim, other) = (email("csrf-verify"), email("csrf-verify-b"));
    for email in [&victim, &other] {
        let res = app
            .post_json(
                "/register",
                &json!({"givenName": "C", "surname": "V", "email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), 200);
    }
    let registered = app
        .smtp
        .wait_for_async(2, std::time::Duration::from_secs(5))
        .await
        .len();
    assert_eq!(registered, 2, "one verification mail each");
    assert_refused(&app, "/verify", &[("email", &victim)]).await;
    let res = app.post_json("/verify", &json!({"email": other})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(nth_mail(&app, 3).await.rcpt_to, vec![other]);
}

#[actix_web::test]
async fn change_refuses_a_form_without_the_token_and_keeps_the_password_and_sptoken() {
    let app = TestApp::spawn().await;
    let email = email("csrf-change");
    app.register(&email).await;
    assert_eq!(
        app.post_json("/forgot", &json!({"email": email}))
            .await
            .status(),
        200
    );
    let sptoken = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    let path = format!("/change?sptoken={sptoken}");
    let fields = [
        ("sptoken", sptoken.as_str()),
        ("password", "N3wP4ssw0rd###"),
        ("confirmPassword", "N3wP4ssw0rd###"),
    ];
    assert_refused(&app, &path, &fields).await;
    let old = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200, "the password did not change");
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": sptoken, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(res.status(), 200, "the token was not used up");
}

#[actix_web::test]
async fn settings_refuses_a_form_without_the_token_and_keeps_the_password() {
    let app = TestApp::spawn().await;
    let email = email("csrf-settings");
    app.login(&email).await;
    let fields = [
        ("currentPassword", PASSWORD),
        ("password", "N3wP4ssw0rd###"),
        ("confirmPassword", "N3wP4ssw0rd###"),
    ];
    assert_refused(&app, "/settings", &fields).await;
    assert_eq!(app.get("/me", JSON).await.status(), 200, "still logged in");
    let old = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 200, "the password did not change");
}
