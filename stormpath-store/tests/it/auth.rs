//! Authentication: credential errors, account status, and password hashing.

use std::time::Duration;

use stormpath_client::{AccountStatus, AccountUpdate, Error, NewAccount, prelude::*};
use stormpath_store::{HashParams, Store};

use crate::support::{KEY, PASSWORD, TestDb, new_account, password_hash, register};

on_both!(
    wrong_password_and_unknown_login_are_both_invalid_credentials,
    disabled_account_with_the_right_password_is_account_disabled,
    unverified_account_with_the_right_password_is_account_unverified,
    default_store_hashes_with_owasp_argon2id_parameters,
    login_rehashes_a_password_stored_with_outdated_parameters,
    password_is_compared_in_nfkc,
    logins_beyond_the_hashing_queue_are_refused_as_unavailable,
);

async fn wrong_password_and_unknown_login_are_both_invalid_credentials(db: &TestDb) {
    let store = db.store().await;
    register(&store, "carol@example.com").await;
    for (login, password) in [
        ("carol@example.com", "Analyt1cal-En9ine2"),
        ("carol@example.com", "analytical1"),
        ("carol@example.com", ""),
        ("nobody@example.com", PASSWORD),
        ("", PASSWORD),
        ("   ", PASSWORD),
    ] {
        let err = store.authenticate(login, password).await.unwrap_err();
        assert!(
            matches!(err, Error::InvalidCredentials),
            "{login:?}/{password:?}: {err:?}"
        );
        assert_eq!(err.status(), 400);
    }
}

async fn disabled_account_with_the_right_password_is_account_disabled(db: &TestDb) {
    let store = db.store().await;
    let created_disabled = store
        .create_account(NewAccount {
            status: Some(AccountStatus::Disabled),
            ..new_account("off@example.com")
        })
        .await
        .unwrap();
    assert_eq!(created_disabled.status, AccountStatus::Disabled);
    let err = store
        .authenticate("off@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AccountDisabled), "{err:?}");
    // A wrong password still says nothing about the account's status.
    let err = store
        .authenticate("off@example.com", "Wrong1234")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials), "{err:?}");

    let later = register(&store, "later@example.com").await;
    let mut update = AccountUpdate::default();
    update.status = Some(AccountStatus::Disabled);
    store.update_account(&later.id, update).await.unwrap();
    let err = store
        .authenticate("later@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AccountDisabled), "{err:?}");

    let mut update = AccountUpdate::default();
    update.status = Some(AccountStatus::Enabled);
    store.update_account(&later.id, update).await.unwrap();
    store
        .authenticate("later@example.com", PASSWORD)
        .await
        .unwrap();
}

async fn unverified_account_with_the_right_password_is_account_unverified(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(NewAccount {
            status: Some(AccountStatus::Unverified),
            ..new_account("pending@example.com")
        })
        .await
        .unwrap();
    assert_eq!(account.status, AccountStatus::Unverified);
    assert_eq!(
        account.email_verification_status,
        Some(stormpath_client::EmailVerificationStatus::Unverified)
    );
    let err = store
        .authenticate("pending@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::AccountUnverified), "{err:?}");
    let err = store
        .authenticate("pending@example.com", "Wrong1234")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
}

/// The one check that pays for real (OWASP) argon2id parameters.
async fn default_store_hashes_with_owasp_argon2id_parameters(db: &TestDb) {
    let store = Store::builder()
        .database_url(db.url())
        .signing_key(KEY)
        .build()
        .await
        .unwrap();
    let account = register(&store, "owasp@example.com").await;
    let phc = password_hash(&store, &account.id).await;
    assert!(
        phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "stored hash {phc}"
    );
    assert!(!phc.contains(PASSWORD));
    let found = store.authenticate("owasp@example.com", PASSWORD).await;
    assert_eq!(found.unwrap().href, account.href);
}

async fn login_rehashes_a_password_stored_with_outdated_parameters(db: &TestDb) {
    let weaker = HashParams {
        memory_kib: 32,
        ..HashParams::INSECURE_FAST
    };
    let old = db.builder().hashing(weaker).build().await.unwrap();
    let account = register(&old, "rehash@example.com").await;
    let before = password_hash(&old, &account.id).await;
    assert!(
        before.starts_with("$argon2id$v=19$m=32,t=1,p=1$"),
        "{before}"
    );
    old.pool().close().await;
    drop(old);

    let store = db.store().await; // INSECURE_FAST: m=64
    store
        .authenticate("rehash@example.com", PASSWORD)
        .await
        .unwrap();
    // The upgrade runs in the background after the login answered.
    let mut after = String::new();
    for _ in 0..100 {
        after = password_hash(&store, &account.id).await;
        if after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(after.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{after}");
    // The new hash is of the same password.
    store
        .authenticate("rehash@example.com", PASSWORD)
        .await
        .unwrap();
    let err = store
        .authenticate("rehash@example.com", "Wrong1234")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
}

async fn password_is_compared_in_nfkc(db: &TestDb) {
    let store = db.store().await;
    // "Å" as one code point, then as "A" + combining ring above.
    store
        .create_account(NewAccount {
            password: "P\u{00C5}ssword1".into(),
            ..new_account("nfkc@example.com")
        })
        .await
        .unwrap();
    store
        .authenticate("nfkc@example.com", "PA\u{030A}ssword1")
        .await
        .unwrap();
}

/// One hashing permit and one queued place: of three logins started together, the third is
/// refused at once with `Unavailable` (503), before any lookup — the same refusal for an
/// existing account as for an unknown one — and the places are free again afterwards.
async fn logins_beyond_the_hashing_queue_are_refused_as_unavailable(db: &TestDb) {
    // OWASP's cost: a place is given back when its hash ends, and such a hash outlasts the
    // moments between the three logins' first polls by orders of magnitude.
    let store = db
        .builder()
        .hashing(HashParams::OWASP)
        .max_concurrent_hashes(1)
        .max_queued_hashes(1)
        .build()
        .await
        .unwrap();
    register(&store, "queue@example.com").await;
    for login in ["queue@example.com", "nobody@example.com"] {
        // `join!` polls each login once before any of them can finish (each waits for its
        // lookup or its hash), so all three ask for a place before the first gives it back.
        let (a, b, c) = tokio::join!(
            store.authenticate(login, PASSWORD),
            store.authenticate(login, PASSWORD),
            store.authenticate(login, PASSWORD),
        );
        let results = [a, b, c];
        let refused = results
            .iter()
            .filter(|r| matches!(r, Err(Error::Unavailable)))
            .count();
        assert_eq!(refused, 1, "{login}: {results:?}");
        for result in &results {
            match result {
                Err(Error::Unavailable) => assert_eq!(Error::Unavailable.status(), 503),
                Ok(_) => assert_eq!(login, "queue@example.com"),
                Err(err) => {
                    assert!(matches!(err, Error::InvalidCredentials), "{err:?}");
                    assert_eq!(login, "nobody@example.com");
                }
            }
        }
    }
    // Nothing is held once the logins are done: three in a row all get through.
    for _ in 0..3 {
        store
            .authenticate("queue@example.com", PASSWORD)
            .await
            .unwrap();
    }
}
