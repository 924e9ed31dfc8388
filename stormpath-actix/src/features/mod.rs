//! One module per spec feature. Each binds its routes in `configure` (nothing when the
//! feature is disabled) and keeps three layers: the handler (HTTP in), a service function
//! (no HTTP), and the response (HTML page or JSON, chosen by negotiation).

mod api_keys;
mod change;
mod forgot;
mod login;
mod logout;
mod me;
mod oauth;
mod register;
mod settings;
mod verify;

use actix_web::{
    FromRequest, HttpRequest, HttpResponse, guard,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use serde::Serialize;
use serde_json::Value;

use crate::{
    Error, Stormpath, body, csrf,
    negotiate::{self, Format},
};

/// Binds every enabled feature's routes.
pub(crate) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    login::configure(cfg, sp);
    register::configure(cfg, sp);
    logout::configure(cfg, sp);
    forgot::configure(cfg, sp);
    change::configure(cfg, sp);
    verify::configure(cfg, sp);
    me::configure(cfg, sp);
    oauth::configure(cfg, sp);
    settings::configure(cfg, sp);
    api_keys::configure(cfg, sp);
}

/// A route that only matches when negotiation does not PASS (spec §2.2).
fn route(method: actix_web::Route) -> actix_web::Route {
    method.guard(guard::fn_guard(negotiate::guard))
}

/// A route for HTML pages only: anything else falls through.
fn html_route(method: actix_web::Route) -> actix_web::Route {
    method.guard(guard::fn_guard(negotiate::html_guard))
}

/// The format negotiated for a request (the route guard guarantees there is one).
fn format(req: &HttpRequest, sp: &Stormpath) -> Format {
    negotiate::request_format(req, &sp.settings().produces).unwrap_or(Format::Json)
}

/// The variables every page has: the application name and the page title.
pub(crate) fn page_context(sp: &Stormpath, title: &str) -> tera::Context {
    let mut ctx = tera::Context::new();
    ctx.insert("app_name", &sp.settings().application);
    ctx.insert("title", title);
    ctx
}

/// A link under a form.
#[derive(Serialize)]
struct Link {
    href: String,
    text: &'static str,
}

/// Links to the other bound pages, for the bottom of a form.
fn links(sp: &Stormpath, here: &str) -> Vec<Link> {
    let settings = sp.settings();
    let web = &settings.config.web;
    let mut out = Vec::new();
    if here != "login" && web.login.enabled {
        out.push(Link {
            href: web.login.uri.clone(),
            text: "Log in",
        });
    }
    if here != "register" && web.register.enabled {
        out.push(Link {
            href: web.register.uri.clone(),
            text: "Create an account",
        });
    }
    if here == "login" && settings.forgot_password {
        out.push(Link {
            href: web.forgot_password.uri.clone(),
            text: "Forgot your password?",
        });
    }
    if here == "login" && settings.verify_email {
        out.push(Link {
            href: web.verify_email.uri.clone(),
            text: "Resend the verification email",
        });
    }
    out
}

/// A query-string parameter (first value).
fn query_param(req: &HttpRequest, name: &str) -> Option<String> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A form field given to a template: the spec's field plus the value to show and its error.
#[derive(Serialize)]
struct FormField<'a> {
    name: &'a str,
    label: &'a str,
    placeholder: &'a str,
    required: bool,
    #[serde(rename = "type")]
    kind: &'a str,
    value: Option<&'a str>,
    /// For a checkbox: whether it is ticked.
    checked: bool,
    error: Option<&'a str>,
    autocomplete: Option<&'static str>,
}

impl<'a> FormField<'a> {
    /// A required input whose placeholder is its label.
    fn input(form: &str, name: &'a str, label: &'a str, kind: &'a str) -> Self {
        Self {
            name,
            label,
            placeholder: label,
            required: true,
            kind,
            value: None,
            checked: false,
            error: None,
            autocomplete: autocomplete(form, name),
        }
    }

    /// The same, showing a value.
    fn with_value(mut self, value: Option<&'a str>) -> Self {
        self.value = value;
        self
    }
}

/// A page built around one POST form: what every view template gets.
struct FormPage<'a> {
    view: &'a str,
    title: &'a str,
    action: String,
    submit: &'a str,
    fields: Vec<FormField<'a>>,
    errors: Vec<String>,
    /// Extra template variables (banners, notices).
    extra: tera::Context,
}

impl<'a> FormPage<'a> {
    fn new(view: &'a str, title: &'a str, action: String, submit: &'a str) -> Self {
        Self {
            view,
            title,
            action,
            submit,
            fields: Vec::new(),
            errors: Vec::new(),
            extra: tera::Context::new(),
        }
    }

    /// Renders the page with a CSRF token (and the CSRF cookie when the browser has none), the
    /// links to the other pages, and the headers of an auth page.
    fn render(
        self,
        req: &HttpRequest,
        sp: &Stormpath,
        status: StatusCode,
    ) -> Result<HttpResponse, Error> {
        let issued = csrf::issue(req, &sp.settings().secret);
        let mut ctx = page_context(sp, self.title);
        ctx.insert("csrf_token", &issued.token);
        ctx.insert("action", &self.action);
        ctx.insert("submit", self.submit);
        ctx.insert("fields", &self.fields);
        ctx.insert("errors", &self.errors);
        ctx.insert("links", &links(sp, self.view));
        ctx.extend(self.extra);
        let mut res = sp.templates().page(self.view, &ctx, status)?;
        if let Some(cookie) = issued.cookie {
            let _ = res.add_cookie(&cookie);
        }
        Ok(res)
    }
}

/// The `autocomplete` hint of a well-known field (password managers depend on it).
fn autocomplete(form: &str, name: &str) -> Option<&'static str> {
    Some(match (form, name) {
        ("login", "login") => "username",
        ("login", "password") => "current-password",
        (_, "password" | "confirmPassword") => "new-password",
        (_, "email") => "email",
        (_, "username") => "username",
        (_, "givenName") => "given-name",
        (_, "middleName") => "additional-name",
        (_, "surname") => "family-name",
        _ => return None,
    })
}

/// Reads a POST body and checks its CSRF token when it is a form (spec §2.3, §2.4).
async fn read_form(
    req: &HttpRequest,
    sp: &Stormpath,
    payload: web::Payload,
) -> Result<body::Body, Error> {
    let body = body::read(req, payload, sp.settings().config.web.max_body_size).await?;
    if body.kind == body::BodyKind::Form && !csrf::verify(req, &body, &sp.settings().secret) {
        return Err(Error::Csrf);
    }
    Ok(body)
}

/// A string member of a body: `Ok(None)` when absent, null or empty.
///
/// # Errors
/// [`Error::BadRequest`] when the member is not a string.
fn text<'a>(body: &'a body::Body, name: &str, label: &str) -> Result<Option<&'a str>, Error> {
    match body.fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::BadRequest(format!("{label} must be a string."))),
    }
}

/// The answer to a failed JSON request: `{status, message}` for a 4xx, the bare 500 otherwise.
fn json_error(err: &Error) -> HttpResponse {
    actix_web::ResponseError::error_response(err)
}

/// The status an HTML re-render carries for an error: 200 like the spec's form errors, or the
/// error's own status for a body we could not read.
fn html_status(err: &Error) -> StatusCode {
    match err {
        Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::OK,
    }
}

/// A JSON `{"account": …}` response (spec §4.2).
fn account_json(account: &stormpath_client::Account) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "account": account }))
}

impl FromRequest for Stormpath {
    type Error = Error;
    type Future = std::future::Ready<Result<Self, Error>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(req.app_data::<Self>().cloned().ok_or(Error::NotConfigured))
    }
}
