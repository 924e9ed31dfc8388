//! Sessions (spec §7, §10.1, §10.3): starting one issues tokens and sets the token cookies;
//! ending one revokes the presented tokens and deletes the cookies. Every route that logs
//! someone in or out goes through here.

use actix_web::HttpRequest;
use stormpath_client::{Account, TokenGrant};

use crate::{Error, Stormpath, auth, cookies, redirect, respond::Done};

/// Logs `account` in: issues its tokens and answers `{"account": …}` (JSON) or a redirect to
/// `to` (HTML), with the token cookies.
pub(crate) async fn start(
    req: &HttpRequest,
    sp: &Stormpath,
    account: &Account,
    to: impl Into<String>,
) -> Result<Done, Error> {
    let tokens = sp
        .backend()
        .issue_tokens(account, TokenGrant::Password)
        .await?;
    let cookies = cookies::for_tokens(&sp.settings().config, &tokens, req);
    Ok(Done::account(account, to).with_cookies(cookies))
}

/// Logs the caller out: revokes the tokens of the cookies and of a Bearer header, and answers
/// an empty `200` (JSON) or a redirect to a safe `next` or `logout.nextUri` (HTML), deleting
/// the cookies.
pub(crate) async fn end(req: &HttpRequest, sp: &Stormpath) -> Result<Done, Error> {
    let config = &sp.settings().config;
    let web = &config.web;
    let mut tokens: Vec<String> = [
        &web.access_token_cookie.name,
        &web.refresh_token_cookie.name,
    ]
    .into_iter()
    .filter_map(|name| cookies::value(req, name))
    .collect();
    tokens.extend(auth::credentials(req, "bearer").map(str::to_owned));
    let refs: Vec<&str> = tokens.iter().map(String::as_str).collect();
    sp.backend().revoke_tokens(&refs).await?;
    let to = redirect::next_or(req, &web.logout.next_uri);
    Ok(Done::empty(to).with_cookies(cookies::removals(config, req)))
}
