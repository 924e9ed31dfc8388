//! One way out for the feature routes: what a route achieved ([`Done`]) becomes the JSON
//! document or the redirect its client negotiated; a failure becomes `{status, message}` JSON
//! or, for HTML, the form again (spec §2.5).

use actix_web::{HttpRequest, HttpResponse, ResponseError, cookie::Cookie, http::StatusCode};
use serde::Serialize;
use stormpath_client::Account;

use crate::{
    Error, Stormpath,
    hooks::After,
    negotiate::{self, Format},
    redirect,
};

/// What a JSON client is told on success.
enum JsonReply {
    /// An empty `200`.
    Empty,
    /// `{"account": …}` (spec §4.2).
    Account(Box<Account>),
}

/// A route's success, stated once for both formats: the JSON reply, where an HTML client is
/// sent, and the cookies either gets.
pub(crate) struct Done {
    json: JsonReply,
    redirect: String,
    cookies: Vec<Cookie<'static>>,
    /// A post-hook's own response, for every client.
    replaced: Option<HttpResponse>,
}

impl Done {
    /// An empty `200` for JSON; a `302` to `to` for HTML.
    pub(crate) fn empty(to: impl Into<String>) -> Self {
        Self {
            json: JsonReply::Empty,
            redirect: to.into(),
            cookies: Vec::new(),
            replaced: None,
        }
    }

    /// `{"account": …}` for JSON; a `302` to `to` for HTML.
    pub(crate) fn account(account: &Account, to: impl Into<String>) -> Self {
        Self {
            json: JsonReply::Account(Box::new(account.clone())),
            ..Self::empty(to)
        }
    }

    /// The same, setting `cookies`.
    pub(crate) fn with_cookies(mut self, cookies: Vec<Cookie<'static>>) -> Self {
        self.cookies.extend(cookies);
        self
    }

    /// What a post-hook decided: another redirect for HTML, or its own response.
    pub(crate) fn after(mut self, after: After) -> Self {
        match after {
            After::Continue => {}
            After::Redirect(to) => self.redirect = to,
            After::Respond(res) => self.replaced = Some(res),
        }
        self
    }

    /// The response for a client that negotiated `format`.
    pub(crate) fn respond(self, format: Format) -> HttpResponse {
        let mut res = match (self.replaced, format, self.json) {
            (Some(res), _, _) => res,
            (None, Format::Html, _) => redirect::found(&self.redirect),
            (None, Format::Json, JsonReply::Empty) => HttpResponse::Ok().finish(),
            (None, Format::Json, JsonReply::Account(account)) => account_json(&account),
        };
        for cookie in &self.cookies {
            let _ = res.add_cookie(cookie);
        }
        res
    }
}

/// Answers a route: its success as [`Done::respond`], its failure as [`failure`].
pub(crate) fn answer(
    req: &HttpRequest,
    sp: &Stormpath,
    outcome: Result<Done, Error>,
    form: impl FnOnce(String, StatusCode) -> Result<HttpResponse, Error>,
) -> Result<HttpResponse, Error> {
    match outcome {
        Ok(done) => Ok(done.respond(negotiate::format(req, sp))),
        Err(err) => failure(req, sp, err, form),
    }
}

/// Answers a failed request: a failure of ours stays an error (the bare 500); JSON clients get
/// `{status, message}`; HTML clients the form again, from `form(message, status)`, with `200`
/// like every form error of the spec (or the error's own status for a body we could not read,
/// and 503 with `Retry-After` when the back end is unavailable or overloaded).
pub(crate) fn failure(
    req: &HttpRequest,
    sp: &Stormpath,
    err: Error,
    form: impl FnOnce(String, StatusCode) -> Result<HttpResponse, Error>,
) -> Result<HttpResponse, Error> {
    if err.is_internal() {
        return Err(err);
    }
    match negotiate::format(req, sp) {
        Format::Json => Ok(err.error_response()),
        Format::Html => {
            let status = match err {
                Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
                // Overload (or a dependency down), or a throttled client: the form again,
                // saying so, with the status and `Retry-After` a JSON client gets.
                Error::Backend(
                    stormpath_client::Error::Unavailable
                    | stormpath_client::Error::Throttled { .. },
                ) => err.status_code(),
                _ => StatusCode::OK,
            };
            let retry_after = err.retry_after();
            let mut page = form(err.to_string(), status)?;
            if let Some(value) = retry_after {
                page.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, value);
            }
            Ok(page)
        }
    }
}

/// A JSON `{"account": …}` response (spec §4.2).
pub(crate) fn account_json(account: &Account) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "account": account }))
}

/// The JSON view model of the login and registration pages (spec §10.1, §10.2, §12.2): the
/// fields and the providers' account stores (never a secret).
pub(crate) fn form_view<T: Serialize>(sp: &Stormpath, fields: &[T]) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({
        "form": { "fields": fields },
        "accountStores": sp.social().account_stores(sp),
    }))
}
