//! Sessions (spec §7, §10.1, §10.3): starting one issues tokens and sets the token cookies;
//! ending one revokes the presented tokens and deletes the cookies. Every route that logs
//! someone in or out goes through here.

use actix_web::HttpRequest;
use stormpath_client::{Account, TokenGrant};

use crate::{Error, Stormpath, auth, cookies, hooks::LoginVia, redirect, respond::Done};

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

/// A login completed (password, JSON, provider): [`start`], then the post-login hook.
pub(crate) async fn logged_in(
    req: &HttpRequest,
    sp: &Stormpath,
    account: &Account,
    to: impl Into<String>,
    via: LoginVia,
) -> Result<Done, Error> {
    let done = start(req, sp, account, to).await?;
    Ok(done.after(sp.hooks().post_login(req, via, account).await))
}

/// Logs the caller out: revokes the tokens of the cookies and of a Bearer header, and answers
/// an empty `200` (JSON) or a redirect to a safe `next` or `logout.nextUri` (HTML), deleting
/// the cookies.
pub(crate) async fn end(req: &HttpRequest, sp: &Stormpath) -> Result<Done, Error> {
    let config = &sp.settings().config;
    let web = &config.web;
    // Who is logging out, for the post-logout hook: the access token's account (not through
    // `auth::resolve`, which could refresh, issuing tokens nobody would revoke).
    let mut account = None;
    if sp.hooks().post_logout.is_some() {
        let access = auth::credentials(req, "bearer")
            .map(str::to_owned)
            .or_else(|| cookies::value(req, &web.access_token_cookie.name));
        if let Some(token) = access
            && let Ok(Some(session)) = sp.backend().verify_access_token(&token).await
        {
            account = Some(Account::clone(&session.account));
        }
    }
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
    let done = Done::empty(to).with_cookies(cookies::removals(config, req));
    Ok(done.after(sp.hooks().post_logout(req, account).await))
}
