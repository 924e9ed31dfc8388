//! The [`CurrentUser`] extractor.

use std::{future::Future, ops::Deref, pin::Pin, sync::Arc};

use actix_web::{FromRequest, HttpRequest, dev::Payload, error::InternalError};
use serde::{Serialize, de::DeserializeOwned};
use stormpath_client::{AccessClaims, Account, CustomData, Group};

use crate::{AuthMethod, Error, Stormpath, auth};

/// The logged-in account of the current request.
///
/// Dereferences to [`Account`] (`user.email`, `user.href`, `user.status` …); groups and custom
/// data are fetched on demand.
///
/// # Extractor behaviour
///
/// * `CurrentUser`: when nobody is logged in, the handler does not run. HTML clients get a
///   `302` to the login page with `?next=<this path>`; JSON clients (and `Accept: */*`) an empty
///   `401` with `WWW-Authenticate: Bearer realm="…"`.
/// * `Option<CurrentUser>`: `None` when nobody is logged in; the handler decides.
///
/// A request authenticates with `Authorization: Bearer <access token>` or with the
/// `access_token` cookie; an expired access cookie is renewed through the `refresh_token`
/// cookie. The result is computed once per request. Checking a valid token costs no database
/// round trip (the account is cached in memory).
///
/// Handlers marked [`#[login_required]`](crate::login_required) also send the renewed cookie
/// back; a bare extractor authenticates through the refresh cookie on each request instead.
///
/// # Examples
/// ```
/// use actix_web::get;
/// use stormpath::CurrentUser;
///
/// #[get("/hello")]
/// async fn hello(user: Option<CurrentUser>) -> String {
///     match user {
///         Some(user) => format!("Hello {}", user.full_name),
///         None => "Hello stranger".into(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct CurrentUser {
    account: Arc<Account>,
    claims: Option<AccessClaims>,
    method: AuthMethod,
    sp: Stormpath,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentUser")
            .field("href", &self.account.href)
            .field("method", &self.method)
            .finish()
    }
}

impl Deref for CurrentUser {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.account
    }
}

impl CurrentUser {
    pub(crate) fn new(caller: &auth::Caller, sp: &Stormpath) -> Self {
        Self {
            account: Arc::clone(&caller.account),
            claims: caller.claims.clone(),
            method: caller.method,
            sp: sp.clone(),
        }
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// First name, or an empty string.
    #[must_use]
    pub fn given_name(&self) -> &str {
        self.account.given_name.as_deref().unwrap_or_default()
    }

    /// How the request authenticated.
    #[must_use]
    pub fn method(&self) -> AuthMethod {
        self.method
    }

    /// The verified claims of the access token the request carried (`None` when it
    /// authenticated with an API key).
    #[must_use]
    pub fn claims(&self) -> Option<&AccessClaims> {
        self.claims.as_ref()
    }

    /// The groups the account belongs to.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn groups(&self) -> Result<Vec<Group>, Error> {
        Ok(self.sp.backend().groups(&self.account.id).await?)
    }

    /// Whether the account is in the (enabled) group of that name.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn in_group(&self, name: &str) -> Result<bool, Error> {
        let names = self.sp.backend().group_names(&self.account.id).await?;
        Ok(names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The account's custom data, deserialized into `T`.
    ///
    /// # Errors
    /// [`Error::BadRequest`] naming the mismatch when the stored data does not fit `T` (for
    /// example an old record after a schema change); store failures otherwise.
    pub async fn custom_data<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let data = self.custom_data_map().await?;
        serde_json::from_value(serde_json::Value::Object(data)).map_err(|e| {
            Error::BadRequest(format!(
                "stored custom data does not match the expected type: {e}"
            ))
        })
    }

    /// The account's custom data as a JSON object.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn custom_data_map(&self) -> Result<CustomData, Error> {
        Ok(self.sp.backend().custom_data(&self.account.id).await?)
    }

    /// Merges `patch` into the account's custom data (top-level keys; `null` removes a key),
    /// atomically with respect to concurrent updates of other keys.
    ///
    /// # Errors
    /// When `patch` does not serialize to a JSON object, or the store fails.
    pub async fn merge_custom_data<T: Serialize>(&self, patch: &T) -> Result<CustomData, Error> {
        let serde_json::Value::Object(patch) = serde_json::to_value(patch)
            .map_err(|e| Error::BadRequest(format!("custom data must be a JSON object: {e}")))?
        else {
            return Err(Error::BadRequest(
                "custom data must be a JSON object".into(),
            ));
        };
        Ok(self
            .sp
            .backend()
            .merge_custom_data(&self.account.id, patch)
            .await?)
    }
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let sp = req
                .app_data::<Stormpath>()
                .cloned()
                .ok_or(Error::NotConfigured)?;
            let resolved = auth::resolve(&req, &sp).await?;
            match &resolved.caller {
                Some(caller) => Ok(Self::new(caller, &sp)),
                None => {
                    let res = auth::unauthenticated(&req, &sp, &resolved);
                    Err(InternalError::from_response("authentication required", res).into())
                }
            }
        })
    }
}
