use actix_web::{App, get};
use stormpath::login_required;

#[get("/")]
#[login_required("admins")]
async fn index() -> &'static str {
    "hello"
}

fn main() {
    let _app = App::new().service(index);
}
