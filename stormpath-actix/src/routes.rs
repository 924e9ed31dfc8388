//! How the feature routes are bound: behind the negotiation guards (spec §2.2), with the
//! security headers on every response ([`SecurityHeaders::plugin`]), and, for the routes that
//! need a login, with the renewed token cookies sent back.

use actix_web::{
    FromRequest, Handler, Responder,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    guard::{self, GuardContext},
    http::Method,
    middleware::{Next, from_fn},
    web::{self, ServiceConfig},
};

use crate::{auth, headers::SecurityHeaders};

/// A negotiation guard ([`crate::negotiate::guard`] or [`crate::negotiate::html_guard`]).
pub(crate) type Negotiated = fn(&GuardContext<'_>) -> bool;

/// Binds `handler` for `method` at `path`, behind `negotiated` (a request it refuses falls
/// through to the application's routes), with the security headers on every response.
pub(crate) fn bind<F, Args>(
    cfg: &mut ServiceConfig,
    path: &str,
    method: Method,
    negotiated: Negotiated,
    handler: F,
) where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    cfg.service(
        web::resource(path)
            .guard(guard::Method(method.clone()))
            .guard(guard::fn_guard(negotiated))
            .wrap(SecurityHeaders::plugin())
            .route(web::method(method).to(handler)),
    );
}

/// Binds `handler` for `method` at `path` for logged-in callers (behind `negotiated`, when
/// given): the handler takes [`CurrentUser`](crate::CurrentUser) like any application handler,
/// and the responses carry the cookies that resolving the caller asked for (a renewed access
/// token), as those of `#[login_required]` handlers do.
pub(crate) fn protected<F, Args>(
    cfg: &mut ServiceConfig,
    path: &str,
    method: Method,
    negotiated: Option<Negotiated>,
    handler: F,
) where
    F: Handler<Args>,
    Args: FromRequest + 'static,
    F::Output: Responder + 'static,
{
    let mut resource = web::resource(path).guard(guard::Method(method.clone()));
    if let Some(negotiated) = negotiated {
        resource = resource.guard(guard::fn_guard(negotiated));
    }
    cfg.service(
        resource
            .wrap(from_fn(renewed_cookies))
            .wrap(SecurityHeaders::plugin())
            .route(web::method(method).to(handler)),
    );
}

/// The middleware of [`protected`] (and of scopes of protected routes).
pub(crate) async fn renewed_cookies(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    if let Some(resolved) = auth::resolved(res.request()) {
        auth::add_cookies(res.response_mut(), &resolved);
    }
    Ok(res)
}
