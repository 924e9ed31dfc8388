use stormpath::login_required;

#[login_required]
fn index() -> &'static str {
    "hello"
}

fn main() {
    let _ = index;
}
