//! Acting for one application: the store handle a request works through, and the checks
//! the login flows share (rest-api.md §6.2, §6.6–6.8).

use serde_json::Value;
use stormpath_store::{
    Store,
    admin::{Application, Directory},
};

use crate::{
    caller::Caller,
    error::{ApiError, ApiResult},
    mail::DirectoryEmails,
    state::State,
};

/// A handle acting for `app` on behalf of `caller`: accounts go to the app's default store,
/// logins search its mapped directories, tokens are signed with the caller's key (header
/// `kid` = its id) and recorded. Mails it sends itself (the verification mail of a new
/// UNVERIFIED account) carry the links of the app's default directory.
///
/// # Errors
/// 404 for an unknown application; a database failure.
pub(crate) async fn scoped(state: &State, app: &Application, caller: &Caller) -> ApiResult<Store> {
    let store = state
        .store
        .for_application(&app.meta.id, &caller.key.key_id, caller.secret.as_bytes())
        .await?;
    let default = match &app.default_account_store_mapping {
        Some(id) => state.store.mapping_by_id(id).await?,
        None => None,
    };
    Ok(match default {
        Some(m) => match state.store.directory_by_id(&m.directory_id).await? {
            Some(directory) => with_mail(&store, &directory),
            None => store,
        },
        None => store,
    })
}

/// The same handle, its mails worded with `directory`'s link base URLs.
pub(crate) fn with_mail(store: &Store, directory: &Directory) -> Store {
    store.with_email_templates(DirectoryEmails::of(directory))
}

/// 400/5105 when the application has no account store at all.
///
/// # Errors
/// As said, or a database failure.
pub(crate) async fn require_stores(state: &State, app: &Application) -> ApiResult<()> {
    if state.store.list_mappings(&app.meta.id).await?.is_empty() {
        return Err(ApiError::bad_request(
            5105,
            "The application has no account stores: map a directory to it first.",
        ));
    }
    Ok(())
}

fn not_mapped() -> ApiError {
    ApiError::bad_request(
        5114,
        "The specified account store is not one of the application's account stores.",
    )
}

/// The directory an `accountStore` member names (`{"href": …}` of a directory mapped to the
/// application); `None` when the member is absent or `null`.
///
/// # Errors
/// 400/5114 for a store that is not mapped to the application (organizations, named by
/// `nameKey`, do not exist here); 400/2002 for a member that is not a link object.
pub(crate) async fn account_store(
    state: &State,
    app: &Application,
    member: Option<&Value>,
) -> ApiResult<Option<String>> {
    let href = match member {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(href)) => href.clone(),
        Some(Value::Object(o)) => match (o.get("href"), o.get("nameKey")) {
            (Some(Value::String(href)), _) => href.clone(),
            (None, Some(Value::String(_))) => return Err(not_mapped()),
            _ => {
                return Err(ApiError::bad_request(
                    2002,
                    "accountStore must be a link object with an href.",
                ));
            }
        },
        Some(_) => {
            return Err(ApiError::bad_request(
                2002,
                "accountStore must be a link object with an href.",
            ));
        }
    };
    let directory = state.id_of("directories", &href).ok_or_else(not_mapped)?;
    let mapped = state
        .store
        .list_mappings(&app.meta.id)
        .await?
        .into_iter()
        .any(|m| m.directory_id == directory);
    if mapped {
        Ok(Some(directory.to_owned()))
    } else {
        Err(not_mapped())
    }
}
