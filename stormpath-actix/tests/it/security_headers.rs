//! Security headers (issue 11 §5, HDR-1): every response the plugin writes — pages, JSON,
//! redirects, errors, 404/405 of its routes — carries them; HSTS only over HTTPS; and
//! `stormpath::security_headers()` gives an application's own pages the same set.

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, get};
use reqwest::{RequestBuilder, Response};
use serde_json::json;

use crate::support::*;

/// What every plugin response must carry, whatever its kind.
fn assert_plugin_set(what: &str, res: &Response) {
    let h = res.headers();
    let get = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{what} ({}): no {name}", res.status()))
            .to_owned()
    };
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert!(get("cache-control").contains("no-store"), "{what}");
    assert_eq!(
        get("referrer-policy"),
        "strict-origin-when-cross-origin",
        "{what}"
    );
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert!(
        get("content-security-policy").contains("frame-ancestors 'none'"),
        "{what}"
    );
}

fn hsts(res: &Response) -> Option<String> {
    res.headers()
        .get("strict-transport-security")
        .map(|v| v.to_str().unwrap().to_owned())
}

/// A request as a TLS-terminating proxy forwards it.
fn over_https(req: RequestBuilder) -> RequestBuilder {
    req.header("X-Forwarded-Proto", "https")
}

#[actix_web::test]
async fn every_kind_of_plugin_response_carries_the_set() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.max_body_size = 1024)).await;
    let email = email("hdr");
    app.register(&email).await;
    let c = app.fresh_client();
    let url = |p: &str| app.url(p);

    let cases: Vec<(&str, RequestBuilder, u16)> = vec![
        (
            "HTML page",
            c.get(url("/login")).header("Accept", HTML),
            200,
        ),
        (
            "JSON view model",
            c.get(url("/login")).header("Accept", JSON),
            200,
        ),
        (
            "JSON success",
            c.post(url("/login"))
                .header("Accept", JSON)
                .json(&json!({"login": email, "password": PASSWORD})),
            200,
        ),
        (
            "302 redirect",
            c.post(url("/logout")).header("Accept", HTML),
            302,
        ),
        (
            "400 JSON error",
            c.post(url("/login"))
                .header("Accept", JSON)
                .json(&json!({})),
            400,
        ),
        (
            "400 invalid credentials",
            c.post(url("/login"))
                .header("Accept", JSON)
                .json(&json!({"login": email, "password": "wrong"})),
            400,
        ),
        (
            "401 from a protected route",
            c.get(url("/me")).header("Accept", JSON),
            401,
        ),
        (
            "403 CSRF refusal",
            c.post(url("/login"))
                .header("Accept", JSON)
                .form(&[("login", "x"), ("password", "y")]),
            403,
        ),
        (
            "404 unknown token",
            c.get(url("/change?sptoken=nope")).header("Accept", JSON),
            404,
        ),
        ("405 of /oauth/token", c.get(url("/oauth/token")), 405),
        (
            "OAuth error",
            c.post(url("/oauth/token"))
                .form(&[("grant_type", "password")]),
            400,
        ),
        (
            "413",
            c.post(url("/login"))
                .header("Accept", JSON)
                .json(&json!({"login": "a".repeat(2000)})),
            413,
        ),
        (
            "#[login_required] redirect",
            c.get(url("/dashboard")).header("Accept", HTML),
            302,
        ),
        (
            "#[login_required] 401",
            c.get(url("/dashboard")).header("Accept", JSON),
            401,
        ),
        (
            "API keys without a login",
            c.get(url("/me/api-keys")).header("Accept", JSON),
            401,
        ),
    ];
    for (what, req, status) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), status, "{what}");
        assert_plugin_set(what, &res);
        assert_eq!(hsts(&res), None, "{what}: no HSTS over plain HTTP");
    }
}

#[actix_web::test]
async fn groups_required_refusal_carries_the_set() {
    let app = TestApp::spawn().await;
    app.login(&email("hdr-403")).await;
    for accept in [JSON, HTML] {
        let res = app.get("/admin", accept).await;
        assert_eq!(res.status(), 403);
        assert_plugin_set("403 of #[groups_required]", &res);
    }
}

#[actix_web::test]
async fn hsts_is_sent_over_https_only() {
    let app = TestApp::spawn_with(|b| {
        b.config(|c| c.security.trusted_proxies = vec!["127.0.0.1".into()])
    })
    .await;
    let c = app.fresh_client();
    for (path, accept) in [("/login", HTML), ("/login", JSON), ("/me", JSON)] {
        let plain = c
            .get(app.url(path))
            .header("Accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(hsts(&plain), None, "{path} over HTTP");
        let tls = over_https(c.get(app.url(path)).header("Accept", accept))
            .send()
            .await
            .unwrap();
        assert_eq!(
            hsts(&tls).as_deref(),
            Some("max-age=31536000; includeSubDomains"),
            "{path} over HTTPS"
        );
        assert_plugin_set(path, &tls);
    }
}

#[get("/")]
async fn app_home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body("<!DOCTYPE html><title>home</title>")
}

#[get("/asset")]
async fn app_asset() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=60"))
        .body("body{}")
}

/// An app wrapped in `stormpath::security_headers()`, as the examples are.
async fn wrapped_app() -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    // The test client speaks "HTTPS" through `X-Forwarded-Proto`, believed from 127.0.0.1 only
    // because it is listed as a trusted proxy.
    let sp = builder(&dir)
        .config(|c| c.security.trusted_proxies = vec!["127.0.0.1".into()])
        .build()
        .await
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = HttpServer::new(move || {
        App::new()
            .wrap(stormpath::security_headers())
            .configure(sp.configure())
            .service(app_home)
            .service(app_asset)
    })
    .workers(1)
    .listen(listener)
    .unwrap()
    .run();
    actix_web::rt::spawn(server);
    (base, dir)
}

#[actix_web::test]
async fn the_middleware_gives_app_pages_the_same_set() {
    let (base, _dir) = wrapped_app().await;
    let c = reqwest::Client::new();
    let home = c.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert_plugin_set("app page", &home);
    let csp = home.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(home.headers()["cross-origin-opener-policy"], "same-origin");
    assert_eq!(hsts(&home), None);

    let missing = c.get(format!("{base}/no-such-page")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_plugin_set("app 404", &missing);

    let tls = over_https(c.get(format!("{base}/"))).send().await.unwrap();
    assert_eq!(
        hsts(&tls).as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );

    // A header the handler set is kept.
    let asset = c.get(format!("{base}/asset")).send().await.unwrap();
    assert_eq!(asset.headers()["cache-control"], "public, max-age=60");
    assert_eq!(asset.headers()["x-content-type-options"], "nosniff");

    // The plugin's own pages keep their stricter policy (no scripts at all).
    let login = c
        .get(format!("{base}/login"))
        .header("Accept", HTML)
        .send()
        .await
        .unwrap();
    let csp = login.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
}

#[actix_web::test]
async fn app_pages_get_nothing_without_the_middleware() {
    // The control for the test above: the headers come from the middleware, not from actix.
    let app = TestApp::spawn().await;
    let home = app.get("/", HTML).await;
    assert_eq!(home.status(), 200);
    assert!(home.headers().get("x-content-type-options").is_none());
}

/// HDR-2 and HDR-3: no CORS grant to any origin (credentials or not), no method beyond the
/// spec's (TRACE and made-up methods are refused, never echoed), and no `Server` banner.
#[actix_web::test]
async fn no_cors_grant_no_trace_and_no_server_banner() {
    let app = TestApp::spawn().await;
    let c = app.fresh_client();
    for path in ["/login", "/me", "/oauth/token", "/register"] {
        for method in ["GET", "POST", "OPTIONS"] {
            let res = c
                .request(method.parse().unwrap(), app.url(path))
                .header("Origin", "https://evil.example")
                .header("Access-Control-Request-Method", "POST")
                .header("Accept", JSON)
                .send()
                .await
                .unwrap();
            let h = res.headers();
            for name in [
                "access-control-allow-origin",
                "access-control-allow-credentials",
                "access-control-allow-methods",
                "server",
            ] {
                assert!(h.get(name).is_none(), "{method} {path}: {name} sent");
            }
        }
        for method in ["TRACE", "PROPFIND"] {
            let res = c
                .request(method.parse().unwrap(), app.url(path))
                .header("X-Echo-Me", "secret-cookie-value")
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            assert!(
                status == 405 || status == 404,
                "{method} {path} is refused, not served: {status}"
            );
            assert!(
                !res.text().await.unwrap().contains("secret-cookie-value"),
                "{method} {path} echoes nothing"
            );
        }
    }
}
