//! `/forgot` (spec §10.4): asks for a password-reset email. Answers the same whether or not
//! the address has an account.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web::ServiceConfig};
use serde::Deserialize;
use stormpath_client::throttle::Action;

use crate::{
    AuditEvent, Error, Stormpath, audit, client_ip, guard,
    input::{Input, Text, query_param},
    negotiate,
    pages::{FormField, FormPage},
    respond::{self, Done},
    routes::bind,
};

/// The banner for `?status=invalid_sptoken` (spec §9).
const INVALID_LINK: &str = "The password reset link you tried to use is no longer valid. Please request a new link from the form below.";

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().forgot_password {
        let uri = &sp.settings().config.web.forgot_password.uri;
        // There is no JSON view of this page: a JSON GET passes through (spec §10.4).
        bind(cfg, uri, Method::GET, negotiate::html_guard, get);
        bind(cfg, uri, Method::POST, negotiate::guard, post);
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    page(&req, &sp, None, None, StatusCode::OK)
}

/// What the form posts.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ForgotForm {
    email: Text,
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    input: Result<Input<ForgotForm>, Error>,
) -> Result<HttpResponse, Error> {
    let mut submitted = String::new();
    let outcome = async {
        let email = input?.value.email;
        let email = email.get("Email")?;
        submitted = email.unwrap_or_default().to_owned();
        request_reset(&req, &sp, email).await?;
        Ok(Done::empty(
            &sp.settings().config.web.forgot_password.next_uri,
        ))
    }
    .await;
    respond::answer(&req, &sp, outcome, |error, status| {
        page(&req, &sp, Some(&submitted), Some(error), status)
    })
}

/// Has the store mail a reset link when an ENABLED account has this address; nothing happens
/// otherwise (and the answer is the same).
async fn request_reset(
    req: &HttpRequest,
    sp: &Stormpath,
    email: Option<&str>,
) -> Result<(), Error> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let email = email.ok_or_else(|| Error::BadRequest("Email is required.".into()))?;
    guard::take(req, sp, Action::Mail).await?;
    sp.backend().send_password_reset(email).await?;
    sp.audit(&AuditEvent::PasswordResetRequested {
        login: audit::login_digest(email),
        ip: client_ip::address(req, sp),
    });
    Ok(())
}

fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    email: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let mut page = FormPage::new(
        &web.forgot_password.view,
        "Forgot Password",
        web.forgot_password.uri.clone(),
        "Send Reset Link",
    );
    page.fields
        .push(FormField::input("forgot", "email", "Email", "email").with_value(email));
    page.errors.extend(error);
    let warning =
        (query_param(req, "status").as_deref() == Some("invalid_sptoken")).then_some(INVALID_LINK);
    page.extra.insert("warning", &warning);
    page.render(req, sp, status)
}
