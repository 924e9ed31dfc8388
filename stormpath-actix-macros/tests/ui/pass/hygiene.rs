//! The expansion uses absolute paths and hygienic names: user items and bindings that look
//! like them do not interfere.
#![deny(warnings)]

use actix_web::{App, web};
use stormpath::{groups_required, login_required};

#[allow(dead_code)]
struct RequireLogin;
#[allow(dead_code)]
struct Guarded;
#[allow(dead_code)]
mod core {}

#[login_required]
async fn echo(__sp_arg0: String, __sp_guard: web::Query<Vec<(String, String)>>) -> String {
    format!("{__sp_arg0} {}", __sp_guard.len())
}

#[groups_required("admins")]
async fn admins(__sp_denied: String) -> String {
    __sp_denied
}

fn main() {
    let _app = App::new()
        .route("/echo", web::post().to(echo))
        .route("/admins", web::post().to(admins));
}
