//! `/login` (spec §10.1): the form, its JSON view model, and authentication.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use serde::Serialize;
use stormpath_client::{Account, TokenSet};

use super::{FormField, FormPage, format, json_error, query_param, read_form, route, text};
use crate::{Error, Stormpath, cookies, negotiate::Format, redirect};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let login = &sp.settings().config.web.login;
    if login.enabled {
        cfg.route(&login.uri, route(web::get()).to(get));
        cfg.route(&login.uri, route(web::post()).to(post));
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    match format(&req, &sp) {
        Format::Json => Ok(HttpResponse::Ok().json(serde_json::json!({
            "form": { "fields": sp.settings().login_fields.iter().filter(|f| f.visible).collect::<Vec<_>>() },
            "accountStores": [],
        }))),
        Format::Html => page(&req, &sp, "", None, StatusCode::OK),
    }
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let (outcome, login) = match read_form(&req, &sp, payload).await {
        Ok(body) => {
            let login = body.str("login").unwrap_or_default().to_owned();
            let outcome = match (
                text(&body, "login", "Login"),
                text(&body, "password", "Password"),
            ) {
                (Err(e), _) | (_, Err(e)) => Err(e),
                (Ok(login), Ok(password)) => authenticate(&sp, login, password).await,
            };
            (outcome, login)
        }
        Err(err) => (Err(err), String::new()),
    };
    match (outcome, fmt) {
        (Ok((account, tokens)), Format::Json) => {
            let mut res = super::account_json(&account);
            set_cookies(&mut res, &sp, &tokens, &req);
            Ok(res)
        }
        (Ok((_, tokens)), Format::Html) => {
            let next = query_param(&req, "next");
            let target = redirect::safe_next(next.as_deref())
                .unwrap_or(&sp.settings().config.web.login.next_uri);
            let mut res = redirect::found(target);
            set_cookies(&mut res, &sp, &tokens, &req);
            Ok(res)
        }
        (Err(err), _) if err.is_internal() => Err(err),
        (Err(err), Format::Json) => Ok(json_error(&err)),
        (Err(err), Format::Html) => page(
            &req,
            &sp,
            &login,
            Some(&err.to_string()),
            super::html_status(&err),
        ),
    }
}

/// Checks the credentials and issues tokens. No HTTP in here.
pub(crate) async fn authenticate(
    sp: &Stormpath,
    login: Option<&str>,
    password: Option<&str>,
) -> Result<(Account, TokenSet), Error> {
    let login = login.map(str::trim).filter(|l| !l.is_empty());
    let login = login.ok_or_else(|| Error::BadRequest("Login is required.".into()))?;
    let password = password.ok_or_else(|| Error::BadRequest("Password is required.".into()))?;
    let account = sp.backend().authenticate(login, password).await?;
    let tokens = sp.backend().issue_tokens(&account).await?;
    tracing::info!(account = %account.href, "login");
    Ok((account, tokens))
}

pub(crate) fn set_cookies(
    res: &mut HttpResponse,
    sp: &Stormpath,
    tokens: &TokenSet,
    req: &HttpRequest,
) {
    for cookie in cookies::for_tokens(&sp.settings().config, tokens, req) {
        let _ = res.add_cookie(&cookie);
    }
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

/// Renders the login page, keeping the submitted login (never the password).
fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let next = query_param(req, "next");
    let action = match redirect::safe_next(next.as_deref()) {
        Some(next) => redirect::with_next(&web.login.uri, next),
        None => web.login.uri.clone(),
    };
    let mut page = FormPage::new(&web.login.view, "Log In", action, "Log In");
    for f in sp.settings().login_fields.iter().filter(|f| f.visible) {
        page.fields.push(FormField {
            placeholder: &f.placeholder,
            required: f.required,
            ..FormField::input("login", &f.name, &f.label, &f.kind)
                .with_value((f.name == "login").then_some(login))
        });
    }
    page.extra.insert("error", &error);
    page.extra.insert(
        "banner",
        &query_param(req, "status").and_then(|s| banner(&s, sp)),
    );
    page.render(req, sp, status)
}
