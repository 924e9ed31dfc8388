use stormpath::{groups_required, login_required};

#[login_required]
async fn ping() {}

#[groups_required("admins")]
async fn pong() -> () {}

fn main() {
    let _ = (ping, pong);
}
