//! What the authentication suites share: accounts made through the store itself (the same
//! database and sealing key as the server under test), form posts, and HS256 JWTs minted and
//! checked independently of the server's code.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use stormpath_client::{Account, AccountStatus, AccountUpdate, NewAccount, prelude::*};
use stormpath_server::Settings;
use stormpath_store::Store;

use crate::support::{Api, Reply};

pub(crate) const PASSWORD: &str = "Sup3r:Secret!";

/// The server's store, opened from the test (the server keeps no cache, so what is written
/// here is what it reads).
pub(crate) async fn store_of(api: &Api) -> Store {
    let dir = api.server.dir.path();
    let key = if api.server.database_url.starts_with("sqlite") {
        dir.join("stormpath.db.key")
    } else {
        dir.join("stormpath-server.key")
    };
    let settings = Settings {
        database_url: api.server.database_url.clone(),
        base_url: api.server.base_url.clone(),
        key_file: Some(key),
        key: None,
        smtp_url: None,
        mail_dir: Some(dir.join("mail")),
        weak_hashing: true,
        ..Settings::default()
    };
    stormpath_server::open_store(&settings).await.unwrap()
}

/// The last segment of an href.
pub(crate) fn id_of(href: &str) -> &str {
    href.rsplit('/').next().unwrap()
}

/// Creates an account in the default store of the application `app_href`.
pub(crate) async fn account_in(
    api: &Api,
    app_href: &str,
    email: &str,
    username: Option<&str>,
    status: AccountStatus,
) -> Account {
    let store = store_of(api).await;
    let scoped = store
        .for_application(id_of(app_href), "fixture", &[7u8; 32])
        .await
        .unwrap();
    scoped
        .create_account(NewAccount {
            email: email.into(),
            username: username.map(str::to_owned),
            password: PASSWORD.into(),
            given_name: Some("Ada".into()),
            surname: Some("Lovelace".into()),
            status: Some(status),
            ..NewAccount::default()
        })
        .await
        .unwrap()
}

/// Sets an account's status through the store (disabling revokes its tokens).
pub(crate) async fn set_status(store: &Store, account: &Account, status: AccountStatus) {
    let mut update = AccountUpdate::default();
    update.status = Some(status);
    store.update_account(&account.id, update).await.unwrap();
}

/// An ENABLED account in the application `init` made.
pub(crate) async fn account(api: &Api, email: &str) -> Account {
    account_in(api, &api.app(), email, None, AccountStatus::Enabled).await
}

/// A second application with its own directory (not mapped to the first).
pub(crate) async fn other_app(api: &Api, name: &str) -> String {
    let r = api
        .post(
            "/applications?createDirectory=true",
            json!({ "name": name }),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    r.href()
}

/// The default directory of an application.
pub(crate) async fn directory_of(api: &Api, app_href: &str) -> String {
    let app = api.get(app_href).await;
    let mapping = api
        .get(
            app.body["defaultAccountStoreMapping"]["href"]
                .as_str()
                .unwrap(),
        )
        .await;
    mapping.body["accountStore"]["href"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `base64(login:password)`.
pub(crate) fn basic_value(login: &str, password: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{login}:{password}"))
}

/// POSTs a form (the token endpoint) as the admin key.
pub(crate) async fn post_form(api: &Api, path: &str, pairs: &[(&str, &str)]) -> Reply {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let req = api
        .http
        .request(Method::POST, api.url(path))
        .basic_auth(&api.server.key_id, Some(&api.server.key_secret))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body);
    Api::reply(req.send().await.unwrap()).await
}

/// An HS256 JWS of `header` and `claims`, signed with `secret`.
pub(crate) fn mint(header: &Value, claims: &Value, secret: &str) -> String {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(signing_input.as_bytes());
    let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{signing_input}.{sig}")
}

/// The header and claims of a JWS whose HS256 signature verifies with `secret` (panics
/// otherwise).
pub(crate) fn verified(token: &str, secret: &str) -> (Value, Value) {
    let mut parts = token.split('.');
    let (h, c, s) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{h}.{c}").as_bytes());
    mac.verify_slice(&URL_SAFE_NO_PAD.decode(s).unwrap())
        .expect("the signature verifies with the admin key's secret");
    let decode =
        |p: &str| serde_json::from_slice::<Value>(&URL_SAFE_NO_PAD.decode(p).unwrap()).unwrap();
    (decode(h), decode(c))
}

/// Now, in seconds.
pub(crate) fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The claims of an express-stormpath `stormpath_token` for `sub` and `iss` (`iat` a float).
pub(crate) fn stormpath_claims(api: &Api, sub: &str, iss: &str) -> Value {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    json!({
        "sub": sub,
        "iss": iss,
        "aud": api.server.key_id,
        "status": "AUTHENTICATED",
        "iat": now_ms as f64 / 1000.0,
        "exp": now() + 60,
        "jti": uuid::Uuid::new_v4().to_string(),
    })
}

/// The mails dropped so far whose text contains `needle`.
pub(crate) fn mails_with(api: &Api, needle: &str) -> Vec<String> {
    api.server
        .mails()
        .into_iter()
        .map(|(_, text)| text)
        .filter(|text| text.contains(needle))
        .collect()
}

/// The `sptoken` of the first link in a mail.
pub(crate) fn sptoken(mail: &str) -> String {
    let at = mail.find("sptoken=").expect("a link with an sptoken") + "sptoken=".len();
    mail[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}
