//! Every supported type, the input types that fit them, and the other options.

use serde::{Deserialize, Serialize};
use stormpath::{CustomData, CustomField, InputType, ValueType};

#[derive(Serialize, Deserialize, stormpath::CustomData)]
#[serde(rename_all = "camelCase")]
struct Everything {
    #[stormpath(input = "email", max_length = 200)]
    backup_email: String,
    #[stormpath(input = "tel")]
    phone: Option<String>,
    #[stormpath(input = "date")]
    birthday: Option<String>,
    #[stormpath(input = "datetime-local", hidden)]
    seen_at: String,
    agree: bool,
    #[stormpath(required, label = "Terms")]
    terms: bool,
    maybe: Option<bool>,
    #[stormpath(required)]
    a: i8,
    #[stormpath(required)]
    b: i16,
    #[stormpath(required)]
    c: i32,
    #[stormpath(required, input = "range")]
    d: i64,
    e: Option<isize>,
    #[stormpath(required)]
    f: u8,
    #[stormpath(required)]
    g: u16,
    #[stormpath(required)]
    h: u32,
    #[stormpath(required)]
    i: u64,
    j: Option<usize>,
    #[stormpath(required)]
    k: f32,
    l: Option<f64>,
    /// Numbers with a serde default may be left empty.
    #[serde(default)]
    m: u32,
    #[stormpath(skip)]
    #[serde(default)]
    tags: Vec<String>,
    #[stormpath(skip)]
    nested: Option<std::collections::BTreeMap<String, Vec<u8>>>,
    /// Never stored: not a field at all.
    #[serde(skip)]
    scratch: Vec<u8>,
    qualified: std::string::String,
    #[stormpath(required)]
    primitive: core::primitive::u16,
}

fn find(fields: &[CustomField], name: &str) -> CustomField {
    fields.iter().find(|f| f.name() == name).cloned().expect(name)
}

fn main() {
    let fields = Everything::fields();
    assert_eq!(fields.len(), 24, "every field but `scratch`");
    assert!(fields.iter().all(|f| f.name() != "scratch"));

    let email = find(&fields, "backupEmail");
    assert_eq!(email.input(), InputType::Email);
    assert_eq!(email.max_length(), 200);
    assert_eq!(find(&fields, "phone").input().as_str(), "tel");
    assert_eq!(find(&fields, "birthday").input().as_str(), "date");
    let seen = find(&fields, "seenAt");
    assert_eq!(seen.input().as_str(), "datetime-local");
    assert!(!seen.is_visible() && seen.on_form(), "hidden: accepted, not shown");
    assert_eq!(find(&fields, "agree").input(), InputType::Checkbox);
    assert!(find(&fields, "terms").is_required());
    assert!(find(&fields, "maybe").is_optional());

    assert_eq!(find(&fields, "a").value_type(), ValueType::integer(-128, 127));
    assert_eq!(find(&fields, "d").input(), InputType::Range);
    assert_eq!(
        find(&fields, "i").value_type(),
        ValueType::integer(0, i128::from(u64::MAX))
    );
    assert_eq!(find(&fields, "j").input(), InputType::Number);
    assert!(find(&fields, "j").is_optional());
    assert_eq!(
        find(&fields, "k").value_type(),
        ValueType::Float { max: f64::from(f32::MAX) }
    );
    assert!(find(&fields, "m").is_optional(), "serde default");
    assert!(!find(&fields, "tags").on_form());
    assert!(!find(&fields, "nested").on_form());
    assert_eq!(find(&fields, "qualified").value_type(), ValueType::Text);
    assert_eq!(
        find(&fields, "primitive").value_type(),
        ValueType::integer(0, 65535)
    );
}
