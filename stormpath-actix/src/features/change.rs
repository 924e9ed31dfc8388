//! `/change` (spec §10.5): the password-reset link's page. The token is checked before
//! anything about the new password.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use stormpath_client::Account;

use super::{FormField, FormPage, format, query_param, read_form, route, text};
use crate::{Error, Stormpath, body::Body, negotiate::Format, redirect};

const NO_TOKEN: &str = "sptoken parameter not provided.";

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().change_password {
        let uri = &sp.settings().config.web.change_password.uri;
        cfg.route(uri, route(web::get()).to(get));
        cfg.route(uri, route(web::post()).to(post));
    }
}

/// Why a reset did not go through.
enum Failure {
    /// No token at all.
    Missing,
    /// Unknown, expired or used token.
    Invalid,
    /// The password (or the request) is at fault; the token is still good.
    Input(Error),
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let token = query_param(&req, "sptoken").filter(|t| !t.is_empty());
    let checked = match &token {
        None => Err(Failure::Missing),
        Some(token) => match sp.backend().check_password_reset(token).await {
            Ok(_) => Ok(()),
            Err(err) if err.is_backend() => return Err(err.into()),
            Err(_) => Err(Failure::Invalid),
        },
    };
    match (checked, fmt) {
        (Ok(()), Format::Json) => Ok(HttpResponse::Ok().finish()),
        (Ok(()), Format::Html) => page(
            &req,
            &sp,
            token.as_deref().unwrap_or_default(),
            None,
            StatusCode::OK,
        ),
        (Err(failure), _) => fail(&req, &sp, fmt, failure, ""),
    }
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let body = read_form(&req, &sp, payload).await;
    let token = query_param(&req, "sptoken")
        .or_else(|| {
            body.as_ref()
                .ok()
                .and_then(|b| b.str("sptoken"))
                .map(str::to_owned)
        })
        .filter(|t| !t.is_empty());
    let outcome = match (&token, body) {
        (None, _) => Err(Failure::Missing),
        (Some(token), Ok(body)) => reset(&sp, token, &body).await,
        (Some(token), Err(err)) => Err(blame(&sp, token, err).await),
    };
    let change = &sp.settings().config.web.change_password;
    match (outcome, fmt) {
        (Ok(account), Format::Json) if change.auto_login => {
            let tokens = sp.backend().issue_tokens(&account).await?;
            let mut res = super::account_json(&account);
            super::login::set_cookies(&mut res, &sp, &tokens, &req);
            Ok(res)
        }
        (Ok(_), Format::Json) => Ok(HttpResponse::Ok().finish()),
        (Ok(account), Format::Html) if change.auto_login => {
            let tokens = sp.backend().issue_tokens(&account).await?;
            let mut res = redirect::found(&sp.settings().config.web.login.next_uri);
            super::login::set_cookies(&mut res, &sp, &tokens, &req);
            Ok(res)
        }
        (Ok(_), Format::Html) => Ok(redirect::found(&change.next_uri)),
        (Err(failure), _) => fail(
            &req,
            &sp,
            fmt,
            failure,
            token.as_deref().unwrap_or_default(),
        ),
    }
}

/// Sets the new password; the store checks the token before the password and uses it up.
/// No HTTP in here.
async fn reset(sp: &Stormpath, token: &str, body: &Body) -> Result<Account, Failure> {
    let password = match new_password(body) {
        Ok(password) => password,
        Err(problem) => return Err(blame(sp, token, problem).await),
    };
    match sp.backend().complete_password_reset(token, password).await {
        Ok(account) => {
            tracing::info!(account = %account.href, "password reset");
            Ok(account)
        }
        Err(stormpath_client::Error::NotFound) => Err(Failure::Invalid),
        Err(err) => Err(Failure::Input(err.into())),
    }
}

/// The new password, present and confirmed.
fn new_password(body: &Body) -> Result<&str, Error> {
    let password = text(body, "password", "Password")?
        .ok_or_else(|| Error::BadRequest("Password is required.".into()))?;
    let confirm = text(body, "confirmPassword", "Confirm Password")?;
    if confirm.is_some_and(|c| c != password) {
        return Err(Error::BadRequest("Passwords do not match.".into()));
    }
    Ok(password)
}

/// What a request with a problem of its own is told: an invalid token is reported first
/// (spec §10.5), so the token is looked at before the problem is.
async fn blame(sp: &Stormpath, token: &str, problem: Error) -> Failure {
    match sp.backend().check_password_reset(token).await {
        Ok(_) => Failure::Input(problem),
        Err(err) if err.is_backend() => Failure::Input(err.into()),
        Err(_) => Failure::Invalid,
    }
}

fn fail(
    req: &HttpRequest,
    sp: &Stormpath,
    fmt: Format,
    failure: Failure,
    token: &str,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    match (failure, fmt) {
        (Failure::Missing, Format::Json) => Ok(Error::json(StatusCode::BAD_REQUEST, NO_TOKEN)),
        (Failure::Missing, Format::Html) => Ok(redirect::found(&web.forgot_password.uri)),
        (Failure::Invalid, Format::Json) => Ok(super::json_error(&Error::Backend(
            stormpath_client::Error::NotFound,
        ))),
        (Failure::Invalid, Format::Html) => Ok(redirect::found(&web.change_password.error_uri)),
        (Failure::Input(err), _) if err.is_internal() => Err(err),
        (Failure::Input(err), Format::Json) => Ok(super::json_error(&err)),
        (Failure::Input(err), Format::Html) => {
            let status = super::html_status(&err);
            page(req, sp, token, Some(err.to_string()), status)
        }
    }
}

fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    token: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let action = action_with_token(&web.change_password.uri, token);
    let mut page = FormPage::new(
        &web.change_password.view,
        "Choose a New Password",
        action,
        "Change Password",
    );
    page.fields.push(FormField::input(
        "change", "password", "Password", "password",
    ));
    page.fields.push(FormField::input(
        "change",
        "confirmPassword",
        "Confirm Password",
        "password",
    ));
    page.errors.extend(error);
    let mut res = page.render(req, sp, status)?;
    // The page's URL carries the token: keep it out of Referer headers (TOK-6).
    res.headers_mut().insert(
        actix_web::http::header::REFERRER_POLICY,
        actix_web::http::header::HeaderValue::from_static("no-referrer"),
    );
    Ok(res)
}

/// `/change?sptoken=<token>`, the token percent-encoded.
fn action_with_token(uri: &str, token: &str) -> String {
    let token = percent_encoding::utf8_percent_encode(token, crate::redirect::COMPONENT);
    format!("{uri}?sptoken={token}")
}
