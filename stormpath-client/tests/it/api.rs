//! The REST calls the back end makes and how it reads the answers: authentication of each
//! request, the application by name, error documents mapped to typed errors.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::json;
use stormpath_client::{AccountId, Error, InvalidKind, NewAccount, prelude::*};

use crate::{
    backend, builder,
    server::{Answer, FakeServer, KEY_ID, KEY_SECRET, account_json, error, ok},
};

#[tokio::test]
async fn build_reads_the_application_directory_and_policy_with_basic_auth() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let expected = format!(
        "Basic {}",
        STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"))
    );
    let requests = server.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("authorization") == Some(&expected))
    );
    assert!(
        requests
            .iter()
            .all(|r| r.headers.get("accept").map(String::as_str) == Some("application/json"))
    );
    assert_eq!(backend.application().await.unwrap().name, "My App");
    assert_eq!(backend.directory().await.unwrap().name, "Users");
    assert_eq!(backend.password_strength().await.unwrap().min_length, 10);
    assert!(format!("{backend:?}").contains(KEY_ID));
    assert!(
        !format!("{backend:?}").contains(KEY_SECRET),
        "the secret is never shown"
    );
}

#[tokio::test]
async fn the_application_is_found_by_name_through_the_current_tenant() {
    let server = FakeServer::start().await;
    let backend = crate::builder(&server)
        .application_name("my app")
        .build()
        .await
        .unwrap();
    assert_eq!(backend.application_href(), server.app_href());
    let paths: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(
        paths[..3],
        [
            "/v1/tenants/current",
            "/v1/tenants/t1",
            "/v1/tenants/t1/applications"
        ]
    );
    let err = builder(&server)
        .application_name("Nope")
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("application.name"), "{err}");
}

#[tokio::test]
async fn missing_settings_name_their_key() {
    let err = stormpath_client::remote::RemoteBackend::builder()
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("client.baseUrl"));
    let err = stormpath_client::remote::RemoteBackend::builder()
        .base_url("http://127.0.0.1:1/v1")
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("client.apiKey"));
    let server = FakeServer::start().await;
    let err = builder(&server)
        .application_href("http://elsewhere.example/v1/applications/x")
        .build()
        .await
        .unwrap_err();
    assert_eq!(
        err.field(),
        Some("application.href"),
        "the key is never sent elsewhere"
    );
    assert!(server.requests().is_empty());
    let err = stormpath_client::remote::RemoteBackend::builder()
        .base_url("ftp://127.0.0.1/v1")
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("client.baseUrl"));
}

#[tokio::test]
async fn login_failures_come_back_typed() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.set_rule(|r| {
        (r.path() == "/v1/applications/app1/loginAttempts").then(|| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            let value = STANDARD.decode(body["value"].as_str().unwrap()).unwrap();
            match value.as_slice() {
                b"ada@example.com:pass:word" => error(400, 7101, "disabled"),
                b"eve@example.com:x" => error(400, 7104, "Invalid username or password."),
                b"bob@example.com:x" => error(400, 7103, "The account is locked."),
                b"mal@example.com:x" => match error(400, 7103, "Too many attempts.") {
                    Answer::Json(status, body, _) => {
                        Answer::Json(status, body, vec![("Retry-After".into(), "30".into())])
                    }
                    other => other,
                },
                _ => error(400, 7100, "Invalid username or password."),
            }
        })
    });
    assert!(matches!(
        backend.authenticate("ada@example.com", "pass:word").await,
        Err(Error::AccountDisabled)
    ));
    assert!(matches!(
        backend.authenticate("eve@example.com", "x").await,
        Err(Error::InvalidCredentials)
    ));
    // "Locked": for good (the account's state), or for a while (the server's throttle, with
    // its wait in Retry-After).
    assert!(matches!(
        backend.authenticate("bob@example.com", "x").await,
        Err(Error::AccountDisabled)
    ));
    assert!(matches!(
        backend.authenticate("mal@example.com", "x").await,
        Err(Error::Throttled { retry_after: 30 })
    ));
    let login = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        login.target,
        "/v1/applications/app1/loginAttempts?expand=account"
    );
    assert_eq!(login.headers["content-type"], "application/json");
}

#[tokio::test]
async fn a_login_returns_the_expanded_account() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let base = server.base.clone();
    server.set_rule(move |r| {
        r.path()
            .ends_with("/loginAttempts")
            .then(|| ok(json!({"account": account_json(&base, "acct9", "zed@example.com")})))
    });
    let account = backend.authenticate("zed@example.com", "pw").await.unwrap();
    assert_eq!(account.id.as_str(), "acct9");
    assert_eq!(account.email, "zed@example.com");
}

#[tokio::test]
async fn registration_errors_keep_field_and_kind() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.set_rule(|r| {
        (r.method == "POST" && r.path() == "/v1/applications/app1/accounts").then(|| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            if body["email"] == "taken@example.com" {
                error(
                    409,
                    2001,
                    "Account with that email already exists.  Please choose another email.",
                )
            } else {
                error(400, 2007, "Account password minimum length not satisfied.")
            }
        })
    });
    // A password the local policy check passes, so that the server's answers are what is
    // mapped here.
    let new = |email: &str| NewAccount {
        email: email.into(),
        password: "Long enough 1A".into(),
        ..NewAccount::default()
    };
    let err = backend
        .create_account(new("taken@example.com"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Conflict { field: "email", .. }),
        "{err:?}"
    );
    let err = backend
        .create_account(new("new@example.com"))
        .await
        .unwrap_err();
    match err {
        Error::Validation(invalid) => {
            assert_eq!(invalid.kind, InvalidKind::PasswordTooShort);
            assert_eq!(invalid.field.as_deref(), Some("password"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn unknown_things_are_none_or_not_found() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    assert!(
        backend
            .account(&AccountId("nobody".into()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .account(&AccountId("..".into()))
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        backend.check_password_reset("no-such-token").await,
        Err(Error::NotFound)
    ));
    // An unknown address is answered like a known one (no enumeration).
    server.set_rule(|r| {
        r.path().ends_with("/passwordResetTokens").then(|| {
            error(
                400,
                2016,
                "The email property value 'x@y.com' does not match a known resource.",
            )
        })
    });
    backend.send_password_reset("x@y.com").await.unwrap();
    let reset = server
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&reset.body).unwrap(),
        json!({"email": "x@y.com"})
    );
}

#[tokio::test]
async fn custom_data_swaps_on_the_etag() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.set_rule(|r| match (r.method.as_str(), r.path()) {
        ("GET", "/v1/accounts/acct1/customData") => Some(Answer::Json(
            200,
            json!({"href": "h", "createdAt": "t", "modifiedAt": "t", "theme": "dark"}),
            vec![("ETag".into(), "\"7\"".into())],
        )),
        ("PUT", "/v1/accounts/acct1/customData") => Some(
            if r.headers.get("if-match").map(String::as_str) == Some("\"7\"") {
                Answer::Json(
                    200,
                    json!({"theme": "light"}),
                    vec![("ETag".into(), "\"8\"".into())],
                )
            } else {
                error(412, 412, "Precondition failed")
            },
        ),
        _ => None,
    });
    let id = AccountId("acct1".into());
    let current = backend.custom_data(&id).await.unwrap();
    assert_eq!(current.version, 7);
    assert_eq!(
        serde_json::Value::Object(current.data.clone()),
        json!({"theme": "dark"})
    );
    let mut data = current.data;
    data.insert("theme".into(), json!("light"));
    assert!(
        backend
            .swap_custom_data(&id, 7, data.clone())
            .await
            .unwrap()
    );
    assert!(!backend.swap_custom_data(&id, 6, data).await.unwrap());
}

#[tokio::test]
async fn sauthc1_signs_every_request_so_that_a_server_can_verify_it() {
    use stormpath_client::sauthc1::{Sauthc1Header, SignedRequest, verify};
    let server = FakeServer::start().await;
    let backend = crate::builder(&server)
        .scheme(stormpath_client::remote::AuthScheme::Sauthc1)
        .application_name("My App")
        .build()
        .await
        .unwrap();
    backend
        .account(&AccountId("acct1".into()))
        .await
        .unwrap()
        .unwrap();
    let requests = server.requests();
    assert!(requests.len() >= 8, "{}", requests.len());
    for r in &requests {
        let header = Sauthc1Header::parse(&r.headers["authorization"]).unwrap();
        assert_eq!(header.key_id, KEY_ID);
        let (path, query) = r.target.split_once('?').unwrap_or((&r.target, ""));
        let headers: Vec<(&str, &str)> = r
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signed = SignedRequest {
            method: &r.method,
            path,
            query,
            headers: &headers,
            body: &r.body,
        };
        assert!(
            verify(&header, KEY_SECRET, &signed),
            "{} {}",
            r.method,
            r.target
        );
        assert!(!verify(&header, "another secret", &signed));
    }
}

#[tokio::test]
async fn api_keys_authenticate_with_the_encrypted_secret_compared_here() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let base = server.base.clone();
    server.set_rule(move |r| {
        (r.path() == "/v1/applications/app1/apiKeys").then(|| {
            let items = if r.target.contains("id=KEY1") {
                vec![json!({"href": format!("{base}/apiKeys/KEY1"), "id": "KEY1",
                            "secret": crate::server::sealed("key-secret", r), "status": "ENABLED",
                            "account": account_json(&base, "acct1", "ada@example.com")})]
            } else {
                Vec::new()
            };
            ok(json!({"href": "x", "offset": 0, "limit": 25, "size": items.len(), "items": items}))
        })
    });
    let account = backend
        .authenticate_api_key("KEY1", "key-secret")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.email, "ada@example.com");
    assert!(
        backend
            .authenticate_api_key("KEY1", "key-secreT")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        backend
            .authenticate_api_key("NOPE", "key-secret")
            .await
            .unwrap()
            .is_none()
    );
    let lookup = server
        .requests()
        .into_iter()
        .find(|r| r.target.contains("id=KEY1"))
        .unwrap();
    assert!(
        lookup.target.contains("encryptSecret=true"),
        "{}",
        lookup.target
    );
    assert!(
        lookup.target.contains("expand=account"),
        "{}",
        lookup.target
    );
    // The key is remembered for a while: the second check made no call.
    let lookups = server
        .requests()
        .iter()
        .filter(|r| r.target.contains("id=KEY1"))
        .count();
    assert_eq!(lookups, 1);
}
