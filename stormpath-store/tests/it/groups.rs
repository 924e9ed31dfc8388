//! Groups and memberships.

use stormpath_client::{AccountId, Error, GroupStatus, prelude::*};

use crate::support::{TestDb, register};

on_both!(
    ensure_group_is_idempotent_and_ignores_case,
    memberships_can_be_added_listed_and_removed,
    group_names_reflect_adds_and_removes_at_once,
    adding_to_an_unknown_group_or_account_is_not_found,
    invalid_group_names_are_rejected,
);

fn names(list: &[String]) -> Vec<&str> {
    list.iter().map(String::as_str).collect()
}

async fn ensure_group_is_idempotent_and_ignores_case(db: &TestDb) {
    let store = db.store().await;
    let admins = store
        .ensure_group("admins", Some("Administrators"))
        .await
        .unwrap();
    assert_eq!(admins.name, "admins");
    assert_eq!(admins.description.as_deref(), Some("Administrators"));
    assert_eq!(admins.status, GroupStatus::Enabled);
    assert!(admins.href.contains("/groups/"));

    let again = store.ensure_group("admins", None).await.unwrap();
    assert_eq!(again, admins, "the existing group, unchanged");
    let shouted = store.ensure_group("ADMINS", Some("other")).await.unwrap();
    assert_eq!(shouted.href, admins.href);

    let editors = store.ensure_group("editors", None).await.unwrap();
    assert_ne!(editors.href, admins.href);
    assert_eq!(editors.description, None);
}

async fn memberships_can_be_added_listed_and_removed(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "member@example.com").await;
    let bystander = register(&store, "bystander@example.com").await;
    store.ensure_group("editors", None).await.unwrap();
    store.ensure_group("admins", None).await.unwrap();

    store.add_to_group(&account.id, "editors").await.unwrap();
    store.add_to_group(&account.id, "admins").await.unwrap();
    store.add_to_group(&account.id, "Admins").await.unwrap(); // twice: no error

    let groups = store.groups(&account.id).await.unwrap();
    let group_names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        group_names,
        ["admins", "editors"],
        "sorted by name, once each"
    );
    let cached = store.group_names(&account.id).await.unwrap();
    assert_eq!(names(&cached), ["admins", "editors"]);
    assert!(store.groups(&bystander.id).await.unwrap().is_empty());
    assert!(store.group_names(&bystander.id).await.unwrap().is_empty());

    store
        .remove_from_group(&account.id, "admins")
        .await
        .unwrap();
    store
        .remove_from_group(&account.id, "admins")
        .await
        .unwrap(); // non-member: no error
    store
        .remove_from_group(&account.id, "no-such-group")
        .await
        .unwrap();
    let groups = store.groups(&account.id).await.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "editors");
}

async fn group_names_reflect_adds_and_removes_at_once(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "cache@example.com").await;
    store.ensure_group("readers", None).await.unwrap();
    store.ensure_group("writers", None).await.unwrap();

    // Each read fills the cache; each write must drop it.
    assert!(store.group_names(&account.id).await.unwrap().is_empty());
    store.add_to_group(&account.id, "readers").await.unwrap();
    assert_eq!(
        names(&store.group_names(&account.id).await.unwrap()),
        ["readers"]
    );
    assert_eq!(
        names(&store.group_names(&account.id).await.unwrap()),
        ["readers"]
    );
    store.add_to_group(&account.id, "writers").await.unwrap();
    assert_eq!(
        names(&store.group_names(&account.id).await.unwrap()),
        ["readers", "writers"]
    );
    store
        .remove_from_group(&account.id, "readers")
        .await
        .unwrap();
    assert_eq!(
        names(&store.group_names(&account.id).await.unwrap()),
        ["writers"]
    );
    store
        .remove_from_group(&account.id, "writers")
        .await
        .unwrap();
    assert!(store.group_names(&account.id).await.unwrap().is_empty());
}

async fn adding_to_an_unknown_group_or_account_is_not_found(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "lost@example.com").await;
    let err = store
        .add_to_group(&account.id, "no-such-group")
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    assert_eq!(err.status(), 404);

    store.ensure_group("real", None).await.unwrap();
    let ghost = AccountId("NoSuchAccount000000000".into());
    let err = store.add_to_group(&ghost, "real").await.unwrap_err();
    assert!(matches!(err, Error::NotFound), "{err:?}");
    assert!(store.groups(&account.id).await.unwrap().is_empty());
}

async fn invalid_group_names_are_rejected(db: &TestDb) {
    let store = db.store().await;
    for name in ["", "   ", "bad\nname", &"g".repeat(256)] {
        let err = store.ensure_group(name, None).await.unwrap_err();
        assert!(matches!(err, Error::Validation(_)), "{name:?}: {err:?}");
    }
}
