use actix_web::{App, get};
use stormpath::groups_required;

#[get("/a")]
#[groups_required]
async fn a() -> &'static str {
    "a"
}

#[get("/b")]
#[groups_required()]
async fn b() -> &'static str {
    "b"
}

#[get("/c")]
#[groups_required(all = true)]
async fn c() -> &'static str {
    "c"
}

fn main() {
    let _app = App::new().service(a).service(b).service(c);
}
