//! The same routes over PostgreSQL (the local server at 127.0.0.1:5432, user postgres).

use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

use crate::support::*;

const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A fresh database, dropped when the guard goes.
struct Database {
    name: String,
}

impl Database {
    async fn create() -> Self {
        let name = format!("sp_actix_{}", email("db").replace(['@', '.', '-'], "_"));
        let mut admin = PgConnection::connect(ADMIN_URL)
            .await
            .expect("PostgreSQL on 127.0.0.1:5432");
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        Self { name }
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Dropping needs its own runtime: Drop cannot await.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(ADMIN_URL).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

#[actix_web::test]
async fn register_login_me_and_logout_over_postgres() {
    let db = Database::create().await;
    let url = db.url();
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
