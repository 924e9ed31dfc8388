//! `/register` (spec §10.2, §5): the form, its JSON view model, validation and account
//! creation.

use actix_web::{HttpRequest, HttpResponse, http::Method, http::StatusCode, web::ServiceConfig};
use serde_json::{Map, Value};
use stormpath_client::{Account, AccountStatus, throttle::Action};

mod validate;

use validate::{Problem, validate};

use crate::{
    Error, Stormpath,
    config::FieldSpec,
    guard,
    input::Input,
    negotiate::{self, Format},
    pages::{FormField, FormPage},
    redirect,
    respond::{self, Done},
    routes::bind,
    session,
};

/// What a registration posts: the configured fields, typed by [`validate`] (they are
/// configuration, not a struct).
type Registration = Input<Map<String, Value>>;

pub(super) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    let register = &sp.settings().config.web.register;
    if register.enabled {
        bind(cfg, &register.uri, Method::GET, negotiate::guard, get);
        bind(cfg, &register.uri, Method::POST, negotiate::guard, post);
    }
}

async fn get(req: HttpRequest, sp: Stormpath) -> Result<HttpResponse, Error> {
    match negotiate::format(&req, &sp) {
        Format::Json => Ok(respond::form_view(&sp, &visible(&sp).collect::<Vec<_>>())),
        Format::Html => page(&req, &sp, &Map::new(), &[], StatusCode::OK),
    }
}

fn visible(sp: &Stormpath) -> impl Iterator<Item = &FieldSpec> {
    sp.settings().register_fields.iter().filter(|f| f.visible)
}

async fn post(
    req: HttpRequest,
    sp: Stormpath,
    input: Result<Registration, Error>,
) -> Result<HttpResponse, Error> {
    let mut input = match input {
        Ok(input) => input,
        Err(err) => {
            return respond::failure(&req, &sp, err, |message, status| {
                let problem = Problem::general(message);
                page(&req, &sp, &Map::new(), &[problem], status)
            });
        }
    };
    // The throttle, then the pre-registration hook, which may change the fields or refuse;
    // either way nothing is created. The store then checks what only it can (a taken email,
    // the password policy) and, for an account created UNVERIFIED, mails the verification
    // link or creates nothing.
    let checked = async {
        guard::take(&req, &sp, Action::Register).await?;
        sp.hooks().pre_registration(&req, input.value.clone()).await
    }
    .await;
    match checked {
        Ok(fields) => input.value = fields,
        Err(err) => {
            return respond::failure(&req, &sp, err, |message, status| {
                page(
                    &req,
                    &sp,
                    &input.value,
                    &[Problem::general(message)],
                    status,
                )
            });
        }
    }
    let problems = match validate(&sp, &input) {
        Ok(new) => match sp.backend().create_account(new).await {
            Ok(account) => {
                tracing::info!(account = %account.href, "account registered");
                return success(&req, &sp, &account).await;
            }
            Err(err) if !err.is_backend() => vec![Problem::refused(&err)],
            Err(err) => return Err(err.into()),
        },
        Err(problems) => problems,
    };
    let first = &problems[0];
    match negotiate::format(&req, &sp) {
        Format::Json => Ok(Error::json(first.status, &first.message)),
        Format::Html => {
            // Form errors are a 200 (spec §2.5); a mail server that is down is not the
            // user's mistake.
            let status = match first.status {
                StatusCode::SERVICE_UNAVAILABLE => first.status,
                _ => StatusCode::OK,
            };
            page(&req, &sp, &input.value, &problems, status)
        }
    }
}

async fn success(
    req: &HttpRequest,
    sp: &Stormpath,
    account: &Account,
) -> Result<HttpResponse, Error> {
    let web = &sp.settings().config.web;
    let format = negotiate::format(req, sp);
    let done = if web.register.auto_login && account.status == AccountStatus::Enabled {
        let to = redirect::next_or(req, &web.register.next_uri);
        session::start(req, sp, account, to).await?
    } else {
        let status = match account.status {
            AccountStatus::Enabled => "created",
            _ => "unverified",
        };
        Done::account(account, format!("{}?status={status}", web.login.uri))
    };
    let done = done.after(sp.hooks().post_registration(req, account).await);
    Ok(done.respond(format))
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
    let action = redirect::keeping_next(req, &web.register.uri);
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
    page.extra
        .insert("providers", &sp.social().buttons(req, sp));
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
