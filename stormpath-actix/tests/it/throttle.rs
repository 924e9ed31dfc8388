//! Throttling over HTTP (issue: lockout as a weapon, password spray, unthrottled secrets).
//!
//! The buckets' arithmetic (decay, spacing, caps) is proven with an injected clock in
//! `stormpath_client::throttle`'s unit tests; these tests prove each entry point is wired to it
//! and answers 429 with `Retry-After`, the same for existing and unknown logins.

use reqwest::Response;
use serde_json::{Value, json};
use stormpath::config::security::RuleConfig;

use crate::support::*;

const WRONG: &str = "Wrong-pass1";

/// An app that believes `X-Forwarded-For` from 127.0.0.1 (the test client), so a test can
/// speak from many addresses.
async fn behind_proxy() -> TestApp {
    TestApp::spawn_with(|b| b.config(|c| c.security.trusted_proxies = vec!["127.0.0.1".into()]))
        .await
}

async fn login_from(app: &TestApp, ip: Option<&str>, login: &str, password: &str) -> Response {
    let mut req = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({"login": login, "password": password}));
    if let Some(ip) = ip {
        req = req.header("X-Forwarded-For", ip);
    }
    req.send().await.unwrap()
}

async fn grant(app: &TestApp, username: &str, password: &str) -> Response {
    app.fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", username),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &Response) -> String {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The status, `Retry-After` and body of a throttled JSON answer.
async fn throttled(res: Response) -> (u16, String, Value) {
    let status = res.status().as_u16();
    let wait = retry_after(&res);
    (status, wait, res.json().await.unwrap())
}

#[actix_web::test]
async fn ten_failures_from_one_client_then_429_on_every_entry_point() {
    let app = TestApp::spawn().await;
    let bystander = email("bystander");
    let email = email("throttled");
    app.register(&email).await;
    app.register(&bystander).await;
    // Ten failures spread over the JSON login, the password grant and the form.
    for _ in 0..4 {
        assert_eq!(login_from(&app, None, &email, WRONG).await.status(), 400);
    }
    for _ in 0..3 {
        assert_eq!(grant(&app, &email, WRONG).await.status(), 400);
    }
    for _ in 0..3 {
        let res = app
            .post_form(
                "/login",
                "/login",
                &[("login", &email), ("password", WRONG)],
            )
            .await;
        assert_eq!(res.status(), 200, "a wrong password re-renders the form");
    }
    // The right password is now refused — saying so, never claiming it was wrong.
    let (status, wait, body) = throttled(login_from(&app, None, &email, PASSWORD).await).await;
    assert_eq!((status, wait.as_str()), (429, "90"), "10 per 15 min: 90 s");
    assert_eq!(body["status"], 429);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Too many attempts"),
        "{body}"
    );
    assert_eq!(body.as_object().unwrap().len(), 2);
    let res = grant(&app, &email, PASSWORD).await;
    assert_eq!(
        (res.status().as_u16(), retry_after(&res).as_str()),
        (429, "90")
    );
    assert_eq!(
        res.headers().get("cache-control").unwrap(),
        "no-store",
        "the token endpoint's headers"
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 429);
    assert_eq!(retry_after(&res), "90");
    assert!(res.text().await.unwrap().contains("Too many attempts"));
    // Someone else from the same address is not affected.
    assert_eq!(
        login_from(&app, None, &bystander, PASSWORD).await.status(),
        200
    );
}

#[actix_web::test]
async fn unknown_logins_are_throttled_exactly_like_existing_ones() {
    let app = TestApp::spawn().await;
    let known = email("known");
    app.register(&known).await;
    let unknown = email("unknown");
    for login in [&known, &unknown] {
        for _ in 0..10 {
            assert_eq!(login_from(&app, None, login, WRONG).await.status(), 400);
        }
    }
    let a = throttled(login_from(&app, None, &known, PASSWORD).await).await;
    let b = throttled(login_from(&app, None, &unknown, PASSWORD).await).await;
    assert_eq!(a, b, "nothing tells an existing login from an unknown one");
    assert_eq!(a.0, 429);
}

#[actix_web::test]
async fn an_attacker_elsewhere_does_not_lock_the_owner_out() {
    // On the remote back end too: the plugin tells the server it throttles logins itself
    // (stormpath-caller-throttles-logins), so the server's per-login bucket, blind to the
    // owner's address, stays out of the way.
    let app = behind_proxy().await;
    let email = email("owner");
    app.register(&email).await;
    let home = "198.51.100.7";
    assert_eq!(
        login_from(&app, Some(home), &email, PASSWORD)
            .await
            .status(),
        200
    );
    // 100 failures (the per-account bucket, NIST's ceiling) from 20 addresses, five each:
    // below every address's own limit.
    for i in 0..100 {
        let ip = format!("203.0.113.{}", i % 20);
        let res = login_from(&app, Some(&ip), &email, WRONG).await;
        assert_eq!(res.status(), 400, "failure {i}");
    }
    let (status, wait, _) =
        throttled(login_from(&app, Some("203.0.113.250"), &email, PASSWORD).await).await;
    assert_eq!(
        (status, wait.as_str()),
        (429, "36"),
        "a new address waits: 100 per hour, one more try every 36 s"
    );
    assert_eq!(
        login_from(&app, Some(home), &email, PASSWORD)
            .await
            .status(),
        200,
        "the owner's known address is not held back"
    );
}

#[actix_web::test]
async fn a_completed_reset_lets_the_owner_in_from_a_new_address() {
    let app = behind_proxy().await;
    let email = email("reset-owner");
    app.register(&email).await;
    for i in 0..100 {
        let ip = format!("203.0.113.{}", i % 25);
        assert_eq!(
            login_from(&app, Some(&ip), &email, WRONG).await.status(),
            400
        );
    }
    let cafe = "192.0.2.44";
    assert_eq!(
        login_from(&app, Some(cafe), &email, PASSWORD)
            .await
            .status(),
        429
    );
    let forgot = app
        .fresh_client()
        .post(app.url("/forgot"))
        .header("Accept", JSON)
        .header("X-Forwarded-For", cafe)
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(forgot.status(), 200);
    let token = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    let changed = app
        .fresh_client()
        .post(app.url("/change"))
        .header("Accept", JSON)
        .header("X-Forwarded-For", cafe)
        .json(&json!({ "sptoken": token, "password": "N3w-Passw0rd!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    assert_eq!(
        login_from(&app, Some(cafe), &email, "N3w-Passw0rd!")
            .await
            .status(),
        200,
        "a fresh reset link always gets the owner back in"
    );
}

#[actix_web::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let email = email("spoofer");
    app.register(&email).await;
    for i in 0..10 {
        let ip = format!("203.0.113.{i}");
        assert_eq!(
            login_from(&app, Some(&ip), &email, WRONG).await.status(),
            400
        );
    }
    assert_eq!(
        login_from(&app, Some("203.0.113.99"), &email, PASSWORD)
            .await
            .status(),
        429,
        "a made-up X-Forwarded-For does not buy a fresh bucket"
    );
}

#[actix_web::test]
async fn the_current_password_on_settings_counts_as_a_login() {
    let app = TestApp::spawn().await;
    let email = email("settings");
    app.login(&email).await;
    let change = |current: &'static str| {
        app.client
            .post(app.url("/settings"))
            .header("Accept", JSON)
            .json(&json!({"currentPassword": current, "password": "An0ther-Pass!"}))
            .send()
    };
    for _ in 0..10 {
        assert_eq!(change(WRONG).await.unwrap().status(), 400);
    }
    let res = change(PASSWORD).await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(retry_after(&res), "90");
}

#[actix_web::test]
async fn registrations_from_one_client_are_limited() {
    let app = TestApp::spawn_with(|b| {
        b.config(|c| {
            c.security.limits.register_per_ip = RuleConfig {
                limit: 3,
                window: 3600,
            }
        })
    })
    .await;
    for _ in 0..3 {
        app.register(&email("many")).await;
    }
    let res = app
        .fresh_client()
        .post(app.url("/register"))
        .header("Accept", JSON)
        .json(&json!({"email": email("many"), "password": PASSWORD, "givenName": "A", "surname": "B"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        retry_after(&res),
        "1200",
        "3 per hour: one every 20 minutes"
    );
    assert_json_error(res, 429, "Too many attempts").await;
}

/// Two mails from one client under a mail limit of two, then `path` (`/forgot`, or the
/// verification resend) is refused alike for a known and an unknown address.
async fn mail_requests_are_limited_alike_for_any_address(path: &str, verify: bool) {
    let app = TestApp::spawn_with(move |b| {
        b.web(move |w| w.verify_email.enabled = Some(verify))
            .config(|c| {
                c.security.limits.mail_per_ip = RuleConfig {
                    limit: 2,
                    window: 3600,
                }
            })
    })
    .await;
    let known = email("victim");
    app.register(&known).await;
    let ask = |address: String| {
        app.fresh_client()
            .post(app.url(path))
            .header("Accept", JSON)
            .json(&json!({ "email": address }))
            .send()
    };
    for _ in 0..2 {
        assert_eq!(ask(known.clone()).await.unwrap().status(), 200);
    }
    let a = throttled(ask(known.clone()).await.unwrap()).await;
    let b = throttled(ask(email("nobody")).await.unwrap()).await;
    assert_eq!(a, b);
    assert_eq!((a.0, a.1.as_str()), (429, "1800"));
}

#[actix_web::test]
async fn reset_requests_from_one_client_are_limited_alike_for_any_address() {
    mail_requests_are_limited_alike_for_any_address("/forgot", false).await;
}

/// RATE-3: verification resends share the mail bucket, alike for any address.
#[actix_web::test]
async fn verification_resends_from_one_client_are_limited_alike_for_any_address() {
    mail_requests_are_limited_alike_for_any_address("/verify", true).await;
}

#[actix_web::test]
async fn guessing_reset_tokens_is_throttled() {
    let app = TestApp::spawn_with(|b| {
        b.config(|c| {
            c.security.limits.token_failures_per_ip = RuleConfig {
                limit: 3,
                window: 900,
            }
        })
    })
    .await;
    let email = email("guessed");
    app.register(&email).await;
    let forgot = app
        .fresh_client()
        .post(app.url("/forgot"))
        .header("Accept", JSON)
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(forgot.status(), 200);
    let token = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    for i in 0..3 {
        let res = app.get(&format!("/change?sptoken=guess{i}"), JSON).await;
        assert_eq!(res.status(), 404, "a wrong token");
    }
    let res = app.get(&format!("/change?sptoken={token}"), JSON).await;
    assert_eq!(res.status(), 429, "throttled before the token is looked at");
    assert_eq!(retry_after(&res), "300");
    // Verification tokens share the bucket.
    let res = app
        .fresh_client()
        .post(app.url("/change"))
        .header("Accept", JSON)
        .json(&json!({ "sptoken": token, "password": "N3w-Passw0rd!" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
}

/// The failure that fills a login's own bucket is heard once as `account.locked`; later tries
/// from unknown clients are `login.throttled`, and the owner's known client still gets in.
#[actix_web::test]
async fn the_audit_trail_hears_when_a_logins_bucket_fills() {
    let heard: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
    let sink = std::sync::Arc::clone(&heard);
    let app = TestApp::spawn_with(move |b| {
        b.config(|c| {
            c.security.trusted_proxies = vec!["127.0.0.1".into()];
            c.security.limits.login_per_account.limit = 3;
        })
        .on_audit(move |e| sink.lock().unwrap().push(e.name().to_owned()))
    })
    .await;
    let email = email("filled");
    app.register(&email).await;
    let owner = login_from(&app, Some("198.51.100.7"), &email, PASSWORD).await;
    assert_eq!(owner.status(), 200);
    for i in 1..=3 {
        let ip = format!("203.0.113.{i}");
        assert_eq!(
            login_from(&app, Some(&ip), &email, WRONG).await.status(),
            400
        );
    }
    let stranger = login_from(&app, Some("203.0.113.99"), &email, PASSWORD).await;
    assert_eq!(stranger.status(), 429);
    let owner = login_from(&app, Some("198.51.100.7"), &email, PASSWORD).await;
    assert_eq!(owner.status(), 200);
    let names = heard.lock().unwrap().clone();
    assert_eq!(
        names,
        [
            "login.success",
            "login.failure",
            "login.failure",
            "account.locked",
            "login.failure",
            "login.throttled",
            "login.success"
        ]
    );
}
