//! The guard next to the handler's own extractors, with patterns kept as written.
#![deny(warnings)]

use actix_web::{App, HttpRequest, web};
use stormpath::{CurrentUser, login_required};

#[login_required]
async fn profile(user: CurrentUser, mut path: web::Path<String>, _: HttpRequest) -> String {
    path.push('!');
    format!("{} {}", user.given_name(), path.into_inner())
}

fn main() {
    let _app = App::new().route("/profile/{name}", web::get().to(profile));
}
