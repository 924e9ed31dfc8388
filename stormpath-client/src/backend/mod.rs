//! The `Backend` trait: what the web plugin needs from an account store, in cohesive parts.
//!
//! A back end implements six small traits, each about one kind of resource; [`Backend`] is
//! all of them together, and is what the plugin holds (`Arc<dyn Backend>`). Bring the parts'
//! methods into scope with `use stormpath_client::prelude::*`.
//!
//! | part | operations |
//! |---|---|
//! | [`Accounts`] | create, look up, update, delete accounts; the directory and application |
//! | [`Sessions`] | password login, password change, tokens (issue, refresh, verify, revoke) |
//! | [`Groups`] | memberships and groups |
//! | [`CustomDataStore`] | custom data, read with a version and written by compare-and-swap |
//! | [`ApiKeys`] | an account's API keys and Basic authentication with them |
//! | [`AccountFlows`] | password reset and email verification, whose emails the back end sends |
//! | [`ProviderAccounts`] | social / OpenID Connect identities (provider, subject) linked to accounts |
//!
//! No raw one-time token ever crosses the trait: the back end mails the links itself, so a
//! remote back end (a Stormpath-compatible server, which sends its own mail) implements it too.
//!
//! `Ok(None)` means "not found"; `Err` carries either an answer the user can act on (bad
//! credentials, a conflict, a [validation error](crate::Invalid)) or
//! [`Error::Backend`](crate::Error::Backend) when the store itself broke.

mod accounts;
mod api_keys;
mod custom_data;
mod flows;
mod groups;
mod providers;
mod sessions;

use std::sync::Arc;

pub use accounts::Accounts;
pub use api_keys::ApiKeys;
pub use custom_data::{
    CustomDataStore, MAX_CUSTOM_DATA_ATTEMPTS, VersionedCustomData, merge_custom_data,
    update_custom_data,
};
pub use flows::AccountFlows;
pub use groups::Groups;
pub use providers::{ProviderAccounts, ProviderLink};
pub use sessions::{Refreshed, SessionInfo, Sessions, TokenGrant};

use crate::{AccessClaims, Account};

/// An account store: every part the web plugin uses. Implemented automatically for any type
/// that implements all the parts.
///
/// The embedded implementation is `stormpath_store::Store`.
pub trait Backend:
    Accounts
    + Sessions
    + Groups
    + CustomDataStore
    + ApiKeys
    + AccountFlows
    + ProviderAccounts
    + Send
    + Sync
    + 'static
{
}

impl<T> Backend for T where
    T: Accounts
        + Sessions
        + Groups
        + CustomDataStore
        + ApiKeys
        + AccountFlows
        + ProviderAccounts
        + Send
        + Sync
        + 'static
{
}

/// The logged-in account of a request: the account and, when it authenticated with an access
/// token, the token's verified claims (`None` for an API key).
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The account (shared: back ends cache accounts between requests).
    pub account: Arc<Account>,
    /// The verified access-token claims (shared: verified tokens are cached).
    pub claims: Option<Arc<AccessClaims>>,
}
