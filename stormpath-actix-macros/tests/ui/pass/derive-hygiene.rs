//! The expansion names only absolute paths: local items called `Vec`, `vec`, `CustomField`,
//! `field` or `stormpath` do not confuse it.

#![allow(dead_code, unused_macros)]

use serde::{Deserialize, Serialize};

struct Vec;
struct CustomField;
fn field() {}
macro_rules! vec {
    ($($t:tt)*) => {
        compile_error!("the user's vec! was used")
    };
}

mod inner {
    use serde::{Deserialize, Serialize};

    mod stormpath {}

    #[derive(Serialize, Deserialize, ::stormpath::CustomData)]
    pub struct Profile {
        #[stormpath(required)]
        pub favorite_color: String,
    }
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Empty {}

fn main() {
    use stormpath::CustomData;
    assert_eq!(inner::Profile::fields().len(), 1);
    assert!(Empty::fields().is_empty());
}
