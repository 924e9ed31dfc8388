//! `/login` (spec §10.1): the form, its JSON view model, and authentication.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web::ServiceConfig};
use serde::{Deserialize, Serialize};
use stormpath_client::Account;

use crate::{
    Error, Stormpath, guard,
    hooks::LoginVia,
    input::{Input, Text, query_param},
    negotiate::{self, Format},
    pages::{FormField, FormPage},
    redirect, respond,
    routes::bind,
    session,
    social::ProviderData,
};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let login = &sp.settings().config.web.login;
    if login.enabled {
        bind(cfg, &login.uri, Method::GET, negotiate::guard, get);
        bind(cfg, &login.uri, Method::POST, negotiate::guard, post);
    }
}

/// What the login form posts.
#[derive(Default, Deserialize)]
#[serde(default)]
struct LoginForm {
    login: Text,
    password: Text,
    /// A provider sign-in the client started itself (spec §12.1): JSON only.
    #[serde(rename = "providerData")]
    provider_data: Option<serde_json::Value>,
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    match negotiate::format(&req, &sp) {
        Format::Json => Ok(respond::form_view(&sp, &visible_fields(&sp))),
        Format::Html => page(&req, &sp, "", None, StatusCode::OK),
    }
}

fn visible_fields(sp: &Stormpath) -> Vec<&crate::config::FieldSpec> {
    sp.settings()
        .login_fields
        .iter()
        .filter(|f| f.visible)
        .collect()
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    input: Result<Input<LoginForm>, Error>,
) -> Result<HttpResponse, Error> {
    let login = input
        .as_ref()
        .map_or("", |i| i.value.login.shown())
        .to_owned();
    let outcome = async {
        let form = input?.value;
        let to = redirect::next_or(&req, &sp.settings().config.web.login.next_uri);
        let (account, via) = match form.provider_data {
            Some(data) => {
                let data = ProviderData::parse(data)?;
                crate::social::json_login(&req, &sp, data).await?
            }
            None => (authenticate(&req, &sp, &form).await?, LoginVia::Password),
        };
        session::logged_in(&req, &sp, &account, to, via).await
    }
    .await;
    respond::answer(&req, &sp, outcome, |error, status| {
        page(&req, &sp, &login, Some(&error), status)
    })
}

/// Checks the credentials, through the throttle.
async fn authenticate(
    req: &HttpRequest,
    sp: &Stormpath,
    form: &LoginForm,
) -> Result<Account, Error> {
    let login = form.login.get("Login")?;
    let password = form.password.get("Password")?;
    let login = login.map(str::trim).filter(|l| !l.is_empty());
    let login = login.ok_or_else(|| Error::BadRequest("Login is required.".into()))?;
    let password = password.ok_or_else(|| Error::BadRequest("Password is required.".into()))?;
    let login = sp.hooks().pre_login(req, LoginVia::Password, login).await?;
    let account = guard::authenticate(req, sp, &login, password).await?;
    Ok(account)
}

/// A status banner above the login form (spec §9).
#[derive(Serialize)]
struct Banner {
    title: &'static str,
    lines: Vec<&'static str>,
    link: Option<String>,
}

fn banner(status: &str, sp: &Stormpath) -> Option<Banner> {
    let (title, lines, link) = match status {
        "unverified" => (
            "Your account verification email has been sent!",
            vec![
                "Before you can log into your account, you need to activate your account by clicking the link we sent to your inbox.",
                "Didn't get the email?",
            ],
            Some(sp.settings().config.web.verify_email.uri.clone()),
        ),
        "verified" => (
            "Your Account Has Been Verified.",
            vec!["You may now login."],
            None,
        ),
        "created" => (
            "Your Account Has Been Created.",
            vec!["You may now login."],
            None,
        ),
        "forgot" => (
            "Password Reset Requested.",
            vec!["If an account exists for the email provided, you will receive an email shortly."],
            None,
        ),
        "reset" => (
            "Password Reset Successfully.",
            vec!["You can now login with your new password."],
            None,
        ),
        _ => return None,
    };
    Some(Banner { title, lines, link })
}

/// Renders the login page, keeping the submitted login (never the password), with the
/// provider buttons after the form.
pub(crate) fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let action = redirect::keeping_next(req, &web.login.uri);
    let mut page = FormPage::new(&web.login.view, "Log In", action, "Log In");
    for f in visible_fields(sp) {
        page.fields.push(FormField {
            placeholder: &f.placeholder,
            required: f.required,
            ..FormField::input("login", &f.name, &f.label, &f.kind)
                .with_value((f.name == "login").then_some(login))
        });
    }
    page.extra.insert("error", &error);
    page.extra
        .insert("providers", &sp.social().buttons(req, sp));
    page.extra.insert(
        "banner",
        &query_param(req, "status").and_then(|s| banner(&s, sp)),
    );
    page.render(req, sp, status)
}
