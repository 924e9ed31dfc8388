//! `-> impl Responder` becomes `-> Guarded<impl Responder>`.
#![deny(warnings)]

use actix_web::{App, HttpResponse, Responder, get};
use stormpath::login_required;

#[get("/report")]
#[login_required]
async fn report() -> impl Responder {
    HttpResponse::Ok().body("report")
}

fn main() {
    let _app = App::new().service(report);
}
