//! `skip` takes no other option, and a skipped field needs a value for new accounts.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Profile {
    #[stormpath(skip, label = "Plan")]
    plan: Option<String>,
    #[stormpath(skip)]
    tags: Vec<String>,
    #[serde(skip)]
    #[stormpath(required)]
    scratch: String,
}

fn main() {}
