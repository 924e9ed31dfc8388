//! Developer hooks (spec §13): pre-login, post-login, pre-registration, post-registration and
//! post-logout, over a real server, for the form, JSON and the OAuth password grant. (Provider
//! sign-ins: `social.rs`.)

use std::sync::{Arc, Mutex};

use actix_web::HttpResponse;
use reqwest::{StatusCode, header::LOCATION};
use serde_json::{Value, json};
use stormpath::hooks::{After, Rejection};

use crate::support::{HTML, JSON, PASSWORD, TestApp, assert_json_error, set_cookies};

/// What the hooks saw, in order.
type Seen = Arc<Mutex<Vec<String>>>;

fn seen(log: &Seen) -> Vec<String> {
    log.lock().unwrap().clone()
}

/// An app whose hooks record what they see and:
/// * pre-login: `alias` stands for `ada@example.com`; `banned@example.com` is refused;
/// * post-login: HTML logins go to `/welcome`; a JSON login of `json@example.com` gets 202;
/// * pre-registration: a missing surname becomes `Unknown`; `spam.example` addresses are refused;
/// * post-registration: HTML goes to `/onboarding`;
/// * post-logout: HTML goes to `/goodbye`.
async fn app_with_hooks() -> (TestApp, Seen) {
    let log: Seen = Arc::default();
    let (pre, post, pre_reg, post_reg, out) = (
        Arc::clone(&log),
        Arc::clone(&log),
        Arc::clone(&log),
        Arc::clone(&log),
        Arc::clone(&log),
    );
    let app = TestApp::spawn_with(move |b| {
        b.pre_login(move |mut ctx| {
            let log = Arc::clone(&pre);
            async move {
                log.lock()
                    .unwrap()
                    .push(format!("pre-login {:?} {}", ctx.via, ctx.login));
                if ctx.login == "banned@example.com" {
                    return Err(Rejection::new("Banned accounts may not log in."));
                }
                if ctx.login == "alias" {
                    ctx.login = "ada@example.com".into();
                }
                Ok(ctx)
            }
        })
        .post_login(move |ctx| {
            let log = Arc::clone(&post);
            async move {
                log.lock()
                    .unwrap()
                    .push(format!("post-login {:?} {}", ctx.via, ctx.account.email));
                if ctx.account.email == "json@example.com" {
                    return After::Respond(HttpResponse::Accepted().json(json!({"hooked": true})));
                }
                After::Redirect("/welcome".into())
            }
        })
        .pre_registration(move |mut ctx| {
            let log = Arc::clone(&pre_reg);
            async move {
                let email = ctx.fields["email"].as_str().unwrap_or_default().to_owned();
                log.lock()
                    .unwrap()
                    .push(format!("pre-registration {email}"));
                if email.ends_with("@spam.example") {
                    return Err(Rejection::new(
                        "Registrations from spam.example are closed.",
                    ));
                }
                ctx.fields
                    .entry("surname")
                    .or_insert_with(|| json!("Unknown"));
                Ok(ctx)
            }
        })
        .post_registration(move |ctx| {
            let log = Arc::clone(&post_reg);
            async move {
                log.lock()
                    .unwrap()
                    .push(format!("post-registration {}", ctx.account.email));
                After::Redirect("/onboarding".into())
            }
        })
        .post_logout(move |ctx| {
            let log = Arc::clone(&out);
            async move {
                let who = ctx.account.map(|a| a.email).unwrap_or_default();
                log.lock().unwrap().push(format!("post-logout {who}"));
                After::Redirect("/goodbye".into())
            }
        })
    })
    .await;
    (app, log)
}

#[actix_web::test]
async fn pre_login_changes_the_login_and_post_login_chooses_the_redirect() {
    let (app, log) = app_with_hooks().await;
    app.register("ada@example.com").await;
    // JSON: the alias logs Ada in; the JSON answer is the route's own (`Redirect` is for HTML).
    let res = app
        .post_json("/login", &json!({"login": "alias", "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["email"], "ada@example.com");
    // The form: the same, and the browser goes where post-login said.
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", "alias"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/welcome");
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    assert_eq!(
        seen(&log),
        [
            "pre-registration ada@example.com",
            "post-registration ada@example.com",
            "pre-login Password alias",
            "post-login Password ada@example.com",
            "pre-login Password alias",
            "post-login Password ada@example.com",
        ]
    );
}

#[actix_web::test]
async fn pre_login_rejects_with_the_normal_error_before_any_password_check() {
    let (app, log) = app_with_hooks().await;
    app.register("banned@example.com").await;
    let res = app
        .post_json(
            "/login",
            &json!({"login": "banned@example.com", "password": PASSWORD}),
        )
        .await;
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    assert_json_error(res, 400, "Banned accounts may not log in.").await;
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", "banned@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    let page = res.text().await.unwrap();
    let error = page.split("bad-login").nth(1).expect("error container");
    assert!(error.contains("Banned accounts may not log in."), "{page}");
    assert!(
        !seen(&log).iter().any(|l| l.starts_with("post-login")),
        "{:?}",
        seen(&log)
    );
}

#[actix_web::test]
async fn post_login_may_answer_itself_keeping_the_cookies() {
    let (app, _log) = app_with_hooks().await;
    app.register("json@example.com").await;
    let res = app
        .post_json(
            "/login",
            &json!({"login": "json@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    assert_eq!(res.json::<Value>().await.unwrap(), json!({"hooked": true}));
}

#[actix_web::test]
async fn the_password_grant_runs_the_login_hooks() {
    let (app, log) = app_with_hooks().await;
    app.register("ada@example.com").await;
    app.register("banned@example.com").await;
    let grant = |username: &'static str| {
        app.fresh_client()
            .post(app.url("/oauth/token"))
            .form(&[
                ("grant_type", "password"),
                ("username", username),
                ("password", PASSWORD),
            ])
            .send()
    };
    let res = grant("alias").await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.json::<Value>().await.unwrap()["access_token"].is_string());
    let res = grant("banned@example.com").await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "message": "Banned accounts may not log in."})
    );
    let log = seen(&log);
    assert!(
        log.contains(&"pre-login PasswordGrant alias".to_owned()),
        "{log:?}"
    );
    assert!(
        log.contains(&"post-login PasswordGrant ada@example.com".to_owned()),
        "{log:?}"
    );
    assert!(!log.contains(&"post-login PasswordGrant banned@example.com".to_owned()));
    // Post-login's own answer replaces the token response.
    app.register("json@example.com").await;
    let res = grant("json@example.com").await.unwrap();
    assert_eq!(res.status(), StatusCode::ACCEPTED);
}

#[actix_web::test]
async fn pre_registration_changes_or_refuses_the_fields_and_post_registration_redirects() {
    let (app, log) = app_with_hooks().await;
    // No surname sent: the hook supplies one, and the account is created with it.
    let res = app
        .fresh_client()
        .post(app.url("/register"))
        .header("Accept", JSON)
        .json(&json!({"email": "grace@example.com", "password": PASSWORD, "givenName": "Grace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["account"]["surname"],
        "Unknown"
    );
    // Refused: the JSON error, and nothing created.
    let res = app
        .fresh_client()
        .post(app.url("/register"))
        .header("Accept", JSON)
        .json(&json!({"email": "bot@spam.example", "password": PASSWORD,
                      "givenName": "B", "surname": "Ot"}))
        .send()
        .await
        .unwrap();
    assert_json_error(res, 400, "Registrations from spam.example are closed.").await;
    assert!(
        app.sp
            .backend()
            .account_by_email("bot@spam.example")
            .await
            .unwrap()
            .is_none()
    );
    // Refused on the form: the form again with the message.
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("email", "bot2@spam.example"),
                ("password", PASSWORD),
                ("givenName", "B"),
                ("surname", "Ot"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(
        page.contains("Registrations from spam.example are closed."),
        "{page}"
    );
    assert!(
        page.contains("bot2@spam.example"),
        "the form keeps the values"
    );
    // The form, accepted: post-registration chose where the browser goes.
    let res = app
        .post_form(
            "/register",
            "/register",
            &[
                ("email", "form@example.com"),
                ("password", PASSWORD),
                ("givenName", "Form"),
                ("surname", "User"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/onboarding");
    let log = seen(&log);
    assert!(!log.contains(&"post-registration bot@spam.example".to_owned()));
    assert!(log.contains(&"post-registration form@example.com".to_owned()));
}

#[actix_web::test]
async fn post_logout_knows_who_left_and_chooses_the_redirect() {
    let (app, log) = app_with_hooks().await;
    app.login("ada@example.com").await;
    let res = app
        .client
        .post(app.url("/logout"))
        .header("Accept", HTML)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/goodbye");
    assert!(
        set_cookies(res.headers(), "access_token")[0].contains("Max-Age=0")
            || set_cookies(res.headers(), "access_token")[0].contains("1970"),
        "the cookie is deleted"
    );
    // Anonymous: the hook runs without an account.
    let res = app
        .fresh_client()
        .post(app.url("/logout"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let log = seen(&log);
    assert_eq!(
        log[log.len() - 2..],
        ["post-logout ada@example.com", "post-logout "]
    );
}

#[actix_web::test]
async fn without_hooks_nothing_changes() {
    let app = TestApp::spawn().await;
    app.register("plain@example.com").await;
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", "plain@example.com"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/");
}
