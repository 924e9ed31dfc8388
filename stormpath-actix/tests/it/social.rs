//! Social login (spec §12, issue 12) against a real OpenID Connect provider: the npm
//! `oidc-provider` in a node process on 127.0.0.1 (`stormpath_testkit::oidc`), with every bad
//! input of the issue ending on the login page with a clear message and nothing created.

use reqwest::{Client, Response, StatusCode, header::LOCATION};
use serde_json::{Value, json};
use stormpath_testkit::oidc::OidcProvider;

use crate::support::{HTML, JSON, PASSWORD, TestApp, set_cookies};

const CLIENT_ID: &str = "stormpath-app";
const CLIENT_SECRET: &str = "stormpath-app-secret-0123456789";

/// A provider, and an app that trusts it as `corp` (`change` edits its `web.social.corp`).
async fn setup(
    alg: &str,
    change: impl FnOnce(&mut Value) + Send + 'static,
) -> (OidcProvider, TestApp) {
    let op = OidcProvider::start(alg);
    let issuer = op.issuer.clone();
    let app = TestApp::spawn_with(move |b| {
        b.web(move |w| {
            let mut corp = json!({
                "enabled": true, "name": "Corp", "clientId": CLIENT_ID,
                "clientSecret": CLIENT_SECRET, "issuer": issuer, "timeoutSeconds": 2
            });
            change(&mut corp);
            w.social = json!({ "corp": corp });
        })
    })
    .await;
    op.register_client(CLIENT_ID, CLIENT_SECRET, &app.url("/callbacks/corp"));
    (op, app)
}

fn user(sub: &str, email: &str) -> String {
    json!({"sub": sub, "email": email, "email_verified": true, "name": "Ada Lovelace"}).to_string()
}

/// Clicks the button: follows the redirects through the provider until the browser is sent
/// back to the app's callback, and returns that callback URL (not yet requested).
async fn to_callback(app: &TestApp, client: &Client) -> String {
    let start = client.get(app.url("/login/corp")).send().await.unwrap();
    assert_eq!(start.status(), StatusCode::FOUND, "the button redirects");
    follow(app, client, start).await
}

/// Clicks the button and completes the flow: the callback's answer.
async fn sign_in(app: &TestApp, client: &Client) -> Response {
    let callback = to_callback(app, client).await;
    client
        .get(callback)
        .header("Accept", HTML)
        .send()
        .await
        .unwrap()
}

/// A new browser.
fn browser(app: &TestApp) -> Client {
    app.fresh_client()
}

async fn me(app: &TestApp, client: &Client) -> Value {
    let res = client
        .get(app.url("/me"))
        .header("Accept", JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["account"].clone()
}

/// The callback rendered the login page with `message` in its error container, and logged
/// nobody in.
async fn refused(res: Response, message: &str) {
    assert_eq!(res.status(), StatusCode::OK);
    assert!(set_cookies(res.headers(), "access_token").is_empty());
    let page = res.text().await.unwrap();
    let error = page
        .split("bad-login")
        .nth(1)
        .unwrap_or_else(|| panic!("no error container: {page}"));
    assert!(
        error[..error.find("</div>").unwrap()].contains(message),
        "expected {message:?} in {error}"
    );
}

async fn no_account(app: &TestApp, email: &str) {
    assert!(
        app.sp
            .backend()
            .account_by_email(email)
            .await
            .unwrap()
            .is_none()
    );
}

#[actix_web::test]
async fn first_sign_in_creates_the_account_and_the_next_finds_it_by_subject() {
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&user("sub-ada", "ada@example.com"));
    let client = browser(&app);
    let res = sign_in(&app, &client).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/");
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let first = me(&app, &client).await;
    assert_eq!(first["email"], "ada@example.com");
    assert_eq!(first["givenName"], "Ada");
    assert_eq!(first["surname"], "Lovelace");
    // Same subject, another email at the provider: still the same account.
    op.set_user(&user("sub-ada", "ada.lovelace@example.com"));
    let other = browser(&app);
    assert_eq!(sign_in(&app, &other).await.status(), StatusCode::FOUND);
    assert_eq!(me(&app, &other).await["href"], first["href"]);
    no_account(&app, "ada.lovelace@example.com").await;
}

#[actix_web::test]
async fn es256_id_tokens_verify_and_a_rotated_key_is_fetched() {
    let (op, app) = setup("ES256", |_| {}).await;
    op.set_user(&user("sub-es", "es@example.com"));
    assert_eq!(
        sign_in(&app, &browser(&app)).await.status(),
        StatusCode::FOUND
    );
    op.rotate_key();
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    assert_eq!(me(&app, &client).await["email"], "es@example.com");
}

#[actix_web::test]
async fn the_login_page_has_the_button_and_the_view_model_no_secret() {
    let (_op, app) = setup("RS256", |_| {}).await;
    let page = app
        .get("/login?next=/dashboard", HTML)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Continue with Corp"), "{page}");
    assert!(
        page.contains(r#"href="/login/corp?next=%2Fdashboard""#),
        "{page}"
    );
    let res = app.get("/login", JSON).await;
    let text = res.text().await.unwrap();
    assert!(!text.contains(CLIENT_SECRET));
    let view: Value = serde_json::from_str(&text).unwrap();
    let store = &view["accountStores"][0];
    assert_eq!(store["name"], "Corp");
    assert_eq!(store["provider"]["providerId"], "corp");
    assert_eq!(store["provider"]["clientId"], CLIENT_ID);
    assert_eq!(store["provider"]["scope"], "openid email profile");
}

#[actix_web::test]
async fn a_safe_next_is_carried_through_the_state() {
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&user("sub-next", "next@example.com"));
    let client = browser(&app);
    let start = client
        .get(app.url("/login/corp?next=/dashboard"))
        .send()
        .await
        .unwrap();
    let callback = follow(&app, &client, start).await;
    let res = client.get(callback).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/dashboard");
}

#[actix_web::test]
async fn broken_id_tokens_are_refused_and_create_nothing() {
    let (op, app) = setup("RS256", |_| {}).await;
    for (n, mode) in ["badsig", "aud", "expired", "nonce", "none", "kid"]
        .into_iter()
        .enumerate()
    {
        let email = format!("broken{n}@example.com");
        op.set_user(&user(&format!("sub-broken-{n}"), &email));
        op.tamper(mode);
        let res = sign_in(&app, &browser(&app)).await;
        refused(res, "Signing in with Corp did not work").await;
        no_account(&app, &email).await;
    }
    // The provider's real tokens still work afterwards.
    op.tamper("");
    op.set_user(&user("sub-fine", "fine@example.com"));
    assert_eq!(
        sign_in(&app, &browser(&app)).await.status(),
        StatusCode::FOUND
    );
}

#[actix_web::test]
async fn missing_foreign_and_replayed_states_are_refused() {
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&user("sub-state", "state@example.com"));
    let expired = "expired or was started in another browser";
    // Missing: a callback without the flow cookie (another browser).
    let callback = to_callback(&app, &browser(&app)).await;
    refused(browser(&app).get(&callback).send().await.unwrap(), expired).await;
    // Foreign: this browser started its own flow; the callback carries another one's state.
    let mine = browser(&app);
    let _ = to_callback(&app, &mine).await;
    let theirs = to_callback(&app, &browser(&app)).await;
    refused(mine.get(&theirs).send().await.unwrap(), expired).await;
    no_account(&app, "state@example.com").await;
    // Replayed: a completed callback sent again with its cookie.
    let replay_client = browser(&app);
    let start = replay_client
        .get(app.url("/login/corp"))
        .send()
        .await
        .unwrap();
    let flow_cookie = set_cookies(start.headers(), "sp_social")[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let callback = follow(&app, &replay_client, start).await;
    let ok = replay_client.get(&callback).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::FOUND);
    let replay = browser(&app)
        .get(&callback)
        .header("Cookie", flow_cookie)
        .send()
        .await
        .unwrap();
    refused(replay, expired).await;
}

/// Follows the provider's redirects from the start response to the app's callback URL.
async fn follow(app: &TestApp, client: &Client, start: Response) -> String {
    let mut location = start.headers()[LOCATION].to_str().unwrap().to_owned();
    let origin: String = location
        .splitn(4, '/')
        .take(3)
        .collect::<Vec<_>>()
        .join("/");
    for _ in 0..10 {
        if location.starts_with(&app.base) {
            return location;
        }
        if !location.starts_with("http") {
            location = format!("{origin}{location}");
        }
        let res = client.get(&location).send().await.unwrap();
        let Some(next) = res.headers().get(LOCATION) else {
            panic!("{location}: {} {}", res.status(), res.text().await.unwrap());
        };
        location = next.to_str().unwrap().to_owned();
    }
    panic!("the provider never sent the browser back");
}

#[actix_web::test]
async fn access_denied_is_said_plainly() {
    let (_op, app) = setup("RS256", |_| {}).await;
    let client = browser(&app);
    let res = client.get(app.url("/login/corp")).send().await.unwrap();
    let location = res.headers()[LOCATION].to_str().unwrap().to_owned();
    let state = location
        .split(['?', '&'])
        .find_map(|p| p.strip_prefix("state="))
        .unwrap()
        .to_owned();
    let res = client
        .get(app.url(&format!(
            "/callbacks/corp?error=access_denied&state={state}"
        )))
        .send()
        .await
        .unwrap();
    refused(res, "You did not allow signing in with Corp").await;
}

#[actix_web::test]
async fn a_provider_down_or_slow_is_a_clear_error_not_a_hang() {
    // Down: nothing listens on the issuer's port.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let (_op, app) = setup("RS256", move |c| {
        c["issuer"] = json!(format!("http://127.0.0.1:{closed}"));
    })
    .await;
    let res = browser(&app)
        .get(app.url("/login/corp"))
        .send()
        .await
        .unwrap();
    refused(res, "Corp could not be reached").await;
    // Slow: the token endpoint answers after the app's 2 s limit.
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&user("sub-slow", "slow@example.com"));
    op.tamper("slow");
    refused(
        sign_in(&app, &browser(&app)).await,
        "Corp could not be reached",
    )
    .await;
    no_account(&app, "slow@example.com").await;
}

#[actix_web::test]
async fn a_profile_without_email_is_refused() {
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&json!({"sub": "sub-noemail", "email": null, "name": "No Mail"}).to_string());
    refused(
        sign_in(&app, &browser(&app)).await,
        "We could not retrieve your email address from Corp",
    )
    .await;
}

#[actix_web::test]
async fn a_password_account_is_not_taken_over_by_email() {
    let (op, app) = setup("RS256", |_| {}).await;
    let email = "owner@example.com";
    let owner = app.register(email).await;
    op.set_user(&user("sub-intruder", email));
    refused(sign_in(&app, &browser(&app)).await, "already exists").await;
    let account = app
        .sp
        .backend()
        .account_by_email(email)
        .await
        .unwrap()
        .unwrap();
    assert!(
        app.sp
            .backend()
            .provider_links(&account.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(owner["account"]["href"], account.href.as_str());
    // Proving ownership: logged in with the password, the same flow links the identity.
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(sign_in(&app, &app.client).await.status(), StatusCode::FOUND);
    let links = app.sp.backend().provider_links(&account.id).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].subject, "sub-intruder");
    // From now on the provider alone signs the owner in.
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    assert_eq!(me(&app, &client).await["href"], account.href.as_str());
}

#[actix_web::test]
async fn me_expands_provider_data_with_the_linked_providers() {
    let op = OidcProvider::start("RS256");
    let app = {
        let issuer = op.issuer.clone();
        let app = TestApp::spawn_with(move |b| {
            b.web(move |w| {
                w.me.expand.insert("providerData".into(), json!(true));
                w.social = json!({"corp": {"enabled": true, "name": "Corp", "clientId": CLIENT_ID,
                    "clientSecret": CLIENT_SECRET, "issuer": issuer}});
            })
        })
        .await;
        op.register_client(CLIENT_ID, CLIENT_SECRET, &app.url("/callbacks/corp"));
        app
    };
    op.set_user(&user("sub-me", "me@example.com"));
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    let data = &me(&app, &client).await["providerData"];
    assert_eq!(data["linked"][0]["providerId"], "corp");
    assert_eq!(data["linked"][0]["email"], "me@example.com");
}

#[actix_web::test]
async fn auto_link_takes_a_verified_email_only_when_turned_on() {
    let (op, app) = setup("RS256", |c| c["autoLink"] = json!(true)).await;
    let email = "linked@example.com";
    app.register(email).await;
    op.set_user(
        &json!({"sub": "sub-unverified", "email": email, "email_verified": false}).to_string(),
    );
    refused(sign_in(&app, &browser(&app)).await, "already exists").await;
    op.set_user(&user("sub-verified", email));
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    assert_eq!(me(&app, &client).await["email"], email);
}

/// GitHub's and Facebook's APIs (testkit), and an app with both presets pointed at them.
async fn setup_apis() -> (OidcProvider, TestApp) {
    let apis = OidcProvider::start_apis(CLIENT_SECRET);
    let base = apis.issuer.clone();
    let app = TestApp::spawn_with(move |b| {
        b.web(move |w| {
            w.social = json!({
                "github": {
                    "enabled": true, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
                    "authorizationEndpoint": format!("{base}/login/oauth/authorize"),
                    "tokenEndpoint": format!("{base}/login/oauth/access_token"),
                    "apiBaseUrl": base, "timeoutSeconds": 2
                },
                "facebook": {
                    "enabled": true, "clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
                    "authorizationEndpoint": format!("{base}/dialog/oauth"),
                    "tokenEndpoint": format!("{base}/oauth/access_token"),
                    "apiBaseUrl": base, "timeoutSeconds": 2
                }
            });
        })
    })
    .await;
    (apis, app)
}

async fn sign_in_with(app: &TestApp, client: &Client, provider: &str) -> Response {
    let start = client
        .get(app.url(&format!("/login/{provider}")))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::FOUND);
    let callback = follow(app, client, start).await;
    client.get(callback).send().await.unwrap()
}

#[actix_web::test]
async fn github_signs_in_with_the_verified_primary_email() {
    let (apis, app) = setup_apis().await;
    apis.set_user(
        &json!({
            "user": {"id": 583231, "login": "octocat", "name": "Mona Lisa", "email": null},
            "emails": [
                {"email": "old@example.com", "primary": false, "verified": true, "visibility": null},
                {"email": "octocat@example.com", "primary": true, "verified": true, "visibility": "public"},
                {"email": "unverified@example.com", "primary": false, "verified": false, "visibility": null}
            ]
        })
        .to_string(),
    );
    let client = browser(&app);
    let res = sign_in_with(&app, &client, "github").await;
    assert_eq!(res.status(), StatusCode::FOUND);
    let account = me(&app, &client).await;
    assert_eq!(account["email"], "octocat@example.com");
    assert_eq!(account["givenName"], "Mona");
    let found = app
        .sp
        .backend()
        .account_by_provider("github", "583231")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.href, account["href"].as_str().unwrap());
}

#[actix_web::test]
async fn github_without_any_email_is_refused() {
    let (apis, app) = setup_apis().await;
    apis.set_user(
        &json!({"user": {"id": 7, "login": "ghost", "name": null, "email": null}, "emails": []})
            .to_string(),
    );
    refused(
        sign_in_with(&app, &browser(&app), "github").await,
        "We could not retrieve your email address from GitHub",
    )
    .await;
}

#[actix_web::test]
async fn facebook_signs_in_from_the_graph_profile() {
    let (apis, app) = setup_apis().await;
    apis.set_user(
        &json!({"user": {"id": "10150000000000001", "email": "fb@example.com", "name": "Face Book",
                          "first_name": "Face", "last_name": "Book"}})
        .to_string(),
    );
    let client = browser(&app);
    assert_eq!(
        sign_in_with(&app, &client, "facebook").await.status(),
        StatusCode::FOUND
    );
    let account = me(&app, &client).await;
    assert_eq!(account["email"], "fb@example.com");
    assert_eq!(account["surname"], "Book");
}
