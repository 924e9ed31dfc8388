//! The throttled forms of the operations an attacker would repeat: every password check, and
//! the mail, token and registration requests (`stormpath_client::throttle`; limits under
//! `stormpath.security.limits`). Handlers call these instead of the back end directly, so the
//! form, the JSON API and the OAuth grants share one set of counters.

use actix_web::HttpRequest;
use std::net::IpAddr;

use stormpath_client::{
    Account, AccountId, Error as ClientError,
    throttle::{Action, Client},
};

use crate::{AuditEvent, Error, Stormpath, audit, client_ip};

/// Checks `login` and `password` (form, JSON login, OAuth password grant). A throttled client
/// gets [`ClientError::Throttled`] before the password is looked at — the same answer for
/// every login, existing or not.
pub(crate) async fn authenticate(
    req: &HttpRequest,
    sp: &Stormpath,
    login: &str,
    password: &str,
) -> Result<Account, Error> {
    let client = client_ip::client(req, sp);
    let ip = client_ip::address(req, sp);
    let throttle = sp.throttle();
    if let Err(err) = throttle.before_login(login, &client).await {
        if matches!(err, ClientError::Throttled { .. }) {
            sp.audit(&AuditEvent::LoginThrottled {
                login: audit::login_digest(login),
                ip,
            });
        }
        return Err(err.into());
    }
    match sp.backend().authenticate(login, password).await {
        Ok(account) => {
            throttle.login_succeeded(login, &client).await?;
            sp.audit(&AuditEvent::LoginSuccess {
                account: account.href.clone(),
                ip,
            });
            Ok(account)
        }
        Err(err) if err.is_backend() => Err(err.into()),
        Err(err) => {
            if matches!(err, ClientError::InvalidCredentials) {
                count_failure(sp, login, &client, ip).await?;
            }
            sp.audit(&AuditEvent::LoginFailure {
                login: audit::login_digest(login),
                ip,
            });
            Err(err.into())
        }
    }
}

/// Counts a wrong password for `login`; the failure that fills the login's own bucket is heard
/// as `account.locked`.
async fn count_failure(
    sp: &Stormpath,
    login: &str,
    client: &Client,
    ip: Option<IpAddr>,
) -> Result<(), Error> {
    if sp.throttle().login_failed(login, client).await? {
        sp.audit(&AuditEvent::AccountLocked {
            login: audit::login_digest(login),
            ip,
        });
    }
    Ok(())
}

/// Changes a password after checking the current one (`/settings`): the current password is
/// counted like a login of the account's email.
pub(crate) async fn change_password(
    req: &HttpRequest,
    sp: &Stormpath,
    (id, email): (&AccountId, &str),
    current: &str,
    new: &str,
) -> Result<(), Error> {
    let client = client_ip::client(req, sp);
    let throttle = sp.throttle();
    throttle.before_login(email, &client).await?;
    match sp.backend().change_password(id, current, new).await {
        Ok(()) => Ok(throttle.login_succeeded(email, &client).await?),
        Err(ClientError::InvalidCredentials) => {
            count_failure(sp, email, &client, client_ip::address(req, sp)).await?;
            Err(ClientError::InvalidCredentials.into())
        }
        Err(err) => Err(err.into()),
    }
}

/// Counts one request of `action` from this client, refusing it over the limit.
pub(crate) async fn take(req: &HttpRequest, sp: &Stormpath, action: Action) -> Result<(), Error> {
    let client = client_ip::client(req, sp);
    Ok(sp.throttle().take(action, &client, None).await?)
}

/// Runs a one-time-token check (`/change`, `/verify`) unless this client has guessed wrong too
/// often; a token that is refused counts against it.
pub(crate) async fn token_check<T>(
    req: &HttpRequest,
    sp: &Stormpath,
    check: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<Result<T, ClientError>, Error> {
    let client = client_ip::client(req, sp);
    let throttle = sp.throttle();
    throttle.check(Action::TokenCheck, &client, None).await?;
    let outcome = check.await;
    if matches!(
        outcome,
        Err(ClientError::NotFound | ClientError::InvalidToken)
    ) {
        throttle.failed(Action::TokenCheck, &client, None).await?;
    }
    Ok(outcome)
}

/// After a completed password reset: the owner proved control of the mailbox, so its login's
/// failures are forgotten and this client is remembered.
pub(crate) async fn password_reset(
    req: &HttpRequest,
    sp: &Stormpath,
    account: &Account,
) -> Result<(), Error> {
    let client = client_ip::client(req, sp);
    let logins = [account.email.as_str(), account.username.as_str()];
    Ok(sp.throttle().password_reset(&logins, Some(&client)).await?)
}
