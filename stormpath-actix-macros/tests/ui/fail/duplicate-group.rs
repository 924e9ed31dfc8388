use actix_web::{App, get};
use stormpath::groups_required;

#[get("/a")]
#[groups_required("admins", "editors", "admins")]
async fn a() -> &'static str {
    "a"
}

#[get("/b")]
#[groups_required("admins", "Admins")]
async fn b() -> &'static str {
    "b"
}

fn main() {
    let _app = App::new().service(a).service(b);
}
