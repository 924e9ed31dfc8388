//! Each option at most once per field, across all its `#[stormpath]` attributes.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(label = "Color", label = "Colour")]
    #[stormpath(required)]
    #[stormpath(required)]
    favorite_color: String,
}

fn main() {}
