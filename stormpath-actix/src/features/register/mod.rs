//! `/register` (spec §10.2, §5): the form, its JSON view model, validation and account
//! creation.

use actix_web::{
    HttpRequest, HttpResponse,
    http::StatusCode,
    web::{self, ServiceConfig},
};
use serde_json::{Map, Value};
use stormpath_client::{Account, AccountStatus, NewAccount};

mod validate;

use validate::{Problem, validate};

use super::{FormField, FormPage, format, query_param, read_form, route};
use crate::{Error, Stormpath, config::FieldSpec, negotiate::Format, redirect};

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let register = &sp.settings().config.web.register;
    if register.enabled {
        cfg.route(&register.uri, route(web::get()).to(get));
        cfg.route(&register.uri, route(web::post()).to(post));
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    match format(&req, &sp) {
        Format::Json => Ok(HttpResponse::Ok().json(serde_json::json!({
            "form": { "fields": visible(&sp).collect::<Vec<_>>() },
            "accountStores": [],
        }))),
        Format::Html => page(&req, &sp, &Map::new(), &[], StatusCode::OK),
    }
}

fn visible(sp: &Stormpath) -> impl Iterator<Item = &FieldSpec> {
    sp.settings().register_fields.iter().filter(|f| f.visible)
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    payload: web::Payload,
) -> Result<HttpResponse, Error> {
    let fmt = format(&req, &sp);
    let body = match read_form(&req, &sp, payload).await {
        Ok(body) => body,
        Err(err) if fmt == Format::Html && !err.is_internal() => {
            let problem = Problem {
                field: None,
                message: err.to_string(),
            };
            return page(&req, &sp, &Map::new(), &[problem], super::html_status(&err));
        }
        Err(err) => return Err(err),
    };
    let problems = match validate(&sp, &body) {
        Ok(new) => match register(&sp, new).await {
            Ok(account) => return success(&req, &sp, fmt, &account).await,
            Err(Error::Backend(err)) if !err.is_backend() => vec![problem_of(&err)],
            Err(err) => return Err(err),
        },
        Err(problems) => problems,
    };
    match fmt {
        Format::Json => {
            let first = &problems[0];
            let status = problem_status(first);
            Ok(Error::json(status, &first.message))
        }
        Format::Html => page(&req, &sp, &body.fields, &problems, StatusCode::OK),
    }
}

/// Conflicts keep the API's 409; everything else found while validating is a 400.
fn problem_status(problem: &Problem) -> StatusCode {
    if problem.message.contains("already exists") {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    }
}

fn problem_of(err: &stormpath_client::Error) -> Problem {
    let message = err.to_string();
    let field = match err {
        stormpath_client::Error::Conflict { field, .. } => Some((*field).to_owned()),
        _ if message.starts_with("Password") => Some("password".into()),
        _ if message.starts_with("Email") => Some("email".into()),
        _ => None,
    };
    Problem { field, message }
}

/// Creates the account. No HTTP in here.
async fn register(sp: &Stormpath, new: NewAccount) -> Result<Account, Error> {
    let account = sp.backend().register(new).await?;
    tracing::info!(account = %account.href, "account registered");
    Ok(account)
}

async fn success(
    req: &HttpRequest,
    sp: &Stormpath,
    fmt: Format,
    account: &Account,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    if account.status == AccountStatus::Unverified {
        // The account is only usable through the emailed link: if the link cannot be sent,
        // the registration is undone rather than left half done.
        let token = sp.backend().verification_token(&account.id).await?;
        if let Err(err) = super::verify::send_link(sp, account, &token).await {
            sp.backend().delete_account(&account.id).await?;
            return match fmt {
                Format::Json => Ok(super::json_error(&err)),
                Format::Html => {
                    let problem = Problem {
                        field: None,
                        message: err.to_string(),
                    };
                    page(
                        req,
                        sp,
                        &Map::new(),
                        &[problem],
                        StatusCode::SERVICE_UNAVAILABLE,
                    )
                }
            };
        }
    }
    let auto_login = web.register.auto_login && account.status == AccountStatus::Enabled;
    let tokens = if auto_login {
        Some(sp.backend().issue_tokens(account).await?)
    } else {
        None
    };
    let mut res = match fmt {
        Format::Json => super::account_json(account),
        Format::Html if auto_login => {
            let next = query_param(req, "next");
            redirect::found(redirect::safe_next(next.as_deref()).unwrap_or(&web.register.next_uri))
        }
        Format::Html if account.status == AccountStatus::Enabled => {
            redirect::found(&format!("{}?status=created", web.login.uri))
        }
        Format::Html => redirect::found(&format!("{}?status=unverified", web.login.uri)),
    };
    if let Some(tokens) = tokens {
        super::login::set_cookies(&mut res, sp, &tokens, req);
    }
    Ok(res)
}

/// Renders the registration page with the submitted values (never passwords) and problems.
fn page(
    req: &HttpRequest,
    sp: &Stormpath,
    submitted: &Map<String, Value>,
    problems: &[Problem],
    status: StatusCode,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let shown: Vec<Option<String>> = visible(sp)
        .map(|f| match submitted.get(&f.name) {
            // A checkbox keeps its own value; whether it was ticked is `checked`.
            _ if f.kind == "checkbox" => None,
            Some(Value::String(s)) if f.kind != "password" => Some(s.clone()),
            Some(v @ (Value::Number(_) | Value::Bool(_))) => Some(v.to_string()),
            _ => None,
        })
        .collect();
    let next = query_param(req, "next");
    let action = match redirect::safe_next(next.as_deref()) {
        Some(next) => redirect::with_next(&web.register.uri, next),
        None => web.register.uri.clone(),
    };
    let mut page = FormPage::new(
        &web.register.view,
        "Create Account",
        action,
        "Create Account",
    );
    for (f, value) in visible(sp).zip(&shown) {
        page.fields.push(FormField {
            placeholder: &f.placeholder,
            required: f.required,
            error: problems
                .iter()
                .find(|p| p.field.as_deref() == Some(&f.name))
                .map(|p| p.message.as_str()),
            checked: f.kind == "checkbox" && ticked(submitted.get(&f.name)),
            ..FormField::input("register", &f.name, &f.label, &f.kind).with_value(value.as_deref())
        });
    }
    page.errors = problems.iter().map(|p| p.message.clone()).collect();
    page.render(req, sp, status)
}

/// Whether a submitted checkbox value means "ticked" (as registration parses it).
fn ticked(value: Option<&Value>) -> bool {
    match value {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => matches!(s.as_str(), "on" | "true" | "1"),
        _ => false,
    }
}
