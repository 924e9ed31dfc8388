//! A misspelt option is reported at its name, with the list of options; the other options
//! are still read, and the type still implements `CustomData` (no follow-on errors).

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(lable = "Favorite color", required)]
    favorite_color: String,
    #[stormpath(optional)]
    nickname: Option<String>,
    #[stormpath(rename = "x")]
    other: String,
}

fn main() {
    let _ = stormpath::Stormpath::builder().custom_data::<Profile>();
}
