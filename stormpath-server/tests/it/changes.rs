//! The changes feed, our extension (`GET {app}/changes`): a reset first, then a cursor that
//! continues; a long poll that returns on a change; bad parameters; tenant keys only; on
//! PostgreSQL, the writes of another server process.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{Api, Reply};

async fn changes(api: &Api, query: &str) -> Reply {
    api.get(&format!("{}/changes{query}", api.app())).await
}

fn cursor(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    reply.body["cursor"].as_str().unwrap().to_owned()
}

fn account_hrefs(reply: &Reply) -> Vec<String> {
    reply.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["href"].as_str().unwrap().to_owned())
        .collect()
}

/// An access token of the account through the password grant: (its resource href, its id).
async fn access_token(api: &Api, email: &str) -> (String, String) {
    let res = api
        .http
        .post(format!("{}/oauth/token", api.app()))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .form(&[
            ("grant_type", "password"),
            ("username", email),
            ("password", "W4lrus-J1g"),
        ])
        .send()
        .await
        .unwrap();
    let reply = Api::reply(res).await;
    assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
    let href = reply.body["stormpath_access_token_href"]
        .as_str()
        .unwrap()
        .to_owned();
    let jti = href.rsplit('/').next().unwrap().to_owned();
    (href, jti)
}

#[tokio::test]
async fn a_first_call_resets_and_the_cursor_continues() {
    let api = Api::start();
    let acct = api.account("feed@example.com", json!({})).await;
    let (token_href, jti) = access_token(&api, "feed@example.com").await;

    let first = changes(&api, "").await;
    let start = cursor(&first);
    assert_eq!(first.body["href"], format!("{}/changes", api.app()));
    assert_eq!(first.body["reset"], true);
    assert_eq!(first.body["accounts"], json!([]));

    // A revoked token and a disabled account are in the next answer.
    assert_eq!(api.delete(&token_href).await.status, StatusCode::NO_CONTENT);
    let disabled = api.post(&acct.href(), json!({"status": "DISABLED"})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{:#}", disabled.body);
    let next = changes(&api, &format!("?after={start}")).await;
    let after_next = cursor(&next);
    assert_eq!(next.body["reset"], false, "{:#}", next.body);
    assert!(
        account_hrefs(&next).contains(&acct.href()),
        "{:#}",
        next.body
    );
    let revoked = next.body["revokedTokens"].as_array().unwrap();
    let entry = revoked
        .iter()
        .find(|t| t["id"] == jti.as_str())
        .unwrap_or_else(|| panic!("{jti} not revoked: {:#}", next.body));
    assert!(entry["expiresAt"].as_str().unwrap().ends_with('Z'));
    assert_ne!(after_next, start);

    // Nothing new: the same cursor, nothing listed.
    let idle = changes(&api, &format!("?after={after_next}")).await;
    assert_eq!(cursor(&idle), after_next);
    assert_eq!(idle.body["accounts"], json!([]));
    assert_eq!(idle.body["revokedTokens"], json!([]));

    // A reset lists every token revoked now.
    let reset = changes(&api, "").await;
    assert_eq!(reset.body["reset"], true);
    let listed = reset.body["revokedTokens"].as_array().unwrap();
    assert!(
        listed.iter().any(|t| t["id"] == jti.as_str()),
        "{:#}",
        reset.body
    );
}

#[tokio::test]
async fn a_long_poll_returns_on_a_change() {
    let api = Api::start();
    let acct = api.account("poll@example.com", json!({})).await;
    let start = cursor(&changes(&api, "").await);
    let query = format!("?after={start}&wait=25000");
    let poll = changes(&api, &query);
    let change = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        api.post(&acct.href(), json!({"status": "DISABLED"})).await
    };
    let (polled, changed) = tokio::join!(poll, change);
    assert_eq!(changed.status, StatusCode::OK);
    // Had the poll waited its 25 s, it would list nothing.
    assert!(
        account_hrefs(&polled).contains(&acct.href()),
        "{:#}",
        polled.body
    );
    assert_eq!(polled.body["reset"], false);
}

#[tokio::test]
async fn a_cursor_of_another_epoch_resets() {
    let api = Api::start();
    for bogus in ["someotherepoch.3", "x.0"] {
        let reply = changes(&api, &format!("?after={bogus}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{:#}", reply.body);
        assert_eq!(reply.body["reset"], true, "{bogus}");
        assert!(reply.body["revokedTokens"].is_array());
    }
    // A cursor ahead of the log resets too.
    let start = cursor(&changes(&api, "").await);
    let (epoch, _) = start.split_once('.').unwrap();
    let ahead = changes(&api, &format!("?after={epoch}.999")).await;
    assert_eq!(ahead.body["reset"], true);
}

#[tokio::test]
async fn bad_parameters_are_400_and_callers_need_a_tenant_key() {
    let api = Api::start();
    for (query, code) in [
        ("?after=nodot", 2002),
        ("?after=a.b", 2002),
        ("?after=a-b.1", 2002),
        ("?wait=soon", 2004),
        ("?wait=-1", 2004),
        ("?wait=25001", 2010),
    ] {
        changes(&api, query).await.assert_error(400, code);
    }
    let res = api
        .http
        .get(format!("{}/changes", api.app()))
        .send()
        .await
        .unwrap();
    Api::reply(res).await.assert_error(401, 401);
    let res = api
        .http
        .get(format!("{}/changes", api.app()))
        .basic_auth(&api.server.key_id, Some("not-the-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    api.get("/applications/nosuchapp/changes")
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn postgres_another_processes_writes_are_in_the_feed() {
    let Some(api) = Api::start_postgres().await else {
        return;
    };
    let acct = api.account("pgfeed@example.com", json!({})).await;
    let id = acct.href().rsplit('/').next().unwrap().to_owned();
    let start = cursor(&changes(&api, "").await);
    let other = api.server.another_process();
    let disabled = api
        .http
        .post(format!("{}/accounts/{id}", other.api()))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .json(&json!({"status": "DISABLED"}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::OK);
    // The other process's write reaches this one over NOTIFY: poll until it is listed.
    let mut after = start;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let reply = changes(&api, &format!("?after={after}&wait=2000")).await;
        if account_hrefs(&reply).contains(&acct.href()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never listed");
        after = cursor(&reply);
    }
}
