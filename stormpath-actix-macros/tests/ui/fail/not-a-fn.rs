use stormpath::login_required;

#[login_required]
struct Index;

fn main() {
    let _ = Index;
}
