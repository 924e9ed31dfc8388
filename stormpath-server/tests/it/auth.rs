//! Caller authentication (spec §2): Basic and SAuthc1 with the tenant key; 401 otherwise.

use base64::{Engine, engine::general_purpose::STANDARD};
use reqwest::StatusCode;
use stormpath_client::{credentials::ApiKey, sauthc1};

use crate::support::Api;

#[tokio::test]
async fn basic_auth_with_the_admin_key_works_and_anything_else_is_401() {
    let api = Api::start();
    assert_eq!(api.get("/tenants/current").await.status, StatusCode::FOUND);
    let url = api.url("/tenants/current");
    let cases = [
        None,
        Some(format!(
            "Basic {}",
            STANDARD.encode(format!("{}:wrong", api.server.key_id))
        )),
        Some(format!("Basic {}", STANDARD.encode("NOPE:nope"))),
        Some("Basic !!!".to_owned()),
        Some("Bearer abc".to_owned()),
        Some("SAuthc1 garbage".to_owned()),
    ];
    for auth in cases {
        let mut req = api.http.get(&url);
        if let Some(a) = &auth {
            req = req.header("Authorization", a);
        }
        let r = Api::reply(req.send().await.unwrap()).await;
        r.assert_error(401, 401);
    }
}

fn signed(
    api: &Api,
    method: &str,
    path_and_query: &str,
    date: time::OffsetDateTime,
    nonce: &str,
) -> reqwest::RequestBuilder {
    let url = reqwest::Url::parse(&api.url(path_and_query)).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let stamp = sauthc1::format_timestamp(date);
    let headers = [
        ("Host", host.as_str()),
        ("X-Stormpath-Date", stamp.as_str()),
    ];
    let key = ApiKey {
        id: api.server.key_id.clone(),
        secret: api.server.key_secret.clone(),
    };
    let req = sauthc1::SignedRequest {
        method,
        path: url.path(),
        query: url.query().unwrap_or(""),
        headers: &headers,
        body: b"",
    };
    let auth = sauthc1::authorization(&key, &req, &["host", "x-stormpath-date"], &stamp, nonce);
    api.http
        .request(method.parse().unwrap(), url)
        .header("Host", host)
        .header("X-Stormpath-Date", stamp)
        .header("Authorization", auth)
}

#[tokio::test]
async fn sauthc1_signed_requests_work_once_and_stale_or_forged_ones_do_not() {
    let api = Api::start();
    let now = time::OffsetDateTime::now_utc();
    let path = "/tenants/current?nocache=true";
    let ok = signed(
        &api,
        "GET",
        path,
        now,
        "11111111-1111-4111-8111-111111111111",
    );
    assert_eq!(ok.send().await.unwrap().status(), StatusCode::FOUND);
    // The same nonce again: a replay.
    let replay = signed(
        &api,
        "GET",
        path,
        now,
        "11111111-1111-4111-8111-111111111111",
    );
    Api::reply(replay.send().await.unwrap())
        .await
        .assert_error(401, 401);
    // A date outside the window.
    let stale = signed(
        &api,
        "GET",
        path,
        now - time::Duration::minutes(20),
        "22222222-2222-4222-8222-222222222222",
    );
    Api::reply(stale.send().await.unwrap())
        .await
        .assert_error(401, 401);
    // A signature for another path.
    let forged = signed(
        &api,
        "GET",
        "/tenants/other",
        now,
        "33333333-3333-4333-8333-333333333333",
    );
    let forged = forged.build().unwrap();
    let mut moved = api.http.get(api.url(path)).build().unwrap();
    *moved.headers_mut() = forged.headers().clone();
    Api::reply(api.http.execute(moved).await.unwrap())
        .await
        .assert_error(401, 401);
}

/// The same signed request sent to another process of a server sharing the database (a load
/// balancer may send it anywhere): refused, and of concurrent replays to both, one wins.
#[tokio::test]
async fn an_sauthc1_nonce_is_good_once_across_server_processes() {
    nonce_once_across_processes(Api::start()).await;
}

/// The same with the processes on one PostgreSQL database (with `STORMPATH_TEST_POSTGRES`).
#[tokio::test]
async fn an_sauthc1_nonce_is_good_once_across_postgres_server_processes() {
    if let Some(api) = Api::start_postgres().await {
        nonce_once_across_processes(api).await;
    }
}

async fn nonce_once_across_processes(api: Api) {
    let other = api.server.another_process();
    let path = "/tenants/current?nocache=true";
    let to_both = |nonce: &str| {
        let here = signed(&api, "GET", path, time::OffsetDateTime::now_utc(), nonce)
            .build()
            .unwrap();
        let mut there = here.try_clone().unwrap();
        let url = there
            .url()
            .as_str()
            .replace(&api.server.base_url, &other.base_url);
        *there.url_mut() = url.parse().unwrap();
        (here, there)
    };
    let (here, there) = to_both("44444444-4444-4444-8444-444444444444");
    assert_eq!(
        api.http.execute(here).await.unwrap().status(),
        StatusCode::FOUND
    );
    Api::reply(api.http.execute(there).await.unwrap())
        .await
        .assert_error(401, 401);

    for round in 0..5 {
        let (here, there) = to_both(&format!("55555555-5555-4555-8555-00000000000{round}"));
        let (a, b) = tokio::join!(api.http.execute(here), api.http.execute(there));
        let won = [a.unwrap().status(), b.unwrap().status()]
            .iter()
            .filter(|s| **s == StatusCode::FOUND)
            .count();
        assert_eq!(
            won, 1,
            "round {round}: exactly one of two concurrent replays"
        );
    }
}

/// A GET of `/tenants/current` signed with `key`; `date` is sent in `X-Stormpath-Date`
/// unless `send_date` is false (the signature still covers it).
fn signed_get(
    api: &Api,
    key: &ApiKey,
    date: time::OffsetDateTime,
    nonce: &str,
    send_date: bool,
) -> reqwest::RequestBuilder {
    let url = reqwest::Url::parse(&api.url("/tenants/current")).unwrap();
    let host = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let stamp = sauthc1::format_timestamp(date);
    let headers = [
        ("Host", host.as_str()),
        ("X-Stormpath-Date", stamp.as_str()),
    ];
    let req = sauthc1::SignedRequest {
        method: "GET",
        path: url.path(),
        query: "",
        headers: &headers,
        body: b"",
    };
    let auth = sauthc1::authorization(key, &req, &["host", "x-stormpath-date"], &stamp, nonce);
    let mut builder = api
        .http
        .get(url)
        .header("Host", host)
        .header("Authorization", auth);
    if send_date {
        builder = builder.header("X-Stormpath-Date", stamp);
    }
    builder
}

#[tokio::test]
async fn only_tenant_keys_sign_and_only_within_the_clock_window() {
    let api = Api::start();
    let now = time::OffsetDateTime::now_utc();
    let admin = ApiKey {
        id: api.server.key_id.clone(),
        secret: api.server.key_secret.clone(),
    };
    // An ordinary account's own key is no tenant key, over Basic or SAuthc1.
    let acct = api
        .account("ordinary@example.com", serde_json::json!({}))
        .await;
    let key = api
        .post(&format!("{}/apiKeys", acct.href()), serde_json::json!({}))
        .await;
    let ordinary = ApiKey {
        id: key.body["id"].as_str().unwrap().to_owned(),
        secret: key.body["secret"].as_str().unwrap().to_owned(),
    };
    let basic = api
        .http
        .get(api.url("/tenants/current"))
        .basic_auth(&ordinary.id, Some(&ordinary.secret))
        .send()
        .await
        .unwrap();
    Api::reply(basic).await.assert_error(401, 401);
    let cases = [
        // The ordinary key, signed properly.
        signed_get(
            &api,
            &ordinary,
            now,
            "a1111111-1111-4111-8111-111111111111",
            true,
        ),
        // An unknown key id.
        signed_get(
            &api,
            &ApiKey {
                id: "UNKNOWNKEYID".into(),
                secret: admin.secret.clone(),
            },
            now,
            "a2222222-2222-4222-8222-222222222222",
            true,
        ),
        // No X-Stormpath-Date header.
        signed_get(
            &api,
            &admin,
            now,
            "a3333333-3333-4333-8333-333333333333",
            false,
        ),
        // Dated 20 minutes ahead.
        signed_get(
            &api,
            &admin,
            now + time::Duration::minutes(20),
            "a4444444-4444-4444-8444-444444444444",
            true,
        ),
    ];
    for req in cases {
        Api::reply(req.send().await.unwrap())
            .await
            .assert_error(401, 401);
    }
    // Ten minutes ahead is within the window.
    let ahead = signed_get(
        &api,
        &admin,
        now + time::Duration::minutes(10),
        "a5555555-5555-4555-8555-555555555555",
        true,
    );
    assert_eq!(ahead.send().await.unwrap().status(), StatusCode::FOUND);
}

/// Two `serve` processes on one PostgreSQL database behind one public base URL (a load
/// balancer may send each request to either) keep nothing between requests that the other
/// needs: an account created through one logs in through the other; a token issued by one is
/// validated and revoked through the other, and the revocation holds on the first; an API key
/// made through one authenticates through the other. Runs with `STORMPATH_TEST_POSTGRES` set.
#[tokio::test]
async fn two_postgres_server_processes_are_stateless_between_requests() {
    use serde_json::json;
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let other = api.server.another_process();
    // The same request, sent to the other process.
    let there = |method: reqwest::Method, path: &str| {
        let url = api
            .url(path)
            .replacen(&api.server.base_url, &other.base_url, 1);
        api.http
            .request(method, url)
            .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
    };
    let email = "stateless@example.com";
    let account = api.account(email, json!({})).await.href();

    // Created through one, logs in through the other.
    let value = STANDARD.encode(format!("{email}:W4lrus-J1g"));
    let login = Api::reply(
        there(
            reqwest::Method::POST,
            &format!("{}/loginAttempts", api.app()),
        )
        .json(&json!({"type": "basic", "value": value}))
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{:#}", login.body);
    assert_eq!(login.body["account"]["href"], account.as_str());

    // Issued by one, validated and revoked through the other, refused by the first.
    let grant = Api::reply(
        api.http
            .post(api.url(&format!("{}/oauth/token", api.app())))
            .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
            .form(&[
                ("grant_type", "password"),
                ("username", email),
                ("password", "W4lrus-J1g"),
            ])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(grant.status, StatusCode::OK, "{:#}", grant.body);
    let access = grant.body["access_token"].as_str().unwrap().to_owned();
    let check = format!("{}/authTokens/{access}", api.app());
    let validated = Api::reply(there(reqwest::Method::GET, &check).send().await.unwrap()).await;
    assert_eq!(validated.status, StatusCode::FOUND, "{:#}", validated.body);
    let token = validated.headers["location"].to_str().unwrap().to_owned();
    assert!(
        token.starts_with(&api.server.api()),
        "one base URL: {token}"
    );
    let revoked = Api::reply(there(reqwest::Method::DELETE, &token).send().await.unwrap()).await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT, "{:#}", revoked.body);
    api.get(&check).await.assert_error(400, 10013);

    // An API key made through one authenticates through the other.
    let key = api
        .post(&format!("{account}/apiKeys"), json!({}))
        .await
        .body;
    let (id, secret) = (key["id"].as_str().unwrap(), key["secret"].as_str().unwrap());
    let found = Api::reply(
        there(
            reqwest::Method::GET,
            &format!("{}/apiKeys?id={id}&expand=account", api.app()),
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(found.status, StatusCode::OK, "{:#}", found.body);
    assert_eq!(found.body["items"][0]["secret"], secret);
    assert_eq!(found.body["items"][0]["account"]["href"], account.as_str());
}
