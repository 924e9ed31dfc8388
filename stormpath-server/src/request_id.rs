//! `Stormpath-Request-Id`: a UUID per request, on every response and in every error body.

use actix_web::{
    Error, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{HeaderName, HeaderValue},
    middleware::Next,
};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The header's name.
pub(crate) const HEADER: &str = "stormpath-request-id";

/// The id of the request being served (empty outside one).
#[must_use]
pub(crate) fn current() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// The outermost middleware: names the request. Inner layers turn their errors into
/// responses while the name is known, so that error bodies carry it.
pub(crate) async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = uuid::Uuid::new_v4().to_string();
    let mut res = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .await?
        .map_into_boxed_body();
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(res)
}

/// A response made under a fresh request id, which it carries in its header (for answers
/// outside the middleware, such as paths outside `/v1`).
pub(crate) async fn answer(make: impl FnOnce() -> HttpResponse) -> HttpResponse {
    let id = uuid::Uuid::new_v4().to_string();
    let mut res = REQUEST_ID.scope(id.clone(), async { make() }).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    res
}
