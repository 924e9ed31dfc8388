//! A type that is only named like a supported one is caught by the trait bound.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct String;

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    favorite_color: String,
}

fn main() {}
