//! `/settings`: change the password while logged in. Asks for the current password, ends every
//! other session, keeps this one, and emails a notice.

use actix_web::{
    HttpRequest, HttpResponse,
    http::{Method, StatusCode},
    web::ServiceConfig,
};
use serde::Deserialize;

use crate::{
    CurrentUser, Error, Stormpath, guard,
    input::{Input, Text, query_param},
    negotiate,
    pages::{FormField, FormPage},
    respond,
    routes::protected,
    session,
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let settings = &sp.settings().config.web.settings;
    if settings.enabled {
        let uri = &settings.uri;
        protected(cfg, uri, Method::GET, Some(negotiate::html_guard), get);
        protected(cfg, uri, Method::POST, Some(negotiate::guard), post);
    }
}

/// What the form posts.
#[derive(Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SettingsForm {
    current_password: Text,
    password: Text,
    confirm_password: Text,
}

async fn get(req: HttpRequest, sp: Stormpath, user: CurrentUser) -> Result<HttpResponse, Error> {
    let notice = (query_param(&req, "status").as_deref() == Some("changed"))
        .then_some("Your password has been changed.");
    page(&req, &sp, &user.email, notice, None, StatusCode::OK)
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    user: CurrentUser,
    input: Result<Input<SettingsForm>, Error>,
) -> Result<HttpResponse, Error> {
    let outcome = async {
        change(&req, &sp, &user, &input?.value).await?;
        let to = &sp.settings().config.web.settings.next_uri;
        session::start(&req, &sp, &user, to).await
    }
    .await;
    respond::answer(&req, &sp, outcome, |error, status| {
        page(&req, &sp, &user.email, None, Some(error), status)
    })
}

/// Checks the form and changes the password (revoking every token of the account). No HTTP
/// in here.
async fn change(
    req: &HttpRequest,
    sp: &Stormpath,
    user: &CurrentUser,
    form: &SettingsForm,
) -> Result<(), Error> {
    let current = form
        .current_password
        .get("Current Password")?
        .ok_or_else(|| Error::BadRequest("Current Password is required.".into()))?;
    let password = form
        .password
        .get("New Password")?
        .ok_or_else(|| Error::BadRequest("New Password is required.".into()))?;
    if form
        .confirm_password
        .get("Confirm Password")?
        .is_some_and(|c| c != password)
    {
        return Err(Error::BadRequest("Passwords do not match.".into()));
    }
    match guard::change_password(req, sp, (&user.id, &user.email), current, password).await {
        Ok(()) => {}
        Err(Error::Backend(stormpath_client::Error::InvalidCredentials)) => {
            return Err(Error::BadRequest(
                "The current password is incorrect.".into(),
            ));
        }
        Err(err) => return Err(err),
    }
    // The store also mails the owner a notice (best effort: the change itself has happened).
    sp.audit(&crate::AuditEvent::PasswordChanged {
        account: user.href.clone(),
        ip: crate::client_ip::address(req, sp),
    });
    Ok(())
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
