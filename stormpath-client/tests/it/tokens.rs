//! The hot path: access tokens verified locally, confirmed by the server once, then served
//! from memory; revocation through the back end refuses a token at once.

use std::sync::atomic::Ordering;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use stormpath_client::{Error, TokenGrant, prelude::*};

use crate::{
    backend,
    server::{Answer, FakeServer, KEY_ID, KEY_SECRET, account_json, error, ok},
};

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A token as the server signs it: HS256 with the tenant secret, `kid`, `stt`.
fn server_token(server: &FakeServer, kind: &str, jti: &str, secret: &str, exp: i64) -> String {
    stormpath_client::jws::install();
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KEY_ID.into());
    header.extras.insert("stt", kind);
    let mut claims = json!({
        "jti": jti, "iat": now(), "exp": exp, "iss": server.app_href(),
        "sub": format!("{}/accounts/acct1", server.base),
    });
    if kind == "access" {
        claims["rti"] = json!("refresh1");
    }
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

/// The token endpoint and the token resources, as the server answers them.
fn token_routes(server: &FakeServer) {
    let access = server_token(server, "access", "access1", KEY_SECRET, now() + 3600);
    let refresh = server_token(server, "refresh", "refresh1", KEY_SECRET, now() + 86_400);
    let base = server.base.clone();
    server.set_rule(move |r| match (r.method.as_str(), r.path()) {
        ("POST", "/v1/applications/app1/oauth/token") => {
            let form: Vec<(String, String)> = form_urlencoded::parse(&r.body).into_owned().collect();
            let grant = form.iter().find(|(k, _)| k == "grant_type").map(|(_, v)| v.as_str());
            let mut body = json!({"access_token": access, "token_type": "Bearer", "expires_in": 3600,
                                  "stormpath_access_token_href": format!("{base}/accessTokens/access1")});
            if grant == Some("stormpath_token") {
                body["refresh_token"] = json!(refresh);
            }
            Some(ok(body))
        }
        ("GET", path) if path.starts_with("/v1/applications/app1/authTokens/") => Some(Answer::Json(
            302,
            Value::Null,
            vec![("Location".into(), format!("{base}/accessTokens/x"))],
        )),
        ("GET", "/v1/accessTokens/x") => Some(ok(json!({"href": format!("{base}/accessTokens/x")}))),
        ("DELETE", _) => Some(Answer::Json(204, Value::Null, Vec::new())),
        _ => None,
    });
}

#[tokio::test]
async fn issued_tokens_verify_without_a_network_call() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    token_routes(&server);
    let account = backend
        .account(&stormpath_client::AccountId("acct1".into()))
        .await
        .unwrap()
        .unwrap();
    let tokens = backend
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert_eq!(tokens.expires_in, 3600);
    assert!(tokens.refresh.is_some());
    // The grant: a stormpath_token minted with the tenant secret.
    let grant = server
        .requests()
        .into_iter()
        .find(|r| r.path().ends_with("/oauth/token"))
        .unwrap();
    assert_eq!(
        grant.headers["content-type"],
        "application/x-www-form-urlencoded"
    );
    let form: Vec<(String, String)> = form_urlencoded::parse(&grant.body).into_owned().collect();
    assert!(form.contains(&("grant_type".into(), "stormpath_token".into())));

    server.reset_log();
    for _ in 0..5 {
        let session = backend
            .verify_access_token(&tokens.access_token)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(session.account.email, "ada@example.com");
        assert_eq!(session.claims.unwrap().jti, "access1");
    }
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        0,
        "the hot path stays local"
    );

    // Logout: refused at once, and deleted on the server by its kind.
    backend
        .revoke_tokens(&[&tokens.access_token])
        .await
        .unwrap();
    let deleted: Vec<_> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(deleted, ["DELETE /v1/accessTokens/access1"]);
    server.reset_log();
    assert!(
        backend
            .verify_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn client_credentials_get_an_access_token_only() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    token_routes(&server);
    let account = backend
        .account(&stormpath_client::AccountId("acct1".into()))
        .await
        .unwrap()
        .unwrap();
    let tokens = backend
        .issue_tokens(&account, TokenGrant::ClientCredentials)
        .await
        .unwrap();
    assert!(tokens.refresh.is_none());
}

#[tokio::test]
async fn a_new_token_is_confirmed_once_then_served_from_memory() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    token_routes(&server);
    let token = server_token(&server, "access", "seen-elsewhere", KEY_SECRET, now() + 600);
    server.reset_log();
    assert!(backend.verify_access_token(&token).await.unwrap().is_some());
    let paths: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.path().to_owned())
        .collect();
    assert!(
        paths[0].starts_with("/v1/applications/app1/authTokens/"),
        "{paths:?}"
    );
    assert_eq!(paths[1], "/v1/accessTokens/x", "the 302 is followed");
    server.reset_log();
    assert!(backend.verify_access_token(&token).await.unwrap().is_some());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn forged_expired_and_foreign_tokens_are_refused_locally() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    token_routes(&server);
    server.reset_log();
    let forged = server_token(&server, "access", "f", "not-the-tenant-secret", now() + 600);
    let expired = server_token(&server, "access", "e", KEY_SECRET, now() - 1);
    let refresh = server_token(&server, "refresh", "r", KEY_SECRET, now() + 600);
    for token in [
        forged.as_str(),
        expired.as_str(),
        refresh.as_str(),
        "garbage",
        "",
    ] {
        assert!(
            backend.verify_access_token(token).await.unwrap().is_none(),
            "{token}"
        );
    }
    assert!(
        server.requests().is_empty(),
        "no network call for a token that fails locally"
    );
}

#[tokio::test]
async fn a_token_the_server_disowns_is_refused_and_remembered() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.set_rule(|r| {
        r.path()
            .contains("/authTokens/")
            .then(|| error(400, 10013, "Token does not exist."))
    });
    let token = server_token(
        &server,
        "access",
        "revoked-elsewhere",
        KEY_SECRET,
        now() + 600,
    );
    assert!(backend.verify_access_token(&token).await.unwrap().is_none());
    server.reset_log();
    assert!(backend.verify_access_token(&token).await.unwrap().is_none());
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn refresh_mints_a_new_access_token_and_keeps_the_refresh_token() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    token_routes(&server);
    let refresh = server_token(&server, "refresh", "refresh1", KEY_SECRET, now() + 86_400);
    let refreshed = backend.refresh_tokens(&refresh).await.unwrap();
    assert_eq!(refreshed.tokens.refresh.as_ref().unwrap().token, refresh);
    assert_eq!(refreshed.session.account.id.as_str(), "acct1");
    // A revoked refresh token is refused without asking the server, and so are the access
    // tokens minted with it.
    backend.revoke_tokens(&[&refresh]).await.unwrap();
    server.reset_log();
    assert!(matches!(
        backend.refresh_tokens(&refresh).await,
        Err(Error::InvalidToken)
    ));
    assert!(
        backend
            .verify_access_token(&refreshed.tokens.access_token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(server.requests().is_empty());
    // Garbage is an invalid token, not a failure.
    assert!(matches!(
        backend.refresh_tokens("nope").await,
        Err(Error::InvalidToken)
    ));
}

#[tokio::test]
async fn revoking_all_tokens_pages_through_both_lists() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    let base = server.base.clone();
    let token = server_token(&server, "access", "a2", KEY_SECRET, now() + 600);
    token_routes(&server);
    assert!(backend.verify_access_token(&token).await.unwrap().is_some());
    server.set_rule(move |r| match (r.method.as_str(), r.path()) {
        ("GET", "/v1/accounts/acct1/accessTokens") => Some(ok(json!({
            "href": "x", "offset": 0, "limit": 100, "size": 1,
            "items": [{"href": format!("{base}/accessTokens/a2"),
                       "expandedJwt": {"claims": {"jti": "a2", "exp": now() + 600}}}]
        }))),
        ("GET", "/v1/accounts/acct1/refreshTokens") => Some(ok(json!({
            "href": "x", "offset": 0, "limit": 100, "size": 1,
            "items": [{"href": format!("{base}/refreshTokens/r2")}]
        }))),
        ("DELETE", _) => Some(Answer::Json(
            404,
            json!({"status": 404, "code": 404}),
            Vec::new(),
        )),
        ("GET", "/v1/accounts/acct1") => Some(ok(account_json(&base, "acct1", "ada@example.com"))),
        _ => None,
    });
    backend
        .revoke_all_tokens(&stormpath_client::AccountId("acct1".into()))
        .await
        .unwrap();
    let deletes: Vec<_> = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(deletes, ["/v1/accessTokens/a2", "/v1/refreshTokens/r2"]);
    assert!(backend.verify_access_token(&token).await.unwrap().is_none());
}

#[tokio::test]
async fn an_unreachable_server_fails_closed_and_revocation_still_holds() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    // The account is cached; then the server stops answering token questions.
    backend
        .account(&stormpath_client::AccountId("acct1".into()))
        .await
        .unwrap()
        .unwrap();
    server.set_rule(|r| r.path().contains("/authTokens/").then_some(Answer::Close));
    let token = server_token(&server, "access", "while-down", KEY_SECRET, now() + 600);
    // A token the server cannot confirm is not trusted: a 503 to retry, not a session that
    // may have been revoked on another instance.
    let err = backend.verify_access_token(&token).await.unwrap_err();
    assert!(err.is_unavailable(), "{err:?}");
    assert_eq!(err.status(), 503);
    // Revocation through this back end still holds once the server answers again.
    server.set_rule(|r| (r.method == "DELETE").then_some(Answer::Close));
    assert!(
        backend
            .revoke_tokens(&[&token])
            .await
            .unwrap_err()
            .is_backend()
    );
    server.set_rule(|_| None);
    assert!(backend.verify_access_token(&token).await.unwrap().is_none());
}

/// A token signed by another key of the tenant (`kid`), and the routes that describe the key.
fn foreign_key_routes(server: &FakeServer, directory: &'static str) {
    let base = server.base.clone();
    server.set_rule(move |r| match (r.method.as_str(), r.path()) {
        ("GET", "/v1/apiKeys/ADMIN2") => Some(ok(json!({
            "href": format!("{base}/apiKeys/ADMIN2"), "id": "ADMIN2", "status": "ENABLED",
            "secret": crate::server::sealed("second-admin-secret", r),
            "account": {"href": format!("{base}/accounts/admin2")}
        }))),
        ("GET", "/v1/accounts/admin2") => Some(ok(json!({
            "href": format!("{base}/accounts/admin2"),
            "directory": {"href": format!("{base}/directories/admins")}
        }))),
        ("GET", "/v1/directories/admins") => Some(ok(json!({
            "href": format!("{base}/directories/admins"), "name": directory, "status": "ENABLED"
        }))),
        ("GET", path) if path.contains("/authTokens/") => Some(Answer::Json(
            302,
            Value::Null,
            vec![("Location".into(), format!("{base}/accessTokens/x"))],
        )),
        ("GET", "/v1/accessTokens/x") => Some(ok(json!({"href": "x"}))),
        _ => None,
    });
}

fn token_of_key(server: &FakeServer, kid: &str, secret: &str) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid.into());
    header.extras.insert("stt", "access");
    let claims = json!({"jti": format!("by-{kid}"), "iat": now(), "exp": now() + 600,
                        "iss": server.app_href(), "sub": format!("{}/accounts/acct1", server.base)});
    jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn a_token_of_another_admin_key_verifies_with_that_key_fetched_once() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    foreign_key_routes(&server, "Stormpath Administrators");
    let token = token_of_key(&server, "ADMIN2", "second-admin-secret");
    assert!(backend.verify_access_token(&token).await.unwrap().is_some());
    let second = token_of_key(&server, "ADMIN2", "second-admin-secret").replace("by-ADMIN2", "x");
    let _ = backend.verify_access_token(&second).await;
    let key_reads = server
        .requests()
        .iter()
        .filter(|r| r.path() == "/v1/apiKeys/ADMIN2")
        .count();
    assert_eq!(key_reads, 1, "the key is fetched once");
    // Signed with something else while naming that key: refused.
    let forged = token_of_key(&server, "ADMIN2", "guess");
    assert!(
        backend
            .verify_access_token(&forged)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_token_signed_with_an_ordinary_accounts_key_is_refused() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    foreign_key_routes(&server, "Users");
    let token = token_of_key(&server, "ADMIN2", "second-admin-secret");
    assert!(backend.verify_access_token(&token).await.unwrap().is_none());
}

#[tokio::test]
async fn made_up_kids_cause_a_bounded_number_of_lookups() {
    let server = FakeServer::start().await;
    let backend = backend(&server).await;
    server.reset_log();
    for n in 0..50 {
        let token = token_of_key(&server, &format!("MADEUP{n}"), "whatever");
        assert!(backend.verify_access_token(&token).await.unwrap().is_none());
    }
    let lookups = server
        .requests()
        .iter()
        .filter(|r| r.path().starts_with("/v1/apiKeys/"))
        .count();
    assert!(lookups <= 10, "{lookups} lookups for 50 made-up kids");
}
