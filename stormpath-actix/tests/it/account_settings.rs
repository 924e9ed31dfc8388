//! `/settings`: changing the password while logged in.

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn the_settings_page_needs_a_login_and_has_three_password_fields() {
    let app = TestApp::spawn().await;
    let res = app.get("/settings", HTML).await;
    assert_eq!(res.headers()["location"], "/login?next=%2Fsettings");
    app.login(&email("page")).await;
    let page = app.get("/settings", HTML).await.text().await.unwrap();
    for (name, hint) in [
        ("currentPassword", "current-password"),
        ("password", "new-password"),
        ("confirmPassword", "new-password"),
    ] {
        assert!(
            page.contains(&format!(r#"name="{name}" type="password""#)),
            "{name}"
        );
        // Password managers fill the current password and offer a new one (PWD-6).
        let field = page.split(&format!(r#"name="{name}""#)).nth(1).unwrap();
        let field = &field[..field.find('>').unwrap()];
        assert!(
            field.contains(&format!(r#"autocomplete="{hint}""#)),
            "{name}: {field}"
        );
    }
}

#[actix_web::test]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let email = email("change");
    app.login(&email).await;
    let other = app.fresh_client();
    let other_login = other
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(other_login.status(), 200);
    let wrong = app
        .post_json(
            "/settings",
            &json!({"currentPassword": "nope", "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_json_error(wrong, 400, "current password is incorrect").await;
    let weak = app
        .post_json(
            "/settings",
            &json!({"currentPassword": PASSWORD, "password": "weak"}),
        )
        .await;
    assert_json_error(weak, 400, "at least 8").await;
    let res = app
        .post_json(
            "/settings",
            &json!({"currentPassword": PASSWORD, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["email"], email.as_str());
    assert_eq!(
        app.get("/me", JSON).await.status(),
        200,
        "this session continues"
    );
    let res = other
        .get(app.url("/me"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "the other session ended");
    let notice = nth_mail(&app, 1).await;
    assert_eq!(notice.rcpt_to, std::slice::from_ref(&email));
    assert!(
        notice.data.contains("password was changed")
            || notice.data.contains("Your password was changed")
    );
}

#[actix_web::test]
async fn html_change_redirects_with_a_notice() {
    let app = TestApp::spawn().await;
    app.login(&email("htmlchange")).await;
    let res = app
        .post_form(
            "/settings",
            "/settings",
            &[
                ("currentPassword", PASSWORD),
                ("password", "N3wP4ssw0rd###"),
                ("confirmPassword", "N3wP4ssw0rd###"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/settings?status=changed");
    let page = app
        .get("/settings?status=changed", HTML)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Your password has been changed."));
}
