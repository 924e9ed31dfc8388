//! `?` and an early `return` keep their meaning: they leave the original body, which returns
//! `Result<_, stormpath::Error>`.
#![deny(warnings)]

use actix_web::{App, web};
use stormpath::{CurrentUser, login_required};

#[login_required]
async fn groups(user: CurrentUser) -> Result<String, stormpath::Error> {
    let groups = user.groups().await?;
    if groups.is_empty() {
        return Ok("no groups".to_owned());
    }
    Ok(format!("{} groups", groups.len()))
}

fn main() {
    let _app = App::new().route("/groups", web::get().to(groups));
}
