//! Account resolution (spec §8): who is calling, from a Bearer header or the token cookies,
//! refreshing an expired access cookie on the way. Resolved once per request.

use std::rc::Rc;

use actix_web::{
    HttpMessage, HttpRequest, HttpResponse,
    cookie::Cookie,
    http::{StatusCode, header},
};
use stormpath_client::Authenticated;

use crate::{
    Error, Stormpath, cookies,
    negotiate::{Format, request_format},
    redirect,
};

/// How a request authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthMethod {
    /// The `access_token` cookie (or a refresh through the `refresh_token` cookie).
    Cookie,
    /// `Authorization: Bearer <access token>`.
    Bearer,
    /// `Authorization: Basic base64(apiKeyId:apiKeySecret)` with one of the account's API keys.
    Basic,
}

/// An authenticated caller: the back end's session and how the request proved it.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) session: Authenticated,
    pub(crate) method: AuthMethod,
}

/// The outcome of resolution, and the cookies the response must carry because of it (a
/// refreshed access token, or the deletion of stale token cookies).
#[derive(Debug, Default)]
pub(crate) struct Resolved {
    pub(crate) caller: Option<Caller>,
    pub(crate) cookies: Vec<Cookie<'static>>,
}

/// The caller resolved earlier in this request, if anyone asked.
pub(crate) fn resolved(req: &HttpRequest) -> Option<Rc<Resolved>> {
    req.extensions().get::<Rc<Resolved>>().cloned()
}

/// Adds the cookies resolution asked for to a response, except those the response sets itself
/// (a fresh login's cookies win over a renewed access token).
pub(crate) fn add_cookies<B>(res: &mut HttpResponse<B>, resolved: &Resolved) {
    for cookie in &resolved.cookies {
        if !res.cookies().any(|set| set.name() == cookie.name()) {
            let _ = res.add_cookie(cookie);
        }
    }
}

/// Resolves the caller once per request (later calls read the request's extensions).
pub(crate) async fn resolve(req: &HttpRequest, sp: &Stormpath) -> Result<Rc<Resolved>, Error> {
    if let Some(done) = resolved(req) {
        return Ok(done);
    }
    let resolved = Rc::new(resolve_now(req, sp).await?);
    req.extensions_mut().insert(Rc::clone(&resolved));
    Ok(resolved)
}

async fn resolve_now(req: &HttpRequest, sp: &Stormpath) -> Result<Resolved, Error> {
    let backend = sp.backend();
    let config = &sp.settings().config;
    if req.headers().contains_key(header::AUTHORIZATION) {
        // A credential in the header is final: no fallback to cookies (spec §8.2).
        let caller = if let Some(token) = credentials(req, "bearer") {
            backend
                .verify_access_token(token)
                .await?
                .map(|session| Caller {
                    session,
                    method: AuthMethod::Bearer,
                })
        } else if let Some((id, secret)) = basic(req) {
            backend
                .authenticate_api_key(&id, &secret)
                .await?
                .map(|account| Caller {
                    session: Authenticated {
                        account,
                        claims: None,
                    },
                    method: AuthMethod::Basic,
                })
        } else {
            None
        };
        return Ok(Resolved {
            caller,
            cookies: Vec::new(),
        });
    }
    let access = cookies::value(req, &config.web.access_token_cookie.name);
    if let Some(cookie) = access.as_deref()
        && let Some(session) = backend.verify_access_token(cookie).await?
    {
        let caller = Caller {
            session,
            method: AuthMethod::Cookie,
        };
        return Ok(Resolved {
            caller: Some(caller),
            cookies: Vec::new(),
        });
    }
    let refresh = cookies::value(req, &config.web.refresh_token_cookie.name);
    match refresh {
        Some(cookie) => match backend.refresh_tokens(&cookie).await {
            Ok(refreshed) => {
                let cookies = cookies::for_tokens(config, &refreshed.tokens, req);
                let caller = Caller {
                    session: refreshed.session,
                    method: AuthMethod::Cookie,
                };
                Ok(Resolved {
                    caller: Some(caller),
                    cookies,
                })
            }
            Err(err) if err.is_backend() => Err(err.into()),
            Err(_) => Ok(Resolved {
                caller: None,
                cookies: cookies::removals(config, req),
            }),
        },
        None if access.is_some() => Ok(Resolved {
            caller: None,
            cookies: cookies::removals(config, req),
        }),
        None => Ok(Resolved::default()),
    }
}

/// The credentials of the request's `Authorization` header when it uses `scheme`
/// (case-insensitive), e.g. the token of `Bearer <token>`.
pub(crate) fn credentials<'r>(req: &'r HttpRequest, scheme: &str) -> Option<&'r str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, credentials) = value.trim().split_once(' ')?;
    given
        .eq_ignore_ascii_case(scheme)
        .then(|| credentials.trim())
}

/// The API key of an `Authorization: Basic base64(id:secret)` header (split at the first
/// colon).
pub(crate) fn basic(req: &HttpRequest) -> Option<(String, String)> {
    use base64::{Engine, engine::general_purpose::STANDARD};
    let decoded = STANDARD.decode(credentials(req, "basic")?).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    (!id.is_empty() && !secret.is_empty()).then(|| (id.to_owned(), secret.to_owned()))
}

/// The caller of a protected resource, or the error whose response turns them away (§8.4).
/// Extractors that demand a login share this.
pub(crate) async fn require(
    req: &HttpRequest,
) -> Result<(Stormpath, Rc<Resolved>, Caller), actix_web::Error> {
    let sp = req
        .app_data::<Stormpath>()
        .cloned()
        .ok_or(Error::NotConfigured)?;
    let resolved = resolve(req, &sp).await?;
    match resolved.caller.clone() {
        Some(caller) => Ok((sp, resolved, caller)),
        None => {
            let res = unauthenticated(req, &sp, &resolved);
            Err(
                actix_web::error::InternalError::from_response("authentication required", res)
                    .into(),
            )
        }
    }
}

/// The answer to an unauthenticated request for a protected resource (spec §8.4): HTML
/// clients are sent to the login page with `next`; everyone else gets an empty 401 with
/// `WWW-Authenticate: Bearer`.
pub(crate) fn unauthenticated(
    req: &HttpRequest,
    sp: &Stormpath,
    resolved: &Resolved,
) -> HttpResponse {
    let settings = sp.settings();
    let web = &settings.config.web;
    let mut res = match request_format(req, &settings.produces) {
        Some(Format::Html) if web.login.enabled => {
            let target = match req.uri().path_and_query() {
                Some(pq) => pq.as_str().to_owned(),
                None => req.path().to_owned(),
            };
            redirect::found(&redirect::with_next(&web.login.uri, &target))
        }
        _ => {
            let realm: String = settings
                .application
                .chars()
                .filter(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\\') || *c == ' ')
                .collect();
            HttpResponse::build(StatusCode::UNAUTHORIZED)
                .insert_header((
                    header::WWW_AUTHENTICATE,
                    format!("Bearer realm=\"{realm}\""),
                ))
                .finish()
        }
    };
    add_cookies(&mut res, resolved);
    crate::headers::add_plugin_set(req, res.headers_mut());
    res
}
