//! Accounts (spec §5.5, §6.1, §6.3): creation, search, read, update (the SDK's `save()` of the
//! whole object), deletion, and every bad input with nothing changed.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Api, Reply, RestServer};

/// Custom data with a 256-character member name.
fn long_name() -> Value {
    let mut map = serde_json::Map::new();
    map.insert("x".repeat(256), json!(1));
    Value::Object(map)
}

async fn tenant_accounts(api: &Api) -> i64 {
    let tenant = api.tenant().await;
    api.get(&format!("{tenant}/accounts")).await.body["size"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn an_account_created_through_the_application_lands_in_its_default_store() {
    let api = Api::start();
    let created = api
        .account(
            "Jean-Luc@Enterprise.example",
            json!({"middleName": "X", "customData": {"rank": "captain", "ship": {"name": "Enterprise", "registry": 1701}}}),
        )
        .await;
    assert_eq!(
        created.headers["location"].to_str().unwrap(),
        created.href()
    );
    let a = &created.body;
    assert!(
        created
            .href()
            .starts_with(&format!("{}/accounts/", api.server.api()))
    );
    let id = created.href().rsplit('/').next().unwrap().to_owned();
    assert_eq!(id.len(), 22);
    assert_eq!(a["email"], "Jean-Luc@Enterprise.example");
    assert_eq!(a["username"], "Jean-Luc@Enterprise.example");
    assert_eq!(a["fullName"], "Test X User");
    assert_eq!(a["status"], "ENABLED");
    assert_eq!(a["emailVerificationStatus"], "UNKNOWN");
    assert!(a["emailVerificationToken"].is_null());
    assert!(a.get("password").is_none());
    assert_eq!(a["directory"]["href"], api.default_directory().await);
    assert_eq!(a["tenant"]["href"], api.tenant().await);
    for link in [
        "customData",
        "providerData",
        "groups",
        "groupMemberships",
        "apiKeys",
        "accessTokens",
        "refreshTokens",
    ] {
        assert_eq!(
            a[link]["href"],
            format!("{}/{link}", created.href()),
            "{link}"
        );
    }
    let ts = a["createdAt"].as_str().unwrap();
    assert!(ts.ends_with('Z') && ts.len() == 24, "{ts}");
    let data = api.get(&format!("{}/customData", created.href())).await;
    assert_eq!(data.body["rank"], "captain");
    assert_eq!(data.body["ship"]["registry"], 1701);
    // providerData of a cloud account.
    let provider = api.get(&format!("{}/providerData", created.href())).await;
    assert_eq!(provider.status, StatusCode::OK);
    assert_eq!(provider.body["providerId"], "stormpath");
    assert_eq!(provider.href(), format!("{}/providerData", created.href()));
}

#[tokio::test]
async fn duplicates_and_bad_registrations_are_refused_with_nothing_made() {
    let api = Api::start();
    let accounts = format!("{}/accounts", api.app());
    api.account("ada@example.com", json!({"username": "ada"}))
        .await;
    let before = tenant_accounts(&api).await;
    let dup = api
        .post(
            &accounts,
            json!({"email": "ADA@example.com", "password": "W4lrus-J1g"}),
        )
        .await;
    dup.assert_error(409, 2001);
    assert_eq!(
        dup.body["message"],
        "Account with that email already exists.  Please choose another email."
    );
    let dup = api
        .post(
            &accounts,
            json!({"email": "other@example.com", "username": "ADA", "password": "W4lrus-J1g"}),
        )
        .await;
    dup.assert_error(409, 2001);
    assert_eq!(
        dup.body["message"],
        "Account with that username already exists.  Please choose another username."
    );
    let cases: Vec<(Value, u16, u64)> = vec![
        (json!({"password": "W4lrus-J1g"}), 400, 2000),
        (json!({"email": "  ", "password": "W4lrus-J1g"}), 400, 2000),
        (json!({"email": "b@example.com"}), 400, 2000),
        (
            json!({"email": "no-at-sign", "password": "W4lrus-J1g"}),
            400,
            2006,
        ),
        (
            json!({"email": "b@example.com", "password": "Sh0rt"}),
            400,
            2007,
        ),
        (json!({"email": 7, "password": "W4lrus-J1g"}), 400, 2004),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "status": "sleeping"}),
            400,
            2002,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "href": "x"}),
            400,
            2015,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "createdAt": "2015-01-01T00:00:00.000Z"}),
            400,
            2015,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "directory": {"href": api.default_directory().await}}),
            400,
            2015,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "customData": "x"}),
            400,
            2004,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "customData": {"bad name": 1}}),
            400,
            3002,
        ),
        (
            json!({"email": "b@example.com", "password": "W4lrus-J1g", "customData": {"spMeta": 1}}),
            400,
            3003,
        ),
    ];
    for (body, status, code) in cases {
        let r = api.post(&accounts, body.clone()).await;
        r.assert_error(status, code);
        assert_eq!(tenant_accounts(&api).await, before, "{body}");
    }
    let short = api
        .post(
            &accounts,
            json!({"email": "b@example.com", "password": "Sh0rt"}),
        )
        .await;
    assert_eq!(
        short.body["message"],
        "Account password minimum length not satisfied."
    );
    let upper = api
        .post(
            &accounts,
            json!({"email": "b@example.com", "password": "lowercase1only"}),
        )
        .await;
    upper.assert_error(400, 400);
    assert_eq!(
        upper.body["message"],
        "Password requires at least 1 uppercase character."
    );
    let bad = api
        .post(&accounts, json!({"email": "bad", "password": "W4lrus-J1g"}))
        .await;
    assert_eq!(
        bad.body["message"],
        "Account email address is in an invalid format."
    );
    // passwordFormat=mcf imports a hash (conformance.rs); a malformed one is refused.
    api.post(
        &format!("{accounts}?passwordFormat=mcf"),
        json!({"email": "b@example.com", "password": "$2a$10$abc"}),
    )
    .await
    .assert_error(400, 2003);
    api.post(
        &format!("{accounts}?expand=everything"),
        json!({"email": "b@example.com", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(400, 2107);
    api.post_raw(&accounts, "application/json", "[1]")
        .await
        .assert_error(400, 400);
    api.post_raw(&accounts, "application/json", "{\"email\":")
        .await
        .assert_error(400, 400);
    api.post_raw(&accounts, "text/plain", "email=x")
        .await
        .assert_error(415, 1101);
    api.post(
        "/applications/nope/accounts",
        json!({"email": "b@example.com", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(404, 404);
    assert_eq!(tenant_accounts(&api).await, before);
}

#[tokio::test]
async fn the_default_store_must_exist_and_be_enabled() {
    let api = Api::start();
    let bare = api.post("/applications", json!({"name": "Bare"})).await;
    let body = json!({"email": "a@example.com", "password": "W4lrus-J1g"});
    api.post(&format!("{}/accounts", bare.href()), body.clone())
        .await
        .assert_error(400, 5100);
    let dir = api
        .post("/directories", json!({"name": "Off", "status": "DISABLED"}))
        .await;
    api.post(
        "/accountStoreMappings",
        json!({"application": {"href": bare.href()}, "accountStore": {"href": dir.href()}}),
    )
    .await;
    api.post(&format!("{}/accounts", bare.href()), body.clone())
        .await
        .assert_error(400, 5101);
    assert_eq!(tenant_accounts(&api).await, 1);
}

#[tokio::test]
async fn verification_makes_accounts_unverified_and_mails_them_unless_suppressed() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let dir_id = dir.rsplit('/').next().unwrap();
    let policy = api
        .post(
            &format!("/accountCreationPolicies/{dir_id}"),
            json!({"verificationEmailStatus": "ENABLED"}),
        )
        .await;
    assert_eq!(policy.body["verificationEmailStatus"], "ENABLED");
    let accounts = format!("{}/accounts", api.app());
    let mails = api.server.mails().len();
    let a = api
        .post(
            &accounts,
            json!({"email": "verify-me@example.com", "password": "W4lrus-J1g"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{:#}", a.body);
    assert_eq!(a.body["status"], "UNVERIFIED");
    assert_eq!(a.body["emailVerificationStatus"], "UNVERIFIED");
    let sent = api.server.mails();
    assert_eq!(sent.len(), mails + 1);
    assert!(
        sent.iter()
            .any(|(_, text)| text.contains("verify-me@example.com"))
    );
    // A registration cannot make itself ENABLED past the workflow; nothing is made.
    let before = tenant_accounts(&api).await;
    api.post(
        &accounts,
        json!({"email": "sneaky@example.com", "password": "W4lrus-J1g", "status": "ENABLED"}),
    )
    .await
    .assert_error(400, 2002);
    assert_eq!(tenant_accounts(&api).await, before);
    // registrationWorkflowEnabled=false: ENABLED, no mail.
    let b = api
        .post(
            &format!("{accounts}?registrationWorkflowEnabled=false"),
            json!({"email": "imported@example.com", "password": "W4lrus-J1g"}),
        )
        .await;
    assert_eq!(b.body["status"], "ENABLED");
    assert_eq!(api.server.mails().len(), mails + 1);
    api.post(
        &format!("{accounts}?registrationWorkflowEnabled=maybe"),
        json!({"email": "x@example.com", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(400, 2002);
}

#[tokio::test]
async fn accounts_created_in_a_directory_follow_its_password_policy() {
    let api = Api::start();
    let dir = api.post("/directories", json!({"name": "Strict"})).await;
    let id = dir.href().rsplit('/').next().unwrap().to_owned();
    api.post(
        &format!("/passwordPolicies/{id}/strength"),
        json!({"minLength": 12}),
    )
    .await;
    let accounts = format!("{}/accounts", dir.href());
    api.post(
        &accounts,
        json!({"email": "s@example.com", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(400, 2007);
    let made = api
        .post(
            &accounts,
            json!({"email": "s@example.com", "password": "Passw0rdOK-long", "status": "disabled"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:#}", made.body);
    assert_eq!(made.body["directory"]["href"], dir.href());
    assert_eq!(made.body["status"], "DISABLED");
    // The same email in another directory is no conflict.
    api.account("s@example.com", json!({})).await;
    let list = api.get(&accounts).await;
    assert_eq!(list.body["size"], 1);
    assert_eq!(list.body["items"][0]["email"], "s@example.com");
    api.post(
        "/directories/nope/accounts",
        json!({"email": "s@example.com", "password": "Passw0rdOK-long"}),
    )
    .await
    .assert_error(404, 404);
}

#[tokio::test]
async fn accounts_are_searched_sorted_and_paged() {
    let api = Api::start();
    for (email, given, surname) in [
        ("jo@example.com", "Jo", "Zed"),
        ("joanna@example.com", "Joanna", "Young"),
        ("mark@example.com", "Mark", "Xu"),
        ("ann@other.example", "Ann", "Wolf"),
    ] {
        api.account(email, json!({"givenName": given, "surname": surname}))
            .await;
    }
    let base = format!("{}/accounts", api.app());
    let q = |query: &str| format!("{base}?{query}");
    let exact = api.get(&q("email=JO@example.com")).await;
    assert_eq!(exact.body["size"], 1);
    assert_eq!(exact.body["items"][0]["givenName"], "Jo");
    assert_eq!(api.get(&q("givenName=jo*")).await.body["size"], 2);
    assert_eq!(api.get(&q("email=*other.example")).await.body["size"], 1);
    assert_eq!(api.get(&q("surname=*u*")).await.body["size"], 2);
    assert_eq!(api.get(&q("q=OTHER")).await.body["size"], 1);
    assert_eq!(api.get(&q("status=enabled")).await.body["size"], 4);
    assert_eq!(api.get(&q("status=disabled")).await.body["size"], 0);
    assert_eq!(
        api.get(&q("username=mark@example.com")).await.body["size"],
        1
    );
    assert_eq!(api.get(&q("createdAt=[2000-01-01,]")).await.body["size"], 4);
    assert_eq!(api.get(&q("createdAt=[,2000-01-01)")).await.body["size"], 0);
    assert_eq!(api.get(&q("modifiedAt=2000")).await.body["size"], 0);
    assert_eq!(
        api.get(&q("passwordModifiedAt=[2000-01-01,]")).await.body["size"],
        4
    );
    // Unknown query parameters are ignored.
    assert_eq!(api.get(&q("nocache=true&unknown=1")).await.body["size"], 4);
    let page = api.get(&q("orderBy=surname%20desc&offset=1&limit=2")).await;
    assert_eq!(page.body["size"], 4);
    assert_eq!(page.body["offset"], 1);
    assert_eq!(page.body["limit"], 2);
    let names: Vec<&str> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["surname"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Young", "Xu"]);
    let sorted = api.get(&q("orderBy=givenName")).await;
    assert_eq!(sorted.body["items"][0]["givenName"], "Ann");
    api.get(&q("orderBy=password"))
        .await
        .assert_error(400, 2104);
    api.get(&q("orderBy=surname%20sideways"))
        .await
        .assert_error(400, 2104);
    api.get(&q("limit=101")).await.assert_error(400, 2010);
    api.get(&q("limit=0")).await.assert_error(400, 2009);
    api.get(&q("offset=x")).await.assert_error(400, 2004);
    api.get(&q("createdAt=yesterday"))
        .await
        .assert_error(400, 2105);
    api.get(&q("expand=secrets")).await.assert_error(400, 2107);
    // The directory's and the tenant's collections (the tenant's holds the administrator).
    let dir = api
        .get(&format!("{}/accounts", api.default_directory().await))
        .await;
    assert_eq!(dir.body["size"], 4);
    let tenant = api.tenant().await;
    let all = api.get(&format!("{tenant}/accounts")).await;
    assert_eq!(all.body["size"], 5);
    assert_eq!(all.href(), format!("{tenant}/accounts"));
    api.get("/tenants/nope/accounts")
        .await
        .assert_error(404, 404);
    api.get("/applications/nope/accounts")
        .await
        .assert_error(404, 404);
    // Expansion applies to every item.
    let expanded = api.get(&q("expand=customData,directory&limit=1")).await;
    let item = &expanded.body["items"][0];
    assert!(item["customData"]["createdAt"].is_string());
    assert!(item["directory"]["name"].is_string());
}

#[tokio::test]
async fn an_account_expands_its_links() {
    let api = Api::start();
    let a = api
        .account("exp@example.com", json!({"customData": {"theme": "dark"}}))
        .await;
    let dir = api.default_directory().await;
    for name in ["g1", "g2", "g3"] {
        let g = api
            .post(&format!("{dir}/groups"), json!({"name": name}))
            .await;
        api.post(
            "/groupMemberships",
            json!({"account": {"href": a.href()}, "group": {"href": g.href()}}),
        )
        .await;
    }
    let r = api
        .get(&format!(
            "{}?expand=customData,directory,tenant,groups(offset:1,limit:1),groupMemberships",
            a.href()
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:#}", r.body);
    assert_eq!(r.body["customData"]["theme"], "dark");
    assert_eq!(
        r.body["customData"]["href"],
        format!("{}/customData", a.href())
    );
    assert_eq!(r.body["directory"]["href"], dir);
    assert!(r.body["directory"]["name"].is_string());
    assert!(r.body["tenant"]["key"].is_string());
    assert_eq!(r.body["groups"]["size"], 3);
    assert_eq!(r.body["groups"]["offset"], 1);
    assert_eq!(r.body["groups"]["limit"], 1);
    assert_eq!(r.body["groups"]["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["groupMemberships"]["size"], 3);
    assert_eq!(
        r.body["groupMemberships"]["items"][0]["account"]["href"],
        a.href()
    );
    for bad in [
        "expand=apiKeys",
        "expand=groups()",
        "expand=groups(limit:500)",
        "expand=groups(offset:x)",
        "expand=customData,,",
    ] {
        api.get(&format!("{}?{bad}", a.href()))
            .await
            .assert_error(400, 2107);
    }
    // Malformed and unknown ids.
    for path in [
        "/accounts/doesNotExist",
        "/accounts/%00%01",
        "/accounts/aaaaaaaaaaaaaaaaaaaaaa",
    ] {
        api.get(path).await.assert_error(404, 404);
    }
}

#[tokio::test]
async fn updates_change_the_fields_given_and_nothing_on_error() {
    let api = Api::start();
    let a = api
        .account(
            "kirk@example.com",
            json!({"middleName": "Tiberius", "username": "kirk"}),
        )
        .await;
    api.account("spock@example.com", json!({"username": "spock"}))
        .await;
    let href = a.href();
    let r = api
        .post(
            &href,
            json!({"givenName": "James", "middleName": null, "status": "disabled",
                   "emailVerificationStatus": "verified", "customData": {"rank": "admiral"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:#}", r.body);
    assert_eq!(r.body["givenName"], "James");
    assert!(r.body["middleName"].is_null());
    assert_eq!(r.body["fullName"], "James User");
    assert_eq!(r.body["status"], "DISABLED");
    assert_eq!(r.body["emailVerificationStatus"], "VERIFIED");
    assert_eq!(r.body["surname"], "User");
    assert_eq!(
        api.get(&format!("{href}/customData")).await.body["rank"],
        "admiral"
    );
    // Email and username.
    let r = api
        .post(
            &href,
            json!({"email": "James.Kirk@example.com", "username": "jtk"}),
        )
        .await;
    assert_eq!(r.body["email"], "James.Kirk@example.com");
    assert_eq!(r.body["username"], "jtk");
    // A password change is checked against the policy and recorded.
    let pm = r.body["passwordModifiedAt"].clone();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r = api.post(&href, json!({"password": "N3w-Passw0rd!"})).await;
    assert_eq!(r.status, StatusCode::OK, "{:#}", r.body);
    assert_ne!(r.body["passwordModifiedAt"], pm);
    let snapshot = api.get(&format!("{href}?expand=customData")).await.body;
    let refused: Vec<(Value, u16, u64)> = vec![
        (
            json!({"givenName": "X", "email": "spock@example.com"}),
            409,
            2001,
        ),
        (
            json!({"givenName": "X", "email": "SPOCK@Example.com"}),
            409,
            2001,
        ),
        (
            json!({"givenName": "X", "username": "spock@example.com"}),
            409,
            2001,
        ),
        (json!({"givenName": "X", "password": "weak"}), 400, 2007),
        (json!({"givenName": "X", "password": null}), 400, 2000),
        (json!({"givenName": "X", "email": null}), 400, 2000),
        (
            json!({"givenName": "X", "email": "not an email"}),
            400,
            2006,
        ),
        (json!({"givenName": "X", "status": "gone"}), 400, 2002),
        (
            json!({"givenName": "X", "emailVerificationStatus": "maybe"}),
            400,
            2002,
        ),
        (json!({"givenName": "X", "surname": 5}), 400, 2004),
        (
            json!({"givenName": "X", "href": format!("{href}x")}),
            400,
            2015,
        ),
        (
            json!({"givenName": "X", "createdAt": "2001-01-01T00:00:00.000Z"}),
            400,
            2015,
        ),
        (
            json!({"givenName": "X", "directory": {"href": "http://elsewhere/v1/directories/x"}}),
            400,
            2015,
        ),
        (json!({"givenName": "X", "customData": {"": 1}}), 400, 3000),
        (
            json!({"givenName": "X", "customData": long_name()}),
            400,
            3001,
        ),
        (
            json!({"givenName": "X", "customData": {"-dash": 1}}),
            400,
            3002,
        ),
        (
            json!({"givenName": "X", "customData": {"ionMeta": 1}}),
            400,
            3003,
        ),
    ];
    for (body, status, code) in refused {
        api.post(&href, body.clone())
            .await
            .assert_error(status, code);
        let now = api.get(&format!("{href}?expand=customData")).await.body;
        assert_eq!(now, snapshot, "{body}");
    }
    let message = api.post(&href, json!({"email": "spock@example.com"})).await;
    assert_eq!(
        message.body["message"],
        "Account with that email already exists.  Please choose another email."
    );
    api.post("/accounts/nope", json!({"givenName": "X"}))
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn the_sdk_save_posts_the_whole_object_back() {
    let api = Api::start();
    let a = api
        .account("save@example.com", json!({"customData": {"a": 1}}))
        .await;
    let dir = api.default_directory().await;
    let g = api
        .post(&format!("{dir}/groups"), json!({"name": "crew"}))
        .await;
    api.post(
        "/groupMemberships",
        json!({"account": {"href": a.href()}, "group": {"href": g.href()}}),
    )
    .await;
    // What the Node SDK holds after an expanded GET, changed and posted back.
    let mut whole = api
        .get(&format!(
            "{}?expand=customData,groups,directory,tenant",
            a.href()
        ))
        .await
        .body;
    whole["givenName"] = json!("Saved");
    whole["customData"]["b"] = json!({"nested": [1, 2]});
    let saved = api.post(&a.href(), whole.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{:#}", saved.body);
    assert_eq!(saved.body["givenName"], "Saved");
    let data = api.get(&format!("{}/customData", a.href())).await.body;
    assert_eq!(data["a"], 1);
    assert_eq!(data["b"]["nested"][1], 2);
    // The plain object with links, and modifiedAt/fullName out of date: fine.
    let mut plain = api.get(&a.href()).await.body;
    plain["surname"] = json!("Again");
    plain["modifiedAt"] = json!("2001-01-01T00:00:00.000Z");
    plain["fullName"] = json!("whatever");
    let saved = api.post(&a.href(), plain.clone()).await;
    assert_eq!(saved.status, StatusCode::OK, "{:#}", saved.body);
    assert_eq!(saved.body["fullName"], "Saved Again");
    // A changed read-only member: refused, nothing changed.
    let before = api.get(&a.href()).await.body;
    for (member, value) in [
        (
            "href",
            json!(format!("{}/accounts/other", api.server.api())),
        ),
        ("createdAt", json!("1999-01-01T00:00:00.000Z")),
        (
            "directory",
            json!({"href": format!("{}/directories/other", api.server.api())}),
        ),
        ("tenant", json!({"href": "http://example.com/v1/tenants/x"})),
    ] {
        let mut body = plain.clone();
        body["givenName"] = json!("Changed");
        body[member] = value;
        api.post(&a.href(), body).await.assert_error(400, 2015);
    }
    assert_eq!(api.get(&a.href()).await.body, before);
}

#[tokio::test]
async fn deleting_an_account_deletes_what_it_owns() {
    let api = Api::start();
    let a = api
        .account("gone@example.com", json!({"customData": {"x": 1}}))
        .await;
    let dir = api.default_directory().await;
    let g = api
        .post(&format!("{dir}/groups"), json!({"name": "members"}))
        .await;
    let m = api
        .post(
            "/groupMemberships",
            json!({"account": {"href": a.href()}, "group": {"href": g.href()}}),
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED);
    let deleted = api.delete(&a.href()).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert!(deleted.body.is_null());
    api.get(&a.href()).await.assert_error(404, 404);
    api.get(&m.href()).await.assert_error(404, 404);
    api.get(&format!("{}/customData", a.href()))
        .await
        .assert_error(404, 404);
    assert_eq!(
        api.get(&format!("{}/accounts", g.href())).await.body["size"],
        0
    );
    api.delete(&a.href()).await.assert_error(404, 404);
    // The caller's own account can be neither deleted nor disabled.
    let key = api.get(&format!("/apiKeys/{}", api.server.key_id)).await;
    let admin = match key.body["account"]["href"].as_str() {
        Some(href) => href.to_owned(),
        // Without the API-key resource, find the administrator by its directory.
        None => {
            let tenant = api.tenant().await;
            let admins = api.get(&format!("{tenant}/accounts?email=admin@*")).await;
            admins.body["items"][0]["href"].as_str().unwrap().to_owned()
        }
    };
    api.delete(&admin).await.assert_error(403, 4001);
    api.post(&admin, json!({"status": "DISABLED"}))
        .await
        .assert_error(403, 4002);
    assert_eq!(api.get(&admin).await.body["status"], "ENABLED");
    // `_method=DELETE` on a POST does the same.
    let b = api.account("gone2@example.com", json!({})).await;
    let r: Reply = api
        .post(&format!("{}?_method=DELETE", b.href()), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    api.get(&b.href()).await.assert_error(404, 404);
}

#[tokio::test]
async fn accounts_on_postgres() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let a = api
        .account("pg@example.com", json!({"customData": {"k": "v"}}))
        .await;
    api.post(
        &format!("{}/accounts", api.app()),
        json!({"email": "PG@example.com", "password": "W4lrus-J1g"}),
    )
    .await
    .assert_error(409, 2001);
    let found = api
        .get(&format!(
            "{}/accounts?email=pg@*&orderBy=surname%20desc&expand=customData",
            api.app()
        ))
        .await;
    assert_eq!(found.body["size"], 1, "{:#}", found.body);
    assert_eq!(found.body["items"][0]["customData"]["k"], "v");
    let r = api
        .post(
            &a.href(),
            json!({"givenName": "Pg", "email": "pg2@example.com"}),
        )
        .await;
    assert_eq!(r.body["email"], "pg2@example.com");
    let range = api
        .get(&format!("{}/accounts?createdAt=[2000-01-01,]", api.app()))
        .await;
    assert_eq!(range.body["size"], 1);
    assert_eq!(api.delete(&a.href()).await.status, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn common_breached_and_personal_passwords_are_refused_on_create_and_update() {
    let api = Api::start();
    let accounts = format!("{}/accounts", api.app());
    let before = tenant_accounts(&api).await;
    for password in ["Password1", "Qwerty123"] {
        let refused = api
            .post(
                &accounts,
                json!({"email": "common@example.com", "password": password}),
            )
            .await;
        refused.assert_error(400, 400);
        assert_eq!(
            refused.body["message"],
            "Password is too common: it is on lists of common and breached passwords."
        );
    }
    let refused = api
        .post(
            &accounts,
            json!({"email": "Grace.Hopper1@example.com", "password": "Grace.Hopper1@example.com"}),
        )
        .await;
    refused.assert_error(400, 400);
    assert_eq!(
        refused.body["message"],
        "Password is too similar to your email address."
    );
    assert_eq!(tenant_accounts(&api).await, before, "nothing was made");
    // An update is checked with the account's words as they will be.
    let made = api
        .account(
            "ada@example.com",
            json!({"givenName": "Zebulon", "surname": "Quarterfield"}),
        )
        .await;
    let href = made.href().to_owned();
    let refused = api
        .post(&href, json!({"password": "ZebulonQuarterfield1"}))
        .await;
    refused.assert_error(400, 400);
    assert_eq!(
        refused.body["message"],
        "Password is too similar to your name."
    );
    let refused = api.post(&href, json!({"password": "Password123"})).await;
    refused.assert_error(400, 400);
    let ok = api.post(&href, json!({"password": "Z3bra-Cr0ssing"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{:#}", ok.body);
}

#[tokio::test]
async fn the_blocklist_can_be_turned_off_on_the_server() {
    let api = Api::over(RestServer::start_with_env(&[(
        "STORMPATH_SERVER_NO_PASSWORD_BLOCKLIST",
        "true",
    )]));
    let made = api
        .post(
            &format!("{}/accounts", api.app()),
            json!({"email": "lax@example.com", "password": "Password1"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:#}", made.body);
}
