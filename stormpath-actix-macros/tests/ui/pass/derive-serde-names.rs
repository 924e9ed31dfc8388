//! Names follow serde: `rename_all` and `rename` win; without them, camelCase with the Rust
//! name kept as serde's key. Labels default to the name in words.

use serde::{Deserialize, Serialize};
use stormpath::CustomData;

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[serde(rename_all = "kebab-case")]
struct Kebab {
    favorite_color: String,
    #[serde(rename = "mail_me")]
    newsletter: bool,
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Plain {
    favorite_color: String,
    #[serde(rename = "shoeSize")]
    #[stormpath(required)]
    shoe_size_eu: u8,
    r#type: Option<String>,
    #[serde(rename(serialize = "same", deserialize = "same"))]
    both_ways: Option<bool>,
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Camel {
    favorite_color: String,
}

fn main() {
    let names = |fields: Vec<stormpath::CustomField>| -> Vec<(String, String, String)> {
        fields
            .iter()
            .map(|f| (f.name().to_owned(), f.serde_key().to_owned(), f.label().to_owned()))
            .collect()
    };
    let own = |a: &str, b: &str, c: &str| (a.to_owned(), b.to_owned(), c.to_owned());
    assert_eq!(
        names(Kebab::fields()),
        [
            own("favorite-color", "favorite-color", "Favorite color"),
            own("mail_me", "mail_me", "Newsletter"),
        ]
    );
    assert_eq!(
        names(Plain::fields()),
        [
            own("favoriteColor", "favorite_color", "Favorite color"),
            own("shoeSize", "shoeSize", "Shoe size eu"),
            own("type", "type", "Type"),
            own("same", "same", "Both ways"),
        ]
    );
    assert_eq!(
        names(Camel::fields()),
        [own("favoriteColor", "favoriteColor", "Favorite color")]
    );
}
