//! Names registration keeps for the account itself cannot be custom fields.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    email: String,
    given_name: String,
    #[serde(rename = "customData")]
    data: Option<String>,
    #[serde(rename = "stormpathApiKey_1")]
    #[stormpath(skip)]
    key: Option<String>,
}

fn main() {}
