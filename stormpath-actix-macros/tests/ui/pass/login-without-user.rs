//! A handler that needs a login but not the account.
#![deny(warnings)]

use actix_web::{App, web};
use stormpath::login_required;

#[login_required]
async fn secret() -> &'static str {
    "for members only"
}

fn main() {
    let _app = App::new().route("/secret", web::get().to(secret));
}
