//! `/oauth/token` (spec §10.8): the password, refresh-token and client-credentials grants.
//! Always JSON; errors are `{error, message}`; cookies are ignored; no CSRF.

use actix_web::{
    HttpRequest, HttpResponse, HttpResponseBuilder,
    http::{StatusCode, header},
    web::{self, ServiceConfig},
};
use std::borrow::Cow;

use serde_json::json;
use stormpath_client::{TokenGrant, TokenSet};

use crate::{
    Error, Stormpath, auth, guard,
    headers::SecurityHeaders,
    hooks::{After, LoginVia},
    input::{self, BodyKind},
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let oauth2 = &sp.settings().config.web.oauth2;
    if oauth2.enabled {
        cfg.service(
            web::resource(&oauth2.uri)
                .wrap(SecurityHeaders::plugin())
                .route(web::post().to(token))
                .default_service(web::to(method_not_allowed)),
        );
    }
}

/// An OAuth error: the status and the two-key body of RFC 6749 §5.2 as the spec shapes it.
struct OAuthError {
    status: StatusCode,
    code: &'static str,
    message: Cow<'static, str>,
    /// A post-login hook's own answer, sent instead.
    replaced: Option<HttpResponse>,
}

impl OAuthError {
    const fn new(status: StatusCode, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message: Cow::Borrowed(message),
            replaced: None,
        }
    }

    /// A pre-login hook's refusal, worded by the hook.
    fn rejected(message: String) -> Self {
        Self {
            message: Cow::Owned(message),
            ..INVALID_GRANT
        }
    }

    /// A post-login hook's own answer.
    fn replaced(res: HttpResponse) -> Self {
        Self {
            replaced: Some(res),
            ..INVALID_GRANT
        }
    }

    fn request(message: &'static str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }
}

const INVALID_GRANT: OAuthError = OAuthError::new(
    StatusCode::BAD_REQUEST,
    "invalid_grant",
    "Invalid username or password.",
);
const INVALID_CLIENT: OAuthError = OAuthError::new(
    StatusCode::UNAUTHORIZED,
    "invalid_client",
    "Invalid Client Credentials",
);
const UNSUPPORTED: OAuthError = OAuthError::new(
    StatusCode::BAD_REQUEST,
    "unsupported_grant_type",
    "Unsupported grant type.",
);

/// Every response of this endpoint carries these (spec §10.8).
fn builder(status: StatusCode) -> HttpResponseBuilder {
    let mut res = HttpResponse::build(status);
    res.content_type("application/json;charset=UTF-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"));
    res
}

fn error(err: OAuthError) -> HttpResponse {
    if let Some(res) = err.replaced {
        return res;
    }
    let mut res = builder(err.status);
    if err.status == StatusCode::UNAUTHORIZED {
        res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"oauth\""));
    }
    res.body(json!({ "error": err.code, "message": err.message }).to_string())
}

async fn method_not_allowed() -> HttpResponse {
    let mut res = builder(StatusCode::METHOD_NOT_ALLOWED);
    res.insert_header((header::ALLOW, "POST"));
    res.body(json!({ "error": "invalid_request", "message": "Use POST." }).to_string())
}

async fn token(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    match grant(&req, &sp, payload).await {
        Ok(Ok(tokens)) => Ok(success(&tokens)),
        Ok(Err(err)) => Ok(error(err)),
        // A throttled password grant: 429 with `Retry-After`, in the endpoint's own shape.
        Err(err @ Error::Backend(stormpath_client::Error::Throttled { .. })) => {
            let mut res = builder(StatusCode::TOO_MANY_REQUESTS);
            if let Some(wait) = err.retry_after() {
                res.insert_header((header::RETRY_AFTER, wait));
            }
            Ok(res
                .body(json!({ "error": "invalid_grant", "message": err.to_string() }).to_string()))
        }
        Err(err) => Err(err),
    }
}

fn success(tokens: &TokenSet) -> HttpResponse {
    let mut body = json!({
        "access_token": tokens.access_token,
        "expires_in": tokens.expires_in,
        "token_type": "Bearer",
    });
    if let Some(refresh) = &tokens.refresh {
        body["refresh_token"] = json!(refresh.token);
    }
    builder(StatusCode::OK).body(body.to_string())
}

/// Parses the form and runs the grant; the outer `Err` is a failure of ours (500).
async fn grant(
    req: &HttpRequest,
    sp: &Stormpath,
    payload: web::Payload,
) -> Result<Result<TokenSet, OAuthError>, Error> {
    // Credentials never travel in the URL (JWT-5).
    let query = form_urlencoded::parse(req.query_string().as_bytes());
    if query
        .into_iter()
        .any(|(k, _)| matches!(k.as_ref(), "password" | "username" | "refresh_token"))
    {
        return Ok(Err(OAuthError::request(
            "Credentials must be sent in the request body.",
        )));
    }
    if BodyKind::of(req) != BodyKind::Form {
        return Ok(Err(OAuthError::request(
            "The body must be application/x-www-form-urlencoded.",
        )));
    }
    // Not the `Input` extractor: a repeated parameter is an error here, not "first wins".
    let raw = match input::read(payload, sp.settings().config.web.max_body_size).await {
        Ok(raw) => raw,
        Err(Error::PayloadTooLarge) => {
            return Ok(Err(OAuthError::request("The request body is too large.")));
        }
        Err(_) => {
            return Ok(Err(OAuthError::request(
                "The request body could not be read.",
            )));
        }
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for (key, value) in form_urlencoded::parse(&raw) {
        // RFC 6749 §3.2: parameters must not be repeated.
        if params.iter().any(|(k, _)| *k == key) {
            return Ok(Err(OAuthError::request("A parameter is repeated.")));
        }
        params.push((key.into_owned(), value.into_owned()));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let grants = &sp.settings().config.web.oauth2;
    let backend = sp.backend();
    match param("grant_type") {
        None => Ok(Err(OAuthError::request("grant_type is required."))),
        Some("password") if grants.password.enabled => {
            let (Some(username), Some(password)) = (param("username"), param("password")) else {
                return Ok(Err(OAuthError::request(
                    "username and password are required.",
                )));
            };
            let username = match sp
                .hooks()
                .pre_login(req, LoginVia::PasswordGrant, username)
                .await
            {
                Ok(username) => username,
                Err(Error::BadRequest(message)) => return Ok(Err(OAuthError::rejected(message))),
                Err(err) => return Err(err),
            };
            match guard::authenticate(req, sp, &username, password).await {
                Ok(account) => {
                    let tokens = backend.issue_tokens(&account, TokenGrant::Password).await?;
                    let after = sp
                        .hooks()
                        .post_login(req, LoginVia::PasswordGrant, &account)
                        .await;
                    match after {
                        After::Respond(res) => Ok(Err(OAuthError::replaced(res))),
                        _ => Ok(Ok(tokens)),
                    }
                }
                Err(Error::Backend(err)) if !err.is_backend() && err.status() == 400 => {
                    Ok(Err(INVALID_GRANT))
                }
                Err(err) => Err(err),
            }
        }
        Some("refresh_token") if grants.password.enabled => {
            let Some(refresh) = param("refresh_token") else {
                return Ok(Err(OAuthError::request("refresh_token is required.")));
            };
            match backend.refresh_tokens(refresh).await {
                Ok(refreshed) => Ok(Ok(refreshed.tokens)),
                Err(err) if err.is_backend() => Err(err.into()),
                Err(_) => Ok(Err(OAuthError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "The refresh token is invalid or expired.",
                ))),
            }
        }
        Some("client_credentials") if grants.client_credentials.enabled => {
            let credentials = auth::basic(req);
            let Some((id, secret)) = credentials else {
                return Ok(Err(INVALID_CLIENT));
            };
            match backend.authenticate_api_key(&id, &secret).await? {
                Some(account) => Ok(Ok(backend
                    .issue_tokens(&account, TokenGrant::ClientCredentials)
                    .await?)),
                None => Ok(Err(INVALID_CLIENT)),
            }
        }
        Some(_) => Ok(Err(UNSUPPORTED)),
    }
}
