//! Sessions: `GET /me/sessions`, ending one, "log out everywhere", and opt-in refresh-token
//! rotation with reuse detection.

use serde_json::Value;

use crate::support::*;

async fn password_grant(app: &TestApp, email: &str) -> Value {
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn refresh_grant(app: &TestApp, refresh: &str) -> (u16, Value) {
    let res = app
        .fresh_client()
        .post(app.url("/oauth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", refresh)])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn me_status(app: &TestApp, access: &str) -> u16 {
    app.fresh_client()
        .get(app.url("/me"))
        .header("Accept", JSON)
        .bearer_auth(access)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[actix_web::test]
async fn sessions_are_listed_ended_one_by_one_and_all_at_once() {
    let app = TestApp::spawn().await;
    let email = email("sessions");
    app.login(&email).await;
    let other = password_grant(&app, &email).await;
    let other_access = other["access_token"].as_str().unwrap();
    let list: Value = app.get("/me/sessions", JSON).await.json().await.unwrap();
    assert_eq!(list["size"], 2, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    for item in items {
        assert!(item["createdAt"].is_string() && item["expiresAt"].is_string());
    }
    let other_id = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(me_status(&app, other_access).await, 200);
    let res = app
        .client
        .delete(app.url(&format!("/me/sessions/{other_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(me_status(&app, other_access).await, 401, "ended at once");
    let (status, _) = refresh_grant(&app, other["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
    let res = app
        .client
        .delete(app.url(&format!("/me/sessions/{other_id}")))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_json_error(res, 404, "").await;
    // Log out everywhere: this session too, and its cookies are cleared.
    let third = password_grant(&app, &email).await;
    let res = app
        .client
        .delete(app.url("/me/sessions"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(
        !set_cookies(res.headers(), "access_token").is_empty(),
        "the cookies are removed"
    );
    assert_eq!(
        me_status(&app, third["access_token"].as_str().unwrap()).await,
        401
    );
    assert_eq!(app.get("/me", JSON).await.status(), 401);
}

#[actix_web::test]
async fn sessions_of_another_account_cannot_be_ended() {
    let app = TestApp::spawn().await;
    let victim = email("victim");
    app.register(&victim).await;
    let victims = password_grant(&app, &victim).await;
    app.login(&email("intruder")).await;
    // The victim's session id is the jti of its first refresh token.
    let id = claims(victims["refresh_token"].as_str().unwrap())["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .delete(app.url(&format!("/me/sessions/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        me_status(&app, victims["access_token"].as_str().unwrap()).await,
        200
    );
}

#[actix_web::test]
async fn rotation_replaces_refresh_tokens_and_a_reused_one_ends_the_session() {
    if remote() {
        return; // the server's store decides rotation
    }
    let app =
        TestApp::spawn_with(|b| b.config(|c| c.security.sessions.rotate_refresh_tokens = true))
            .await;
    let email = email("rotate");
    app.register(&email).await;
    let first = password_grant(&app, &email).await;
    let first_refresh = first["refresh_token"].as_str().unwrap().to_owned();
    let (status, second) = refresh_grant(&app, &first_refresh).await;
    assert_eq!(status, 200);
    let second_refresh = second["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh, "a new refresh token");
    let second_access = second["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me_status(&app, &second_access).await, 200);
    // The replaced token comes back (a thief, or the owner after a theft): the whole family
    // ends, including the tokens minted from its replacement.
    let (status, body) = refresh_grant(&app, &first_refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    assert_eq!(refresh_grant(&app, &second_refresh).await.0, 400);
    assert_eq!(me_status(&app, &second_access).await, 401);
}

#[actix_web::test]
async fn without_rotation_the_same_refresh_token_keeps_working() {
    let app = TestApp::spawn().await;
    let email = email("no-rotate");
    app.register(&email).await;
    let first = password_grant(&app, &email).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    for _ in 0..3 {
        let (status, body) = refresh_grant(&app, refresh).await;
        assert_eq!(status, 200);
        assert_eq!(body["refresh_token"], refresh, "spec §6.4: the same token");
    }
}

#[actix_web::test]
async fn access_tokens_carry_auth_time_across_refreshes() {
    let app = TestApp::spawn().await;
    let email = email("auth-time");
    app.register(&email).await;
    let first = password_grant(&app, &email).await;
    let at = claims(first["access_token"].as_str().unwrap())["auth_time"].clone();
    assert!(at.is_i64(), "{at}");
    let (_, refreshed) = refresh_grant(&app, first["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        claims(refreshed["access_token"].as_str().unwrap())["auth_time"],
        at
    );
}

#[actix_web::test]
async fn a_session_cannot_be_refreshed_past_its_absolute_lifetime() {
    if remote() {
        return;
    }
    // The policy's arithmetic is unit-tested with given instants (`families.rs`); this proves
    // the wiring, waiting out a one-second lifetime (a lower bound: a slow machine only waits
    // longer).
    let app =
        TestApp::spawn_with(|b| b.config(|c| c.security.sessions.absolute_lifetime = 1)).await;
    let email = email("lifetime");
    app.register(&email).await;
    let first = password_grant(&app, &email).await;
    let refresh = first["refresh_token"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = refresh_grant(&app, refresh).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
}

#[actix_web::test]
async fn with_a_reuse_grace_concurrent_refreshes_of_one_token_keep_the_session() {
    if remote() {
        return; // the server's store decides rotation
    }
    let app = TestApp::spawn_with(|b| {
        b.config(|c| {
            c.security.sessions.rotate_refresh_tokens = true;
            c.security.sessions.reuse_grace = 30;
        })
    })
    .await;
    let email = email("grace");
    app.register(&email).await;
    let first = password_grant(&app, &email).await;
    let refresh = first["refresh_token"].as_str().unwrap().to_owned();
    // Two tabs refresh the same expired session at once, then a third a moment later.
    let (a, b) = tokio::join!(refresh_grant(&app, &refresh), refresh_grant(&app, &refresh));
    let (c_status, c) = refresh_grant(&app, &refresh).await;
    for (status, body) in [&a, &b, &(c_status, c.clone())] {
        assert_eq!(*status, 200, "{body:#}");
        assert_ne!(body["refresh_token"], refresh.as_str());
        assert_eq!(
            me_status(&app, body["access_token"].as_str().unwrap()).await,
            200
        );
    }
    // Every replacement lives on in the one session.
    let (status, _) = refresh_grant(&app, c["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200);
}
