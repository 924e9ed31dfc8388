//! Two fields may not share a name, however they got it.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    favorite_color: String,
    #[serde(rename = "favoriteColor")]
    color: String,
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[allow(non_snake_case)]
struct Spelling {
    nick_name: String,
    nickName: String,
}

fn main() {}
