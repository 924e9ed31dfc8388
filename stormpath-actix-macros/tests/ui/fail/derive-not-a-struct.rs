//! Only structs with named fields.

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
enum Plan {
    Free,
    Paid,
}

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Pair(String, String);

#[derive(Serialize, Deserialize, stormpath::CustomData)]
struct Wrapper<T> {
    value: T,
}

fn main() {}
