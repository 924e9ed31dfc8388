//! Groups and group memberships (spec §5.6).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::Api;

async fn tenant_groups(api: &Api) -> i64 {
    let tenant = api.tenant().await;
    api.get(&format!("{tenant}/groups")).await.body["size"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn groups_are_created_in_a_directory_or_the_default_group_store() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let g = api
        .post(
            &format!("{dir}/groups"),
            json!({"name": "Admins", "description": "The bridge", "customData": {"deck": 1}}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{:#}", g.body);
    assert_eq!(g.headers["location"].to_str().unwrap(), g.href());
    assert!(
        g.href()
            .starts_with(&format!("{}/groups/", api.server.api()))
    );
    assert_eq!(g.body["name"], "Admins");
    assert_eq!(g.body["description"], "The bridge");
    assert_eq!(g.body["status"], "ENABLED");
    assert_eq!(g.body["directory"]["href"], dir);
    assert_eq!(g.body["tenant"]["href"], api.tenant().await);
    for link in ["customData", "accounts", "accountMemberships"] {
        assert_eq!(g.body[link]["href"], format!("{}/{link}", g.href()));
    }
    assert!(g.body["createdAt"].is_string() && g.body["modifiedAt"].is_string());
    assert_eq!(
        api.get(&format!("{}/customData", g.href())).await.body["deck"],
        1
    );
    // Through the application: its default group store.
    let h = api
        .post(
            &format!("{}/groups", api.app()),
            json!({"name": "Crew", "status": "disabled"}),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{:#}", h.body);
    assert_eq!(h.body["directory"]["href"], dir);
    assert_eq!(h.body["status"], "DISABLED");
    // Names are unique per directory, case-insensitively; other directories may reuse them.
    let before = tenant_groups(&api).await;
    let dup = api
        .post(&format!("{}/groups", api.app()), json!({"name": "admins"}))
        .await;
    dup.assert_error(409, 2001);
    assert_eq!(
        dup.body["message"],
        "There is already another Group with the same name."
    );
    for (body, status, code) in [
        (json!({}), 400, 2000),
        (json!({"name": "  "}), 400, 2000),
        (json!({"name": 5}), 400, 2004),
        (json!({"name": "X", "status": "asleep"}), 400, 2002),
        (json!({"name": "X", "href": "x"}), 400, 2015),
        (
            json!({"name": "X", "directory": {"href": dir.clone()}}),
            400,
            2015,
        ),
        (json!({"name": "X", "customData": {"meta": 1}}), 400, 3003),
    ] {
        api.post(&format!("{dir}/groups"), body.clone())
            .await
            .assert_error(status, code);
        assert_eq!(tenant_groups(&api).await, before, "{body}");
    }
    api.post(&format!("{dir}/groups?expand=nope"), json!({"name": "X"}))
        .await
        .assert_error(400, 2107);
    let other = api.post("/directories", json!({"name": "Other"})).await;
    let same = api
        .post(
            &format!("{}/groups", other.href()),
            json!({"name": "Admins"}),
        )
        .await;
    assert_eq!(same.status, StatusCode::CREATED);
    api.post("/directories/nope/groups", json!({"name": "X"}))
        .await
        .assert_error(404, 404);
    // No default group store.
    let bare = api.post("/applications", json!({"name": "Bare"})).await;
    api.post(&format!("{}/groups", bare.href()), json!({"name": "X"}))
        .await
        .assert_error(400, 5102);
}

#[tokio::test]
async fn groups_are_read_updated_listed_and_deleted() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let mut hrefs = Vec::new();
    for (name, description) in [("Alpha", "first"), ("Beta", "second"), ("Gamma", "third")] {
        let g = api
            .post(
                &format!("{dir}/groups"),
                json!({"name": name, "description": description}),
            )
            .await;
        hrefs.push(g.href());
    }
    let alpha = &hrefs[0];
    let r = api
        .post(
            alpha,
            json!({"name": "Alpha Prime", "description": null, "status": "DISABLED",
                   "customData": {"color": "red"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:#}", r.body);
    assert_eq!(r.body["name"], "Alpha Prime");
    assert!(r.body["description"].is_null());
    assert_eq!(r.body["status"], "DISABLED");
    let before = api.get(&format!("{alpha}?expand=customData")).await.body;
    assert_eq!(before["customData"]["color"], "red");
    for (body, status, code) in [
        (json!({"name": "beta", "description": "x"}), 409, 2001),
        (json!({"name": "", "description": "x"}), 400, 2000),
        (json!({"status": "nope", "description": "x"}), 400, 2002),
        (
            json!({"href": format!("{alpha}x"), "description": "x"}),
            400,
            2015,
        ),
        (
            json!({"directory": {"href": format!("{dir}x")}, "description": "x"}),
            400,
            2015,
        ),
        (
            json!({"createdAt": "2010-01-01T00:00:00.000Z", "description": "x"}),
            400,
            2015,
        ),
        (
            json!({"customData": {"a b": 1}, "description": "x"}),
            400,
            3002,
        ),
    ] {
        api.post(alpha, body.clone())
            .await
            .assert_error(status, code);
        assert_eq!(
            api.get(&format!("{alpha}?expand=customData")).await.body,
            before,
            "{body}"
        );
    }
    // The SDK's save(): the whole expanded object back.
    let mut whole = api
        .get(&format!(
            "{alpha}?expand=customData,directory,tenant,accounts"
        ))
        .await
        .body;
    assert_eq!(whole["directory"]["href"], dir);
    assert_eq!(whole["accounts"]["size"], 0);
    whole["description"] = json!("saved");
    let saved = api.post(alpha, whole).await;
    assert_eq!(saved.status, StatusCode::OK, "{:#}", saved.body);
    assert_eq!(saved.body["description"], "saved");
    // Lists: the directory's, the application's, the tenant's; search, sort, paging.
    let list = |q: &str| format!("{dir}/groups?{q}");
    assert_eq!(api.get(&list("")).await.body["size"], 3);
    assert_eq!(api.get(&list("name=BETA")).await.body["size"], 1);
    assert_eq!(api.get(&list("name=*a")).await.body["size"], 2);
    assert_eq!(api.get(&list("description=th*")).await.body["size"], 1);
    assert_eq!(api.get(&list("status=disabled")).await.body["size"], 1);
    assert_eq!(api.get(&list("q=prime")).await.body["size"], 1);
    assert_eq!(
        api.get(&list("createdAt=[2000-01-01,]")).await.body["size"],
        3
    );
    let page = api.get(&list("orderBy=name%20desc&limit=1&offset=1")).await;
    assert_eq!(page.body["size"], 3);
    assert_eq!(page.body["items"][0]["name"], "Beta");
    api.get(&list("orderBy=secret"))
        .await
        .assert_error(400, 2104);
    api.get(&list("limit=500")).await.assert_error(400, 2010);
    api.get(&list("expand=everything"))
        .await
        .assert_error(400, 2107);
    let app_groups = api.get(&format!("{}/groups?name=gamma", api.app())).await;
    assert_eq!(app_groups.body["size"], 1);
    assert_eq!(app_groups.href(), format!("{}/groups", api.app()));
    let tenant = api.tenant().await;
    assert_eq!(api.get(&format!("{tenant}/groups")).await.body["size"], 3);
    // Delete.
    assert_eq!(api.delete(alpha).await.status, StatusCode::NO_CONTENT);
    api.get(alpha).await.assert_error(404, 404);
    api.delete(alpha).await.assert_error(404, 404);
    api.get(&format!("{alpha}/customData"))
        .await
        .assert_error(404, 404);
    api.get("/groups/nope").await.assert_error(404, 404);
    api.post("/groups/nope", json!({"name": "x"}))
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn memberships_join_accounts_and_groups_of_one_directory() {
    let api = Api::start();
    let dir = api.default_directory().await;
    let a = api.account("member@example.com", json!({})).await;
    let g = api
        .post(&format!("{dir}/groups"), json!({"name": "Officers"}))
        .await;
    let g2 = api
        .post(&format!("{dir}/groups"), json!({"name": "Pilots"}))
        .await;
    let link = |a: &str, g: &str| json!({"account": {"href": a}, "group": {"href": g}});
    let m = api
        .post("/groupMemberships", link(&a.href(), &g.href()))
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:#}", m.body);
    assert_eq!(m.headers["location"].to_str().unwrap(), m.href());
    assert!(
        m.href()
            .starts_with(&format!("{}/groupMemberships/", api.server.api()))
    );
    assert_eq!(m.body["account"]["href"], a.href());
    assert_eq!(m.body["group"]["href"], g.href());
    api.post(
        "/groupMemberships?expand=account,group",
        link(&a.href(), &g2.href()),
    )
    .await;
    let read = api.get(&format!("{}?expand=account,group", m.href())).await;
    assert_eq!(read.body["account"]["email"], "member@example.com");
    assert_eq!(read.body["group"]["name"], "Officers");
    // Bad memberships change nothing.
    let other_dir = api.post("/directories", json!({"name": "Elsewhere"})).await;
    let outsider = api
        .post(
            &format!("{}/groups", other_dir.href()),
            json!({"name": "Outside"}),
        )
        .await;
    let foreign = "http://evil.example/v1/accounts/aaaaaaaaaaaaaaaaaaaaaa";
    let missing = format!("{}/accounts/aaaaaaaaaaaaaaaaaaaaaa", api.server.api());
    let cases: Vec<(Value, u16, u64)> = vec![
        (link(&a.href(), &g.href()), 409, 2001),
        (link(&a.href(), &outsider.href()), 400, 2002),
        (link(foreign, &g.href()), 400, 2002),
        (link(&missing, &g.href()), 400, 2014),
        (link(&a.href(), &format!("{}x/y", g.href())), 400, 2002),
        (link(&a.href(), &a.href()), 400, 2002),
        (json!({"account": {"href": a.href()}}), 400, 2000),
        (json!({"group": {"href": g.href()}}), 400, 2000),
        (
            json!({"account": "x", "group": {"href": g.href()}}),
            400,
            2002,
        ),
        (
            json!({"account": {"nohref": 1}, "group": {"href": g.href()}}),
            400,
            2002,
        ),
    ];
    for (body, status, code) in cases {
        api.post("/groupMemberships", body.clone())
            .await
            .assert_error(status, code);
    }
    api.post(
        "/groupMemberships?expand=tenant",
        link(&a.href(), &g.href()),
    )
    .await
    .assert_error(400, 2107);
    // The four lists.
    let groups = api.get(&format!("{}/groups?orderBy=name", a.href())).await;
    assert_eq!(groups.body["size"], 2);
    assert_eq!(groups.body["items"][0]["name"], "Officers");
    assert_eq!(
        api.get(&format!("{}/groups?name=pil*", a.href()))
            .await
            .body["size"],
        1
    );
    let memberships = api
        .get(&format!("{}/groupMemberships?expand=group", a.href()))
        .await;
    assert_eq!(memberships.body["size"], 2);
    assert!(memberships.body["items"][0]["group"]["name"].is_string());
    let members = api
        .get(&format!("{}/accounts?email=member*", g.href()))
        .await;
    assert_eq!(members.body["size"], 1);
    assert_eq!(members.body["items"][0]["href"], a.href());
    let account_memberships = api
        .get(&format!("{}/accountMemberships?expand=account", g.href()))
        .await;
    assert_eq!(account_memberships.body["size"], 1);
    assert_eq!(
        account_memberships.body["items"][0]["account"]["email"],
        "member@example.com"
    );
    let expanded = api
        .get(&format!("{}?expand=accounts(offset:0,limit:1)", g.href()))
        .await;
    assert_eq!(expanded.body["accounts"]["size"], 1);
    // End a membership; then delete a group with members.
    assert_eq!(api.delete(&m.href()).await.status, StatusCode::NO_CONTENT);
    api.get(&m.href()).await.assert_error(404, 404);
    api.delete(&m.href()).await.assert_error(404, 404);
    assert_eq!(
        api.get(&format!("{}/groups", a.href())).await.body["size"],
        1
    );
    assert_eq!(api.delete(&g2.href()).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        api.get(&format!("{}/groupMemberships", a.href()))
            .await
            .body["size"],
        0
    );
    api.get("/groupMemberships/nope")
        .await
        .assert_error(404, 404);
    api.get("/accounts/nope/groups")
        .await
        .assert_error(404, 404);
    api.get("/groups/nope/accountMemberships")
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn groups_on_postgres() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let dir = api.default_directory().await;
    let a = api.account("pg-member@example.com", json!({})).await;
    let g = api
        .post(
            &format!("{}/groups", api.app()),
            json!({"name": "PG Group"}),
        )
        .await;
    assert_eq!(g.status, StatusCode::CREATED, "{:#}", g.body);
    api.post(&format!("{dir}/groups"), json!({"name": "pg group"}))
        .await
        .assert_error(409, 2001);
    let m = api
        .post(
            "/groupMemberships",
            json!({"account": {"href": a.href()}, "group": {"href": g.href()}}),
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:#}", m.body);
    api.post(
        "/groupMemberships",
        json!({"account": {"href": a.href()}, "group": {"href": g.href()}}),
    )
    .await
    .assert_error(409, 2001);
    let groups = api
        .get(&format!("{}/groups?name=pg*&orderBy=name%20desc", a.href()))
        .await;
    assert_eq!(groups.body["size"], 1, "{:#}", groups.body);
    assert_eq!(api.delete(&g.href()).await.status, StatusCode::NO_CONTENT);
    api.get(&m.href()).await.assert_error(404, 404);
}
