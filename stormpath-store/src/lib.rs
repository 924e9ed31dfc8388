//! The embedded Stormpath account store.
//!
//! [`Store`] implements [`stormpath_client::Backend`] in process, over SQLite (the default: a
//! file created on first start) or PostgreSQL, both through sqlx with embedded migrations.
//!
//! * Passwords: argon2id with OWASP parameters ([`HashParams`]), hashed on the blocking pool
//!   with a bound on concurrent hashes, Unicode-normalized, rehashed on login when the stored
//!   parameters are out of date; unknown logins cost the same time as wrong passwords.
//! * Password policy: Stormpath's strength rules per directory ([`check_strength`]), and a
//!   blocklist of common, breached and personal passwords ([`check_guessable`]).
//! * Tokens: HS256 access tokens (unique `jti`, `rti` of their refresh token) and refresh
//!   tokens, verified in memory; revocation kept in the database and mirrored in memory.
//! * Accounts are cached in memory for the authenticated hot path and invalidated on write.
//! * Mail: the store sends the password-reset and verification links and the security
//!   notices itself ([`mail::Mailer`], rendered by the application's [`stormpath_client::EmailTemplates`]
//!   or [`PlainEmailTemplates`]) through an outbox table and a background sender (retries,
//!   backoff, per-address caps: [`MailPolicy`]); no raw one-time token leaves it any other way.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use stormpath_client::{NewAccount, prelude::*};
//!
//! let store = stormpath_store::Store::builder()
//!     .database_url("sqlite://stormpath.db")
//!     .application("My App")
//!     .signing_key("an example key that is at least 32 bytes long")
//!     .build()
//!     .await?;
//! let account = store
//!     .create_account(NewAccount {
//!         email: "ada@example.com".into(),
//!         password: "Analytical-Engine-1843".into(),
//!         ..NewAccount::default()
//!     })
//!     .await?;
//! assert_eq!(store.authenticate("ada@example.com", "Analytical-Engine-1843").await?.href, account.href);
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod accounts;
pub mod admin;
mod api_keys;
mod cache;
mod custom_data;
mod db;
pub mod email;
mod error;
mod families;
mod fixups;
#[doc(hidden)]
pub mod fuzz;
mod groups;
pub mod mail;
mod once;
mod one_time;
mod outbox;
mod password;
mod providers;
mod seal;
mod sessions;
mod shared;
mod store;
mod token;
mod util;

pub use db::{Dialect, check_url, sqlite_file};
pub use error::{Error, Result, is_locked, is_unreachable};
pub use mail::PlainEmailTemplates;
pub use outbox::MailPolicy;
pub use password::{
    CHECKED_PREFIX, HashParams, MIN_GUESSES, PasswordContext, check_guessable, check_strength,
};
pub use seal::SEALING_KEY_LEN;
pub use shared::{Changes, Cursor};
pub use store::{QUEUED_HASHES_PER_PERMIT, Store, StoreBuilder};
pub use token::MIN_SIGNING_KEY_LEN;
