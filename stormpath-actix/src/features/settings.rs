//! `/settings`: change the password while logged in. Asks for the current password, ends every
//! other session, keeps this one, and emails a notice.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};

use super::{FormField, FormPage, format, html_route, query_param, read_form, route, text};
use crate::{
    Error, Stormpath, auth,
    body::Body,
    mail::{self, Template},
    negotiate::Format,
    redirect,
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let settings = &sp.settings().config.web.settings;
    if settings.enabled {
        cfg.route(&settings.uri, html_route(web::get()).to(get));
        cfg.route(&settings.uri, route(web::post()).to(post));
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    let resolved = auth::resolve(&req, &sp).await?;
    let Some(caller) = &resolved.caller else {
        return Ok(auth::unauthenticated(&req, &sp, &resolved));
    };
    let notice = (query_param(&req, "status").as_deref() == Some("changed"))
        .then_some("Your password has been changed.");
    page(
        &req,
        &sp,
        &caller.account.email,
        notice,
        None,
        StatusCode::OK,
    )
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let resolved = auth::resolve(&req, &sp).await?;
    let Some(caller) = resolved.caller.clone() else {
        return Ok(auth::unauthenticated(&req, &sp, &resolved));
    };
    let outcome = match read_form(&req, &sp, payload).await {
        Ok(body) => change(&sp, &caller, &body).await,
        Err(err) => Err(err),
    };
    match (outcome, fmt) {
        (Ok(tokens), _) => {
            let mut res = match fmt {
                Format::Json => super::account_json(&caller.account),
                Format::Html => redirect::found(&sp.settings().config.web.settings.next_uri),
            };
            super::login::set_cookies(&mut res, &sp, &tokens, &req);
            Ok(res)
        }
        (Err(err), _) if err.is_internal() => Err(err),
        (Err(err), Format::Json) => Ok(super::json_error(&err)),
        (Err(err), Format::Html) => {
            let status = super::html_status(&err);
            page(
                &req,
                &sp,
                &caller.account.email,
                None,
                Some(err.to_string()),
                status,
            )
        }
    }
}

/// Checks the form, changes the password (revoking every token of the account) and issues
/// fresh tokens for this session. No HTTP in here.
async fn change(
    sp: &Stormpath,
    caller: &auth::Caller,
    body: &Body,
) -> Result<stormpath_client::TokenSet, Error> {
    let current = text(body, "currentPassword", "Current Password")?
        .ok_or_else(|| Error::BadRequest("Current Password is required.".into()))?;
    let password = text(body, "password", "New Password")?
        .ok_or_else(|| Error::BadRequest("New Password is required.".into()))?;
    if text(body, "confirmPassword", "Confirm Password")?.is_some_and(|c| c != password) {
        return Err(Error::BadRequest("Passwords do not match.".into()));
    }
    let backend = sp.backend();
    match backend
        .change_password(&caller.account.id, current, password)
        .await
    {
        Ok(()) => {}
        Err(stormpath_client::Error::InvalidCredentials) => {
            return Err(Error::BadRequest(
                "The current password is incorrect.".into(),
            ));
        }
        Err(err) => return Err(err.into()),
    }
    tracing::info!(account = %caller.account.href, "password changed");
    // The notice is best effort: the change itself has happened.
    if mail::send(sp, Template::PasswordChanged, &caller.account, None)
        .await
        .is_err()
    {
        tracing::warn!(account = %caller.account.href, "password-change notice not sent");
    }
    Ok(backend.issue_tokens(&caller.account).await?)
}

fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    email: &str,
    notice: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let mut page = FormPage::new(
        &web.settings.view,
        "Change Password",
        web.settings.uri.clone(),
        "Change Password",
    );
    page.fields.push(FormField::input(
        "settings",
        "currentPassword",
        "Current Password",
        "password",
    ));
    page.fields.push(FormField::input(
        "settings",
        "password",
        "New Password",
        "password",
    ));
    page.fields.push(FormField::input(
        "settings",
        "confirmPassword",
        "Confirm New Password",
        "password",
    ));
    page.errors.extend(error);
    page.extra.insert("email", email);
    page.extra.insert("notice", &notice);
    page.render(req, sp, status)
}
