//! Social login (spec §12, issue 12) against a real OpenID Connect provider: the npm
//! `oidc-provider` in a node process on 127.0.0.1 (`stormpath_testkit::oidc`), with every bad
//! input of the issue ending on the login page with a clear message and nothing created.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{Client, Response, StatusCode, Url, header::LOCATION, redirect::Policy};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use stormpath::{
    StormpathBuilder,
    hooks::{After, LoginVia, Rejection},
};
use stormpath_client::ProviderLink;
use stormpath_testkit::oidc::OidcProvider;

use crate::support::{
    HTML, JSON, PASSWORD, TestApp, assert_json_error, mailed_link, nth_mail, set_cookies, token_of,
};

const CLIENT_ID: &str = "stormpath-app";
const CLIENT_SECRET: &str = "stormpath-app-secret-0123456789";

/// A provider, and an app that trusts it as `corp` (`change` edits its `web.social.corp`).
async fn setup(
    alg: &str,
    change: impl FnOnce(&mut Value) + Send + 'static,
) -> (OidcProvider, TestApp) {
    setup_with(alg, change, |b| b).await
}

/// The same, with more settings on the builder (hooks, Redis).
async fn setup_with(
    alg: &str,
    change: impl FnOnce(&mut Value) + Send + 'static,
    more: impl FnOnce(StormpathBuilder) -> StormpathBuilder,
) -> (OidcProvider, TestApp) {
    let op = OidcProvider::start(alg);
    let app = app_for(&op, CLIENT_ID, change, more).await;
    (op, app)
}

/// An app trusting `op` as `corp`, as the client `client_id`.
async fn app_for(
    op: &OidcProvider,
    client_id: &'static str,
    change: impl FnOnce(&mut Value) + Send + 'static,
    more: impl FnOnce(StormpathBuilder) -> StormpathBuilder,
) -> TestApp {
    let issuer = op.issuer.clone();
    let app = TestApp::spawn_with(move |b| {
        more(b).web(move |w| {
            let mut corp = json!({
                "enabled": true, "name": "Corp", "clientId": client_id,
                "clientSecret": CLIENT_SECRET, "issuer": issuer, "timeoutSeconds": 2
            });
            change(&mut corp);
            w.social = json!({ "corp": corp });
        })
    })
    .await;
    op.register_client(client_id, CLIENT_SECRET, &app.url("/callbacks/corp"));
    app
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

/// The account of `email` (it must exist) and its provider links.
async fn links_of(app: &TestApp, email: &str) -> (String, Vec<ProviderLink>) {
    let backend = app.sp.backend();
    let account = backend.account_by_email(email).await.unwrap().unwrap();
    let links = backend.provider_links(&account.id).await.unwrap();
    (account.href.clone(), links)
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
async fn the_login_and_register_pages_have_the_buttons_and_the_view_model_no_secret() {
    let (_op, app) = setup("RS256", |_| {}).await;
    for path in ["/login", "/register"] {
        let page = app
            .get(&format!("{path}?next=/dashboard"), HTML)
            .await
            .text()
            .await
            .unwrap();
        assert!(page.contains("Continue with Corp"), "{path}: {page}");
        assert!(
            page.contains(r#"href="/login/corp?next=%2Fdashboard""#),
            "{path}: {page}"
        );
        let text = app.get(path, JSON).await.text().await.unwrap();
        assert!(!text.contains(CLIENT_SECRET));
        let view: Value = serde_json::from_str(&text).unwrap();
        let store = &view["accountStores"][0];
        assert_eq!(store["name"], "Corp");
        assert_eq!(store["provider"]["providerId"], "corp");
        assert_eq!(store["provider"]["clientId"], CLIENT_ID);
        assert_eq!(store["provider"]["scope"], "openid email profile");
        assert!(!view["form"]["fields"].as_array().unwrap().is_empty());
    }
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
    let location = start.headers()[LOCATION].to_str().unwrap().to_owned();
    follow_from(app, client, location).await
}

/// Follows redirects from an absolute provider URL to the app's callback URL.
async fn follow_from(app: &TestApp, client: &Client, mut location: String) -> String {
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
    let (href, links) = links_of(&app, email).await;
    assert!(links.is_empty());
    assert_eq!(owner["account"]["href"], href.as_str());
    // Proving ownership: logged in with the password, the same flow links the identity.
    let res = app
        .post_json("/login", &json!({"login": email, "password": PASSWORD}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(sign_in(&app, &app.client).await.status(), StatusCode::FOUND);
    let links = links_of(&app, email).await.1;
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].subject, "sub-intruder");
    // From now on the provider alone signs the owner in.
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    assert_eq!(me(&app, &client).await["href"], href.as_str());
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

/// The `code` parameter of a URL.
fn code_of(url: &str) -> String {
    Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned()
}

/// What a client-side SDK does for the popup flow: its own authorization request (with PKCE)
/// through the provider, keeping the code the provider sends back instead of letting the
/// browser reach the app's callback. Returns the code and the PKCE verifier.
async fn code_from_provider(op: &OidcProvider, app: &TestApp, client: &Client) -> (String, String) {
    let verifier = "a-client-side-pkce-verifier-0123456789-abcdefghij".to_owned();
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let auth = Url::parse_with_params(
        &format!("{}/auth", op.issuer),
        &[
            ("client_id", CLIENT_ID),
            ("redirect_uri", &app.url("/callbacks/corp")),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("state", "popup"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let back = follow_from(app, client, auth.to_string()).await;
    (code_of(&back), verifier)
}

/// `POST /login` with `providerData` (JSON), from `client`.
async fn json_sign_in(app: &TestApp, client: &Client, data: Value) -> Response {
    client
        .post(app.url("/login"))
        .header("Accept", JSON)
        .json(&json!({ "providerData": data }))
        .send()
        .await
        .unwrap()
}

#[actix_web::test]
async fn the_json_flow_exchanges_an_oidc_code_here_and_refuses_tokens() {
    let (op, app) = setup("RS256", |_| {}).await;
    op.set_user(&user("sub-popup", "popup@example.com"));
    let client = browser(&app);
    let (code, verifier) = code_from_provider(&op, &app, &client).await;
    let refusals = [
        (
            json!({"providerId": "corp", "accessToken": "an-access-token"}),
            "Corp sign-in takes a code here, not an access token.",
        ),
        (
            json!({"providerId": "corp", "code": code, "accessToken": "at"}),
            "Send either a code or an accessToken, not both.",
        ),
        (
            json!({"providerId": "corp"}),
            "providerData needs a code or an accessToken.",
        ),
        (
            json!({"providerId": "nowhere", "code": "x"}),
            "nowhere is not a provider here.",
        ),
        (
            json!("corp"),
            "providerData must be an object with providerId and either code or accessToken.",
        ),
        (
            json!({"providerId": "corp", "code": "not-a-code", "codeVerifier": verifier}),
            "Signing in with Corp did not work",
        ),
    ];
    for (data, message) in refusals {
        let res = json_sign_in(&app, &client, data).await;
        assert!(set_cookies(res.headers(), "access_token").is_empty());
        assert_json_error(res, 400, message).await;
    }
    no_account(&app, "popup@example.com").await;
    let good = json!({"providerId": "corp", "code": code, "codeVerifier": verifier});
    let res = json_sign_in(&app, &client, good.clone()).await;
    assert_eq!(res.status(), 200);
    assert_eq!(set_cookies(res.headers(), "access_token").len(), 1);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["account"]["email"], "popup@example.com");
    assert_eq!(me(&app, &client).await["href"], body["account"]["href"]);
    // The code is used up at the provider.
    let again = json_sign_in(&app, &browser(&app), good).await;
    assert_json_error(again, 400, "Signing in with Corp did not work").await;
}

/// A GitHub/Facebook access token the test APIs issued to `client_id` for the current user.
async fn api_token(apis: &OidcProvider, client_id: &str) -> String {
    let http = Client::builder().redirect(Policy::none()).build().unwrap();
    let base = &apis.issuer;
    let popup = "http://127.0.0.1:9/popup";
    let res = http
        .get(format!("{base}/login/oauth/authorize"))
        .query(&[
            ("client_id", client_id),
            ("redirect_uri", popup),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    let code = code_of(res.headers()[LOCATION].to_str().unwrap());
    let tokens: Value = http
        .post(format!("{base}/login/oauth/access_token"))
        .header("accept", "application/json")
        .form(&[
            ("client_id", client_id),
            ("client_secret", CLIENT_SECRET),
            ("code", &code),
            ("redirect_uri", popup),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    tokens["access_token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn the_json_flow_takes_github_and_facebook_tokens_issued_to_this_app_only() {
    let (apis, app) = setup_apis().await;
    apis.set_user(
        &json!({
            "user": {"id": 42, "login": "octocat", "name": "Mona Lisa", "email": null},
            "emails": [{"email": "octo@example.com", "primary": true, "verified": true}]
        })
        .to_string(),
    );
    let client = browser(&app);
    // Another app's token (token substitution) signs nobody in.
    let theirs = api_token(&apis, "another-app").await;
    let res = json_sign_in(
        &app,
        &client,
        json!({"providerId": "github", "accessToken": theirs}),
    )
    .await;
    assert_json_error(res, 400, "Signing in with GitHub did not work").await;
    let res = json_sign_in(&app, &client, json!({"providerId": "github", "code": "c"})).await;
    assert_json_error(
        res,
        400,
        "GitHub sign-in takes an accessToken here, not a code.",
    )
    .await;
    no_account(&app, "octo@example.com").await;
    let ours = api_token(&apis, CLIENT_ID).await;
    let res = json_sign_in(
        &app,
        &client,
        json!({"providerId": "github", "accessToken": ours}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap()["account"]["email"],
        "octo@example.com"
    );
    // Facebook: the same rules, checked with its debug_token.
    apis.set_user(
        &json!({"user": {"id": "1015", "email": "fbjson@example.com", "name": "Face Json",
                          "first_name": "Face", "last_name": "Json"}})
        .to_string(),
    );
    let theirs = api_token(&apis, "another-app").await;
    let res = json_sign_in(
        &app,
        &browser(&app),
        json!({"providerId": "facebook", "accessToken": theirs}),
    )
    .await;
    assert_json_error(res, 400, "Signing in with Facebook did not work").await;
    no_account(&app, "fbjson@example.com").await;
    let ours = api_token(&apis, CLIENT_ID).await;
    let fb = browser(&app);
    let res = json_sign_in(
        &app,
        &fb,
        json!({"providerId": "facebook", "accessToken": ours}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(me(&app, &fb).await["surname"], "Json");
}

#[actix_web::test]
async fn unlinking_never_removes_the_last_way_to_log_in() {
    let (op, app) = setup("RS256", |_| {}).await;
    let unlink = |client: &Client, provider: &str| {
        client
            .delete(app.url(&format!("/me/providers/{provider}")))
            .header("Accept", JSON)
            .send()
    };
    // An account the provider created: the provider is its only way in.
    op.set_user(&user("sub-only", "only@example.com"));
    let client = browser(&app);
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::FOUND);
    let res = unlink(&client, "corp").await.unwrap();
    assert_json_error(res, 400, "Corp created this account: set a password").await;
    assert_eq!(links_of(&app, "only@example.com").await.1.len(), 1);
    // A password account that linked the provider may unlink it.
    let email = "both@example.com";
    app.login(email).await;
    op.set_user(&user("sub-both", email));
    assert_eq!(sign_in(&app, &app.client).await.status(), StatusCode::FOUND);
    let res = unlink(&app.client, "github").await.unwrap();
    assert_json_error(res, 404, "This account has no sign-in with that provider.").await;
    let res = unlink(&app.client, "corp").await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(links_of(&app, email).await.1.is_empty());
    // Nobody logged in: 401, nothing touched.
    let res = unlink(&browser(&app), "corp").await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn provider_sign_ins_run_the_login_hooks() {
    let (op, app) = setup_with(
        "RS256",
        |_| {},
        |b| {
            b.pre_login(|ctx| async move {
                if ctx.via
                    == (LoginVia::Provider {
                        provider_id: "corp".into(),
                    })
                    && ctx.login == "blocked@example.com"
                {
                    return Err(Rejection::new("Blocked by the site."));
                }
                Ok(ctx)
            })
            .post_login(|ctx| async move {
                match ctx.via {
                    LoginVia::Provider { provider_id } => {
                        After::Redirect(format!("/hello/{provider_id}"))
                    }
                    _ => After::Continue,
                }
            })
        },
    )
    .await;
    // The redirect flow: refused on the login page, nothing created; else where post-login said.
    op.set_user(&user("sub-blocked", "blocked@example.com"));
    refused(sign_in(&app, &browser(&app)).await, "Blocked by the site.").await;
    no_account(&app, "blocked@example.com").await;
    op.set_user(&user("sub-hooked", "hooked@example.com"));
    let res = sign_in(&app, &browser(&app)).await;
    assert_eq!(res.status(), StatusCode::FOUND);
    assert_eq!(res.headers()[LOCATION], "/hello/corp");
    // The JSON flow: the same refusal as a JSON error.
    op.set_user(&user("sub-blocked", "blocked@example.com"));
    let client = browser(&app);
    let (code, verifier) = code_from_provider(&op, &app, &client).await;
    let res = json_sign_in(
        &app,
        &client,
        json!({"providerId": "corp", "code": code, "codeVerifier": verifier}),
    )
    .await;
    assert_json_error(res, 400, "Blocked by the site.").await;
    no_account(&app, "blocked@example.com").await;
}

#[actix_web::test]
async fn with_redis_a_state_is_used_once_across_instances() {
    let Ok(redis) = std::env::var("STORMPATH_TEST_REDIS") else {
        eprintln!("Redis tests skipped: STORMPATH_TEST_REDIS is not set");
        return;
    };
    let op = OidcProvider::start("RS256");
    let with_redis = |redis: String| move |b: StormpathBuilder| b.redis_url(redis);
    let first = app_for(&op, CLIENT_ID, |_| {}, with_redis(redis.clone())).await;
    let second = app_for(&op, "stormpath-app-2", |_| {}, with_redis(redis)).await;
    op.set_user(&user("sub-scale", "scale@example.com"));
    let client = browser(&first);
    let start = client.get(first.url("/login/corp")).send().await.unwrap();
    let flow_cookie = set_cookies(start.headers(), "sp_social")[0]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let callback = follow(&first, &client, start).await;
    assert_eq!(
        client.get(&callback).send().await.unwrap().status(),
        StatusCode::FOUND
    );
    // The same callback, cookie and all, replayed on the other instance (same secret key):
    // refused by the shared record before the code is even tried.
    let replayed = callback.replace(&first.base, &second.base);
    let res = browser(&second)
        .get(&replayed)
        .header("Cookie", flow_cookie)
        .send()
        .await
        .unwrap();
    refused(res, "expired or was started in another browser").await;
}

#[actix_web::test]
async fn another_provider_or_a_password_set_later_allows_unlinking() {
    let (apis, app) = setup_apis().await;
    let unlink = |client: &Client, provider: &str| {
        client
            .delete(app.url(&format!("/me/providers/{provider}")))
            .header("Accept", JSON)
            .send()
    };
    let email = "two@example.com";
    apis.set_user(
        &json!({"user": {"id": 77, "login": "two", "name": "Two Ways", "email": null},
                "emails": [{"email": email, "primary": true, "verified": true}]})
        .to_string(),
    );
    let client = browser(&app);
    assert_eq!(
        sign_in_with(&app, &client, "github").await.status(),
        StatusCode::FOUND
    );
    // Signed in, the user connects Facebook too.
    apis.set_user(
        &json!({"user": {"id": "88", "email": "two.fb@example.com", "name": "Two Ways"}})
            .to_string(),
    );
    assert_eq!(
        sign_in_with(&app, &client, "facebook").await.status(),
        StatusCode::FOUND
    );
    assert_eq!(links_of(&app, email).await.1.len(), 2);
    // GitHub created the account (its password is unknown): it stays until a password is set.
    let res = unlink(&client, "github").await.unwrap();
    assert_json_error(res, 400, "GitHub created this account: set a password").await;
    // Facebook may go: GitHub remains.
    let res = unlink(&client, "facebook").await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    // A password set through the reset link: now GitHub may go as well.
    let before = app.smtp.messages().len();
    let res = app.post_json("/forgot", &json!({ "email": email })).await;
    assert_eq!(res.status(), 200);
    let token = token_of(&mailed_link(&nth_mail(&app, before + 1).await.data));
    let password = "N3wP4ssw0rd###";
    let res = app
        .post_json("/change", &json!({"sptoken": token, "password": password}))
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post_json("/login", &json!({"login": email, "password": password}))
        .await;
    assert_eq!(res.status(), 200);
    let res = unlink(&app.client, "github").await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert!(links_of(&app, email).await.1.is_empty());
}
