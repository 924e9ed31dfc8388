//! The test app: the library's routes plus a few protected ones, served on a free port.

#![allow(dead_code, unreachable_pub)]

use std::net::TcpListener;

use actix_web::{App, HttpResponse, HttpServer, Responder, get, web::ServiceConfig};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{
    Client, Response,
    header::{HeaderMap, SET_COOKIE},
    redirect::Policy,
};
use serde_json::{Value, json};
use stormpath::{CurrentUser, Stormpath, StormpathBuilder};
use stormpath_testkit::{SmtpSink, rest_server::RestServer};
use tempfile::TempDir;

pub const SECRET: &str = "test-secret-key-that-is-long-enough-0123456789";
pub const PASSWORD: &str = "Sup3rSecret!";
pub const JSON: &str = "application/json";
pub const HTML: &str = "text/html";

#[get("/")]
async fn home() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html")
        .body("<!DOCTYPE html><title>home</title>")
}

#[get("/dashboard")]
#[stormpath::login_required]
async fn dashboard(user: CurrentUser) -> impl Responder {
    format!("Hello {}", user.email)
}

#[get("/plain")]
#[stormpath::login_required]
async fn plain() -> &'static str {
    "members only"
}

#[get("/maybe")]
async fn maybe(user: Option<CurrentUser>) -> String {
    user.map_or_else(|| "anonymous".into(), |u| u.email.clone())
}

#[get("/admin")]
#[stormpath::groups_required("admins")]
async fn admin(user: CurrentUser) -> String {
    format!("admin {}", user.email)
}

#[get("/staff")]
#[stormpath::groups_required("admins", "editors")]
async fn staff() -> &'static str {
    "staff"
}

#[get("/both")]
#[stormpath::groups_required("admins", "editors", all = true)]
async fn both() -> &'static str {
    "both"
}

/// A running app and a client with a cookie jar that does not follow redirects.
pub struct TestApp {
    pub base: String,
    pub client: Client,
    pub sp: Stormpath,
    pub dir: TempDir,
    /// The SMTP server the app mails through.
    pub smtp: SmtpSink,
    /// In the remote mode, the `stormpath-server` the app's accounts live on.
    pub server: Option<RestServer>,
}

/// Whether this suite runs on the remote back end (a real `stormpath-server` process) instead
/// of the embedded store: the same tests, two modes (`tests/it` and `tests/remote`).
pub fn remote() -> bool {
    crate::mode::REMOTE
}

/// Changes a policy (`passwordPolicy`, `accountCreationPolicy`) of the server application's
/// default directory.
pub async fn set_directory_policy(server: &RestServer, policy: &str, change: Value) {
    let http = Client::new();
    let get = |href: String| {
        let req = http
            .get(href)
            .basic_auth(&server.key_id, Some(&server.key_secret));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let app = get(server.application_href.clone()).await;
    let mapping = get(app["defaultAccountStoreMapping"]["href"]
        .as_str()
        .unwrap()
        .to_owned())
    .await;
    let directory = get(mapping["accountStore"]["href"].as_str().unwrap().to_owned()).await;
    let res = http
        .post(directory[policy]["href"].as_str().unwrap())
        .basic_auth(&server.key_id, Some(&server.key_secret))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{policy}: {}", res.status());
}

/// Starts a `stormpath-server` whose mails go to `smtp` and whose emailed links point at the
/// app on `web_base` (the directory's reset and verification templates).
pub async fn start_server(smtp: &SmtpSink, web_base: &str) -> RestServer {
    let server = RestServer::start_with_env(&[("STORMPATH_SERVER_SMTP_URL", &smtp.url())]);
    let http = Client::new();
    let get = |href: String| {
        let req = http
            .get(href)
            .basic_auth(&server.key_id, Some(&server.key_secret));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let app = get(server.application_href.clone()).await;
    let mapping = get(app["defaultAccountStoreMapping"]["href"]
        .as_str()
        .unwrap()
        .to_owned())
    .await;
    let directory = get(format!(
        "{}?expand=passwordPolicy,accountCreationPolicy",
        mapping["accountStore"]["href"].as_str().unwrap()
    ))
    .await;
    for (policy, templates, page) in [
        ("passwordPolicy", "resetEmailTemplates", "/change"),
        (
            "accountCreationPolicy",
            "verificationEmailTemplates",
            "/verify",
        ),
    ] {
        let list = get(directory[policy][templates]["href"]
            .as_str()
            .unwrap()
            .to_owned())
        .await;
        let template = list["items"][0]["href"].as_str().unwrap().to_owned();
        let res = http
            .post(template)
            .basic_auth(&server.key_id, Some(&server.key_secret))
            .json(&json!({"defaultModel": {"linkBaseUrl": format!("{web_base}{page}")}}))
            .send()
            .await
            .unwrap();
        assert!(
            res.status().is_success(),
            "setting linkBaseUrl: {}",
            res.status()
        );
    }
    server
}

/// A builder for tests: no ambient env or files, fast hashing, a temp SQLite file.
pub fn builder(dir: &TempDir) -> StormpathBuilder {
    let db = dir.path().join("stormpath.db");
    Stormpath::builder()
        .from_env(false)
        .from_files(false)
        .secret_key(SECRET)
        .application("Test App")
        .database_url(format!("sqlite://{}", db.display()))
        .insecure_fast_hashing()
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|b| b).await
    }

    /// Serves an app whose mail goes to a fresh SMTP sink and whose public base URL is its
    /// own address.
    pub async fn spawn_with(configure: impl FnOnce(StormpathBuilder) -> StormpathBuilder) -> Self {
        Self::spawn_with_routes(configure, |_| {}).await
    }

    /// The same, with more routes of the test's own.
    pub async fn spawn_with_routes(
        configure: impl FnOnce(StormpathBuilder) -> StormpathBuilder,
        routes: fn(&mut ServiceConfig),
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let smtp = SmtpSink::start();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!(
            "http://127.0.0.1:{}",
            listener.local_addr().expect("addr").port()
        );
        let (smtp_url, web_base) = (smtp.url(), base.clone());
        let rest = if remote() {
            Some(start_server(&smtp, &base).await)
        } else {
            None
        };
        let remote_settings = rest.as_ref().map(|s| {
            (
                s.api(),
                s.key_id.clone(),
                s.key_secret.clone(),
                s.application_href.clone(),
            )
        });
        let builder = builder(&dir).config(move |c| {
            c.mail.smtp_url = Some(stormpath::config::Secret(smtp_url));
            // The conformance kit's convention (spec §4.3), as `examples/conformance` sets it;
            // a test of the default turns it off again.
            c.security.api_keys.from_custom_data = true;
            c.web.base_url = web_base;
            if let Some((api, id, secret, app)) = remote_settings {
                c.client.base_url = Some(api);
                c.client.api_key.id = Some(id);
                c.client.api_key.secret = Some(stormpath::config::Secret(secret));
                c.application.href = Some(app);
            }
        });
        let sp = configure(builder).build().await.expect("stormpath builds");
        if let Some(server) = &rest
            && sp.config().web.verify_email.enabled == Some(true)
        {
            // The server's directory decides whether new accounts must verify their email,
            // as the operator would set it for an app that verifies.
            set_directory_policy(
                server,
                "accountCreationPolicy",
                json!({"verificationEmailStatus": "ENABLED"}),
            )
            .await;
        }
        let app_sp = sp.clone();
        let server = HttpServer::new(move || {
            App::new()
                .configure(app_sp.configure())
                .service(home)
                .service(dashboard)
                .service(plain)
                .service(maybe)
                .service(admin)
                .service(staff)
                .service(both)
                .configure(routes)
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self {
            base,
            client: client(),
            sp,
            dir,
            smtp,
            server: rest,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A new client with an empty cookie jar.
    pub fn fresh_client(&self) -> Client {
        client()
    }

    pub async fn get(&self, path: &str, accept: &str) -> Response {
        self.client
            .get(self.url(path))
            .header("Accept", accept)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .header("Accept", JSON)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Registers an account through the JSON API.
    pub async fn register(&self, email: &str) -> Value {
        let res = self
            .fresh_client()
            .post(self.url("/register"))
            .header("Accept", JSON)
            .json(&json!({"email": email, "password": PASSWORD, "givenName": "Test", "surname": "User"}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "registration of {email} failed");
        res.json().await.expect("json")
    }

    /// Registers and logs in through the JSON API, keeping the cookies in `self.client`.
    pub async fn login(&self, email: &str) -> Response {
        self.register(email).await;
        let res = self
            .post_json("/login", &json!({"login": email, "password": PASSWORD}))
            .await;
        assert_eq!(res.status(), 200);
        res
    }

    /// GETs an HTML page and returns (CSRF token, page).
    pub async fn form_page(&self, path: &str) -> (String, String) {
        let page = self.get(path, HTML).await.text().await.expect("text");
        (csrf_token(&page), page)
    }

    /// POSTs an HTML form with the CSRF token scraped from `page_path`.
    pub async fn post_form(
        &self,
        page_path: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let (token, _) = self.form_page(page_path).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("_csrf", &token));
        self.client
            .post(self.url(path))
            .header("Accept", HTML)
            .form(&form)
            .send()
            .await
            .expect("request")
    }
}

fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .expect("client")
}

/// The `_csrf` hidden input's value.
pub fn csrf_token(page: &str) -> String {
    let at = page.find("name=\"_csrf\"").expect("page has a _csrf input");
    let rest = &page[at..];
    let start = rest.find("value=\"").expect("value") + 7;
    rest[start..start + rest[start..].find('"').expect("end")].to_owned()
}

/// Every `Set-Cookie` for `name` in a response.
pub fn set_cookies<'a>(headers: &'a HeaderMap, name: &str) -> Vec<&'a str> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.starts_with(&format!("{name}=")))
        .collect()
}

/// The value of a `Set-Cookie` line.
pub fn cookie_value(line: &str) -> &str {
    let first = line.split(';').next().unwrap_or_default();
    first.split_once('=').map(|(_, v)| v).unwrap_or_default()
}

/// The decoded claims of a JWT (no verification).
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).expect("three segments");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64")).expect("json")
}

/// A JWT header.
pub fn header(jwt: &str) -> Value {
    let h = jwt.split('.').next().expect("segment");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).expect("base64")).expect("json")
}

/// A unique email for a test.
pub fn email(tag: &str) -> String {
    format!("{tag}-{}@example.com", rand_suffix())
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{}{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Asserts a JSON error body is exactly `{status, message}` with that status.
pub async fn assert_json_error(res: Response, status: u16, message_part: &str) {
    assert_eq!(res.status(), status);
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(ct.starts_with(JSON), "content-type {ct}");
    let body: Value = res.json().await.expect("json body");
    let obj = body.as_object().expect("object");
    assert_eq!(obj.len(), 2, "exactly status and message: {body}");
    assert_eq!(obj["status"], status);
    let message = obj["message"].as_str().expect("message");
    assert!(
        message.contains(message_part),
        "message {message:?} lacks {message_part:?}"
    );
}

/// The first `href` containing `sptoken` in a received message's HTML (the link the user
/// clicks), or panics.
pub fn mailed_link(data: &str) -> String {
    let unfolded = data.replace("=\r\n", "").replace("=3D", "=");
    let at = unfolded.find("href=\"").expect("a link") + 6;
    let rest = &unfolded[at..];
    let link = &rest[..rest.find('"').expect("end of link")];
    assert!(link.contains("sptoken="), "{link}");
    link.to_owned()
}

/// The token at the end of a mailed link.
pub fn token_of(link: &str) -> String {
    link.rsplit_once("sptoken=").expect("sptoken").1.to_owned()
}

/// Waits for the `n`th message (1-based) and returns it.
pub async fn nth_mail(app: &TestApp, n: usize) -> stormpath_testkit::Received {
    let messages = app
        .smtp
        .wait_for_async(n, std::time::Duration::from_secs(5))
        .await;
    assert!(
        messages.len() >= n,
        "expected {n} messages, got {}",
        messages.len()
    );
    messages[n - 1].clone()
}

/// Disables the account with this email through the backend.
pub async fn disable(app: &TestApp, email: &str) {
    let backend = app.sp.backend();
    let account = backend.account_by_email(email).await.unwrap().unwrap();
    let mut update = stormpath_client::AccountUpdate::default();
    update.status = Some(stormpath::AccountStatus::Disabled);
    backend.update_account(&account.id, update).await.unwrap();
}

/// POSTs `/forgot` as JSON for `email` from a fresh client.
pub async fn forgot_json(app: &TestApp, email: &str) -> reqwest::Response {
    app.fresh_client()
        .post(app.url("/forgot"))
        .header("Accept", JSON)
        .json(&json!({ "email": email }))
        .send()
        .await
        .unwrap()
}

/// Requests a reset for a new account and returns (email, token).
pub async fn mailed_token(app: &TestApp, tag: &str) -> (String, String) {
    let email = email(tag);
    app.register(&email).await;
    let before = app.smtp.messages().len();
    assert_eq!(forgot_json(app, &email).await.status(), 200);
    let message = nth_mail(app, before + 1).await;
    (email, token_of(&mailed_link(&message.data)))
}
