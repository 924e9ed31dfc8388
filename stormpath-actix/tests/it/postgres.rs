//! The same routes over PostgreSQL (run when `STORMPATH_TEST_POSTGRES` names a server).

use serde_json::{Value, json};
use stormpath_testkit::postgres::PgDatabase;

use crate::support::*;

#[actix_web::test]
async fn register_login_me_and_logout_over_postgres() {
    let Some(db) = PgDatabase::create("sp_actix").await else {
        return;
    };
    let url = db.url().to_owned();
    let app = TestApp::spawn_with(move |b| b.database_url(url)).await;
    let email = email("pg");
    let body = json!({"givenName": "A", "surname": "B", "email": email, "password": PASSWORD});
    let first = app.post_json("/register", &body).await;
    let (status, text) = (first.status(), first.text().await.unwrap());
    assert_eq!(status, 200, "{text}");
    let registered: Value = serde_json::from_str(&text).unwrap();
    let upper = json!({"givenName": "A", "surname": "B", "email": email.to_uppercase(), "password": PASSWORD});
    assert_json_error(
        app.post_json("/register", &upper).await,
        409,
        "already exists",
    )
    .await;
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    let access = cookie_value(set_cookies(res.headers(), "access_token")[0]).to_owned();
    let me: Value = app.get("/me", JSON).await.json().await.unwrap();
    assert_eq!(me["account"]["href"], registered["account"]["href"]);
    app.client
        .post(app.url("/logout"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    let replay = app
        .fresh_client()
        .get(app.url("/me"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 401);
    drop(app);
}
