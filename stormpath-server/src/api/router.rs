//! Route registration that remembers which methods each path answers, so that a known path
//! asked with another method is 405/1100 with an `Allow` header (spec §4) rather than 404.

use std::{ops::Deref, sync::Arc};

use actix_web::{
    FromRequest, Handler, HttpRequest, HttpResponse, Responder, ResponseError,
    dev::ResourceDef,
    http::{Method, header},
    web,
};

use crate::error::ApiError;

/// The `/v1` paths and the methods bound to each.
#[derive(Default)]
pub(crate) struct RouteTable {
    routes: Vec<(ResourceDef, Method)>,
}

impl RouteTable {
    /// The methods some route answers at `path` (a full request path), in binding order.
    fn allowed(&self, path: &str) -> Vec<Method> {
        let mut methods: Vec<Method> = Vec::new();
        for (def, method) in &self.routes {
            if def.is_match(path) && !methods.contains(method) {
                methods.push(method.clone());
            }
        }
        methods
    }

    /// The answer to a request no route took: 405/1100 with `Allow` when the path is known
    /// under other methods, else 404.
    pub(crate) fn refusal(&self, req: &HttpRequest) -> HttpResponse {
        let allowed = self.allowed(req.path());
        if allowed.is_empty() {
            return ApiError::not_found().error_response();
        }
        let allow = allowed
            .iter()
            .map(Method::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        let mut response = ApiError::new(
            405,
            1100,
            format!(
                "The {} method is not supported for this resource.",
                req.method()
            ),
        )
        .developer(format!(
            "The {} method is not supported for this resource; it allows {allow}.",
            req.method()
        ))
        .error_response();
        if let Ok(value) = header::HeaderValue::from_str(&allow) {
            response.headers_mut().insert(header::ALLOW, value);
        }
        response
    }
}

/// Binds routes on a `ServiceConfig` under `prefix` and records them in a [`RouteTable`].
/// It dereferences to the `ServiceConfig`, for modules that bind services themselves.
pub(crate) struct Router<'a> {
    cfg: &'a mut web::ServiceConfig,
    prefix: &'static str,
    table: RouteTable,
}

impl<'a> Router<'a> {
    /// A router over `cfg` whose paths live under `prefix` (e.g. `/v1`).
    pub(crate) fn new(cfg: &'a mut web::ServiceConfig, prefix: &'static str) -> Self {
        Self {
            cfg,
            prefix,
            table: RouteTable::default(),
        }
    }

    /// The table of what was bound.
    pub(crate) fn finish(self) -> Arc<RouteTable> {
        Arc::new(self.table)
    }

    fn bind<F, Args>(&mut self, path: &str, method: Method, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.table.routes.push((
            ResourceDef::new(format!("{}{path}", self.prefix)),
            method.clone(),
        ));
        self.cfg
            .route(path, web::route().method(method).to(handler));
        self
    }

    /// `GET path`.
    pub(crate) fn get<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.bind(path, Method::GET, handler)
    }

    /// `POST path`.
    pub(crate) fn post<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.bind(path, Method::POST, handler)
    }

    /// `PUT path`.
    pub(crate) fn put<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.bind(path, Method::PUT, handler)
    }

    /// `DELETE path`.
    pub(crate) fn delete<F, Args>(&mut self, path: &str, handler: F) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.bind(path, Method::DELETE, handler)
    }
}

impl Deref for Router<'_> {
    type Target = web::ServiceConfig;

    fn deref(&self) -> &Self::Target {
        self.cfg
    }
}

impl std::ops::DerefMut for Router<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        self.cfg
    }
}
