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
}
