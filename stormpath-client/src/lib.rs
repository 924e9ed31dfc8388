//! The Stormpath resource model and the [`Backend`] trait that the web plugin runs on.
//!
//! This crate knows nothing about web frameworks or databases. It holds:
//!
//! * the resource model: [`Account`], [`Group`], [`PasswordStrength`], [`CustomData`] and the
//!   token types ([`TokenSet`], [`AccessClaims`]);
//! * the [`Backend`] trait: every operation the plugin needs from an account store, in six
//!   cohesive parts ([`Accounts`], [`Sessions`], [`Groups`], [`CustomDataStore`], [`ApiKeys`],
//!   [`AccountFlows`]; `use stormpath_client::prelude::*` brings their methods into scope),
//!   and [`update_custom_data`], the one compare-and-swap loop over custom data;
//! * the emails a back end sends itself ([`EmailTemplates`], [`Notice`]);
//! * the crate's one [`Error`] type, whose variants keep the Stormpath HTTP status and error
//!   code (400/7100 bad login, 404 unknown token, 409/2001 duplicate), with structured
//!   validation errors ([`Invalid`]: field, kind, message);
//! * credential file parsing ([`credentials`]): Stormpath's `apiKey.properties` format;
//! * client configuration loading ([`config`]): `apiKey.properties`, `stormpath.json` /
//!   `stormpath.yml` in `~/.stormpath` and the working directory, and the `STORMPATH_*`
//!   environment variables (including Flask-Stormpath's), in the SDKs' order;
//! * the client side of the REST protocol as pure functions, no HTTP client:
//!   [`sauthc1`], the SAuthc1 digest that authenticates API callers (signing, parsing and
//!   constant-time verification), and [`secret_crypt`], the `encryptSecret` encryption of
//!   API-key secrets (PBKDF2-HMAC-SHA1 and AES-CBC).
//!
//! The embedded backend (SQLite or PostgreSQL, in process) lives in `stormpath-store`.
//!
//! Cargo features (none by default):
//!
//! * `jws`: `stormpath_client::jws`, the HS256 `jsonwebtoken` crypto provider on *ring* shared by the embedded
//!   store and the remote back end;
//! * `remote`: `stormpath_client::remote::RemoteBackend`, a [`Backend`] that calls any server speaking the
//!   Stormpath REST API (reqwest with rustls; HTTP Basic or SAuthc1), verifying access tokens
//!   locally.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
pub mod config;
pub mod credentials;
mod email;
pub mod email_address;
mod error;
#[cfg(feature = "jws")]
pub mod jws;
mod model;
mod password_policy;
#[cfg(feature = "remote")]
pub mod remote;
pub mod sauthc1;
pub mod secret_crypt;
pub mod throttle;
pub mod timestamp;

pub use backend::{
    AccountFlows, Accounts, ApiKeys, Authenticated, Backend, CustomDataStore, Groups,
    MAX_CUSTOM_DATA_ATTEMPTS, ProviderAccounts, ProviderLink, Refreshed, SessionInfo, Sessions,
    TokenGrant, VersionedCustomData, merge_custom_data, update_custom_data,
};
pub use email::{EmailKind, EmailTemplates, Notice, RenderedEmail};
pub use error::{Error, Invalid, InvalidKind, Result};
pub use model::{
    AccessClaims, Account, AccountId, AccountStatus, AccountUpdate, ApiKeyInfo, CustomData,
    EmailVerificationStatus, Group, GroupStatus, NewAccount, NewApiKey, PasswordStrength,
    RefreshToken, Resource, TokenKind, TokenSet,
};

/// The back-end parts' traits, so their methods can be called on an `Arc<dyn Backend>`.
pub mod prelude {
    pub use crate::backend::{
        AccountFlows, Accounts, ApiKeys, Backend, CustomDataStore, Groups, ProviderAccounts,
        Sessions,
    };
}
