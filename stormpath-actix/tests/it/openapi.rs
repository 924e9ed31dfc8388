//! The OpenAPI document (`web.openapi`): off by default; when on, every operation it lists is
//! bound (answered by the plugin, not by the app's fallthrough 404), every JSON route the
//! plugin binds is listed, and a disabled feature leaves its paths out.

use serde_json::Value;

use crate::support::*;

async fn document(app: &TestApp) -> Value {
    let res = app.get("/openapi.json", JSON).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    res.json().await.unwrap()
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            out.push((method.to_uppercase(), path.clone()));
        }
    }
    out.sort();
    out
}

#[actix_web::test]
async fn the_document_is_off_by_default() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/openapi.json", JSON).await.status(), 404);
}

#[actix_web::test]
async fn every_listed_operation_is_bound_and_every_json_route_is_listed() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            w.openapi.enabled = true;
            w.verify_email.enabled = Some(true);
        })
    })
    .await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.0.3");
    let listed = operations(&doc);
    let expected: Vec<(String, String)> = [
        ("DELETE", "/me/api-keys/{id}"),
        ("DELETE", "/me/sessions"),
        ("DELETE", "/me/sessions/{id}"),
        ("GET", "/change"),
        ("GET", "/login"),
        ("GET", "/me"),
        ("GET", "/me/api-keys"),
        ("GET", "/me/sessions"),
        ("GET", "/register"),
        ("GET", "/verify"),
        ("POST", "/change"),
        ("POST", "/forgot"),
        ("POST", "/login"),
        ("POST", "/logout"),
        ("POST", "/me/api-keys"),
        ("POST", "/oauth/token"),
        ("POST", "/register"),
        ("POST", "/settings"),
        ("POST", "/verify"),
    ]
    .iter()
    .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
    .collect();
    assert_eq!(listed, expected);
    for (method, path) in &listed {
        let url = app.url(&path.replace("{id}", "no-such-key"));
        let res = app
            .fresh_client()
            .request(method.parse().unwrap(), url)
            .header("Accept", JSON)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        // The plugin's answers all carry its headers; the app's fallthrough 404 does not.
        assert!(
            res.headers().contains_key("x-content-type-options"),
            "{method} {path}: not bound ({status})"
        );
        assert!(status < 500, "{method} {path}: {status}");
        let documented = doc["paths"][path][method.to_lowercase()]["responses"]
            .as_object()
            .unwrap()
            .contains_key(&status.to_string());
        assert!(documented, "{method} {path}: {status} is not documented");
    }
}

#[actix_web::test]
async fn a_disabled_feature_leaves_its_paths_out() {
    let app = TestApp::spawn_with(|b| {
        b.web(|w| {
            w.openapi.enabled = true;
            w.api_keys.enabled = false;
            w.oauth2.enabled = false;
        })
    })
    .await;
    let listed = operations(&document(&app).await);
    assert!(
        listed
            .iter()
            .all(|(_, p)| !p.starts_with("/me/api-keys") && p != "/oauth/token" && p != "/verify"),
        "{listed:?}"
    );
    assert!(listed.contains(&("POST".into(), "/login".into())));
}
