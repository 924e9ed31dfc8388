//! The admin queries the REST server runs: account updates in one transaction, collections per
//! scope, memberships within one directory, and custom data of every owner under concurrent
//! writers.

use serde_json::{Value, json};
use stormpath_client::{AccountStatus, CustomData, Error, NewAccount, prelude::*};
use stormpath_store::admin::{
    AccountChanges, AccountsOf, CustomDataOwner, GroupsOf, ListQuery, MembershipsOf,
};

use crate::support::{PASSWORD, TestDb, new_account, register};

on_both!(
    an_account_update_changes_everything_or_nothing,
    collections_hold_what_their_scope_reaches,
    memberships_stay_within_one_directory,
    concurrent_merges_of_any_owner_all_survive,
    account_custom_data_replaces_only_at_its_version,
);

fn data(value: Value) -> CustomData {
    match value {
        Value::Object(map) => map,
        other => panic!("custom data must be an object, not {other}"),
    }
}

fn size<T>(page: stormpath_store::admin::Page<T>) -> i64 {
    page.size
}

fn all() -> ListQuery {
    ListQuery {
        limit: 100,
        ..ListQuery::default()
    }
}

async fn an_account_update_changes_everything_or_nothing(db: &TestDb) {
    let store = db.store().await;
    let ada = register(&store, "ada@example.com").await;
    register(&store, "grace@example.com").await;
    let id = ada.id.as_str();
    let updated = store
        .update_account_record(
            id,
            AccountChanges {
                email: Some("Ada.L@example.com".into()),
                username: Some("ada".into()),
                given_name: Some(Some("Ada".into())),
                password: Some("D1ff3rent-Qx7".into()),
                custom_data: Some(data(json!({"n": 1}))),
                ..AccountChanges::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.account.email, "Ada.L@example.com");
    assert_eq!(updated.account.username, "ada");
    assert!(updated.account.password_modified_at.is_some());
    assert_eq!(
        store.authenticate("ada", "D1ff3rent-Qx7").await.unwrap().id,
        ada.id
    );
    assert!(store.authenticate("ada", PASSWORD).await.is_err());
    let version = store.custom_data(&ada.id).await.unwrap().version;
    // A taken email, a weak password, a bad email: refused, nothing written.
    let before = store.account_record(id).await.unwrap().unwrap().account;
    for changes in [
        AccountChanges {
            given_name: Some(Some("Changed".into())),
            email: Some("GRACE@example.com".into()),
            custom_data: Some(data(json!({"n": 2}))),
            ..AccountChanges::default()
        },
        AccountChanges {
            given_name: Some(Some("Changed".into())),
            username: Some("grace@example.com".into()),
            ..AccountChanges::default()
        },
        AccountChanges {
            given_name: Some(Some("Changed".into())),
            password: Some("weak".into()),
            ..AccountChanges::default()
        },
        AccountChanges {
            given_name: Some(Some("Changed".into())),
            email: Some("nope".into()),
            ..AccountChanges::default()
        },
    ] {
        let err = store.update_account_record(id, changes).await.unwrap_err();
        assert!(
            matches!(err, Error::Conflict { .. } | Error::Validation(_)),
            "{err:?}"
        );
        assert_eq!(
            store.account_record(id).await.unwrap().unwrap().account,
            before
        );
    }
    assert_eq!(store.custom_data(&ada.id).await.unwrap().version, version);
    // Disabling voids the account's tokens.
    let tokens = store
        .issue_tokens(&updated.account, stormpath_client::TokenGrant::Password)
        .await
        .unwrap();
    assert!(
        store
            .verify_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_some()
    );
    store
        .update_account_record(
            id,
            AccountChanges {
                status: Some(AccountStatus::Disabled),
                ..AccountChanges::default()
            },
        )
        .await
        .unwrap();
    assert!(
        store
            .verify_access_token(&tokens.access_token)
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store
            .update_account_record("nope", AccountChanges::default())
            .await,
        Err(Error::NotFound)
    ));
}

async fn collections_hold_what_their_scope_reaches(db: &TestDb) {
    let store = db.store().await;
    let app = store.application_id().to_owned();
    register(&store, "mapped@example.com").await;
    let other = store
        .create_directory("Unmapped", None, None)
        .await
        .unwrap();
    let elsewhere = store.for_directory(&other.meta.id).await.unwrap();
    elsewhere
        .create_account(NewAccount {
            given_name: Some("Zed".into()),
            ..new_account("unmapped@example.com")
        })
        .await
        .unwrap();
    assert_eq!(
        size(
            store
                .list_accounts(AccountsOf::Application(&app), &all())
                .await
                .unwrap()
        ),
        1
    );
    assert_eq!(
        size(
            store
                .list_accounts(AccountsOf::Tenant, &all())
                .await
                .unwrap()
        ),
        2
    );
    assert_eq!(
        size(
            store
                .list_accounts(AccountsOf::Directory(&other.meta.id), &all())
                .await
                .unwrap()
        ),
        1
    );
    store
        .create_group(&other.meta.id, "Far", None, None)
        .await
        .unwrap();
    assert_eq!(
        size(
            store
                .list_groups(GroupsOf::Application(&app), &all())
                .await
                .unwrap()
        ),
        0
    );
    assert_eq!(
        size(store.list_groups(GroupsOf::Tenant, &all()).await.unwrap()),
        1
    );
    assert!(matches!(
        store.create_group(&other.meta.id, "far", None, None).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        store.create_group("nope", "x", None, None).await,
        Err(Error::NotFound)
    ));
}

async fn memberships_stay_within_one_directory(db: &TestDb) {
    let store = db.store().await;
    let app = store
        .application_by_id(store.application_id())
        .await
        .unwrap()
        .unwrap();
    let mapping = store
        .mapping_by_id(app.default_account_store_mapping.as_deref().unwrap())
        .await
        .unwrap()
        .unwrap();
    let a = register(&store, "member@example.com").await;
    let here = store
        .create_group(&mapping.directory_id, "Here", None, None)
        .await
        .unwrap();
    let other = store.create_directory("Other", None, None).await.unwrap();
    let there = store
        .create_group(&other.meta.id, "There", None, None)
        .await
        .unwrap();
    let m = store
        .create_membership(a.id.as_str(), &here.meta.id)
        .await
        .unwrap();
    assert!(matches!(
        store.create_membership(a.id.as_str(), &here.meta.id).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(
        store.create_membership(a.id.as_str(), &there.meta.id).await,
        Err(Error::Validation(v)) if v.field.is_none()
    ));
    assert!(matches!(
        store.create_membership("nope", &here.meta.id).await,
        Err(Error::Validation(v)) if v.field.as_deref() == Some("account")
    ));
    // The embedded side sees the membership.
    assert_eq!(
        &*store.group_names(&a.id).await.unwrap(),
        ["Here".to_owned()]
    );
    let listed = store
        .list_memberships(MembershipsOf::Group(&here.meta.id), &all())
        .await
        .unwrap();
    assert_eq!(listed.items[0].id, m.id);
    // Deleting the group ends the membership and what the account's groups say.
    store.delete_group(&here.meta.id).await.unwrap();
    assert!(store.membership_record(&m.id).await.unwrap().is_none());
    assert!(store.group_names(&a.id).await.unwrap().is_empty());
}

async fn concurrent_merges_of_any_owner_all_survive(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "owner@example.com").await;
    let dir = store.create_directory("Owner", None, None).await.unwrap();
    let tenant = store.tenant("Tenant").await.unwrap();
    for (owner, id) in [
        (CustomDataOwner::Directory, dir.meta.id.clone()),
        (CustomDataOwner::Tenant, tenant.meta.id.clone()),
        (CustomDataOwner::Account, account.id.as_str().to_owned()),
    ] {
        let tasks: Vec<_> = (0..8)
            .map(|n| {
                let (store, id) = (store.clone(), id.clone());
                tokio::spawn(async move {
                    let mut patch = CustomData::new();
                    patch.insert(format!("k{n}"), json!(n));
                    store.merge_resource_custom_data(owner, &id, patch).await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let doc = store
            .resource_custom_data(owner, &id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(doc.data.len(), 8, "{owner:?}: {:?}", doc.data);
        assert_eq!(doc.version.is_some(), owner == CustomDataOwner::Account);
        store
            .remove_resource_custom_data_field(owner, &id, "k3")
            .await
            .unwrap();
        let cleared = store.clear_resource_custom_data(owner, &id).await.unwrap();
        assert!(cleared.data.is_empty());
    }
    assert!(matches!(
        store
            .merge_resource_custom_data(CustomDataOwner::Group, "nope", CustomData::new())
            .await,
        Err(Error::NotFound)
    ));
}

async fn account_custom_data_replaces_only_at_its_version(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "cas@example.com").await;
    let id = account.id.as_str();
    let doc = store
        .resource_custom_data(CustomDataOwner::Account, id)
        .await
        .unwrap()
        .unwrap();
    let v = doc.version.unwrap();
    let replaced = store
        .replace_account_custom_data(id, v, data(json!({"a": 1})))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(replaced.version, Some(v + 1));
    assert!(
        store
            .replace_account_custom_data(id, v, data(json!({"b": 1})))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        Value::Object(store.custom_data(&account.id).await.unwrap().data),
        json!({"a": 1})
    );
    // The store's own limit (64 KiB by default) applies.
    let big = data(json!({"big": "x".repeat(70 * 1024)}));
    assert!(matches!(
        store.replace_account_custom_data(id, v + 1, big).await,
        Err(Error::Validation(_))
    ));
}
