//! Who is calling (spec §2): a tenant API key — an API key of an ENABLED account in the
//! `Stormpath Administrators` directory — presented over HTTP Basic or signed with SAuthc1.
//! Everything else is 401. The middleware also applies the `_method` override.

use actix_web::{
    Error, FromRequest, HttpMessage, HttpRequest,
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::{Method, header},
    middleware::Next,
    web::{self, Bytes},
};
use base64::{Engine, engine::general_purpose::STANDARD};
use quick_cache::sync::GuardResult;
use std::future::{Ready, ready};
use std::time::Duration as StdDuration;
use stormpath_client::sauthc1::{self, Sauthc1Header, SignedRequest};
use stormpath_store::admin::ApiKeyRecord;
use time::{Duration, OffsetDateTime};

use crate::{error::ApiError, state::State};

/// How far an SAuthc1 request's date may be from the server's clock.
pub(crate) const MAX_SKEW: Duration = Duration::minutes(15);

/// How long a nonce is remembered: a request dated at the far edge of the skew window can be
/// presented until the window's other edge.
const NONCE_LIFETIME: StdDuration = StdDuration::from_secs(2 * 15 * 60);

/// The authenticated tenant API key of a request.
#[derive(Clone)]
pub(crate) struct Caller {
    /// The key (its secret is the one the caller proved it holds).
    pub key: ApiKeyRecord,
    /// The plain secret, which signs the tokens this caller asks for.
    pub secret: String,
    /// Whether the caller throttles the password logins it sends itself
    /// ([`CALLER_THROTTLES_LOGINS`](stormpath_client::throttle::CALLER_THROTTLES_LOGINS)).
    pub throttles_logins: bool,
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<Self>()
                .cloned()
                .ok_or_else(ApiError::unauthenticated),
        )
    }
}

/// Applies `?_method=` and authenticates the caller; the request goes on only when it did.
pub(crate) async fn middleware<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, Error> {
    match authenticate(&mut req).await {
        Ok(()) => Ok(next.call(req).await?.map_into_left_body()),
        Err(err) => Ok(req.error_response(err).map_into_right_body()),
    }
}

async fn authenticate(req: &mut ServiceRequest) -> Result<(), ApiError> {
    let method = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.iter()
                .find(|(k, _)| k == "_method")
                .map(|(_, v)| v.clone())
        });
    let overridden = match method.as_deref().map(str::to_ascii_uppercase).as_deref() {
        Some("DELETE") if req.method() == Method::POST => Some(Method::DELETE),
        Some("PUT") if req.method() == Method::POST => Some(Method::PUT),
        _ => None,
    };
    let Some(state) = req.app_data::<web::Data<State>>().cloned() else {
        return Err(ApiError::internal(&"server state missing"));
    };
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .ok_or_else(ApiError::unauthenticated)?;
    let mut caller = if let Some(basic) = strip_scheme(&authorization, "Basic") {
        basic_caller(&state, basic).await?
    } else if strip_scheme(&authorization, "SAuthc1").is_some() {
        // The signature covers the body: read it, then put it back for the handler.
        let body = req
            .extract::<Bytes>()
            .await
            .map_err(|_| ApiError::new(413, 413, "The request body is too large."))?;
        let caller = sauthc1_caller(&state, req, &authorization, &body).await?;
        req.set_payload(bytes_payload(body));
        caller
    } else {
        return Err(ApiError::unauthenticated());
    };
    caller.throttles_logins = req
        .headers()
        .get(stormpath_client::throttle::CALLER_THROTTLES_LOGINS)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
    if let Some(m) = overridden {
        req.head_mut().method = m;
    }
    req.extensions_mut().insert(caller);
    Ok(())
}

fn strip_scheme<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then(|| rest.trim())
}

fn bytes_payload(body: Bytes) -> Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(body);
    Payload::from(payload)
}

/// The key `id` if it may call the API: ENABLED, its account ENABLED and an administrator.
async fn admin_key(state: &State, id: &str) -> Result<(ApiKeyRecord, String), ApiError> {
    let key = state
        .store
        .api_key_record(id)
        .await
        .map_err(ApiError::from)?
        .ok_or_else(ApiError::unauthenticated)?;
    let usable = key.status == "ENABLED"
        && key.account_status == "ENABLED"
        && key.directory_id == state.admin_directory_id;
    let secret = key.secret.clone().ok_or_else(ApiError::unauthenticated)?;
    if !usable {
        return Err(ApiError::unauthenticated());
    }
    Ok((key, secret))
}

async fn basic_caller(state: &State, credentials: &str) -> Result<Caller, ApiError> {
    let decoded = STANDARD
        .decode(credentials)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(ApiError::unauthenticated)?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(ApiError::unauthenticated)?;
    let (key, stored) = admin_key(state, id).await?;
    if !key.matches(secret) {
        return Err(ApiError::unauthenticated());
    }
    Ok(Caller {
        key,
        secret: stored,
        throttles_logins: false,
    })
}

async fn sauthc1_caller(
    state: &State,
    req: &ServiceRequest,
    authorization: &str,
    body: &[u8],
) -> Result<Caller, ApiError> {
    let header = Sauthc1Header::parse(authorization).map_err(|_| ApiError::unauthenticated())?;
    let (key, secret) = admin_key(state, &header.key_id).await?;
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let date = headers
        .iter()
        .find(|(n, _)| n == "x-stormpath-date")
        .map(|(_, v)| v.as_str())
        .ok_or_else(ApiError::unauthenticated)?;
    let at = sauthc1::parse_timestamp(date).map_err(|_| ApiError::unauthenticated())?;
    if (OffsetDateTime::now_utc() - at).abs() > MAX_SKEW {
        return Err(ApiError::unauthenticated()
            .developer("The request's X-Stormpath-Date is too far from the server's clock."));
    }
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let signed = SignedRequest {
        method: req.method().as_str(),
        path: req.path(),
        query: req.query_string(),
        headers: &pairs,
        body,
    };
    if !sauthc1::verify(&header, &secret, &signed) {
        return Err(ApiError::unauthenticated());
    }
    // A nonce is good once within the skew window, across every server process sharing the
    // database (one atomic insert decides; this process's cache refuses its own replays
    // without a query).
    let nonce = format!("{}/{}", header.key_id, header.nonce);
    let replayed = || ApiError::unauthenticated().developer("The request's nonce was used before.");
    let GuardResult::Guard(first) = state
        .nonces
        .get_value_or_guard(&nonce, Some(StdDuration::ZERO))
    else {
        return Err(replayed());
    };
    if !state
        .store
        .use_once(&format!("sauthc1/{nonce}"), NONCE_LIFETIME)
        .await?
    {
        return Err(replayed());
    }
    let _ = first.insert(());
    Ok(Caller {
        key,
        secret,
        throttles_logins: false,
    })
}
