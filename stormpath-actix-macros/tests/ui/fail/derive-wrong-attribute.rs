//! `#[stormpath]` must be a list of options, and goes on fields.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[stormpath(required)]
struct Profile {
    #[stormpath]
    favorite_color: String,
    #[stormpath = "Nickname"]
    nickname: String,
}

fn main() {}
