//! The transport: one reqwest client (one connection pool for the back end's life), every
//! request authenticated, an overall timeout per call, bounded retries with exponential
//! backoff for idempotent requests only, redirects followed by hand (each hop signed anew and
//! kept under the base URL), and answers read within a size bound.

use std::time::{Duration, Instant};

use reqwest::{
    Method, StatusCode, Url,
    header::{ACCEPT, CONTENT_TYPE, HeaderMap, HeaderValue, IF_MATCH, LOCATION},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{
    auth::Signer,
    errors::{ApiError, Failure, from_api, protocol},
};
use crate::{Error, Result};

/// The largest answer read (a collection page of 100 accounts is far below it).
const MAX_BODY: usize = 8 << 20;
/// Attempts of an idempotent request, the first included.
const TRIES: u32 = 3;
/// The wait before the first retry; doubled before each next one.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// Redirects followed per call (`/tenants/current`, `/authTokens/{jwt}`: one each).
const MAX_REDIRECTS: usize = 3;
/// Collection pages read per listing before the answer is deemed endless.
const MAX_PAGES: usize = 1_000;
/// The page size asked for (the API's maximum, rest-api §3.2).
pub(crate) const PAGE_LIMIT: usize = 100;
/// Path segments after which a secret is carried (a JWT or a one-time token): redacted in
/// error messages.
const SECRET_SEGMENTS: &[&str] = &[
    "authTokens",
    "passwordResetTokens",
    "emailVerificationTokens",
];

/// What a request carries (no `Debug`: it may hold a password).
enum Payload {
    Empty,
    Json(Vec<u8>),
    Form(String),
}

/// One API call being prepared (no `Debug`: its body may hold a password).
pub(crate) struct Call {
    method: Method,
    url: Url,
    payload: Payload,
    if_match: Option<String>,
}

impl Call {
    /// Adds a query parameter.
    pub(crate) fn query(mut self, name: &str, value: &str) -> Self {
        self.url.query_pairs_mut().append_pair(name, value);
        self
    }

    /// Adds query parameters.
    pub(crate) fn queries(mut self, pairs: &[(String, String)]) -> Self {
        for (name, value) in pairs {
            self.url.query_pairs_mut().append_pair(name, value);
        }
        self
    }

    /// Sends `body` as JSON.
    pub(crate) fn json(mut self, body: &impl Serialize) -> Result<Self> {
        self.payload = Payload::Json(serde_json::to_vec(body).map_err(Error::backend)?);
        Ok(self)
    }

    /// Sends `pairs` as an urlencoded form (`/oauth/token`).
    pub(crate) fn form(mut self, pairs: &[(&str, &str)]) -> Self {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.extend_pairs(pairs);
        self.payload = Payload::Form(form.finish());
        self
    }

    /// Makes the request conditional on the resource's version (`If-Match: "<version>"`).
    pub(crate) fn if_match(mut self, version: i64) -> Self {
        self.if_match = Some(format!("\"{version}\""));
        self
    }

    /// Whether sending it twice has the effect of sending it once: GET and DELETE, and
    /// nothing conditional.
    fn idempotent(&self) -> bool {
        matches!(self.method, Method::GET | Method::DELETE) && self.if_match.is_none()
    }

    fn body(&self) -> &[u8] {
        match &self.payload {
            Payload::Empty => &[],
            Payload::Json(bytes) => bytes,
            Payload::Form(text) => text.as_bytes(),
        }
    }
}

/// A server's answer, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
    /// The body was larger than [`MAX_BODY`] (and was cut).
    overflow: bool,
    /// Method and redacted path, for error messages.
    call: String,
}

impl Reply {
    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        self.status.as_u16()
    }

    /// A header's value, if it is there and text.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// This answer if it is not an error; else the error it carries.
    pub(crate) fn ok(self) -> Result<Self> {
        if self.status.as_u16() < 400 {
            Ok(self)
        } else {
            Err(self.error())
        }
    }

    /// The error an error answer carries: the Stormpath error document mapped by its code, or
    /// a back-end failure when the body is none.
    pub(crate) fn error(&self) -> Error {
        let doc = self.api_error();
        // The server's throttle: a 429, or the login attempts' 400/7103 ("locked") with the
        // wait in `Retry-After` (a lockout without one is the account's own state).
        let wait = self
            .header("retry-after")
            .and_then(|v| v.trim().parse::<u64>().ok());
        let locked_for_now = doc.as_ref().is_some_and(|d| d.code == 7103) && wait.is_some();
        if self.status == StatusCode::TOO_MANY_REQUESTS || locked_for_now {
            return Error::Throttled {
                retry_after: wait.unwrap_or(1).max(1),
            };
        }
        match doc {
            Some(doc) => from_api(self.status.as_u16(), &doc, &self.call),
            None => self.malformed("an error answer without a Stormpath error document"),
        }
    }

    /// The body as `T`.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T> {
        if self.overflow {
            return Err(self.malformed(format!("larger than {MAX_BODY} bytes")));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            let start = String::from_utf8_lossy(&self.body[..self.body.len().min(40)])
                .replace(['\r', '\n'], " ");
            self.malformed(format!("{e} (it starts with `{start}`)"))
        })
    }

    fn api_error(&self) -> Option<ApiError> {
        if self.overflow {
            return None;
        }
        // A document with neither a status nor a code is not an error document.
        #[derive(Deserialize)]
        struct Probe {
            status: Option<serde_json::Value>,
            code: Option<serde_json::Value>,
        }
        let probe: Probe = serde_json::from_slice(&self.body).ok()?;
        if probe.status.is_none() && probe.code.is_none() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    fn malformed(&self, what: impl Into<String>) -> Error {
        Failure::Malformed {
            call: self.call.clone(),
            status: self.status.as_u16(),
            what: what.into(),
        }
        .into()
    }
}

/// One page of a collection (rest-api §3.2).
#[derive(Deserialize)]
struct Page<T> {
    #[serde(default)]
    limit: Option<usize>,
    items: Vec<T>,
}

/// Why one attempt failed.
enum AttemptError {
    /// The exchange failed (may be retried when it was a refused connection).
    Http(reqwest::Error),
    /// The request could not be signed (never retried).
    Sign(Error),
}

/// The client side of the REST API: the base URL, the connection pool and the signer.
pub(crate) struct Http {
    client: reqwest::Client,
    /// `http(s)://host[:port]/v1`, no trailing slash: every href starts with it.
    base: String,
    signer: Signer,
    timeout: Duration,
}

impl Http {
    /// One client for the back end's life: rustls, connect timeout, no automatic redirects
    /// (they are followed by hand so that each hop is signed and stays under the base URL).
    pub(crate) fn new(
        base: String,
        signer: Signer,
        (timeout, connect_timeout): (Duration, Duration),
        throttles_logins: bool,
    ) -> Result<Self> {
        let mut headers = reqwest::header::HeaderMap::new();
        if throttles_logins {
            headers.insert(
                crate::throttle::CALLER_THROTTLES_LOGINS,
                reqwest::header::HeaderValue::from_static("true"),
            );
        }
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .connect_timeout(connect_timeout)
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("stormpath-client/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| protocol(format!("the HTTP client could not be built: {e}")))?;
        Ok(Self {
            client,
            base,
            signer,
            timeout,
        })
    }

    /// The base URL (`…/v1`, no trailing slash).
    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Whether `href` names a resource under the base URL.
    pub(crate) fn owns(&self, href: &str) -> bool {
        href.strip_prefix(self.base.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    }

    /// A call to `target`: an href the server gave (it must be under the base URL: the API
    /// key is never sent elsewhere) or a path relative to the base URL (`/accounts/…`).
    pub(crate) fn call(&self, method: Method, target: &str) -> Result<Call> {
        let href = if target.starts_with('/') {
            format!("{}{target}", self.base)
        } else if self.owns(target) {
            target.to_owned()
        } else {
            return Err(protocol(format!(
                "the server named a resource outside its base URL {}",
                self.base
            )));
        };
        let url = Url::parse(&href)
            .map_err(|e| protocol(format!("the server named an invalid href: {e}")))?;
        Ok(Call {
            method,
            url,
            payload: Payload::Empty,
            if_match: None,
        })
    }

    /// A GET of `target`.
    pub(crate) fn get(&self, target: &str) -> Result<Call> {
        self.call(Method::GET, target)
    }

    /// A POST to `target`.
    pub(crate) fn post(&self, target: &str) -> Result<Call> {
        self.call(Method::POST, target)
    }

    /// A DELETE of `target`.
    pub(crate) fn delete(&self, target: &str) -> Result<Call> {
        self.call(Method::DELETE, target)
    }

    /// A PUT to `target`.
    pub(crate) fn put(&self, target: &str) -> Result<Call> {
        self.call(Method::PUT, target)
    }

    /// Sends a call and reads the answer, whatever its status; a GET follows redirects.
    ///
    /// # Errors
    /// [`Error::Backend`] when no answer came: no connection, the timeout passed (the whole
    /// call, retries and redirects included, never takes much longer than the timeout), or the
    /// answer was not HTTP.
    pub(crate) async fn send(&self, call: Call) -> Result<Reply> {
        let deadline = Instant::now() + self.timeout;
        let mut call = call;
        for _ in 0..=MAX_REDIRECTS {
            let reply = self.send_once(&call, deadline).await?;
            let redirect = call.method == Method::GET
                && matches!(reply.status.as_u16(), 301 | 302 | 303 | 307 | 308);
            let location = reply.header(LOCATION.as_str()).map(str::to_owned);
            match location {
                Some(location) if redirect => {
                    let next = call
                        .url
                        .join(&location)
                        .map_err(|_| reply.malformed("a redirect to an invalid location"))?;
                    call = self.get(next.as_str())?;
                }
                _ => return Ok(reply),
            }
        }
        Err(protocol(format!(
            "{}: more than {MAX_REDIRECTS} redirects",
            describe(&call.method, &call.url)
        )))
    }

    /// [`send`](Self::send), then the body of a successful answer as `T`.
    pub(crate) async fn fetch<T: DeserializeOwned>(&self, call: Call) -> Result<T> {
        self.send(call).await?.ok()?.json()
    }

    /// Every item of a collection, page by page (rest-api §3.2: `offset` + `limit`, the next
    /// page asked for while the last one was full).
    pub(crate) async fn all<T: DeserializeOwned>(
        &self,
        href: &str,
        query: &[(String, String)],
    ) -> Result<Vec<T>> {
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let call = self
                .get(href)?
                .queries(query)
                .query("offset", &items.len().to_string())
                .query("limit", &PAGE_LIMIT.to_string());
            let page: Page<T> = self.fetch(call).await?;
            let got = page.items.len();
            items.extend(page.items);
            let limit = page.limit.filter(|l| *l > 0).unwrap_or(PAGE_LIMIT);
            if got == 0 || got < limit {
                return Ok(items);
            }
        }
        Err(protocol(format!(
            "{href}: the collection did not end after {MAX_PAGES} pages"
        )))
    }

    /// One request, retried (idempotent calls only) on a refused connection or a 502, 503 or
    /// 504, at most [`TRIES`] times and never past `deadline`. A DELETE that a retry finds
    /// gone (404) after a 502 or 504 answers as deleted (204): the first attempt may have been
    /// applied, and the resource is gone either way.
    async fn send_once(&self, call: &Call, deadline: Instant) -> Result<Reply> {
        let mut backoff = FIRST_BACKOFF;
        let mut tries = 1;
        // A 502 or 504 comes from a gateway that may have passed the request on: a DELETE
        // retried after one and then not found was most likely applied by the first attempt.
        let mut maybe_applied = false;
        loop {
            let mut outcome = self.attempt(call, deadline).await;
            if let Ok(reply) = &mut outcome
                && maybe_applied
                && call.method == Method::DELETE
                && reply.status == StatusCode::NOT_FOUND
            {
                tracing::debug!(call = %describe(&call.method, &call.url), "gone after a retry: deleted");
                reply.status = StatusCode::NO_CONTENT;
                reply.body.clear();
            }
            let transient = match &outcome {
                Ok(reply) => matches!(reply.status.as_u16(), 502..=504),
                Err(AttemptError::Http(e)) => e.is_connect() && !e.is_timeout(),
                Err(AttemptError::Sign(_)) => false,
            };
            maybe_applied |=
                matches!(&outcome, Ok(reply) if matches!(reply.status.as_u16(), 502 | 504));
            let again = transient
                && call.idempotent()
                && tries < TRIES
                && Instant::now() + backoff < deadline;
            if !again {
                return outcome.map_err(|e| self.failure(call, e));
            }
            tracing::debug!(call = %describe(&call.method, &call.url), tries, "retrying");
            tokio::time::sleep(backoff).await;
            backoff *= 2;
            tries += 1;
        }
    }

    async fn attempt(
        &self,
        call: &Call,
        deadline: Instant,
    ) -> std::result::Result<Reply, AttemptError> {
        let body = call.body();
        let mut request = self
            .client
            .request(call.method.clone(), call.url.clone())
            .timeout(deadline.saturating_duration_since(Instant::now()))
            .header(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in self
            .signer
            .headers(&call.method, &call.url, body)
            .map_err(AttemptError::Sign)?
        {
            request = request.header(name, value);
        }
        if let Some(version) = &call.if_match {
            request = request.header(IF_MATCH, version.as_str());
        }
        request = match &call.payload {
            Payload::Empty => request,
            Payload::Json(bytes) => request
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Payload::Form(text) => request
                .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(text.clone()),
        };
        let mut response = request.send().await.map_err(AttemptError::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        let mut overflow = false;
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Http)? {
            if body.len() + chunk.len() > MAX_BODY {
                overflow = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Reply {
            status,
            headers,
            body,
            overflow,
            call: describe(&call.method, &call.url),
        })
    }

    fn failure(&self, call: &Call, err: AttemptError) -> Error {
        let err = match err {
            AttemptError::Sign(err) => return err,
            AttemptError::Http(err) => err.without_url(),
        };
        let call = describe(&call.method, &call.url);
        if err.is_timeout() {
            Failure::Timeout {
                call,
                after: self.timeout,
            }
        } else if err.is_connect() {
            Failure::Connect {
                call,
                source: Box::new(err),
            }
        } else {
            Failure::Transport {
                call,
                source: Box::new(err),
            }
        }
        .into()
    }
}

/// `METHOD /path` with the secret a path may carry (a JWT, a one-time token) as `***`, and
/// no query.
fn describe(method: &Method, url: &Url) -> String {
    let mut path = String::new();
    let mut hide = false;
    for segment in url.path().split('/').skip(1) {
        path.push('/');
        path.push_str(if hide { "***" } else { segment });
        hide = SECRET_SEGMENTS.contains(&segment);
    }
    format!("{method} {path}")
}

/// The percent-encoded form of one path segment (an id or a token), or `None` for one that
/// cannot name a resource (empty, `.` or `..`).
pub(crate) fn segment(value: &str) -> Option<String> {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    if value.is_empty() || value == "." || value == ".." {
        return None;
    }
    Some(percent_encoding::utf8_percent_encode(value, SET).to_string())
}

/// The last path segment of an href: the id of the resource it names.
pub(crate) fn last_segment(href: &str) -> &str {
    href.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(href)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_paths_are_redacted() {
        let url = Url::parse("http://h/v1/applications/A/authTokens/eyJ.x.y?q=1").unwrap();
        assert_eq!(
            describe(&Method::GET, &url),
            "GET /v1/applications/A/authTokens/***"
        );
        let url = Url::parse("http://h/v1/accounts/emailVerificationTokens/tok").unwrap();
        assert_eq!(
            describe(&Method::POST, &url),
            "POST /v1/accounts/emailVerificationTokens/***"
        );
    }

    #[test]
    fn segments_are_encoded_and_dot_segments_refused() {
        assert_eq!(segment("a b/c").as_deref(), Some("a%20b%2Fc"));
        assert_eq!(segment("h.c.s-_~").as_deref(), Some("h.c.s-_~"));
        assert!(segment("..").is_none() && segment("").is_none());
        assert_eq!(last_segment("http://h/v1/accounts/abc"), "abc");
    }
}
