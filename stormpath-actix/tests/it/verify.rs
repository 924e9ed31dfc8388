//! `/verify` (spec §10.6): email verification through real mail.

use serde_json::{Value, json};

use crate::support::*;

async fn verifying_app() -> TestApp {
    TestApp::spawn_with(|b| b.web(|w| w.verify_email.enabled = Some(true))).await
}

fn register_body(email: &str) -> Value {
    json!({"givenName": "V", "surname": "U", "email": email, "password": PASSWORD})
}

#[actix_web::test]
async fn verify_is_not_bound_unless_enabled() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/verify", HTML).await.status(), 404);
}

#[actix_web::test]
async fn new_accounts_are_unverified_and_cannot_log_in_until_they_click() {
    let app = verifying_app().await;
    let email = email("verify");
    let res = app.post_json("/register", &register_body(&email)).await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["status"], "UNVERIFIED");
    let login = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_json_error(login, 400, "not verified").await;
    let message = nth_mail(&app, 1).await;
    assert_eq!(message.rcpt_to, std::slice::from_ref(&email));
    let link = mailed_link(&message.data);
    assert!(link.starts_with(&format!("{}/verify?sptoken=", app.base)));
    let token = token_of(&link);
    let res = app.get(&format!("/verify?sptoken={token}"), HTML).await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?status=verified");
    let login = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(login.status(), 200);
    // Single use: the link now shows the resend form with the warning.
    let res = app.get(&format!("/verify?sptoken={token}"), HTML).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("This verification link is no longer valid."));
    assert!(page.contains(r#"name="email" type="email""#));
}

#[actix_web::test]
async fn html_registration_goes_to_the_unverified_banner() {
    let app = verifying_app().await;
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "A"),
                ("surname", "B"),
                ("email", &email("h")),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?status=unverified");
    let page = app
        .get("/login?status=unverified", HTML)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"<a href="/verify">Click Here</a>"#));
}

#[actix_web::test]
async fn json_verify_answers() {
    let app = verifying_app().await;
    assert_json_error(
        app.get("/verify", JSON).await,
        400,
        "sptoken parameter not provided.",
    )
    .await;
    assert_json_error(app.get("/verify?sptoken=bogus", JSON).await, 404, "").await;
    let email = email("jv");
    app.post_json("/register", &register_body(&email)).await;
    let token = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    let res = app.get(&format!("/verify?sptoken={token}"), JSON).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().is_empty());
}

#[actix_web::test]
async fn resend_answers_the_same_and_mails_only_unverified_accounts() {
    let app = verifying_app().await;
    let email = email("resend");
    app.post_json("/register", &register_body(&email)).await;
    nth_mail(&app, 1).await;
    for address in [email.as_str(), "nobody@example.com"] {
        let res = app.post_json("/verify", &json!({ "email": address })).await;
        assert_eq!(res.status(), 200);
        assert!(res.text().await.unwrap().is_empty());
        let res = app
            .post_form("/verify", "/verify", &[("login", address)])
            .await;
        assert_eq!(res.headers()["location"], "/login?status=unverified");
    }
    let messages = app
        .smtp
        .wait_for_async(3, std::time::Duration::from_secs(5))
        .await;
    assert_eq!(
        messages.len(),
        3,
        "two resends for the real account, none for the unknown one"
    );
    assert!(messages.iter().all(|m| m.rcpt_to == [email.clone()]));
    // Only the newest link works.
    let old = token_of(&mailed_link(&messages[1].data));
    let new = token_of(&mailed_link(&messages[2].data));
    assert_eq!(
        app.get(&format!("/verify?sptoken={old}"), JSON)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/verify?sptoken={new}"), JSON)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn auto_login_applies_after_verification() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            w.verify_email.enabled = Some(true);
            w.register.auto_login = true;
        })
    })
    .await;
    let email = email("auto");
    let res = app.post_json("/register", &register_body(&email)).await;
    assert!(
        set_cookies(res.headers(), "access_token").is_empty(),
        "no session before verification"
    );
    let token = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    let res = app.get(&format!("/verify?sptoken={token}"), JSON).await;
    assert_eq!(res.status(), 200);
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["status"], "ENABLED");
}

/// A mail server that is down does not fail a registration: the verification mail waits in
/// the outbox and arrives once the server is back.
#[actix_web::test]
async fn a_registration_while_the_mail_server_is_down_gets_its_link_later() {
    if crate::support::remote() {
        return; // the server sends these mails through its own transport
    }
    let down = stormpath_testkit::SmtpSink::down();
    let url = format!("smtp://{down}");
    let app = TestApp::spawn_with(move |b| {
        let url = url.clone();
        b.web(|w| w.verify_email.enabled = Some(true))
            .config(move |c| {
                c.mail.smtp_url = Some(stormpath::config::Secret(url.clone()));
                c.mail.retry_max = 1;
            })
    })
    .await;
    let email = email("later");
    let res = app.post_json("/register", &register_body(&email)).await;
    assert_eq!(res.status(), 200);
    let sink = stormpath_testkit::SmtpSink::start_on(down);
    let mails = sink
        .wait_for_async(1, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(mails.len(), 1);
    let token = token_of(&mailed_link(&mails[0].data));
    let res = app.get(&format!("/verify?sptoken={token}"), JSON).await;
    assert_eq!(res.status(), 200);
}
