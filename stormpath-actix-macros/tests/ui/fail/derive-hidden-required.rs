//! A hidden field cannot be required: nobody could fill it in.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(required, hidden)]
    referrer: String,
}

fn main() {}
