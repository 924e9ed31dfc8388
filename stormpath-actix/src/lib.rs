//! Drop-in user management for Actix-web: registration, login, logout, token cookies, groups —
//! Flask-Stormpath's one-minute promise, in Rust.
//!
//! # Getting started
//!
//! Set `SECRET_KEY` (at least 32 random characters) and add one line:
//!
//! ```no_run
//! use actix_web::{App, HttpServer, get};
//! use stormpath::CurrentUser;
//!
//! #[get("/dashboard")]
//! #[stormpath::login_required]
//! async fn dashboard(user: CurrentUser) -> String {
//!     format!("Hello {}", user.given_name())
//! }
//!
//! #[actix_web::main]
//! async fn main() -> std::io::Result<()> {
//!     HttpServer::new(|| App::new().configure(stormpath::init).service(dashboard))
//!         .bind(("127.0.0.1", 8080))?
//!         .run()
//!         .await
//! }
//! ```
//!
//! That gives `/register`, `/login` and `/logout` (HTML pages and a JSON API, per the
//! Stormpath framework specification), accounts kept in a `stormpath.db` SQLite file created
//! on first start, argon2id password hashing, CSRF-protected forms, and `access_token` /
//! `refresh_token` cookies whose tokens are revoked server-side on logout.
//!
//! # Lazy setup
//!
//! For application factories and tests, [`Stormpath::builder`] returns a configured handle:
//!
//! ```no_run
//! # async fn demo() -> Result<(), stormpath::Error> {
//! let sp = stormpath::Stormpath::builder()
//!     .application("dronewars")
//!     .database_url("postgres://postgres@127.0.0.1/dronewars")
//!     .web(|web| web.register.auto_login = true)
//!     .build()
//!     .await?;
//! let app = actix_web::App::new().configure(sp.configure());
//! # Ok(()) }
//! ```
//!
//! # Protecting handlers
//!
//! * [`CurrentUser`] (or `Option<CurrentUser>`) as a handler argument;
//! * [`#[login_required]`](login_required) and [`#[groups_required("admins")]`](groups_required)
//!   on a handler: HTML clients are redirected to the login page with `next`, JSON clients get
//!   `401`; the wrong groups get `403`.
//!
//! # Typed custom data
//!
//! Every account carries JSON custom data. Describe it with a struct, and the registration form
//! grows its fields (HTML, JSON view model and validation alike), while handlers read and
//! update it typed:
//!
//! ```no_run
//! use actix_web::{get, web::Json};
//! use serde::{Deserialize, Serialize};
//! use stormpath::CurrentUser;
//!
//! #[derive(Serialize, Deserialize, stormpath::CustomData)]
//! struct Profile {
//!     #[stormpath(label = "Favorite color", placeholder = "e.g. blue", required)]
//!     favorite_color: String,
//!     #[stormpath(label = "Newsletter", input = "checkbox")]
//!     newsletter: bool,
//!     #[stormpath(skip)] // stored, but never on the form
//!     plan: Option<String>,
//! }
//!
//! #[get("/profile")]
//! #[stormpath::login_required]
//! async fn profile(user: CurrentUser) -> Result<String, stormpath::Error> {
//!     let p: Profile = user.custom_data().await?;
//!     user.update_custom_data(|p: &mut Profile| p.newsletter = false).await?;
//!     Ok(p.favorite_color)
//! }
//!
//! # async fn demo() -> Result<(), stormpath::Error> {
//! let sp = stormpath::Stormpath::builder().custom_data::<Profile>().build().await?;
//! # Ok(()) }
//! ```
//!
//! See [`CustomData`] for the options, [`StormpathBuilder::custom_data`] for how the fields join
//! the configured ones, and [`CurrentUser::update_custom_data`] for the atomic update.
//!
//! # Cargo features
//!
//! * `macros` (default): the attribute macros and `#[derive(CustomData)]`.
//! * `embedded` (default): the embedded account store (a SQLite file, or PostgreSQL), which
//!   [`init`] opens. Without it, pass a back end with [`StormpathBuilder::backend`]; sqlx is
//!   then not compiled.
//! * `remote` (default): the remote back end. When `client.baseUrl`
//!   (`STORMPATH_CLIENT_BASEURL`) and an API key (`client.apiKey`, `STORMPATH_API_KEY_ID` /
//!   `_SECRET`, an `apiKey.properties` file) are configured, accounts live on that Stormpath
//!   REST API server (`stormpath-server`, or any compatible one) rather than in the embedded
//!   store; access tokens are still verified in process.
//!
//! The account store is any [`Backend`]: six small traits (accounts, sessions, groups, custom
//! data, API keys, reset and verification flows) from `stormpath-client`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod audit;
mod auth;
mod client_ip;
pub mod config;
mod cookies;
mod csrf;
mod custom_data;
mod error;
mod extract;
mod features;
mod guard;
mod headers;
pub mod hooks;
mod input;
#[cfg(feature = "embedded")]
mod mail;
pub mod negotiate;
mod openapi;
mod pages;
mod panics;
mod redirect;
mod respond;
mod routes;
mod session;
mod social;
mod stormpath;
mod templates;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use audit::AuditEvent;
pub use auth::AuthMethod;
pub use config::Config;
pub use custom_data::{CustomData, CustomField, InputType, ValueType};
pub use error::{Error, Result};
pub use extract::CurrentUser;
pub use headers::{SecurityHeaders, SecurityHeadersMiddleware, security_headers};
pub use panics::{CatchPanics, CatchPanicsMiddleware, catch_panics};
pub use stormpath::{Stormpath, StormpathBuilder, init};
#[cfg(feature = "macros")]
pub use stormpath_actix_macros::{CustomData, groups_required, login_required};
pub use stormpath_client::{Account, AccountStatus, Backend, Group};
