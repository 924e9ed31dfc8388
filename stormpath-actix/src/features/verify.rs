//! `/verify` (spec §10.6): consumes email-verification links and resends them. Bound only when
//! email verification is on.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web::ServiceConfig};
use serde::Deserialize;
use stormpath_client::throttle::Action;

use crate::{
    Error, Stormpath, guard,
    input::{Input, Text, query_param},
    negotiate::{self, Format},
    pages::{FormField, FormPage},
    redirect,
    respond::{self, Done},
    routes::bind,
    session,
};

const INVALID_LINK: &str =
    "This verification link is no longer valid. Please request a new link from the form below.";

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().verify_email {
        let uri = &sp.settings().config.web.verify_email.uri;
        bind(cfg, uri, Method::GET, negotiate::guard, get);
        bind(cfg, uri, Method::POST, negotiate::guard, post);
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let Some(token) = query_param(&req, "sptoken").filter(|t| !t.is_empty()) else {
        return match negotiate::format(&req, &sp) {
            Format::Json => Ok(Error::json(
                StatusCode::BAD_REQUEST,
                "sptoken parameter not provided.",
            )),
            Format::Html => page(&req, &sp, None, None, StatusCode::OK),
        };
    };
    let verified = guard::token_check(&req, &sp, sp.backend().verify_email(&token)).await;
    let verified = match verified {
        Ok(verified) => verified,
        Err(throttled) => {
            return respond::failure(&req, &sp, throttled, |message, status| {
                page(&req, &sp, Some(&message), None, status)
            });
        }
    };
    let account = match verified {
        Ok(account) => account,
        Err(err) if err.is_backend() => return Err(err.into()),
        Err(err) => {
            return respond::failure(&req, &sp, err.into(), |_, _| {
                page(&req, &sp, Some(INVALID_LINK), None, StatusCode::OK)
            });
        }
    };
    tracing::info!(account = %account.href, "email verified");
    let web = &sp.settings().config.web;
    let done = if web.register.auto_login {
        let to = redirect::next_or(&req, &web.login.next_uri);
        session::start(&req, &sp, &account, to).await?
    } else {
        Done::empty(&web.verify_email.next_uri)
    };
    Ok(done.respond(negotiate::format(&req, &sp)))
}

/// What the resend form posts: the address, as `email` or `login`.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ResendForm {
    email: Text,
    login: Text,
}

/// Resends the link. Answers the same whether or not the address has an UNVERIFIED account.
async fn post(
    req: HttpRequest,
    sp: Stormpath,
    input: Result<Input<ResendForm>, Error>,
) -> Result<HttpResponse, Error> {
    let outcome = async {
        let form = input?.value;
        let (email, login) = (form.email.get("Email")?, form.login.get("Email")?);
        resend(&req, &sp, email.or(login)).await?;
        let login = &sp.settings().config.web.login.uri;
        Ok(Done::empty(format!("{login}?status=unverified")))
    }
    .await;
    respond::answer(&req, &sp, outcome, |error, status| {
        page(&req, &sp, None, Some(error), status)
    })
}

/// Has the store mail a new link to the UNVERIFIED account with this address, if any.
async fn resend(req: &HttpRequest, sp: &Stormpath, email: Option<&str>) -> Result<(), Error> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let email = email.ok_or_else(|| Error::BadRequest("Email is required.".into()))?;
    guard::take(req, sp, Action::Mail).await?;
    Ok(sp.backend().resend_verification_email(email).await?)
}

fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    warning: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let mut page = FormPage::new(
        &web.verify_email.view,
        "Verify Your Email",
        web.verify_email.uri.clone(),
        "Resend Email",
    );
    page.fields
        .push(FormField::input("verify", "email", "Email", "email"));
    page.errors.extend(error);
    page.extra.insert("warning", &warning);
    page.render(req, sp, status)
}
