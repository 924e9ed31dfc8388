//! The last-resort handler (LOG-4): a panic in any handler or middleware behind
//! [`CatchPanics`] becomes a generic 500 — `{status, message}`, no detail — and is logged with
//! the request's method and path (never the panic's text or the request's payload, which may
//! hold a secret); the worker and its other connections go on.

use std::{
    future::{Future, Ready, ready},
    panic::AssertUnwindSafe,
    pin::Pin,
};

use actix_web::{
    dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready},
    error::InternalError,
    http::StatusCode,
};
use futures_util::FutureExt as _;

use crate::error::Error;

/// What a client is told of a handler that panicked.
const MESSAGE: &str = "Something went wrong on our side. Please try again later.";

/// Middleware turning a panic in what it wraps into a generic 500 (see the module docs).
/// Register it outermost — `App::new().wrap(stormpath::catch_panics())` — so that it covers
/// every other middleware too.
///
/// ```
/// use actix_web::{App, web};
///
/// let app = App::new()
///     .wrap(stormpath::catch_panics())
///     .route("/", web::get().to(|| async { "ok" }));
/// ```
#[must_use]
pub fn catch_panics() -> CatchPanics {
    CatchPanics
}

/// The [`catch_panics`] middleware.
#[derive(Debug, Clone, Copy, Default)]
pub struct CatchPanics;

impl<S, B> Transform<S, ServiceRequest> for CatchPanics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Transform = CatchPanicsMiddleware<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(CatchPanicsMiddleware { service }))
    }
}

/// The service [`CatchPanics`] wraps around the application.
#[derive(Debug)]
pub struct CatchPanicsMiddleware<S> {
    service: S,
}

impl<S, B> Service<ServiceRequest> for CatchPanicsMiddleware<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // What the log names; no clone of the request lives across the call.
        let what = format!("{} {}", req.method(), req.path());
        // A panic while the call is being set up (a synchronous service) is caught too.
        let call = std::panic::catch_unwind(AssertUnwindSafe(|| self.service.call(req)));
        Box::pin(async move {
            let outcome = match call {
                Ok(call) => AssertUnwindSafe(call).catch_unwind().await,
                Err(panic) => Err(panic),
            };
            outcome.unwrap_or_else(|_| {
                tracing::error!(request = %what.escape_debug(), "a handler panicked: answered 500");
                let status = StatusCode::INTERNAL_SERVER_ERROR;
                Err(InternalError::from_response(MESSAGE, Error::json(status, MESSAGE)).into())
            })
        })
    }
}
