//! The [`CurrentUser`] extractor.

use std::{future::Future, ops::Deref, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload};
use serde::Serialize;
use stormpath_client::{AccessClaims, Account, Group, merge_custom_data, update_custom_data};

use crate::{AuthMethod, CustomData, Error, Stormpath, auth, custom_data};

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
    /// Who is calling and how they proved it.
    caller: auth::Caller,
    sp: Stormpath,
}

impl std::fmt::Debug for CurrentUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentUser")
            .field("href", &self.caller.session.account.href)
            .field("method", &self.caller.method)
            .finish()
    }
}

impl Deref for CurrentUser {
    type Target = Account;

    fn deref(&self) -> &Account {
        &self.caller.session.account
    }
}

impl CurrentUser {
    pub(crate) fn new(caller: &auth::Caller, sp: &Stormpath) -> Self {
        Self {
            caller: caller.clone(),
            sp: sp.clone(),
        }
    }

    /// The account.
    #[must_use]
    pub fn account(&self) -> &Account {
        &self.caller.session.account
    }

    /// First name, or an empty string.
    #[must_use]
    pub fn given_name(&self) -> &str {
        self.given_name.as_deref().unwrap_or_default()
    }

    /// How the request authenticated.
    #[must_use]
    pub fn method(&self) -> AuthMethod {
        self.caller.method
    }

    /// The verified claims of the access token the request carried (`None` when it
    /// authenticated with an API key).
    #[must_use]
    pub fn claims(&self) -> Option<&AccessClaims> {
        self.caller.session.claims.as_deref()
    }

    /// The groups the account belongs to.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn groups(&self) -> Result<Vec<Group>, Error> {
        Ok(self.sp.backend().groups(&self.id).await?)
    }

    /// Whether the account is in the (enabled) group of that name.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn in_group(&self, name: &str) -> Result<bool, Error> {
        let names = self.sp.backend().group_names(&self.id).await?;
        Ok(names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The account's custom data, read as `T`.
    ///
    /// `T` sees the keys it declares (see [`CustomData`](crate::CustomData)), under their serde
    /// names; other keys are ignored.
    ///
    /// # Errors
    /// [`Error::CustomDataMismatch`] (a `409` when returned from a handler) naming the field
    /// when the stored data does not fit `T`, for example an old record after the type
    /// changed; store failures otherwise.
    ///
    /// # Examples
    /// ```
    /// use actix_web::get;
    /// use serde::{Deserialize, Serialize};
    /// use stormpath::CurrentUser;
    ///
    /// #[derive(Serialize, Deserialize, stormpath::CustomData)]
    /// struct Profile {
    ///     #[stormpath(label = "Favorite color")]
    ///     favorite_color: String,
    /// }
    ///
    /// #[get("/color")]
    /// #[stormpath::login_required]
    /// async fn color(user: CurrentUser) -> Result<String, stormpath::Error> {
    ///     let profile: Profile = user.custom_data().await?;
    ///     Ok(profile.favorite_color)
    /// }
    /// ```
    pub async fn custom_data<T: CustomData>(&self) -> Result<T, Error> {
        let data = self.custom_data_map().await?;
        Ok(custom_data::read(&data)?)
    }

    /// Changes the account's custom data as `T`, atomically: reads it, runs `change` on it,
    /// and writes it back only if nobody else wrote in between; otherwise it starts over with
    /// the newer data and runs `change` again. So two concurrent updates of different fields
    /// both survive, and `change` may run more than once: keep it free of side effects.
    ///
    /// Keys that `T` does not declare are kept as they are. Returns the value written. The
    /// store's cached account is refreshed.
    ///
    /// # Errors
    /// [`Error::CustomDataMismatch`] when the stored data does not fit `T` (nothing is written
    /// and `change` does not run); a `400` when the result is too large to store; a store
    /// failure, also when other writers kept winning the race for a long time.
    ///
    /// # Examples
    /// ```
    /// use actix_web::{HttpResponse, post};
    /// use serde::{Deserialize, Serialize};
    /// use stormpath::CurrentUser;
    ///
    /// #[derive(Serialize, Deserialize, stormpath::CustomData)]
    /// struct Profile {
    ///     #[stormpath(label = "Newsletter")]
    ///     newsletter: bool,
    /// }
    ///
    /// #[post("/unsubscribe")]
    /// #[stormpath::login_required]
    /// async fn unsubscribe(user: CurrentUser) -> Result<HttpResponse, stormpath::Error> {
    ///     user.update_custom_data(|p: &mut Profile| p.newsletter = false).await?;
    ///     Ok(HttpResponse::NoContent().finish())
    /// }
    /// ```
    pub async fn update_custom_data<T: CustomData>(
        &self,
        mut change: impl FnMut(&mut T),
    ) -> Result<T, Error> {
        update_custom_data(self.sp.backend().as_ref(), &self.id, |data| {
            let mut value: T = custom_data::read(data).map_err(Error::from)?;
            change(&mut value);
            custom_data::write(&value, data)?;
            Ok::<_, Error>(value)
        })
        .await
    }

    /// Writes `value` as the account's `T` data, whatever is stored now: every key `T`
    /// declares is set to what `value` serializes to (and removed when it serializes to
    /// nothing). The old value is never read as `T`, so this also repairs a record that no
    /// longer matches `T`. Keys that `T` does not declare are kept.
    ///
    /// # Errors
    /// A `400` when the result is too large to store; store failures.
    pub async fn replace_custom_data<T: CustomData>(&self, value: &T) -> Result<(), Error> {
        update_custom_data(self.sp.backend().as_ref(), &self.id, |data| {
            custom_data::write(value, data)
        })
        .await
    }

    /// The account's custom data as a JSON object.
    ///
    /// # Errors
    /// When the store fails.
    pub async fn custom_data_map(&self) -> Result<stormpath_client::CustomData, Error> {
        Ok(self.sp.backend().custom_data(&self.id).await?.data)
    }

    /// Merges `patch` into the account's custom data (top-level keys; `null` removes a key),
    /// atomically with respect to concurrent updates of other keys.
    ///
    /// # Errors
    /// When `patch` does not serialize to a JSON object, or the store fails.
    pub async fn merge_custom_data<T: Serialize>(
        &self,
        patch: &T,
    ) -> Result<stormpath_client::CustomData, Error> {
        let serde_json::Value::Object(patch) = serde_json::to_value(patch)
            .map_err(|e| Error::BadRequest(format!("custom data must be a JSON object: {e}")))?
        else {
            return Err(Error::BadRequest(
                "custom data must be a JSON object".into(),
            ));
        };
        Ok(merge_custom_data(self.sp.backend().as_ref(), &self.id, patch).await?)
    }
}

impl FromRequest for CurrentUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let (sp, _, caller) = auth::require(&req).await?;
            Ok(Self::new(&caller, &sp))
        })
    }
}
