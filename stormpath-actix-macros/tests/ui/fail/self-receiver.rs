use stormpath::login_required;

struct Handlers;

impl Handlers {
    #[login_required]
    async fn index(&self) -> &'static str {
        "hello"
    }
}

fn main() {
    let _ = Handlers::index;
}
