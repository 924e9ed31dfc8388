//! Two instances, one truth: two processes of the conformance example on different ports,
//! sharing one PostgreSQL database (and one Redis) and one public base URL, as behind a load
//! balancer. A logout, a password change, a disabled account or a group change made through
//! one instance (or by anyone writing the database) reaches the other within a second; a lost
//! Redis makes the instances answer 503 rather than trust what they cached, and they recover
//! by themselves.
//!
//! These run when `STORMPATH_TEST_POSTGRES` is set, and the Redis variants when
//! `STORMPATH_TEST_REDIS` is set too (the killed-Redis test starts a private `redis-server`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};
use stormpath_testkit::{app::AppInstance, postgres::PgDatabase, redis::RedisServer};

const SECRET: &str = "scale-out-test-secret-0123456789abcdef";
const PASSWORD: &str = "Fir5t-Passw0rd";
/// How soon a change made on one instance must be seen on the other (the promise).
const WITHIN: Duration = Duration::from_secs(1);

/// Two instances on one database (and Redis when given).
struct Pair {
    a: AppInstance,
    b: AppInstance,
    db: PgDatabase,
}

async fn pair(redis: Option<&str>) -> Option<Pair> {
    let db = PgDatabase::create("sp_scale").await?;
    let mut env = vec![
        ("SECRET_KEY", SECRET),
        ("STORMPATH_DATABASE_URL", db.url()),
        ("STORMPATH_BASE_URL", "http://app.example.test"),
    ];
    if let Some(url) = redis {
        env.push(("STORMPATH_REDIS_URL", url));
    }
    let a = AppInstance::start(&env);
    let b = AppInstance::start(&env);
    Some(Pair { a, b, db })
}

/// The token cookies a response set, as one `Cookie` header value.
fn cookies(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter(|kv| kv.starts_with("access_token=") || kv.starts_with("refresh_token="))
        .filter(|kv| !kv.ends_with('='))
        .collect::<Vec<_>>()
        .join("; ")
}

fn cookie<'a>(jar: &'a str, name: &str) -> &'a str {
    jar.split("; ")
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .expect("cookie present")
}

/// The access cookie alone (no refresh cookie to renew it).
fn access_only(jar: &str) -> String {
    format!("access_token={}", cookie(jar, "access_token"))
}

fn client() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

async fn register(http: &Client, app: &AppInstance, email: &str) {
    let response = http
        .post(format!("{}/register", app.url))
        .json(&json!({"email": email, "password": PASSWORD, "givenName": "Ada", "surname": "L"}))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

async fn login(http: &Client, app: &AppInstance, email: &str, password: &str) -> String {
    let response = http
        .post(format!("{}/login", app.url))
        .json(&json!({"login": email, "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    cookies(&response)
}

async fn logout(http: &Client, app: &AppInstance, jar: &str) {
    let response = http
        .post(format!("{}/logout", app.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, jar)
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

async fn get(http: &Client, app: &AppInstance, path: &str, jar: &str) -> StatusCode {
    http.get(format!("{}{path}", app.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, jar)
        .send()
        .await
        .unwrap()
        .status()
}

async fn refresh(http: &Client, app: &AppInstance, jar: &str) -> StatusCode {
    http.post(format!("{}/oauth/token", app.url))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", cookie(jar, "refresh_token")),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

/// Polls `GET path` until it answers `want`; fails when that takes longer than `limit`.
async fn until(
    http: &Client,
    app: &AppInstance,
    path: &str,
    jar: &str,
    want: StatusCode,
    limit: Duration,
) -> Duration {
    let started = Instant::now();
    loop {
        let got = get(http, app, path, jar).await;
        if got == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{path} still answered {got} after {limit:?}, expected {want}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every promise of the scenario on one pair.
async fn one_truth(pair: &Pair) {
    let http = client();
    let (a, b) = (&pair.a, &pair.b);
    let email = "ada@example.com";
    register(&http, a, email).await;

    // Log in on B, use the cookie on A.
    let on_b = login(&http, b, email, PASSWORD).await;
    assert_eq!(get(&http, a, "/me", &on_b).await, StatusCode::OK);
    assert_eq!(
        get(&http, a, "/me", &access_only(&on_b)).await,
        StatusCode::OK
    );

    // Log out on B: refused on A within a second, access and refresh token alike.
    logout(&http, b, &on_b).await;
    until(
        &http,
        a,
        "/me",
        &access_only(&on_b),
        StatusCode::UNAUTHORIZED,
        WITHIN,
    )
    .await;
    assert_eq!(refresh(&http, a, &on_b).await, StatusCode::BAD_REQUEST);

    // Change the password on A: the sessions opened on B before it are refused on B.
    let old_on_b = login(&http, b, email, PASSWORD).await;
    let on_a = login(&http, a, email, PASSWORD).await;
    assert_eq!(
        get(&http, b, "/me", &access_only(&old_on_b)).await,
        StatusCode::OK
    );
    let changed = http
        .post(format!("{}/settings", a.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &on_a)
        .json(&json!({
            "currentPassword": PASSWORD,
            "password": "Sec0nd-Passw0rd",
            "confirmPassword": "Sec0nd-Passw0rd",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    until(
        &http,
        b,
        "/me",
        &access_only(&old_on_b),
        StatusCode::UNAUTHORIZED,
        WITHIN,
    )
    .await;
    assert_eq!(refresh(&http, b, &old_on_b).await, StatusCode::BAD_REQUEST);

    // A group membership given through B's database is honoured by A within a second.
    let fresh_on_a = login(&http, a, email, "Sec0nd-Passw0rd").await;
    assert_eq!(
        get(&http, a, "/admins", &fresh_on_a).await,
        StatusCode::FORBIDDEN
    );
    let b_store = stormpath_store::Store::builder()
        .database_url(pair.db.url())
        .application("Conformance")
        .signing_key(SECRET)
        .allow_weak_hashing(true)
        .hashing(stormpath_store::HashParams::INSECURE_FAST)
        .build()
        .await
        .unwrap();
    use stormpath_client::prelude::*;
    let account = b_store.account_by_email(email).await.unwrap().unwrap();
    b_store.ensure_group("admins", None).await.unwrap();
    b_store.add_to_group(&account.id, "admins").await.unwrap();
    until(&http, a, "/admins", &fresh_on_a, StatusCode::OK, WITHIN).await;

    // Anyone writing the database is heard too (the PostgreSQL triggers): an account disabled
    // with plain SQL is refused on both instances within a second.
    sqlx::query("UPDATE accounts SET status = 'DISABLED' WHERE id = $1")
        .bind(account.id.as_str())
        .execute(b_store.pool())
        .await
        .unwrap();
    until(
        &http,
        a,
        "/me",
        &access_only(&fresh_on_a),
        StatusCode::UNAUTHORIZED,
        WITHIN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_alone_two_instances_agree_within_a_second() {
    let Some(pair) = pair(None).await else { return };
    one_truth(&pair).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_and_redis_two_instances_agree_within_a_second() {
    let Some(redis) = stormpath_testkit::redis::url() else {
        return;
    };
    let Some(pair) = pair(Some(&redis)).await else {
        return;
    };
    one_truth(&pair).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redis_killed_mid_run_answers_503_then_recovers() {
    if stormpath_testkit::redis::url().is_none() {
        return;
    }
    let mut redis = RedisServer::start();
    let Some(pair) = pair(Some(&redis.url())).await else {
        return;
    };
    let http = client();
    let email = "grace@example.com";
    register(&http, &pair.a, email).await;
    let jar = login(&http, &pair.a, email, PASSWORD).await;
    let access = access_only(&jar);
    assert_eq!(get(&http, &pair.a, "/me", &access).await, StatusCode::OK);

    redis.kill();
    // Never a 500, never the cached session: 503 with the JSON error shape and Retry-After.
    until(
        &http,
        &pair.a,
        "/me",
        &access,
        StatusCode::SERVICE_UNAVAILABLE,
        Duration::from_secs(10),
    )
    .await;
    let response = http
        .get(format!("{}/me", pair.b.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], 503);
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    let login_now = http
        .post(format!("{}/login", pair.b.url))
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        login_now.status(),
        StatusCode::SERVICE_UNAVAILABLE,
        "the throttle lives in Redis"
    );

    // Back: both instances recover by themselves, and announcements flow again.
    redis.start_again();
    until(
        &http,
        &pair.a,
        "/me",
        &access,
        StatusCode::OK,
        Duration::from_secs(20),
    )
    .await;
    until(
        &http,
        &pair.b,
        "/me",
        &access,
        StatusCode::OK,
        Duration::from_secs(20),
    )
    .await;
    logout(&http, &pair.b, &jar).await;
    until(
        &http,
        &pair.a,
        "/me",
        &access,
        StatusCode::UNAUTHORIZED,
        WITHIN,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_postgres_listener_reconnects_and_hears_again() {
    let Some(pair) = pair(None).await else { return };
    let http = client();
    let email = "linus@example.com";
    register(&http, &pair.a, email).await;
    let jar = login(&http, &pair.b, email, PASSWORD).await;
    let access = access_only(&jar);
    assert_eq!(get(&http, &pair.a, "/me", &access).await, StatusCode::OK);
    // Cut every LISTEN connection of the database, as a restart or a proxy would.
    let admin = sqlx::PgPool::connect(pair.db.url()).await.unwrap();
    let cut: Vec<(bool,)> = sqlx::query_as(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    assert!(cut.len() >= 2, "both instances listen: {cut:?}");
    until(
        &http,
        &pair.a,
        "/me",
        &access,
        StatusCode::OK,
        Duration::from_secs(20),
    )
    .await;
    logout(&http, &pair.b, &jar).await;
    until(
        &http,
        &pair.a,
        "/me",
        &access,
        StatusCode::UNAUTHORIZED,
        WITHIN,
    )
    .await;
}

#[test]
fn an_unreachable_redis_at_start_is_a_clear_error_without_the_password() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://:hunter2@127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/app.db", dir.path().display());
    let err = AppInstance::try_start(&[
        ("SECRET_KEY", SECRET),
        ("STORMPATH_DATABASE_URL", &db),
        ("STORMPATH_REDIS_URL", &url),
    ])
    .err()
    .expect("the app refuses to start without its Redis");
    assert!(err.contains(&format!("127.0.0.1:{port}")), "{err}");
    assert!(err.contains("Redis"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}

/// Two instances on the remote back end share one `stormpath-server`: a logout on one is
/// refused by the other within a second (the server's confirmation of a token lasts 1 s).
/// Needs no PostgreSQL or Redis: the server runs on SQLite.
#[tokio::test(flavor = "multi_thread")]
async fn remote_two_instances_agree_within_a_second() {
    let server = stormpath_testkit::rest_server::RestServer::start();
    let api = server.api();
    let env = [
        ("SECRET_KEY", SECRET),
        ("STORMPATH_CLIENT_BASEURL", api.as_str()),
        ("STORMPATH_CLIENT_APIKEY_ID", server.key_id.as_str()),
        ("STORMPATH_CLIENT_APIKEY_SECRET", server.key_secret.as_str()),
        (
            "STORMPATH_APPLICATION_HREF",
            server.application_href.as_str(),
        ),
        ("STORMPATH_BASE_URL", "http://app.example.test"),
    ];
    let (a, b) = (AppInstance::start(&env), AppInstance::start(&env));
    let http = client();
    let email = "barbara@example.com";
    register(&http, &a, email).await;
    let jar = login(&http, &b, email, PASSWORD).await;
    let access = access_only(&jar);
    assert_eq!(get(&http, &a, "/me", &access).await, StatusCode::OK);
    logout(&http, &b, &jar).await;
    // The confirmation A holds lapses within a second; then the server disowns the token.
    until(
        &http,
        &a,
        "/me",
        &access,
        StatusCode::UNAUTHORIZED,
        WITHIN + Duration::from_millis(500),
    )
    .await;
    assert_eq!(refresh(&http, &a, &jar).await, StatusCode::BAD_REQUEST);
}

/// The README's central user directory, as written: a `stormpath-server` made by `init`, and
/// two `examples/remote.rs` apps told only the base URL, the `apiKey.properties` init wrote and
/// a secret (the server's one application is found by itself). Registered on one, known to
/// the other.
#[tokio::test(flavor = "multi_thread")]
async fn the_readme_two_example_apps_share_one_server() {
    let server = stormpath_testkit::rest_server::RestServer::start();
    let key_file = server.dir.path().join("apiKey.properties");
    let key_file = key_file.to_str().unwrap();
    let api = server.api();
    let app = |title: &str| {
        AppInstance::start_example(
            "remote",
            &[
                ("STORMPATH_CLIENT_BASEURL", api.as_str()),
                ("STORMPATH_CLIENT_APIKEY_FILE", key_file),
                ("SECRET_KEY", SECRET),
                ("APP_TITLE", title),
            ],
        )
    };
    let (shop, forum) = (app("Shop"), app("Forum"));
    let http = client();
    let email = "grace@example.com";
    register(&http, &shop, email).await;
    let jar = login(&http, &forum, email, PASSWORD).await;
    let page = http
        .get(format!("{}/", forum.url))
        .header(header::COOKIE, &jar)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h1>Forum</h1>"), "{page}");
    assert!(
        page.contains(&format!("Signed in as <strong>{email}</strong>")),
        "{page}"
    );
}

/// A Redis that stops answering (`DEBUG SLEEP`) costs a login a bounded wait and a 503, not a
/// request hanging until Redis is back; afterwards logins work again by themselves.
#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_redis_is_a_bounded_503_not_a_hang() {
    if stormpath_testkit::redis::url().is_none() {
        return;
    }
    let redis = RedisServer::start();
    let Some(pair) = pair(Some(&redis.url())).await else {
        return;
    };
    let http = client();
    let email = "edsger@example.com";
    register(&http, &pair.a, email).await;
    login(&http, &pair.b, email, PASSWORD).await;
    redis.stall(4);
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Had the login waited for Redis, it would have succeeded once Redis woke up; a 503 means
    // the 500 ms command timeout answered first.
    let stalled = http
        .post(format!("{}/login", pair.b.url))
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(stalled.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(stalled.headers().contains_key(header::RETRY_AFTER));
    let started = Instant::now();
    loop {
        let again = http
            .post(format!("{}/login", pair.b.url))
            .json(&json!({"login": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        if again.status() == StatusCode::OK {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{}",
            again.status()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The throttle's buckets live in Redis: ten failures for one login on instance A, and
/// instance B refuses the next try (429 with `Retry-After`) without checking the password.
#[tokio::test(flavor = "multi_thread")]
async fn with_redis_the_throttle_counts_across_instances() {
    let Some(url) = stormpath_testkit::redis::url() else {
        return;
    };
    let Some(pair) = pair(Some(&url)).await else {
        return;
    };
    let http = client();
    // A login of its own each run: the buckets outlive the test in the shared Redis.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let email = &format!("shared-throttle-{nanos}@example.com");
    register(&http, &pair.a, email).await;
    for _ in 0..10 {
        let response = http
            .post(format!("{}/login", pair.a.url))
            .json(&json!({"login": email, "password": "Wrong-pass1"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }
    let response = http
        .post(format!("{}/login", pair.b.url))
        .json(&json!({"login": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((85..=90).contains(&wait), "Retry-After {wait}");
    drop(pair);
}
