//! PostgreSQL specifics: the dialect, connection failures, one fresh database per test.

use stormpath_client::prelude::*;
use stormpath_store::{Dialect, Error, Store};

use crate::support::{KEY, PASSWORD, TestDb, register};

#[tokio::test]
async fn postgres_url_opens_a_migrated_postgres_store() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = db.store().await;
    assert_eq!(store.dialect(), Dialect::Postgres);
    register(&store, "pg@example.com").await;
    store
        .authenticate("pg@example.com", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn missing_postgres_database_is_a_connect_error_that_hides_the_password() {
    let url = "postgres://postgres:hunter2@127.0.0.1:5432/sp_test_missing_database";
    let err = Store::builder()
        .database_url(url)
        .signing_key(KEY)
        .build()
        .await
        .err()
        .expect("the database does not exist");
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(!format!("{err:?}").contains("hunter2"), "{err:?}");
}

#[tokio::test]
async fn each_test_database_is_fresh_and_isolated() {
    let (Some(one), Some(two)) = (TestDb::postgres().await, TestDb::postgres().await) else {
        return;
    };
    assert_ne!(one.url(), two.url());
    let (a, b) = (one.store().await, two.store().await);
    register(&a, "same@example.com").await;
    register(&b, "same@example.com").await;
    assert!(
        a.account_by_email("only-in-a@example.com")
            .await
            .unwrap()
            .is_none()
    );
}
