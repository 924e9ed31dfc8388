//! Access and refresh tokens: issue, verify, refresh, revoke, and forgeries.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use stormpath_client::{
    Account, AccountStatus, AccountUpdate, Error, Refreshed, TokenGrant, TokenSet, prelude::*,
};
use stormpath_store::Store;

use crate::support::{ClaimsExt, KEY, OTHER_KEY, TestDb, register};

on_both!(
    issued_access_token_verifies_with_the_account_href_as_subject,
    refresh_mints_a_new_access_token_and_returns_the_same_refresh_token,
    refresh_token_is_not_an_access_token_and_access_token_cannot_refresh,
    revoking_a_refresh_token_kills_it_and_the_access_tokens_minted_with_it,
    revoking_an_access_token_leaves_its_refresh_token_usable,
    revoke_all_tokens_kills_every_earlier_token_of_that_account_only,
    revocation_survives_reopening_the_store,
    disabling_an_account_kills_its_tokens,
    token_signed_with_another_key_is_refused,
    tampered_tokens_are_refused,
    expired_tokens_are_refused,
    header_carries_the_key_id_and_the_token_kind,
    a_retired_key_verifies_until_it_is_dropped,
    a_token_of_another_application_is_refused,
    unknown_key_ids_and_other_algorithms_are_refused,
);

async fn login(store: &Store, email: &str) -> (Account, TokenSet) {
    let account = register(store, email).await;
    let tokens = store
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    (account, tokens)
}

fn refresh_of(tokens: &TokenSet) -> &str {
    &tokens.refresh.as_ref().expect("a refresh token").token
}

async fn access_ok(store: &Store, token: &str) -> bool {
    store.verify_access_token(token).await.unwrap().is_some()
}

async fn refresh_err(store: &Store, token: &str) -> Error {
    match store.refresh_tokens(token).await {
        Ok(_) => panic!("the refresh token should have been refused"),
        Err(err) => err,
    }
}

async fn issued_access_token_verifies_with_the_account_href_as_subject(db: &TestDb) {
    let store = db.store().await;
    let (account, tokens) = login(&store, "tok@example.com").await;
    assert_eq!(tokens.expires_in, 3600);
    let auth = store
        .verify_access_token(&tokens.access_token)
        .await
        .unwrap()
        .expect("a fresh access token verifies");
    assert_eq!(auth.claims().sub, account.href);
    assert_eq!(auth.account.href, account.href);
    assert_eq!(auth.claims().exp, tokens.access_expires_at);
    assert!(auth.claims().rti.is_some(), "tied to its refresh token");
}

async fn refresh_mints_a_new_access_token_and_returns_the_same_refresh_token(db: &TestDb) {
    let store = db.store().await;
    let (account, tokens) = login(&store, "refresh@example.com").await;
    let Refreshed {
        tokens: again,
        session: who,
    } = store.refresh_tokens(refresh_of(&tokens)).await.unwrap();
    assert_eq!(who.account.href, account.href);
    assert_eq!(who.claims().sub, account.href);
    assert_eq!(who.claims().exp, again.access_expires_at);
    assert_ne!(again.access_token, tokens.access_token);
    assert_eq!(
        again.refresh, tokens.refresh,
        "no rotation: same token, same expiry"
    );
    let auth = store
        .verify_access_token(&again.access_token)
        .await
        .unwrap();
    assert_eq!(
        auth.expect("refreshed token verifies").claims().sub,
        account.href
    );
    assert!(
        access_ok(&store, &tokens.access_token).await,
        "old one still valid"
    );
}

async fn refresh_token_is_not_an_access_token_and_access_token_cannot_refresh(db: &TestDb) {
    let store = db.store().await;
    let (_, tokens) = login(&store, "kinds@example.com").await;
    assert!(!access_ok(&store, refresh_of(&tokens)).await);
    let err = refresh_err(&store, &tokens.access_token).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
}

async fn revoking_a_refresh_token_kills_it_and_the_access_tokens_minted_with_it(db: &TestDb) {
    let store = db.store().await;
    let (_, tokens) = login(&store, "revoke@example.com").await;
    let Refreshed {
        tokens: refreshed,
        session: _,
    } = store.refresh_tokens(refresh_of(&tokens)).await.unwrap();
    let (_, other) = login(&store, "bystander@example.com").await;

    store.revoke_tokens(&[refresh_of(&tokens)]).await.unwrap();

    let err = refresh_err(&store, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
    assert!(!access_ok(&store, &tokens.access_token).await);
    assert!(!access_ok(&store, &refreshed.access_token).await);
    assert!(access_ok(&store, &other.access_token).await);
    store.refresh_tokens(refresh_of(&other)).await.unwrap();

    // Revoking garbage or the same token again is not an error.
    store
        .revoke_tokens(&["not a token", "", refresh_of(&tokens)])
        .await
        .unwrap();
}

async fn revoking_an_access_token_leaves_its_refresh_token_usable(db: &TestDb) {
    let store = db.store().await;
    let (_, tokens) = login(&store, "logout@example.com").await;
    store.revoke_tokens(&[&tokens.access_token]).await.unwrap();
    assert!(!access_ok(&store, &tokens.access_token).await);
    let Refreshed {
        tokens: again,
        session: _,
    } = store.refresh_tokens(refresh_of(&tokens)).await.unwrap();
    assert!(access_ok(&store, &again.access_token).await);
}

async fn revoke_all_tokens_kills_every_earlier_token_of_that_account_only(db: &TestDb) {
    let store = db.store().await;
    let (account, first) = login(&store, "all@example.com").await;
    let second = store
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    let Refreshed {
        tokens: third,
        session: _,
    } = store.refresh_tokens(refresh_of(&first)).await.unwrap();
    let (_, other) = login(&store, "other@example.com").await;

    store.revoke_all_tokens(&account.id).await.unwrap();

    for access in [
        &first.access_token,
        &second.access_token,
        &third.access_token,
    ] {
        assert!(!access_ok(&store, access).await);
    }
    for refresh in [refresh_of(&first), refresh_of(&second)] {
        let err = refresh_err(&store, refresh).await;
        assert!(matches!(err, Error::InvalidToken), "{err:?}");
    }
    assert!(access_ok(&store, &other.access_token).await);
    store.refresh_tokens(refresh_of(&other)).await.unwrap();

    // Logging in again afterwards works.
    let fresh = store
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert!(access_ok(&store, &fresh.access_token).await);
    store.refresh_tokens(refresh_of(&fresh)).await.unwrap();
}

async fn revocation_survives_reopening_the_store(db: &TestDb) {
    let store = db.store().await;
    let (_, revoked) = login(&store, "persist@example.com").await;
    let (everyone, all_revoked) = login(&store, "persist-all@example.com").await;
    let (_, kept) = login(&store, "persist-kept@example.com").await;
    store.revoke_tokens(&[refresh_of(&revoked)]).await.unwrap();
    store.revoke_all_tokens(&everyone.id).await.unwrap();
    store.pool().close().await;
    drop(store);

    let reopened = db.store().await;
    let err = refresh_err(&reopened, refresh_of(&revoked)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
    assert!(!access_ok(&reopened, &revoked.access_token).await);
    let err = refresh_err(&reopened, refresh_of(&all_revoked)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
    assert!(!access_ok(&reopened, &all_revoked.access_token).await);
    assert!(access_ok(&reopened, &kept.access_token).await);
    reopened.refresh_tokens(refresh_of(&kept)).await.unwrap();
}

async fn disabling_an_account_kills_its_tokens(db: &TestDb) {
    let store = db.store().await;
    let (account, tokens) = login(&store, "disable@example.com").await;
    assert!(access_ok(&store, &tokens.access_token).await);
    let mut update = AccountUpdate::default();
    update.status = Some(AccountStatus::Disabled);
    store.update_account(&account.id, update).await.unwrap();
    assert!(!access_ok(&store, &tokens.access_token).await);
    let err = refresh_err(&store, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");

    // Enabling it again does not bring the old tokens back.
    let mut update = AccountUpdate::default();
    update.status = Some(AccountStatus::Enabled);
    store.update_account(&account.id, update).await.unwrap();
    assert!(!access_ok(&store, &tokens.access_token).await);
    let err = refresh_err(&store, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
}

async fn token_signed_with_another_key_is_refused(db: &TestDb) {
    let store = db.store().await;
    // Same database, same accounts and hrefs: only the key differs.
    let impostor = db.builder().signing_key(OTHER_KEY).build().await.unwrap();
    let account = register(&store, "keys@example.com").await;
    let forged = impostor
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert!(access_ok(&impostor, &forged.access_token).await);
    assert!(!access_ok(&store, &forged.access_token).await);
    let err = refresh_err(&store, refresh_of(&forged)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
    let genuine = store
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert!(!access_ok(&impostor, &genuine.access_token).await);
}

/// Replaces one segment of a compact JWS.
fn with_segment(token: &str, index: usize, segment: &str) -> String {
    let mut parts: Vec<&str> = token.split('.').collect();
    parts[index] = segment;
    parts.join(".")
}

fn decode(segment: &str) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(segment).unwrap()).unwrap()
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn tampered_tokens_are_refused(db: &TestDb) {
    let store = db.store().await;
    let (_, tokens) = login(&store, "tamper@example.com").await;
    let victim = register(&store, "victim@example.com").await;
    let access = tokens.access_token.as_str();
    let segments: Vec<&str> = access.split('.').collect();
    assert_eq!(segments.len(), 3);
    let (header, claims, signature) = (decode(segments[0]), decode(segments[1]), segments[2]);
    assert_eq!(header["alg"], "HS256");

    let mut other_sub = claims.clone();
    other_sub["sub"] = json!(victim.href);
    let mut later_exp = claims.clone();
    later_exp["exp"] = json!(claims["exp"].as_i64().unwrap() + 86_400);
    let mut alg_none = header.clone();
    alg_none["alg"] = json!("none");
    let mut alg_hs512 = header.clone();
    alg_hs512["alg"] = json!("HS512");
    let mut refresh_kind = header.clone();
    refresh_kind["stt"] = json!("refresh");
    let mut flipped = signature.to_owned().into_bytes();
    flipped[10] = if flipped[10] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();

    let forgeries = [
        with_segment(access, 1, &encode(&other_sub)),
        with_segment(access, 1, &encode(&later_exp)),
        with_segment(access, 0, &encode(&refresh_kind)),
        format!("{}.{}.", encode(&alg_none), segments[1]),
        with_segment(access, 0, &encode(&alg_none)),
        with_segment(access, 0, &encode(&alg_hs512)),
        with_segment(access, 2, &flipped),
        with_segment(access, 2, ""),
        format!("{access}.extra"),
        format!("{}.{}", segments[0], segments[1]),
        access[..access.len() - 1].to_owned(),
        format!("{access}A"),
        String::new(),
        "a.b.c".into(),
        "not a token".into(),
        "x".repeat(10_000),
    ];
    for forged in &forgeries {
        assert!(!access_ok(&store, forged).await, "accepted {forged}");
    }
    assert!(
        access_ok(&store, access).await,
        "the genuine one still works"
    );

    let refresh = refresh_of(&tokens);
    let refresh_segments: Vec<&str> = refresh.split('.').collect();
    let mut refresh_claims = decode(refresh_segments[1]);
    refresh_claims["sub"] = json!(victim.href);
    for forged in [
        with_segment(refresh, 1, &encode(&refresh_claims)),
        with_segment(refresh, 2, &flipped),
        refresh[..refresh.len() - 2].to_owned(),
    ] {
        let err = refresh_err(&store, &forged).await;
        assert!(matches!(err, Error::InvalidToken), "{err:?}");
    }
}

async fn expired_tokens_are_refused(db: &TestDb) {
    // A zero lifetime makes every token expire the second it is minted.
    let store = db
        .builder()
        .access_token_ttl(Duration::ZERO)
        .refresh_token_ttl(Duration::ZERO)
        .build()
        .await
        .unwrap();
    let (_, tokens) = login(&store, "expired@example.com").await;
    assert!(!access_ok(&store, &tokens.access_token).await);
    let err = refresh_err(&store, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
}

/// The authenticated hot path answers from memory: once an account is cached, verifying its
/// access token needs no database at all (here the pool is closed).
async fn verifying_a_cached_token_needs_no_database(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(stormpath_client::NewAccount {
            email: "hot@example.com".into(),
            password: "Sup3rSecret!".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let tokens = store
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    assert!(
        store
            .verify_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_some()
    );
    store.pool().close().await;
    let again = store
        .verify_access_token(&tokens.access_token)
        .await
        .unwrap();
    assert_eq!(again.unwrap().account.href, account.href);
}

on_both!(verifying_a_cached_token_needs_no_database);

async fn header_carries_the_key_id_and_the_token_kind(db: &TestDb) {
    let store = db.builder().key_id("key-2026").build().await.unwrap();
    let (_, tokens) = login(&store, "header@example.com").await;
    let access = decode(tokens.access_token.split('.').next().unwrap());
    assert_eq!(
        access,
        json!({"alg": "HS256", "typ": "JWT", "kid": "key-2026", "stt": "access"})
    );
    let refresh = decode(refresh_of(&tokens).split('.').next().unwrap());
    assert_eq!(refresh["stt"], "refresh");
    assert_eq!(refresh["kid"], "key-2026");

    // Without a configured key id, one derived from the key: stable across restarts.
    let plain = db.store().await;
    let first = plain
        .issue_tokens(
            &register(&plain, "kid1@example.com").await,
            TokenGrant::Password,
        )
        .await
        .unwrap();
    let again = db.store().await;
    let second = again
        .issue_tokens(
            &register(&again, "kid2@example.com").await,
            TokenGrant::Password,
        )
        .await
        .unwrap();
    let kid = |t: &TokenSet| decode(t.access_token.split('.').next().unwrap())["kid"].clone();
    assert!(
        kid(&first)
            .as_str()
            .is_some_and(|k| !k.is_empty() && k != "key-2026")
    );
    assert_eq!(kid(&first), kid(&second));
}

async fn a_retired_key_verifies_until_it_is_dropped(db: &TestDb) {
    let old = db.builder().key_id("k1").build().await.unwrap();
    let (_, tokens) = login(&old, "rotate@example.com").await;
    old.pool().close().await;
    drop(old);

    let rotated = db
        .builder()
        .signing_key(OTHER_KEY)
        .key_id("k2")
        .retired_signing_key("k1", KEY)
        .build()
        .await
        .unwrap();
    assert!(access_ok(&rotated, &tokens.access_token).await);
    let Refreshed {
        tokens: again,
        session: _,
    } = rotated.refresh_tokens(refresh_of(&tokens)).await.unwrap();
    assert_eq!(
        decode(again.access_token.split('.').next().unwrap())["kid"],
        "k2"
    );
    assert!(access_ok(&rotated, &again.access_token).await);
    rotated.pool().close().await;
    drop(rotated);

    let dropped = db
        .builder()
        .signing_key(OTHER_KEY)
        .key_id("k2")
        .build()
        .await
        .unwrap();
    assert!(!access_ok(&dropped, &tokens.access_token).await);
    let err = refresh_err(&dropped, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
    assert!(access_ok(&dropped, &again.access_token).await);
}

async fn a_token_of_another_application_is_refused(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "iss@example.com").await;
    // Same key, same database, another issuer (the application's href): its tokens are not
    // ours.
    let foreign = db
        .builder()
        .href_base("https://elsewhere.example/v1")
        .build()
        .await
        .unwrap();
    let tokens = foreign
        .issue_tokens(&account, TokenGrant::Password)
        .await
        .unwrap();
    let iss = decode(tokens.access_token.split('.').nth(1).unwrap())["iss"].clone();
    assert_eq!(
        iss.as_str(),
        Some(foreign.application().await.unwrap().href.as_str()),
        "iss is the application href (spec §6.1)"
    );
    assert!(
        iss.as_str()
            .unwrap()
            .starts_with("https://elsewhere.example/v1/applications/")
    );
    assert!(!access_ok(&store, &tokens.access_token).await);
    let err = refresh_err(&store, refresh_of(&tokens)).await;
    assert!(matches!(err, Error::InvalidToken), "{err:?}");
}

/// Signs `header.claims` with the test key, HS256, as any JWT library would.
fn sign_with_test_key(header: &Value, claims: &Value) -> String {
    use ring::hmac;
    let signed = format!("{}.{}", encode(header), encode(claims));
    let key = hmac::Key::new(hmac::HMAC_SHA256, KEY.as_bytes());
    let tag = hmac::sign(&key, signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

async fn unknown_key_ids_and_other_algorithms_are_refused(db: &TestDb) {
    let store = db.store().await;
    let (_, tokens) = login(&store, "kid@example.com").await;
    let segments: Vec<&str> = tokens.access_token.split('.').collect();
    let (header, claims) = (decode(segments[0]), decode(segments[1]));
    // Re-signed by hand with the right key: accepted as is.
    assert!(access_ok(&store, &sign_with_test_key(&header, &claims)).await);
    let mut unknown = header.clone();
    unknown["kid"] = json!("no-such-key");
    assert!(!access_ok(&store, &sign_with_test_key(&unknown, &claims)).await);
    let mut no_kid = header.clone();
    no_kid.as_object_mut().unwrap().remove("kid");
    assert!(access_ok(&store, &sign_with_test_key(&no_kid, &claims)).await);
    for alg in ["none", "HS512", "RS256"] {
        let mut other = header.clone();
        other["alg"] = json!(alg);
        assert!(
            !access_ok(&store, &sign_with_test_key(&other, &claims)).await,
            "{alg}"
        );
        let unsigned = format!("{}.{}.", encode(&other), segments[1]);
        assert!(!access_ok(&store, &unsigned).await, "{alg}");
    }
}
