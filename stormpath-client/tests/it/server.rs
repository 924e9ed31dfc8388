//! A tiny HTTP/1.1 server on raw TCP (127.0.0.1, a free port) that answers the Stormpath
//! calls a remote back end makes while it is built, and then behaves as a test tells it to:
//! well, down, slow, or with garbage. Not a Stormpath server: just enough protocol to put the
//! back end's transport and error handling under faults.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};

/// How the server answers a request.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A status with a JSON body (and extra headers).
    Json(u16, Value, Vec<(String, String)>),
    /// A raw HTTP response, bytes as given.
    Raw(Vec<u8>),
    /// Accept the request and never answer.
    Hang,
    /// Close the connection without a word.
    Close,
}

/// What the test decides for each request: `None` falls through to the built-in routes.
type Rule = Box<dyn Fn(&Request) -> Option<Answer> + Send + Sync>;

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The path and query as sent.
    pub target: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

pub struct FakeServer {
    pub base: String,
    /// Every request received, in order.
    pub log: Arc<Mutex<Vec<Request>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    pub hits: Arc<AtomicUsize>,
}

pub const KEY_ID: &str = "TENANTKEYID0000000000000";
pub const KEY_SECRET: &str = "tenant-secret-0123456789-0123456789-0123456";

impl FakeServer {
    /// Starts the server; it lives as long as the test's runtime.
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}/v1", listener.local_addr().unwrap());
        let log = Arc::new(Mutex::new(Vec::new()));
        let rule: Arc<Mutex<Option<Rule>>> = Arc::new(Mutex::new(None));
        let hits = Arc::new(AtomicUsize::new(0));
        let server = Self {
            base: base.clone(),
            log: Arc::clone(&log),
            rule: Arc::clone(&rule),
            hits: Arc::clone(&hits),
        };
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (base, log, rule, hits) = (
                    base.clone(),
                    Arc::clone(&log),
                    Arc::clone(&rule),
                    Arc::clone(&hits),
                );
                tokio::spawn(async move { serve(stream, base, log, rule, hits).await });
            }
        });
        server
    }

    /// Answers every request the rule returns `Some` for as it says.
    pub fn set_rule(&self, rule: impl Fn(&Request) -> Option<Answer> + Send + Sync + 'static) {
        *self.rule.lock().unwrap() = Some(Box::new(rule));
    }

    pub fn app_href(&self) -> String {
        format!("{}/applications/app1", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn reset_log(&self) {
        self.log.lock().unwrap().clear();
        self.hits.store(0, Ordering::SeqCst);
    }
}

async fn serve(
    mut stream: TcpStream,
    base: String,
    log: Arc<Mutex<Vec<Request>>>,
    rule: Arc<Mutex<Option<Rule>>>,
    hits: Arc<AtomicUsize>,
) {
    // One request per connection at a time; keep-alive until the client closes.
    loop {
        let Some(request) = read_request(&mut stream).await else {
            return;
        };
        hits.fetch_add(1, Ordering::SeqCst);
        log.lock().unwrap().push(request.clone());
        let answer = rule
            .lock()
            .unwrap()
            .as_ref()
            .and_then(|rule| rule(&request))
            .unwrap_or_else(|| route(&base, &request));
        let bytes = match answer {
            Answer::Json(status, body, headers) => response(status, &body, &headers),
            Answer::Raw(bytes) => bytes,
            Answer::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return;
            }
            Answer::Close => return,
        };
        if stream.write_all(&bytes).await.is_err() {
            return;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

fn response(status: u16, body: &Value, headers: &[(String, String)]) -> Vec<u8> {
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    out.into_bytes()
}

/// A secret as the server sends it to a request that asked for `encryptSecret` (sealed with
/// the tenant key secret), or in plain text to one that did not.
pub fn sealed(secret: &str, request: &Request) -> String {
    use stormpath_client::secret_crypt::{EncryptionParams, encrypt_secret};
    let query = request.target.split_once('?').map_or("", |(_, q)| q);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let params =
        EncryptionParams::from_query(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))).unwrap();
    match params {
        Some(params) => encrypt_secret(secret, KEY_SECRET, &params).unwrap(),
        None => secret.to_owned(),
    }
}

pub fn ok(body: Value) -> Answer {
    Answer::Json(200, body, Vec::new())
}

pub fn error(status: u16, code: u32, message: &str) -> Answer {
    Answer::Json(
        status,
        json!({"status": status, "code": code, "message": message, "developerMessage": message,
               "moreInfo": format!("http://docs.stormpath.com/errors/{code}")}),
        Vec::new(),
    )
}

pub fn account_json(base: &str, id: &str, email: &str) -> Value {
    json!({
        "href": format!("{base}/accounts/{id}"), "username": email, "email": email,
        "givenName": "Ada", "middleName": null, "surname": "Lovelace", "fullName": "Ada Lovelace",
        "status": "ENABLED", "createdAt": "2024-01-01T00:00:00.000Z",
        "modifiedAt": "2024-01-01T00:00:00.000Z", "emailVerificationStatus": "VERIFIED",
        "customData": {"href": format!("{base}/accounts/{id}/customData")},
        "directory": {"href": format!("{base}/directories/dir1")}
    })
}

/// The built-in routes: what building a back end reads, and one account.
fn route(base: &str, request: &Request) -> Answer {
    let app = format!("{base}/applications/app1");
    match (request.method.as_str(), request.path()) {
        ("GET", "/v1/tenants/current") => Answer::Json(
            302,
            Value::Null,
            vec![("Location".into(), format!("{base}/tenants/t1"))],
        ),
        ("GET", "/v1/tenants/t1") => ok(json!({"href": format!("{base}/tenants/t1"), "name": "t"})),
        ("GET", "/v1/tenants/t1/applications") => ok(json!({
            "href": format!("{base}/tenants/t1/applications"), "offset": 0, "limit": 100, "size": 1,
            "items": [{"href": app, "name": "My App", "status": "ENABLED"}]
        })),
        ("GET", "/v1/applications/app1") => ok(json!({
            "href": app, "name": "My App", "status": "ENABLED",
            "defaultAccountStoreMapping": {"href": format!("{base}/accountStoreMappings/m1")}
        })),
        ("GET", "/v1/accountStoreMappings/m1") => ok(json!({
            "href": format!("{base}/accountStoreMappings/m1"),
            "accountStore": {"href": format!("{base}/directories/dir1")}
        })),
        ("GET", "/v1/directories/dir1") => ok(json!({
            "href": format!("{base}/directories/dir1"), "name": "Users", "status": "ENABLED",
            "passwordPolicy": {"href": format!("{base}/passwordPolicies/dir1")}
        })),
        ("GET", "/v1/passwordPolicies/dir1") => ok(json!({
            "href": format!("{base}/passwordPolicies/dir1"),
            "strength": {"href": format!("{base}/passwordPolicies/dir1/strength")}
        })),
        ("GET", "/v1/passwordPolicies/dir1/strength") => ok(json!({
            "href": format!("{base}/passwordPolicies/dir1/strength"),
            "minLength": 10, "maxLength": 100, "minLowerCase": 1, "minUpperCase": 1,
            "minNumeric": 1, "minSymbol": 0, "minDiacritic": 0, "preventReuse": 0
        })),
        ("GET", "/v1/accounts/acct1") => ok(account_json(base, "acct1", "ada@example.com")),
        _ => error(404, 404, "The requested resource does not exist."),
    }
}
