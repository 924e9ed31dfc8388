//! The HTML side of the feature pages: the variables every page has, the one-form page every
//! view template gets ([`FormPage`], [`FormField`]), the links under a form and the
//! `autocomplete` hints password managers rely on.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use serde::Serialize;

use crate::{Error, Stormpath, client_ip, csrf};

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

/// A form field given to a template: the spec's field plus the value to show and its error.
#[derive(Serialize)]
pub(crate) struct FormField<'a> {
    pub(crate) name: &'a str,
    pub(crate) label: &'a str,
    pub(crate) placeholder: &'a str,
    pub(crate) required: bool,
    #[serde(rename = "type")]
    pub(crate) kind: &'a str,
    pub(crate) value: Option<&'a str>,
    /// For a checkbox: whether it is ticked.
    pub(crate) checked: bool,
    pub(crate) error: Option<&'a str>,
    pub(crate) autocomplete: Option<&'static str>,
}

impl<'a> FormField<'a> {
    /// A required input whose placeholder is its label.
    pub(crate) fn input(form: &str, name: &'a str, label: &'a str, kind: &'a str) -> Self {
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
    pub(crate) fn with_value(mut self, value: Option<&'a str>) -> Self {
        self.value = value;
        self
    }
}

/// A page built around one POST form: what every view template gets.
pub(crate) struct FormPage<'a> {
    view: &'a str,
    title: &'a str,
    action: String,
    submit: &'a str,
    pub(crate) fields: Vec<FormField<'a>>,
    pub(crate) errors: Vec<String>,
    /// Extra template variables (banners, notices).
    pub(crate) extra: tera::Context,
}

impl<'a> FormPage<'a> {
    pub(crate) fn new(view: &'a str, title: &'a str, action: String, submit: &'a str) -> Self {
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
    pub(crate) fn render(
        self,
        req: &HttpRequest,
        sp: &Stormpath,
        status: StatusCode,
    ) -> Result<HttpResponse, Error> {
        let issued = csrf::issue(req, &sp.settings().secret, client_ip::is_https(req, sp));
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
        ("login", "password") | (_, "currentPassword") => "current-password",
        (_, "password" | "confirmPassword") => "new-password",
        (_, "email") => "email",
        (_, "username") => "username",
        (_, "givenName") => "given-name",
        (_, "middleName") => "additional-name",
        (_, "surname") => "family-name",
        _ => return None,
    })
}
