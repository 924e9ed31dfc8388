use actix_web::{App, get};
use stormpath::groups_required;

const ADMINS: &str = "admins";

#[get("/a")]
#[groups_required(ADMINS)]
async fn a() -> &'static str {
    ADMINS
}

#[get("/b")]
#[groups_required("admins", 42)]
async fn b() -> &'static str {
    "b"
}

fn main() {
    let _app = App::new().service(a).service(b);
}
