//! `/register` (spec §10.2, §5, §11.2).

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn json_view_model_lists_the_four_default_fields() {
    let app = TestApp::spawn().await;
    let body: Value = app.get("/register", JSON).await.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 2);
    let names: Vec<_> = body["form"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("givenName"),
            json!("surname"),
            json!("email"),
            json!("password")
        ]
    );
    assert!(
        body["form"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["required"] == true)
    );
}

#[actix_web::test]
async fn html_form_has_fields_in_order_and_the_exact_button() {
    let app = TestApp::spawn().await;
    let page = app.get("/register", HTML).await.text().await.unwrap();
    let at = |needle: &str| {
        page.find(needle)
            .unwrap_or_else(|| panic!("missing {needle}"))
    };
    assert!(
        at(r#"name="givenName" type="text" placeholder="First Name""#) < at(r#"name="surname""#)
    );
    assert!(at(r#"name="surname""#) < at(r#"name="email" type="email""#));
    assert!(at(r#"name="email""#) < at(r#"name="password" type="password""#));
    assert!(page.contains(r#"<button type="submit" class="sp-button">Create Account</button>"#));
    assert!(page.contains(r#"autocomplete="new-password""#));
}

#[actix_web::test]
async fn json_registration_returns_the_stripped_account() {
    let app = TestApp::spawn().await;
    let email = email("reg");
    let res = app
        .post_json("/register", &json!({"email": email, "password": PASSWORD, "givenName": "Ada", "surname": "Lovelace"}))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        set_cookies(res.headers(), "access_token").is_empty(),
        "no autoLogin by default"
    );
    let body: Value = res.json().await.unwrap();
    let account = body["account"].as_object().unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1);
    let mut keys: Vec<_> = account.keys().cloned().collect();
    keys.sort();
    for key in [
        "createdAt",
        "email",
        "fullName",
        "givenName",
        "href",
        "middleName",
        "modifiedAt",
        "status",
        "surname",
        "username",
    ] {
        assert!(keys.contains(&key.to_owned()), "{key} in {keys:?}");
    }
    for forbidden in [
        "password",
        "customData",
        "groups",
        "apiKeys",
        "directory",
        "tenant",
    ] {
        assert!(!account.contains_key(forbidden));
    }
    assert_eq!(account["fullName"], "Ada Lovelace");
    assert_eq!(account["middleName"], Value::Null);
    assert_eq!(account["username"], email.as_str());
    assert_eq!(account["status"], "ENABLED");
    let created = account["createdAt"].as_str().unwrap();
    assert_eq!(created.len(), 24);
    assert!(created.ends_with('Z') && created.as_bytes()[19] == b'.');
    let text = serde_json::to_string(&body).unwrap();
    assert!(!text.contains("argon2") && !text.contains(PASSWORD));
}

#[actix_web::test]
async fn required_fields_get_the_spec_messages_in_field_order() {
    let app = TestApp::spawn().await;
    let cases = [
        (json!({}), "First Name is required."),
        (json!({"givenName": "A"}), "Last Name is required."),
        (
            json!({"givenName": "A", "surname": "B"}),
            "Email is required.",
        ),
        (
            json!({"givenName": "A", "surname": "B", "email": "x@example.com"}),
            "Password is required.",
        ),
        (
            json!({"givenName": "", "surname": "B", "email": "x@example.com", "password": PASSWORD}),
            "First Name is required.",
        ),
        (
            json!({"givenName": null, "surname": "B", "email": "x@example.com", "password": PASSWORD}),
            "First Name is required.",
        ),
    ];
    for (body, message) in cases {
        assert_json_error(app.post_json("/register", &body).await, 400, message).await;
    }
}

#[actix_web::test]
async fn unknown_and_disabled_fields_are_rejected() {
    let app = TestApp::spawn().await;
    let base =
        json!({"givenName": "A", "surname": "B", "email": email("unknown"), "password": PASSWORD});
    for (key, value) in [
        ("customValue", json!("x")),
        ("middleName", json!("M")),
        ("cusotmData", json!({})),
        ("status", json!("ENABLED")),
        ("href", json!("x")),
    ] {
        let mut body = base.clone();
        body[key] = value;
        assert_json_error(app.post_json("/register", &body).await, 400, key).await;
    }
    let mut body = base.clone();
    body["customData"] = json!({"isAdmin": true});
    assert_json_error(app.post_json("/register", &body).await, 400, "isAdmin").await;
    let email = base["email"].as_str().unwrap();
    assert!(
        app.sp
            .backend()
            .account_by_email(email)
            .await
            .unwrap()
            .is_none(),
        "nothing written"
    );
}

#[actix_web::test]
async fn configured_custom_fields_and_api_key_members_land_in_custom_data() {
    let app = TestApp::spawn_with(|b| {
        b.web(|web| {
            web.register.form.fields.insert(
                "favoriteColor".into(),
                json!({"enabled": true, "visible": true, "label": "Favorite Color", "placeholder": "blue", "required": true, "type": "text"}),
            );
        })
    })
    .await;
    let view: Value = app.get("/register", JSON).await.json().await.unwrap();
    assert_eq!(
        view["form"]["fields"].as_array().unwrap().last().unwrap()["name"],
        "favoriteColor"
    );
    let email = email("custom");
    let mut body = json!({"givenName": "A", "surname": "B", "email": email, "password": PASSWORD});
    assert_json_error(
        app.post_json("/register", &body).await,
        400,
        "Favorite Color is required.",
    )
    .await;
    body["customData"] = json!({"favoriteColor": "green", "stormpathApiKey_1": "id:secret"});
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
    let account = app
        .sp
        .backend()
        .account_by_email(&email)
        .await
        .unwrap()
        .unwrap();
    let data = app
        .sp
        .backend()
        .custom_data(&account.id)
        .await
        .unwrap()
        .data;
    assert_eq!(data["favoriteColor"], "green");
    assert!(
        !data.contains_key("stormpathApiKey_1"),
        "API keys are not kept in custom data"
    );
    let keys = app.sp.backend().api_keys(&account.id).await.unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].id, "id");
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .basic_auth("id", Some("secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "the key authenticates as its account");
    // At the root works as well.
    let email2 = self::email("custom-root");
    let body = json!({"givenName": "A", "surname": "B", "email": email2, "password": PASSWORD, "favoriteColor": "red"});
    assert_eq!(app.post_json("/register", &body).await.status(), 200);
}

#[actix_web::test]
async fn duplicate_email_in_another_case_or_width_is_409() {
    let app = TestApp::spawn().await;
    let email = email("dup");
    app.register(&email).await;
    for variant in [email.to_uppercase(), email.replacen('d', "ｄ", 1)] {
        let body =
            json!({"givenName": "A", "surname": "B", "email": variant, "password": PASSWORD});
        assert_json_error(
            app.post_json("/register", &body).await,
            409,
            "already exists",
        )
        .await;
    }
}

#[actix_web::test]
async fn concurrent_registrations_of_one_email_succeed_once() {
    let app = TestApp::spawn().await;
    let email = email("race");
    let body = json!({"givenName": "A", "surname": "B", "email": email, "password": PASSWORD});
    let sends = (0..6).map(|_| {
        let req = app
            .fresh_client()
            .post(app.url("/register"))
            .header("Accept", JSON)
            .json(&body);
        async move { req.send().await.unwrap().status().as_u16() }
    });
    let mut statuses: Vec<u16> = Vec::new();
    for handle in sends.map(actix_web::rt::spawn).collect::<Vec<_>>() {
        statuses.push(handle.await.unwrap());
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409, 409, 409, 409, 409]);
}

#[actix_web::test]
async fn weak_password_is_400_with_the_policy_message_and_no_account() {
    let app = TestApp::spawn().await;
    let email = email("weak");
    for (password, message) in [
        ("1", "Password requires at least 8 characters."),
        (
            "alllowercase1",
            "Password requires at least 1 uppercase character.",
        ),
        (
            "NoDigitsHere",
            "Password requires at least 1 numeric character.",
        ),
    ] {
        let body = json!({"givenName": "A", "surname": "B", "email": email, "password": password});
        assert_json_error(app.post_json("/register", &body).await, 400, message).await;
    }
    assert!(
        app.sp
            .backend()
            .account_by_email(&email)
            .await
            .unwrap()
            .is_none()
    );
}

#[actix_web::test]
async fn html_success_goes_to_login_with_status_created() {
    let app = TestApp::spawn().await;
    let email = email("htmlreg");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "A"),
                ("surname", "B"),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?status=created");
    assert!(set_cookies(res.headers(), "access_token").is_empty());
}

#[actix_web::test]
async fn html_auto_login_sets_cookies_and_goes_to_next_uri() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.register.auto_login = true)).await;
    let email = email("auto");
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "A"),
                ("surname", "B"),
                ("email", &email),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let res = app.get("/dashboard", HTML).await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn html_errors_rerender_with_values_kept_escaped_and_no_password() {
    let app = TestApp::spawn().await;
    let xss = r#""><svg onload=alert(1)>{{7*7}}"#;
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", xss),
                ("surname", ""),
                ("email", "x@example.com"),
                ("password", "weak-P4ss-canary"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(
        page.contains(
            r#"<div class="alert alert-danger" role="alert"><p>Last Name is required.</p></div>"#
        ),
        "{page}"
    );
    assert!(page.contains(r#"value="x@example.com""#));
    assert!(!page.contains("weak-P4ss-canary"));
    assert!(!page.contains("<svg onload"));
    assert!(page.contains("&lt;svg onload=alert(1)&gt;{{7*7}}"));
    // `{{7*7}}` stays text, never evaluated (a bare "49" could be part of a random token).
    assert!(!page.contains("alert(1)&gt;49"));
    assert!(
        page.contains(r#"aria-describedby="sp-surname-error""#),
        "the error sits next to its field"
    );
}

#[actix_web::test]
async fn weak_password_message_is_shown_next_to_the_password_field() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("givenName", "A"),
                ("surname", "B"),
                ("email", &email("w")),
                ("password", "short"),
            ],
        )
        .await;
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<p class="sp-field-error" id="sp-password-error">Password requires at least 8 characters.</p>"#));
}

#[actix_web::test]
async fn metacharacters_are_stored_verbatim() {
    let app = TestApp::spawn().await;
    let email = email("meta");
    let name = "Robert'); DROP TABLE accounts;-- <b>&amp;";
    let body = json!({"givenName": name, "surname": "O'Brien \"x\"", "email": email, "password": PASSWORD});
    let res: Value = app
        .post_json("/register", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["account"]["givenName"], name);
    assert_eq!(res["account"]["surname"], "O'Brien \"x\"");
    app.register(&self::email("still-works")).await;
}
