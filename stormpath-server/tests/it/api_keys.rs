//! Account API keys (rest-api.md §5.8, §6.10), secrets in plain text or encrypted with the
//! calling tenant key's secret.

use serde_json::json;
use sqlx::Row;
use stormpath_client::{
    AccountStatus,
    secret_crypt::{EncryptionParams, decrypt_secret},
};

use crate::auth_support::{account, account_in, other_app, store_of};
use crate::support::Api;

/// The query that asks for an encrypted secret, and the parameters to decrypt it with.
fn encryption() -> (String, EncryptionParams) {
    let salt = "AAECAwQFBgcICQoLDA0ODw";
    let query = format!(
        "encryptSecret=true&encryptionKeySize=256&encryptionKeyIterations=1024&encryptionKeySalt={salt}"
    );
    let params = EncryptionParams::from_query([
        ("encryptSecret", "true"),
        ("encryptionKeySize", "256"),
        ("encryptionKeyIterations", "1024"),
        ("encryptionKeySalt", salt),
    ])
    .unwrap()
    .unwrap();
    (query, params)
}

async fn keys_life_cycle(api: &Api) {
    let acct = account(api, "keys@example.com").await;
    // Body-less, as the SDKs send it.
    let r = api
        .http
        .post(api.url(&format!("{}/apiKeys", acct.href)))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .send()
        .await
        .unwrap();
    let created = Api::reply(r).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let href = created.href();
    assert_eq!(created.headers["location"], href.as_str());
    let id = created.body["id"].as_str().unwrap().to_owned();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(href, format!("{}/apiKeys/{id}", api.server.api()));
    assert_eq!(id.len(), 25);
    assert_eq!(secret.len(), 43);
    assert_eq!(created.body["status"], "ENABLED");
    assert_eq!(created.body["account"], json!({ "href": acct.href }));
    assert!(created.body["tenant"]["href"].is_string());

    // The plain secret on every GET.
    let got = api.get(&href).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["secret"], secret.as_str());
    let listed = api.get(&format!("{}/apiKeys", acct.href)).await;
    assert_eq!(listed.body["size"], 1);
    assert_eq!(listed.body["items"][0]["secret"], secret.as_str());
    assert_eq!(listed.body["href"], format!("{}/apiKeys", acct.href));

    // Encrypted when asked, with the calling key's secret.
    let (query, params) = encryption();
    let enc = api.get(&format!("{href}?{query}")).await;
    let sealed = enc.body["secret"].as_str().unwrap();
    assert_ne!(sealed, secret);
    assert_eq!(
        decrypt_secret(sealed, &api.server.key_secret, &params).unwrap(),
        secret
    );

    // Through the application, as the SDK's Basic authentication looks keys up.
    let found = api
        .get(&format!(
            "{}/apiKeys?id={id}&expand=account&{query}",
            api.app()
        ))
        .await;
    assert_eq!(found.status, 200, "{:#}", found.body);
    assert_eq!(found.body["size"], 1);
    let item = &found.body["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["account"]["email"], "keys@example.com");
    assert_eq!(
        decrypt_secret(
            item["secret"].as_str().unwrap(),
            &api.server.key_secret,
            &params
        )
        .unwrap(),
        secret
    );

    // Updates: status, name, description; the SDK posts the whole key back.
    let mut whole = got.body.clone();
    whole["status"] = json!("disabled");
    whole["name"] = json!("CI");
    whole["description"] = json!("the build");
    whole["secret"] = json!("ignored");
    let updated = api.post(&href, whole).await;
    assert_eq!(updated.status, 200, "{:#}", updated.body);
    assert_eq!(updated.body["status"], "DISABLED");
    assert_eq!(updated.body["name"], "CI");
    assert_eq!(updated.body["description"], "the build");
    assert_eq!(updated.body["secret"], secret.as_str());
    let cleared = api.post(&href, json!({ "description": null })).await;
    assert!(cleared.body["description"].is_null());
    assert_eq!(cleared.body["name"], "CI");

    // Deleted: gone everywhere.
    assert_eq!(api.delete(&href).await.status, 204);
    api.get(&href).await.assert_error(404, 404);
    api.delete(&href).await.assert_error(404, 404);
    let none = api.get(&format!("{}/apiKeys?id={id}", api.app())).await;
    assert_eq!(none.body["size"], 0);
}

#[tokio::test]
async fn an_account_key_from_creation_to_deletion() {
    keys_life_cycle(&Api::start()).await;
}

#[tokio::test]
async fn postgres_an_account_key_from_creation_to_deletion() {
    if let Some(api) = Api::start_postgres().await {
        keys_life_cycle(&api).await;
    }
}

#[tokio::test]
async fn secrets_are_sealed_at_rest() {
    let api = Api::start();
    let acct = account(&api, "sealed@example.com").await;
    let created = api.post(&format!("{}/apiKeys", acct.href), json!({})).await;
    let id = created.body["id"].as_str().unwrap();
    let secret = created.body["secret"].as_str().unwrap();
    let store = store_of(&api).await;
    let row = sqlx::query("SELECT secret_hash, secret_sealed FROM api_keys WHERE key_id = $1")
        .bind(id)
        .fetch_one(store.pool())
        .await
        .unwrap();
    let hash: String = row.try_get(0).unwrap();
    let sealed: Option<String> = row.try_get(1).unwrap();
    let sealed = sealed.expect("the server seals the secrets it makes");
    assert!(!sealed.contains(secret) && !hash.contains(secret));
}

#[tokio::test]
async fn bad_requests_change_nothing() {
    let api = Api::start();
    let acct = account(&api, "careful@example.com").await;
    let keys = format!("{}/apiKeys", acct.href);
    // Bad encryption parameters: refused before anything is made.
    for query in [
        "encryptSecret=yes",
        "encryptSecret=true",
        "encryptSecret=true&encryptionKeySalt=AAECAwQFBgcICQoLDA0ODw&encryptionKeySize=100",
        "encryptSecret=true&encryptionKeySalt=AAECAwQFBgcICQoLDA0ODw&encryptionKeyIterations=0",
        "encryptSecret=true&encryptionKeySalt=%21%21%21",
    ] {
        let r = api.post(&format!("{keys}?{query}"), json!({})).await;
        assert_eq!(r.status, 400, "{query}: {:#}", r.body);
        r.assert_error(400, r.body["code"].as_u64().unwrap());
    }
    for (body, code) in [
        (json!({ "status": "SLEEPING" }), 2002),
        (json!({ "name": "x".repeat(300) }), 2006),
        (json!({ "name": 5 }), 2004),
        (json!({ "description": "line\u{0}break" }), 2006),
    ] {
        api.post(&keys, body).await.assert_error(400, code);
    }
    api.post(&format!("{keys}?expand=secrets"), json!({}))
        .await
        .assert_error(400, 2107);
    assert_eq!(api.get(&keys).await.body["size"], 0, "nothing was made");
    // Unknown accounts and keys.
    api.post("/accounts/nOpEnOpEnOpEnOpEnOpE12/apiKeys", json!({}))
        .await
        .assert_error(404, 404);
    api.get("/accounts/nOpEnOpEnOpEnOpEnOpE12/apiKeys")
        .await
        .assert_error(404, 404);
    api.get("/apiKeys/NOSUCHKEY").await.assert_error(404, 404);
    api.post("/apiKeys/NOSUCHKEY", json!({ "name": "x" }))
        .await
        .assert_error(404, 404);
    // A key made with a name, description and status; then bad updates change nothing.
    let made = api
        .post(
            &format!("{keys}?expand=account,tenant"),
            json!({ "name": "deploy", "description": "the deploy bot", "status": "DISABLED" }),
        )
        .await;
    assert_eq!(made.status, 201, "{:#}", made.body);
    assert_eq!(made.body["name"], "deploy");
    assert_eq!(made.body["status"], "DISABLED");
    assert_eq!(made.body["account"]["email"], "careful@example.com");
    assert!(made.body["tenant"]["name"].is_string());
    let href = made.href();
    api.post(&href, json!({ "status": "maybe", "name": "renamed" }))
        .await
        .assert_error(400, 2002);
    assert_eq!(api.get(&href).await.body["name"], "deploy");
    api.post(&href, json!(["not", "an", "object"]))
        .await
        .assert_error(400, 400);
}

#[tokio::test]
async fn the_application_finds_only_keys_its_accounts_own() {
    let api = Api::start();
    let other = other_app(&api, "Other").await;
    let stranger = account_in(
        &api,
        &other,
        "far@example.com",
        None,
        AccountStatus::Enabled,
    )
    .await;
    let key = api
        .post(&format!("{}/apiKeys", stranger.href), json!({}))
        .await;
    let id = key.body["id"].as_str().unwrap();
    let mine = api.get(&format!("{}/apiKeys?id={id}", api.app())).await;
    assert_eq!(mine.status, 200);
    assert_eq!(mine.body["size"], 0);
    assert_eq!(mine.body["items"], json!([]));
    assert_eq!(mine.body["href"], format!("{}/apiKeys", api.app()));
    let theirs = api.get(&format!("{other}/apiKeys?id={id}")).await;
    assert_eq!(theirs.body["size"], 1);
    // The admin key is the administrators' own: no ordinary application reaches it.
    let admin = api
        .get(&format!("{}/apiKeys?id={}", api.app(), api.server.key_id))
        .await;
    assert_eq!(admin.body["size"], 0);
    // …but it reads, with its plain secret, by id (express validates tokens that way).
    let direct = api.get(&format!("/apiKeys/{}", api.server.key_id)).await;
    assert_eq!(direct.body["secret"], api.server.key_secret.as_str());
    let unknown = api
        .get(&format!("{}/apiKeys?id=NOSUCHKEY", api.app()))
        .await;
    assert_eq!(unknown.body["size"], 0);
    api.get(&format!("{}/apiKeys", api.app()))
        .await
        .assert_error(400, 2000);
    api.get("/applications/nOpEnOpEnOpEnOpEnOpE12/apiKeys?id=X")
        .await
        .assert_error(404, 404);
}

#[tokio::test]
async fn keys_defined_in_custom_data_are_given_back_too() {
    let api = Api::start();
    let r = api
        .post(
            &format!("{}/accounts", api.app()),
            json!({
                "email": "legacy@example.com",
                "password": "Sup3r-Secret!",
                "givenName": "Legacy",
                "surname": "Key",
                "customData": { "stormpathApiKey_1": "KEYID123:c2VjcmV0+/=" },
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let found = api
        .get(&format!("{}/apiKeys?id=KEYID123&expand=account", api.app()))
        .await;
    assert_eq!(found.body["size"], 1, "{:#}", found.body);
    assert_eq!(found.body["items"][0]["secret"], "c2VjcmV0+/=");
    assert_eq!(
        found.body["items"][0]["account"]["email"],
        "legacy@example.com"
    );
}
