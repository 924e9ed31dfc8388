//! Every one of the groups, with `all` first or last, under and above `#[post]`.
#![deny(warnings)]

use actix_web::{App, post};
use stormpath::groups_required;

#[post("/payroll")]
#[groups_required("admins", "finance", all = true)]
async fn payroll() -> &'static str {
    "paid"
}

#[groups_required(all = true, "admins", "finance")]
#[post("/bonus")]
async fn bonus() -> &'static str {
    "paid"
}

fn main() {
    let _app = App::new().service(payroll).service(bonus);
}
