//! At least one of the groups (the default, or `all = false`).
#![deny(warnings)]

use actix_web::{App, HttpResponse, Responder, get, web};
use stormpath::{CurrentUser, groups_required};

#[get("/reports")]
#[groups_required("admins", "auditors")]
async fn reports(user: CurrentUser) -> impl Responder {
    HttpResponse::Ok().body(user.given_name().to_owned())
}

#[groups_required("admins", all = false)]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin"
}

#[groups_required("editors",)]
async fn edit(body: String) -> Result<String, actix_web::Error> {
    if body.is_empty() {
        return Err(actix_web::error::ErrorBadRequest("empty"));
    }
    Ok(body)
}

fn main() {
    let _app = App::new()
        .service(reports)
        .service(admin)
        .route("/edit", web::post().to(edit));
}
