//! The remote back end against a real `stormpath-server` process (testkit `RestServer`): what
//! building it reads, over SAuthc1 and Basic.

use stormpath_client::{
    credentials::ApiKey,
    prelude::*,
    remote::{AuthScheme, RemoteBackend},
};
use stormpath_testkit::rest_server::RestServer;

fn key(server: &RestServer) -> ApiKey {
    ApiKey {
        id: server.key_id.clone(),
        secret: server.key_secret.clone(),
    }
}

#[tokio::test]
async fn builds_against_the_server_with_either_scheme() {
    let server = RestServer::start();
    for scheme in [AuthScheme::Sauthc1, AuthScheme::Basic] {
        let backend = RemoteBackend::builder()
            .base_url(server.api())
            .api_key(key(&server))
            .application_href(&server.application_href)
            .scheme(scheme)
            .build()
            .await
            .unwrap_or_else(|e| panic!("{scheme:?}: {e}"));
        assert_eq!(
            backend.application().await.unwrap().href,
            server.application_href
        );
        assert!(
            backend
                .directory()
                .await
                .unwrap()
                .href
                .starts_with(&server.api())
        );
        let strength = backend.password_strength().await.unwrap();
        assert!(strength.min_length >= 1);
    }
}

#[tokio::test]
async fn the_application_is_found_by_name() {
    let server = RestServer::start();
    let backend = RemoteBackend::builder()
        .base_url(server.api())
        .api_key(key(&server))
        .application_name("My Application")
        .build()
        .await
        .unwrap();
    assert_eq!(backend.application_href(), server.application_href);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_by_the_server() {
    let server = RestServer::start();
    let err = RemoteBackend::builder()
        .base_url(server.api())
        .api_key(ApiKey {
            id: server.key_id.clone(),
            secret: "not-the-secret".into(),
        })
        .application_href(&server.application_href)
        .build()
        .await
        .unwrap_err();
    assert!(err.is_backend(), "{err:?}");
    assert!(err.to_string().contains("401"), "{err}");
    // Typed: the server's status, Stormpath code and request id travel with the error.
    let Some(stormpath_client::remote::Failure::Refused {
        status,
        code,
        request_id,
        ..
    }) = err.remote_failure()
    else {
        panic!("a refused call, typed: {err:?}");
    };
    assert_eq!(*status, 401);
    assert!(
        *code >= 400 && *code != 500,
        "the server's own code: {code}"
    );
    assert_eq!(err.code(), *code);
    assert!(request_id.as_deref().is_some_and(|id| !id.is_empty()));
}

/// Accounts, groups and custom data (with its compare-and-swap) through the server's
/// endpoints: what the plugin does on the remote back end.
#[tokio::test]
async fn accounts_groups_and_custom_data_round_trip() {
    use serde_json::json;
    use stormpath_client::{AccountUpdate, NewAccount};
    let server = RestServer::start();
    let backend = RemoteBackend::builder()
        .base_url(server.api())
        .api_key(key(&server))
        .application_href(&server.application_href)
        .build()
        .await
        .unwrap();
    let mut data = stormpath_client::CustomData::new();
    data.insert("a".into(), json!(1));
    let account = backend
        .create_account(NewAccount {
            email: "remote@example.com".into(),
            password: "W4lrus-J1g".into(),
            given_name: Some("Re".into()),
            custom_data: data,
            ..NewAccount::default()
        })
        .await
        .unwrap();
    let dup = backend
        .create_account(NewAccount {
            email: "REMOTE@example.com".into(),
            password: "W4lrus-J1g".into(),
            ..NewAccount::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            dup,
            stormpath_client::Error::Conflict { field: "email", .. }
        ),
        "{dup:?}"
    );
    let weak = backend
        .create_account(NewAccount {
            email: "weak@example.com".into(),
            password: "weak".into(),
            ..NewAccount::default()
        })
        .await
        .unwrap_err();
    assert_eq!(weak.code(), 2007, "{weak:?}");
    let mut update = AccountUpdate::default();
    update.surname = Some(Some("Mote".into()));
    let updated = backend.update_account(&account.id, update).await.unwrap();
    assert_eq!(updated.full_name, "Re Mote");
    let v = backend.custom_data(&account.id).await.unwrap();
    assert_eq!(v.data["a"], 1);
    let mut next = v.data.clone();
    next.insert("b".into(), json!(2));
    assert!(
        backend
            .swap_custom_data(&account.id, v.version, next.clone())
            .await
            .unwrap()
    );
    assert!(
        !backend
            .swap_custom_data(&account.id, v.version, next)
            .await
            .unwrap()
    );
    let mut patch = stormpath_client::CustomData::new();
    patch.insert("c".into(), json!(3));
    stormpath_client::merge_custom_data(&backend, &account.id, patch)
        .await
        .unwrap();
    let now = backend.custom_data(&account.id).await.unwrap().data;
    assert_eq!(
        (now["a"].clone(), now["b"].clone(), now["c"].clone()),
        (json!(1), json!(2), json!(3))
    );
    let group = backend
        .ensure_group("crew", Some("the crew"))
        .await
        .unwrap();
    let again = backend.ensure_group("crew", None).await.unwrap();
    assert_eq!(group.href, again.href);
    backend.add_to_group(&account.id, "crew").await.unwrap();
    backend.add_to_group(&account.id, "crew").await.unwrap();
    assert_eq!(
        &*backend.group_names(&account.id).await.unwrap(),
        ["crew".to_owned()]
    );
    assert_eq!(backend.groups(&account.id).await.unwrap().len(), 1);
    backend
        .remove_from_group(&account.id, "crew")
        .await
        .unwrap();
    assert!(backend.groups(&account.id).await.unwrap().is_empty());
    assert!(
        backend
            .account_by_email("remote@example.com")
            .await
            .unwrap()
            .is_some()
    );
    backend.delete_account(&account.id).await.unwrap();
    assert!(backend.account(&account.id).await.unwrap().is_none());
}

/// With neither an href nor a name, the tenant's one application besides the `Stormpath`
/// console is served; with two, building refuses and names them.
#[tokio::test]
async fn the_one_application_is_found_when_none_is_named() {
    let server = RestServer::start();
    let build = || {
        RemoteBackend::builder()
            .base_url(server.api())
            .api_key(key(&server))
            .build()
    };
    let backend = build().await.unwrap();
    assert_eq!(backend.application_href(), server.application_href);

    let created = reqwest::Client::new()
        .post(format!("{}/applications", server.api()))
        .basic_auth(&server.key_id, Some(&server.key_secret))
        .header("content-type", "application/json")
        .body(r#"{"name":"Second Shop"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let err = build().await.unwrap_err();
    assert_eq!(err.field(), Some("application.href"), "{err}");
    let text = err.to_string();
    assert!(text.contains("2 applications"), "{text}");
    assert!(text.contains("`Second Shop`"), "{text}");
}

/// A base URL without the API's `/v1` reaches the server but does not prefix its hrefs: the
/// build refuses it, naming the setting, instead of every authenticated request failing later.
#[tokio::test]
async fn a_base_url_that_is_not_the_api_root_is_refused_at_build() {
    let server = RestServer::start();
    let root = server.api().trim_end_matches("/v1").to_owned();
    let err = RemoteBackend::builder()
        .base_url(&root)
        .api_key(key(&server))
        .application_href(&server.application_href)
        .build()
        .await
        .unwrap_err();
    assert_eq!(err.field(), Some("client.baseUrl"), "{err}");
    assert!(err.to_string().contains("/v1"), "{err}");
}

/// A write through this back end drops the cached API-key records it affects at once: a key
/// of an account disabled, or deleted, through this very back end is refused on its next use
/// (the record cached by the use before it carried the account's old status).
#[tokio::test]
async fn a_key_is_refused_at_once_after_its_account_is_disabled_or_deleted_here() {
    use stormpath_client::{AccountStatus, AccountUpdate, NewAccount};
    let server = RestServer::start();
    let backend = RemoteBackend::builder()
        .base_url(server.api())
        .api_key(key(&server))
        .application_href(&server.application_href)
        .build()
        .await
        .unwrap();
    for (n, delete) in [(1, false), (2, true)] {
        let account = backend
            .create_account(NewAccount {
                email: format!("keyed-{n}@example.com"),
                password: "W4lrus-J1g".into(),
                ..NewAccount::default()
            })
            .await
            .unwrap();
        let new = backend.create_api_key(&account.id, None).await.unwrap();
        let authenticate = || backend.authenticate_api_key(&new.info.id, &new.secret);
        assert!(authenticate().await.unwrap().is_some(), "cached now");
        if delete {
            backend.delete_account(&account.id).await.unwrap();
        } else {
            let mut update = AccountUpdate::default();
            update.status = Some(AccountStatus::Disabled);
            backend.update_account(&account.id, update).await.unwrap();
        }
        assert!(
            authenticate().await.unwrap().is_none(),
            "refused at once (deleted: {delete})"
        );
    }
}
