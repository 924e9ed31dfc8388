//! A client for the server under test: Basic auth with the admin key, JSON in and out.

use reqwest::{Method, StatusCode, redirect::Policy};
use serde_json::Value;
pub use stormpath_testkit::rest_server::RestServer;

/// A started server and a client for it.
pub struct Api {
    pub server: RestServer,
    pub http: reqwest::Client,
}

/// A response: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `href` of the body.
    pub fn href(&self) -> String {
        self.body["href"].as_str().unwrap_or_default().to_owned()
    }

    /// Asserts a Stormpath error document with this status and code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: u64) {
        assert_eq!(self.status.as_u16(), status, "{:#}", self.body);
        assert_eq!(self.body["status"], status, "{:#}", self.body);
        assert_eq!(self.body["code"], code, "{:#}", self.body);
        for field in ["message", "developerMessage", "moreInfo", "requestId"] {
            assert!(
                self.body[field].is_string(),
                "{field} missing: {:#}",
                self.body
            );
        }
        assert_eq!(
            self.headers["stormpath-request-id"].to_str().unwrap(),
            self.body["requestId"].as_str().unwrap()
        );
    }
}

impl Api {
    /// A server on SQLite.
    pub fn start() -> Self {
        Self::over(RestServer::start())
    }

    /// A server on PostgreSQL, when those tests are on.
    pub async fn start_postgres() -> Option<Self> {
        Some(Self::over(RestServer::start_postgres().await?))
    }

    pub fn over(server: RestServer) -> Self {
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self { server, http }
    }

    /// An absolute URL for a path under `/v1` (or an href as is).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.server.api())
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self
            .http
            .request(method, self.url(path))
            .basic_auth(&self.server.key_id, Some(&self.server.key_secret));
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    pub async fn reply(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// The application `init` made.
    pub fn app(&self) -> String {
        self.server.application_href.clone()
    }

    /// The tenant's href (through `/tenants/current`).
    pub async fn tenant(&self) -> String {
        let r = self.get("/tenants/current").await;
        assert_eq!(r.status, StatusCode::FOUND);
        r.headers["location"].to_str().unwrap().to_owned()
    }
}

impl Api {
    /// A request with extra headers (e.g. `If-Match`).
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut req = self
            .http
            .request(method, self.url(path))
            .basic_auth(&self.server.key_id, Some(&self.server.key_secret));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        Self::reply(req.send().await.unwrap()).await
    }

    /// A POST of raw bytes with a Content-Type.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &'static str) -> Reply {
        let res = self
            .http
            .post(self.url(path))
            .basic_auth(&self.server.key_id, Some(&self.server.key_secret))
            .header("Content-Type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        Self::reply(res).await
    }

    /// The default account store of the application `init` made.
    pub async fn default_directory(&self) -> String {
        let app = self.get(&self.app()).await;
        let mapping = self
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

    /// Creates an account in the application; asserts 201.
    pub async fn account(&self, email: &str, extra: Value) -> Reply {
        let mut body = serde_json::json!({"email": email, "password": "W4lrus-J1g", "givenName": "Test", "surname": "User"});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        let reply = self.post(&format!("{}/accounts", self.app()), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:#}", reply.body);
        reply
    }
}
