//! The input type must exist and fit the field.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(input = "checkbox")]
    favorite_color: String,
    #[stormpath(input = "text")]
    newsletter: bool,
    #[stormpath(input = "password")]
    pin: String,
    #[stormpath(input = "hidden")]
    referrer: String,
    #[stormpath(input = "textarea")]
    bio: String,
    #[stormpath(max_length = 10)]
    age: Option<u8>,
}

fn main() {}
