//! The audit trail: an application's `on_audit` hook hears the security events, with stable
//! names and no secret in them.

use std::sync::{Arc, Mutex};

use serde_json::json;

use crate::support::*;

#[actix_web::test]
async fn a_hook_hears_login_failure_success_password_change_and_api_key_creation() {
    let heard: Arc<Mutex<Vec<stormpath::AuditEvent>>> = Arc::default();
    let sink = Arc::clone(&heard);
    let app = TestApp::spawn_with(move |b| {
        b.on_audit(move |event| sink.lock().unwrap().push(event.clone()))
    })
    .await;
    let email = email("audit");
    app.register(&email).await;
    let wrong = app
        .post_json("/login", &json!({"login": email, "password": "not-it-1A"}))
        .await;
    assert_eq!(wrong.status(), 400);
    let login = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(login.status(), 200);
    let changed = app
        .post_json(
            "/settings",
            &json!({"currentPassword": PASSWORD, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let key = app.post_json("/me/api-keys", &json!({"name": "ci"})).await;
    assert_eq!(key.status(), 201);
    let key: serde_json::Value = key.json().await.unwrap();
    let events = heard.lock().unwrap().clone();
    let names: Vec<&str> = events.iter().map(stormpath::AuditEvent::name).collect();
    assert_eq!(
        names,
        [
            "login.failure",
            "login.success",
            "password.changed",
            "api_key.created"
        ]
    );
    // The failure names the login by its digest, never the address; nothing holds a secret.
    assert_eq!(
        events[0].login(),
        Some(stormpath::audit::login_digest(&email).as_str())
    );
    assert!(events[0].ip().is_some());
    assert_eq!(events[3].key_id(), key["id"].as_str());
    let text = format!("{events:?}");
    for secret in [
        PASSWORD,
        "not-it-1A",
        "N3wP4ssw0rd###",
        key["secret"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret));
    }
    assert!(!text.contains(&email));
}

#[actix_web::test]
async fn a_reset_request_is_heard_alike_for_known_and_unknown_addresses() {
    let heard: Arc<Mutex<Vec<stormpath::AuditEvent>>> = Arc::default();
    let sink = Arc::clone(&heard);
    let app = TestApp::spawn_with(move |b| {
        b.on_audit(move |event| sink.lock().unwrap().push(event.clone()))
    })
    .await;
    let known = email("asked");
    app.register(&known).await;
    for address in [known.as_str(), "nobody-here@example.com"] {
        let res = app.post_json("/forgot", &json!({ "email": address })).await;
        assert_eq!(res.status(), 200);
    }
    let events = heard.lock().unwrap().clone();
    let names: Vec<&str> = events.iter().map(stormpath::AuditEvent::name).collect();
    assert_eq!(
        names,
        ["password.reset_requested", "password.reset_requested"]
    );
    assert_eq!(
        events[0].login(),
        Some(stormpath::audit::login_digest(&known).as_str())
    );
    assert!(!format!("{events:?}").contains(&known));
}
