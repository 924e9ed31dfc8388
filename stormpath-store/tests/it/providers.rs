//! Provider identities (social / OpenID Connect): (provider, subject) → account.

use stormpath_client::{Error, ProviderLink, prelude::*};

use crate::support::{TestDb, register};

on_both!(
    a_linked_identity_finds_its_account_and_lists_in_order,
    an_identity_links_to_one_account_and_an_account_once_per_provider,
    unlinking_and_deleting_the_account_remove_identities,
);

async fn a_linked_identity_finds_its_account_and_lists_in_order(db: &TestDb) {
    let store = db.store().await;
    let account = register(&store, "ada@example.com").await;
    assert!(
        store
            .account_by_provider("google", "g-1")
            .await
            .unwrap()
            .is_none()
    );
    let link = ProviderLink::new("google", "g-1")
        .with_email(Some("ada@gmail.com".into()))
        .creating_account();
    store.link_provider(&account.id, link).await.unwrap();
    store
        .link_provider(&account.id, ProviderLink::new("github", "42"))
        .await
        .unwrap();
    let found = store
        .account_by_provider("google", "g-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.href, account.href);
    // Subjects are per provider.
    assert!(
        store
            .account_by_provider("github", "g-1")
            .await
            .unwrap()
            .is_none()
    );
    let links = store.provider_links(&account.id).await.unwrap();
    let ids: Vec<_> = links.iter().map(|l| l.provider_id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"google") && ids.contains(&"github"));
    let google = links.iter().find(|l| l.provider_id == "google").unwrap();
    assert_eq!(google.email.as_deref(), Some("ada@gmail.com"));
    assert!(google.created_account);
}

async fn an_identity_links_to_one_account_and_an_account_once_per_provider(db: &TestDb) {
    let store = db.store().await;
    let ada = register(&store, "ada@example.com").await;
    let bob = register(&store, "bob@example.com").await;
    store
        .link_provider(&ada.id, ProviderLink::new("google", "g-1"))
        .await
        .unwrap();
    let taken = store
        .link_provider(&bob.id, ProviderLink::new("google", "g-1"))
        .await;
    assert!(
        matches!(
            taken,
            Err(Error::Conflict {
                field: "providerData",
                ..
            })
        ),
        "{taken:?}"
    );
    let second = store
        .link_provider(&ada.id, ProviderLink::new("google", "g-2"))
        .await;
    assert!(matches!(second, Err(Error::Conflict { .. })), "{second:?}");
    let found = store
        .account_by_provider("google", "g-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.href, ada.href, "the first link stands");
}

async fn unlinking_and_deleting_the_account_remove_identities(db: &TestDb) {
    let store = db.store().await;
    let ada = register(&store, "ada@example.com").await;
    store
        .link_provider(&ada.id, ProviderLink::new("google", "g-1"))
        .await
        .unwrap();
    store
        .link_provider(&ada.id, ProviderLink::new("github", "42"))
        .await
        .unwrap();
    store.unlink_provider(&ada.id, "google").await.unwrap();
    assert!(
        store
            .account_by_provider("google", "g-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(matches!(
        store.unlink_provider(&ada.id, "google").await,
        Err(Error::NotFound)
    ));
    store.delete_account(&ada.id).await.unwrap();
    assert!(
        store
            .account_by_provider("github", "42")
            .await
            .unwrap()
            .is_none()
    );
}
