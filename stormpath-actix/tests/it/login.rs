//! `/login` (spec §10.1, §11.1).

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn json_view_model_has_exactly_the_two_default_fields() {
    let app = TestApp::spawn().await;
    for accept in [JSON, "*/*", ""] {
        let res = app.get("/login", accept).await;
        assert_eq!(res.status(), 200, "Accept: {accept:?}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body.as_object().unwrap().len(), 2);
        assert_eq!(body["accountStores"], json!([]));
        assert_eq!(
            body["form"]["fields"],
            json!([
                {"label": "Username or Email", "name": "login", "placeholder": "Username or Email", "required": true, "type": "text"},
                {"label": "Password", "name": "password", "placeholder": "Password", "required": true, "type": "password"}
            ])
        );
    }
    let res = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "application/json");
}

#[actix_web::test]
async fn unacceptable_types_and_other_methods_pass_through() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/login", "foo/bar").await.status(), 404);
    for method in [reqwest::Method::PUT, reqwest::Method::DELETE] {
        let res = app
            .client
            .request(method.clone(), app.url("/login"))
            .send()
            .await
            .unwrap();
        // Not handled (spec §2.1): the app's own routes answer, and it has none there.
        assert_eq!(res.status(), 404, "{method}");
    }
    assert_eq!(app.get("/missing", HTML).await.status(), 404);
}

#[actix_web::test]
async fn html_page_has_the_spec_structure() {
    let app = TestApp::spawn().await;
    let res = app.get("/login", HTML).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(res.headers().contains_key("content-security-policy"));
    assert_eq!(
        set_cookies(res.headers(), "sp_csrf").len(),
        1,
        "a CSRF cookie is issued"
    );
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<form method="post" action="/login""#));
    assert!(page.contains(r#"name="login" type="text" placeholder="Username or Email" required"#));
    assert!(page.contains(r#"name="password" type="password" placeholder="Password" required"#));
    assert!(page.contains(r#"<button type="submit""#));
    let header = page.find(r#"class="sp-header""#).unwrap();
    let form = page.find("<form").unwrap();
    let csrf = page.find(r#"name="_csrf""#).unwrap();
    assert!(
        header < form && form < csrf,
        "heading, then the form with its CSRF input first"
    );
    assert!(page.contains("Log In or Create Account"));
    assert!(
        page.contains(r#"<label for="sp-login">"#),
        "labels are tied to inputs"
    );
    assert!(page.contains(r#"href="/register""#));
}

#[actix_web::test]
async fn status_banners_show_only_for_known_values() {
    let app = TestApp::spawn().await;
    for (status, text) in [
        ("created", "Your Account Has Been Created."),
        ("verified", "Your Account Has Been Verified."),
        ("forgot", "Password Reset Requested."),
        ("reset", "Password Reset Successfully."),
        (
            "unverified",
            "Your account verification email has been sent!",
        ),
    ] {
        let page = app
            .get(&format!("/login?status={status}"), HTML)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains(text), "{status}");
        let banner = page.find(text).unwrap();
        assert!(
            page[..banner].contains(r#"class="sp-header sp-banner""#),
            "banner inside a header div"
        );
    }
    let page = app
        .get("/login?status=foobar", HTML)
        .await
        .text()
        .await
        .unwrap();
    for text in [
        "has been created",
        "has been verified",
        "reset requested",
        "reset successfully",
        "has been sent",
    ] {
        assert!(!page.to_lowercase().contains(text));
    }
    assert!(page.contains("Log In or Create Account"));
}

#[actix_web::test]
async fn json_login_sets_token_cookies_matching_the_jwt() {
    let app = TestApp::spawn().await;
    let email = email("login");
    let registered = app.register(&email).await;
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    let access = set_cookies(res.headers(), "access_token")[0].to_owned();
    let refresh = set_cookies(res.headers(), "refresh_token")[0].to_owned();
    let body: Value = res.json().await.unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1);
    assert_eq!(body["account"]["href"], registered["account"]["href"]);
    for line in [&access, &refresh] {
        assert!(line.contains("HttpOnly"), "{line}");
        assert!(line.contains("SameSite=Lax"), "{line}");
        assert!(line.contains("Path=/"), "{line}");
        assert!(!line.contains("Secure"), "plain HTTP: {line}");
        assert!(!line.contains("Domain"), "{line}");
    }
    let jwt = cookie_value(&access);
    let claims = claims(jwt);
    assert_eq!(header(jwt)["alg"], "HS256");
    assert_eq!(header(jwt)["stt"], "access");
    assert_eq!(claims["sub"], registered["account"]["href"]);
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let expires = access
        .split(';')
        .find_map(|p| p.trim().strip_prefix("Expires="))
        .unwrap();
    let expires =
        time::OffsetDateTime::parse(expires, &time::format_description::well_known::Rfc2822)
            .unwrap_or_else(|_| httpdate(expires));
    assert_eq!(expires.unix_timestamp(), claims["exp"].as_i64().unwrap());
    assert_eq!(header(cookie_value(&refresh))["stt"], "refresh");
}

/// Parses `Wed, 25 Nov 2026 01:02:03 GMT`.
fn httpdate(text: &str) -> time::OffsetDateTime {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text, &fmt)
        .expect("http date")
        .assume_utc()
}

#[actix_web::test]
async fn login_by_username_and_case_insensitive_email() {
    let app = TestApp::spawn().await;
    let email = email("Case");
    app.register(&email).await;
    let upper = email.to_uppercase();
    let res = app
        .post_json("/login", &json!({"login": upper, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
}

#[actix_web::test]
async fn bad_credentials_are_one_indistinguishable_400() {
    let app = TestApp::spawn().await;
    let email = email("bad");
    app.register(&email).await;
    let wrong = app
        .post_json(
            "/login",
            &json!({"login": email, "password": "Wrong-pass1"}),
        )
        .await;
    let unknown = app
        .post_json(
            "/login",
            &json!({"login": "nobody@example.com", "password": "Wrong-pass1"}),
        )
        .await;
    let cookies = |r: &reqwest::Response| set_cookies(r.headers(), "access_token").len();
    assert_eq!((cookies(&wrong), cookies(&unknown)), (0, 0));
    let (a, b) = (wrong.text().await.unwrap(), unknown.text().await.unwrap());
    assert_eq!(a, b);
    assert_eq!(
        a,
        r#"{"status":400,"message":"Invalid username or password."}"#
    );
}

#[actix_web::test]
async fn missing_fields_and_wrong_types_are_400() {
    let app = TestApp::spawn().await;
    assert_json_error(
        app.post_json("/login", &json!({"password": "x"})).await,
        400,
        "Login is required",
    )
    .await;
    assert_json_error(
        app.post_json("/login", &json!({"login": "a@b.c"})).await,
        400,
        "Password is required",
    )
    .await;
    assert_json_error(
        app.post_json("/login", &json!({"login": 5, "password": "x"}))
            .await,
        400,
        "Login must be a string",
    )
    .await;
    assert_json_error(app.post_json("/login", &json!({})).await, 400, "required").await;
}

#[actix_web::test]
async fn disabled_account_cannot_log_in() {
    let app = TestApp::spawn().await;
    let email = email("disabled");
    app.register(&email).await;
    disable(&app, &email).await;
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_json_error(res, 400, "disabled").await;
}

#[actix_web::test]
async fn html_login_redirects_to_a_safe_next_only() {
    let app = TestApp::spawn().await;
    let email = email("html");
    app.register(&email).await;
    let res = app
        .post_form(
            "/login",
            "/login?next=%2Fdashboard%3Fa%3D1",
            &[("login", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/dashboard?a=1");
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    for evil in [
        "%2F%2Fevil.com",
        "https%3A%2F%2Fevil.com",
        "%2F%5Cevil.com",
        "javascript%3Aalert(1)",
    ] {
        let app_client = app.fresh_client();
        let page = app_client
            .get(app.url("/login"))
            .header("Accept", HTML)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let token = csrf_token(&page);
        let res = app_client
            .post(app.url(&format!("/login?next={evil}")))
            .header("Accept", HTML)
            .form(&[
                ("login", email.as_str()),
                ("password", PASSWORD),
                ("_csrf", &token),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers()["location"], "/", "next={evil}");
    }
}

#[actix_web::test]
async fn html_failure_rerenders_with_the_login_kept_and_no_password() {
    let app = TestApp::spawn().await;
    let res = app
        .post_form(
            "/login",
            "/login",
            &[("login", "someone@example.com"), ("password", "Nope-nope1")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains(r#"<div class="alert alert-danger bad-login" role="alert"><p>Invalid username or password.</p></div>"#));
    assert!(page.contains(r#"value="someone@example.com""#));
    assert!(!page.contains("Nope-nope1"));
    let res = app.post_form("/login", "/login", &[("foo", "bar")]).await;
    let page = res.text().await.unwrap();
    assert!(page.contains("bad-login"));
    assert!(page.contains("Login is required."));
}

#[actix_web::test]
async fn form_posts_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let email = email("csrf");
    app.register(&email).await;
    // No token at all.
    let res = app
        .client
        .post(app.url("/login"))
        .header("Accept", HTML)
        .form(&[("login", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    assert!(res.text().await.unwrap().contains("CSRF"));
    // A token from another browser (another cookie).
    let (foreign, _) = {
        let other = app.fresh_client();
        let page = other
            .get(app.url("/login"))
            .header("Accept", HTML)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        (csrf_token(&page), ())
    };
    app.form_page("/login").await;
    let res = app
        .client
        .post(app.url("/login"))
        .header("Accept", HTML)
        .form(&[
            ("login", email.as_str()),
            ("password", PASSWORD),
            ("_csrf", &foreign),
        ])
        .send()
        .await
        .unwrap();
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    // The header works in place of the field; a token from another page works too.
    let (token, _) = app.form_page("/register").await;
    let res = app
        .client
        .post(app.url("/login"))
        .header("Accept", HTML)
        .header("X-CSRF-TOKEN", token)
        .form(&[("login", email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    // A cross-site form post is refused even with a token.
    let (token, _) = app.form_page("/login").await;
    let res = app
        .client
        .post(app.url("/login"))
        .header("Accept", HTML)
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[
            ("login", email.as_str()),
            ("password", PASSWORD),
            ("_csrf", &token),
        ])
        .send()
        .await
        .unwrap();
    assert!(set_cookies(res.headers(), "access_token").is_empty());
}

#[actix_web::test]
async fn json_posts_need_no_csrf_and_a_charset_parameter_is_fine() {
    let app = TestApp::spawn().await;
    let email = email("charset");
    app.register(&email).await;
    let res = app
        .fresh_client()
        .post(app.url("/login"))
        .header("Accept", JSON)
        .header("Content-Type", "application/json; charset=ISO-8859-1")
        .body(json!({"login": email, "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// One hash at a time and none waiting: of logins sent at once, one arriving while a hash runs
/// is refused at once — a 503 with `Retry-After` and `{status, message}` for JSON and for the
/// password grant, the form again saying so (503, `Retry-After`) for a browser.
#[actix_web::test]
async fn a_login_beyond_the_hashing_queue_is_a_503_with_retry_after() {
    if crate::support::remote() {
        return; // the server hashes the passwords, under its own bounds
    }
    let app = TestApp::spawn_with(|b| {
        b.config(|c| {
            // OWASP's cost, so that hashes last long enough for logins to overlap.
            let hashing = &mut c.password.hashing;
            hashing.memory_kib = 19_456;
            hashing.iterations = 2;
            hashing.max_concurrent = Some(1);
            hashing.max_queued = Some(0);
        })
    })
    .await;
    let email = email("shed");
    app.register(&email).await;
    let (token, _) = app.form_page("/login").await;
    let mut shed: [Option<reqwest::Response>; 3] = [None, None, None];
    for _ in 0..50 {
        let mut logins = tokio::task::JoinSet::new();
        for n in 0..9 {
            let client = app.client.clone();
            let req = match n % 3 {
                0 => client
                    .post(app.url("/login"))
                    .header("Accept", JSON)
                    .json(&json!({"login": email, "password": PASSWORD})),
                1 => client
                    .post(app.url("/login"))
                    .header("Accept", HTML)
                    .form(&[
                        ("login", email.as_str()),
                        ("password", PASSWORD),
                        ("_csrf", token.as_str()),
                    ]),
                _ => client.post(app.url("/oauth/token")).form(&[
                    ("grant_type", "password"),
                    ("username", email.as_str()),
                    ("password", PASSWORD),
                ]),
            };
            logins.spawn(async move { (n % 3, req.send().await.unwrap()) });
        }
        while let Some(done) = logins.join_next().await {
            let (kind, res) = done.unwrap();
            if res.status() == 503 {
                shed[kind].get_or_insert(res);
            } else {
                assert!(res.status().is_success() || res.status() == 302, "{res:?}");
            }
        }
        if shed.iter().all(Option::is_some) {
            break;
        }
    }
    let [json_login, form_login, grant] = shed.map(|r| r.expect("a login was shed"));
    for res in [&json_login, &form_login, &grant] {
        assert_eq!(res.headers()["retry-after"], "2");
    }
    assert_json_error(json_login, 503, "temporarily unavailable").await;
    assert_json_error(grant, 503, "temporarily unavailable").await;
    let page = form_login.text().await.unwrap();
    assert!(page.contains("temporarily unavailable"), "{page}");
    assert!(page.contains(&email), "the form keeps the login: {page}");
}

/// ENUM-1 on the HTML form: a wrong password and an unknown login re-render the same page
/// (the CSRF token aside), with the login kept and no cookie.
#[actix_web::test]
async fn the_login_form_answers_wrong_and_unknown_logins_alike() {
    let app = TestApp::spawn().await;
    let email = email("form-alike");
    app.register(&email).await;
    let mut pages = Vec::new();
    for login in [email.as_str(), "nobody-at-all@example.com"] {
        let res = app
            .post_form(
                "/login",
                "/login",
                &[("login", login), ("password", "Wrong-pass1")],
            )
            .await;
        assert_eq!(res.status(), 200);
        assert!(set_cookies(res.headers(), "access_token").is_empty());
        let page = res.text().await.unwrap();
        assert!(page.contains("Invalid username or password."), "{page}");
        let token = csrf_token(&page);
        pages.push(page.replace(&token, "CSRF").replace(login, "LOGIN"));
    }
    assert_eq!(pages[0], pages[1]);
}
