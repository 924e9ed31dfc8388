//! Custom data: merge, replace, and concurrent writers.

use serde_json::{Value, json};
use stormpath_client::{AccountId, CustomData, Error, NewAccount, prelude::*};

use crate::support::{CustomDataExt, TestDb, new_account, register};

on_both!(
    registration_stores_initial_custom_data,
    merge_adds_and_overwrites_keys_and_null_removes_one,
    replace_swaps_the_whole_document,
    concurrent_merges_of_different_keys_all_survive,
    custom_data_of_an_unknown_account_is_not_found,
    oversized_custom_data_is_rejected,
    versioned_read_and_swap_is_a_compare_and_swap,
    every_write_moves_the_version_on,
    concurrent_swap_loops_of_different_keys_all_survive,
    swap_on_an_unknown_account_writes_nothing,
    oversized_swap_is_rejected_and_writes_nothing,
    swap_refreshes_the_cached_account,
);

fn data(value: Value) -> CustomData {
    match value {
        Value::Object(map) => map,
        other => panic!("custom data must be an object, not {other}"),
    }
}

async fn registration_stores_initial_custom_data(db: &TestDb) {
    let store = db.store().await;
    let account = store
        .create_account(NewAccount {
            custom_data: data(json!({"favoriteColor": "blue", "nested": {"n": [1, 2]}})),
            ..new_account("custom@example.com")
        })
        .await
        .unwrap();
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(
        Value::Object(stored),
        json!({"favoriteColor": "blue", "nested": {"n": [1, 2]}})
    );
    let empty = register(&store, "empty@example.com").await;
    assert!(store.custom_data(&empty.id).await.unwrap().data.is_empty());
}

async fn merge_adds_and_overwrites_keys_and_null_removes_one(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "merge@example.com").await;
    let merged = store
        .merge_custom_data(&account.id, data(json!({"a": 1, "b": "two", "c": [3]})))
        .await
        .unwrap();
    assert_eq!(Value::Object(merged), json!({"a": 1, "b": "two", "c": [3]}));

    let merged = store
        .merge_custom_data(
            &account.id,
            data(json!({"a": null, "b": {"x": true}, "d": 4})),
        )
        .await
        .unwrap();
    let expected = json!({"b": {"x": true}, "c": [3], "d": 4});
    assert_eq!(Value::Object(merged), expected);
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(Value::Object(stored), expected);

    // Removing a key that is not there is fine.
    store
        .merge_custom_data(&account.id, data(json!({"never": null})))
        .await
        .unwrap();
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(Value::Object(stored), expected);
}

async fn replace_swaps_the_whole_document(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "replace@example.com").await;
    store
        .merge_custom_data(&account.id, data(json!({"old": 1, "keep": "no"})))
        .await
        .unwrap();
    store
        .replace_custom_data(&account.id, data(json!({"new": "ü✓ 😀", "n": null})))
        .await
        .unwrap();
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(Value::Object(stored), json!({"new": "ü✓ 😀", "n": null}));
    store
        .replace_custom_data(&account.id, CustomData::new())
        .await
        .unwrap();
    assert!(
        store
            .custom_data(&account.id)
            .await
            .unwrap()
            .data
            .is_empty()
    );
}

async fn concurrent_merges_of_different_keys_all_survive(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "concurrent@example.com").await;
    for round in 0..20 {
        let left = data(json!({ format!("left{round}"): round }));
        let right = data(json!({ format!("right{round}"): round }));
        let (a, b) = tokio::join!(
            store.merge_custom_data(&account.id, left),
            store.merge_custom_data(&account.id, right),
        );
        a.unwrap();
        b.unwrap();
    }
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(stored.len(), 40, "{stored:?}");
    for round in 0..20 {
        assert_eq!(stored[&format!("left{round}")], json!(round));
        assert_eq!(stored[&format!("right{round}")], json!(round));
    }

    // The same race on separate tasks (truly parallel on the multi-threaded runtime).
    let other = register(&store, "parallel@example.com").await;
    for round in 0..20 {
        let tasks = ["left", "right"].map(|side| {
            let (store, id) = (store.clone(), other.id.clone());
            tokio::spawn(async move {
                let patch = data(json!({ format!("{side}{round}"): side }));
                store.merge_custom_data(&id, patch).await
            })
        });
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    }
    assert_eq!(store.custom_data(&other.id).await.unwrap().data.len(), 40);
}

async fn custom_data_of_an_unknown_account_is_not_found(db: &TestDb) {
    let store = db.store().await;
    let ghost = AccountId("NoSuchAccount000000000".into());
    let err = store.custom_data(&ghost).await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    let err = store
        .merge_custom_data(&ghost, data(json!({"a": 1})))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    let err = store
        .replace_custom_data(&ghost, CustomData::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
}

async fn oversized_custom_data_is_rejected(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "big@example.com").await;
    let big = data(json!({"blob": "x".repeat(70 * 1024)}));
    let err = store
        .merge_custom_data(&account.id, big.clone())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let err = store
        .replace_custom_data(&account.id, big)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert!(
        store
            .custom_data(&account.id)
            .await
            .unwrap()
            .data
            .is_empty()
    );
}

async fn versioned_read_and_swap_is_a_compare_and_swap(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "cas@example.com").await;
    let (data0, v0) = store.custom_data_versioned(&account.id).await.unwrap();
    assert!(data0.is_empty());

    assert!(
        store
            .swap_custom_data(&account.id, v0, data(json!({"a": 1})))
            .await
            .unwrap(),
        "the current version is written"
    );
    let (data1, v1) = store.custom_data_versioned(&account.id).await.unwrap();
    assert_eq!(Value::Object(data1), json!({"a": 1}));
    assert_ne!(v1, v0);

    // A writer that read before the first swap is refused, and nothing changes.
    assert!(
        !store
            .swap_custom_data(&account.id, v0, data(json!({"b": 2})))
            .await
            .unwrap(),
        "a stale version is refused"
    );
    let (after, v_after) = store.custom_data_versioned(&account.id).await.unwrap();
    assert_eq!(Value::Object(after), json!({"a": 1}));
    assert_eq!(v_after, v1);
    assert_eq!(
        Value::Object(store.custom_data(&account.id).await.unwrap().data),
        json!({"a": 1})
    );

    // API-key-looking members are plain data here (only registration splits them out).
    assert!(
        store
            .swap_custom_data(&account.id, v1, data(json!({"stormpathApiKey_1": "x:y"})))
            .await
            .unwrap()
    );
    assert_eq!(
        store.custom_data(&account.id).await.unwrap().data["stormpathApiKey_1"],
        "x:y"
    );
    assert!(store.api_keys(&account.id).await.unwrap().is_empty());
}

async fn every_write_moves_the_version_on(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "versions@example.com").await;
    let mut seen = vec![store.custom_data_versioned(&account.id).await.unwrap().1];
    store
        .merge_custom_data(&account.id, data(json!({"a": 1})))
        .await
        .unwrap();
    seen.push(store.custom_data_versioned(&account.id).await.unwrap().1);
    store
        .replace_custom_data(&account.id, data(json!({"b": 1})))
        .await
        .unwrap();
    seen.push(store.custom_data_versioned(&account.id).await.unwrap().1);
    // Writing the same document again is still a write.
    store
        .replace_custom_data(&account.id, data(json!({"b": 1})))
        .await
        .unwrap();
    seen.push(store.custom_data_versioned(&account.id).await.unwrap().1);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, seen, "each write gives a new version: {seen:?}");
}

/// The loop a caller runs with the two methods: read, change, swap, retry on `false`.
async fn add_key(store: &stormpath_store::Store, id: &AccountId, key: String) -> usize {
    for attempt in 1..=64 {
        let (mut doc, version) = store.custom_data_versioned(id).await.unwrap();
        doc.insert(key.clone(), json!(attempt));
        if store.swap_custom_data(id, version, doc).await.unwrap() {
            return attempt;
        }
        tokio::task::yield_now().await;
    }
    panic!("{key} was never written");
}

async fn concurrent_swap_loops_of_different_keys_all_survive(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "swaploop@example.com").await;
    let writers = 8;
    for round in 0..5 {
        let tasks: Vec<_> = (0..writers)
            .map(|w| {
                let (store, id) = (store.clone(), account.id.clone());
                tokio::spawn(async move { add_key(&store, &id, format!("k{round}_{w}")).await })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
    }
    let stored = store.custom_data(&account.id).await.unwrap().data;
    assert_eq!(stored.len(), 5 * writers, "{stored:?}");
}

async fn swap_on_an_unknown_account_writes_nothing(db: &TestDb) {
    let store = db.store().await;
    let ghost = AccountId("NoSuchAccount000000000".into());
    let err = store.custom_data_versioned(&ghost).await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    assert!(
        !store
            .swap_custom_data(&ghost, 0, data(json!({"a": 1})))
            .await
            .unwrap()
    );
}

async fn oversized_swap_is_rejected_and_writes_nothing(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "bigswap@example.com").await;
    let (_, version) = store.custom_data_versioned(&account.id).await.unwrap();
    let err = store
        .swap_custom_data(
            &account.id,
            version,
            data(json!({"blob": "x".repeat(70 * 1024)})),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    let (doc, after) = store.custom_data_versioned(&account.id).await.unwrap();
    assert!(doc.is_empty());
    assert_eq!(after, version);
}

async fn swap_refreshes_the_cached_account(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "cached@example.com").await;
    // Load it into the cache.
    let before = store.account(&account.id).await.unwrap().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (_, version) = store.custom_data_versioned(&account.id).await.unwrap();
    assert!(
        store
            .swap_custom_data(&account.id, version, data(json!({"a": 1})))
            .await
            .unwrap()
    );
    let after = store.account(&account.id).await.unwrap().unwrap();
    assert!(
        after.modified_at > before.modified_at,
        "the cached account was dropped: {:?} then {:?}",
        before.modified_at,
        after.modified_at
    );
}
