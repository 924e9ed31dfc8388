//! `/forgot` and `/change` (spec §10.4, §10.5): password reset through real mail.

use serde_json::{Value, json};

use crate::support::*;

#[actix_web::test]
async fn forgot_page_is_html_only_with_an_email_input() {
    let app = TestApp::spawn().await;
    let page = app.get("/forgot", HTML).await.text().await.unwrap();
    assert!(page.contains(r#"name="email" type="email" placeholder="Email" required"#));
    assert!(page.contains(r#"name="_csrf""#));
    assert_eq!(app.get("/forgot", JSON).await.status(), 404);
    let page = app
        .get("/forgot?status=invalid_sptoken", HTML)
        .await
        .text()
        .await
        .unwrap();
    let first_alert = page.find("class=\"alert").unwrap();
    assert!(page[first_alert..].starts_with(r#"class="alert alert-warning""#));
    assert!(page.contains("no longer valid"));
}

#[actix_web::test]
async fn forgot_answers_the_same_for_known_and_unknown_addresses() {
    let app = TestApp::spawn().await;
    let email = email("known");
    app.register(&email).await;
    let known = forgot_json(&app, &email).await;
    let unknown = forgot_json(&app, "nobody-here@example.com").await;
    assert_eq!(
        (known.status().as_u16(), unknown.status().as_u16()),
        (200, 200)
    );
    assert_eq!(known.text().await.unwrap(), "");
    assert_eq!(unknown.text().await.unwrap(), "");
    let messages = app
        .smtp
        .wait_for_async(1, std::time::Duration::from_secs(5))
        .await;
    assert_eq!(messages.len(), 1, "only the existing account gets mail");
    assert_eq!(messages[0].rcpt_to, std::slice::from_ref(&email));
    for html_email in [email.as_str(), "nobody-here@example.com"] {
        let res = app
            .post_form("/forgot", "/forgot", &[("email", html_email)])
            .await;
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers()["location"], "/login?status=forgot");
    }
}

#[actix_web::test]
async fn the_mailed_link_is_absolute_from_config_with_the_token_last() {
    let app = TestApp::spawn().await;
    let email = email("link");
    app.register(&email).await;
    let res = app
        .fresh_client()
        .post(app.url("/forgot"))
        .header("Accept", JSON)
        .header("Host", "evil.example")
        .header("X-Forwarded-Host", "evil.example")
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let message = nth_mail(&app, 1).await;
    assert!(
        message.data.contains(&format!("To: {email}")),
        "addressed to the account"
    );
    let link = mailed_link(&message.data);
    assert!(
        link.starts_with(&format!("{}/change?sptoken=", app.base)),
        "{link}"
    );
    let token = token_of(&link);
    assert!(token.len() >= 22);
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "{token}"
    );
    assert!(!message.data.contains("evil.example"));
}

#[actix_web::test]
async fn missing_email_is_a_clear_error() {
    let app = TestApp::spawn().await;
    assert_json_error(
        app.post_json("/forgot", &json!({})).await,
        400,
        "Email is required.",
    )
    .await;
    let res = app.post_form("/forgot", "/forgot", &[("email", "")]).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Email is required."));
}

#[actix_web::test]
async fn change_without_or_with_a_bad_token() {
    let app = TestApp::spawn().await;
    let res = app.get("/change", HTML).await;
    assert_eq!(
        (
            res.status().as_u16(),
            res.headers()["location"].to_str().unwrap()
        ),
        (302, "/forgot")
    );
    assert_json_error(
        app.get("/change", JSON).await,
        400,
        "sptoken parameter not provided.",
    )
    .await;
    let res = app.get("/change?sptoken=nope", HTML).await;
    assert_eq!(res.headers()["location"], "/forgot?status=invalid_sptoken");
    assert_json_error(app.get("/change?sptoken=nope", JSON).await, 404, "").await;
    // A JSON content type on a bodiless GET changes nothing (spec §2.3).
    let res = app
        .fresh_client()
        .get(app.url("/change?sptoken=nope"))
        .header("Accept", JSON)
        .header("Content-Type", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    // The token is checked before the password.
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": "nope", "password": "foobar123!"}),
        )
        .await;
    assert_json_error(res, 404, "").await;
}

#[actix_web::test]
async fn a_valid_token_shows_the_form_and_json_gets_an_empty_200() {
    let app = TestApp::spawn().await;
    let (_, token) = mailed_token(&app, "valid").await;
    let res = app.get(&format!("/change?sptoken={token}"), HTML).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let page = res.text().await.unwrap();
    let first = page.find(r#"name="password" type="password""#).unwrap();
    let second = page
        .find(r#"name="confirmPassword" type="password""#)
        .unwrap();
    assert!(first < second);
    assert!(page.contains(&format!(r#"action="/change?sptoken={token}""#)));
    let res = app.get(&format!("/change?sptoken={token}"), JSON).await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().is_empty());
}

#[actix_web::test]
async fn json_reset_sets_the_password_uses_the_token_up_and_ends_sessions() {
    let app = TestApp::spawn().await;
    let (email, token) = mailed_token(&app, "reset").await;
    let login = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    let old_access = cookie_value(set_cookies(login.headers(), "access_token")[0]).to_owned();
    // A weak password is refused and leaves the token usable.
    let res = app
        .post_json("/change", &json!({"sptoken": token, "password": "weak"}))
        .await;
    assert_json_error(res, 400, "at least 8 characters").await;
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().len(), 0, "zero-byte body");
    let new_login = app
        .post_json(
            "/login",
            &json!({"login": email, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(new_login.status(), 200);
    let old = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(old.status(), 400);
    let reused = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "An0therPass!"}),
        )
        .await;
    assert_json_error(reused, 404, "").await;
    let res = app
        .fresh_client()
        .get(app.url("/dashboard"))
        .bearer_auth(&old_access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        401,
        "sessions from before the reset are revoked"
    );
}

#[actix_web::test]
async fn html_reset_with_a_csrf_token_from_the_forgot_page() {
    let app = TestApp::spawn().await;
    let (email, token) = mailed_token(&app, "htmlreset").await;
    let path = format!("/change?sptoken={token}");
    let res = app
        .post_form(
            "/forgot",
            &path,
            &[
                ("password", "N3wP4ssw0rd###"),
                ("confirmPassword", "mismatch"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Passwords do not match.")
    );
    let res = app
        .post_form(
            "/forgot",
            &path,
            &[
                ("password", "N3wP4ssw0rd###"),
                ("confirmPassword", "N3wP4ssw0rd###"),
            ],
        )
        .await;
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/login?status=reset");
    let ok = app
        .post_json(
            "/login",
            &json!({"login": email, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let res = app
        .post_form("/forgot", &path, &[("password", "N3wP4ssw0rd###")])
        .await;
    assert_eq!(
        res.headers()["location"],
        "/forgot?status=invalid_sptoken",
        "used up"
    );
}

#[actix_web::test]
async fn a_newer_token_voids_the_older_one() {
    let app = TestApp::spawn().await;
    let (email, first) = mailed_token(&app, "newer").await;
    forgot_json(&app, &email).await;
    let second = token_of(&mailed_link(&nth_mail(&app, 2).await.data));
    assert_ne!(first, second);
    assert_eq!(
        app.get(&format!("/change?sptoken={first}"), JSON)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("/change?sptoken={second}"), JSON)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn expired_tokens_are_refused() {
    if crate::support::remote() {
        return; // the reset lifetime is the server directory's policy (whole hours) on the remote back end
    }
    // A link that expires before its mail goes out is never sent: this one lives a few
    // seconds, and the test waits them out (a lower bound: a slow machine only waits longer).
    let app = TestApp::spawn_with(|b| b.config(|c| c.tokens.password_reset_ttl = 4)).await;
    let (_, token) = mailed_token(&app, "expired").await;
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    assert_eq!(
        app.get(&format!("/change?sptoken={token}"), JSON)
            .await
            .status(),
        404
    );
}

#[actix_web::test]
async fn auto_login_after_reset_sets_cookies() {
    let app = TestApp::spawn_with(|b| b.web(|w| w.change_password.auto_login = true)).await;
    let (email, token) = mailed_token(&app, "autoreset").await;
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["email"], email.as_str());
}

#[actix_web::test]
async fn disabled_accounts_and_look_alike_addresses_get_no_mail() {
    let app = TestApp::spawn().await;
    let email = email("dis");
    app.register(&email).await;
    disable(&app, &email).await;
    assert_eq!(forgot_json(&app, &email).await.status(), 200);
    app.register("user@github.com").await;
    assert_eq!(forgot_json(&app, "user@gıthub.com").await.status(), 200);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(app.smtp.messages().is_empty());
}

/// A mail server that is down no longer tells known addresses from unknown ones (it used to
/// answer 503 for known ones only): both get the usual answer, the mail waits in the outbox
/// and goes out when the server is back.
#[actix_web::test]
async fn a_mail_server_that_is_down_changes_no_answer_and_loses_no_mail() {
    if crate::support::remote() {
        return; // the server sends these mails through its own transport
    }
    let down = stormpath_testkit::SmtpSink::down();
    let url = format!("smtp://{down}");
    let app = TestApp::spawn_with(move |b| {
        let url = url.clone();
        b.config(move |c| {
            c.mail.smtp_url = Some(stormpath::config::Secret(url.clone()));
            c.mail.retry_max = 1;
        })
    })
    .await;
    let email = email("down");
    app.register(&email).await;
    let known = forgot_json(&app, &email).await;
    let unknown = forgot_json(&app, &crate::support::email("nobody")).await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), 200);
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    let form = app
        .post_form("/forgot", "/forgot", &[("email", &email)])
        .await;
    assert_eq!(form.status(), 302, "the usual redirect");
    // The server comes back: the mails (two requests, under the cap) arrive.
    let sink = stormpath_testkit::SmtpSink::start_on(down);
    let mails = sink
        .wait_for_async(2, std::time::Duration::from_secs(20))
        .await;
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.rcpt_to == [email.clone()]));
    assert!(mailed_link(&mails[1].data).contains("sptoken="));
}

/// Per-address cap: past `mail.capPerAddress` reset mails within the window, `/forgot` still
/// answers as usual but no more mail is sent.
#[actix_web::test]
async fn reset_mails_to_one_address_are_capped() {
    if crate::support::remote() {
        return; // the server's store applies its own caps
    }
    let app = TestApp::spawn_with(|b| b.config(|c| c.mail.cap_per_address = 2)).await;
    let email = email("cap");
    app.register(&email).await;
    for _ in 0..4 {
        assert_eq!(forgot_json(&app, &email).await.status(), 200);
    }
    // A marker mail queued after them: once it is delivered, so is anything queued before.
    let marker = crate::support::email("marker");
    app.register(&marker).await;
    assert_eq!(forgot_json(&app, &marker).await.status(), 200);
    let mails = app
        .smtp
        .wait_for_async(3, std::time::Duration::from_secs(20))
        .await;
    assert!(mails.iter().any(|m| m.rcpt_to == [marker.clone()]));
    let to_capped = mails
        .iter()
        .filter(|m| m.rcpt_to == [email.clone()])
        .count();
    assert_eq!(to_capped, 2);
}

#[actix_web::test]
async fn truncated_tokens_and_tokens_of_since_disabled_accounts_are_refused() {
    let app = TestApp::spawn().await;
    let (email, token) = mailed_token(&app, "trunc").await;
    let truncated = &token[..token.len() - 1];
    assert_eq!(
        app.get(&format!("/change?sptoken={truncated}"), JSON)
            .await
            .status(),
        404
    );
    disable(&app, &email).await;
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": token, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_json_error(res, 404, "").await;
}

#[actix_web::test]
async fn a_duplicated_json_key_is_400_and_leaves_the_token_usable() {
    let app = TestApp::spawn().await;
    let (_, token) = mailed_token(&app, "dupkey").await;
    let res = app
        .fresh_client()
        .post(app.url(&format!("/change?sptoken={token}")))
        .header("Accept", JSON)
        .header("Content-Type", JSON)
        .body(r#"{"password":"foobar123!","password":"other123!"}"#)
        .send()
        .await
        .unwrap();
    assert_json_error(
        res,
        400,
        "Duplicate field \"password\" in the request body.",
    )
    .await;
    assert_eq!(
        app.get(&format!("/change?sptoken={token}"), JSON)
            .await
            .status(),
        200
    );
}
