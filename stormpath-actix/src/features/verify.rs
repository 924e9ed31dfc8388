//! `/verify` (spec §10.6): consumes email-verification links and resends them. Bound only when
//! email verification is on.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use stormpath_client::Account;

use super::{FormField, FormPage, format, query_param, read_form, route, text};
use crate::{
    Error, Stormpath,
    mail::{self, Template},
    negotiate::Format,
    redirect,
};

const INVALID_LINK: &str =
    "This verification link is no longer valid. Please request a new link from the form below.";

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    if sp.settings().verify_email {
        let uri = &sp.settings().config.web.verify_email.uri;
        cfg.route(uri, route(web::get()).to(get));
        cfg.route(uri, route(web::post()).to(post));
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let Some(token) = query_param(&req, "sptoken").filter(|t| !t.is_empty()) else {
        return match fmt {
            Format::Json => Ok(Error::json(
                StatusCode::BAD_REQUEST,
                "sptoken parameter not provided.",
            )),
            Format::Html => page(&req, &sp, None, None, StatusCode::OK),
        };
    };
    let account = match sp.backend().verify_email(&token).await {
        Ok(account) => account,
        Err(err) if err.is_backend() => return Err(err.into()),
        Err(err) => {
            return match fmt {
                Format::Json => Ok(super::json_error(&Error::Backend(err))),
                Format::Html => page(&req, &sp, Some(INVALID_LINK), None, StatusCode::OK),
            };
        }
    };
    tracing::info!(account = %account.href, "email verified");
    let web = &sp.settings().config.web;
    if !web.register.auto_login {
        return Ok(match fmt {
            Format::Json => HttpResponse::Ok().finish(),
            Format::Html => redirect::found(&web.verify_email.next_uri),
        });
    }
    let tokens = sp.backend().issue_tokens(&account).await?;
    let mut res = match fmt {
        Format::Json => super::account_json(&account),
        Format::Html => {
            let next = query_param(&req, "next");
            redirect::found(redirect::safe_next(next.as_deref()).unwrap_or(&web.login.next_uri))
        }
    };
    super::login::set_cookies(&mut res, &sp, &tokens, &req);
    Ok(res)
}

/// Resends the link. Answers the same whether or not the address has an UNVERIFIED account.
async fn post(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let outcome = match read_form(&req, &sp, payload).await {
        Ok(body) => match (text(&body, "email", "Email"), text(&body, "login", "Email")) {
            (Err(e), _) | (_, Err(e)) => Err(e),
            (Ok(email), Ok(login)) => resend(&sp, email.or(login)).await,
        },
        Err(err) => Err(err),
    };
    match (outcome, fmt) {
        (Ok(()), Format::Json) => Ok(HttpResponse::Ok().finish()),
        (Ok(()), Format::Html) => Ok(redirect::found(&format!(
            "{}?status=unverified",
            sp.settings().config.web.login.uri
        ))),
        (Err(err), _) if err.is_internal() => Err(err),
        (Err(err), Format::Json) => Ok(super::json_error(&err)),
        (Err(err), Format::Html) => page(
            &req,
            &sp,
            None,
            Some(err.to_string()),
            super::html_status(&err),
        ),
    }
}

async fn resend(sp: &Stormpath, email: Option<&str>) -> Result<(), Error> {
    let email = email.map(str::trim).filter(|e| !e.is_empty());
    let email = email.ok_or_else(|| Error::BadRequest("Email is required.".into()))?;
    if let Some((account, token)) = sp.backend().start_email_verification(email).await? {
        send_link(sp, &account, &token).await?;
    }
    Ok(())
}

/// Mails a verification link; a failed send voids the token.
pub(crate) async fn send_link(sp: &Stormpath, account: &Account, token: &str) -> Result<(), Error> {
    let link = mail::link(sp, &sp.settings().config.web.verify_email.uri, token);
    if let Err(err) = mail::send(sp, Template::Verification, account, Some(&link)).await {
        sp.backend().cancel_one_time_tokens(&account.id).await?;
        return Err(err);
    }
    Ok(())
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
