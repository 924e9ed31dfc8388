//! A number left empty has no value to store: it must be required or an Option.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    shoe_size: u8,
}

fn main() {}
