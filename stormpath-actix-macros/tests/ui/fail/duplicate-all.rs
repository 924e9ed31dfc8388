use actix_web::{App, get};
use stormpath::groups_required;

#[get("/")]
#[groups_required("admins", "editors", all = true, all = false)]
async fn index() -> &'static str {
    "hello"
}

fn main() {
    let _app = App::new().service(index);
}
