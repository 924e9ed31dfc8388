//! Options take values of the right kind: strings, a number, or nothing.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(label = 5, placeholder, required = true)]
    favorite_color: String,
    #[stormpath(max_length = "long", input = checkbox)]
    nickname: String,
    #[stormpath(max_length = 0, label = "  ")]
    motto: String,
}

fn main() {}
