//! The token endpoint (rest-api.md §6.8), access-token validation (§6.9) and the token
//! resources (§5.10).

use serde_json::{Value, json};
use stormpath_client::{AccountStatus, prelude::*};

use crate::auth_support::{
    PASSWORD, account, account_in, id_of, mint, now, other_app, post_form, set_status, store_of,
    stormpath_claims, verified,
};
use crate::support::{Api, Reply};

fn token_path(api: &Api) -> String {
    format!("{}/oauth/token", api.app())
}

async fn password_grant(api: &Api, login: &str, password: &str) -> Reply {
    post_form(
        api,
        &token_path(api),
        &[
            ("grant_type", "password"),
            ("username", login),
            ("password", password),
            // express-stormpath posts everything the user sent; unknown fields are ignored.
            ("login", login),
        ],
    )
    .await
}

/// Asserts an OAuth error: the Stormpath document plus `error` and the no-store headers.
#[track_caller]
fn assert_oauth_error(r: &Reply, code: u64, error: &str) {
    r.assert_error(400, code);
    assert_eq!(r.body["error"], error, "{:#}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["pragma"], "no-cache");
}

async fn password_then_refresh(api: &Api) {
    let acct = account(api, "grant@example.com").await;
    let r = password_grant(api, "grant@example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.headers["cache-control"], "no-store");
    assert_eq!(r.headers["pragma"], "no-cache");
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3600);
    let access = r.body["access_token"].as_str().unwrap();
    let refresh = r.body["refresh_token"].as_str().unwrap();
    let secret = &api.server.key_secret;
    let (header, claims) = verified(access, secret);
    assert_eq!(header["alg"], "HS256");
    assert_eq!(header["kid"], api.server.key_id.as_str());
    assert_eq!(header["stt"], "access");
    assert_eq!(claims["iss"], api.app().as_str());
    assert_eq!(claims["sub"], acct.href.as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!(
        r.body["stormpath_access_token_href"],
        format!("{}/accessTokens/{jti}", api.server.api())
    );
    let (rheader, rclaims) = verified(refresh, secret);
    assert_eq!(rheader["stt"], "refresh");
    assert_eq!(rheader["kid"], api.server.key_id.as_str());
    assert_eq!(claims["rti"], rclaims["jti"]);
    assert!(rclaims.get("rti").is_none());
    assert_eq!(rclaims["sub"], acct.href.as_str());

    // The refresh grant: a new access token, the same refresh token.
    let again = post_form(
        api,
        &token_path(api),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(again.body["refresh_token"], refresh);
    let new_access = again.body["access_token"].as_str().unwrap();
    assert_ne!(new_access, access);
    let (_, new_claims) = verified(new_access, secret);
    assert_eq!(new_claims["rti"], rclaims["jti"]);

    // Validation: 302 to the token resource, which holds the JWT, split.
    let v = api.get(&format!("{}/authTokens/{access}", api.app())).await;
    assert_eq!(v.status, 302, "{:#}", v.body);
    let location = v.headers["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{}/accessTokens/{jti}", api.server.api()));
    let t = api.get(&location).await;
    assert_eq!(t.status, 200, "{:#}", t.body);
    assert_eq!(t.body["href"], location.as_str());
    assert_eq!(t.body["jwt"], access);
    assert_eq!(t.body["expandedJwt"]["header"], header);
    assert_eq!(t.body["expandedJwt"]["claims"], claims);
    assert_eq!(
        t.body["expandedJwt"]["signature"],
        access.rsplit('.').next().unwrap()
    );
    assert_eq!(t.body["account"]["href"], acct.href.as_str());
    assert_eq!(t.body["application"]["href"], api.app().as_str());
    assert!(
        t.body["tenant"]["href"]
            .as_str()
            .unwrap()
            .contains("/tenants/")
    );
    assert!(t.body["createdAt"].as_str().unwrap().ends_with('Z'));

    // Revoking the refresh token ends it and the access tokens minted from it.
    let rjti = rclaims["jti"].as_str().unwrap();
    let rr = api.get(&format!("/refreshTokens/{rjti}")).await;
    assert_eq!(rr.status, 200);
    assert_eq!(rr.body["expandedJwt"]["header"]["stt"], "refresh");
    assert_eq!(
        api.delete(&format!("/refreshTokens/{rjti}")).await.status,
        204
    );
    api.get(&format!("/refreshTokens/{rjti}"))
        .await
        .assert_error(404, 404);
    let gone = post_form(
        api,
        &token_path(api),
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await;
    assert_oauth_error(&gone, 10013, "invalid_grant");
    api.get(&format!("{}/authTokens/{new_access}", api.app()))
        .await
        .assert_error(400, 10013);
}

#[tokio::test]
async fn the_password_and_refresh_grants_issue_verifiable_tokens() {
    password_then_refresh(&Api::start()).await;
}

#[tokio::test]
async fn postgres_the_password_and_refresh_grants_issue_verifiable_tokens() {
    if let Some(api) = Api::start_postgres().await {
        password_then_refresh(&api).await;
    }
}

#[tokio::test]
async fn bad_credentials_and_bad_requests_carry_the_oauth_error() {
    let api = Api::start();
    account(&api, "who@example.com").await;
    let r = password_grant(&api, "who@example.com", "Wrong-Passw0rd").await;
    assert_oauth_error(&r, 7100, "invalid_grant");
    assert_eq!(r.body["message"], "Invalid username or password.");
    let r = password_grant(&api, "nobody@example.com", "Wrong-Passw0rd").await;
    assert_oauth_error(&r, 7100, "invalid_grant");
    let path = token_path(&api);
    assert_oauth_error(
        &post_form(&api, &path, &[("username", "who@example.com")]).await,
        2000,
        "invalid_request",
    );
    assert_oauth_error(
        &post_form(&api, &path, &[("grant_type", "")]).await,
        2000,
        "invalid_request",
    );
    assert_oauth_error(
        &post_form(&api, &path, &[("grant_type", "authorization_code")]).await,
        400,
        "unsupported_grant_type",
    );
    assert_oauth_error(
        &post_form(
            &api,
            &path,
            &[("grant_type", "password"), ("username", "who@example.com")],
        )
        .await,
        2000,
        "invalid_request",
    );
    assert_oauth_error(
        &post_form(&api, &path, &[("grant_type", "refresh_token")]).await,
        2000,
        "invalid_request",
    );
    assert_oauth_error(
        &post_form(&api, &path, &[("grant_type", "stormpath_token")]).await,
        2000,
        "invalid_request",
    );
    // JSON is not the token endpoint's format.
    let r = api.post(&path, json!({ "grant_type": "password" })).await;
    r.assert_error(415, 1101);
    assert_eq!(r.body["error"], "invalid_request");
    // A refresh token that is not one of ours, an access token given as a refresh token.
    assert_oauth_error(
        &post_form(
            &api,
            &path,
            &[("grant_type", "refresh_token"), ("refresh_token", "a.b.c")],
        )
        .await,
        10017,
        "invalid_grant",
    );
    let ok = password_grant(&api, "who@example.com", PASSWORD).await;
    let access = ok.body["access_token"].as_str().unwrap();
    assert_oauth_error(
        &post_form(
            &api,
            &path,
            &[("grant_type", "refresh_token"), ("refresh_token", access)],
        )
        .await,
        10017,
        "invalid_grant",
    );
    // A disabled application grants nothing.
    api.post(&api.app(), json!({ "status": "DISABLED" })).await;
    assert_oauth_error(
        &password_grant(&api, "who@example.com", PASSWORD).await,
        10015,
        "invalid_grant",
    );
}

#[tokio::test]
async fn no_refresh_token_when_the_policy_says_pt0m() {
    let api = Api::start();
    account(&api, "norefresh@example.com").await;
    let policy = format!("/oAuthPolicies/{}", id_of(&api.app()));
    let r = api
        .post(
            &policy,
            json!({ "refreshTokenTtl": "PT0M", "accessTokenTtl": "PT30M" }),
        )
        .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let r = password_grant(&api, "norefresh@example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body.get("refresh_token").is_none(), "{:#}", r.body);
    assert_eq!(r.body["expires_in"], 1800);
    let (_, claims) = verified(
        r.body["access_token"].as_str().unwrap(),
        &api.server.key_secret,
    );
    assert!(claims.get("rti").is_none());
}

#[tokio::test]
async fn client_credentials_take_an_account_api_key() {
    let api = Api::start();
    let acct = account(&api, "machine@example.com").await;
    let key = api.post(&format!("{}/apiKeys", acct.href), json!({})).await;
    assert_eq!(key.status, 201, "{:#}", key.body);
    let (id, secret) = (
        key.body["id"].as_str().unwrap().to_owned(),
        key.body["secret"].as_str().unwrap().to_owned(),
    );
    let path = token_path(&api);
    let grant = |id: String, secret: String| {
        let (api, path) = (&api, path.clone());
        async move {
            post_form(
                api,
                &path,
                &[
                    ("grant_type", "client_credentials"),
                    ("client_id", &id),
                    ("client_secret", &secret),
                ],
            )
            .await
        }
    };
    let r = grant(id.clone(), secret.clone()).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body.get("refresh_token").is_none());
    let (header, claims) = verified(
        r.body["access_token"].as_str().unwrap(),
        &api.server.key_secret,
    );
    assert_eq!(header["kid"], api.server.key_id.as_str());
    assert_eq!(claims["sub"], acct.href.as_str());
    assert!(claims.get("rti").is_none());
    assert_oauth_error(
        &grant(id.clone(), "wrong".into()).await,
        10019,
        "invalid_client",
    );
    assert_oauth_error(
        &grant("NOSUCHKEY".into(), secret.clone()).await,
        10019,
        "invalid_client",
    );
    // A disabled key; a key whose account cannot log in to the application.
    api.post(&format!("/apiKeys/{id}"), json!({ "status": "DISABLED" }))
        .await;
    assert_oauth_error(
        &grant(id.clone(), secret.clone()).await,
        10019,
        "invalid_client",
    );
    let other = other_app(&api, "Other").await;
    let stranger = account_in(
        &api,
        &other,
        "stranger@example.com",
        None,
        AccountStatus::Enabled,
    )
    .await;
    let key = api
        .post(&format!("{}/apiKeys", stranger.href), json!({}))
        .await;
    assert_oauth_error(
        &grant(
            key.body["id"].as_str().unwrap().into(),
            key.body["secret"].as_str().unwrap().into(),
        )
        .await,
        10019,
        "invalid_client",
    );
}

async fn stormpath_grant(api: &Api, token: &str) -> Reply {
    post_form(
        api,
        &token_path(api),
        &[("grant_type", "stormpath_token"), ("token", token)],
    )
    .await
}

fn express_header() -> Value {
    json!({ "typ": "JWT", "alg": "HS256" })
}

#[tokio::test]
async fn a_stormpath_token_is_exchanged_once_for_tokens() {
    let api = Api::start();
    let acct = account(&api, "social@example.com").await;
    let secret = api.server.key_secret.clone();
    let claims = stormpath_claims(&api, &acct.href, &api.app());
    assert!(claims["iat"].is_f64());
    let token = mint(&express_header(), &claims, &secret);
    let r = stormpath_grant(&api, &token).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body["refresh_token"].is_string());
    let (header, access) = verified(r.body["access_token"].as_str().unwrap(), &secret);
    assert_eq!(header["kid"], api.server.key_id.as_str());
    assert_eq!(access["sub"], acct.href.as_str());
    // Good once.
    assert_oauth_error(&stormpath_grant(&api, &token).await, 11005, "invalid_grant");

    // Our extension: the client_credentials claim asks for an access token only.
    let mut cc = stormpath_claims(&api, &acct.href, &api.app());
    cc["grant_type"] = json!("client_credentials");
    let r = stormpath_grant(&api, &mint(&express_header(), &cc, &secret)).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert!(r.body.get("refresh_token").is_none(), "{:#}", r.body);

    // With a kid naming the admin key, it verifies with that key.
    let kid = json!({ "typ": "JWT", "alg": "HS256", "kid": api.server.key_id });
    let fresh = stormpath_claims(&api, &acct.href, &api.app());
    assert_eq!(
        stormpath_grant(&api, &mint(&kid, &fresh, &secret))
            .await
            .status,
        200
    );

    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut c = stormpath_claims(&api, &acct.href, &api.app());
        edit(&mut c);
        mint(&express_header(), &c, &secret)
    };
    let cases: Vec<(String, u64)> = vec![
        (bad(&|c| c["exp"] = json!(now() - 5)), 10011),
        (bad(&|c| c["iat"] = json!(now() as f64 + 3600.5)), 10012),
        (bad(&|c| c["status"] = json!("NOT_AUTHENTICATED")), 12002),
        (
            bad(&|c| c["iss"] = json!(format!("{}/v1/applications/x", api.server.base_url))),
            10014,
        ),
        (
            bad(&|c| {
                c.as_object_mut().unwrap().remove("exp");
            }),
            10017,
        ),
        (
            bad(&|c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            10017,
        ),
        (mint(&express_header(), &claims, "not the secret"), 10017),
        (
            mint(
                &json!({ "alg": "HS512" }),
                &stormpath_claims(&api, &acct.href, &api.app()),
                &secret,
            ),
            10017,
        ),
        ("garbage".to_owned(), 10017),
        (bad(&|c| c["aud"] = json!("NOSUCHKEY")), 10017),
    ];
    for (token, code) in cases {
        assert_oauth_error(&stormpath_grant(&api, &token).await, code, "invalid_grant");
    }
    // A disabled account; an account the application cannot reach.
    let store = store_of(&api).await;
    let off = account(&api, "off@example.com").await;
    set_status(&store, &off, AccountStatus::Disabled).await;
    let t = mint(
        &express_header(),
        &stormpath_claims(&api, &off.href, &api.app()),
        &secret,
    );
    assert_oauth_error(&stormpath_grant(&api, &t).await, 7101, "invalid_grant");
    let other = other_app(&api, "Other").await;
    let stranger = account_in(
        &api,
        &other,
        "far@example.com",
        None,
        AccountStatus::Enabled,
    )
    .await;
    let t = mint(
        &express_header(),
        &stormpath_claims(&api, &stranger.href, &api.app()),
        &secret,
    );
    assert_oauth_error(&stormpath_grant(&api, &t).await, 10016, "invalid_grant");
}

#[tokio::test]
async fn validation_refuses_what_is_not_a_live_token_of_this_application() {
    let api = Api::start();
    let acct = account(&api, "valid@example.com").await;
    let r = password_grant(&api, "valid@example.com", PASSWORD).await;
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    let refresh = r.body["refresh_token"].as_str().unwrap().to_owned();
    let check = |token: String| {
        let api = &api;
        async move { api.get(&format!("{}/authTokens/{token}", api.app())).await }
    };
    assert_eq!(check(access.clone()).await.status, 302);
    // Forged, unparseable, a refresh token, another application's.
    let mut forged = access.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    check(forged).await.assert_error(400, 10017);
    check("not-a-jwt".into()).await.assert_error(400, 10017);
    check(refresh.clone()).await.assert_error(400, 10017);
    let other = other_app(&api, "Other").await;
    let r = api.get(&format!("{other}/authTokens/{access}")).await;
    r.assert_error(400, 10014);
    // Signed by the admin key but never issued: not recorded.
    let (header, mut claims) = verified(&access, &api.server.key_secret);
    claims["jti"] = json!("neverIssuedJtiXXXXXXXX");
    check(mint(&header, &claims, &api.server.key_secret))
        .await
        .assert_error(400, 10013);
    // Expired; issued in the future.
    let (_, mut old) = verified(&access, &api.server.key_secret);
    old["exp"] = json!(now() - 10);
    check(mint(&header, &old, &api.server.key_secret))
        .await
        .assert_error(400, 10011);
    let (_, mut early) = verified(&access, &api.server.key_secret);
    early["iat"] = json!(now() + 3600);
    check(mint(&header, &early, &api.server.key_secret))
        .await
        .assert_error(400, 10012);
    // A disabled account; a disabled application.
    let store = store_of(&api).await;
    let r2 = password_grant(&api, "valid@example.com", PASSWORD).await;
    let second = r2.body["access_token"].as_str().unwrap().to_owned();
    api.post(&api.app(), json!({ "status": "DISABLED" })).await;
    check(second.clone()).await.assert_error(400, 10015);
    api.post(&api.app(), json!({ "status": "ENABLED" })).await;
    assert_eq!(check(second.clone()).await.status, 302);
    // Revoking all of an account's tokens (a password change) deletes their resources.
    store.revoke_all_tokens(&acct.id).await.unwrap();
    check(second).await.assert_error(400, 10013);
    let third = password_grant(&api, "valid@example.com", PASSWORD).await;
    let third = third.body["access_token"].as_str().unwrap().to_owned();
    set_status(&store, &acct, AccountStatus::Disabled).await;
    // Disabling revokes too; a token kept alive otherwise would answer 10010.
    let r = check(third).await;
    assert!(
        r.body["code"] == 10013 || r.body["code"] == 10010,
        "{:#}",
        r.body
    );
    // Deleting an access token revokes it.
    set_status(&store, &acct, AccountStatus::Enabled).await;
    let fourth = password_grant(&api, "valid@example.com", PASSWORD).await;
    let fourth = fourth.body["access_token"].as_str().unwrap().to_owned();
    let jti = verified(&fourth, &api.server.key_secret).1["jti"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        api.delete(&format!("/accessTokens/{jti}")).await.status,
        204
    );
    api.delete(&format!("/accessTokens/{jti}"))
        .await
        .assert_error(404, 404);
    check(fourth).await.assert_error(400, 10013);
}

#[tokio::test]
async fn an_accounts_tokens_are_listed_per_application() {
    let api = Api::start();
    let acct = account(&api, "lists@example.com").await;
    for _ in 0..3 {
        let r = password_grant(&api, "lists@example.com", PASSWORD).await;
        assert_eq!(r.status, 200);
    }
    let all = api.get(&format!("{}/accessTokens", acct.href)).await;
    assert_eq!(all.status, 200, "{:#}", all.body);
    assert_eq!(all.body["size"], 3);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(all.body["href"], format!("{}/accessTokens", acct.href));
    let page = api
        .get(&format!("{}/refreshTokens?limit=2&offset=1", acct.href))
        .await;
    assert_eq!(page.body["size"], 3);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 2);
    assert_eq!(page.body["offset"], 1);
    let mine = api
        .get(&format!(
            "{}/accessTokens?application.href={}&expand=account",
            acct.href,
            api.app()
        ))
        .await;
    assert_eq!(mine.body["size"], 3);
    assert_eq!(
        mine.body["items"][0]["account"]["email"],
        "lists@example.com"
    );
    let other = other_app(&api, "Other").await;
    let none = api
        .get(&format!(
            "{}/accessTokens?application.href={other}",
            acct.href
        ))
        .await;
    assert_eq!(none.body["size"], 0);
    api.get(&format!(
        "{}/accessTokens?application.href=nonsense",
        acct.href
    ))
    .await
    .assert_error(400, 2002);
    api.get(&format!("{}/accessTokens?limit=0", acct.href))
        .await
        .assert_error(400, 2009);
    api.get(&format!("{}/accessTokens?expand=secrets", acct.href))
        .await
        .assert_error(400, 2107);
    api.get("/accounts/nOpEnOpEnOpEnOpEnOpE12/accessTokens")
        .await
        .assert_error(404, 404);
    api.get("/accessTokens/nOpE").await.assert_error(404, 404);
}

/// SDKs change a password by saving the account with a new one: that ends what a reset ends —
/// the tokens, the pending reset link and the account's API keys; a new email address voids
/// the links mailed to the old one.
#[tokio::test]
async fn a_password_or_email_set_through_the_api_ends_the_old_credentials() {
    let api = Api::start();
    let acct = account(&api, "saved@example.com").await;
    let grant = password_grant(&api, "saved@example.com", PASSWORD).await;
    assert_eq!(grant.status, 200, "{:#}", grant.body);
    let access = grant.body["access_token"].as_str().unwrap().to_owned();
    let refresh = grant.body["refresh_token"].as_str().unwrap().to_owned();
    let key = api.post(&format!("{}/apiKeys", acct.href), json!({})).await;
    assert_eq!(key.status, 201, "{:#}", key.body);
    let reset_path = format!("{}/passwordResetTokens", api.app());
    let reset = api
        .post(&reset_path, json!({ "email": "saved@example.com" }))
        .await;
    assert_eq!(reset.status, 200, "{:#}", reset.body);

    let saved = api
        .post(&acct.href, json!({ "password": "N3w:Passw0rd!saved" }))
        .await;
    assert_eq!(saved.status, 200, "{:#}", saved.body);

    let refreshed = post_form(
        &api,
        &token_path(&api),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_oauth_error(&refreshed, 10013, "invalid_grant");
    let validated = api.get(&format!("{}/authTokens/{access}", api.app())).await;
    assert_eq!(validated.status, 400, "{:#}", validated.body);
    api.get(&reset.href()).await.assert_error(404, 404);
    api.get(&key.href()).await.assert_error(404, 404);
    // The new password works.
    let again = password_grant(&api, "saved@example.com", "N3w:Passw0rd!saved").await;
    assert_eq!(again.status, 200, "{:#}", again.body);

    // A new address: the link mailed to the old one is void; the session stands.
    let reset = api
        .post(&reset_path, json!({ "email": "saved@example.com" }))
        .await;
    assert_eq!(reset.status, 200, "{:#}", reset.body);
    let moved = api
        .post(&acct.href, json!({ "email": "moved@example.com" }))
        .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    api.get(&reset.href()).await.assert_error(404, 404);
    let still = again.body["access_token"].as_str().unwrap();
    let v = api.get(&format!("{}/authTokens/{still}", api.app())).await;
    assert_eq!(v.status, 302, "{:#}", v.body);
}

/// Deleting an API key revokes the client-credentials access tokens of its account (which key
/// minted one is not recorded, as in the embedded store); its password tokens stay.
#[tokio::test]
async fn deleting_an_api_key_revokes_its_client_credentials_tokens() {
    let api = Api::start();
    let acct = account(&api, "deleted-key@example.com").await;
    let key = api.post(&format!("{}/apiKeys", acct.href), json!({})).await;
    assert_eq!(key.status, 201, "{:#}", key.body);
    let id = key.body["id"].as_str().unwrap().to_owned();
    let r = post_form(
        &api,
        &token_path(&api),
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", key.body["secret"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let machine = r.body["access_token"].as_str().unwrap().to_owned();
    let r = password_grant(&api, "deleted-key@example.com", PASSWORD).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    let person = r.body["access_token"].as_str().unwrap().to_owned();
    let check = |token: String| {
        let api = &api;
        async move { api.get(&format!("{}/authTokens/{token}", api.app())).await }
    };
    assert_eq!(check(machine.clone()).await.status, 302);
    assert_eq!(api.delete(&format!("/apiKeys/{id}")).await.status, 204);
    check(machine).await.assert_error(400, 10013);
    assert_eq!(check(person).await.status, 302, "the password token stays");
    api.get(&format!("/apiKeys/{id}"))
        .await
        .assert_error(404, 404);
}
