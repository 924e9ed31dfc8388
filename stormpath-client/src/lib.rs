//! The Stormpath resource model and the [`Backend`] trait that the web plugin runs on.
//!
//! This crate knows nothing about web frameworks or databases. It holds:
//!
//! * the resource model: [`Account`], [`Group`], [`PasswordStrength`], [`CustomData`] and the
//!   token types ([`TokenSet`], [`AccessClaims`]);
//! * the [`Backend`] trait: every operation the plugin needs from an account store
//!   (register, authenticate, look up accounts and groups, custom data, tokens);
//! * the crate's one [`Error`] type, whose variants keep the Stormpath HTTP status semantics
//!   (400 bad login, 404 unknown token, 409 duplicate);
//! * credential file parsing ([`credentials`]): Stormpath's `apiKey.properties` format.
//!
//! The embedded backend (SQLite or PostgreSQL, in process) lives in `stormpath-store`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod backend;
pub mod credentials;
mod error;
mod model;
pub mod timestamp;

pub use backend::{Authenticated, Backend};
pub use error::{Error, Result};
pub use model::{
    AccessClaims, Account, AccountId, AccountStatus, AccountUpdate, ApiKeyInfo, CustomData,
    EmailVerificationStatus, Group, GroupStatus, NewAccount, NewApiKey, PasswordStrength, Resource,
    TokenKind, TokenSet,
};
