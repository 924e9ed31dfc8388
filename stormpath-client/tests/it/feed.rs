//! The changes feed against a real `stormpath-server` behind a counting proxy (`proxy`): the
//! hot path makes no server call once an account is cached, whatever the number of tokens;
//! changes made through another instance reach this one; a silent feed fails closed and
//! recovers. (Against a server without the feed, see `tokens`: the fake server answers 404 to
//! it, and every token is confirmed as before.)

use std::{future::Future, time::Duration};

use stormpath_client::{
    Account, AccountId, AccountStatus, AccountUpdate, Error, NewAccount, TokenGrant,
    credentials::ApiKey, prelude::*, remote::RemoteBackend,
};
use stormpath_testkit::rest_server::RestServer;

use crate::proxy::Proxy;

/// A server whose public base URL is the proxy's, and the proxy forwarding to it.
async fn setup() -> (RestServer, Proxy) {
    let proxy = Proxy::start().await;
    let server = RestServer::start_with_env(&[("STORMPATH_SERVER_BASE_URL", &proxy.base_url)]);
    proxy.forward_to(&server.base_url);
    (server, proxy)
}

/// An application instance on the remote back end, through the proxy.
async fn instance(server: &RestServer, proxy: &Proxy) -> RemoteBackend {
    RemoteBackend::builder()
        .base_url(proxy.api())
        .api_key(ApiKey {
            id: server.key_id.clone(),
            secret: server.key_secret.clone(),
        })
        .application_href(&server.application_href)
        .timeout(Duration::from_secs(2))
        .build()
        .await
        .unwrap()
}

/// The server calls made since the last look, the feed's own polls left out.
fn calls(proxy: &Proxy) -> Vec<String> {
    proxy
        .take_paths()
        .into_iter()
        .filter(|p| !p.ends_with("/changes"))
        .collect()
}

/// Polls `check` until it holds (a generous deadline: no timing is asserted).
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn new_account(backend: &RemoteBackend, email: &str) -> Account {
    backend
        .create_account(NewAccount {
            email: email.into(),
            password: "W4lrus-J1g-feed".into(),
            given_name: Some("Feed".into()),
            surname: Some("Test".into()),
            ..NewAccount::default()
        })
        .await
        .unwrap()
}

/// Tokens issued at or before an instance's first reading of the feed (plus the clock
/// margin) are confirmed once; these tests want tokens issued after it.
async fn after_the_reset_mark() {
    tokio::time::sleep(Duration::from_secs(3)).await;
}

async fn valid(backend: &RemoteBackend, token: &str) -> bool {
    backend.verify_access_token(token).await.unwrap().is_some()
}

#[tokio::test]
async fn many_tokens_verify_without_a_server_call_once_the_account_is_cached() {
    let (server, proxy) = setup().await;
    let a = instance(&server, &proxy).await;
    let b = instance(&server, &proxy).await;
    let account = new_account(&a, "many@example.com").await;
    after_the_reset_mark().await;
    let mut tokens = Vec::new();
    for _ in 0..25 {
        let set = a
            .issue_tokens(&account, TokenGrant::Password)
            .await
            .unwrap();
        tokens.push(set.access_token);
    }
    calls(&proxy);
    // First sight of 25 tokens on instance B: the account is read once, no token is
    // confirmed with the server.
    for token in &tokens {
        assert!(valid(&b, token).await);
    }
    let account_path = account.href.trim_start_matches(&proxy.base_url).to_owned();
    assert_eq!(calls(&proxy), vec![account_path]);
    for _ in 0..3 {
        for token in &tokens {
            assert!(valid(&b, token).await);
        }
    }
    assert_eq!(
        calls(&proxy),
        Vec::<String>::new(),
        "no call on the hot path"
    );
}

#[tokio::test]
async fn changes_made_through_another_instance_reach_this_one() {
    let (server, proxy) = setup().await;
    let a = instance(&server, &proxy).await;
    let b = instance(&server, &proxy).await;
    let account = new_account(&a, "other@example.com").await;
    let id = AccountId(account.href.rsplit('/').next().unwrap().to_owned());
    a.ensure_group("admins", None).await.unwrap();
    a.add_to_group(&id, "admins").await.unwrap();
    after_the_reset_mark().await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        let set = a
            .issue_tokens(&account, TokenGrant::Password)
            .await
            .unwrap();
        tokens.push(set.access_token);
    }
    for token in &tokens {
        assert!(valid(&b, token).await);
    }
    assert!(
        b.group_names(&id)
            .await
            .unwrap()
            .contains(&"admins".to_owned())
    );

    // A logout on A.
    a.revoke_tokens(&[tokens[0].as_str()]).await.unwrap();
    eventually("the revoked token is refused on B", || async {
        !valid(&b, &tokens[0]).await
    })
    .await;
    assert!(valid(&b, &tokens[1]).await, "the others still hold");

    // A group membership removed on A.
    a.remove_from_group(&id, "admins").await.unwrap();
    eventually("the group is gone on B", || async {
        !b.group_names(&id)
            .await
            .unwrap()
            .contains(&"admins".to_owned())
    })
    .await;

    // The account disabled on A: its tokens are refused on B.
    let mut disable = AccountUpdate::default();
    disable.status = Some(AccountStatus::Disabled);
    a.update_account(&id, disable).await.unwrap();
    eventually("the disabled account's token is refused on B", || async {
        !valid(&b, &tokens[2]).await
    })
    .await;
}

#[tokio::test]
async fn a_logout_everywhere_on_another_instance_voids_tokens_of_every_grant() {
    let (server, proxy) = setup().await;
    let a = instance(&server, &proxy).await;
    let b = instance(&server, &proxy).await;
    let account = new_account(&a, "everywhere@example.com").await;
    let id = AccountId(account.href.rsplit('/').next().unwrap().to_owned());
    after_the_reset_mark().await;
    let password = a
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    let bare = a
        .issue_tokens(&account, TokenGrant::ClientCredentials)
        .await
        .unwrap();
    assert!(valid(&b, &password.access_token).await);
    assert!(valid(&b, &bare.access_token).await);
    a.revoke_all_tokens(&id).await.unwrap();
    eventually("both tokens are refused on B", || async {
        !valid(&b, &password.access_token).await && !valid(&b, &bare.access_token).await
    })
    .await;
}

#[tokio::test]
async fn a_silent_feed_fails_closed_and_recovers() {
    let (server, proxy) = setup().await;
    let b = instance(&server, &proxy).await;
    let account = new_account(&b, "silent@example.com").await;
    let token = b
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap()
        .access_token;
    assert!(valid(&b, &token).await);
    proxy.set_down(true);
    eventually("503 once the feed is silent", || async {
        matches!(b.verify_access_token(&token).await, Err(Error::Unavailable))
    })
    .await;
    proxy.set_down(false);
    eventually("served again once the feed answers", || async {
        matches!(b.verify_access_token(&token).await, Ok(Some(_)))
    })
    .await;
}

/// An account API key over Basic: once its record is read, repeated uses make no server call
/// while the feed is live; disabled through another instance (the admin API), it is refused
/// here as soon as the feed says so.
#[tokio::test]
async fn api_keys_are_kept_while_the_feed_is_live_and_dropped_when_changed_elsewhere() {
    let (server, proxy) = setup().await;
    let a = instance(&server, &proxy).await;
    let b = instance(&server, &proxy).await;
    let account = new_account(&a, "keyed@example.com").await;
    let id = AccountId(account.href.rsplit('/').next().unwrap().to_owned());
    let key = a.create_api_key(&id, None).await.unwrap();
    assert!(
        b.authenticate_api_key(&key.info.id, &key.secret)
            .await
            .unwrap()
            .is_some()
    );
    calls(&proxy);
    // Past the 1 s window a server without the feed gets: still served from memory.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for _ in 0..5 {
        assert!(
            b.authenticate_api_key(&key.info.id, &key.secret)
                .await
                .unwrap()
                .is_some()
        );
    }
    assert_eq!(
        calls(&proxy),
        Vec::<String>::new(),
        "no call on the hot path"
    );

    // Disabled through the admin API (as another app or `stormpath-server api-keys disable`).
    let disabled = reqwest::Client::new()
        .post(format!("{}/apiKeys/{}", server.api(), key.info.id))
        .basic_auth(&server.key_id, Some(&server.key_secret))
        .header("content-type", "application/json")
        .body(r#"{"status":"DISABLED"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), 200);
    eventually("the disabled key is refused on B", || async {
        b.authenticate_api_key(&key.info.id, &key.secret)
            .await
            .unwrap()
            .is_none()
    })
    .await;
}
