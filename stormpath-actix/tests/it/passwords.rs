//! The password blocklist (common, breached and personal passwords) on every password set —
//! `/register`, `/change`, `/settings` — over JSON and forms, and the NIST preset.

use serde_json::json;

use crate::support::*;

async fn register_json(app: &TestApp, body: serde_json::Value) -> reqwest::Response {
    app.fresh_client()
        .post(app.url("/register"))
        .header("Accept", JSON)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn registration_refuses_common_passwords_and_the_accounts_own_words() {
    let app = TestApp::spawn().await;
    for common in ["Password1", "password123A", "Qwertyuiop1"] {
        let res = register_json(
            &app,
            json!({"email": email("common"), "password": common, "givenName": "Ann", "surname": "Lee"}),
        )
        .await;
        assert_json_error(res, 400, "Password is too common").await;
    }
    // The address itself (upper case, digits and all: it passes the composition rules).
    let own = email("Tester");
    let res = register_json(
        &app,
        json!({"email": own, "password": own, "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_json_error(res, 400, "too similar to your email address").await;
    let res = register_json(
        &app,
        json!({"email": email("named"), "password": "Quarterfield1", "givenName": "Zebulon", "surname": "Quarterfield"}),
    )
    .await;
    assert_json_error(res, 400, "too similar to your name").await;
    // Nothing was created: the address is still free.
    let res = register_json(
        &app,
        json!({"email": own, "password": PASSWORD, "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn the_registration_form_is_shown_again_with_the_reason() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "Ann"),
                ("surname", "Lee"),
                ("email", &email("form")),
                ("password", "Password1"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("Password is too common"), "{page}");
    assert!(page.contains(r#"name="_csrf""#));
}

#[actix_web::test]
async fn the_site_name_is_refused() {
    if remote() {
        // The server's application is named by the server, not by this app.
        return;
    }
    let app = TestApp::spawn_with(|b| b.application("Moonbeam Garden")).await;
    let res = register_json(
        &app,
        json!({"email": email("site"), "password": "MoonbeamGarden1", "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_json_error(res, 400, "too similar to the name of this site").await;
}

#[actix_web::test]
async fn a_reset_refuses_a_common_password_and_keeps_the_token() {
    let app = TestApp::spawn().await;
    // Upper case and digits in the address: as a password it passes the composition rules.
    let (email, token) = mailed_token(&app, "Reset").await;
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "Password1"}),
        )
        .await;
    assert_json_error(res, 400, "too common").await;
    let res = app
        .post_json("/change", &json!({"sptoken": token, "password": email}))
        .await;
    assert_json_error(res, 400, "too similar to your email address").await;
    // The form shows the reason too.
    let path = format!("/change?sptoken={token}");
    let res = app
        .post_form(
            &path,
            &path,
            &[("password", "Password1"), ("confirmPassword", "Password1")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Password is too common"));
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(res.status(), 200, "the token survived the refusals");
}

#[actix_web::test]
async fn settings_refuse_a_common_password_by_json_and_form() {
    let app = TestApp::spawn().await;
    let email = email("settings");
    app.login(&email).await;
    let res = app
        .post_json(
            "/settings",
            &json!({"currentPassword": PASSWORD, "password": "Password123"}),
        )
        .await;
    assert_json_error(res, 400, "too common").await;
    let res = app
        .post_form(
            "/settings",
            "/settings",
            &[
                ("currentPassword", PASSWORD),
                ("password", "Qwerty123"),
                ("confirmPassword", "Qwerty123"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Password is too"));
    // The old password still works: nothing changed.
    let res = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn the_blocklist_can_be_turned_off() {
    if remote() {
        // The server's blocklist is the server's setting.
        return;
    }
    let app = TestApp::spawn_with(|b| b.config(|c| c.password.blocklist = false)).await;
    let res = register_json(
        &app,
        json!({"email": email("off"), "password": "Password1", "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn the_nist_preset_asks_for_15_characters_and_no_composition() {
    if remote() {
        // The server's directory policy decides there.
        return;
    }
    let app = TestApp::spawn_with(|b| {
        b.config(|c| c.password.preset = stormpath::config::PasswordPreset::Nist)
    })
    .await;
    let res = register_json(
        &app,
        json!({"email": email("nist"), "password": "Sup3rSecret!xy", "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_json_error(res, 400, "at least 15 characters").await;
    // Lower-case letters and spaces only: no composition rule stands in the way.
    let res = register_json(
        &app,
        json!({"email": email("nist"), "password": "violet tugboat marmalade", "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    // The blocklist is on with the preset, whatever `blocklist` says.
    let res = register_json(
        &app,
        json!({"email": email("nist"), "password": "passwordpassword1", "givenName": "Ann", "surname": "Lee"}),
    )
    .await;
    assert_json_error(res, 400, "Password is too").await;
}
