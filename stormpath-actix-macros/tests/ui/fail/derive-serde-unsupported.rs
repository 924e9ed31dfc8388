//! serde features that break the one-name-per-field model are refused.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Address {
    city: String,
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[serde(rename_all(serialize = "camelCase", deserialize = "snake_case"))]
struct Profile {
    #[serde(flatten)]
    address: Address,
    #[serde(rename(serialize = "colour"))]
    color: String,
    #[serde(skip_deserializing)]
    motto: String,
}

fn main() {}
