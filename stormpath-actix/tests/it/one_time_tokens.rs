//! One-time tokens (spec §10.5, §10.6) are bound to their purpose and used once: a reset token
//! is no verification token (and the reverse), and of several concurrent uses of one token
//! exactly one wins.

use serde_json::json;

use crate::support::*;

async fn verifying_app() -> TestApp {
    TestApp::spawn_with(|b| b.web(|w| w.verify_email.enabled = Some(true))).await
}

/// Registers an account (which gets verification mail number `n`) and returns its email and
/// verification token.
async fn unverified(app: &TestApp, tag: &str, n: usize) -> (String, String) {
    let email = email(tag);
    let res = app
        .post_json(
            "/register",
            &json!({"givenName": "O", "surname": "T", "email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200);
    (email, token_of(&mailed_link(&nth_mail(app, n).await.data)))
}

/// A verified account and a reset token mailed to it (mails `n` and `n + 1`).
async fn with_reset_token(app: &TestApp, tag: &str, n: usize) -> (String, String) {
    let (email, verification) = unverified(app, tag, n).await;
    let res = app
        .get(&format!("/verify?sptoken={verification}"), JSON)
        .await;
    assert_eq!(res.status(), 200);
    let res = app.post_json("/forgot", &json!({"email": email})).await;
    assert_eq!(res.status(), 200);
    (
        email,
        token_of(&mailed_link(&nth_mail(app, n + 1).await.data)),
    )
}

#[actix_web::test]
async fn a_reset_token_is_no_verification_token_and_the_reverse() {
    let app = verifying_app().await;
    let (_, reset) = with_reset_token(&app, "purpose-reset", 1).await;
    let (_, verification) = unverified(&app, "purpose-verify", 3).await;

    assert_json_error(
        app.get(&format!("/verify?sptoken={reset}"), JSON).await,
        404,
        "",
    )
    .await;
    assert_json_error(
        app.get(&format!("/change?sptoken={verification}"), JSON)
            .await,
        404,
        "",
    )
    .await;
    let res = app
        .post_json(
            "/change",
            &json!({"sptoken": verification, "password": "N3wP4ssw0rd###"}),
        )
        .await;
    assert_json_error(res, 404, "").await;

    // Each still works for its own purpose.
    assert_eq!(
        app.get(&format!("/change?sptoken={reset}"), JSON)
            .await
            .status(),
        200
    );
    assert_eq!(
        app.get(&format!("/verify?sptoken={verification}"), JSON)
            .await
            .status(),
        200
    );
}

#[actix_web::test]
async fn concurrent_uses_of_one_reset_token_have_one_winner() {
    let app = TestApp::spawn().await;
    let email = email("race-reset");
    app.register(&email).await;
    assert_eq!(
        app.post_json("/forgot", &json!({"email": email}))
            .await
            .status(),
        200
    );
    let token = token_of(&mailed_link(&nth_mail(&app, 1).await.data));
    let passwords = [
        "N3wP4ssw0rd#1",
        "N3wP4ssw0rd#2",
        "N3wP4ssw0rd#3",
        "N3wP4ssw0rd#4",
    ];
    let uses = passwords.map(|password| {
        app.fresh_client()
            .post(app.url("/change"))
            .header("Accept", JSON)
            .json(&json!({"sptoken": token, "password": password}))
            .send()
    });
    let results = futures_join_all(uses).await;
    let statuses: Vec<u16> = results.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 404),
        "{statuses:?}"
    );
    let winner = passwords[statuses.iter().position(|s| *s == 200).unwrap()];
    let login = |password: &'static str| {
        app.fresh_client()
            .post(app.url("/login"))
            .header("Accept", JSON)
            .json(&json!({"login": email, "password": password}))
            .send()
    };
    assert_eq!(
        login(winner).await.unwrap().status(),
        200,
        "the winner's password"
    );
    for loser in passwords.iter().filter(|p| **p != winner) {
        assert_eq!(login(loser).await.unwrap().status(), 400, "{loser}");
    }
}

#[actix_web::test]
async fn concurrent_uses_of_one_verification_token_have_one_winner() {
    let app = verifying_app().await;
    let (_, token) = unverified(&app, "race-verify", 1).await;
    let uses = [0; 4].map(|_| {
        app.fresh_client()
            .get(app.url(&format!("/verify?sptoken={token}")))
            .header("Accept", JSON)
            .send()
    });
    let statuses: Vec<u16> = futures_join_all(uses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 404),
        "{statuses:?}"
    );
}

/// Runs the requests at once (each on its own task) and returns their responses in order.
async fn futures_join_all<F>(requests: [F; 4]) -> Vec<reqwest::Response>
where
    F: std::future::Future<Output = reqwest::Result<reqwest::Response>> + 'static,
{
    let handles: Vec<_> = requests.into_iter().map(actix_web::rt::spawn).collect();
    let mut out = Vec::new();
    for handle in handles {
        out.push(handle.await.unwrap().unwrap());
    }
    out
}
