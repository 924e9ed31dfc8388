//! Custom data: merge, replace, and concurrent writers.

use serde_json::{Value, json};
use stormpath_client::{AccountId, Backend, CustomData, Error, NewAccount};

use crate::support::{TestDb, new_account, register};

on_both!(
    registration_stores_initial_custom_data,
    merge_adds_and_overwrites_keys_and_null_removes_one,
    replace_swaps_the_whole_document,
    concurrent_merges_of_different_keys_all_survive,
    custom_data_of_an_unknown_account_is_not_found,
    oversized_custom_data_is_rejected,
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
        .register(NewAccount {
            custom_data: data(json!({"favoriteColor": "blue", "nested": {"n": [1, 2]}})),
            ..new_account("custom@example.com")
        })
        .await
        .unwrap();
    let stored = store.custom_data(&account.id).await.unwrap();
    assert_eq!(
        Value::Object(stored),
        json!({"favoriteColor": "blue", "nested": {"n": [1, 2]}})
    );
    let empty = register(&store, "empty@example.com").await;
    assert!(store.custom_data(&empty.id).await.unwrap().is_empty());
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
    let stored = store.custom_data(&account.id).await.unwrap();
    assert_eq!(Value::Object(stored), expected);

    // Removing a key that is not there is fine.
    store
        .merge_custom_data(&account.id, data(json!({"never": null})))
        .await
        .unwrap();
    let stored = store.custom_data(&account.id).await.unwrap();
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
    let stored = store.custom_data(&account.id).await.unwrap();
    assert_eq!(Value::Object(stored), json!({"new": "ü✓ 😀", "n": null}));
    store
        .replace_custom_data(&account.id, CustomData::new())
        .await
        .unwrap();
    assert!(store.custom_data(&account.id).await.unwrap().is_empty());
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
    let stored = store.custom_data(&account.id).await.unwrap();
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
    assert_eq!(store.custom_data(&other.id).await.unwrap().len(), 40);
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
    assert!(store.custom_data(&account.id).await.unwrap().is_empty());
}
