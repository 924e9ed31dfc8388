//! Below `#[get]`: actix's macro runs first and keeps our attribute on the fn it wraps.
#![deny(warnings)]

use actix_web::{App, get};
use stormpath::{CurrentUser, login_required};

/// Doc comments stay on the handler.
#[get("/dashboard")]
#[login_required]
pub async fn dashboard(user: CurrentUser) -> String {
    format!("Hello {}", user.given_name())
}

fn main() {
    let _app = App::new().service(dashboard);
}
