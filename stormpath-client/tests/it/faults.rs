//! A server that is down, slow or answers garbage: a clear error, fast (or right after the
//! timeout), and no partial state.

use std::time::{Duration, Instant};

use serde_json::json;
use stormpath_client::{AccountId, AccountUpdate, Error, prelude::*};

use crate::{
    backend, builder,
    server::{Answer, FakeServer, account_json, error, ok},
};

fn text(err: &Error) -> String {
    assert!(err.is_backend(), "a back-end failure, not {err:?}");
    err.to_string()
}

#[tokio::test]
async fn a_server_that_is_down_is_a_clear_error_fast() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let started = Instant::now();
    let err = stormpath_client::remote::RemoteBackend::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1"))
        .api_key(stormpath_client::credentials::ApiKey {
            id: "id".into(),
            secret: "secret".into(),
        })
        .application_href(format!("http://127.0.0.1:{port}/v1/applications/a"))
        .scheme(stormpath_client::remote::AuthScheme::Basic)
        .build()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let message = text(&err);
    assert!(message.contains("could not connect"), "{message}");
    assert!(
        matches!(
            err.remote_failure(),
            Some(stormpath_client::remote::Failure::Connect { .. })
        ),
        "typed: {err:?}"
    );
    assert!(err.is_unavailable());
    assert!(message.contains("GET /v1/applications/a"), "{message}");
    // Three tries with a short backoff: well under the 10 s timeout.
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[tokio::test]
async fn a_slow_server_is_an_error_right_after_the_timeout() {
    let server = FakeServer::start().await;
    server.set_rule(|_| Some(Answer::Hang));
    let started = Instant::now();
    let err = builder(&server)
        .timeout(Duration::from_millis(400))
        .build()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let message = text(&err);
    assert!(message.contains("did not answer within 400ms"), "{message}");
    assert!(
        matches!(
            err.remote_failure(),
            Some(stormpath_client::remote::Failure::Timeout { .. })
        ),
        "typed: {err:?}"
    );
    assert!(elapsed >= Duration::from_millis(400), "{elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1500),
        "no hang: {elapsed:?}"
    );
    assert_eq!(server.requests().len(), 1, "a timeout is not retried");
}

#[tokio::test]
async fn a_slow_answer_to_a_write_is_not_retried_and_times_out() {
    let server = FakeServer::start().await;
    let backend = builder(&server)
        .timeout(Duration::from_millis(300))
        .build()
        .await
        .unwrap();
    server.reset_log();
    server.set_rule(|r| (r.method == "PUT").then_some(Answer::Hang));
    let started = Instant::now();
    let err = backend
        .swap_custom_data(&AccountId("acct1".into()), 3, serde_json::Map::new())
        .await
        .unwrap_err();
    assert!(text(&err).contains("did not answer"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(1200));
    let puts = server
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 1);
}

#[tokio::test]
async fn html_where_json_belongs_is_a_clear_error() {
    let server = FakeServer::start().await;
    server.set_rule(|r| {
        (r.path() == "/v1/applications/app1").then(|| {
            Answer::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 22\r\n\r\n<html>It works!</html>"
                    .to_vec(),
            )
        })
    });
    let err = builder(&server).build().await.unwrap_err();
    let message = text(&err);
    assert!(
        message.contains("is not a Stormpath API answer"),
        "{message}"
    );
    assert!(message.contains("<html>It works!"), "{message}");
    let failure = err.remote_failure().expect("typed");
    assert!(
        matches!(failure, stormpath_client::remote::Failure::Malformed { .. }),
        "{failure:?}"
    );
    assert_eq!(failure.status(), Some(200));
    assert!(!failure.is_unreachable());
}

#[tokio::test]
async fn bytes_that_are_not_http_are_a_clear_error() {
    let server = FakeServer::start().await;
    server.set_rule(|_| Some(Answer::Raw(b"SSH-2.0-OpenSSH_9.6\r\n\r\n".to_vec())));
    let message = text(&builder(&server).build().await.unwrap_err());
    assert!(
        message.contains("exchange with the Stormpath server failed"),
        "{message}"
    );
}

#[tokio::test]
async fn json_of_the_wrong_shape_is_a_clear_error() {
    let server = FakeServer::start().await;
    server.set_rule(|r| (r.path() == "/v1/applications/app1").then(|| ok(json!({"hello": 1}))));
    let message = text(&builder(&server).build().await.unwrap_err());
    assert!(message.contains("missing field"), "{message}");
}

#[tokio::test]
async fn an_error_page_without_an_error_document_is_a_clear_error() {
    let server = FakeServer::start().await;
    server.set_rule(|_| {
        Some(Answer::Raw(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\n\r\nBad Gateway".to_vec(),
        ))
    });
    let message = text(&builder(&server).build().await.unwrap_err());
    assert!(
        message.contains("without a Stormpath error document"),
        "{message}"
    );
    assert_eq!(
        server.requests().len(),
        3,
        "a 502 to a GET is retried, three tries in all"
    );
}

#[tokio::test]
async fn a_refused_api_key_is_a_clear_error() {
    let server = FakeServer::start().await;
    server.set_rule(|_| Some(error(401, 401, "Authentication required.")));
    let message = text(&builder(&server).build().await.unwrap_err());
    assert!(message.contains("401"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn reads_are_retried_on_503_and_logins_are_not() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.reset_log();
    server.set_rule(|r| (r.path() == "/v1/accounts/acct2").then(|| error(503, 503, "busy")));
    // 503 answered with a Stormpath document on a read still counts as transient.
    assert!(backend.account(&AccountId("acct2".into())).await.is_err());
    assert_eq!(server.requests().len(), 3);

    server.reset_log();
    server.set_rule(|r| {
        r.path()
            .ends_with("/loginAttempts")
            .then(|| error(503, 500, "busy"))
    });
    assert!(
        backend
            .authenticate("a@b.c", "pw")
            .await
            .unwrap_err()
            .is_backend()
    );
    assert_eq!(server.requests().len(), 1, "a POST is never retried");
}

#[tokio::test]
async fn a_read_recovers_when_a_retry_succeeds() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.reset_log();
    let hits = server.hits.clone();
    server.set_rule(move |r| {
        (r.path() == "/v1/accounts/acct1" && hits.load(std::sync::atomic::Ordering::SeqCst) <= 2)
            .then(|| error(503, 500, "busy"))
    });
    let account = backend
        .account(&AccountId("acct1".into()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.email, "ada@example.com");
}

#[tokio::test]
async fn a_failed_write_leaves_no_stale_cache_behind() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let id = AccountId("acct1".into());
    assert_eq!(
        backend
            .account(&id)
            .await
            .unwrap()
            .unwrap()
            .surname
            .as_deref(),
        Some("Lovelace")
    );
    // The update is applied on the server, but its answer is garbage.
    server.set_rule(|r| {
        (r.method == "POST" && r.path() == "/v1/accounts/acct1")
            .then(|| Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\":".to_vec()))
    });
    let update = {
        let mut update = AccountUpdate::default();
        update.surname = Some(Some("Byron".into()));
        update
    };
    assert!(
        backend
            .update_account(&id, update)
            .await
            .unwrap_err()
            .is_backend()
    );
    // The server now says Byron: the next read asks it instead of serving the old entry.
    let base = server.base.clone();
    server.set_rule(move |r| {
        (r.method == "GET" && r.path() == "/v1/accounts/acct1").then(|| {
            let mut account = account_json(&base, "acct1", "ada@example.com");
            account["surname"] = json!("Byron");
            ok(account)
        })
    });
    let account = backend.account(&id).await.unwrap().unwrap();
    assert_eq!(account.surname.as_deref(), Some("Byron"));
}

#[tokio::test]
async fn a_key_whose_naming_fails_is_deleted_again() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let base = server.base.clone();
    server.set_rule(move |r| match (r.method.as_str(), r.path()) {
        ("POST", "/v1/accounts/acct1/apiKeys") => Some(Answer::Json(
            201,
            json!({"href": format!("{base}/apiKeys/K1"), "id": "K1", "secret": crate::server::sealed("s", r),
                   "status": "ENABLED", "createdAt": "2024-01-01T00:00:00.000Z",
                   "account": {"href": format!("{base}/accounts/acct1")}}),
            Vec::new(),
        )),
        ("POST", "/v1/apiKeys/K1") => Some(Answer::Close),
        ("DELETE", "/v1/apiKeys/K1") => Some(Answer::Json(204, serde_json::Value::Null, Vec::new())),
        _ => None,
    });
    let err = backend
        .create_api_key(&AccountId("acct1".into()), Some("ci"))
        .await
        .unwrap_err();
    assert!(err.is_backend(), "{err:?}");
    let deleted = server
        .requests()
        .iter()
        .any(|r| r.method == "DELETE" && r.path() == "/v1/apiKeys/K1");
    assert!(deleted, "no key is left without its name");
}

/// A DELETE retried after a 502 or 504 (a gateway that may have passed the first attempt on)
/// and then not found was applied: the delete succeeded. Without a 502/504 first, a 404 is
/// still "not found".
#[tokio::test]
async fn a_delete_retried_after_a_gateway_error_and_then_gone_succeeded() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    for gateway in [502, 504] {
        let deletes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let seen = std::sync::Arc::clone(&deletes);
        server.set_rule(move |r| {
            (r.method == "DELETE" && r.path() == "/v1/accounts/acct1").then(|| {
                // The first attempt is applied, but its answer is lost at the gateway.
                if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    error(gateway, gateway.into(), "bad gateway")
                } else {
                    error(404, 404, "The requested resource does not exist.")
                }
            })
        });
        backend
            .delete_account(&AccountId("acct1".into()))
            .await
            .unwrap_or_else(|e| panic!("{gateway}: {e:?}"));
        assert_eq!(deletes.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
    server.set_rule(|r| {
        (r.method == "DELETE" && r.path() == "/v1/accounts/acct1")
            .then(|| error(404, 404, "The requested resource does not exist."))
    });
    let err = backend
        .delete_account(&AccountId("acct1".into()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
}

/// The fake server's answers to a password change of `acct1`: the login attempt succeeds, the
/// password POST answers `password`, the account has two access tokens, and deleting the
/// first fails with a 500.
fn password_change_rule(server: &FakeServer, password: Answer) {
    let base = server.base.clone();
    server.set_rule(move |r| match (r.method.as_str(), r.path()) {
        ("POST", "/v1/applications/app1/loginAttempts") => Some(ok(
            json!({"account": account_json(&base, "acct1", "ada@example.com")}),
        )),
        ("POST", "/v1/accounts/acct1") => Some(password.clone()),
        ("GET", "/v1/accounts/acct1/accessTokens") => Some(ok(json!({
            "offset": 0, "limit": 100, "size": 2,
            "items": [{"href": format!("{base}/accessTokens/T1")},
                      {"href": format!("{base}/accessTokens/T2")}]
        }))),
        ("GET", "/v1/accounts/acct1/refreshTokens") => Some(ok(
            json!({"offset": 0, "limit": 100, "size": 0, "items": []}),
        )),
        ("DELETE", "/v1/accessTokens/T1") => Some(error(500, 500, "boom")),
        ("DELETE", "/v1/accessTokens/T2") => {
            Some(Answer::Json(204, serde_json::Value::Null, Vec::new()))
        }
        _ => None,
    });
}

/// The access tokens of `acct1` the back end deleted on the server.
fn deleted_tokens(server: &FakeServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path().to_owned())
        .collect()
}

/// A password change is several calls: when the new password may have been applied but its
/// answer was lost, the account's tokens end anyway (every one tried, past a failed delete)
/// and the error is reported; when it was applied, a failed token delete does not turn the
/// change into an error; when it was refused, no token is touched.
#[tokio::test]
async fn a_password_change_whose_later_steps_fail_still_ends_the_tokens() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let id = AccountId("acct1".into());
    let all = vec![
        "/v1/accessTokens/T1".to_owned(),
        "/v1/accessTokens/T2".to_owned(),
    ];

    // Applied, but the answer is garbage: an error, and both tokens deleted.
    server.reset_log();
    password_change_rule(
        &server,
        Answer::Raw(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{\"a\":".to_vec()),
    );
    let err = backend
        .change_password(&id, "0ld-Passw0rd", "N3w-Passw0rd!")
        .await
        .unwrap_err();
    assert!(err.is_backend(), "{err:?}");
    assert_eq!(
        deleted_tokens(&server),
        all,
        "every token tried, past the failed one"
    );

    // Applied and answered: done, although one token delete failed (the server ended the
    // tokens with the password; this instance refuses them already).
    server.reset_log();
    password_change_rule(
        &server,
        ok(account_json(&server.base, "acct1", "ada@example.com")),
    );
    backend
        .change_password(&id, "0ld-Passw0rd", "N3w-Passw0rd!2")
        .await
        .unwrap();
    assert_eq!(deleted_tokens(&server), all);

    // Refused by the server: nothing changed, no token touched.
    server.reset_log();
    password_change_rule(&server, error(400, 2007, "The password is too weak."));
    let err = backend
        .change_password(&id, "0ld-Passw0rd", "N3w-Passw0rd!3")
        .await
        .unwrap_err();
    assert!(!err.is_backend(), "{err:?}");
    assert!(deleted_tokens(&server).is_empty());
}
