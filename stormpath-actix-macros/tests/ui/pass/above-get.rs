//! Above `#[get]`: ours runs first, and `#[get]` wraps the guarded handler.
#![deny(warnings)]

use actix_web::{App, get};
use stormpath::{CurrentUser, login_required};

/// Doc comments stay on the handler.
#[login_required]
#[get("/dashboard")]
#[allow(unused_variables)]
async fn dashboard(user: CurrentUser) -> &'static str {
    "hello"
}

fn main() {
    let _app = App::new().service(dashboard);
}
