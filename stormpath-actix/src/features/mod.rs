//! One module per spec feature. Each binds its routes in `configure` (nothing when the
//! feature is disabled) and keeps three layers: the handler (typed [`Input`](crate::input::Input)
//! in), a service function (no HTTP), and the answer ([`respond`](crate::respond), HTML page or
//! JSON, chosen by negotiation).

mod api_keys;
mod change;
mod forgot;
pub(crate) mod login;
mod logout;
mod me;
mod me_sessions;
mod oauth;
mod register;
mod settings;
mod verify;

use actix_web::web::ServiceConfig;

use crate::Stormpath;

/// Binds every enabled feature's routes.
pub(crate) fn configure(cfg: &mut ServiceConfig, sp: &Stormpath) {
    login::configure(cfg, sp);
    register::configure(cfg, sp);
    logout::configure(cfg, sp);
    forgot::configure(cfg, sp);
    change::configure(cfg, sp);
    verify::configure(cfg, sp);
    me::configure(cfg, sp);
    me_sessions::configure(cfg, sp);
    oauth::configure(cfg, sp);
    settings::configure(cfg, sp);
    api_keys::configure(cfg, sp);
    crate::openapi::configure(cfg, sp);
    crate::social::configure(cfg, sp);
}
