//! `/change` (spec §10.5): the password-reset link's page. The token is checked before
//! anything about the new password.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web::ServiceConfig};
use serde::Deserialize;
use stormpath_client::Account;

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

const NO_TOKEN: &str = "sptoken parameter not provided.";

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().change_password {
        let uri = &sp.settings().config.web.change_password.uri;
        bind(cfg, uri, Method::GET, negotiate::guard, get);
        bind(cfg, uri, Method::POST, negotiate::guard, post);
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

/// What the form posts (the token may come in the query instead).
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ChangeForm {
    sptoken: Text,
    password: Text,
    confirm_password: Text,
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let token = query_param(&req, "sptoken").filter(|t| !t.is_empty());
    let checked = match &token {
        None => Err(Failure::Missing),
        Some(token) => {
            match guard::token_check(&req, &sp, sp.backend().check_password_reset(token)).await? {
                Ok(_) => Ok(()),
                Err(err) if err.is_backend() => return Err(err.into()),
                Err(_) => Err(Failure::Invalid),
            }
        }
    };
    match (checked, negotiate::format(&req, &sp)) {
        (Ok(()), Format::Json) => Ok(HttpResponse::Ok().finish()),
        (Ok(()), Format::Html) => page(
            &req,
            &sp,
            token.as_deref().unwrap_or_default(),
            None,
            StatusCode::OK,
        ),
        (Err(failure), _) => fail(&req, &sp, failure, ""),
    }
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    input: Result<Input<ChangeForm>, Error>,
) -> Result<HttpResponse, Error> {
    let token = query_param(&req, "sptoken")
        .or_else(|| {
            let form = &input.as_ref().ok()?.value;
            Some(form.sptoken.shown().to_owned())
        })
        .filter(|t| !t.is_empty());
    let outcome = match (&token, input) {
        (None, _) => Err(Failure::Missing),
        (Some(token), Ok(input)) => reset(&req, &sp, token, &input.value).await,
        (Some(token), Err(err)) => Err(blame(&req, &sp, token, err).await),
    };
    let web = &sp.settings().config.web;
    let done = match outcome {
        Ok(account) if web.change_password.auto_login => {
            session::start(&req, &sp, &account, &web.login.next_uri).await?
        }
        Ok(_) => Done::empty(&web.change_password.next_uri),
        Err(failure) => {
            return fail(&req, &sp, failure, token.as_deref().unwrap_or_default());
        }
    };
    Ok(done.respond(negotiate::format(&req, &sp)))
}

/// Sets the new password; the store checks the token before the password and uses it up.
/// A wrong token counts against the client; a completed reset lifts the login's throttle
/// for it (`guard`).
async fn reset(
    req: &HttpRequest,
    sp: &Stormpath,
    token: &str,
    form: &ChangeForm,
) -> Result<Account, Failure> {
    let password = match new_password(form) {
        Ok(password) => password,
        Err(problem) => return Err(blame(req, sp, token, problem).await),
    };
    let completed = sp.backend().complete_password_reset(token, password);
    match guard::token_check(req, sp, completed).await {
        Ok(Ok(account)) => {
            sp.audit(&crate::AuditEvent::PasswordReset {
                account: account.href.clone(),
                ip: crate::client_ip::address(req, sp),
            });
            guard::password_reset(req, sp, &account)
                .await
                .map_err(Failure::Input)?;
            Ok(account)
        }
        Ok(Err(stormpath_client::Error::NotFound)) => Err(Failure::Invalid),
        Ok(Err(err)) => Err(Failure::Input(err.into())),
        Err(throttled) => Err(Failure::Input(throttled)),
    }
}

/// The new password, present and confirmed.
fn new_password(form: &ChangeForm) -> Result<&str, Error> {
    let password = form
        .password
        .get("Password")?
        .ok_or_else(|| Error::BadRequest("Password is required.".into()))?;
    let confirm = form.confirm_password.get("Confirm Password")?;
    if confirm.is_some_and(|c| c != password) {
        return Err(Error::BadRequest("Passwords do not match.".into()));
    }
    Ok(password)
}

/// What a request with a problem of its own is told: an invalid token is reported first
/// (spec §10.5), so the token is looked at before the problem is.
async fn blame(req: &HttpRequest, sp: &Stormpath, token: &str, problem: Error) -> Failure {
    let checked = guard::token_check(req, sp, sp.backend().check_password_reset(token)).await;
    let checked = match checked {
        Ok(checked) => checked,
        Err(throttled) => return Failure::Input(throttled),
    };
    match checked {
        Ok(_) => Failure::Input(problem),
        Err(err) if err.is_backend() => Failure::Input(err.into()),
        Err(_) => Failure::Invalid,
    }
}

/// The answer to a reset that did not go through.
fn fail(
    req: &HttpRequest,
    sp: &Stormpath,
    failure: Failure,
    token: &str,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let format = negotiate::format(req, sp);
    match (failure, format) {
        (Failure::Missing, Format::Json) => Ok(Error::json(StatusCode::BAD_REQUEST, NO_TOKEN)),
        (Failure::Missing, Format::Html) => Ok(redirect::found(&web.forgot_password.uri)),
        (Failure::Invalid, Format::Json) => Ok(actix_web::ResponseError::error_response(
            &Error::Backend(stormpath_client::Error::NotFound),
        )),
        (Failure::Invalid, Format::Html) => Ok(redirect::found(&web.change_password.error_uri)),
        (Failure::Input(err), _) => respond::failure(req, sp, err, |error, status| {
            page(req, sp, token, Some(error), status)
        }),
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
