use actix_web::HttpRequest as R;
use stormpath::login_required;

#[login_required]
async fn index(
    _: R, _: R, _: R, _: R, _: R, _: R, _: R, _: R,
    _: R, _: R, _: R, _: R, _: R, _: R, _: R, _: R,
) -> &'static str {
    "hello"
}

fn main() {
    let _ = index;
}
