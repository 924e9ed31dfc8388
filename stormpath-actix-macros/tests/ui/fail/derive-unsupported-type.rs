//! A form field of a type the form cannot hold is reported at the type, naming the field.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    favorite_color: String,
    tags: Vec<String>,
    #[stormpath(required)]
    big: u128,
    maybe_maybe: Option<Option<String>>,
    address: (String, String),
}

fn main() {}
