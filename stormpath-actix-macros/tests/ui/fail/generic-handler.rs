use stormpath::login_required;

#[login_required]
async fn index<T: Default>() -> &'static str {
    let _ = T::default();
    "hello"
}

fn main() {
    let _ = index::<u8>;
}
