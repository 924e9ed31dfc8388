//! Developer hooks (spec §13; Flask-Stormpath's signals, express-stormpath's handlers): typed
//! async callbacks registered on the [`StormpathBuilder`](crate::StormpathBuilder).
//!
//! | hook | called | may |
//! |---|---|---|
//! | [`pre_login`](crate::StormpathBuilder::pre_login) | before the credentials are checked (password form or JSON, the OAuth password grant) or, for a provider sign-in, before the local account is found or created | reject ([`Rejection`]); change the login ([`PreLogin::login`]) |
//! | [`post_login`](crate::StormpathBuilder::post_login) | after the tokens are issued, before the answer | choose the redirect or the whole response ([`After`]) |
//! | [`pre_registration`](crate::StormpathBuilder::pre_registration) | before the fields of `/register` are validated | reject; change the fields ([`PreRegistration::fields`]) |
//! | [`post_registration`](crate::StormpathBuilder::post_registration) | right after the account is created by `/register` | choose the redirect or the whole response |
//! | [`post_logout`](crate::StormpathBuilder::post_logout) | after `/logout` revoked the tokens | choose the redirect or the whole response |
//!
//! A rejection is answered like any other error of the route: JSON `400 {status, message}`, or
//! the form again with the message in its error container (the login page for a provider
//! sign-in). A hook gets the request (headers, cookies, address; the body was read already)
//! and owns its data: what it returns is what the route goes on with.

use std::{future::Future, pin::Pin, sync::Arc};

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};
use stormpath_client::Account;

use crate::Error;

type Boxed<T> = Pin<Box<dyn Future<Output = T>>>;
type Hook<In, Out> = Arc<dyn Fn(In) -> Boxed<Out> + Send + Sync>;

/// How someone is logging in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginVia {
    /// `POST /login` with a login and a password (form or JSON).
    Password,
    /// `POST /oauth/token` with `grant_type=password`.
    PasswordGrant,
    /// A provider sign-in (the redirect flow's callback or `POST /login` with `providerData`).
    Provider {
        /// The provider's id (`google`, `github`, the key under `web.social`).
        provider_id: String,
    },
}

/// What [`pre_login`](crate::StormpathBuilder::pre_login) receives and gives back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PreLogin {
    /// The request (the body was read already).
    pub request: HttpRequest,
    /// How the user is logging in.
    pub via: LoginVia,
    /// The login typed (username or email) for a password login: the hook may change it (the
    /// credentials are checked with what it returns). For a provider sign-in, the email the
    /// provider gave (empty when it gave none); a change is ignored.
    pub login: String,
}

/// What [`post_login`](crate::StormpathBuilder::post_login) receives.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PostLogin {
    /// The request.
    pub request: HttpRequest,
    /// How the user logged in.
    pub via: LoginVia,
    /// The account now logged in.
    pub account: Account,
}

/// What [`pre_registration`](crate::StormpathBuilder::pre_registration) receives and gives back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PreRegistration {
    /// The request (the body was read already).
    pub request: HttpRequest,
    /// The submitted fields by name (`email`, `password`, `givenName`, custom fields …), before
    /// validation: the hook may add, change or remove any; the returned ones are validated.
    pub fields: Map<String, Value>,
}

/// What [`post_registration`](crate::StormpathBuilder::post_registration) receives.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PostRegistration {
    /// The request.
    pub request: HttpRequest,
    /// The account just created.
    pub account: Account,
}

/// What [`post_logout`](crate::StormpathBuilder::post_logout) receives.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PostLogout {
    /// The request.
    pub request: HttpRequest,
    /// The account that was logged in, when the request carried a valid token.
    pub account: Option<Account>,
}

/// A pre-hook's refusal: the route stops, changes nothing, and shows `message` to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    message: String,
}

impl Rejection {
    /// A refusal with the message the user sees.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<Rejection> for Error {
    fn from(rejection: Rejection) -> Self {
        Self::BadRequest(rejection.message)
    }
}

/// What a post-hook decides about the answer.
#[derive(Debug, Default)]
#[non_exhaustive]
pub enum After {
    /// The route's own answer.
    #[default]
    Continue,
    /// An HTML client is sent here instead (a JSON client still gets the route's JSON). The
    /// path is used as given: the hook's code, not user input, chose it.
    Redirect(String),
    /// This response instead, for every client (the route's cookies are added to it).
    Respond(HttpResponse),
}

/// The registered hooks (one of each kind at most).
#[derive(Default, Clone)]
pub(crate) struct Hooks {
    pub(crate) pre_login: Option<Hook<PreLogin, Result<PreLogin, Rejection>>>,
    pub(crate) post_login: Option<Hook<PostLogin, After>>,
    pub(crate) pre_registration: Option<Hook<PreRegistration, Result<PreRegistration, Rejection>>>,
    pub(crate) post_registration: Option<Hook<PostRegistration, After>>,
    pub(crate) post_logout: Option<Hook<PostLogout, After>>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("pre_login", &self.pre_login.is_some())
            .field("post_login", &self.post_login.is_some())
            .field("pre_registration", &self.pre_registration.is_some())
            .field("post_registration", &self.post_registration.is_some())
            .field("post_logout", &self.post_logout.is_some())
            .finish()
    }
}

/// Boxes a hook of the builder.
pub(crate) fn boxed<In, Out, F, Fut>(hook: F) -> Hook<In, Out>
where
    In: 'static,
    F: Fn(In) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Out> + 'static,
{
    Arc::new(move |input| Box::pin(hook(input)))
}

impl Hooks {
    /// Runs pre-login: the login to check, or the rejection as an [`Error`].
    pub(crate) async fn pre_login(
        &self,
        req: &HttpRequest,
        via: LoginVia,
        login: &str,
    ) -> Result<String, Error> {
        let Some(hook) = &self.pre_login else {
            return Ok(login.to_owned());
        };
        let ctx = PreLogin {
            request: req.clone(),
            via,
            login: login.to_owned(),
        };
        Ok(hook(ctx).await?.login)
    }

    /// Runs post-login.
    pub(crate) async fn post_login(
        &self,
        req: &HttpRequest,
        via: LoginVia,
        account: &Account,
    ) -> After {
        match &self.post_login {
            Some(hook) => {
                hook(PostLogin {
                    request: req.clone(),
                    via,
                    account: account.clone(),
                })
                .await
            }
            None => After::Continue,
        }
    }

    /// Runs pre-registration: the fields to validate, or the rejection as an [`Error`].
    pub(crate) async fn pre_registration(
        &self,
        req: &HttpRequest,
        fields: Map<String, Value>,
    ) -> Result<Map<String, Value>, Error> {
        let Some(hook) = &self.pre_registration else {
            return Ok(fields);
        };
        let ctx = PreRegistration {
            request: req.clone(),
            fields,
        };
        Ok(hook(ctx).await?.fields)
    }

    /// Runs post-registration.
    pub(crate) async fn post_registration(&self, req: &HttpRequest, account: &Account) -> After {
        match &self.post_registration {
            Some(hook) => {
                hook(PostRegistration {
                    request: req.clone(),
                    account: account.clone(),
                })
                .await
            }
            None => After::Continue,
        }
    }

    /// Runs post-logout.
    pub(crate) async fn post_logout(&self, req: &HttpRequest, account: Option<Account>) -> After {
        match &self.post_logout {
            Some(hook) => {
                hook(PostLogout {
                    request: req.clone(),
                    account,
                })
                .await
            }
            None => After::Continue,
        }
    }
}
