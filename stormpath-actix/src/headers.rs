//! Security headers (HDR-1): the set every response of the plugin carries, and
//! [`SecurityHeaders`], the middleware that gives an application's own pages the same set.
//!
//! A header the response already has is left alone, so a handler (or an inner middleware) can
//! always set its own; `Strict-Transport-Security` is added only to requests that came over
//! HTTPS, decided as the cookies' `Secure` flag is.

use std::{
    future::{Future, Ready, ready},
    pin::Pin,
    rc::Rc,
    sync::Arc,
};

use actix_web::{
    HttpRequest,
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    http::header::{self, HeaderMap, HeaderName, HeaderValue},
};

use crate::cookies;

/// The Content-Security-Policy of the plugin's pages: no scripts at all, inline styles only,
/// forms post to this origin only, and no framing.
pub(crate) const PLUGIN_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
                                     img-src 'self' data:; form-action 'self'; base-uri 'none'; \
                                     frame-ancestors 'none'";

/// The default Content-Security-Policy of an application's own pages: scripts and everything
/// else from its own origin only (inline styles allowed, as on the plugin's pages), no plugins,
/// no `<base>` hijacking, forms to this origin, no framing.
const APP_CSP: &str = "default-src 'self'; style-src 'self' 'unsafe-inline'; \
                       img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                       form-action 'self'; frame-ancestors 'none'";

/// `Strict-Transport-Security` over HTTPS: a year, subdomains included (A5 3.4.1).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers every page of the plugin carries that do not depend on the request.
pub(crate) const PAGE: [(HeaderName, &str); 6] = [
    (header::CONTENT_SECURITY_POLICY, PLUGIN_CSP),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
    (header::CROSS_ORIGIN_OPENER_POLICY, "same-origin"),
    (header::CACHE_CONTROL, "no-store"),
];

/// Adds the plugin's set to a response of its own for `req` (with HSTS over HTTPS): for the
/// answers written outside its routes (`#[login_required]`'s redirect or 401, the 403 of
/// `#[groups_required]`).
pub(crate) fn add_plugin_set(req: &HttpRequest, headers: &mut HeaderMap) {
    HeaderSet::plugin().add(req, headers);
}

/// The headers of one [`SecurityHeaders`].
#[derive(Debug, Clone)]
struct HeaderSet {
    /// Added to every response (when absent).
    always: Vec<(HeaderName, HeaderValue)>,
    /// Added to responses to HTTPS requests (when absent).
    hsts: Option<HeaderValue>,
}

impl HeaderSet {
    fn new(csp: &'static str) -> Self {
        let always = PAGE
            .into_iter()
            .map(|(name, value)| {
                let value = if name == header::CONTENT_SECURITY_POLICY {
                    csp
                } else {
                    value
                };
                (name, HeaderValue::from_static(value))
            })
            .collect();
        Self {
            always,
            hsts: Some(HeaderValue::from_static(HSTS)),
        }
    }

    fn plugin() -> Self {
        Self::new(PLUGIN_CSP)
    }

    fn set(&mut self, name: HeaderName, value: Option<HeaderValue>) {
        self.always.retain(|(n, _)| *n != name);
        if let Some(value) = value {
            self.always.push((name, value));
        }
    }

    fn add(&self, req: &HttpRequest, headers: &mut HeaderMap) {
        for (name, value) in &self.always {
            if !headers.contains_key(name) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if let Some(hsts) = &self.hsts
            && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY)
            && cookies::is_https(req)
        {
            headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
        }
    }
}

/// The security headers for an application's own pages: `App::new().wrap(stormpath::security_headers())`.
///
/// Same set as the plugin's pages: `Content-Security-Policy` (by default `default-src 'self';
/// style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none';
/// form-action 'self'; frame-ancestors 'none'`: no inline scripts),
/// `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Referrer-Policy: strict-origin-when-cross-origin`, `Cross-Origin-Opener-Policy:
/// same-origin`, `Cache-Control: no-store`, and over HTTPS `Strict-Transport-Security:
/// max-age=31536000; includeSubDomains`. A header a response already has is kept (the plugin's
/// stricter policy on its own pages, an app's `Cache-Control` on a cacheable asset); the
/// setters change or drop a default.
///
/// # Examples
/// ```no_run
/// use actix_web::{App, HttpServer, http::header::HeaderValue};
///
/// # async fn demo() -> std::io::Result<()> {
/// HttpServer::new(|| {
///     App::new()
///         .wrap(
///             stormpath::security_headers()
///                 .content_security_policy(HeaderValue::from_static(
///                     "default-src 'self'; script-src 'self' https://cdn.example.com",
///                 )),
///         )
///         .configure(stormpath::init)
/// })
/// .bind(("127.0.0.1", 8080))?
/// .run()
/// .await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    set: Arc<HeaderSet>,
}

/// The security headers for an application's own pages, with their defaults: see
/// [`SecurityHeaders`]. `App::new().wrap(stormpath::security_headers())`.
#[must_use]
pub fn security_headers() -> SecurityHeaders {
    SecurityHeaders::default()
}

impl Default for SecurityHeaders {
    fn default() -> Self {
        Self {
            set: Arc::new(HeaderSet::new(APP_CSP)),
        }
    }
}

impl SecurityHeaders {
    /// The plugin's own set (its stricter policy: no scripts at all).
    pub(crate) fn plugin() -> Self {
        Self {
            set: Arc::new(HeaderSet::plugin()),
        }
    }

    fn with(mut self, name: HeaderName, value: Option<HeaderValue>) -> Self {
        Arc::make_mut(&mut self.set).set(name, value);
        self
    }

    /// The `Content-Security-Policy` of pages that do not set their own.
    #[must_use]
    pub fn content_security_policy(self, policy: HeaderValue) -> Self {
        self.with(header::CONTENT_SECURITY_POLICY, Some(policy))
    }

    /// The `Cache-Control` of responses that do not set their own (`None`: add none, leaving
    /// caching to each handler).
    #[must_use]
    pub fn cache_control(self, value: Option<HeaderValue>) -> Self {
        self.with(header::CACHE_CONTROL, value)
    }

    /// The `Strict-Transport-Security` of responses to HTTPS requests (`None`: add none, for
    /// a proxy that sets its own).
    #[must_use]
    pub fn strict_transport_security(mut self, value: Option<HeaderValue>) -> Self {
        Arc::make_mut(&mut self.set).hsts = value;
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for SecurityHeaders
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = SecurityHeadersMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SecurityHeadersMiddleware {
            service: Rc::new(service),
            set: Arc::clone(&self.set),
        }))
    }
}

/// The service [`SecurityHeaders`] wraps around an app (or a resource).
#[derive(Debug)]
pub struct SecurityHeadersMiddleware<S> {
    service: Rc<S>,
    set: Arc<HeaderSet>,
}

impl<S, B> Service<ServiceRequest> for SecurityHeadersMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        let set = Arc::clone(&self.set);
        // No clone of the request may live across the call: routing below needs it unshared.
        let call = self.service.call(req);
        Box::pin(async move {
            // Handlers' and extractors' errors are responses by now (and get the headers); an
            // error a failing inner middleware returns is passed on for actix to render.
            let mut res = call.await?;
            let req = res.request().clone();
            set.add(&req, res.headers_mut());
            Ok(res)
        })
    }
}
