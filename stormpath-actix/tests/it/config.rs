//! Startup configuration: clear errors naming the key, never a panic in a request.

use stormpath::Stormpath;

use crate::support::*;

#[actix_web::test]
async fn a_missing_secret_key_names_it() {
    let err = Stormpath::builder()
        .from_env(false)
        .from_files(false)
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SECRET_KEY"), "{err}");
}

#[actix_web::test]
async fn a_short_secret_key_is_refused() {
    let err = Stormpath::builder()
        .from_env(false)
        .from_files(false)
        .secret_key("short")
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SECRET_KEY"), "{err}");
}

#[actix_web::test]
async fn a_missing_database_directory_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .database_url(format!(
            "sqlite://{}/no/such/dir/app.db",
            dir.path().display()
        ))
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[actix_web::test]
async fn a_read_only_database_file_is_a_clear_startup_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ro.db");
    std::fs::write(&db, b"").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o444)).unwrap();
    let err = builder(&dir)
        .database_url(format!("sqlite://{}", db.display()))
        .build()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not writable"), "{err}");
}

#[actix_web::test]
async fn the_database_file_is_created_on_first_start() {
    let dir = tempfile::tempdir().unwrap();
    let _sp = builder(&dir).build().await.unwrap();
    assert!(dir.path().join("stormpath.db").exists());
}

#[actix_web::test]
async fn config_files_are_read_and_bad_values_name_their_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("stormpath.yml");
    std::fs::write(
        &file,
        "stormpath:\n  web:\n    register:\n      autoLogin: true\n",
    )
    .unwrap();
    let sp = builder(&dir).config_file(&file).build().await.unwrap();
    assert!(sp.config().web.register.auto_login);
    std::fs::write(&file, "web:\n  login:\n    enabled: sometimes\n").unwrap();
    let err = builder(&dir).config_file(&file).build().await.unwrap_err();
    assert!(err.to_string().contains("web.login.enabled"), "{err}");
    let toml = dir.path().join("stormpath.toml");
    std::fs::write(&toml, "[web.logout]\nnextUri = \"/bye\"\n").unwrap();
    let sp = builder(&dir).config_file(&toml).build().await.unwrap();
    assert_eq!(sp.config().web.logout.next_uri, "/bye");
}

#[actix_web::test]
async fn disabled_features_bind_nothing() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            w.register.enabled = false;
            w.logout.enabled = false;
        })
    })
    .await;
    assert_eq!(app.get("/register", JSON).await.status(), 404);
    assert_eq!(
        app.client
            .post(app.url("/logout"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let page = app.get("/login", HTML).await.text().await.unwrap();
    assert!(!page.contains("href=\"/register\""));
}

#[actix_web::test]
async fn html_only_apps_render_pages_for_any_accept() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.produces = vec!["text/html".into()])).await;
    let res = app.get("/login", "*/*").await;
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(app.get("/login", JSON).await.status(), 404);
}

#[actix_web::test]
async fn a_base_url_without_an_api_key_is_a_clear_startup_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .config(|c| c.client.base_url = Some("http://127.0.0.1:9/v1".into()))
        .build()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("client.apiKey"), "{text}");
    assert!(text.contains("client.baseUrl"), "{text}");
    assert!(
        !dir.path().join("stormpath.db").exists(),
        "no embedded store is opened behind the configured server's back"
    );
}

#[actix_web::test]
async fn a_base_url_and_an_api_key_select_the_remote_server() {
    // A closed port on the loopback: the remote back end is chosen, tries it, and says so.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let err = builder(&dir)
        .config(move |c| {
            c.client.base_url = Some(format!("http://127.0.0.1:{port}/v1"));
            c.client.authentication_scheme = Some("basic".into());
            c.api_key.id = Some("TENANTKEYID".into());
            c.api_key.secret = Some(stormpath::config::Secret(
                "a-tenant-key-secret-of-43-characters-000000".into(),
            ));
        })
        .build()
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("client.baseUrl"), "{text}");
    assert!(text.contains("could not connect"), "{text}");
    assert!(
        !text.contains("a-tenant-key-secret"),
        "the secret is never shown: {text}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(!dir.path().join("stormpath.db").exists());
}

#[actix_web::test]
async fn an_unknown_authentication_scheme_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let err = builder(&dir)
        .config(|c| {
            c.client.base_url = Some("http://127.0.0.1:9/v1".into());
            c.client.authentication_scheme = Some("DIGEST".into());
            c.api_key.id = Some("ID".into());
            c.api_key.secret = Some(stormpath::config::Secret(
                "a-tenant-key-secret-of-43-characters-000000".into(),
            ));
        })
        .build()
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("client.authenticationScheme"),
        "{err}"
    );
}

/// With `client.baseUrl` and a key but no application named, the server's one application
/// besides its `Stormpath` console is served (framework §14); the embedded default name
/// ("My Application") is not looked up on the server.
#[actix_web::test]
async fn a_remote_server_with_one_application_needs_no_application_setting() {
    let server = stormpath_testkit::rest_server::RestServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (api, id, secret) = (
        server.api(),
        server.key_id.clone(),
        server.key_secret.clone(),
    );
    let sp = builder(&dir)
        .config(move |c| {
            c.application.name = None;
            c.application.href = None;
            c.client.base_url = Some(api);
            c.api_key.id = Some(id);
            c.api_key.secret = Some(stormpath::config::Secret(secret));
        })
        .build()
        .await;
    assert!(sp.is_ok(), "{:?}", sp.err());
    assert!(!dir.path().join("stormpath.db").exists());
}
