//! Conformance gaps closed after the audit of issue 9: methods, unknown paths, read-only
//! properties, embedded custom data, `expand` on every endpoint, shapes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::Api;

/// The server's root URL (without `/v1`).
fn root(api: &Api) -> String {
    api.server.api().trim_end_matches("/v1").to_owned()
}

#[tokio::test]
async fn an_unbound_method_is_405_with_allow_and_unknown_paths_are_404_documents() {
    let api = Api::start();
    let acct = api.account("m405@example.com", json!({})).await.href();
    let tenant = api.tenant().await;
    for (method, path, allow) in [
        (Method::PUT, acct.clone(), "GET, POST, DELETE"),
        (Method::DELETE, tenant.clone(), "GET"),
        (Method::GET, format!("{}/loginAttempts", api.app()), "POST"),
        (Method::PATCH, api.app(), "GET, POST, DELETE"),
    ] {
        let r = api.send(method.clone(), &path, None).await;
        r.assert_error(405, 1100);
        assert_eq!(
            r.headers["allow"].to_str().unwrap(),
            allow,
            "{method} {path}"
        );
    }
    // The account is still there.
    assert_eq!(api.get(&acct).await.status, StatusCode::OK);
    // An unknown path inside /v1 is the 404 document.
    api.get("/nothingHere").await.assert_error(404, 404);
    api.get("/accounts/x/nothing").await.assert_error(404, 404);
    // Outside /v1 too, with a request id and no credentials needed.
    for path in ["/", "/v2/accounts", "/v1x", "/favicon.ico"] {
        let res = api
            .http
            .get(format!("{}{path}", root(&api)))
            .send()
            .await
            .unwrap();
        Api::reply(res).await.assert_error(404, 404);
    }
}

#[tokio::test]
async fn every_write_checks_expand_before_writing_and_honours_it() {
    let api = Api::start();
    let app = api
        .post("/applications", json!({"name": "Expand App"}))
        .await;
    let dir = api
        .post("/directories", json!({"name": "Expand Dir"}))
        .await;
    // A bad expansion on a mapping create makes nothing.
    let bad = api
        .post(
            "/accountStoreMappings?expand=bogus",
            json!({"application": {"href": app.href()}, "accountStore": {"href": dir.href()}}),
        )
        .await;
    bad.assert_error(400, 2107);
    let mappings = api
        .get(&format!("{}/accountStoreMappings", app.href()))
        .await;
    assert_eq!(mappings.body["size"], 0, "{:#}", mappings.body);
    // The same create with a good expansion is made and expanded.
    let m = api
        .post(
            "/accountStoreMappings?expand=accountStore,application",
            json!({"application": {"href": app.href()}, "accountStore": {"href": dir.href()}}),
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:#}", m.body);
    assert_eq!(m.body["accountStore"]["name"], "Expand Dir");
    assert_eq!(m.body["application"]["name"], "Expand App");
    // Creates and updates of applications, directories and mappings refuse a bad expansion
    // with nothing made or changed.
    api.post("/applications?expand=bogus", json!({"name": "Never"}))
        .await
        .assert_error(400, 2107);
    api.post("/directories?expand=bogus", json!({"name": "Never"}))
        .await
        .assert_error(400, 2107);
    for (href, body) in [
        (app.href(), json!({"name": "Changed"})),
        (dir.href(), json!({"name": "Changed"})),
        (m.href(), json!({"listIndex": 5})),
    ] {
        api.post(&format!("{href}?expand=bogus"), body)
            .await
            .assert_error(400, 2107);
    }
    let names = api.get("/applications?name=Never").await;
    assert_eq!(names.body["size"], 0);
    assert_eq!(api.get("/directories?name=Never").await.body["size"], 0);
    assert_eq!(api.get(&app.href()).await.body["name"], "Expand App");
    assert_eq!(api.get(&dir.href()).await.body["name"], "Expand Dir");
    // Policies have nothing to expand: any expansion is refused before the write.
    let dir_id = dir.href().rsplit('/').next().unwrap().to_owned();
    api.post(
        &format!("/passwordPolicies/{dir_id}?expand=strength"),
        json!({"resetTokenTtl": 5}),
    )
    .await
    .assert_error(400, 2107);
    assert_eq!(
        api.get(&format!("/passwordPolicies/{dir_id}")).await.body["resetTokenTtl"],
        24
    );
    // POSTs honour expansions like GETs.
    let made = api
        .post(
            "/applications?expand=tenant,customData",
            json!({"name": "Expanded On Create"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:#}", made.body);
    assert!(made.body["tenant"]["name"].is_string(), "{:#}", made.body);
    assert!(made.body["customData"]["createdAt"].is_string());
    let updated = api
        .post(
            &format!("{}?expand=provider,passwordPolicy", dir.href()),
            json!({"description": "d"}),
        )
        .await;
    assert_eq!(updated.body["provider"]["providerId"], "stormpath");
    assert_eq!(updated.body["passwordPolicy"]["resetTokenTtl"], 24);
    let moved = api
        .post(
            &format!("{}?expand=accountStore", m.href()),
            json!({"listIndex": 0}),
        )
        .await;
    assert_eq!(moved.body["accountStore"]["name"], "Expand Dir");
    // Application collections and the tenant expand what the spec lists.
    let tenant = api.tenant().await;
    let apps = api
        .get(&format!(
            "{tenant}/applications?name=Expand%20App&expand=customData,tenant,accounts(offset:0,limit:5)"
        ))
        .await;
    assert_eq!(apps.status, StatusCode::OK, "{:#}", apps.body);
    let item = &apps.body["items"][0];
    assert!(item["customData"]["createdAt"].is_string(), "{item:#}");
    assert!(item["tenant"]["key"].is_string());
    assert_eq!(item["accounts"]["limit"], 5);
    let t = api
        .get(&format!(
            "{tenant}?expand=applications(limit:2),directories,customData,accounts,groups"
        ))
        .await;
    assert_eq!(t.status, StatusCode::OK, "{:#}", t.body);
    assert_eq!(t.body["applications"]["limit"], 2);
    assert!(t.body["applications"]["items"].is_array());
    assert!(t.body["directories"]["size"].as_i64().unwrap() >= 2);
    assert!(t.body["accounts"]["items"].is_array());
    assert!(t.body["groups"]["items"].is_array());
    api.get(&format!("{tenant}?expand=bogus"))
        .await
        .assert_error(400, 2107);
}

#[tokio::test]
async fn applications_and_directories_merge_embedded_custom_data() {
    let api = Api::start();
    let app = api
        .post(
            "/applications",
            json!({"name": "CD App", "customData": {"color": "blue", "n": 1}}),
        )
        .await;
    assert_eq!(app.status, StatusCode::CREATED, "{:#}", app.body);
    let cd = api.get(&format!("{}/customData", app.href())).await;
    assert_eq!(cd.body["color"], "blue");
    assert_eq!(cd.body["n"], 1);
    let up = api
        .post(
            &app.href(),
            json!({"description": "x", "customData": {"n": 2, "extra": true}}),
        )
        .await;
    assert_eq!(up.status, StatusCode::OK, "{:#}", up.body);
    let cd = api.get(&format!("{}/customData", app.href())).await;
    assert_eq!(cd.body["color"], "blue");
    assert_eq!(cd.body["n"], 2);
    assert_eq!(cd.body["extra"], true);

    let dir = api
        .post(
            "/directories",
            json!({"name": "CD Dir", "customData": {"tier": "gold"}}),
        )
        .await;
    assert_eq!(dir.status, StatusCode::CREATED, "{:#}", dir.body);
    let up = api
        .post(&dir.href(), json!({"customData": {"region": "eu"}}))
        .await;
    assert_eq!(up.status, StatusCode::OK, "{:#}", up.body);
    let cd = api.get(&format!("{}/customData", dir.href())).await;
    assert_eq!(cd.body["tier"], "gold");
    assert_eq!(cd.body["region"], "eu");
    // A bad field name changes nothing at all: not the name, not the data.
    api.post(
        &dir.href(),
        json!({"name": "Renamed", "customData": {"href": "x", "bad name!": 1}}),
    )
    .await
    .assert_error(400, 3002);
    assert_eq!(api.get(&dir.href()).await.body["name"], "CD Dir");
    // A bad one on create makes nothing.
    api.post(
        "/applications",
        json!({"name": "CD Never", "customData": {"meta": 1}}),
    )
    .await
    .assert_error(400, 3003);
    assert_eq!(
        api.get("/applications?name=CD%20Never").await.body["size"],
        0
    );
}

/// The id at the end of an href.
fn id_of(href: &str) -> String {
    href.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn read_only_properties_are_refused_when_changed_and_ignored_when_posted_back() {
    let api = Api::start();
    // Creates: no read-only member, nothing made.
    for (path, body) in [
        (
            "/applications",
            json!({"name": "RO", "href": "https://elsewhere/x"}),
        ),
        (
            "/applications",
            json!({"name": "RO", "createdAt": "2015-01-01T00:00:00.000Z"}),
        ),
        (
            "/applications",
            json!({"name": "RO", "tenant": {"href": "https://elsewhere/t"}}),
        ),
        (
            "/directories",
            json!({"name": "RO", "modifiedAt": "2015-01-01T00:00:00.000Z"}),
        ),
        (
            "/directories",
            json!({"name": "RO", "passwordPolicy": {"href": "https://elsewhere/p"}}),
        ),
    ] {
        api.post(path, body).await.assert_error(400, 2015);
    }
    assert_eq!(api.get("/applications?name=RO").await.body["size"], 0);
    assert_eq!(api.get("/directories?name=RO").await.body["size"], 0);

    let app = api.post("/applications", json!({"name": "RO App"})).await;
    let dir = api.post("/directories", json!({"name": "RO Dir"})).await;
    let m = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": app.href()}, "accountStore": {"href": dir.href()},
                   "href": "https://elsewhere/m"}),
        )
        .await;
    m.assert_error(400, 2015);
    let m = api
        .post(
            "/accountStoreMappings",
            json!({"application": {"href": app.href()}, "accountStore": {"href": dir.href()}}),
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED);
    let acct = api.account("ro-keys@example.com", json!({})).await;
    let key = api
        .post(&format!("{}/apiKeys", acct.href()), json!({}))
        .await;
    assert_eq!(key.status, StatusCode::CREATED);
    let dir_id = id_of(&dir.href());
    let app_id = id_of(&app.href());

    // Updates: each resource, posted back whole with one change to a writable member, is
    // accepted (the SDK's save()); a changed read-only member is 2015 and nothing changes.
    let resources = [
        (app.href(), "description", json!("new"), "tenant"),
        (dir.href(), "description", json!("new"), "accountSchema"),
        (m.href(), "listIndex", json!(0), "application"),
        (key.href(), "name", json!("renamed"), "account"),
        (
            api.url(&format!("/passwordPolicies/{dir_id}")),
            "resetTokenTtl",
            json!(12),
            "strength",
        ),
        (
            api.url(&format!("/passwordPolicies/{dir_id}/strength")),
            "minLength",
            json!(9),
            "createdAt",
        ),
        (
            api.url(&format!("/accountCreationPolicies/{dir_id}")),
            "welcomeEmailStatus",
            json!("ENABLED"),
            "href",
        ),
        (
            api.url(&format!("/oAuthPolicies/{app_id}")),
            "accessTokenTtl",
            json!("PT2H"),
            "tokenEndpoint",
        ),
    ];
    for (href, writable, value, read_only) in resources {
        let before = api.get(&href).await;
        assert_eq!(before.status, StatusCode::OK, "{href}");
        // A changed read-only member (a link, or a timestamp/href string).
        let mut changed = before.body.clone();
        changed[writable] = value.clone();
        changed[read_only] = if before.body[read_only].is_object() {
            json!({"href": "https://elsewhere/x"})
        } else if read_only == "createdAt" {
            json!("2015-01-01T00:00:00.000Z")
        } else {
            json!("https://elsewhere/x")
        };
        let refused = api.post(&href, changed).await;
        refused.assert_error(400, 2015);
        assert!(
            refused.body["message"]
                .as_str()
                .unwrap()
                .contains(read_only),
            "{:#}",
            refused.body
        );
        let after = api.get(&href).await;
        assert_eq!(after.body[writable], before.body[writable], "{href}");
        // The whole resource posted back with one writable change is fine.
        let mut whole = before.body.clone();
        whole[writable] = value.clone();
        let saved = api.post(&href, whole).await;
        assert_eq!(saved.status, StatusCode::OK, "{href}: {:#}", saved.body);
        assert_eq!(saved.body[writable], value, "{href}");
    }
}

async fn login(api: &Api, login: &str, password: &str) -> crate::support::Reply {
    api.post(
        &format!("{}/loginAttempts", api.app()),
        json!({"type": "basic", "value": crate::auth_support::basic_value(login, password)}),
    )
    .await
}

/// The stored hash of an account, read from the server's database.
async fn stored_hash(api: &Api, email: &str) -> String {
    use sqlx::Row;
    let store = crate::auth_support::store_of(api).await;
    sqlx::query("SELECT password_hash FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_one(store.pool())
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn password_format_mcf_imports_bcrypt_and_stormpath2_hashes() {
    let api = Api::start();
    let bcrypt_hash = bcrypt::hash("Imp0rted-Secret", 4).unwrap();
    let fixtures = [
        ("bcrypt@mcf.test", "Imp0rted-Secret", bcrypt_hash.clone()),
        (
            "bcrypt2y@mcf.test",
            "Imp0rted-Secret",
            bcrypt_hash.replacen("$2b$", "$2y$", 1),
        ),
        (
            "sp2@mcf.test",
            "testing12",
            "$stormpath2$SHA-512$1$ZFhBRmpFSnEwVEx2ekhKS0JTMDJBNTNmcg==$Q+sGFg9e+pe9QsUdfnbJUMDtrQNf27ezTnnGllBVkQpMRc9bqH6WkyE3y0svD/7cBk8uJW9Wb3dolWwDtDLFjg=="
                .to_owned(),
        ),
    ];
    for (email, _, hash) in &fixtures {
        let made = api
            .post(
                &format!("{}/accounts?passwordFormat=mcf", api.app()),
                json!({"email": email, "password": hash, "givenName": "I", "surname": "M"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{email}: {:#}", made.body);
        assert!(made.body.get("password").is_none());
    }
    for (email, password, hash) in &fixtures {
        login(&api, email, "wrong-Passw0rd")
            .await
            .assert_error(400, 7100);
        let ok = login(&api, email, password).await;
        assert_eq!(ok.status, StatusCode::OK, "{email}: {:#}", ok.body);
        // The imported hash is replaced by the store's own on that first login.
        let mut stored = hash.clone();
        for _ in 0..200 {
            stored = stored_hash(&api, email).await;
            if stored != *hash {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        assert!(stored.starts_with("$argon2id$"), "{email}: {stored}");
        assert_eq!(login(&api, email, password).await.status, StatusCode::OK);
    }
    // Malformed, unknown or absurdly costly hashes are refused; nothing is made.
    for bad in [
        "not-a-hash",
        "$2b$04$short",
        "$2b$31$abcdefghijklmnopqrstuuQ2eR1mT8/7yI6LQsQ5rLzx8Wc4e7Z1.",
        "$stormpath2$SHA-512$99999999999$c2FsdA==$aGFzaA==",
        "$stormpath1$whatever",
    ] {
        let r = api
            .post(
                &format!("{}/accounts?passwordFormat=mcf", api.app()),
                json!({"email": "bad-mcf@mcf.test", "password": bad}),
            )
            .await;
        r.assert_error(400, 2003);
    }
    let none = api
        .get(&format!("{}/accounts?email=bad-mcf@mcf.test", api.app()))
        .await;
    assert_eq!(none.body["size"], 0);
    // Another format is still refused.
    api.post(
        &format!("{}/accounts?passwordFormat=plain", api.app()),
        json!({"email": "fmt@mcf.test", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(400, 2003);
}

#[tokio::test]
async fn the_admin_directory_keeps_its_name_and_the_calling_key_cannot_lock_itself_out() {
    let api = Api::start();
    let admins = api
        .get("/directories?name=Stormpath%20Administrators")
        .await;
    let admins = admins.body["items"][0]["href"].as_str().unwrap().to_owned();
    let refused = api.post(&admins, json!({"name": "Other"})).await;
    refused.assert_error(403, 403);
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be renamed")
    );
    // The same name (the SDK's save()) and a description are fine.
    let saved = api
        .post(
            &admins,
            json!({"name": "Stormpath Administrators", "description": "tenant keys"}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{:#}", saved.body);
    api.delete(&admins).await.assert_error(403, 403);
    // The caller's own key cannot be disabled or deleted.
    let own = api.url(&format!("/apiKeys/{}", api.server.key_id));
    api.post(&own, json!({"status": "DISABLED"}))
        .await
        .assert_error(403, 403);
    api.delete(&own).await.assert_error(403, 403);
    let still = api.get(&own).await;
    assert_eq!(still.status, StatusCode::OK);
    assert_eq!(still.body["status"], "ENABLED");
    // Renaming it is fine.
    let renamed = api.post(&own, json!({"name": "mine"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{:#}", renamed.body);
}

#[tokio::test]
async fn a_throttled_login_is_a_locked_account_with_retry_after() {
    let api = Api::start();
    api.account("locked@example.com", json!({})).await;
    // The server locks an account after 100 failures an hour (the throttle's default).
    let mut locked = None;
    for _ in 0..150 {
        let r = login(&api, "locked@example.com", "wrong-Passw0rd").await;
        if r.body["code"] == 7103 {
            locked = Some(r);
            break;
        }
        r.assert_error(400, 7100);
    }
    let locked = locked.expect("the login locks after repeated failures");
    locked.assert_error(400, 7103);
    let wait: u64 = locked.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    // The right password is refused the same way while the lock holds.
    let right = login(&api, "locked@example.com", "W4lrus-J1g").await;
    right.assert_error(400, 7103);
    assert!(right.headers.contains_key("retry-after"));
    // An unknown login reads like a wrong password (7100, no enumeration).
    login(&api, "nobody@example.com", "W4lrus-J1g")
        .await
        .assert_error(400, 7100);
}

/// A caller that says it throttles logins itself (the plugin, which lets the owner's
/// remembered clients through) meets no per-login bucket here: failures past the server's own
/// lock still read 7100, and the right password still logs in.
#[tokio::test]
async fn a_caller_that_throttles_logins_itself_is_not_locked_by_the_server() {
    let api = Api::start();
    api.account("owner@example.com", json!({})).await;
    let app = api.app();
    let api = &api;
    let attempt = |password: &'static str| {
        let path = format!("{app}/loginAttempts");
        async move {
            api.send_with(
                reqwest::Method::POST,
                &path,
                Some(json!({
                    "type": "basic",
                    "value": crate::auth_support::basic_value("owner@example.com", password)
                })),
                &[(stormpath_client::throttle::CALLER_THROTTLES_LOGINS, "true")],
            )
            .await
        }
    };
    for _ in 0..110 {
        attempt("wrong-Passw0rd").await.assert_error(400, 7100);
    }
    let right = attempt("W4lrus-J1g").await;
    assert_eq!(right.status, StatusCode::OK, "{:#}", right.body);
}

/// Every link of `names` is present in `resource`, and following it answers 200 (a
/// collection where it is one).
async fn links_answer(api: &Api, resource: &serde_json::Value, names: &[&str]) {
    for name in names {
        let href = resource[*name]["href"]
            .as_str()
            .unwrap_or_else(|| panic!("no {name} link in {resource:#}"));
        let r = api.get(href).await;
        assert_eq!(r.status, StatusCode::OK, "{name} {href}: {:#}", r.body);
        assert_eq!(r.body["href"], href, "{name}");
    }
}

#[tokio::test]
async fn every_shape_has_the_links_the_spec_lists_and_they_answer() {
    let api = Api::start();
    let tenant = api.get(&api.tenant().await).await.body;
    links_answer(
        &api,
        &tenant,
        &[
            "customData",
            "applications",
            "directories",
            "accounts",
            "groups",
            "organizations",
            "agents",
            "idSites",
            "smtpServers",
        ],
    )
    .await;
    for empty in ["organizations", "agents", "idSites", "smtpServers"] {
        let r = api.get(tenant[empty]["href"].as_str().unwrap()).await;
        assert_eq!(r.body["size"], 0, "{empty}");
        assert_eq!(r.body["items"], json!([]));
    }
    let app = api.get(&api.app()).await.body;
    links_answer(
        &api,
        &app,
        &[
            "tenant",
            "defaultAccountStoreMapping",
            "defaultGroupStoreMapping",
            "customData",
            "oAuthPolicy",
            "accounts",
            "groups",
            "accountStoreMappings",
            "samlPolicy",
            "accountLinkingPolicy",
        ],
    )
    .await;
    assert_eq!(
        api.get(app["accountLinkingPolicy"]["href"].as_str().unwrap())
            .await
            .body["status"],
        "DISABLED"
    );
    for link in [
        "loginAttempts",
        "passwordResetTokens",
        "apiKeys",
        "verificationEmails",
        "authTokens",
    ] {
        assert!(app[link]["href"].is_string(), "{link}");
    }
    assert!(app["authorizedCallbackUris"].is_array());
    let dir_href = api.default_directory().await;
    let dir = api.get(&dir_href).await.body;
    links_answer(
        &api,
        &dir,
        &[
            "tenant",
            "provider",
            "customData",
            "passwordPolicy",
            "accountCreationPolicy",
            "accountSchema",
            "accounts",
            "groups",
            "applications",
            "applicationMappings",
            "organizations",
            "organizationMappings",
        ],
    )
    .await;
    let apps = api.get(dir["applications"]["href"].as_str().unwrap()).await;
    assert_eq!(apps.body["items"][0]["href"], api.app());
    let mappings = api
        .get(dir["applicationMappings"]["href"].as_str().unwrap())
        .await;
    assert_eq!(mappings.body["size"], 1);
    assert_eq!(
        mappings.body["items"][0]["href"],
        app["defaultAccountStoreMapping"]["href"]
    );
    let acct = api.account("links@example.com", json!({})).await.body;
    links_answer(
        &api,
        &acct,
        &[
            "customData",
            "providerData",
            "directory",
            "tenant",
            "groups",
            "groupMemberships",
            "applications",
            "apiKeys",
            "accessTokens",
            "refreshTokens",
            "linkedAccounts",
            "accountLinks",
            "phones",
            "factors",
        ],
    )
    .await;
    let policy = api
        .get(dir["passwordPolicy"]["href"].as_str().unwrap())
        .await
        .body;
    links_answer(
        &api,
        &policy,
        &[
            "strength",
            "resetEmailTemplates",
            "resetSuccessEmailTemplates",
        ],
    )
    .await;
    let creation = api
        .get(dir["accountCreationPolicy"]["href"].as_str().unwrap())
        .await
        .body;
    links_answer(
        &api,
        &creation,
        &[
            "verificationEmailTemplates",
            "verificationSuccessEmailTemplates",
            "welcomeEmailTemplates",
        ],
    )
    .await;
    let strength = api
        .get(policy["strength"]["href"].as_str().unwrap())
        .await
        .body;
    for field in ["createdAt", "modifiedAt", "minLength", "preventReuse"] {
        assert!(!strength[field].is_null(), "{field}: {strength:#}");
    }
    // An unknown account's empty collections are 404, like its other links.
    api.get("/accounts/nobody/phones")
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn email_domain_lists_are_kept_and_enforced_and_prevent_reuse_is_refused() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let dir_id = id_of(&dir);
    let policy = api.url(&format!("/accountCreationPolicies/{dir_id}"));
    let set = api
        .post(
            &policy,
            json!({"emailDomainWhitelist": ["example.com", "*.corp.test"],
                   "emailDomainBlacklist": ["bad.corp.test"]}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{:#}", set.body);
    assert_eq!(
        set.body["emailDomainWhitelist"],
        json!(["example.com", "*.corp.test"])
    );
    assert_eq!(
        api.get(&policy).await.body["emailDomainBlacklist"],
        json!(["bad.corp.test"])
    );
    let accounts = format!("{}/accounts", api.app());
    let make = |email: &str| json!({"email": email, "password": "W4lrus-J1g", "givenName": "D", "surname": "L"});
    api.post(&accounts, make("a@elsewhere.test"))
        .await
        .assert_error(400, 7205);
    api.post(&accounts, make("a@bad.corp.test"))
        .await
        .assert_error(400, 7206);
    for ok in ["a@example.com", "b@EXAMPLE.com", "c@eu.corp.test"] {
        let r = api.post(&accounts, make(ok)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{ok}: {:#}", r.body);
    }
    assert_eq!(
        api.get(&format!("{accounts}?email=a@elsewhere.test"))
            .await
            .body["size"],
        0
    );
    // Bad lists change nothing.
    for bad in [json!("example.com"), json!([1]), json!(["a b"])] {
        api.post(&policy, json!({"emailDomainWhitelist": bad}))
            .await
            .assert_error(400, 2002);
    }
    // Cleared, anything goes again.
    api.post(
        &policy,
        json!({"emailDomainWhitelist": [], "emailDomainBlacklist": null}),
    )
    .await;
    let r = api.post(&accounts, make("z@elsewhere.test")).await;
    assert_eq!(r.status, StatusCode::CREATED);
    // preventReuse is shown (0) but cannot be set on this server.
    let strength = api.url(&format!("/passwordPolicies/{dir_id}/strength"));
    api.post(&strength, json!({"preventReuse": 5}))
        .await
        .assert_error(400, 2003);
    let same = api
        .post(&strength, json!({"preventReuse": 0, "minLength": 8}))
        .await;
    assert_eq!(same.status, StatusCode::OK, "{:#}", same.body);
}

#[tokio::test]
async fn email_template_wording_cannot_be_changed_but_its_link_can() {
    let api = Api::start();
    let dir = api.get(&api.default_directory().await).await.body;
    let policy = api
        .get(dir["passwordPolicy"]["href"].as_str().unwrap())
        .await
        .body;
    let list = api
        .get(policy["resetEmailTemplates"]["href"].as_str().unwrap())
        .await;
    let template = list.body["items"][0].clone();
    let href = template["href"].as_str().unwrap().to_owned();
    let mut changed = template.clone();
    changed["subject"] = json!("Something else");
    changed["defaultModel"] = json!({"linkBaseUrl": "https://shop.test/reset"});
    api.post(&href, changed).await.assert_error(400, 2003);
    assert_eq!(
        api.get(&href).await.body["defaultModel"],
        template["defaultModel"]
    );
    let mut whole = template.clone();
    whole["defaultModel"] = json!({"linkBaseUrl": "https://shop.test/reset"});
    let saved = api.post(&href, whole).await;
    assert_eq!(saved.status, StatusCode::OK, "{:#}", saved.body);
    assert_eq!(
        saved.body["defaultModel"]["linkBaseUrl"],
        "https://shop.test/reset"
    );
}
